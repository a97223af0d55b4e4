"""One settings object for every process of TWS Pulse.

Every knob is an environment variable prefixed ``TWSPULSE_`` (or a line of a ``.env`` file), so compose,
Kubernetes and the local demo configure the same code the same way. Nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# Run from a checkout (or an editable install), local state goes beside the code; installed from the wheel, the
# package sits in site-packages and local state goes where the XDG base directories say (~/.local/share, ~/.cache).
IN_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file()


def _local_dir(checkout_name: str, xdg_variable: str, xdg_default: str) -> Path:
    if IN_CHECKOUT:
        return REPO_ROOT / checkout_name
    return Path(os.environ.get(xdg_variable) or Path.home() / xdg_default) / "twspulse"


class KafkaSettings(BaseModel):
    """Kafka."""

    kafka_bootstrap: str | None = Field(
        default=None,
        description="host:port list of a running Kafka; when unset the local broker is started.",
    )
    topic_partitions: int = Field(default=3, ge=1, description="Partitions of topics we create.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="How every Kafka client connects: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."
    )
    kafka_ssl_cafile: FilePath | None = Field(
        default=None, description="PEM CA bundle the broker's certificate is checked against (default: system CAs)."
    )
    kafka_ssl_certfile: FilePath | None = Field(
        default=None, description="PEM client certificate (mutual TLS); needs kafka_ssl_keyfile."
    )
    kafka_ssl_keyfile: FilePath | None = Field(default=None, description="PEM private key of kafka_ssl_certfile.")
    kafka_ssl_key_password: SecretStr | None = Field(
        default=None, description="Password of an encrypted kafka_ssl_keyfile."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] | None = Field(
        default=None, description="SASL mechanism (SASL_* protocols): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER."
    )
    kafka_sasl_username: str | None = Field(default=None, description="SASL user (PLAIN, SCRAM-*).")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="SASL password (PLAIN, SCRAM-*).")
    kafka_oidc_token_url: str | None = Field(
        default=None, description="OAUTHBEARER: the OIDC token endpoint a client-credentials token is fetched from."
    )
    kafka_oidc_client_id: str | None = Field(default=None, description="OAUTHBEARER: OIDC client id.")
    kafka_oidc_client_secret: SecretStr | None = Field(default=None, description="OAUTHBEARER: OIDC client secret.")
    kafka_oidc_scope: str | None = Field(default=None, description="OAUTHBEARER: scope requested with the token.")


class DatabaseSettings(BaseModel):
    """Database."""

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL/TimescaleDB URL; when unset the embedded PostgreSQL is started.",
    )


class LocalEngineSettings(BaseModel):
    """Local engines (used only when the two URLs above are unset)."""

    data_dir: Path = Field(
        default=_local_dir(".data", "XDG_DATA_HOME", ".local/share"),
        description="Where local engines keep their data and logs (installed from the wheel: $XDG_DATA_HOME/twspulse).",
    )
    cache_dir: Path = Field(
        default=_local_dir(".cache", "XDG_CACHE_HOME", ".cache"),
        description="Where downloaded Kafka jars and the TimescaleDB build are kept "
        "(installed from the wheel: $XDG_CACHE_HOME/twspulse).",
    )
    kafka_heap: str = Field(default="512m", description="Max heap of the local Kafka broker.")
    local_db_engine: Literal["timescaledb", "postgresql"] = Field(
        default="timescaledb",
        description="Embedded database: PostgreSQL with TimescaleDB built from source, or plain PostgreSQL.",
    )
    timescaledb_source: Path = Field(
        default=REPO_ROOT.parent / "shared" / "timescaledb" / "timescaledb-2.29.2.tar.gz",
        description="TimescaleDB release tarball the embedded database's extension is built from (once, cached).",
    )
    timescaledb_background_workers: int = Field(
        default=32,
        ge=4,
        description="timescaledb.max_background_workers of the embedded server (schedulers and policy jobs).",
    )


class TwsSettings(BaseModel):
    """TWS engine."""

    tws_url: str = Field(
        default="http://127.0.0.1:31116/twsd/api/v2",
        description="Base URL of the engine's REST API v2 (ends in /twsd/api/v2).",
    )
    tws_user: str = Field(default="twsuser", description="Basic-auth user of the engine.")
    tws_password: SecretStr = Field(default=SecretStr("twspass"), description="Basic-auth password.")
    tws_api_key: SecretStr | None = Field(
        default=None, description="API key / JWT sent as a Bearer token instead of basic auth."
    )
    tws_verify_tls: bool = Field(default=True, description="Verify the engine's TLS certificate (false: insecure).")
    tws_ca_bundle: Path | None = Field(default=None, description="CA bundle for a self-signed engine.")
    tws_timeout_s: float = Field(default=30.0, gt=0, description="Per-request timeout.")
    tws_poll_interval_s: float = Field(default=10.0, gt=0, description="Seconds between plan polls.")
    tws_full_scan_interval_s: float = Field(
        default=300.0, gt=0, description="Seconds between full plan scans; polls in between are incremental."
    )
    tws_max_requests_per_s: float = Field(default=5.0, gt=0, description="Cap on requests sent to the engine.")
    tws_breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive failed requests that open the circuit breaker."
    )
    tws_breaker_reset_s: float = Field(
        default=30.0, gt=0, description="Seconds the breaker stays open before one trial request."
    )
    tws_page_size: int = Field(default=1000, ge=1, le=10000, description="Jobs per plan page.")
    tws_oql: str = Field(default="", description="OQL filter that scopes the jobs watched.")
    tws_joblog_max_bytes: int = Field(
        default=1_000_000, ge=1024, description="Joblog bytes kept per run; the rest is cut."
    )
    tws_joblog_chunk_bytes: int = Field(default=256_000, ge=1024, description="Joblog bytes per Kafka record.")
    tws_joblog_page_lines: int = Field(
        default=5000, ge=10, description="Joblog lines per request (from_line/to_line paging)."
    )
    tws_overlap_s: float = Field(
        default=120.0, ge=0, description="Incremental polls re-read runs that ended this long before the cursor."
    )
    tws_joblog_attempts: int = Field(
        default=5, ge=1, description="Tries of one failed run's joblog before its run is published without it."
    )
    connector_name: str = Field(default="tws", description="Names the connector's saved cursor.")


class SystemSettings(BaseModel):
    """System connector."""

    system_interval_s: float = Field(default=15.0, gt=0, description="Seconds between host samples.")
    host_name: str | None = Field(default=None, description="Host name to report (default: hostname).")
    system_buffer_s: float = Field(
        default=3600.0, ge=1, le=2_000_000,
        description="Seconds of host samples kept while Kafka is unreachable (sent in order when it is back); "
        "older ones are dropped first, and counted.",
    )  # fmt: skip


class WorkerSettings(BaseModel):
    """Stream worker."""

    worker_id: str = Field(
        default="twspulse-worker", description="Faust app id (consumer group; job events: <id>.job-events)."
    )
    worker_batch_size: int = Field(default=500, ge=1, description="Rows per database write.")
    worker_job_event_batch: int = Field(
        default=2000, ge=1,
        description="Job events per batch (the volume topic: bigger batches amortize the database and changelog "
        "round trips; the wait is still at most worker_batch_seconds).",
    )  # fmt: skip
    worker_batch_seconds: float = Field(default=0.25, gt=0, description="Longest wait to fill a batch.")
    worker_web_port: int = Field(default=6066, description="Faust's web port on 127.0.0.1 (0 disables it).")
    worker_session_timeout_s: float = Field(
        default=10.0, ge=6, le=60,
        description="Seconds without a heartbeat after which the group gives a crashed worker's partitions to "
        "another (the broker's group.min.session.timeout.ms is 6 s).",
    )  # fmt: skip
    worker_instance_id: str | None = Field(
        default=None,
        description="Stable id of this worker replica (e.g. a StatefulSet pod name), unique among running workers: "
        "static group membership, so a restarted worker gets its partitions back at once. Unset: dynamic "
        "membership (a stopped worker's partitions move at once, a crashed one's after the session timeout).",
    )


class ModelSettings(BaseModel):
    """Models (forecasts, anomaly detectors, alerts)."""

    model_dir: Path = Field(
        default=Path(), description="Where trained model versions are stored (default: <data_dir>/models)."
    )
    forecast_horizon_days: int = Field(default=30, ge=1, description="Days ahead each forecast reaches.")
    forecast_holidays: str = Field(
        default="",
        description="Comma-separated ISO dates (the business calendar's holidays) the forecasts model as holidays.",
    )
    forecast_min_points: int = Field(
        default=48, ge=4, description="Fewest history points a series needs; shorter ones are skipped."
    )
    capacity_threshold_percent: float = Field(
        default=90.0, gt=0, le=100, description="Resource level (CPU, memory, disk %) a forecast warns about."
    )
    anomaly_threshold: float = Field(
        default=0.9, gt=0, lt=1, description="Anomaly score in [0,1] from which a point is an anomaly."
    )
    alert_dedup_window_s: float = Field(
        default=3600.0, gt=0, description="Repeats of one alert within this window update it instead of a new one."
    )


class NotifySettings(BaseModel):
    """Notifier (alerts topic -> Alertmanager, webhooks)."""

    notify_alertmanager_url: str | None = Field(
        default=None, description="Base URL of an Alertmanager (alerts are POSTed to <url>/api/v2/alerts); unset: none."
    )
    notify_webhook_urls: SecretStr | None = Field(
        default=None,
        description="Comma-separated webhook URLs sent a Slack-compatible payload (secret: such URLs carry a token).",
    )
    notify_group: str = Field(default="twspulse-notifier", description="Consumer group of the notifier.")
    notify_timeout_s: float = Field(default=10.0, gt=0, description="Per-request timeout of a receiver.")
    notify_give_up_s: float = Field(
        default=300.0, gt=0,
        description="How long one alert's delivery is retried (5xx, 429, connection errors) before it is "
        "dead-lettered to alerts.dlq and the notifier goes on.",
    )  # fmt: skip
    notify_firing_hold_s: float = Field(
        default=7 * 86400.0,
        gt=0,
        description="endsAt of a firing alert sent to Alertmanager, from now: it stays active that long unless "
        "resolved (Alertmanager resolves an alert without endsAt after its resolve_timeout, 5 min by default).",
    )
    notify_generator_url: str | None = Field(
        default=None, description="Link sent as the alerts' generatorURL (e.g. the Grafana overview dashboard)."
    )


class HealthSettings(BaseModel):
    """Own health (Prometheus /metrics and /health of each process)."""

    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Port of this process's /metrics and /health (0: not served)."
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address /metrics and /health listen on (0.0.0.0 for a scraper elsewhere)."
    )
    health_stall_s: float = Field(
        default=300.0, gt=0,
        description="/health answers 503 when the process's loop (a poll, a sample, a batch wait) has not turned "
        "for this long; keep it above the longest wait between two turns (the TWS connector backs off to 6 polls).",
    )  # fmt: skip
    health_failed_polls: int = Field(
        default=3, ge=1, description="/health answers 503 after this many consecutive failed polls or samples."
    )


class LlmSettings(BaseModel):
    """LLM annotator."""

    llm_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible API (ends in /v1); unset: the offline rules engine.",
    )
    llm_allow_insecure_http: bool = Field(
        default=False,
        description="Allow an http:// llm_url on a non-loopback host (the API key and masked joblogs then cross "
        "the network in clear); loopback hosts (localhost, 127.0.0.0/8, ::1) never need it.",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to the LLM endpoint.")
    llm_api_key: SecretStr | None = Field(default=None, description="Bearer key of the LLM endpoint.")
    llm_timeout_s: float = Field(default=30.0, gt=0, description="Per-request timeout of the LLM endpoint.")
    llm_max_retries: int = Field(default=2, ge=0, description="Retries on timeouts, 5xx and 429.")
    llm_requests_per_minute: int = Field(
        default=30, ge=1, description="Budget of LLM requests per minute; beyond it the rules engine answers."
    )
    llm_token_budget: int = Field(
        default=3000, ge=200, description="Approximate tokens of joblog excerpt sent per annotation."
    )


class LogSettings(BaseModel):
    """Logging."""

    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(default=True, description="One JSON object per log line.")


_Section = TypeVar("_Section", bound=BaseModel)


def _part(settings: BaseModel, section: type[_Section]) -> _Section:
    """``section`` with the values of ``settings`` (already validated: not validated again)."""
    return section.model_construct(**{name: getattr(settings, name) for name in section.model_fields})


class Settings(
    LogSettings,
    LlmSettings,
    HealthSettings,
    NotifySettings,
    ModelSettings,
    WorkerSettings,
    SystemSettings,
    TwsSettings,
    LocalEngineSettings,
    DatabaseSettings,
    KafkaSettings,
    BaseSettings,
):
    """Configuration of connectors, worker, simulator and local engines: every section's variables, flat.

    Each component takes only its section (``settings.tws``, ``settings.llm``, ...): the sections are the
    classes above, and a ``Settings`` is each of them too, so a test may hand one over whole.
    """

    model_config = SettingsConfigDict(env_prefix="TWSPULSE_", env_file=".env", extra="ignore")

    @property
    def kafka(self) -> KafkaSettings:
        """The part of Kafka: brokers, topics and client security."""
        return _part(self, KafkaSettings)

    @property
    def database(self) -> DatabaseSettings:
        """The part of the database URL."""
        return _part(self, DatabaseSettings)

    @property
    def engines(self) -> LocalEngineSettings:
        """The part of the local engines."""
        return _part(self, LocalEngineSettings)

    @property
    def tws(self) -> TwsSettings:
        """The part of the TWS engine (what the TWS client and poller take)."""
        return _part(self, TwsSettings)

    @property
    def system(self) -> SystemSettings:
        """The part of the system connector."""
        return _part(self, SystemSettings)

    @property
    def worker(self) -> WorkerSettings:
        """The part of the stream worker."""
        return _part(self, WorkerSettings)

    @property
    def models(self) -> ModelSettings:
        """The part of the models: forecasts, detectors, alert deduplication."""
        return _part(self, ModelSettings)

    @property
    def notify(self) -> NotifySettings:
        """The part of the notifier."""
        return _part(self, NotifySettings)

    @property
    def health(self) -> HealthSettings:
        """The part of /metrics and /health."""
        return _part(self, HealthSettings)

    @property
    def llm(self) -> LlmSettings:
        """The part of the LLM annotator."""
        return _part(self, LlmSettings)

    @property
    def logging(self) -> LogSettings:
        """The part of logging."""
        return _part(self, LogSettings)

    @model_validator(mode="after")
    def _model_dir_under_data_dir(self) -> Settings:
        # Derived, not a fixed default: a test's or a demo's own data_dir must not share another's models.
        if self.model_dir == Path():
            self.model_dir = self.data_dir / "models"
        return self

    @model_validator(mode="after")
    def _kafka_security_consistent(self) -> Settings:
        # Checked at load, naming the variable: a half-configured TLS or SASL setup otherwise shows up
        # only as a client retrying a handshake forever.
        problem = kafka_security_problem(self)
        if problem:
            raise ValueError(problem)
        return self


# The sections in declaration order (Settings lists them last-first, so its fields come out in this order).
SECTIONS: tuple[type[BaseModel], ...] = tuple(base for base in reversed(Settings.__bases__) if base is not BaseSettings)


def kafka_security_problem(settings: Settings) -> str | None:
    """What is inconsistent in the Kafka security settings (``None``: nothing), naming the variables."""
    protocol = settings.kafka_security_protocol
    tls, sasl = protocol in ("SSL", "SASL_SSL"), protocol.startswith("SASL_")

    def given(*names: str) -> list[str]:
        return [f"TWSPULSE_{n.upper()}" for n in names if getattr(settings, n) is not None]

    if protocol != "PLAINTEXT" and settings.kafka_bootstrap is None:
        return (
            f"TWSPULSE_KAFKA_SECURITY_PROTOCOL={protocol} needs TWSPULSE_KAFKA_BOOTSTRAP (local brokers are PLAINTEXT)"
        )
    if not tls and (
        extra := given("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile", "kafka_ssl_key_password")
    ):
        return f"{', '.join(extra)} set but TWSPULSE_KAFKA_SECURITY_PROTOCOL={protocol} uses no TLS (SSL or SASL_SSL)"
    if (settings.kafka_ssl_certfile is None) != (settings.kafka_ssl_keyfile is None):
        return "TWSPULSE_KAFKA_SSL_CERTFILE and TWSPULSE_KAFKA_SSL_KEYFILE go together (mutual TLS needs both)"
    if settings.kafka_ssl_key_password is not None and settings.kafka_ssl_keyfile is None:
        return "TWSPULSE_KAFKA_SSL_KEY_PASSWORD set without TWSPULSE_KAFKA_SSL_KEYFILE"
    sasl_vars = ("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password")
    oidc_vars = ("kafka_oidc_token_url", "kafka_oidc_client_id", "kafka_oidc_client_secret", "kafka_oidc_scope")
    if not sasl:
        if extra := given(*sasl_vars, *oidc_vars):
            return f"{', '.join(extra)} set but TWSPULSE_KAFKA_SECURITY_PROTOCOL={protocol} uses no SASL"
        return None
    mechanism = settings.kafka_sasl_mechanism
    if mechanism is None:
        return f"TWSPULSE_KAFKA_SECURITY_PROTOCOL={protocol} needs TWSPULSE_KAFKA_SASL_MECHANISM"
    needed: tuple[str, ...] = oidc_vars[:3] if mechanism == "OAUTHBEARER" else sasl_vars[1:]
    unused: tuple[str, ...] = sasl_vars[1:] if mechanism == "OAUTHBEARER" else oidc_vars
    missing = [f"TWSPULSE_{n.upper()}" for n in needed if getattr(settings, n) is None]
    if missing:
        return f"TWSPULSE_KAFKA_SASL_MECHANISM={mechanism} needs {', '.join(missing)}"
    if extra := given(*unused):
        return f"{', '.join(extra)} set but unused by TWSPULSE_KAFKA_SASL_MECHANISM={mechanism}"
    return None


def holidays_of(settings: Settings) -> list[date]:
    """The holiday dates of ``forecast_holidays``; a malformed date is a clear error, not a silent skip."""
    out = []
    for part in settings.forecast_holidays.split(","):
        if part.strip():
            try:
                out.append(date.fromisoformat(part.strip()))
            except ValueError as exc:
                raise ValueError(f"TWSPULSE_FORECAST_HOLIDAYS: {part.strip()!r} is not an ISO date") from exc
    return out


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides taking precedence (tests, CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
