"""General evidence of a failure's family on one line: the codes and words every tool shares.

The rule base (`rule_base.py`) knows the phrases of particular tools. This module reads what any line
says whatever tool printed it, in order of how much it settles:

1. codes with a documented meaning: HTTP status codes, Windows system error codes and their standard
   messages, SQLSTATE classes, the error codes of Oracle, DB2, SQL Server and MySQL, errno names;
2. exception class names, split into words ("SMTPAuthenticationError" -> smtp authentication error,
   "MQRC_HOST_NOT_AVAILABLE" -> mqrc host not available): the name of an error type says its family;
3. a lexicon of what failed and how (a host that cannot be resolved, a null that was dereferenced,
   a quota that is exceeded), read on the line with its identifiers split into words, in English and in
   the localised messages of common tools (German, French, Spanish, Italian, Portuguese);
4. as a last resort, each family's vocabulary: a failing line nothing above classified gets the family
   most of its words belong to, at the lowest strength.

`classify_line` returns every family the line gives evidence for, strongest first; the rules engine
turns them into candidates next to the rule matches, so a line no rule knows still gets a category,
and a rule's vague match loses to a code that settles the family. Nothing here names a particular
product's message: codes are standard tables, and the lexicon is built from words, not sentences.
A counter that reports zero failures ("rejected 0") is no evidence: `without_zero_counts` blanks it first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from twspulse.joblog.entities import ERRNO_BY_NUMBER
from twspulse.joblog.error_lines import INFO_LEVEL, SEVERE_MESSAGE_ID, WINDOWS_ERROR_WORD
from twspulse.models.annotate.annotation import Category
from twspulse.models.annotate.keyword_filter import trie_pattern
from twspulse.models.annotate.rule_base import RETURN_CODE_HINTS, TRANSLATED_FAILURE_WORDS

# Strengths, on the scale of Rule.weight: a documented code settles the family like a specific rule does.
CODE = 4
TYPE_NAME = 3
WORDS = 3
WEAK_WORDS = 2
VOCABULARY = 1  # a family's words on a failing line, when nothing more specific is there: the last resort


# (rules-24) a field and the word for invalid in Hungarian, Czech, Norwegian and Danish, Turkish and Finnish
_NOT_ALLOWED_25 = (
    r"ej till[åa]ten\b|ej till[åa]tet\b|ei sallittu\b|ikke tillatt\b|ikke tilladt\b|nicht zul[äa]ssig\b|"
    r"unzul[äa]ssig\b|niet toegestaan\b|no permitid[oa]\b|n[ãa]o permitid[oa]\b|non consentit[oa]\b|"
    r"non ammess[oa]\b|niedozwolon\w*|nepovolen\w*|nije dozvoljen\w*|ni dovoljen\w*|nie je povolen\w*|"
    r"nem megengedett\b|ei ole sallittu\b|не допускается|izin verilm\w*"
)
_OUTSIDE_LIMITS_26 = (
    r"fuori (?:dai |dal )?limit[ei]\b|fuera de(?:l| los)? l[íi]mites?\b|fora d[oe]s? limites?\b|"
    r"hors (?:des |de la )?limites?\b|au-del[àa] de la limite\b|au[ßs]{1,2}erhalb (?:der |des )?(?:grenzwert\w*|"
    r"grenzen?|toleranz)\b|buiten (?:de )?(?:limiet\w*|grenzen|grenswaarde\w*)\b|utanf[öo]r (?:gr[äa]ns\w*)|"
    r"utenfor (?:grense\w*)|uden for (?:gr[æa]nse\w*)|v[äa]ljaspool piire?\b|rajojen ulkopuolella\b|"
    r"raja-arvon ulkopuolella\b|poza limitem\b|poza granicami\b|mimo limit\w*|mimo mez\w*|izvan granic\w*|"
    r"[āa]rpus robe[žz][āa]m\b|u[žz] rib[ųu]\b|hat[áa]r[ée]rt[ée]ken k[íi]v[üu]l\b|s[ıi]n[ıi]r d[ıi][şs][ıi]nda\b|"
    r"за пределами (?:допуска|нормы|лимита)"
)
# (rules-25) "exceeds" in the languages of the sets
_EXCEEDS_25 = (
    r"exceeds|vir[šs]ija|p[āa]rsniedz|przekracza|p[řr]ekra[čc]uje|prekra[čc]uje|prelazi|presega|[üu]berschreitet|"
    r"d[ée]passe|supera|excede|overschrijdt|[öo]verskrider|overstiger|ylitt[äa][äa]|meghaladja|a[şs][ıi]yor|превышает"
)
# (rules-26) "unknown" and "does not exist" in the languages of the sets, of a code a program's message names
_UNKNOWN_26 = (
    r"unknown|does not exist|unbekannt|inconnue?|desconocid[oa]|sconosciut[oa]|onbekend|ok[äa]nd|ukendt|ukjent|"
    r"tuntematon|nieznan\w*|nezn[áa]m\w*|nie istnieje|neexistuje|no existe|n[ãa]o existe|n'existe pas|"
    r"existiert nicht|inesistente|inexistente|bestaat niet|finns inte|findes ikke|finnes ikke|ei ole olemassa|"
    r"nem l[ée]tezik|mevcut de[ğg]il|не существует"
)
_INVALID_WORDS_24 = r"[ée]rv[ée]nytelen\w*|neplatn\w*|ugyldig\w*|ge[çc]ersiz\w*|virheelli\w*"
_FIELD_WORDS_24 = (
    r"mez[őo]\w*|d[áa]tum\w*|[ée]rt[ée]k\w*|pol[ei]|poli|hodnot\w*|felt\w*|verdi\w*|v[æa]rdi\w*|dato\w*|"
    r"alan\w*|de[ğg]er\w*|tarih\w*|kentt\w*|kent[äa]ss[äa]|arvo\w*|p[äa]iv[äa]m[äa][äa]r[äa]\w*"
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One family a line gives evidence for, how strongly, and what said so (for the annotation's entities)."""

    category: Category
    strength: int
    source: str


# --- 1. codes with a documented meaning ---------------------------------------------------------------
_HTTP_CATEGORY: dict[int, Category] = {
    400: "data_quality", 409: "data_quality", 413: "data_quality", 415: "data_quality", 422: "data_quality",
    401: "auth", 403: "permission", 407: "auth", 404: "missing_file", 410: "missing_file",
    408: "timeout", 504: "timeout", 502: "network", 503: "network", 500: "network", 501: "network",
    505: "network", 507: "disk_full", 511: "auth", 429: "network",
}  # fmt: skip
# Codes that say less than the rest: an internal error of the remote service and a refusal to serve more
# requests ("too many requests") leave room for what the message says it ran out of (disk, memory...), and
# "not found" for what is missing (a table is the database's).
_HTTP_VAGUE = frozenset({500, 501, 429, 404, 410})
_HTTP_REASONS = (
    "bad request|unauthorized|forbidden|not found|gone|request timeout|conflict|payload too large|"
    "unsupported media type|unprocessable entity|too many requests|internal server error|bad gateway|"
    "service unavailable|gateway timeout|proxy authentication required"
)
_HTTP_STATUS = re.compile(
    rf"\bHTTP(?:/\d(?:\.\d)?)?(?: ?error| status)?[ :]+([1-5]\d\d)\b|\b([45]\d\d)[ :]+(?:{_HTTP_REASONS})\b|"
    r"\b([45]\d\d) (?:Client|Server) Error\b|returned error: ([45]\d\d)\b|"
    r"\b(?:status(?: code)?|response(?: code)?|responded with|returned|->|=>)[ :=]+([45]\d\d)\b|"
    r"\berror(?: occurred)?:? \(([45]\d\d)\)",
    re.IGNORECASE,
)
_HTTP_CONTEXT = re.compile(r"https?://|\bHTTP\b|\b(?:GET|POST|PUT|PATCH|DELETE|HEAD)\b|\bAPI\b|\burl\b", re.IGNORECASE)
# Windows system error codes (winerror.h) a job prints as "System error 53" (or localised: "Error de sistema",
# "Systemfehler", "Erreur système", "Errore di sistema", "Erro de sistema"), "ERROR 112 (0x00000070)",
# "0x80070035" (the HRESULT of a Win32 error) or "WSAECONNREFUSED (10061)".
_WIN32_CATEGORY: dict[int, Category] = {
    2: "missing_file", 3: "missing_file", 15: "missing_file", 5: "permission", 19: "permission",
    8: "oom", 14: "oom", 39: "disk_full", 112: "disk_full", 53: "network", 51: "network", 64: "network",
    67: "network", 1231: "network", 1722: "network", 10051: "network", 10060: "network", 10061: "network",
    10064: "network", 10065: "network", 11001: "network", 11004: "network", 121: "timeout", 1460: "timeout",
    86: "auth", 1326: "auth", 1327: "auth", 1330: "auth", 1331: "auth", 1385: "auth", 1909: "auth",
    1311: "auth", 1317: "auth", 1907: "auth", 1314: "permission", 1225: "network", 1236: "network",
    1232: "network", 12002: "timeout", 12007: "network", 12029: "network",
}  # fmt: skip
_WIN32_CODE = re.compile(
    r"\b(?:System error|Error de sistema|Systemfehler|Erreur syst[eè]me|Errore di sistema|Erro (?:de|do) sistema) "
    r"(\d+)\b|\bERROR (\d+) \(0x[0-9A-Fa-f]{8}\)|\b0x8007([0-9A-Fa-f]{4})\b|"
    r"\b(?:Win32|Windows) error (\d+)\b|\bSocketException \((\d{5})\)|\bWSAE\w+ \((\d{5})\)",
    re.IGNORECASE,
)
# A code printed after the word "error" in decimal and then in hexadecimal as eight digits (robocopy's "ERROR 112
# (0x00000070)" in any language: "エラー 112 (0x00000070)"): Windows' way, read when both say the same number
# (not "invalid record at byte 8 (0x00000008)", an offset).
_WIN32_DECIMAL_HEX = re.compile(rf"(?<![\w.]){WINDOWS_ERROR_WORD}\s+(\d{{1,5}}) \(0x([0-9A-Fa-f]{{8}})\)")
# LDAP result codes (RFC 4511, and the client's negative codes of OpenLDAP's ldap.h) as LDAP clients print them:
# OpenLDAP's "ldap_add: Insufficient access (50)", "ldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)",
# JNDI's "[LDAP: error code 49 - Invalid Credentials]", "LDAP result code 32".
_LDAP_RESULT = re.compile(
    r"\bldap_\w+(?:\(\w*\))?: [^()]{1,80}\((-?\d{1,2})\)|\bLDAP:? (?:error|result) code (\d{1,2})\b",
    re.IGNORECASE,
)
_LDAP_CATEGORY: dict[int, Category] = {
    3: "timeout", 85: "timeout", 48: "auth", 49: "auth", 50: "permission", 32: "db_error", 68: "db_error",
    19: "data_quality", 21: "data_quality", 34: "data_quality", 65: "data_quality", -1: "network", 51: "network",
    52: "network", 81: "network", 91: "network",
}  # fmt: skip
_WIN32_MESSAGE = "Windows error message"  # the source of a reading of one of these texts
_WIN32_MESSAGES: tuple[tuple[str, Category], ...] = (
    ("the system cannot find the file specified", "missing_file"),
    ("the system cannot find the path specified", "missing_file"),
    ("access is denied", "permission"),
    ("the network path was not found", "network"),
    ("the specified network name is no longer available", "network"),
    ("the network name cannot be found", "network"),
    ("the rpc server is unavailable", "network"),
    ("no such host is known", "network"),
    ("target machine actively refused", "network"),
    ("connected party did not properly respond", "network"),
    ("there is not enough space on the disk", "disk_full"),
    ("not enough memory resources are available", "oom"),
    ("the semaphore timeout period has expired", "timeout"),
    ("the user name or password is incorrect", "auth"),
    ("unknown user name or bad password", "auth"),
    ("the referenced account is currently locked out", "auth"),
)
# SQLSTATE: two characters of class, then subclass. Only classes whose meaning is one family.
_SQLSTATE = re.compile(
    r"\bSQLSTATE[=:\s\[]+([0-9A-Z]{5})\b|\b(?:SQLState|state)\s*=\s*([0-9A-Z]{5})\b|\bERROR \d{4} \(([0-9A-Z]{5})\)|"
    r"^\s*\d{6} \(([0-9A-Z]{5})\):"
)
_SQLSTATE_EXACT: dict[str, Category] = {
    "42501": "permission", "57014": "timeout", "53100": "disk_full", "53200": "oom", "08S01": "network",
    "08006": "network", "08007": "network", "57011": "db_error",
    "42601": "script_error",  # a syntax error in the statement the job sent: its own code
}  # fmt: skip
# Class 08 is left out: drivers report a refused login as 08001 ("unable to establish") as often as an
# unreachable server, so only the subclasses above that mean the link itself count.
_SQLSTATE_CLASS: dict[str, Category] = {
    "28": "auth", "22": "data_quality", "23": "db_error", "40": "db_error", "42": "db_error",
    "53": "db_error", "54": "db_error", "55": "db_error", "57": "db_error", "58": "db_error", "XX": "db_error",
    "3D": "db_error", "3F": "db_error", "25": "db_error",
}  # fmt: skip
# MySQL/MariaDB server and client error numbers ("ERROR 1205 (HY000)"), from the server's error reference.
_MYSQL_ERROR = re.compile(r"\bERROR (\d{4}) \([0-9A-Z]{5}\)")
# Db2's negative SQLCODE as DSNT408I, DSNTEP2 or a program prints it ("SQLCODE = -904", "SQLCODE=-911")
_SQLCODE = re.compile(r"\bSQLCODE\s*[=:]?\s*-(\d{1,5})\b")
# Samba's and Windows' NTSTATUS names (smbclient's "tree connect failed: NT_STATUS_ACCESS_DENIED")
_NT_STATUS = re.compile(r"\bNT_STATUS_([A-Z_]+)\b")
_NT_STATUS_CATEGORY: dict[str, Category] = {
    "ACCESS_DENIED": "permission", "NETWORK_ACCESS_DENIED": "permission", "LOGON_FAILURE": "auth",
    "WRONG_PASSWORD": "auth", "ACCOUNT_LOCKED_OUT": "auth", "PASSWORD_EXPIRED": "auth", "ACCOUNT_DISABLED": "auth",
    "PASSWORD_MUST_CHANGE": "auth", "ACCOUNT_EXPIRED": "auth", "OBJECT_NAME_NOT_FOUND": "missing_file",
    "OBJECT_PATH_NOT_FOUND": "missing_file", "NO_SUCH_FILE": "missing_file", "BAD_NETWORK_NAME": "missing_file",
    "DISK_FULL": "disk_full", "QUOTA_EXCEEDED": "disk_full", "HOST_UNREACHABLE": "network",
    "NETWORK_UNREACHABLE": "network", "CONNECTION_REFUSED": "network", "CONNECTION_RESET": "network",
    "CONNECTION_DISCONNECTED": "network", "IO_TIMEOUT": "network", "NO_MEMORY": "oom",
}  # fmt: skip
# curl's own error numbers ("curl: (78) RETR response: 550"), from its documented exit codes; not 28, which
# is both a connection that timed out (network) and a transfer that did (timeout): its words decide
_CURL_EXIT = re.compile(r"\bcurl: \((\d{1,2})\)")
_CURL_CATEGORY: dict[int, Category] = {
    3: "script_error", 5: "network", 6: "network", 7: "network", 9: "permission", 35: "network",
    37: "missing_file", 52: "network", 55: "network", 56: "network", 67: "auth", 78: "missing_file",
}  # fmt: skip
# SAP's runtime errors (the short dumps of transaction ST22) as its job log reports them: "ABAP/4 processor:
# TSV_TNEW_PAGE_ALLOC_FAILED" (message 00 671, in the log's language). The name settles the family by its
# documented group: memory, the database interface, a conversion of data, an authority check, a program or
# function module not there, a time limit; any other runtime error is the program's own fault.
_ABAP_DUMP = re.compile(
    r"\bABAP(?:/4)?[- ](?:processor|Prozessor|processeur|procesador|processore|processador)\s*:\s*([A-Z][A-Z0-9_]{3,})|"
    r"\bterminated with a runtime error ([A-Z][A-Z0-9_]{3,})\b"  # ("Internal session terminated with ...", ST22)
)


def sap_runtime_error(text: str) -> str | None:
    """The name of the SAP runtime error (short dump) a job log line reports, or None."""
    match = _ABAP_DUMP.search(text) if "ABAP" in text or "runtime error" in text else None
    return (match.group(1) or match.group(2)) if match else None


_ABAP_CATEGORY: tuple[tuple[str, Category], ...] = (
    ("TSV_", "oom"), ("SYSTEM_NO_ROLL", "oom"), ("SYSTEM_NO_MEMORY", "oom"), ("SYSTEM_NO_SHM_MEMORY", "oom"),
    ("MEMORY_", "oom"),
    ("DBIF_", "db_error"), ("DBSQL_", "db_error"), ("SAPSQL_", "db_error"), ("CONVT_", "data_quality"),
    ("OPEN_DATASET_NO_AUTHORITY", "permission"), ("CALL_FUNCTION_NOT_FOUND", "dependency"),
    ("LOAD_PROGRAM_NOT_FOUND", "dependency"), ("CALL_FUNCTION_COMMUNICATION_FAILURE", "network"),
    ("TIME_OUT", "timeout"), ("STORAGE_PARAMETERS_WRONG_SET", "oom"), ("RFC_NO_AUTHORITY", "permission"),
)  # fmt: skip
# Runtime errors of the program's own making; any other name is read as one too, but only as weak evidence.
_ABAP_PROGRAM = ("COMPUTE_", "MESSAGE_TYPE_X", "UNCAUGHT_EXCEPTION", "RAISE_EXCEPTION", "GETWA_NOT_ASSIGNED",
                 "OBJECTS_", "ITAB_", "SYNTAX_ERROR", "STRING_", "ASSIGN_", "CONVT_CODEPAGE", "CX_")  # fmt: skip


def abap_category(runtime_error: str) -> Category:
    """The family of an SAP runtime error by its name (script_error: the program's own fault)."""
    return next((category for prefix, category in _ABAP_CATEGORY if runtime_error.startswith(prefix)), "script_error")


# ClickHouse's errors end with the code's name from its ErrorCodes list ("Code: 252. DB::Exception: ... Too many
# parts ... (TOO_MANY_PARTS)"): the name settles the family.
_CLICKHOUSE_NAME = re.compile(
    r"\(([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\)\.?(?:\s*\((?:version|from) [^()]{0,80}(?:\([^()]{0,40}\))?\))*\s*$"
)
_CLICKHOUSE_CATEGORY: dict[str, Category] = {
    "TOO_MANY_PARTS": "db_error", "UNKNOWN_TABLE": "db_error", "UNKNOWN_DATABASE": "db_error",
    "UNKNOWN_IDENTIFIER": "db_error", "TABLE_ALREADY_EXISTS": "db_error", "TOO_MANY_SIMULTANEOUS_QUERIES": "db_error",
    "MEMORY_LIMIT_EXCEEDED": "oom", "TIMEOUT_EXCEEDED": "timeout", "AUTHENTICATION_FAILED": "auth",
    "ACCESS_DENIED": "permission", "NOT_ENOUGH_PRIVILEGES": "permission", "NOT_ENOUGH_SPACE": "disk_full",
    "NETWORK_ERROR": "network", "SOCKET_TIMEOUT": "network", "ALL_CONNECTION_TRIES_FAILED": "network",
    "CANNOT_PARSE_INPUT_ASSERTION_FAILED": "data_quality", "CANNOT_PARSE_TEXT": "data_quality",
    "CANNOT_PARSE_DATE": "data_quality", "CANNOT_PARSE_DATETIME": "data_quality", "INCORRECT_DATA": "data_quality",
}  # fmt: skip
_MYSQL_CATEGORY: dict[int, Category] = {
    1044: "permission", 1142: "permission", 1143: "permission", 1227: "permission", 1045: "auth",
    1040: "db_error", 1062: "db_error", 1205: "db_error", 1213: "db_error", 1146: "db_error", 1054: "db_error",
    1064: "script_error", 1114: "db_error", 1452: "db_error", 1451: "db_error", 1406: "data_quality",
    1366: "data_quality", 1292: "data_quality", 2002: "network", 2003: "network", 2005: "network",
    2013: "network", 3024: "timeout", 1049: "db_error", 1051: "db_error", 1048: "data_quality",
    1136: "data_quality", 1265: "data_quality", 2006: "network", 1130: "auth",
}  # fmt: skip
# Database products' own error codes, from their message references: the code settles the family even
# when its text has a misleading word ("ORA-00054: resource busy ... or timeout expired" is a lock conflict).
# SQL Server's "Msg 9002, Level 17" in the client's language ("Meldung 9002, Ebene 17"): its words, for the
# code read here and for the header the engine moves to its message (rules_engine._SQLSERVER_HEADER).
SQLSERVER_MESSAGE_WORDS = ("Msg", "Meldung", "Mens.", "Messaggio", "Mensagem", "Bericht", "Komunikat")
SQLSERVER_MESSAGE = "(?:" + "|".join(map(re.escape, SQLSERVER_MESSAGE_WORDS)) + ")"
SQLSERVER_LEVEL = "(?:Level|Ebene|Niveau|Nivel|Livello|Nível|Poziom)"
_PRODUCT_CODE = re.compile(
    r"(?<!MONMSG )(?<!MSGID\()\b(ORA-\d{5}|SQL\d{4,5}[NCW]|E11000|CPF\d{4})\b|"
    r"(?<![A-Za-z])(IDC\d{4}I)\b|"  # z/OS IDCAMS, after a print file's carriage control ("0IDC3012I")
    rf"\b{SQLSERVER_MESSAGE} (\d{{1,6}}), {SQLSERVER_LEVEL} \d+|"
    r"(?:^|\s)(\d{6}) \([0-9A-Z]{5}\): "
)


def _codes_of(category: Category, codes: str) -> dict[str, Category]:
    return dict.fromkeys(codes.split(), category)


_PRODUCT_CATEGORY: dict[str, Category] = {
    # Oracle
    **_codes_of("db_error", "ORA-00001 ORA-00054 ORA-00060 ORA-00257 ORA-00942 ORA-01555 ORA-01652 ORA-01653 "
                "ORA-01654 ORA-01688 ORA-01691 ORA-30036 ORA-04043 ORA-00904 ORA-04068 ORA-04061 ORA-02291 "
                "ORA-02292 ORA-01502 ORA-00018 ORA-00020 ORA-01578 ORA-00600 ORA-07445 ORA-01034 ORA-27101 "
                "ORA-01033 ORA-01089 ORA-00955 ORA-01403 ORA-01536 ORA-02049"),
    **_codes_of("network", "ORA-12154 ORA-12170 ORA-12514 ORA-12541 ORA-12543 ORA-12545 ORA-12537 ORA-03113 "
                "ORA-03114 ORA-03135 ORA-12505 ORA-12519 ORA-12520 ORA-12528 ORA-12560 ORA-12547 ORA-12516 "
                "ORA-12518"),
    **_codes_of("auth", "ORA-01017 ORA-28000 ORA-28001 ORA-01005 ORA-28009 ORA-28040"),
    **_codes_of("permission", "ORA-01031 ORA-01749 ORA-00990 ORA-01045 ORA-01950"),
    **_codes_of("missing_file", "ORA-29283 ORA-29280 ORA-19625 ORA-27037 ORA-01110 ORA-27041"),
    **_codes_of("timeout", "ORA-01013"),
    **_codes_of("oom", "ORA-04030 ORA-04031 ORA-27102"),
    **_codes_of("data_quality", "ORA-01722 ORA-01400 ORA-01830 ORA-01840 ORA-01841 ORA-01843 ORA-01847 ORA-01858 "
                "ORA-01861 ORA-12899 ORA-01438 ORA-01401"),
    **_codes_of("disk_full", "ORA-19504 ORA-27044 ORA-19809 ORA-19804"),
    # A statement's syntax (the job's own SQL, rules-21): "SQL command not properly ended", "missing expression",
    # "missing right parenthesis", "FROM keyword not found where expected"; Db2's "unexpected token"; SQL
    # Server's "Incorrect syntax near", "... near the keyword", "Unclosed quotation mark"
    **_codes_of("script_error", "ORA-00933 ORA-00936 ORA-00907 ORA-00923 SQL0104N Msg102 Msg156 Msg105"),
    # Snowflake ("002003 (02000): SQL compilation error: Object ... does not exist or not authorized")
    "SF002003": "db_error", "SF390100": "auth", "SF390144": "auth", "SF000630": "timeout",
    # IBM i CPF messages (IBM i message file QCPFMSG): an object, file or library not found, not authorized,
    # a duplicate key (not the message a CL program monitors: "MONMSG CPF2105", "MONMSG MSGID(CPF2105)")
    **_codes_of("missing_file", "CPF4101 CPF9812 CPF9801 CPF2105 CPF2110 CPF9810 CPF3142"),
    **_codes_of("permission", "CPF2189 CPF2207 CPF9802 CPF9820 CPF2182 CPF4104"),
    **_codes_of("db_error", "CPF5026 CPF5009"),
    # z/OS IDCAMS: a catalog entry (a data set) not found
    "IDC3012I": "missing_file",
    # MongoDB ("E11000 duplicate key error")
    "E11000": "db_error",
    # DB2
    **_codes_of("db_error", "SQL0911N SQL0913N SQL0964C SQL0289N SQL0803N SQL0204N SQL0206N SQL0530N "
                "SQL0532N SQL0901N SQL1013N"),
    "SQL0968C": "disk_full",  # "The file system is full."
    **_codes_of("permission", "SQL0551N SQL0552N SQL1092N"),
    **_codes_of("auth", "SQL30082N"),
    **_codes_of("network", "SQL30081N SQL1336N"),
    **_codes_of("timeout", "SQL0952N"),
    **_codes_of("data_quality", "SQL0302N SQL0180N SQL0181N SQL0407N SQL0433N"),
    # DB2 LOAD and IMPORT: a field of a row of the input that does not fit its column (the row is rejected)
    **_codes_of("data_quality", "SQL3114W SQL3115W SQL3116W SQL3117W SQL3118W SQL3125W SQL3191W"),
    **_codes_of("oom", "SQL0954C"),
    # SQL Server ("Msg 229, Level 14")
    **_codes_of("db_error", "Msg208 Msg207 Msg2627 Msg2601 Msg1205 Msg9002 Msg1105 Msg547 Msg1222 Msg2812"),
    **_codes_of("permission", "Msg229 Msg230 Msg262 Msg916 Msg297 Msg300"),
    **_codes_of("missing_file", "Msg3201"),
    **_codes_of("auth", "Msg18456 Msg18452 Msg4060"),
    **_codes_of("oom", "Msg701 Msg802"),
    **_codes_of("data_quality", "Msg8152 Msg2628 Msg245 Msg241 Msg8114 Msg515 Msg8115 Msg242 Msg4864 Msg4863 "
                "Msg4832"),
}  # fmt: skip
# IBM MQ reason codes (MQRC_*, from MQ's reason code reference) a queue manager call returns: "MQOPEN ended
# with reason code 2035", "Comp: 2, Reason 2085", "reason '2059'". Read only on a line that says MQ or gives a
# completion code, so a "reason code 2035" of another product is not read as MQ's.
_MQ_REASON = re.compile(r"\b(?:reason(?: code)?|MQRC|RC)\s*(?:[:=]\s*)?['\"(]?(2\d{3})\b", re.IGNORECASE)
# (a word-bounded MQ, MQRC/MQCC/MQOPEN..., AMQ9999: "RabbitMQ" and "ActiveMQ" are other brokers)
_MQ_CONTEXT = re.compile(r"\b(?:MQ[A-Z]*|AMQ\d+[A-Z]?)(?![a-z0-9])|\b(?i:comp(?:letion)?(?: ?code)?)\b")
_MQ_REASON_CATEGORY: dict[int, Category] = {
    2035: "permission",  # MQRC_NOT_AUTHORIZED
    2063: "permission",  # MQRC_SECURITY_ERROR
    2085: "missing_file",  # MQRC_UNKNOWN_OBJECT_NAME: the queue (the input or target) is not defined
    2009: "network",  # MQRC_CONNECTION_BROKEN
    2059: "network",  # MQRC_Q_MGR_NOT_AVAILABLE
    2058: "network",  # MQRC_Q_MGR_NAME_ERROR
    2087: "network",  # MQRC_UNKNOWN_REMOTE_Q_MGR
    2161: "network",  # MQRC_Q_MGR_QUIESCING
    2162: "network",  # MQRC_Q_MGR_STOPPING
    2202: "network",  # MQRC_CONNECTION_QUIESCING
    2203: "network",  # MQRC_CONNECTION_STOPPING
    2537: "network",  # MQRC_CHANNEL_NOT_AVAILABLE
    2538: "network",  # MQRC_HOST_NOT_AVAILABLE
    2540: "network",  # MQRC_UNKNOWN_CHANNEL_NAME
    2030: "data_quality",  # MQRC_MSG_TOO_BIG_FOR_Q
    2031: "data_quality",  # MQRC_MSG_TOO_BIG_FOR_Q_MGR
    2053: "disk_full",  # MQRC_Q_FULL: the queue holds its maximum depth
    2192: "disk_full",  # MQRC_PAGESET_FULL
}
# z/OS system completion codes ("ABEND=S0C7", "SYSTEM COMPLETION CODE=B37"), from the system codes manual, and
# the data management message that reports one with its reason code and names the data set ("IEC030I B37-04,...").
_ABEND = re.compile(
    r"\bABEND[= ]S([0-9A-F]{3})\b|\bCOMPLETION CODE=S?([0-9A-F]{3})\b|\bIEC\d{3}I ([0-9A-F]{3})-[0-9A-F]{2}\b"
)
_ABEND_CATEGORY: dict[str, Category] = {
    "0C7": "data_quality", "0C1": "script_error", "0C4": "script_error", "0C9": "script_error",
    "0CB": "script_error", "80A": "oom", "878": "oom", "80C": "oom", "B37": "disk_full", "D37": "disk_full",
    "E37": "disk_full", "913": "permission", "806": "dependency", "322": "timeout", "522": "timeout",
    "213": "missing_file", "013": "missing_file",
}  # fmt: skip
_ERRNO_CATEGORY: dict[str, Category] = {
    "ENOENT": "missing_file", "EACCES": "permission", "EPERM": "permission", "EROFS": "permission",
    "ENOSPC": "disk_full", "EDQUOT": "disk_full", "ENOMEM": "oom", "ECONNREFUSED": "network",
    "ECONNRESET": "network", "EHOSTUNREACH": "network", "ENETUNREACH": "network", "EAI_NONAME": "network",
    "EAI_AGAIN": "network", "ETIMEDOUT": "network", "ENETDOWN": "network",
    "ENOTFOUND": "network", "ECONNABORTED": "network", "ENOTCONN": "network", "EAI_FAIL": "network",
    "ESOCKETTIMEDOUT": "timeout", "ENOEXEC": "dependency", "ESTALE": "network",
}  # fmt: skip
# A child's exit status the job reports ("exited with code 137"): the shell's 126/127 and 128+signal codes
# say what stopped it, as the job's own exit code does (RETURN_CODE_HINTS), but a kill may be manual: weak.
_EXIT_STATUS = re.compile(
    r"\b(?:exit(?:ed)?|returned|completed|terminated)(?: with)?(?: exit)?(?: code| status| value)?(?: is)?"
    r"[ =:]+(\d{3})\b",
    re.IGNORECASE,
)
# "[Errno 28]" of Python, and the number as C tools print it: "Got errno 28 on write", "errno=28", "(errno: 28)".
# Negative numbers are getaddrinfo's EAI_* codes only in Python's "[Errno -2]"; Node's "errno: -2" is -ENOENT.
_ERRNO = re.compile(
    r"\b(E[A-Z_]{3,14})\b|\[Errno (-?\d+)\]|\b(?i:errno)\s*(?:[=:#]\s*)?(\d{1,3})\b|"
    r"\bmount error\((\d{1,3})\)"  # mount.cifs's "mount error(113): could not connect to ..."
)
# the errno table of the entity extractor, plus getaddrinfo's negative codes as Python prints them
_ERRNO_NUMBERS = {**ERRNO_BY_NUMBER, "-2": "EAI_NONAME", "-3": "EAI_NONAME", "-5": "EAI_NONAME"}

# --- 2. exception and constant names, split into words --------------------------------------------------
# (the package path is tried only where a dotted name starts, so "a.a.a..." is not rescanned from every part)
_TYPE_NAME = re.compile(
    r"\b(?:(?<![\w.])(?:[a-z_]\w*+\.)+)?([A-Z]\w*(?:Exception|Error|Fault|Failure|Timeout|Expired|Killed))\b"
)
_CONSTANT = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,}\b")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Order matters: the first family whose words are all in the name wins ("ConnectTimeout" is the
# connect phase, so network; "UnauthorizedAccess" is .NET's file permission, not an HTTP 401).
_TYPE_WORDS: tuple[tuple[tuple[str, ...], Category], ...] = (
    (("out", "of", "memory"), "oom"),
    (("memory",), "oom"),
    (("connect", "timeout"), "network"),
    (("unknown", "host"), "network"),
    (("no", "route"), "network"),
    (("name", "resolution"), "network"),
    (("gaierror",), "network"),
    (("connect",), "network"),
    (("connection",), "network"),
    (("network",), "network"),
    (("communication",), "network"),
    (("unreachable",), "network"),
    (("unavailable",), "network"),
    (("not", "available"), "network"),
    (("timeout",), "timeout"),
    (("timed", "out"), "timeout"),
    (("deadline",), "timeout"),
    (("unauthorized", "access"), "permission"),
    (("invalid", "authorization"), "auth"),  # JDBC's name of SQLSTATE class 28
    (("authorization",), "permission"),
    (("access", "denied"), "permission"),
    (("access", "control"), "permission"),
    (("permission",), "permission"),
    (("privilege",), "permission"),
    (("authentication",), "auth"),
    (("auth",), "auth"),
    (("login",), "auth"),
    (("logon",), "auth"),
    (("credential",), "auth"),
    (("credentials",), "auth"),
    (("unauthorized",), "auth"),
    (("token",), "auth"),
    (("expired",), "auth"),
    (("quota",), "disk_full"),
    (("disk",), "disk_full"),
    (("disk", "space"), "disk_full"),
    (("no", "space"), "disk_full"),
    (("module", "not", "found"), "dependency"),
    (("class", "not", "found"), "dependency"),
    (("class", "def"), "dependency"),
    (("import",), "dependency"),
    (("linkage",), "dependency"),
    (("missing", "spec"), "dependency"),  # a gem of the bundle that is not installed (Gem::MissingSpecError)
    (("unsatisfied", "link"), "dependency"),
    (("file", "not", "found"), "missing_file"),
    (("no", "such", "file"), "missing_file"),
    (("path", "not", "found"), "missing_file"),
    (("directory", "not", "found"), "missing_file"),
    (("parse",), "data_quality"),
    (("serialization",), "data_quality"),
    (("parser",), "data_quality"),
    (("decode",), "data_quality"),
    (("decoding",), "data_quality"),
    (("validation",), "data_quality"),
    (("format",), "data_quality"),
    (("malformed",), "data_quality"),
    (("integrity",), "db_error"),
    (("deadlock",), "db_error"),
    (("constraint",), "db_error"),
    (("duplicate", "key"), "db_error"),
    (("sql", "syntax"), "db_error"),
    (("null",), "script_error"),
    (("illegal", "state"), "script_error"),
    (("illegal", "argument"), "script_error"),
    (("no", "such", "method"), "dependency"),  # a class of another version of its jar than it was built with
    (("no", "such", "field"), "dependency"),
    (("incompatible", "class", "change"), "dependency"),
    (("abstract", "method"), "dependency"),
    (("unsupported", "class", "version"), "dependency"),
    (("no", "method"), "script_error"),
    (("unbound",), "script_error"),
    (("zero", "division"), "script_error"),
    (("assertion",), "script_error"),
    (("configuration",), "script_error"),  # the job's configuration is wrong (LogStash::ConfigurationError)
    # (rules-25) an INI file's option or section the job reads is not there or twice (Python's configparser)
    (("no", "option"), "script_error"),
    (("no", "section"), "script_error"),
    (("duplicate", "option"), "script_error"),
    (("duplicate", "section"), "script_error"),
    (("interpolation",), "script_error"),
    (("config",), "script_error"),
    (("recursion",), "script_error"),
    (("reference",), "script_error"),
    (("class", "cast"), "script_error"),
    (("invalid", "operation"), "script_error"),
    (("invalid", "cast"), "script_error"),
    (("argument",), "script_error"),
    (("syntax",), "script_error"),
    (("not", "implemented"), "script_error"),
    (("arithmetic",), "script_error"),
)
# Names that are one generic word ("TypeError", "KeyError"): only the whole name counts, so that
# "DuplicateKeyException" is not read as a KeyError.
# Type names that say only that a call was given something wrong (`ArgumentError`, `IllegalStateException`):
# the message says what, so its words outweigh the name.
_GENERIC_TYPE = re.compile(r"(?:Illegal)?(?:Argument|State)(?:Exception|Error)|InvalidOperation(?:Exception|Error)")
_TYPE_EXACT: dict[str, Category] = {
    "type": "script_error", "attribute": "script_error", "name": "script_error", "index": "script_error",
    "key": "script_error", "reference": "script_error", "range": "script_error", "lookup": "script_error",
}  # fmt: skip


# --- 3. what failed and how: a lexicon of words --------------------------------------------------------
# What may follow "could not resolve" when it is a name lookup: a host word, a host name or an address.
_HOST_OBJECT = (
    r"(?:(?:host ?(?:name)?|address|server|proxy|dns)\b|[\"'\[(]?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}[\"'\])]?"
    r"(?=[\s:,;)]|$)|\d{1,3}(?:\.\d{1,3}){3}\b)"
)
# Compressed, archive and data file types: their "unexpected end" is a truncated input, not a script.
_DATA_FILE_TYPES = "gz|gzip|tgz|zip|bz2|bzip2|xz|zst|tar|7z|csv|json|xml|dat|parquet|avro|orc|compressed"


@dataclass(frozen=True, slots=True)
class _Words:
    """Words that show a family; `shadows` names a family whose words on the same line mean something
    else ("connection timed out" is the connect phase and a lock wait is contention: not a time limit)."""

    pattern: re.Pattern[str]
    category: Category
    strength: int
    shadows: Category | None


def _words(category: Category, strength: int, pattern: str, shadows: Category | None = None) -> _Words:
    return _Words(re.compile(pattern, re.IGNORECASE), category, strength, shadows)


_LEXICON: tuple[_Words, ...] = (
    # (rules-26) a program's error message (its id "XXX-E-nnnn") that compares a value with its bound, in any
    # language: "BIN COUNT 2231 > GROSS DIE 2198", "TILAVUUS 412,6 M3 YLI AJONEUVON KAPASITEETIN (MAX 64,0 M3)"
    _words(
        "data_quality",
        WORDS,
        rf"(?-i:{SEVERE_MESSAGE_ID})[^<>]{{0,160}}?(?:(?<![\w.,-])\d[\d.,]{{0,12}}(?: ?[^\s\d<>]{{1,6}})? ?[<>]=? ?"
        r"(?:[^\W\d]{1,12}(?: [^\W\d]{1,12}){0,3} )?-?\d|"
        r"\((?:max|min|maximum|minimum|maks|m[áa]x|m[íi]n|massimo|minimo)\.?:? ?-?\d|"
        # or the range it must be in, in any language ("RIEBALAI 38,6 % NEATITINKA RIBU (2,50 - 6,50)", part 10)
        r"\( ?-?\d[\d.,]{0,12} ?(?:-|–|\.\.) ?-?\d[\d.,]{0,12} ?[^\W\d]{0,6} ?\)|"
        # or with the values it allows: "ARTCODE HMK UNBEKANNT (ERLAUBT: HKC HKP HMC)"
        r"\((?:allowed|valid|erlaubt|zul[äa]ssig|permitid[oa]s|autoris[ée]s|valides|consentit[ie]|ammess[ie]|"
        r"toegestaan|till[åa]tna|tilladte|tillatte|sallitut|dozwolone|povolen[éa]|megengedett|izin verilen) ?:|"
        # or a number over another ("POCET KUSU 1200 PREKRACUJE POCET POLOTOVARU 120")
        rf"(?<![\w.,-])\d[\d.,]{{0,12}}(?: ?\S{{1,8}})? (?:{_EXCEEDS_25})(?: [^\W\d]{{1,16}}){{0,3}} -?\d)|"
        # a code the program does not know, in a message that names no file ("KOD WYROBU X NIE ISTNIEJE W KARTOTECE")
        rf"(?-i:{SEVERE_MESSAGE_ID})(?=[^/\\]{{0,400}}$)[^/\\]{{0,200}}?\b(?:{_UNKNOWN_26})\b",
    ),
    # (rules-26) a value that is not the number or date it must be ("quantity -4 is not a positive integer"), a
    # flat file whose column delimiter is not where its format says (SSIS)
    _words(
        "data_quality",
        WORDS,
        r"\bis not an? (?:valid |positive |non-negative |whole )?(?:integer|number|decimal|numeric value|date)\b|"
        r"\bcolumn delimiter\b[^.;]{0,60}\bwas not found\b",
    ),
    # A database that cancels work for want of memory (Greenplum's VMEM red zone, "out of memory" in a
    # server's error) has run out of memory: the statement it names is where, not why.
    _words(
        "oom",
        WORDS,
        r"\bhigh vmem usage\b|\bvmem\b[^.;]{0,40}\b(?:red zone|limit|exceeded|protect)\b|"
        r"\b(?:query|statement|server|database|segment|backend)\b[^.;]{0,40}\bout of memory\b|"
        r"\bout of memory\b[^.;]{0,40}\b(?:query|statement|segment|backend)\b",
        shadows="db_error",
    ),
    # A value of another type than its schema declares (Avro's "Expected int. Got VALUE_STRING", a JSON
    # Schema validator's "expected type: Integer, found: String") is the input's fault, not the code's.
    _words(
        "data_quality",
        WORDS,
        r"\bexpected (?:int|long|float|double|boolean|string|bytes|null|array|map|record|enum|fixed|number|"
        r"integer|object|start_\w+|end_\w+)\b[.,:;]? (?:but )?(?:got|found)\b|"
        r"\bexpected type:? \w+,? (?:but )?(?:found|got):? \w+",
        shadows="script_error",
    ),
    # A sign-in refused by a key or an authentication step ("Unable to authenticate.", "API key could not be
    # found"): a credential, not a file.
    _words(
        "auth",
        WORDS,
        r"\b(?:unable to|could not|couldn't|cannot|can't|failed to) authenticate\b|"
        r"\bapi ?key\b[^.;]{0,40}\b(?:could not be found|not found|is invalid|invalid|expired|revoked|"
        r"is not valid|was not found)\b",
        shadows="missing_file",
    ),
    # Tcl's read of a variable never set ("can't read \"x\": no such variable") and of a command it lacks.
    _words(
        "script_error",
        WORDS,
        r"\bcan't read \"[^\"\n]{1,80}\": no such (?:variable|element in array)\b|\binvalid command name \"",
        shadows="missing_file",
    ),
    # A read that timed out had a link: the answer took too long (whatever the connection's type name says).
    _words("timeout", WORDS, r"\bread (?:timed? ?out|timeout)\b", shadows="network"),
    # A client that could resolve none of the servers it was given (Kafka's "No resolvable bootstrap urls given in
    # bootstrap.servers", reported as a configuration error): the name service or the network.
    _words(
        "network",
        WORDS,
        r"\bno resolvable (?:bootstrap )?(?:urls|hosts|servers|addresses)\b|\bcouldn't resolve (?:server|host)\b",
        shadows="script_error",
    ),
    # A connection that was never set up in time ("Network error: Connection to \"h\" timed out.", urllib3's
    # "Connection to h timed out. (connect timeout=10)"): the connect phase, so the network.
    _words("network", WORDS, r"\bconnection to \S{1,200} timed out\b", shadows="timeout"),
    _words("script_error", WORDS, r"\bcannot call a method on a null-valued expression\b"),
    # A cell that breaks its schema's constraint (frictionless' "does not conform to a constraint"), input that a
    # database cannot parse (ClickHouse's "Cannot parse input"): the data, not the database.
    _words(
        "data_quality",
        WORDS,
        r"\bdoes not conform to a constraint\b|\bcannot parse input\b",
        shadows="db_error",
    ),
    # A driver's refused connection that names where ("PSQLException: Connection to h:5432 refused."): the network
    # (the server is down or not listening), whatever the database's words around it.
    _words("network", WORDS, r"\bconnection to \S{1,200} refused\b", shadows="db_error"),
    # SQL Server's 1105, a filegroup that is full ("Could not allocate space for object 'x' in database 'd' because
    # the 'PRIMARY' filegroup is full. Create disk space by ..."): the database's files, whatever its advice says
    _words(
        "db_error",
        CODE,
        r"\bcould not allocate space for object\b|\bfilegroup is full\b",
        shadows="disk_full",
    ),
    # .NET's WebException "Unable to connect to the remote server" (Invoke-RestMethod, WebClient): the network
    _words("network", WORDS, r"\bunable to connect to the remote server\b"),
    # A data test or a dataframe validation that failed (dbt's "Failure in test not_null_x", pandera's
    # "SchemaError: Column 'X' failed element-wise validator", "failure cases: ..."): the data.
    _words(
        "data_quality",
        WORDS,
        r"\bfailure in test\b|\bfailed element-wise validator\b|\bfailed (?:series|dataframe) validator\b|"
        r"\bfailure cases\b",
        shadows="script_error",
    ),
    # A script's own syntax, as a shell reports it at the script's line in its language ("x.sh: line 131: syntax
    # error: unexpected end of file", "x.sh: Zeile 118: Dateiende beim Suchen nach ... erreicht"): the job's code,
    # not its data (an "unexpected end of file" of a shell script is an unclosed quote or block).
    _words(
        "script_error",
        WORDS,
        r"^\S+\.(?:sh|bash|ksh|zsh): (?:line|zeile|ligne|l[íi]nea|riga|linha|regel|rad|wiersz|[řr][áa]dek|строка) "
        r"\d+: .{0,40}(?:syntax|eof\b|end of file|dateiende|fin de fichier|fin del archivo|fine del file|"
        r"fim do arquivo|fim de ficheiro|einde van bestand)",
        shadows="data_quality",
    ),
    # Rows whose fields do not line up with the header: the data, not the program.
    _words(
        "data_quality",
        WORDS,
        r"\b(?:header/data|column|field|record) (?:length|count) mismatch\b|\bwrong number of (?:fields|columns)\b",
    ),
    # A broker that refused the connection for its credentials (MQTT's CONNACK "Connection Refused: not
    # authorised", "bad user name or password"): the login, not the network.
    _words(
        "auth",
        WORDS,
        r"\bconnection refused\W{1,3}(?:not authori[sz]ed|bad user ?name or password|identifier rejected)\b",
        shadows="network",
    ),
    _words(
        "network",
        WORDS,
        r"\bconnect(?:ion)?\b(?:[^.;]|\.\w){0,30}\b(?<!read )(?:timed? ?out|timeout)\b|\b(?:login|logon) time ?out\b|"
        # a connect that failed, then the reason after the target: "failed to connect to 'h:445': timed out"
        r"\b(?:failed|unable|could not|couldn't|cannot|can't) (?:to )?connect\b[^;]{0,80}?:\s*"
        r"(?:timed? ?out|timeout)\b|"
        r"\bdial (?:tcp|udp)\b[^;]{0,60}\bi/o timeout\b",
        shadows="timeout",
    ),
    _words(
        "db_error",
        WORDS,
        r"\block\b[^.;]{0,20}\b(?:wait|timeout|timed out)\b|\b(?:timeout|timed out) waiting for (?:the |a )?lock\b",
        shadows="timeout",
    ),
    _words(
        "timeout",
        WORDS,
        # (a state name in capitals, "TIMEDOUT", is a status poll's value: the message that says it in words is
        # the error line)
        r"\b(?!(?-i:TIMEDOUT)\b)timed ?out\b|"
        r"\btimeout\b[^.;]{0,40}\b(?:expired|exceeded|reached|occurred|cancel\w*|abort\w*|kill\w*)|"
        r"\b(?:reached|exceeded|hit)\b[^.;]{0,40}\btime ?out\b|\bdeadline exceeded\b|"
        r"\bexceed\w*\b[^.;]{0,40}\b(?:time ?limit|limit of [\d:.]+(?![\d:.]*\s*(?:[KMGTP]i?B|bytes?|%))|wall ?clock|"
        r"run ?time|duration|elapsed)|\btime ?out of \d|\bafter (?:a )?time ?out\b|"
        r"\bcancell?ed\b[^.;]{0,40}\bafter \d+ ?(?:s|sec|seconds|min|minutes|h|hours)\b|"
        r"\b(?:wall ?clock|run ?time|elapsed time)\b[^.;]{0,30}\bexceed|"
        r"\b(?:took|ran|running|run|lasted) longer than\b|\blonger than the max(?:imum)? (?:time|duration|run ?time)\b",
    ),
    # A tool called with an option, operand or expression it does not take (sed, awk, find, tar, cp...): the
    # job's script is wrong, though the message may say "missing" or "file".
    _words(
        "script_error",
        WORDS,
        r"\b(?:unknown|invalid|unrecognized|unrecognised|illegal|bad) (?:option|flag|switch)\b|"
        r"\boption requires an argument\b|\bmissing (?:\w+ ){0,2}operand\b|"
        r"\bunterminated [`'\"]?s[`'\"]? command\b|\bextra characters after command\b|\bunknown command:|"
        r"\bunmatched [`'\"(\[{]",
        shadows="missing_file",
    ),
    # A remote end that cannot be found, reached or kept.
    _words(
        "network",
        WORDS,
        r"\b(?:could not|couldn't|cannot|can't|unable to|failed to)\s+(?:translate host|reach|establish|contact)\b|"
        # an attempt to connect to a server that the line says failed (Informix's "908: Attempt to connect to
        # database server (x) failed.")
        r"\battempt(?:ed)? to connect to (?:the )?(?:database )?server\b[^;]{0,60}\bfailed\b|"
        # "could not resolve" is a name lookup only when a host follows ("... table reference" is not one)
        rf"\b(?:could not|cannot|can't|unable to|failed to)\s+resolve\b:?\s+(?:the\s+)?{_HOST_OBJECT}|"
        r"\bname resolution\b|\bresolving\b[^.;]{0,30}\bfailed\b|\bunreachable\b|\bno route\b|\bno such host\b|"
        # SQL Server's clients when the server cannot be reached (their exception type says only "SqlException")
        r"\ba network-related or instance-specific error\b|\bserver was not found or was not accessible\b|"
        r"\bhost\b[^.;]{0,20}\bnot (?:available|known|found)\b|\bnot (?:be )?established\b|"
        r"\bnot available\b[^.;]{0,20}\b(?:broker|server|host|node)\b|"
        r"\b(?:broker|server|host|node|service)s?\b[^.;]{0,30}\b(?:not|un)[ -]?available\b|"
        # (unless the server answered: "connection ... failed: FATAL: <its reason>" is that reason)
        r"\bconnection\b[^.;]{0,20}\b(?:refused|reset|failure|failed|lost|aborted|closed)\b(?!:\s+(?:FATAL|ERROR):)|"
        r"\bno (?:brokers?|servers?|hosts?|nodes?|replicas?|endpoints?) (?:are |is )?(?:available|reachable)\b|"
        r"\b(?:refused|reset) (?:by peer|the connection)\b|\bnetwork (?:path|name)\b|\blost connection\b|"
        r"\bsocket hang up\b|\bhandshake\b[^.;]{0,30}\b(?:timeout|timed out|failed|failure)\b",
    ),
    # A connection through a local socket whose file is missing: the server is not running (not a lost input).
    _words(
        "network",
        WORDS,
        r"\bconnect\w*\b[^;]{0,40}\bsocket\b[^;]{0,80}\b(?:failed|refused|no such file)\b|"
        # a network file system whose server no longer knows the handle
        r"\bstale (?:nfs )?file handle\b",
        shadows="missing_file",
    ),
    # A peer that stopped answering once the link was up (a keepalive gave up): weaker than a time limit
    # the message names ("the timeout period elapsed ... or the server is not responding" is that limit).
    _words(
        "network",
        WEAK_WORDS,
        r"\b(?:server|host|peer|remote|node|broker|service|daemon|agent|backend|endpoint)\b(?:[^.;]|\.\w){0,40}"
        r"\b(?:not responding|stopped responding|did not respond|does not respond|no longer respond\w*)\b|"
        r"\bno response from\b|"
        # a service that refuses more requests for now
        r"\brate (?:limit\w*|exceeded)\b|\bthrottl\w+\b|\btoo many requests\b|\breduce your request rate\b",
    ),
    # Credentials rejected.
    _words(
        "auth",
        WORDS,
        r"\b(?:password|passphrase|credentials?|user ?name or password|access key|secret|token|"
        r"logon|login|bind|authenticat\w*)\b[^.;]{0,60}\b(?:invalid|incorrect|failed|failure|wrong|rejected|"
        r"not accepted|(?<!timeout )(?<!time out )expired|locked|no longer possible|does not exist|denied)|"
        r"\b(?:role|user|login|account|client|principal)\b[^.;]{0,40}\b(?:does not exist|not found in|is locked|"
        r"is disabled)\b|"
        r"\b(?:invalid|incorrect|wrong|expired|bad)\b[^.;]{0,20}\b(?:password|credentials?|user ?name|access key|token|"
        r"secret|client secret)\b|\bno (?:secret|private|valid) key\b|\b(?:a )?password is required\b|"
        # a request signature the service computed otherwise, an account the directory refuses, a login the
        # job could not even read
        r"\bsignature\b[^.;]{0,40}\b(?:does not match|doesn't match|mismatch|is invalid|expired)\b|"
        r"\baccount\b[^.;]{0,30}\b(?:has been|was|is) (?:locked|disabled|expired)\b|"
        r"\baccount (?:locked|disabled|expired)\b|\bcould not read (?:username|password)\b|"
        # a sign-in the server refused, in the words of web tools ("Signin Error", "error signing in to X")
        r"\b(?:sign[- ]?in|log[- ]?in|logon)\s+(?:error|failed|failure|refused|rejected|denied)\b|"
        # (the -ing form after a noun, "to" after failed/unable: "the error log in /var/x" is no sign-in)
        r"\b(?:error|failed|failure) (?:signing|logging) ?(?:in|on)\b|\b(?:failed|unable) to (?:sign|log) ?(?:in|on)\b|"
        r"\b(?:could not|cannot|can't) (?:sign|log) ?(?:in|on)\b|"
        # the server's access rules have no line for this client, or the peer's identity cannot be verified
        r"\bno (?:[\w.-]+ )?(?:entry|rule|match) for (?:host|user|client|address)\b|"
        r"\bhost key verification failed\b|\bhost (?:key|identification) has changed\b|"
        r"\bcertificate\b[^.;]{0,40}\b(?:expired|not yet valid|verify failed|verification failed|untrusted|"
        r"not trusted|revoked|problem|signed by unknown)\b|\bself[- ]signed certificate\b|"
        r"\bunable to (?:get|verify) (?:the )?(?:local )?(?:issuer )?certificate\b|\bPKIX path\b",
    ),
    # a YAML document that does not parse (go-yaml's "yaml: line 23: ...", PyYAML's "while parsing a block
    # mapping", Kubernetes' "error converting YAML to JSON"): YAML is the job's manifest or configuration, so
    # its syntax is the job's own code, not its input data
    _words(
        "script_error",
        WORDS,
        r"\byaml: line \d+:|\berror converting YAML to JSON\b|"
        r"\bwhile (?:parsing|scanning) an? (?:block|flow|simple|plain|quoted|anchor|alias|directive)\b|"
        r"\bmapping values are not allowed\b|\bdid not find expected (?:key|node content|<document start>)",
        shadows="data_quality",
    ),
    # rules-22: a batch file's own mistakes (cmd's "The system cannot find the batch label specified - X", and
    # an unquoted path cut at its space: "'C:\Program' is not recognized as ...") are the script's, not a
    # missing command
    _words(
        "script_error",
        WORDS,
        r"\bcannot find the batch label specified\b|\bimpossible de trouver l['’]étiquette de lot\b|"
        r"\bsprungmarke\b[^.;]{0,40}\bnicht gefunden\b|"
        # (a fragment that ends where a well-known folder's name has its space: "Program Files", "Documents and
        # Settings", a user's folder "C:\Users\John Smith"; a whole missing script "C:\x\load.cmd" is no fragment)
        r"['\"][A-Za-z]:\\(?:Program|Documents|Users\\[^\\'\".\s]+)['\"] "
        r"(?:is not recognized|n['’]est pas reconnu|non è riconosciuto|no se reconoce|não é reconhecido|"
        r"wird nicht als|wordt niet herkend|nie jest rozpoznawan)",
        shadows="dependency",
    ),
    # a command called with a parameter it does not have (PowerShell's ParameterBindingException, in Windows'
    # languages): the job's script is wrong, whatever the argument's value
    _words(
        "script_error",
        WORDS,
        r"\ba parameter cannot be found that matches parameter name\b|\bcannot bind parameter\b|"
        r"\bmissing an argument for parameter\b|\bimpossibile trovare un parametro corrispondente\b|"
        r"\bes wurde kein parameter gefunden\b|\bimpossible de trouver un paramètre correspondant\b|"
        r"\bno se encuentra ningún parámetro que coincida\b|\bnão foi encontrado nenhum parâmetro\b|"
        r"\ber is geen parameter gevonden\b",
        shadows="data_quality",
    ),
    # A truncated or corrupt input (an archive that ends early, a file that is not what its name says) is
    # bad data, though a shell says "unexpected end of file" of its own script too: a data or archive file
    # on the line, or the words of compressed input, decide.
    _words(
        "data_quality",
        WORDS,
        rf"\.(?:{_DATA_FILE_TYPES})\b[^;]{{0,60}}\bunexpected end of (?:file|input)\b|"
        r"\bunexpected end of (?:data|stream|archive|compressed)\b|\bpremature end\b|\bended before the end\b|"
        r"\bunexpected (?:end of file|EOF|end)\b[^;]{0,20}\b(?:in|of) (?:the )?(?:archive|compressed|stream|input)\b|"
        r"\b(?:file|archive|stream|input|data) ends unexpectedly\b|"
        r"\b(?:file|archive|input|stream|data|download|block|header)s?\b(?: \S+)? (?:is |was |are |appears "
        r"(?:to be )?)?(?:truncated|corrupt(?:ed)?|damaged)\b|"
        r"\b(?:truncated|corrupt(?:ed)?|damaged) (?:file|archive|input|stream|data|download|block|header|record)s?\b|"
        rf"\bnot (?:a|in) (?:valid )?(?:{_DATA_FILE_TYPES})\b|\bbad (?:crc|magic)\b|"
        r"\bcrc (?:error|mismatch|failed)\b|\bbad (?:zip|gzip)\b|"
        # a parser that names the data format and the position in it: the input, not the job's code
        r"\bunexpected (?:token|character|end)\b[^;]{0,30}\bin (?:json|xml|csv|yaml)\b|"
        r"\bpars(?:e|ing) error\b(?![^;]{0,30}\bsyntax\b)[^;]{0,80}\bline:? \d+,? col(?:umn)?:? \d+|"
        # a value out of its range is the data's ("index out of range" stays the code's), and so is one out of a
        # range of numbers (rules-25: "strength 163.5 %abv out of range (0.0-94.8)")
        r"\b(?:\w+_)?(?:value|field|date|time|timestamp|number|numeric|amount)\b[^.;]{0,30}\bout of range\b|"
        r"\bout of range:? [(\[]?-?\d+(?:[.,]\d+)? ?(?:-|–|\.\.|to) ?-?\d+(?:[.,]\d+)?\b(?![:/-])|"
        # (rules-25) a value of the wrong length: "BIN/IIN '0511' has 11 digits, 12 required"
        r"\bhas \d+ (?:digits|characters|chars)\b[^.;]{0,20}\b(?:required|expected|allowed)\b|"
        # (rules-23) a value and the range it should be in: "has stage 9, allowed 0-8", "(valid range 1..12)"
        r"\b(?:allowed|permitted|valid|expected)(?: range| values?)?:? ?[(\[]?-?\d+(?:[.,]\d+)? ?(?:-|–|\.\.|to) ?"
        r"-?\d+(?:[.,]\d+)?\b(?![:/-])|"
        # (rules-25) a value and the range it should be in, in parentheses: "ALC 0.0% INVALID (RANGE 1.0-22.0)"
        r"\((?:valid |allowed )?range:? -?\d+(?:[.,]\d+)? ?(?:-|–|\.\.|to) ?-?\d+(?:[.,]\d+)?\)|"
        # (rules-24) an identifier whose check digits or checksum are wrong: "IBAN GR16... check digits invalid"
        r"\b(?:check ?digits?|checksum|check sum)\b[^.;]{0,30}\b"
        r"(?:invalid|incorrect|wrong|mismatch|do(?:es)? not match|failed)\b|"
        r"\b(?:invalid|incorrect|wrong|bad)\b[^.;]{0,30}\b(?:check ?digits?|checksum)\b|"
        # (rules-24) a value outside its range: "fat_pct outside 2.0-9.0", "outside the valid range"
        r"\boutside (?:of )?(?:the )?(?:(?:valid|allowed|permitted|expected|acceptable|plausible) )?"
        r"(?:range|limits|bounds)\b|\boutside [(\[]?-?\d+(?:[.,]\d+)? ?(?:-|–|\.\.|to) ?-?\d+(?:[.,]\d+)?\b(?![:/-])|"
        # a conversion of the data that failed, an input that is empty, rows that repeat or do not fit
        r"\b(?:data )?conversion (?:error|failed|syntax)\b|\berror converting\b|"
        r"\b(?:extra|missing) data (?:after|for|in)\b|\bduplicate (?:rows|records|lines)\b|"
        r"\b(?:file|input|feed|extract)\b(?:[^.;]|\.\w){0,40}\b(?:is empty|has (?:0|no) (?:records|rows|lines))\b|"
        r"\bempty (?:input|file|feed)\b|"
        r"\bno (?:columns|rows|records|lines|data) (?:to parse|available in (?:the )?input)\b|"
        r"\b(?:record|row|line|field|value)s?\b(?:[^.;]|\.\w){0,40}\b(?:longer|larger|bigger) than the max",
        shadows="script_error",
    ),
    # An object store's bucket, key or blob that is not there is a missing input, not a database object.
    _words(
        "missing_file",
        WORDS,
        r"\bno such (?:bucket|key|blob|container|share|object|upload|volume)\b|"
        # (rules-25: not a container runtime's lookup of a pod's container that is gone, "try to find container x")
        r"\b(?:bucket|blob|(?<!find )container|share|object key|specified key)\b[^;]{0,40}\b(?:does not exist|"
        r"doesn't exist|not found)\b",
        shadows="db_error",
    ),
    # A row without a value its column requires is bad input, though the database is what refused it.
    _words(
        "data_quality",
        WORDS,
        r"\b(?:cannot|can't|could not) insert (?:the value )?null\b|\bdoes not allow nulls\b|"
        r"\bnot[- ]null constraint\b|\bcannot be null\b",
        shadows="db_error",
    ),
    # The database refused the work (before rights: "does not exist or not authorized" is a missing object).
    _words(
        "db_error",
        WORDS,
        r"\bdeadlock\w*\b|\bcould not serialize\b|\bsnapshot too old\b|\btransaction log\b[^.;]{0,40}\bfull\b|"
        r"\btable ?space\b[^.;]{0,40}\bfull\b|\b(?:foreign|primary|unique) key\b|\bduplicate entry\b|"
        r"\bduplicate key\b[^.;]{0,40}\b(?:value|collection|index|table|constraint|violat\w*)\b|"
        r"\bduplicate (?:\w+ ){1,3}key\b|\bunique (?:index|constraint)\b|"
        r"\bviolates\b[^.;]{0,30}\bconstraint\b|\binvalid (?:column|object|table) name\b|"
        # a row, node or key that is already there under a uniqueness rule; a constraint that failed
        r"\b(?:row|node|record|key|entry|document|relationship|vertex|edge)\b[^.;]{0,40}\balready exists\b"
        r"(?=[^.;]{0,80}\b(?:with|for|label|property|key|value|index|constraint)\b)|"
        r"\bconstraint\b[^.;]{0,20}\b(?:validation )?(?:failed|failure|violat\w*)\b|"
        # (an API's "GetObject operation" is not a database object)
        r"\b(?:relation|table|column|view|schema|collection|object(?! operation)|database)\b[^;]{0,40}"
        r"\b(?:does not exist|doesn't exist|not found|is an undefined name)\b|\barchiver\b|"
        r"\b(?:database|table) (?:is )?locked\b|"
        r"\btoo many (?:connections|clients)\b|(?<!device or )\bresource busy\b|"
        # a name the query uses that the catalog does not know
        r"\b(?:could not|cannot|can't|unable to|failed to) resolve (?:the )?(?:table|column|relation|view|object|"
        r"schema)\b|\b(?:unknown|unresolved|ambiguous) (?:table|column|relation)\b",
    ),
    # A right the job's user lacks.
    _words(
        "permission",
        WORDS,
        r"\b(?:access|permission|privileges?|authori[sz]ation)\b[^;]{0,80}\b(?:denied|insufficient|"
        r"not (?:granted|permitted|allowed)|required)\b|\b(?:command|operation) denied\b|"
        r"\bdenied to user\b|\bnot authori[sz]ed\b|\bmust be (?:the )?owner of\b|"
        r"\baccess to the path\b.{0,260}\bis denied\b|"  # .NET's, the path between the words however long
        r"\binsufficient (?:privileges?|rights|permissions?)\b|\bforbidden\b|"
        r"\bdoes not have the required (?:authori[sz]ation|privilege|permission)|"
        r"\b(?:is|are|was|were) not (?:allowed|permitted|authori[sz]ed) to\b|"
        # an authorization (a right on a resource) that is missing or failed is not a rejected login
        r"\bdoes not have (?:the )?(?:required |necessary |sufficient )?(?:[\w.:/-]+ )?"
        r"(?:authori[sz]ation|permissions?|privileges?|rights?|access)\b|"
        r"\b(?:lacks?|missing) (?:the )?(?:required |necessary )?(?:permissions?|"
        r"privileges?|rights?|authori[sz]ation)\b|\bauthori[sz]ation (?:failed|failure|error)\b|"
        r"\bdenied you\b|\bis not executable\b|\bnot writ(?:e)?able\b|"
        r"\bread[- ]only (?:option|mode|database|file ?system|volume|share)\b",
    ),
    # A quota of requests or calls (an API's) that is used up is a service refusing more for now, like a rate
    # limit: not a full disk.
    _words(
        "network",
        WEAK_WORDS,
        r"\b(?:api|request|requests|call|calls|query|queries|rate) quota\b|"
        r"\bquota\b[^.;]{0,40}\b(?:requests|calls|queries|api calls|per (?:minute|second|hour|day))\b",
        shadows="disk_full",
    ),
    # Space: a full file system or an exceeded quota.
    _words(
        "disk_full",
        WORDS,
        r"\bno space\b|\bnot enough (?:disk )?space\b|\b(?:disk|file ?system|volume|device) (?:is )?full\b|"
        # the device named, then what became of it: 'The target disk "/backup/x" has become full'
        r"\b(?:disk|file ?system|volume|device|drive|partition)\b[^;]{0,60}?\b(?:has become|became) full\b|"
        # a write the device took only part of (tar, dd, cpio): the space ran out under it
        r"\bwrote only \d+ of \d+ bytes\b|\bshort write\b|"
        r"\bquota\b[^.;]{0,40}\bexceed|\bexceed\w*\b[^.;]{0,20}\bquota\b|\bout of (?:disk )?space\b|"
        r"\bdisk (?:usage|utili[sz]ation|space|capacity)\b[^.;]{0,30}\b(?:exceed\w*|above|over|beyond)\b|"
        r"\bexceed\w*\b[^.;]{0,30}\b(?:disk|storage) (?:space|allocation|quota|capacity|limit)\b|"
        r"\binsufficient (?:disk|storage)\b|\b(?:insufficient|not enough) free (?:disk )?space\b|"
        r"\binsufficient space (?:in|on) (?:file|device|volume|disk|drive|partition|work)\b|"
        r"\b(?:disk|storage) (?:space )?(?:is )?exhausted\b|"
        # a storage unit, pool or drive that is full, named in up to two more words ("disk storage unit is full")
        r"\b(?:disk|storage|file ?system|volume|partition|drive)\b(?:[ -][\w.]+){0,2}? (?:is |are |was |became )"
        r"(?:now |completely )?full\b",
    ),
    # Memory.
    _words(
        "oom",
        WORDS,
        r"\bout of memory\b|\bheap (?:limit|space|out of memory)\b|\bmemory (?:limit|exhausted)\b|"
        r"\bexceed\w*\b[^.;]{0,30}\bmemory\b|\bcannot allocate\b|\ballocation failed\b|\bOOM\b|"
        r"\b(?:beyond|over|above)\b[^.;]{0,30}\bmemory\b|\bmemory used\b[^;]{0,80}\bkill\w*|"
        r"\b(?:low on|insufficient|not enough)\b[^.;]{0,20}\bmemory\b|\ballotted memory\b|"
        r"\b(?:lack|shortage|exhaustion) of (?:\w+ )?memory\b|\bmemory (?:pressure|shortage|starvation)\b",
    ),
    # Shared memory that cannot grow is memory, though the kernel says "No space left on device".
    _words("oom", WORDS, r"\bshared memory\b[^;]{0,80}\bno space\b", shadows="disk_full"),
    # Round 16 (rules-19): a runtime's failed allocation ("memory allocation of 3456 bytes failed", Rust's; Stata's
    # "op. sys. refuses to provide memory"), a
    # scheduler's job cancelled at its time limit (Slurm's "CANCELLED AT ... DUE TO TIME LIMIT"), an archive
    # tool that cannot find or open its input (unzip), text that is not in its encoding (iconv's "illegal
    # input sequence", glibc's EILSEQ), a character a numeric field cannot hold.
    _words(
        "oom",
        WORDS,
        r"\ballocation of \d+ bytes failed\b|\bfailed to allocate \d+ bytes\b|\brefuses to provide memory\b",
    ),
    # a record another job holds (IBM i's CPF5027 "Record 18433 in use by job 741233/QUSER/QZDASOINIT.")
    _words(
        "db_error",
        WORDS,
        r"\brecord\b[^.;]{0,30}\bin use by job\b|\bunable to allocate a record\b",
        shadows="oom",
    ),
    _words("timeout", WORDS, r"\b(?:cancell?ed|killed|terminated)\b[^;]{0,80}\bdue to time ?limit\b"),
    # a store that has reached its free-space floor ("minimum free drive threshold", MinIO's), a parameter an
    # endpoint or command does not know (the job's configuration), a file whose format header is not there
    _words("disk_full", WORDS, r"\bminimum free (?:drive|disk|space) threshold\b|\breached its (?:disk )?quota\b"),
    _words(
        "script_error",
        WORDS,
        r"\bunknown parameters?\s*[=:]|\bparameters? that couldn't be set\b|\bunrecognized (?:option|parameter)s?\b",
        shadows="network",
    ),
    _words(
        "data_quality",
        WORDS,
        r"\b(?:riff|wave?|file|format|magic|zip|png|jpe?g|pdf) header "
        r"(?:not found|missing|invalid|is invalid|corrupt)\b",
        shadows="missing_file",
    ),
    # PostScript interpreters' (Ghostscript's) error names: "Error: /undefinedfilename in (x.pdf)"
    _words("missing_file", WORDS, r"\bError: /undefinedfilename\b"),
    _words("permission", WORDS, r"\bError: /invalidfileaccess\b"),
    _words("oom", WORDS, r"\bError: /VMerror\b"),
    _words("missing_file", WORDS, r"\bcannot find or open\b|\bcould not find or open (?!the main class)"),
    _words(
        "data_quality",
        WORDS,
        r"\b(?:illegal|invalid|incomplete) (?:input|byte|multibyte|character) sequence\b|"
        r"\bsecuencia de entrada (?:ilegal|no válida)\b|\bungültige (?:eingabe|multibyte)\w*\b|"
        r"\b(?:illegal|invalid) (?:character|digit)s? in (?:a )?numeric (?:field|value|item)\b",
    ),
    # Something the job needs to run: a module, class, library, command, interpreter or upstream job.
    _words(
        "dependency",
        WORDS,
        r"\b(?:cannot|can't|could not|unable to|failed to) (?:find|load|locate|resolve|download|fetch|collect) "
        r"(?:or load )?(?:main |the )?(?:required )?(?:module|package|class|library|command|program|executable|"
        r"driver|plugin|dependenc(?:y|ies)|artifact)s?\b|\bunresolved (?:dependenc(?:y|ies)|import)\b|"
        r"\b(?:module|package|library|command|program|interpreter|executable|driver|plugin)\b[^.;]{0,40}"
        r"\b(?:not (?:found|installed|recognized)|missing)\b|\bis not recognized as the name of\b|"
        # cmd's "'x' is not recognized as an internal or external command" in Windows' languages
        r"\bis not recognized as an internal or external command\b|\bn['’]est pas reconnu en tant que commande\b|"
        r"\bnon è riconosciuto come comando\b|\bno se reconoce como un comando\b|\bnão é reconhecido como um comando\b|"
        r"\bist entweder falsch geschrieben oder\b|\bwordt niet herkend als een interne\b|"
        r"\bnie jest rozpoznawan\w* jako polecenie\b|\bnení názvem vnitřního ani vnějšího příkazu\b|"
        r"\bkänns inte igen som ett internt\b|\bне является внутренней или внешней\b|"
        r"内部コマンドまたは外部コマンド|不是内部或外部命令|내부 또는 외부 명령|"
        r"\bno (?:such )?(?:module|package|library|class|command|program)\b|"
        # a package an index or a project path lacks, an image or tag a registry does not have
        r"\bnot found in (?:the )?(?:current |load |search |module |library )?path\b|"
        r"\b(?:manifest|image|tag|repository) (?:unknown|not found)\b|"
        r"\bno matching (?:distribution|manifest|version)\b|"
        r"\b(?:could not|couldn't|unable to) find a version that satisfies\b|\bunable to locate package\b|"
        r"\bthere is no package called\b|"
        # a gem a bundle or an interpreter lacks ("Could not find x-1.2 in locally installed gems", Ruby's
        # "cannot load such file -- x" of a require, "Could not find 'x' (1.2) required by your Gemfile.lock")
        r"\bcannot load such file -- [\w./-]+|\bcould not find [\"']?[\w.-]+[\"']? \([\d.]+\) required by\b|"
        r"\bcould not find (?:gem )?[^;]{1,60}? in (?:locally installed gems|any of the (?:gem )?sources)\b|"
        r"\bgem\b[^.;]{0,40}\bnot (?:installed|found)\b|\bmissing gems?\b|"
        r"\berr ?image ?pull\b|\bimage ?pull ?back ?off\b|\berror pulling image\b|"
        r"\b(?:failed to|could not|couldn't|unable to|cannot) pull (?:the )?image\b|"
        # a program built for another processor or format
        r"\bexec format error\b|\bcannot execute binary file\b|"
        r"\bpackage\b[^.;]{0,40}\bis not available\b|\bnothing provides\b|"
        # a program that cannot be started, an input a predecessor was to deliver that never came
        r"\b(?:cannot|can't|could not|unable to) (?:exec(?:ute)?|run program)\b"
        r"(?! (?:this |the )?(?:statement|query|sql|command:))|"
        # a component built for another version of what it talks to
        r"\b(?:client|driver|library|module|plugin|program|runtime)\b[^.;]{0,30}\bincompatible\b|"
        r"\b(?:did not|didn't|never) (?:arrive[ds]?|appear(?:ed)?)\b|"
        # a task whose upstream or external input is not there yet
        r"\bmissing (?:external |upstream )?(?:data )?dependenc(?:y|ies)\b|"
        r"\b(?:external|upstream) (?:data )?dependenc(?:y|ies)\b[^.;]{0,40}\b(?:missing|not (?:met|satisfied|ready|"
        r"available|complete)|cannot be run)\b|"
        r"\bnot (?:yet )?arrived\b|"
        # built for another runtime
        r"\bcompiled by a (?:more recent|newer) version\b|\bcould not load (?:file or )?assembly\b|"
        # JDBC's DriverManager has no driver for the URL: the driver's jar is not on the class path
        r"\bno suitable driver\b|"
        # .NET's "Could not load file or assembly" in Windows' languages
        r"\bno se puede cargar el archivo o ensamblado\b|\bimpossible de charger le fichier ou l['’]assembly\b|"
        r"\bimpossibile caricare il file o l['’]assembly\b|\bnão foi possível carregar (?:o )?arquivo ou assembly\b|"
        r"\bdie datei oder assembly\b|\bkan bestand of assembly\b|"
        # a build's artifact coordinates (group:artifact:version) it cannot find or resolve
        r"\b(?:could not|cannot|can't|failed to|unable to) (?:find|resolve|download|collect)\b:? "
        r"[\w.-]+\.[\w.-]+:[\w.-]+:[\w.-]*\d",
        shadows="missing_file",
    ),
    # Input that is not there.
    _words(
        "missing_file",
        WORDS,
        r"\b(?:file|path|directory|folder|data ?set|input|mount ?point)\b[^;]{0,80}\b(?:not found|does not exist|"
        r"doesn't exist|cannot be found|could not be found|is missing|not present)\b|"
        r"\b(?:cannot|can't|could not|couldn't|unable to|failed to) (?:find|open|locate|stat|read) "
        r"(?:the )?(?:input |data )?(?:file|path|directory)\b|\bno such (?:file|directory|path)\b|"
        # ... or a path right after the verb ("couldn't find \\\\server\\x.xlsx", "cannot find /in/a.csv")
        r"\b(?:cannot|can't|could not|couldn't|unable to) (?:find|locate) [\"'`]?(?:/|\\\\|[A-Za-z]:\\|~/)\S|"
        r"\bno (?:files?|urls?|objects?|matches) (?:matched|found)\b|\bmatched no (?:files|objects|urls)\b",
    ),
    # Input data that is invalid.
    _words(
        "data_quality",
        WEAK_WORDS,
        r"\bmalformed\b|\b(?:parse|parser|parsing) error\b|\bcould not parse\b|\bunparseable\b|"
        r"\b(?:tag|schema|checksum|record count|row count|column count) mismatch\b|\bexpected \d+ fields\b|"
        r"\b\d+ (?:values|fields|columns)\b[^.;]{0,40}\b\d+ (?:values|fields|columns)\b|"
        r"\bdoes not match (?:the )?(?:expected )?(?:format|pattern|schema)\b|"
        r"\bschema\b[^.;]{0,30}\bdoes(?: not|n't) match\b|"
        r"\b(?:record|message|row|value|field|payload|line)s? (?:is )?too (?:large|long|big)\b|"
        r"\bunprocessable\b|\binvalid (?:input|record|row|format|date|number|value|json|xml|csv|character)s?\b|"
        r"\b(?:failed to|could not|cannot|unable to) (?:de)?seriali[sz]e\b|"
        r"\b(?:de)?seriali[sz]ation (?:error|failed)\b|"
        r"\bfailed (?:schema )?validation\b|\bvalidation failed\b|\brejected\b",
    ),
    # R's "Error in f(x) : object 'y' not found" is a name the job's code uses and never defined, not a
    # database object.
    _words("script_error", WORDS, r"^Error in [^:]{1,80}: object '[^']+' not found\b", shadows="db_error"),
    # The job's own code: undefined or null values, wrong types, bad arguments, syntax.
    _words(
        "script_error",
        WORDS,
        r"\b(?:null|nil|none|undefined|undef)\b[^.;]{0,30}\b(?:pointer|reference|array|object|value|"
        r"dereference|method)\b|\bon an undefined value\b|\bundefined (?:method|variable|index|offset|"
        r"local|function)\b|\bnil pointer\b|\bnull pointer\b|\bparameter (?:not set|null or not set)\b|"
        r"\bunbound variable\b|\bis not defined\b|\bnot a function\b|\bis not callable\b|\bhas no attribute\b|"
        r"\bunsupported operand\b|\bout of (?:range|bounds)\b|\bdivi(?:sion|de) by zero\b|"
        r"\btoo (?:many|few) arguments\b|\b(?:unary|binary) operator expected\b|\binteger expression expected\b|"
        r"\barguments? (?:are|is) required\b|\bunrecognized arguments?\b|\bsyntax error\b|"
        r"\bunexpected (?:token|end of file|EOF)\b|\bruntime error\b|\bbad substitution\b|"
        r"\bargument list too long\b|"
        # a shell's arithmetic and expansion errors
        r"\bvalue too great for base\b|\binvalid arithmetic operator\b|\barithmetic syntax error\b|"
        r"\bbad array subscript\b|\bambiguous redirect\b|\bnumeric argument required\b|\breadonly variable\b|"
        r"(?<!SQL )\bcompil(?:ation|e) (?:error|errors|failed)\b|\b(?:undeclared|not declared|forget to declare)\b|"
        r"\bcall to (?:a member function|undefined (?:function|method))\b|\b(?:on|of) null\b|"
        # interpreters' errors in the job's code: Perl's calls and references, Node's reads of nothing
        r"\bundefined subroutine\b|\bcan't (?:locate object method|call method|use (?:an undefined value|string))\b|"
        r"\brequires explicit package name\b|\bnot an? (?:hash|array|code|scalar|glob) reference\b|"
        r"\bbareword \S+ not allowed\b|\bcannot read propert(?:y|ies) of (?:undefined|null)\b|"
        r"\buninitialized constant\b|\bcould not find function\b|"
        # a setting of the job's configuration that does not bind to the type the program reads it as
        r"\b(?:failed to|could not|cannot|unable to) (?:convert|bind|parse) (?:the )?configuration (?:value|key|"
        r"section|setting)s?\b|"
        r"\buncaught (?:error|exception|\w+error)\b|\b(?:dumped core|core dumped|segmentation (?:fault|violation))\b|"
        # the job's configuration does not parse: a config file or format with the position of the error
        # (a path read from its start only: from every "-" of a long run it backtracked quadratically)
        r"(?<![\w/.-])[\w/-]+(?:\.[\w/-]+)*\.(?:ya?ml|conf|cfg|ini|toml|properties)\b[^;]{0,60}\bline \d+|"
        r"\b(?:yaml|toml|ini|config(?:uration)?)\b[^;]{0,20}: line \d+",
    ),
)
# The same families in the messages of common tools and systems localised to German, French, Spanish,
# Italian and Portuguese (the C library's and Windows' standard texts, and the words tools build theirs from).
_APOS = "['’]"
_TRANSLATED: tuple[_Words, ...] = (
    _words(
        "permission",
        WORDS,
        r"\bkeine \w*berechtigung\b|\b(?:zugriff|berechtigung)\w* (?:\w+ )?verweigert\b|"
        r"\b(?:operation|vorgang) (?:ist )?nicht (?:erlaubt|zulässig)\b|\bpermission non accordée\b|"
        r"\baccès (?:\w+ )?refusé\b|\bopération non permise\b|\b(?:permiso|acceso) denegado\b|"
        r"\boperación no permitida\b|\b(?:permesso|accesso) negato\b|\b(?:permissão|acesso) negad[oa]\b|"
        # .NET's "Access to the path 'X' is denied.", the path between the words
        r"\bzugriff auf den pfad\b.{0,260}\bverweigert\b|\baccès au chemin\b.{0,260}\brefusé\b|"
        r"\bacesso ao caminho\b.{0,260}\bnegado\b|\btoegang tot het pad\b.{0,260}\bgeweigerd\b",
    ),
    _words(
        "missing_file",
        WORDS,
        # (a path on the way keeps its dots: "Datei '/in/a.xml' existiert nicht")
        r"\b(?:datei|verzeichnis|pfad|ordner)\b(?:[^.;]|\.\w){0,80}\b(?:nicht (?:gefunden|finden|vorhanden)|"
        r"existiert nicht)\b|\b(?:file|percorso|cartella|directory)\b(?:[^.;]|\.\w){0,80}\bnon esiste\b|"
        r"\b(?:arquivo|ficheiro|caminho|diretório|pasta)\b(?:[^.;]|\.\w){0,80}\bnão existe\b|"
        rf"\baucun fichier ou (?:dossier|répertoire)\b|\b(?:fichier|chemin|répertoire|dossier)\b[^.;]{{0,60}}"
        rf"(?:\bintrouvable\b|\bn{_APOS}existe pas\b)|\bno existe el (?:archivo|fichero|directorio)\b|"
        r"\b(?:archivo|fichero|directorio|ruta)\b[^.;]{0,60}"
        r"\bno (?:existe|encontrad[oa]|se (?:pudo|puede) encontrar)\b|"
        r"\bno (?:se )?puede encontrar el (?:archivo|fichero)\b|\bfile o directory non esistente\b|"
        r"\bimpossibile trovare il file\b|\b(?:arquivo|ficheiro) ou (?:diretório|directoria|pasta) inexistente\b",
    ),
    _words(
        "disk_full",
        WORDS,
        r"\bkein speicherplatz\b|\b(?:nicht genügend|nicht genug|zu wenig) speicherplatz\b|"
        r"\baucun espace disponible\b|\bespace (?:disque )?insuffisant\b|\bpas (?:assez|suffisamment) d['’] ?espace\b|"
        r"\bno queda espacio\b|\bspazio (?:su disco )?insufficiente\b|"
        r"\bespacio (?:en disco )?insuficiente\b|\bno hay (?:suficiente )?espacio\b|\bspazio esaurito\b|"
        r"\bnão há espaço\b|\bespaço insuficiente\b",
    ),
    # SQL Server's "The transaction log for database 'x' is full" in its other languages
    _words(
        "db_error",
        WORDS,
        r"\btransaktionsprotokoll\b[^.;]{0,80}\bist\b[^.;]{0,60}\bvoll\.?$|"
        r"\bjournal des transactions\b[^.;]{0,80}\best plein\b|"
        r"\bregistro de transacciones\b[^.;]{0,80}\bestá lleno\b|\blog delle transazioni\b[^.;]{0,80}\bè pieno\b|"
        r"\blog de transações\b[^.;]{0,80}\bestá cheio\b|\btransactielogboek\b[^.;]{0,80}\bis vol\b",
        shadows="disk_full",
    ),
    # PowerShell's "Cannot find path 'X' because it does not exist." in its other languages
    _words(
        "missing_file",
        WORDS,
        r"\bno se encuentra la ruta de acceso\b|\bimpossible de trouver le chemin d['’]accès\b|"
        r"\bder pfad\b.{0,260}\bkann nicht gefunden werden\b|\bimpossibile trovare il percorso\b|"
        r"\bnão é possível localizar o caminho\b|\bkan pad\b.{0,260}\bniet vinden\b",
        shadows="data_quality",
    ),
    _words(
        "network",
        WORDS,
        r"\bverbindung\w*\b[^.;]{0,40}\b(?:zeitüberschreitung|abgelaufen)\b|\bconnexion\b[^.;]{0,40}\bdélai\b|"
        rf"\btiempo de conexión\b|\bconnessione scaduta\b|\bdélai d{_APOS}attente (?:de (?:la )?)?connexion\b|"
        r"\btiempo de espera de (?:la )?conexión\b|\btimeout (?:della |di )connessione\b|"
        r"\btempo limite (?:da |de )conexão\b|\bzeitüberschreitung (?:der|bei der) verbindung\b",
        shadows="timeout",
    ),
    _words(
        "network",
        WORDS,
        r"\bverbindung(?:saufbau)? (?:wurde )?(?:abgelehnt|verweigert|zurückgesetzt)\b|\bkeine route zum\b|"
        r"\bnetzwerk ist nicht erreichbar\b|\bname oder dienst nicht bekannt\b|\bconnexion refusée\b|"
        rf"\baucun chemin d{_APOS}accès\b|\bréseau (?:est )?inaccessible\b|\bnom ou service inconnu\b|"
        r"\bconexión (?:rehusada|rechazada)\b|\bla red es inaccesible\b|\bnombre o servicio desconocido\b|"
        r"\bconnessione rifiutata\b|\bconexão recusada\b|"
        # Windows' "No connection could be made because the target machine actively refused it" (10061) and a
        # server that cannot be found or reached, as localised
        rf"\baucune connexion n{_APOS}a pu être établie\b|\bkeine verbindung\b[^.;]{{0,40}}\bhergestellt werden\b|"
        r"\bno se puede establecer una conexión\b|\bimpossibile stabilire la connessione\b|"
        r"\bnenhuma conexão pôde ser\b|"
        rf"\bserveur\b[^.;]{{0,30}}\b(?:introuvable|inaccessible|n{_APOS}est pas accessible)\b|"
        rf"\berreur liée au réseau\b|\bservidor\b[^.;]{{0,30}}\b(?:no (?:se )?(?:encontr\w+|accesible)|inaccesible)\b|"
        r"\bserver\b[^.;]{0,30}\bnicht (?:gefunden|erreichbar|zugänglich)\b|"
        # .NET's "Unable to connect to the remote server" as localised
        r"\bno es posible conectar(?:se)? con el servidor remoto\b|\bimpossible de se connecter au serveur distant\b|"
        r"\bimpossibile (?:connettersi al|effettuare la connessione al) server remoto\b|"
        r"\bnão é possível (?:conectar|ligar)(?:-se)? ao servidor remoto\b|"
        r"\bkan geen verbinding maken met de externe server\b",
    ),
    _words(
        "timeout",
        WORDS,
        rf"\bzeitüberschreitung\b|\bwartezeit\b[^.;]{{0,40}}\babgelaufen\b|\bdélai d{_APOS}attente\b[^.;]{{0,20}}"
        r"\b(?:dépassé|expiré)|\bdélai (?:dépassé|expiré)\b|\btiempo de espera\b[^.;]{0,20}\b(?:agotado|excedido)\b|"
        r"\bse agotó el tiempo de espera\b|\btempo (?:di attesa )?scaduto\b|\btempo limite esgotado\b|"
        r"\bvypršení časového limitu\b|\bčasový limit\b[^.;]{0,30}\bvypršel",  # (Czech, rules-21)
    ),
    _words(
        "auth",
        WORDS,
        r"\b(?:kennwort|passwort)\b[^.;]{0,40}\b(?:falsch|ungültig|abgelaufen)|\banmeldung\b[^.;]{0,30}"
        r"\bfehlgeschlagen\b|\bmot de passe\b[^.;]{0,30}\b(?:incorrect|invalide|expiré)|"
        rf"\béchec de l{_APOS}authentification\b|"
        r"\bcontraseña\b[^.;]{0,30}\b(?:incorrecta|no válida|inválida|caducada)|"
        r"\b(?:error|fallo) de autenticación\b|\bautenticación fallida\b|\bpassword errata\b|"
        r"\bautenticazione non riuscita\b|\bsenha (?:incorreta|inválida)\b|\bfalha (?:na|de) autenticação\b|"
        # Windows' logon failure and SQL Server's "Login failed for user 'x'" (18456)
        r"\bfehler bei der anmeldung\b|\béchec de l['’]ouverture de session\b|\berror de inicio de sesión\b|"
        r"\baccesso non riuscito per l['’]utente\b|\bnome utente o password non corrett[ie]\b|"
        r"\bfalha (?:de|no) logon\b|\bnome de usuário ou (?:a )?senha\b[^.;]{0,20}\bincorret",
    ),
    _words(
        "oom",
        WORDS,
        rf"\bnicht genügend (?:haupt|arbeits)?speicher\b|\bmémoire insuffisante\b|\bimpossible d{_APOS}allouer\b|"
        r"\bmemoria insuficiente\b|\bno se pudo asignar memoria\b|\bmemoria (?:esaurita|insufficiente)\b|"
        r"\bmemória insuficiente\b",
    ),
)
# Round 13: the same families in Dutch, Swedish, Danish/Norwegian, Polish, Czech, Russian, Turkish, Japanese,
# Simplified Chinese and Korean, as glibc's strerror, Windows, PostgreSQL and SQL Server print them (and a
# few gaps of the first five: a deadlock, a duplicate key). Japanese, Chinese and Korean have no word
# boundaries: their phrases are read without \b.
# A check digit and the words that say it is wrong, in the languages jobs log in (for _TRANSLATED_MORE).
_CHECK_DIGIT = (
    r"prüfziffer|kontrollsiffer|kontrollsiffra|controlecijfer|chiffre de contrôle|clé de contrôle|"
    r"dígito (?:de control|verificador)|cifra di controllo|cyfra kontrolna|kontrollsumma|kontrolljärk"
)
_WRONG = (
    r"ungültig|falsch|ugyldig|feil|ogiltig|felaktig|ongeldig|onjuist|invalide|incorrect|inválid|errat|non valid|"
    r"nieprawidłow|błędn|vale|vigane"
)
_TRANSLATED_MORE: tuple[_Words, ...] = (
    # rules-23: a field or value of the input named invalid in the languages jobs log in, with or without its accent
    # (upper-case mainframe output drops it): "CAMPO FECHA-INICIO '20260732' INVALIDA", "Feld Datum ungültig",
    # "valeur invalide pour le champ x", "valore non valido", "waarde ongeldig", "ogiltigt värde"
    _words(
        "data_quality",
        WORDS,
        r"\b(?:campo|valor|valore|fecha|data|datum|formato|format|dato|champ|valeur|feld|wert|veld|waarde|formaat|"
        r"fält|värde|pole|wartość)s?\b[^.;]{0,60}\b(?:inv[áa]lid[oa]s?|no v[áa]lid[oa]s?|non valid[oaie]|"
        r"invalides?|ungültig\w*|ongeldig\w*|ogiltig\w*|nieprawidłow\w*)(?!\w)|"
        r"\b(?:inv[áa]lid[oa]s?|invalides?|ungültige[rsn]?|ongeldige|ogiltig[at]?|nieprawidłow\w+)\s+"
        r"(?:campo|valor|fecha|data|datum|formato|format|dato|champ|valeur|feld|wert|veld|waarde|fält|värde|pole|"
        r"wartość)s?\b|"
        # (rules-24) Hungarian, Czech, Norwegian and Danish, Turkish, Finnish: "ervenytelen datum a mezoben X",
        # "neplatná hodnota v poli", "ugyldig verdi i feltet", "geçersiz tarih", "virheellinen arvo kentässä"
        rf"\b(?:{_FIELD_WORDS_24})[^.;]{{0,60}}\b(?:{_INVALID_WORDS_24})|"
        rf"\b(?:{_INVALID_WORDS_24})[^.;]{{0,60}}\b(?:{_FIELD_WORDS_24})|"
        # a value outside its range: "consumo diario -1884003,2 m3 fuera de rango (0 - 45000)"
        r"\bfuera de(?:l)? rango\b|\bfora do intervalo\b|\bhors (?:de la )?plage\b|\baußerhalb des (?:gültigen )?"
        r"(?:bereichs|wertebereichs)\b|\bfuori (?:dal )?(?:range|intervallo)\b|\bbuiten (?:het )?bereik\b|"
        # (rules-24) Norwegian, Swedish and Danish: "utenfor gyldig område 0-10", "utanför giltigt intervall"
        r"\butenfor (?:gyldig |tillatt )?(?:område|intervall)\b|"
        r"\butanför (?:giltigt |tillåtet )?(?:intervall|område)t?\b|"
        r"\buden for (?:gyldigt |tilladt )?(?:interval|område)\b|"
        # (rules-25) a value out of its range in the Slavic and Baltic languages, Hungarian, Turkish and Finnish
        # ("SAKHAR 0.0 BRIX VNE DIAPAZONA 14.0-30.0"), and a number over the one allowed ("NETO 71,4 T VIRSIJA
        # LEIDZIAMA 66,0 T")
        r"вне диапазона|\bvne diapazona\b|\bpoza zakresem\b|\bmimo rozsah\w*|\bizvan (?:dozvoljenog )?raspona\b|"
        r"\bizven obsega\b|\bārpus diapazona\b|\barpus diapazona\b|\bnepatenka [įi] interval\w*|"
        r"\btartományon kívül\b|\btartomanyon kivul\b|\baral[ıi]k d[ıi][şs][ıi]nda\b|\balueen ulkopuolella\b|"
        r"за межами діапазону|извън диапазона|"
        rf"(?<![\w.,-])-?\d+(?:[.,]\d+)?(?: ?\S{{1,8}})? (?:{_EXCEEDS_25}) (?:the )?(?:maximum )?(?:allowed|permitted|"
        r"lei[džd]*iam\w*|leidziam\w*|at[ļl]aut\w*|dopuszczaln\w*|povolen\w*|dozvoljen\w*|dovoljen\w*|zul[äa]ssig\w*|"
        r"autoris\w*|consentit\w*|permitid\w*|toegesta\w*|till[åa]t\w*|tillat\w*|sallit\w*|megengedett|izin\w*|"
        r"допустим\w*)|"
        # (rules-25) a number called invalid ("QUANTITE -250 INVALIDE", "MENGE -4 UNGÜLTIG"), not a count of zero
        r"(?<![\w.,=:-])(?!0(?:[.,]0+)? )-?\d+(?:[.,]\d+)?(?: ?[^\s\d=]{1,8})? (?:invalide?s?|inv[áa]lid[oa]s?|"
        r"ung[üu]ltig\w*|ongeldig\w*|ogiltig\w*|non valid[oa]|nieprawid[łl]ow\w*|neplatn\w*|nevaljan\w*|"
        r"virheelli\w*|ugyldig\w*|ge[çc]ersiz|[ée]rv[ée]nytelen)\b|"
        # (rules-25) a number the program does not allow, in the languages of the Nordic countries, German, Dutch, the
        # Romance languages, the Slavic languages, Hungarian and Turkish ("VOLYM -12,40 M3FUB EJ TILLATEN",
        # "NELIOPAINO 0 G/M2 EI SALLITTU", "KOLICINA -12 KOM NIJE DOZVOLJENA")
        rf"(?<![\w.,-])-?\d+(?:[.,]\d+)?(?: ?\S{{1,8}})? (?:{_NOT_ALLOWED_25})|"
        # (rules-26) a number outside its limits, in the Romance and Germanic languages, Estonian, Finnish, the Slavic
        # and Baltic languages, Hungarian and Turkish ("UMIDITA' 21,4% FUORI LIMITE (MAX 14,5%)")
        rf"(?<![\w.,-])-?\d+(?:[.,]\d+)?(?: ?\S{{1,8}})? (?:{_OUTSIDE_LIMITS_26})|"
        # a value that should be a number ("TENEUR P2O5 '4G.2' NON NUMERIQUE")
        r"\bnon[- ]num[ée]rique\b|\bno (?:es )?num[ée]ric[oa]\b|\bnicht numerisch\b|\bnon numeric[oa]\b|"
        r"\bnão (?:é )?numéric[oa]\b|\bniet numeriek\b",
    ),
    # SQL Server's 1105 (a full filegroup) in the client's language
    _words(
        "db_error",
        CODE,
        r"-?dateigruppe voll ist\b|\bgroupe de fichiers\b[^.;]{0,40}\best plein\b|"
        r"\bgrupo de archivos\b[^.;]{0,40}\bestá lleno\b|\bfilegroup\b[^.;]{0,40}\bè pieno\b|"
        r"\bgrupo de arquivos\b[^.;]{0,40}\bestá cheio\b|\bgrupa plików\b[^.;]{0,40}\bjest pełna\b|"
        r"\bbestandsgroep\b[^.;]{0,40}\bis vol\b",
        shadows="disk_full",
    ),
    # PowerShell's "The specified module 'x' was not loaded because no valid module file was found in any module
    # directory", as localised (R's "there is no package called 'x'" is the rule r_package's)
    _words(
        "dependency",
        WORDS,
        r"\baucun fichier de module valide\b|\bkeine gültige moduldatei\b|"
        r"\bningún archivo de módulo válido\b|\balcun file di modulo valido\b|\bnenhum arquivo de módulo válido\b",
    ),
    # an identifier whose check digit does not match, in the languages jobs log in: the data
    _words(
        "data_quality",
        WORDS,
        rf"\b(?:{_CHECK_DIGIT})\b[^.;]{{0,40}}\b(?:{_WRONG})|\b(?:{_WRONG})\w*\W+(?:\w+\W+){{0,2}}(?:{_CHECK_DIGIT})\b",
    ),
    # A file that cannot be opened, in the words of tools localised to German, Spanish, Italian, Portuguese,
    # Dutch (SSIS's "Die Datendatei "x" kann nicht geöffnet werden."): a file the job reads is not there.
    _words(
        "missing_file",
        WORDS,
        r"\b(?:datei|datendatei)\b.{0,300}\bkann nicht geöffnet werden\b|"
        r"\bno se puede abrir el (?:archivo|fichero)\b|\bimpossibile aprire il file\b|"
        r"\bnão (?:é possível|foi possível) abrir o (?:arquivo|ficheiro)\b|"
        r"\bbestand\b.{0,300}\bkan niet worden geopend\b",
    ),
    # Windows' "There is not enough space on the disk." and a syntax error, in their languages
    _words(
        "disk_full",
        WORDS,
        r"\bspazio su disco insufficiente\b|\bespace insuffisant sur le disque\b|"
        r"\bno hay (?:suficiente espacio|espacio suficiente) en el disco\b|\bnão há espaço suficiente no disco\b|"
        r"\bonvoldoende schijfruimte\b|\bna disku není dostatek místa\b|\bza mało miejsca na dysku\b|"
        r"δεν (?:υπάρχει αρκετός|απομένει) χώρος",
    ),
    _words(
        "script_error",
        WORDS,
        r"\berreur de syntaxe\b|\bsyntaxfehler\b|\berror de sintaxis\b|\berrore di sintassi\b|\berro de sintaxe\b|"
        r"\bsyntaxfout\b|\bbłąd składni\b|\bсинтаксическая ошибка\b",
    ),
    # .NET's "The operation has timed out." (Invoke-RestMethod, WebClient) in its languages
    _words(
        "timeout",
        WORDS,
        rf"\bl{_APOS}opération a expiré\b|\bvorgang hat das zeitlimit überschritten\b|"
        r"\boperación ha excedido el tiempo de espera\b|\bse agotó el tiempo de espera de la operación\b|"
        r"\boperazione (?:è )?scaduta\b|\boperação atingiu o tempo limite\b",
    ),
    # PowerShell's "You cannot call a method on a null-valued expression." in its languages
    _words(
        "script_error",
        WORDS,
        r"\bméthode dans une expression null\b|\bausdruck mit null-wert\b|\bexpresión con valor null\b|"
        rf"\bespressione con valore null\b|\bexpressão de valor nulo\b|\bmetodo su un{_APOS}espressione\b",
    ),
    _words(
        "permission",
        WORDS,
        r"\btoegang (?:is )?geweigerd\b|\bgeen (?:toegang|machtiging|toestemming)\b|\båtkomst (?:nekas|nekad)\b|"
        r"\bbehörighet saknas\b|\badgang (?:er )?nægtet\b|\bingen (?:adgang|tilgang)\b|\btilgang (?:er )?nektet\b|"
        r"\bbrak (?:dostępu|uprawnień)\b|\bodmowa dostępu\b|\bodmowa uprawnień\b|\bpřístup (?:byl )?odepřen\b|"
        r"\bnedostatečná oprávnění\b|\bотказано в доступе\b|\bдоступ запрещ[её]н\b|\bнедостаточно прав\b|"
        r"\bнет прав\b|\berişim (?:engellendi|reddedildi)\b|\bizin (?:reddedildi|yok)\b|"
        r"アクセスが拒否|許可がありません|アクセス許可がありません|権限がありません|拒绝访问|权限不够|访问被拒绝|"
        r"没有权限|액세스가 거부|허가 거부|권한이 없",
    ),
    _words(
        "missing_file",
        WORDS,
        # the C library's "No such file or directory" and Windows' "cannot find the file specified"
        r"\bbestand of map bestaat niet\b|\bfilen eller katalogen finns inte\b|"
        r"\bingen (?:sådan|slik) fil\b|\bnie ma takiego pliku\b|\badresář nebo soubor neexistuje\b|"
        r"\bнет такого файла\b|\bböyle bir dosya\b|そのようなファイルやディレクトリはありません|"
        r"没有那个文件或目录|그런 파일이나 디렉터리가 없습니다|"
        r"\b(?:bestand|map|pad|directory|fil(?:en)?|katalog(?:en)?|mappe(?:n)?|sökväg(?:en)?|sti(?:en)?|"
        r"plik(?:u)?|katalog(?:u)?|ścieżk\w|soubor(?:u)?|adresář(?:e)?|cest(?:a|u)|файл(?:а)?|каталог(?:а)?|"
        r"путь|папк\w|dosya\w*|dizin\w*|klasör\w*)\b(?:[^.;]|\.\w){0,80}"
        r"\b(?:bestaat niet|niet (?:gevonden|vinden)|finns inte|hittades inte|hitta(?:r)? inte|findes ikke|"
        r"finnes ikke|ikke (?:fundet|funnet|finde|finne)|nie istnieje|nie znaleziono|nie można odnaleźć|"
        r"neexistuje|nebyl\w? nalezen\w?|nelze nalézt|nemůže nalézt|не существует|не найден\w*|"
        r"не удается найти|не удалось найти|bulunamadı|bulamıyor|mevcut değil)|"
        r"\b(?:het systeem kan het opgegeven bestand niet vinden|det går inte att hitta (?:filen|sökvägen)|"
        r"systemet kan ikke finde den angivne fil|systemet finner ikke\b|nie można odnaleźć określonego pliku|"
        r"systém nemůže nalézt uvedený soubor|не удается найти указанный файл|"
        r"sistem belirtilen dosyayı bulamıyor)|"
        r"(?:ファイル|パス|ディレクトリ|フォルダー?)[^。.;]{0,60}(?:見つかりません|存在しません|検出できません)|"
        r"(?:文件|目录|路径|文件夹)[^。.;]{0,60}(?:不存在|找不到)|找不到指定的(?:文件|路径)|"
        r"(?:파일|디렉터리|경로|폴더)[^.;]{0,60}(?:찾을 수 없|존재하지 않)",
    ),
    _words(
        "disk_full",
        WORDS,
        r"\bgeen ruimte meer\b|\bonvoldoende (?:schijf)?ruimte\b|\benheten är full\b|"
        r"\binte tillräckligt med (?:utrymme|diskutrymme)\b|\bikke mere plads\b|\bikke nok plads\b|"
        r"\bikke mer plass\b|\bikke nok (?:disk)?plass\b|\bbrak (?:wolnego )?miejsca\b|\bza mało miejsca\b|"
        r"\bnení (?:volné|dost) míst[oa]\b|\bnedostatek místa\b|\bне осталось свободного места\b|"
        r"\bнедостаточно (?:места|свободного места)\b|\bнет (?:свободного )?места\b|\byer kalmadı\b|"
        r"\byeterli (?:disk )?alan yok\b|空き領域がありません|十分な空き領域|ディスク(?:容量)?がいっぱい|"
        r"设备上没有空间|磁盘空间不足|磁盘已满|남은 공간이 없|디스크 공간이 부족|공간이 부족",
    ),
    _words(
        "oom",
        WORDS,
        r"\bonvoldoende geheugen\b|\bkan geen geheugen\b|\bgeheugen (?:is )?vol\b|\bslut på minne\b|"
        r"\b(?:otillräckligt|för lite) minne\b|\bkan inte allokera minne\b|\bkan ikke (?:allokere|tildele) "
        r"(?:hukommelse|minne)\b|\bikke nok (?:hukommelse|minne)\b|\bbrak pamięci\b|\bza mało pamięci\b|"
        r"\bnie można przydzielić pamięci\b|\bnedostatek paměti\b|\bnelze alokovat paměť\b|"
        r"\bнехватка памяти\b|\bнедостаточно памяти\b|\bневозможно выделить память\b|"
        r"\bне удалось выделить память\b|\bнет памяти\b|\byetersiz bellek\b|\bbellek (?:yetersiz|ayrılamıyor)\b|"
        r"メモリ不足|メモリを確保できません|メモリが不足|内存不足|内存用尽|无法分配内存|메모리 부족|"
        r"메모리를 할당할 수 없|메모리가 부족",
    ),
    _words(
        "db_error",
        WORDS,
        # a deadlock, a duplicate key, a table that is not there, in every language above and the first five
        r"\binterbloqueo\b|\binterblocage\b|\bvictime du blocage\b|(?<!aucun )\bblocage (?:\(deadlock\) )?détecté\b|"
        r"\bvranglås\b|\bbaglås\b|\bdödläge\b|"
        r"\bzakleszczeni\w*\b|\bzakleszczon\w*\b|\bvzájemné(?:ho)? zablokování\b|\bвзаимоблокировк\w*\b|"
        r"\bkilitlenme\b|\bimpasse (?:gedetecteerd|detectad[oa])\b|\bstallo rilevato\b|\bverklemmung\b|"
        r"\bslachtoffer van de impasse\b|デッドロック|死锁|교착 ?상태|"
        r"\b(?:clave|llave) duplicada\b|\bclé (?:en double|dupliquée)\b|\bchiave duplicata\b|"
        r"\bvalore chiave duplicato\b|\bchave duplicada\b|\bvalor da chave\b[^.;]{0,20}\bviola\b|"
        r"\bdoppelte[nr]? schlüssel\w*\b|\bdubbele sleutel\w*\b|\bduplicerat nyckelvärde\b|"
        r"\bduplikeret nøgle\b|\bduplisert nøkkel\b|\bpodwójna wartość klucza\b|\bzduplikowan\w* klucz\w*\b|"
        r"\bduplicitní hodnota klíče\b|\bповторяющееся значение ключа\b|\bповторяющийся ключ\b|"
        r"\bdublikat klucza\b|\b(?:tekrar eden|yinelenen|çift) anahtar\b|重複したキー|一意性制約|重复键|唯一约束|"
        r"중복된 키|고유 제약 조건|"
        r"\b(?:relatie|relationen|relacja|relace|tabel|tabellen|tabela|tabulka|отношение|таблица)\b[^.;]{0,60}"
        r"\b(?:bestaat niet|existerar inte|finns inte|findes ikke|finnes ikke|nie istnieje|neexistuje|"
        r"не существует)|\bongeldige objectnaam\b|\bnieprawidłowa nazwa obiektu\b|\bнедопустимое имя объекта\b|"
        # (a CJK relation or table only with its quoted name: 表 is also the end of 列表, "a list")
        r"リレーション[^。.;]{0,60}存在しません|オブジェクト名[^。.;]{0,60}無効|"
        r"(?:关系|表) ?[\"“][^\"”\n]{1,80}[\"”] ?不存在|"
        r"对象名[^。.;]{0,60}无效|(?:릴레이션|테이블) ?\"[^\"\n]{1,80}\"[^.;]{0,20}(?:없습니다|존재하지 않)|"
        r"개체 이름[^.;]{0,60}잘못",
    ),
    _words(
        "auth",
        WORDS,
        r"\b(?:wachtwoord|paswoord)\w*\b[^.;]{0,40}\b(?:mislukt|onjuist|ongeldig|verlopen)|"
        r"\b(?:authenticatie|aanmelding|aanmelden)\w*\b[^.;]{0,30}\bmislukt\b|\bongeldig wachtwoord\b|"
        r"\b(?:lösenords)?autentisering\w*\b[^.;]{0,20}\bmisslyckades\b|\binloggning\w*\b[^.;]{0,30}"
        r"\bmisslyckades\b|\bfelaktigt lösenord\b|\b(?:login|logon|pålogging|godkendelse|autentisering)\w*\b"
        r"[^.;]{0,30}\b(?:mislykkedes|mislyktes)\b|\b(?:forkert|feil) (?:adgangskode|passord)\b|"
        r"\b(?:logowanie|uwierzytelnianie|autoryzacja)\b[^.;]{0,40}\bnie powiodł\w*\b|"
        r"\bnieprawidłowe hasło\b|\bbłędne hasło\b|"
        r"\bnazwa użytkownika lub hasło\b[^.;]{0,20}\b(?:niepoprawn|nieprawidłow)|"
        r"\bchybné heslo\b|\buživatelské jméno nebo heslo\b[^.;]{0,20}\bnesprávn|"
        r"\banvändarnamnet eller lösenordet är felaktigt\b|\bневерное имя пользователя или пароль\b|"
        r"ログインできませんでした|ユーザー名またはパスワードが正しくありません|登录失败|用户名或密码不正确|\b(?:přihlášení|ověření|autentizace)\b[^.;]{0,40}"
        r"\b(?:selhal\w*|se nezdařil\w*|nezdařil\w*)|\bnesprávné heslo\b|\bошибка (?:входа|аутентификации)\b|"
        r"\bне прош[её]л проверку подлинности\b|\bневерный пароль\b|\bпроверк\w* подлинности\b[^.;]{0,30}"
        r"\b(?:не удалась|ошибка)|\b(?:oturum açma|kimlik doğrulama\w*|şifre doğrulaması|parola doğrulaması)\b"
        r"[^.;]{0,30}\bbaşarısız\b|\b(?:şifre|parola) (?:yanlış|hatalı|geçersiz)\b|"
        r"(?:パスワード)?認証に失敗|ログインできませんでした|ログインに失敗|パスワードが(?:違い|正しくありません)|"
        r"(?:认证|身份验证)失败|登录失败|密码错误|인증(?:을|에)? ?실패|로그인하지 못했|로그인 실패|"
        r"암호가 (?:잘못|올바르지)",
    ),
    _words(
        "network",
        WORDS,
        r"\bverbinding (?:is )?(?:geweigerd|verbroken)\b|\bkon geen verbinding\b|\bhost is onbereikbaar\b|"
        r"\bgeen route naar\b|\b(?:förbindelsen|anslutningen) (?:vägrades|nekades)\b|\bkunde inte ansluta\b|"
        r"\bingen väg till\b|\bforbindelse (?:nægtet|nektet)\b|\bkunne ikke (?:forbinde|koble)\b|"
        r"\bingen rute til\b|\bpołączenie odrzucone\b|\bnie można połączyć\b|\bbrak trasy do\b|"
        r"\bspojení odmítnuto\b|\bnelze se připojit\b|\bneexistuje cesta\b|\bв соединении отказано\b|"
        r"\bсоединение (?:отклонено|отвергнуто|разорвано)\b|\bне удалось подключиться\b|"
        r"\bнет маршрута до\b|\bbağlantı reddedildi\b|\bbağlanılamadı\b|\bbağlantı kurulamadı\b|"
        r"接続を拒否|接続できませんでした|接続できません|ホストへの経路がありません|拒绝连接|连接被拒绝|"
        r"无法连接|没有到主机的路由|연결이 거부|접속할 수 없|연결할 수 없|호스트로 갈 루트가 없",
    ),
    # a connection that timed out, before the time limit of the last entry
    _words(
        "network",
        WORDS,
        r"\b(?:verbinding|förbindelsen|anslutning\w*|forbindelse\w*|połączeni\w*|spojení|соединени\w*|"
        r"подключени\w*|bağlantı\w*)\b[^.;]{0,40}(?:time-?out|tidsgräns|dog ut|tidsudløb|tidsavbrudd|limit czasu|"
        r"czas oczekiwania|vypršel|время ожидания|тайм-аут|zaman aşımı)|"
        r"\b(?:limit czasu|czas oczekiwania|время ожидания|тайм-аут)\b[^.;]{0,20}\b(?:połączeni\w*|соединени\w*|"
        r"подключени\w*)|"
        r"(?:接続|连接|연결)[^。.;，,]{0,20}(?:タイムアウトしました|タイムアウトになりました|已?超时(?!设置|时间|值)|"
        r"시간(?:이)? 초과)",
        shadows="timeout",
    ),
    _words(
        "timeout",
        WORDS,
        r"\btime-?out\b[^.;]{0,20}\b(?:verlopen|overschreden)\b|\btijdslimiet\b[^.;]{0,20}\b(?:overschreden|"
        r"verlopen)\b|\btidsgräns\w*\b[^.;]{0,20}\böverskre\w*|\btidsgrænse\w*\b[^.;]{0,20}\boverskredet\b|"
        r"\btidsavbrudd\b|\bprzekroczon\w* (?:limit )?czas\w*\b|\bupłynął limit czasu\b|"
        r"\bvypršel\w*\b[^.;]{0,20}\b(?:časový limit|čas)\b|\bčasový limit\b[^.;]{0,20}\bvypršel\b|"
        r"\bистекло время ожидания\b|\bпревышено время ожидания\b|\bвремя ожидания\b[^.;]{0,30}\bистекло\b|"
        # (a bare "timeout" noun is a setting as often as an event: the localised nouns need their verb)
        r"\b(?:истек\w*|превышен\w*) тайм-аут\w*|\bтайм-аут\w*\b[^.;]{0,20}\b(?:истек\w*|превышен\w*)|"
        r"\bzaman aşımına uğradı\b|\bzaman aşımı(?: süresi)? (?:oluştu|doldu)\b|"
        r"タイムアウトしました|タイムアウトになりました|タイムアウトが発生|"
        r"已超时|操作超时|请求超时(?!设置|时间|值)|시간(?:이)? 초과되었",
    ),
)
# The localised readings run only on a line with one of their words (a literal test), not on every line.
_WITH_TRANSLATED = _LEXICON + _TRANSLATED + _TRANSLATED_MORE
_TRANSLATED_WORD = re.compile(trie_pattern(TRANSLATED_FAILURE_WORDS))
# The last resort: each family's own words. A failing line (one with a failure word) that nothing above
# classified gets the family most of its words belong to, at the lowest strength; a tie says nothing.
_FAILING = re.compile(
    r"\b(?:error|errors|fail\w*|fatal|cannot|can't|could not|unable|denied|refused|invalid|abort\w*|exception|"
    r"panic|unexpected|missing|not|no)\b",
    re.IGNORECASE,
)
_VOCABULARY: dict[Category, frozenset[str]] = {
    "db_error": frozenset("database table relation column schema sql query transaction deadlock constraint "
                          "tablespace cursor collection".split()),
    "network": frozenset("host hostname network socket connection connect dns resolve port remote peer broker "
                         "unreachable".split()),
    "auth": frozenset("password credential credentials login logon authentication token kerberos ticket keytab "
                      "certificate oauth".split()),
    "permission": frozenset("permission permissions privilege privileges denied forbidden owner acl rights".split()),
    "missing_file": frozenset("file files path directory folder".split()),
    "disk_full": frozenset("disk space quota filesystem volume inode inodes".split()),
    "oom": frozenset("memory heap oom allocate allocation".split()),
    "dependency": frozenset("module package library import jar dependency predecessor upstream installed".split()),
    "data_quality": frozenset("format parse parsing malformed decode encoding codec record row field value json xml "
                              "csv mismatch".split()),
    "script_error": frozenset("undefined null nil variable argument arguments syntax symbol function method "
                              "attribute declare uncaught".split()),
    "timeout": frozenset("timeout timed deadline elapsed".split()),
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")


def vocabulary_category(text: str) -> Category | None:
    """The family most of a failing line's words belong to (None: not failing, no such words, or a tie)."""
    if _FAILING.search(text) is None:
        return None
    words = _WORD.findall(_words_of_identifiers(text).lower())
    counts = {category: sum(word in vocabulary for word in words) for category, vocabulary in _VOCABULARY.items()}
    best = max(counts.values())
    leaders = [category for category, count in counts.items() if count == best]
    return leaders[0] if best and len(leaders) == 1 else None


# A marker file a job leaves for its successors when its output is complete ("X_20261103.done", "_SUCCESS",
# "/data/flags/x.ok"): a stem with a digit, "_" or a directory (not "response.ok"), and a marker's extension.
_MARKER_EXTENSION = r"\.(?i:ok|done|flag|ready|rdy|trg|trigger|complete)"
MARKER_FILE = re.compile(
    rf"(?<![\w.$/\\:=~-])((?:[A-Za-z]:)?(?:[\w.$=:~-]*[/\\])+(?:_SUCCESS\b|[\w.-]*\w{_MARKER_EXTENSION})|"
    rf"(?=[\w.-]*[\d_])[\w.-]*\w{_MARKER_EXTENSION})(?![\w.])"
)
# A word that reports a failure, in any of the languages tools log in (an error level, "fail..."). rules-24: a line
# that has one and names a marker file is a predecessor's output that did not come ("BŁĄD - brak /x/T_0902.done").
FAILURE_WORD = re.compile(rf"(?<!\w){WINDOWS_ERROR_WORD}(?!\w)|\bfail", re.IGNORECASE)

# TWS knowledge: a job of the plan (WS#STREAM.JOB) that is not in SUCC is an unmet predecessor.
_TWS_JOB_STATE = re.compile(
    r"\b(?<![A-Z0-9_-]{2})[A-Z0-9_-]+#[A-Z0-9_-]+\.[A-Z0-9_-]+\b[^.;]{0,40}\b(?:ABEND(?:ED)?|FAIL(?:ED)?|CANCL|CANCELL?ED|"
    r"not (?:SUCC|complete|completed|finished)|needs SUCC)\b"
)
# Identifiers of two or more capitalised words ("InvalidAccessKeyId", "NoRouteToHost").
_CAMEL_IDENTIFIER = re.compile(r"\b(?:[A-Z][a-z0-9]+){2,}[A-Z]?[a-z0-9]*\b")
_Note = Callable[[Category, int, str], None]
# A counter that says nothing went wrong ("rows rejected = 0", "rejected 0", "errors: 0", "0 failed") is a
# progress figure in any tool's format, not evidence: it is read as if it were not there.
_FAILURE_COUNT_WORDS = (
    r"(?:rejected|rejects|errors?|failed|failures?|invalid|bad|discarded|dropped|exceptions?|errored)"
)
# rules-22: a recap's other zero counters, as "word=0" or "word: 0" only ("unreachable=0" of an Ansible play,
# "timeouts: 0"; "Line 0 Execution Timeout Expired" is no count)
_OTHER_COUNT_WORDS = r"(?:unreachable|timeouts?|timed_out|denied|missing|aborted|killed|deadlocks?)"
_ZERO_COUNT = re.compile(
    rf"\b{_OTHER_COUNT_WORDS}\s*[:=]\s*0+(?![\w.,]\d|\w)|"
    rf"\b{_FAILURE_COUNT_WORDS}(?: (?:rows|records|lines|files|items|tasks|jobs))?\s*(?:[:=]\s*|\s)0+(?![\w.,]\d|\w)|"
    rf"(?<![\w.,:/-])0+ (?:(?:\w+ ){{0,2}}(?:were |was |are )?){_FAILURE_COUNT_WORDS}\b",
    re.IGNORECASE,
)


def without_zero_counts(text: str) -> str:
    """`text` with the counters that report zero failures blanked out ("rejected 0" says nothing failed)."""
    if "0" not in text:
        return text
    return _ZERO_COUNT.sub(" ", text)


@dataclass(frozen=True, slots=True)
class LineReading:
    """What a line says: the families it gives evidence for (strongest first) and the families its words
    shadow (a "connect timed out" is not a time limit, whatever a type name or a rule's phrase says)."""

    evidence: list[Evidence]
    shadowed: frozenset[str]


def classify_line(text: str, own_job: str | None = None) -> list[Evidence]:
    """Every family `text` gives evidence for, strongest first (one entry per family).

    `own_job` is the failed job's own name: a line naming it with ABEND is the job itself, not a
    predecessor.
    """
    return read_line(text, own_job).evidence


def read_line(text: str, own_job: str | None = None) -> LineReading:
    """The evidence of `text` (as `classify_line`) and the families its words shadow; a shadowed family
    keeps only a settled code's evidence."""
    found: dict[str, Evidence] = {}
    shadowed: set[str] = set()

    def note(category: Category, strength: int, source: str) -> None:
        if category not in found or found[category].strength < strength:
            found[category] = Evidence(category, strength, source)

    _codes(text, note)
    quiet = INFO_LEVEL.search(text) is not None  # an INFO line's words describe work, not a failure
    for type_match in _TYPE_NAME.finditer(text):
        name = type_match.group(1)
        category = type_category(name, type_match.group(0)[: -len(name)])
        if category is not None:
            note(category, WEAK_WORDS if _GENERIC_TYPE.fullmatch(name) else TYPE_NAME, f"type {name}")
    if not quiet:
        words = _words_of_identifiers(text)
        readings = _WITH_TRANSLATED if _TRANSLATED_WORD.search(words.lower()) else _LEXICON
        for entry in readings:
            if entry.category in shadowed:
                continue
            match = entry.pattern.search(words)
            if match is not None:
                note(entry.category, entry.strength, f"words {match.group(0)!r}")
                if entry.shadows is not None:
                    shadowed.add(entry.shadows)
    for match in _TWS_JOB_STATE.finditer(text):
        if own_job is None or f".{own_job}" not in match.group(0):
            note("dependency", CODE, "TWS job state")
    if not quiet and MARKER_FILE.search(text) and FAILURE_WORD.search(text):
        note("dependency", WORDS, "marker file")
    # A shadowed family keeps a settled code, not the words of a standard message: .NET's "Could not load file
    # or assembly 'X' ... The system cannot find the file specified." is a missing dependency, whatever the
    # Windows text it quotes says.
    for family in shadowed:
        if family in found and (found[family].strength < CODE or found[family].source == _WIN32_MESSAGE):
            del found[family]
    if not found and not quiet:
        category = vocabulary_category(text)
        if category is not None:
            note(category, VOCABULARY, "vocabulary")
    return LineReading(sorted(found.values(), key=lambda e: -e.strength), frozenset(shadowed))


def type_category(name: str, package: str = "") -> Category | None:
    """The family an exception or error type name belongs to, from its words (None: says nothing).

    A word that repeats a segment of the type's package names the framework, not the failure
    (`org.apache.kafka.connect.errors.ConnectException` is any error of Kafka Connect).
    """
    framework = set(package.lower().split(".")) if package else set()
    named = [w.lower() for w in _CAMEL.findall(name)]
    words = [w for w in named if w not in framework]
    if words and words[-1] in ("exception", "error", "fault", "failure"):
        words = words[:-1]
    if len(words) == 1 and words[0] in _TYPE_EXACT:
        return _TYPE_EXACT[words[0]]
    for needed, category in _TYPE_WORDS:
        # a phrase of several words is the failure even when one of them repeats the package
        # (`java.sql.SQLSyntaxErrorException` is an SQL syntax error)
        if _contains_run(words, needed) or (len(needed) > 1 and _contains_run(named, needed)):
            return category
    return None


def http_status(text: str) -> int | None:
    """The HTTP status code of an error a line reports (4xx/5xx), or None."""
    for match in _HTTP_STATUS.finditer(text):
        code = int(next(g for g in match.groups() if g))
        settled = match.group(1) or match.group(2) or match.group(3) or match.group(6)
        if code >= 400 and (settled or _HTTP_CONTEXT.search(text)):
            return code
    return None


def _codes(text: str, note: _Note) -> None:
    status = http_status(text)
    if status is not None and status in _HTTP_CATEGORY:
        note(_HTTP_CATEGORY[status], WEAK_WORDS if status in _HTTP_VAGUE else CODE, f"HTTP {status}")
    for match in _WIN32_CODE.finditer(text):
        raw = next(g for g in match.groups() if g)
        code = int(raw, 16) if match.group(3) else int(raw)
        if code in _WIN32_CATEGORY:
            note(_WIN32_CATEGORY[code], CODE, f"Windows error {code}")
    if " (0x" in text:
        for match in _WIN32_DECIMAL_HEX.finditer(text):
            code = int(match.group(1))
            if code == int(match.group(2), 16) and code in _WIN32_CATEGORY:
                note(_WIN32_CATEGORY[code], CODE, f"Windows error {code}")
    if "ldap" in text or "LDAP" in text:
        for match in _LDAP_RESULT.finditer(text):
            result = int(match.group(1) or match.group(2))
            if result in _LDAP_CATEGORY:
                note(_LDAP_CATEGORY[result], CODE, f"LDAP result {result}")
    lowered = text.lower()
    for message, category in _WIN32_MESSAGES:
        if message in lowered:
            note(category, CODE, _WIN32_MESSAGE)
    for match in _SQLSTATE.finditer(text):
        state = next(g for g in match.groups() if g)
        if state in _SQLSTATE_EXACT:
            note(_SQLSTATE_EXACT[state], CODE, f"SQLSTATE {state}")
        elif state[:2] in _SQLSTATE_CLASS:  # a class is less specific than a product's own error number
            note(_SQLSTATE_CLASS[state[:2]], TYPE_NAME, f"SQLSTATE {state}")
    for match in _PRODUCT_CODE.finditer(text):
        product_code = (
            match.group(1) or match.group(2) or (f"Msg{match.group(3)}" if match.group(3) else f"SF{match.group(4)}")
        )
        if product_code in _PRODUCT_CATEGORY:
            note(_PRODUCT_CATEGORY[product_code], CODE, f"code {product_code}")
    if "SQLCODE" in text:  # Db2's "SQLCODE = -904" is its "SQL0904N"
        for match in _SQLCODE.finditer(text):
            product_code = f"SQL{int(match.group(1)):04d}N"
            note(_PRODUCT_CATEGORY.get(product_code, "db_error"), CODE, f"SQLCODE -{match.group(1)}")
    for match in _MYSQL_ERROR.finditer(text):
        number = int(match.group(1))
        if number in _MYSQL_CATEGORY:
            note(_MYSQL_CATEGORY[number], CODE, f"MySQL error {number}")
        else:  # a server speaking MySQL's protocol (TiDB, MariaDB...) with an error of its own: a database's
            note("db_error", WEAK_WORDS, f"MySQL error {number}")
    if "NT_STATUS_" in text:
        for match in _NT_STATUS.finditer(text):
            if match.group(1) in _NT_STATUS_CATEGORY:
                note(_NT_STATUS_CATEGORY[match.group(1)], CODE, f"NT_STATUS_{match.group(1)}")
    if "DB::" in text and (symbol := _CLICKHOUSE_NAME.search(text)) and symbol.group(1) in _CLICKHOUSE_CATEGORY:
        note(_CLICKHOUSE_CATEGORY[symbol.group(1)], CODE, f"ClickHouse {symbol.group(1)}")
    if (name := sap_runtime_error(text)) is not None:
        category = abap_category(name)
        settled = category != "script_error" or name.startswith(_ABAP_PROGRAM)
        note(category, CODE if settled else WEAK_WORDS, f"ABAP runtime error {name}")
    if "curl" in text:
        for match in _CURL_EXIT.finditer(text):
            code = int(match.group(1))
            if code in _CURL_CATEGORY:
                note(_CURL_CATEGORY[code], CODE, f"curl error {code}")
    if _MQ_CONTEXT.search(text) is not None:
        for match in _MQ_REASON.finditer(text):
            reason = int(match.group(1))
            if reason in _MQ_REASON_CATEGORY:
                note(_MQ_REASON_CATEGORY[reason], CODE, f"MQ reason {reason}")
    for abend in abend_codes(text):
        if abend in _ABEND_CATEGORY:
            note(_ABEND_CATEGORY[abend], CODE, f"abend S{abend}")
    for match in _EXIT_STATUS.finditer(text):
        hint = RETURN_CODE_HINTS.get(int(match.group(1)))
        if hint is not None:
            note(hint[0], WEAK_WORDS, f"exit status {match.group(1)}")
    for match in _ERRNO.finditer(text):
        name = match.group(1) or _ERRNO_NUMBERS.get(match.group(2) or match.group(3) or match.group(4) or "")
        if name in _ERRNO_CATEGORY:
            note(_ERRNO_CATEGORY[name], CODE, f"errno {name}")


def abend_codes(text: str) -> list[str]:
    """The z/OS system completion codes a line reports, without their "S" ("ABEND=S0C7" -> "0C7")."""
    if "ABEND" not in text and "COMPLETION CODE" not in text and "IEC" not in text:
        return []
    return [next(code for code in match.groups() if code) for match in _ABEND.finditer(text)]


def _words_of_identifiers(text: str) -> str:
    """The line with identifiers split into words ("MQRC_HOST_NOT_AVAILABLE" -> "MQRC HOST NOT AVAILABLE",
    "InvalidAccessKeyId" -> "Invalid Access Key Id"), so the lexicon reads symbolic names like prose."""
    if "_" in text:
        text = _CONSTANT.sub(lambda m: m.group(0).replace("_", " "), text)
    return _CAMEL_IDENTIFIER.sub(lambda m: " ".join(_CAMEL.findall(m.group(0))), text)


def _contains_run(words: list[str], needed: tuple[str, ...]) -> bool:
    size = len(needed)
    return any(tuple(words[i : i + size]) == needed for i in range(len(words) - size + 1))
