"""The simulated engine's model: workstations, job stream templates and job definitions.

The catalog is what exists in the engine's database independent of any day: names, folders, scripts,
which workstation runs what, how long a job usually takes and how it tends to fail. Plans for each
production day are drawn from it (see plan.py), so the same job keeps its name, script, typical
duration and failure habits from day to day, which is what forecasting and anomaly models learn from.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from twspulse.simulator.config import SimConfig
from twspulse.simulator.runtime_patterns import RuntimeProfile, draw_profile, is_weekend_maintenance, peaks_at_month_end


@dataclass(frozen=True, slots=True)
class WorkstationDef:
    """A workstation of the engine's network."""

    id: str
    name: str
    os: str
    type: str
    host_type: str
    node_name: str
    tcp_port: int
    limit: int

    @property
    def key(self) -> str:
        """Folder-qualified name, as jobs reference it (e.g. /MDM)."""
        return f"/{self.name}"

    @property
    def active_states(self) -> tuple[str, ...]:
        """WorkstationStateEnum values of the workstation while it is linked (every one is up)."""
        return self.states(linked=True)

    def states(self, linked: bool) -> tuple[str, ...]:
        """WorkstationStateEnum values the workstation reports; an unlinked one loses LINKED and WRITER_UP."""
        states = ("ONLINE", "LINKED", "JOBMAN_UP", "WRITER_UP") if linked else ("ONLINE", "JOBMAN_UP")
        return ("MASTER", *states) if self.host_type == "MASTER" else states


@dataclass(frozen=True, slots=True)
class StreamDef:
    """A job stream definition: a named, scheduled group of jobs in a folder."""

    index: int
    name: str
    folder: str
    workstation: WorkstationDef
    day_fraction: float
    priority: int


# Not frozen: a frozen dataclass's __init__ costs six times more, which a 50,000-job catalog feels.
@dataclass(slots=True, eq=False)
class JobDef:
    """A job definition inside a job stream (treat as read-only)."""

    id: str
    stream: StreamDef
    position: int
    name: str
    workstation: WorkstationDef
    tech: str
    script: str
    user: str
    median_seconds: int
    flakiness: float
    families: tuple[tuple[str, int], ...]
    description: str
    priority: int
    profile: RuntimeProfile
    timed: bool  # has its own start time (an AT dependency); otherwise it starts when its predecessor ends


# name, folder, database flavour, job names. Names follow what batch estates usually look like.
_STREAM_TEMPLATES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "DAILY_SALES",
        "/",
        "oracle",
        (
            "EXTRACT_POS",
            "LOAD_SALES",
            "AGGREGATE_SALES",
            "REFRESH_MV_SALES",
            "EXPORT_SALES_API",
            "ARCHIVE_POS_FILES",
        ),
    ),
    (
        "PAYROLL",
        "/FINANCE/",
        "db2",
        (
            "IMPORT_HR_FEED",
            "CALC_PAYROLL",
            "VALIDATE_PAYROLL",
            "POST_GL_PAYROLL",
            "SEND_BANK_FILE",
            "PRINT_PAYSLIPS",
        ),
    ),
    (
        "ETL_DWH",
        "/DWH/",
        "postgres",
        ("EXTRACT_CRM", "EXTRACT_ERP", "STAGE_LOAD", "TRANSFORM_DIMS", "LOAD_FACTS", "VACUUM_ANALYZE"),
    ),
    (
        "GL_CLOSE",
        "/FINANCE/",
        "oracle",
        ("EXTRACT_GL", "RECONCILE_AP", "RECONCILE_AR", "CLOSE_PERIOD", "REPORT_TRIAL_BAL", "EXPORT_GL_API"),
    ),
    (
        "INVENTORY_SYNC",
        "/",
        "postgres",
        ("FETCH_WMS_STOCK", "LOAD_INVENTORY", "CALC_REORDER", "PUSH_SUPPLIERS_API", "CLEANUP_TMP"),
    ),
    (
        "BILLING_RUN",
        "/FINANCE/",
        "oracle",
        ("COLLECT_USAGE", "RATE_CALLS", "CALC_INVOICES", "PRINT_INVOICES", "SEND_EINVOICE", "ARCHIVE_BILLS"),
    ),
    (
        "CRM_EXPORT",
        "/SALES/",
        "postgres",
        ("EXTRACT_CONTACTS", "DEDUP_CONTACTS", "LOAD_CRM_STAGE", "PUSH_CRM_API", "CLEANUP_CRM_FILES"),
    ),
    (
        "RISK_CALC",
        "/RISK/",
        "oracle",
        ("LOAD_MARKET_DATA", "CALC_VAR", "CALC_EXPOSURE", "LOAD_RISK_FACTS", "SEND_RISK_REPORT"),
    ),
    ("BACKUP_DB", "/", "oracle", ("RMAN_BACKUP", "COPY_OFFSITE", "VERIFY_BACKUP", "PURGE_OLD_BACKUPS")),
    (
        "HR_FEED",
        "/HR/",
        "db2",
        ("IMPORT_BADGE_FILE", "LOAD_EMPLOYEES", "SYNC_LDAP_API", "CALC_ABSENCES", "ARCHIVE_HR_FILES"),
    ),
    (
        "LOGISTICS_ROUTES",
        "/OPS/",
        "postgres",
        ("FETCH_ORDERS_API", "CALC_ROUTES", "LOAD_ROUTES", "SEND_DRIVER_PLANS", "CLEANUP_ROUTE_TMP"),
    ),
    (
        "MONTH_END_REPORTS",
        "/FINANCE/",
        "db2",
        ("EXTRACT_LEDGER", "CALC_ACCRUALS", "LOAD_REPORT_MART", "PRINT_STATEMENTS", "SEND_AUDIT_PACK"),
    ),
    (
        "DATA_QUALITY",
        "/DWH/",
        "postgres",
        ("PROFILE_TABLES", "CHECK_REFERENTIAL", "LOAD_DQ_RESULTS", "SEND_DQ_ALERTS_API"),
    ),
    (
        "FILE_TRANSFER_IN",
        "/",
        "shell",
        ("FETCH_SFTP_FILES", "VALIDATE_CHECKSUMS", "IMPORT_PARTNER_FILES", "ARCHIVE_INBOX"),
    ),
    ("CLEANUP_LOGS", "/", "shell", ("ROTATE_APP_LOGS", "PURGE_TMP_FILES", "COMPRESS_OLD_LOGS")),
    (
        "MARKETING_SEGMENTS",
        "/SALES/",
        "postgres",
        ("EXTRACT_CAMPAIGNS", "CALC_SEGMENTS", "LOAD_SEGMENTS", "PUSH_CAMPAIGN_API"),
    ),
)

# name, os, type, host type, node name prefix
_WORKSTATION_TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("MDM", "LINUX", "MANAGER", "MASTER"),
    ("FTA1", "AIX", "FTA", "WORKSTATION"),
    ("LNX_APP01", "LINUX", "AGENT", "WORKSTATION"),
    ("LNX_DB01", "LINUX", "AGENT", "WORKSTATION"),
    ("LNX_ETL01", "LINUX", "AGENT", "WORKSTATION"),
    ("AIX_DB01", "AIX", "FTA", "WORKSTATION"),
    ("LNX_APP02", "LINUX", "AGENT", "WORKSTATION"),
)

# Which failure families each kind of job shows, with weights: a database job fails like a database
# job, a shell file mover like a file mover, so a job's failures look alike from day to day.
_FAMILY_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "oracle": (
        ("ora_tablespace", 4),
        ("ora_no_listener", 2),
        ("auth_failure", 1),
        ("disk_full", 1),
        ("timeout_killed", 1),
        ("missing_input_file", 1),
        ("data_quality", 1),
    ),
    "db2": (
        ("sqlstate_error", 4),
        ("auth_failure", 1),
        ("disk_full", 1),
        ("timeout_killed", 1),
        ("missing_input_file", 1),
        ("data_quality", 1),
    ),
    "postgres": (
        ("postgres_error", 3),
        ("sqlstate_error", 2),
        ("auth_failure", 2),
        ("connection_refused", 1),
        ("disk_full", 1),
        ("data_quality", 2),
    ),
    "java": (
        ("java_oom", 3),
        ("java_exception", 3),
        ("connection_refused", 2),
        ("timeout_killed", 1),
        ("missing_input_file", 1),
        ("data_quality", 1),
    ),
    "http": (("connection_refused", 3), ("network_timeout", 2), ("auth_failure", 2), ("timeout_killed", 1)),
    "sftp": (
        ("network_timeout", 4),
        ("auth_failure", 1),
        ("missing_input_file", 2),
        ("permission_denied", 1),
        ("disk_full", 1),
    ),
    "shell": (
        ("missing_input_file", 4),
        ("permission_denied", 3),
        ("disk_full", 2),
        ("script_syntax", 2),
        ("timeout_killed", 1),
        ("data_quality", 1),
    ),
}

_USERS = {
    "oracle": "oracle",
    "db2": "db2inst1",
    "postgres": "etluser",
    "java": "appuser",
    "http": "twsuser",
    "sftp": "xfer",
    "shell": "twsuser",
}

# Share of jobs after the first of their stream that have their own start time; the others only follow
# their predecessor, as most jobs of a TWS job stream do.
TIMED_JOB_SHARE = 0.25

_SFTP_WORDS = ("SFTP", "OFFSITE", "BANK_FILE")
_JAVA_WORDS = ("CALC_", "RATE_", "DEDUP_", "PROFILE_")
_HTTP_WORDS = ("_API", "SEND_", "PUSH_", "FETCH_")
_SHELL_WORDS = (
    "ARCHIVE",
    "COPY_",
    "PURGE",
    "CLEANUP",
    "PRINT_",
    "IMPORT_",
    "VERIFY",
    "VALIDATE",
    "ROTATE_",
    "COMPRESS_",
)


def _tech_of(job_name: str, stream_flavour: str) -> str:
    """Guess the technology a job uses from its name, the way an operator would."""
    if any(word in job_name for word in _SFTP_WORDS):
        return "sftp"
    if any(word in job_name for word in _HTTP_WORDS):
        return "http"
    if any(word in job_name for word in _JAVA_WORDS):
        return "java"
    if any(word in job_name for word in _SHELL_WORDS):
        return "shell"
    return stream_flavour


_VARIANT = {digit: "89ab"[int(digit, 16) % 4] for digit in "0123456789abcdef"}


def uuid_from(rng: random.Random) -> str:
    """A UUID-shaped (version 4) id drawn from `rng`, so ids are stable for a seed."""
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"


def build_workstations(config: SimConfig) -> tuple[WorkstationDef, ...]:
    """The engine's workstations: the master /MDM first, then agents and fault-tolerant agents."""
    rng = random.Random(f"{config.seed}:workstations")
    result = []
    for index in range(config.workstations):
        if index < len(_WORKSTATION_TEMPLATES):
            name, os_name, ws_type, host_type = _WORKSTATION_TEMPLATES[index]
        else:
            name, os_name, ws_type, host_type = (f"LNX_APP{index:02d}", "LINUX", "AGENT", "WORKSTATION")
        result.append(
            WorkstationDef(
                id=uuid_from(rng),
                name=name,
                os=os_name,
                type=ws_type,
                host_type=host_type,
                node_name=f"{name.lower().replace('_', '')}.example.com",
                tcp_port=31111,
                limit=rng.choice((10, 20, 50, 100)),
            )
        )
    return tuple(result)


def _stream_day_fraction(rng: random.Random) -> float:
    """When in the production day a stream is scheduled: mostly the night batch window."""
    window = rng.random()
    if window < 0.55:
        hours = rng.uniform(0.0, 6.0)
    elif window < 0.85:
        hours = rng.uniform(6.0, 18.0)
    else:
        hours = rng.uniform(18.0, 23.75)
    return round(hours * 12) / (12 * 24)  # on a five-minute grid, as people schedule


@dataclass(frozen=True, slots=True)
class _JobTemplate:
    """What every job at one position of one stream template shares, whatever the stream's copy."""

    name: str
    tech: str
    user: str
    script: str
    title: str
    families: tuple[tuple[str, int], ...]
    maintenance: bool


def _job_template(template_index: int, position: int) -> _JobTemplate:
    _, folder, flavour, job_names = _STREAM_TEMPLATES[template_index]
    base_job = job_names[position % len(job_names)]
    lap = position // len(job_names)
    name = base_job if lap == 0 else f"{base_job}_{lap + 1:02d}"
    tech = _tech_of(base_job, flavour)
    return _JobTemplate(
        name=name,
        tech=tech,
        user=_USERS[tech],
        script=f"/opt/batch{folder.lower()}{name.lower()}.sh",
        title=name.replace("_", " ").title(),
        families=_FAMILY_WEIGHTS[tech],
        maintenance=is_weekend_maintenance(base_job),
    )


def build_job_definitions(config: SimConfig, workstations: tuple[WorkstationDef, ...]) -> tuple[JobDef, ...]:
    """All job definitions of the catalog, stream by stream, in position order."""
    rng = random.Random(f"{config.seed}:catalog")
    draw = rng.random
    gauss = rng.gauss
    exp = math.exp
    master = workstations[0]
    agents = workstations[1:] or workstations
    agent_count = len(agents)
    templates = len(_STREAM_TEMPLATES)
    # Everything that depends only on (stream template, position) is computed once, so a 50,000-job
    # catalog costs a few random draws and one object per job.
    shared: dict[tuple[int, int], _JobTemplate] = {}
    jobs: list[JobDef] = []
    append = jobs.append
    for stream_index in range(config.stream_count):
        template_index = stream_index % templates
        base, folder, _, _ = _STREAM_TEMPLATES[template_index]
        cycle = stream_index // templates
        stream = StreamDef(
            index=stream_index,
            name=base if cycle == 0 else f"{base}_{cycle:03d}",
            folder=folder,
            workstation=master,
            day_fraction=_stream_day_fraction(rng),
            priority=rng.choice((10, 10, 10, 20, 50)),
        )
        month_end_peak = peaks_at_month_end(folder)
        description_suffix = f" ({stream.name})"
        for position in range(config.jobs_in_stream(stream_index)):
            template = shared.get((template_index, position))
            if template is None:
                template = shared[(template_index, position)] = _job_template(template_index, position)
            flaky = draw()
            # Positional: keyword construction of this 17-field class is measurably slower at 50,000 jobs.
            append(
                JobDef(
                    uuid_from(rng),
                    stream,
                    position + 1,
                    template.name,
                    master if draw() < 0.1 else agents[int(draw() * agent_count)],
                    template.tech,
                    template.script,
                    template.user,
                    max(20, round(exp(5.2 + gauss(0.0, 1.0)))),
                    (0.3 if flaky < 0.5 else 1.0 if flaky < 0.85 else 2.6) / 0.875,
                    template.families,
                    template.title + description_suffix,
                    stream.priority,
                    draw_profile(rng, template.maintenance, month_end_peak),
                    position == 0 or draw() < TIMED_JOB_SHARE,
                )
            )
    return tuple(jobs)
