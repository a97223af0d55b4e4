"""Deterministic extraction of what a failure is about: files, codes, hosts, tables, users...

The root cause must name the thing to fix ("/data/hr/employees.csv", "tablespace DWH_DATA",
"api.billing.example.net:8443"), and both engines need it: the rules engine fills its templates with
it, the LLM gets it as a checked list so it does not have to guess. Extraction is pure regex over a
few lines (the error line first, then its neighbours), so it is fast and gives the same answer twice.

Values keep the order they were first seen in; the error line is read first, so `first(kind)` is the
entity of the error line whenever it names one.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable

# --- files -------------------------------------------------------------------------------------------
_UNIX_PATH = re.compile(r"(?<![\w.:/\\~-])(/(?:[\w.+@%=,~#$-]+/?)+)")
_WIN_PATH = re.compile(r"(?<![\w\\])([A-Za-z]:\\[^\s\"'<>|*?,;()]+|\\\\[\w.$-]+\\[^\s\"'<>|*?,;()]*)")
_QUOTED_REL_PATH = re.compile(r"[\"'`]((?:[\w.-]+/)+[\w.-]+)[\"'`]")
_PATH_TRAILING = ".,;:)]}'\"`"
# --- codes -------------------------------------------------------------------------------------------
_ERROR_CODE = re.compile(
    r"\b(?:ORA|TNS|SP2|PLS|IMP|EXP|RMAN|KUP|LRM|DBT|UDE|UDI|NID|CLSRSC|PRVF)-\d{3,5}[A-Z]?\b|SQL\*Loader-\d+|"
    r"\bSQL\d{4,5}[NCW]\b|\bDB2\d{4,5}[NCWE]\b|\bAWS[A-Z]{3}\d{3}[EWI]\b|\bAWK[A-Z]{3}\d{3}[EWI]\b|"
    r"\bMsg \d{3,6}(?=, Level)|\bcurl: \(\d+\)|\b0x8007[0-9A-Fa-f]{4}\b"
)
_SQLSTATE = re.compile(r"\bSQLSTATE[=:\s]+([0-9A-Z]{5})\b|\b(?:ERROR|FATAL):\s+([0-9A-Z]{5}):")
_SQLCODE = re.compile(r"\bSQLCODE[=:\s]+(-?\d+)", re.IGNORECASE)
_ERRNO_NAME = re.compile(
    r"\b(E(?:NOENT|ACCES|PERM|NOSPC|DQUOT|NOMEM|TIMEDOUT|CONNREFUSED|CONNRESET|HOSTUNREACH|NETUNREACH|"
    r"EXIST|ISDIR|NOTDIR|ROFS|PIPE|AGAIN|MFILE|NFILE|BUSY|INTR|NOEXEC|2BIG|TXTBSY|IO))\b"
)
_ERRNO_NUMBER = re.compile(r"\[Errno (\d+)\]|\berrno[ =:]+(\d+)|\bError: (\d+): ", re.IGNORECASE)
_ERRNO_BY_NUMBER = {
    "1": "EPERM", "2": "ENOENT", "5": "EIO", "12": "ENOMEM", "13": "EACCES", "17": "EEXIST", "20": "ENOTDIR",
    "21": "EISDIR", "24": "EMFILE", "28": "ENOSPC", "30": "EROFS", "32": "EPIPE", "104": "ECONNRESET",
    "110": "ETIMEDOUT", "111": "ECONNREFUSED", "113": "EHOSTUNREACH", "122": "EDQUOT", "101": "ENETUNREACH",
}  # fmt: skip
_ERRNO_BY_MESSAGE = (
    ("no such file or directory", "ENOENT"),
    ("permission denied", "EACCES"),
    ("operation not permitted", "EPERM"),
    ("no space left on device", "ENOSPC"),
    ("disk quota exceeded", "EDQUOT"),
    ("cannot allocate memory", "ENOMEM"),
    ("connection timed out", "ETIMEDOUT"),
    ("connection refused", "ECONNREFUSED"),
    ("connection reset by peer", "ECONNRESET"),
    ("no route to host", "EHOSTUNREACH"),
    ("network is unreachable", "ENETUNREACH"),
    ("read-only file system", "EROFS"),
    ("broken pipe", "EPIPE"),
    ("too many open files", "EMFILE"),
)
# --- network -----------------------------------------------------------------------------------------
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.IGNORECASE)
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST_TOKEN = re.compile(rf"(?<![\w./\\-])({_LABEL}(?:\.{_LABEL})+)(?![\w-]|\.\w)")
_TLDS = frozenset(
    "com net org io edu gov mil int biz info local lan corp internal intra intranet example test localdomain "
    "de fr uk ch nl eu at be it es se no dk fi cz ie lu us ca au jp cn br mx ru pt gr hu ro".split()
)
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\d)")
_VERSION_BEFORE = re.compile(r"(?:version|release|v|/[A-Z0-9]+)\s*$", re.IGNORECASE)
_PORT = re.compile(r"\bport[ =:]+(\d{1,5})\b", re.IGNORECASE)
_USER_STOPWORDS = frozenset("id is name the a an for of to and or".split())
_HOST_CONTEXT = re.compile(
    r"\b(?:host|server|to|at)\s+[\"']?([A-Za-z0-9][\w-]*(?:\.[\w-]+)*)[\"']?\s+port\b|"
    r"\bServer[= ]+([A-Za-z][\w.-]*)|\bsqlcmd\b.*?\s-S\s*([\w.\\-]+)|\bConnected to ([\w.-]+?)\.?$"
)
# --- code and data -----------------------------------------------------------------------------------
_EXCEPTION = re.compile(r"\b((?:[a-z_][\w]*\.)*_?[A-Z]\w*(?:Exception|Error|Fault))\b")
_EXIT_CODE = re.compile(
    r"\b(?:exit(?:ed)?(?: with)?(?: code| status| value)?|return code|rc|returned|code)[ =:(]+(-?\d{1,3})\b",
    re.IGNORECASE,
)
_SIGNAL = re.compile(r"\b(SIG(?:KILL|TERM|SEGV|ABRT|BUS|INT|HUP|PIPE|XCPU|XFSZ))\b")
_TABLE = re.compile(
    r"\b(?:table|relation|view|materialized view|into|update|from)\s+((?:\"?[\w$#]+\"?\.)?\"?[\w$#]+\"?)",
    re.IGNORECASE,
)
_QUOTED_TABLE = re.compile(r"\b(?:table|relation|view)\s+(\"[\w$#.]+\"(?:\.\"[\w$#]+\")?)", re.IGNORECASE)
_CONSTRAINT = re.compile(r"\bconstraint\s+[(\"]?([\w$#]+(?:\.[\w$#]+)?)[)\"]?", re.IGNORECASE)
_TABLESPACE = re.compile(r"\btable ?space\s+\"?([\w$#]+)\"?", re.IGNORECASE)
_IDENT_STOPWORDS = frozenset(
    "or and in is the a an of to for by at on as not does exists truncated altered created dropped with "
    "statement set select values where dual".split()
)
_USER = re.compile(
    r"\bfor user [\"']?([\w.$@-]+)|\buser(?:name)?[ =:]+[\"']?([A-Za-z][\w.$-]*)|\bauthorization ID\s*=\s*(\w+)|"
    r"\b(?:sqlplus|sqlldr|expdp|impdp|ssh|sftp|scp|rsync|psql)\b(?:\s+-\S+)*(?:\s+\S+)*?\s+([A-Za-z][\w.$-]*)(?:/\S*)?@"
    r"|(?<![\w/.-])([a-z_][\w.-]*)@[a-z0-9-]+(?:\.[a-z0-9-]+)+(?=[:\s]|$)|\bconnecting to \S+ as ([\w.$-]+)",
    re.IGNORECASE,
)
_PRINCIPAL = re.compile(r"\b([\w.-]+(?:/[\w.-]+)?@[A-Z0-9-]+(?:\.[A-Z0-9-]+)+)\b")
_TWS_JOB = re.compile(r"\b([A-Z0-9_-]+#[A-Z0-9_-]+(?:\.[A-Z0-9_-]+)?)\b")
_MODULE = re.compile(r"No module named [\"']([\w.]+)[\"']|Can't locate (\S+) in @INC")
_CLASS = re.compile(r"\b(?:ClassNotFoundException|NoClassDefFoundError):\s*([\w.$/]+)")
_LIBRARY = re.compile(r"\b(lib[\w.+-]+\.so(?:\.[\d.]+)?|[\w.-]+\.dll)\b")
_VARIABLE = re.compile(r"\b([A-Za-z_]\w*): unbound variable|KeyError: [\"']([A-Za-z_]\w*)[\"']|NameError: name '(\w+)'")
_COMMAND = re.compile(r"\b\d+ Killed\s+(.+?)\s*$|(?:^|: )([\w./-]+): command not found")


Entities = dict[str, list[str]]
_Add = Callable[[str, str | None], None]  # what the helpers below call to record an entity


def extract_entities(lines: Iterable[str]) -> Entities:
    """The entities named in `lines` (put the error line first), by kind, each list in first-seen order."""
    found: dict[str, dict[str, None]] = {}

    def add(kind: str, value: str | None) -> None:
        if value:
            found.setdefault(kind, {})[value] = None

    for line in lines:
        if not line:
            continue
        _paths(line, add)
        for match in _ERROR_CODE.finditer(line):
            add("error_codes", match.group(0))
        for match in _SQLSTATE.finditer(line):
            add("sqlstates", match.group(1) or match.group(2))
        for match in _SQLCODE.finditer(line):
            add("sqlcodes", match.group(1))
        _errnos(line, add)
        _network(line, add)
        for match in _EXCEPTION.finditer(line):
            add("exceptions", match.group(1))
        for match in _EXIT_CODE.finditer(line):
            add("exit_codes", match.group(1))
        for match in _SIGNAL.finditer(line):
            add("signals", match.group(1))
        _database_objects(line, add)
        for match in _USER.finditer(line):
            user = next((g for g in match.groups() if g), None)
            if user and user.lower() not in _USER_STOPWORDS:
                add("users", user)
        for match in _PRINCIPAL.finditer(line):
            add("principals", match.group(1))
        for match in _TWS_JOB.finditer(line):
            add("tws_jobs", match.group(1))
        for pattern, kind in ((_MODULE, "modules"), (_CLASS, "classes"), (_VARIABLE, "variables")):
            for match in pattern.finditer(line):
                add(kind, next((g for g in match.groups() if g), None))
        for match in _LIBRARY.finditer(line):
            add("libraries", match.group(1))
        for match in _COMMAND.finditer(line):
            add("commands", next((g for g in match.groups() if g), None))
    return {kind: list(values) for kind, values in found.items()}


def first(entities: Entities, *kinds: str) -> str | None:
    """The first value of the first kind in `kinds` that has one."""
    for kind in kinds:
        values = entities.get(kind)
        if values:
            return values[0]
    return None


def merge(*groups: Entities) -> Entities:
    """Entities of several extractions, earlier groups first, without duplicates."""
    merged: dict[str, dict[str, None]] = {}
    for group in groups:
        for kind, values in group.items():
            bucket = merged.setdefault(kind, {})
            for value in values:
                bucket[value] = None
    return {kind: list(values) for kind, values in merged.items()}


def _paths(line: str, add: _Add) -> None:
    urls = [m.span() for m in _URL.finditer(line)]
    for pattern in (_UNIX_PATH, _WIN_PATH, _QUOTED_REL_PATH):
        for match in pattern.finditer(line):
            if any(start <= match.start() < end for start, end in urls):
                continue  # the path part of a URL is not a file on this host
            path = match.group(1).rstrip(_PATH_TRAILING)
            if pattern is _UNIX_PATH and (path.count("/") < 2 and len(path) < 4):
                continue  # "/", "/s": option separators and fractions, not files
            if pattern is _WIN_PATH and match.group(1).endswith("\\"):
                path = match.group(1)
            add("paths", path)


def _errnos(line: str, add: _Add) -> None:
    for match in _ERRNO_NAME.finditer(line):
        add("errno", match.group(1))
    for match in _ERRNO_NUMBER.finditer(line):
        number = next(g for g in match.groups() if g)
        add("errno", _ERRNO_BY_NUMBER.get(number))
    lowered = line.lower()
    for message, name in _ERRNO_BY_MESSAGE:
        if message in lowered:
            add("errno", name)


def _network(line: str, add: _Add) -> None:
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_PATH_TRAILING)
        add("urls", url)
        host = re.sub(r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?", "", url, flags=re.IGNORECASE).split("/")[0]
        add("hosts", host.split(":")[0] or None)
    for match in _HOST_TOKEN.finditer(line):
        host = match.group(1)
        if host.rsplit(".", 1)[-1] in _TLDS and not host[0].isdigit():
            add("hosts", host)
    for match in _HOST_CONTEXT.finditer(line):
        add("hosts", next((g for g in match.groups() if g), None))
    for match in _IPV4.finditer(line):
        address = match.group(1)
        if _VERSION_BEFORE.search(line[: match.start()]):
            continue
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            continue
        add("ips", address)
    ports = [match.group(1) for match in _PORT.finditer(line)]
    for host in [*(m.group(1) for m in _HOST_TOKEN.finditer(line)), *(m.group(1) for m in _IPV4.finditer(line))]:
        ports += re.findall(re.escape(host) + r":(\d{2,5})\b", line)  # host:port, never a time or a frame
    for port in ports:
        if 0 < int(port) < 65536:
            add("ports", port)


def _database_objects(line: str, add: _Add) -> None:
    for match in _QUOTED_TABLE.finditer(line):
        add("tables", match.group(1).replace('"', ""))
    for match in _TABLE.finditer(line):
        name = match.group(1).replace('"', "")
        if _is_identifier(name):
            add("tables", name)
    for match in _CONSTRAINT.finditer(line):
        if _is_identifier(match.group(1), quoted=True):
            add("constraints", match.group(1))
    for match in _TABLESPACE.finditer(line):
        if _is_identifier(match.group(1)):
            add("tablespaces", match.group(1))


def _is_identifier(name: str, quoted: bool = False) -> bool:
    """A database object name rather than an English word ("table or view does not exist")."""
    if name.lower() in _IDENT_STOPWORDS or name.isdigit():
        return False
    return quoted or "." in name or "_" in name or name.isupper()
