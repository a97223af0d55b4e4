"""The offline engine: a specific root cause from the error line, the entities and the rule base.

No network, deterministic, fast. Every line a rule recognises is a candidate, scored by how specific
the rule is (`Rule.weight`), whether the line names the thing to fix (a path for a file error, a host
for a network error), and its log level: a WARN line or a retry that later succeeded is a symptom the
job survived, not the reason it failed. The best candidate wins; ties go to the earliest line (later
errors are usually consequences), except in a Java exception chain, where the deepest "Caused by:" is
the root cause.

Candidates come from two places: the shared error-line finder (joblog.error_lines), and one
pass over the job's output with the rule base's own patterns, for lines the finder does not score
(e.g. "kinit: Keytab contains no suitable keys", SAP messages that name a file that "could not be
opened").

Each candidate is read twice: by the rules (phrases of known tools) and by `evidence.read_line`
(codes with a documented meaning, exception type names, a lexicon of failure words), so a line no rule
knows still gets its family, and a code that settles the family beats a rule's vague phrase; a family
the line's words shadow ("connect timed out" is not a time limit) is not read from a rule's general phrase
either. The shape
of traces counts too: the source line Python prints under a frame is never the error, and the headline
of a trace (the last line of a Python traceback, a PowerShell error above its "At file:line", a Go panic,
a Node error above its stack) is preferred like a Java "Caused by:". A time limit hit right after failed
attempts to reach the target is explained by them (a network failure), as a SIGKILL is explained by a
time limit. The root cause names the entity of the chosen family and, when the joblog gives them, the
other things an operator needs to act (the user of a refused login, the database of a failed statement,
the place in the job's code).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from twspulse.joblog.entities import Entities, code_location, extract_entities, merge
from twspulse.joblog.error_lines import (
    ECHOED_COMMAND,
    INFO_LEVEL,
    LOCAL_WARNING,
    MAX_CHARS,
    SEVERE_MESSAGE_ID,
    ErrorLine,
    code_alone,
)
from twspulse.joblog.secrets import mask_secrets
from twspulse.models.annotate.annotation import Annotation, Category, FailedRun
from twspulse.models.annotate.evidence import (
    CODE,
    FAILURE_WORD,
    SQLSERVER_LEVEL,
    SQLSERVER_MESSAGE,
    SQLSERVER_MESSAGE_WORDS,
    read_line,
    sap_runtime_error,
    without_zero_counts,
)
from twspulse.models.annotate.excerpt import Joblog
from twspulse.models.annotate.key_entities import (
    FULL_MOUNT_REACH,
    ID_NAME_REACH,
    INVALID_FIELD_BELOW,
    RECORD_BELOW,
    ROUTINE_BELOW,
    SERVER_BELOW,
    SUMMARY_REACH,
    UUID,
    WALLET_REACH,
    WAREHOUSE_REACH,
    application_above,
    class_started,
    configuration_near,
    credential_above,
    dd_data_set,
    extract,
    full_mount,
    host_port,
    input_above,
    invalid_field,
    is_code_file,
    is_data_file,
    is_prose_word,
    job_above,
    login_above,
    main_class,
    marker_file,
    name_of_id,
    program_above,
    program_reported,
    qualified_table,
    record_near,
    robocopy_destination,
    routine_near,
    sap_step_program,
    server_near,
    statement_table_above,
    stopped_by_timeout,
    summarised_object,
    target_above,
    target_of,
    tool_path,
    view_above,
    wallet_account,
    warehouse_near,
    with_directory,
)
from twspulse.models.annotate.keyword_filter import trie_pattern
from twspulse.models.annotate.line_model import LineModel, preferred_line, shipped_model
from twspulse.models.annotate.localised import Catalog, Translation, shipped_catalog
from twspulse.models.annotate.rerun import rerun_step
from twspulse.models.annotate.rule_base import (
    CONTEXT_KINDS,
    EVIDENCE_RULES,
    LOG_POINTER,
    RETURN_CODE_HINTS,
    RULES,
    RULES_VERSION,
    SUBJECT_ALSO,
    SUBJECT_KINDS,
    TRANSLATED_FAILURE_WORDS,
    Rule,
)

ENGINE = "rules"
_KINIT = "kinit: "  # the Kerberos client's own messages
# A SQL statement a client echoes, in its upper-case shape ("CALL SYS.GET_INSUFFICIENT_PRIVILEGE_ERROR_DETAILS(...)",
# "IMPORT FROM CSV FILE ... ERROR LOG 'x.err'"): its identifiers and clauses are names, not a failure's words.
_SQL_ECHO = re.compile(
    r"(?:[\w.-]{0,30}(?:SQL|=[>#-])>\s*|\d{1,4}>\s*)?(?:CALL [\w.$#\"]+\s*\(|SELECT\s|INSERT (?:INTO|OVERWRITE)\s|"
    r"UPDATE [\w.$#\"]+ SET\s|DELETE FROM\s|MERGE INTO\s|"
    r"CREATE (?:OR REPLACE |UNIQUE |GLOBAL TEMPORARY )?(?:TABLE|INDEX|VIEW|PROCEDURE)\s|"
    r"ALTER (?:TABLE|INDEX|SESSION|SYSTEM)\s|TRUNCATE TABLE\s|GRANT \w+ ON\s|IMPORT FROM\s|EXPORT [\w.$#\"*]+ AS\s|"
    r"EXEC(?:UTE)? [\w.$#\[\]]+|WITH \w+ AS\s)"
)
_KERBEROS_WORDS = re.compile(r"(?i)kerberos|\bgss|\btgt\b|credentials|sasl|cannot authenticate")
# A ticket obtained after all: klist's "Default principal:", a wrapper's "ticket obtained", "kinit ... ok".
_TICKET_OBTAINED = re.compile(
    r"(?i)\bticket (?:obtained|granted|acquired)\b|^Default principal:|\bkinit\b.*\b(?:ok|succeeded)\b"
)
# Words that report an outcome, not its cause ("FAILED", "ended RC=8", "returned 2", "exit code 3", "NOTOK").
_OUTCOME = re.compile(
    r"(?i)\b(?:fail(?:ed|ure|s)?|fehlgeschlagen|ended|returned|exit(?:ed)?|status|rc|errorlevel|return code|notok)\b"
)
# A path named like a configuration file ("/home/x/.ssh/config", "x.exe.config", "x.yml"): one a configuration
# error's own line names is the file to fix.
_CONFIGURATION_NAME = re.compile(r"(?i)config[^/\\]*$|\.(?:conf|cfg|ya?ml|toml|ini|properties)$")
# rules-26: an application's own "etc" folder ("/opt/x/etc/lanes.json") holds its configuration: a file there
# that does not parse is the job's configuration (a record that fails a schema kept there is still data)
_APPLICATION_ETC = re.compile(r"[/\\]etc[/\\]")
_DOES_NOT_PARSE = re.compile(
    r"(?i)decode|\bpars(?:e|er|ing)\b|\bexpecting\b|\bsyntax\b|\bscanner\b|unexpected (?:token|char)"
)


# An error in a configuration (an exception or message that says so, a property that does not bind).
_CONFIGURATION_ERROR = re.compile(
    r"(?i)\bconfig(?:uration)?(?:errors?)?(?:error|exception)\b|invalidconfig|\bfailed to bind propert|"
    r"\bbad configuration option\b|\berror in config\b|\bconfigparser\.\w+"  # (configparser: rules-26)
)
# A configuration file by where it is or what it is called ("/etc/x/a.json", "/opt/x/conf/a.yml",
# "application-prod.yml", "settings.json", "x.ini", "x.properties").
_CONFIGURATION = re.compile(
    r"^(?:/etc/|[A-Za-z]:\\ProgramData\\)|[/\\](?:conf|config|configs|cfg|settings)[/\\]|"
    r"(?:^|[/\\])(?:[\w.-]*[-_.])?(?:config|configuration|settings|application(?:-[\w]+)?|appsettings(?:\.[\w]+)?)"
    r"\.(?:json|ya?ml|toml|xml|ini|properties|conf|cfg)$|\.(?:ini|toml|properties|conf|cfg)$",
    re.IGNORECASE,
)


def _is_configuration(path: str, error: str) -> bool:
    """Whether `path`, which the data-quality `error` names, is the job's configuration rather than its data."""
    if _CONFIGURATION.search(path):
        return True
    return _APPLICATION_ETC.search(path) is not None and _DOES_NOT_PARSE.search(error) is not None


# A line that says the job's status is not documented, or that nothing more is known of the failure.
_UNEXPLAINED = re.compile(
    r"(?i)\b(?:status|return code|exit code|code|rc|result)\b[^.;]{0,40}\bnot (?:described|listed|documented|"
    r"defined|explained|known) (?:in|by)\b|\bundocumented (?:status|return code|exit code|code|result)\b|"
    r"\bno further (?:detail|details|information|explanation)\b"
)
# A line that gives the meaning of several codes ("Exit codes: 0 = success, 1 = configuration, 2 = WMS unreachable"):
# a tool's documentation of its codes, which the job printed; no event (rules-23).
# (Each meaning in words: "[1=x,3=connectUsing,4=TCP]" lists a message's inserts.)
_CODE_LEGEND = re.compile(
    r"(?<![\w.\[])\d{1,3} ?(?:=|->|→) ?[^\d\s,;=\[][^,;=\s]*+\s[^,;=]{0,80}[,;] ?\d{1,3} ?(?:=|->|→) ?[^\d\s=]"
)
# rules-24: a line that only says where the error above it was found (a parser's mark: '  in "/x/a.yaml", line 47,
# column 22', "  at /x/a.conf line 12"): the message is the line above, the mark its detail
_MARK_ONLY = re.compile(
    r"^\s*(?:in|at)\s+[\"'<]?(?P<path>(?:[A-Za-z]:\\|[/.~\\])?[^\s\"'<>]+)[\"'>]?,?\s+line\s+(?P<line>\d+)"
    r"(?:,?\s+col(?:umn)?\s+\d+)?\s*$"
)
# A line that says something failed: an error word in any language, or a message id of error or fatal severity
_SAYS_FAILURE = re.compile(rf"{FAILURE_WORD.pattern}|(?-i:{SEVERE_MESSAGE_ID})", re.IGNORECASE)
# An error about the far side of a transfer, and a path on another machine (a share, an object store's URL).
_REMOTE_OBJECT = re.compile(r"\bremote (?:file|directory|folder|path|share)\b", re.IGNORECASE)
_SHARE = re.compile(r"//[\w.-]+/|\\\\[\w.$-]+\\|(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Families whose failure may well be about a tool's own settings (a credentials file, a configuration).
_SETTINGS_MATTER = frozenset({"auth", "dependency", "script_error"})
# A home directory's own dot file or dot folder, or a settings file in one: a tool's settings or credentials.
_TOOL_SETTING = re.compile(
    r"(?:/home/[^/\s]+|/root|/Users/[^/\s]+|~|\$HOME|[A-Za-z]:\\Users\\[^\\\s]+)[/\\]\.[\w.-]+"
    r"(?:[/\\](?:config|credentials|settings)(?:\.\w+)?)?[/\\]?$"
)
# An absolute path, a share or a URL at the start of a value (read with .match; the look-behind keeps a search
# over a long run of scheme characters linear rather than trying the run from each of its letters).
_ROOTED = re.compile(r"[/\\~]|[A-Za-z]:\\|(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://")
PROGRAM_TRACE_REACH = 40  # how far below an error a runtime's trace may name the script it ran
# How far below a lock conflict the database's deadlock report (MySQL's LATEST DETECTED DEADLOCK, an Oracle trace's
# "Current SQL") may show the statements that conflicted.
DEADLOCK_REPORT_REACH = 40
CAUSE_MIN_SCORE = 30  # a failure strong enough to have left its outputs unwritten
OUTPUT_REACH = 200  # how far above that failure its command is looked for
_DURING_HANDLING = "During handling of the above exception, another exception occurred"
_DIRECT_CAUSE = "The above exception was the direct cause of the following exception"
# A DROP statement echoed by a SQL client ("DROP TABLE x;", "SQL> drop table x;", "1> DROP VIEW v") and the
# "does not exist" a database answers when the object is not there; how far above the answer the statement is.
# So is IDCAMS's DELETE of a data set ("DELETE A.B.WORK NONVSAM PURGE", then "IDC3012I ENTRY A.B.WORK NOT FOUND").
_DROP = re.compile(
    r"^\s*(?:[\w>]*>\s*)?(?:drop\s+(?:table|view|index|sequence|synonym|procedure|function)\s+"
    r"(?:if\s+exists\s+)?|del(?:ete)?\s+[('\"]?(?=[A-Z#@$][\w#@$-]*\.[A-Z#@$]))([\w$#.\"'`\[\]]+)",
    re.I,
)
_ABSENT = re.compile(r"\b(?:does not exist|doesn't exist|not exist|not found|unknown table)\b", re.I)
DROP_REACH = 4
# The headline a Python traceback ends with: "module.NameError: message" at the start of a line.
_RAISED = re.compile(r"(?<![\w.])(?:(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)\b|(?:[a-z_]\w*\.)+[A-Z]\w*: )")
# A retry the job went on from (not one whose limit was reached: "max retries exceeded" is the failure).
_RETRYING = (
    r"(?<!max )(?<!maximum )(?<!all )(?<!not )(?<!no )(?<!n't )(?<!never )\bretr(?:y|ying|ies)\b"
    r"(?! (?:exceeded|exhausted|limit))|"
    # the same in the languages jobs log in ("reintento 1/3 en 30 s", "nova tentativa em 10 s", "neuer Versuch")
    r"\b(?:reintent(?:o|ando)|nueva tentativa|nuevo intento|nova tentativa|nouvelle tentative|nouvel essai|"
    r"erneuter Versuch|neuer Versuch|nuovo tentativo|riprovo|riprovando)\b|"
    # a numbered attempt that failed, as "attempt 1/3 failed" ("próba 1/3 nieudana", "Versuch 2/3 fehlgeschlagen")
    r"\b(?:intento|tentativa|tentative|Versuch|tentativo|próba|poging|försök|forsøg) \d+/\d+\b|"
    # rules-22, each unless the line says it then failed ("Failover to standby db02 failed", "重试次数已用完"):
    # a client that moves on to another node of the service ("trying next node", "failing over to x", "- using
    # primary"), a link it made again and went on with ("- reconnected", "neu verbunden", "connexion rétablie"),
    # and retry notices in more of the languages jobs log in ("ponowienie 1/3", "uusintayritys", "nytt försök")
    r"(?:\btrying (?:the )?(?:next|another|other) (?:node|host|server|broker|replica|address|endpoint|instance)\b|"
    r"\bfail(?:ing)?[ -]?over to\b|\bswitching to (?:the )?(?:next|secondary|standby|backup|replica|other)\b|"
    r"(?:^|[-,;(]\s*)using (?:the )?(?:primary|secondary|standby|backup|fallback|replica)\b(?! (?:access )?key)|"
    r"(?<!not )(?<!never )(?<!n't )\b(?:re-?connect(?:ed|ing)?|connection re-?established|neu verbunden|"
    r"wieder verbunden|verbindung wiederhergestellt|reconnecté|connexion rétablie|reconectado|"
    r"conexión restablecida|ligação restabelecida|riconnesso|connessione ristabilita|opnieuw verbonden|"
    r"ponownie połączon\w*|återansluten|yhdistetty uudelleen)\b|"
    r"\b(?:ponowienie|ponawiam|ponowna próba|nowa próba|uusintayritys|yritetään uudelleen|nieuwe poging|"
    r"opnieuw proberen|nytt försök|nyt forsøg|nytt forsøk|nový pokus|opakování|yeniden deneniyor|yeniden deneme|"
    r"tentando novamente|повтор(?:ная попытка)?)\b|再試行|リトライ|重试|재시도)"
    r"(?![^.;]{0,40}(?:\b(?:failed|fails|unsuccessful|exhausted|impossible|refused|abandon\w*|selhal\w*|"
    r"nieudan\w*|epäonnistui|mislukt|misslyckades|mislykkedes|başarısız|falhou|fallid\w*|fehlgeschlagen)\b|"
    r"失败|失敗|用完|できません|실패))"
)
_QUIET = re.compile(
    rf"(?:^|[\s\[|])(?:WARN|WARNING|INFO|DEBUG|TRACE|NOTICE|\[W\]|\[I\])(?:[\s\]:|]|$)|{_RETRYING}|"
    rf"\battempt \d+(?:/\d+)? failed\b|Waiting \d+ seconds|(?-i:{LOCAL_WARNING})",
    re.IGNORECASE,
)
# rules-24: a Kubernetes event as kubectl lists it ("  Warning  Failed  8m (x4 over 10m)  kubelet  Failed to pull
# image ..."): "Warning" is the event's type, beside its reason, not a log level (every failure event is one)
_EVENT_ROW = re.compile(r"(?:^|\s)Warning\s{2,}[A-Z][A-Za-z]+\s{2,}\S")
# A line that reports success ("SUCCESS: The process ... has been terminated") is never the error.
_NEVER = re.compile(
    r"^\s*(?:SUCCESS|SUCCEEDED|OK)\b[:!]|"
    # PostgreSQL's notice of a DROP IF EXISTS or a CREATE IF NOT EXISTS: an object by its kind and quoted name
    r"\b(?:relation|table|view|index|sequence|schema|function|procedure|type|extension|role|trigger|constraint|"
    r"database|column|materialized view) \"[^\"]+\" (?:does not exist|already exists), skipping\b|"
    # PowerShell 7's error view names the command or error and the script's line; its message is under "Line |"
    r"^[\w-]+: (?:[A-Za-z]:\\|/)\S*\.ps[dm]?1:\d+$|"
    r"^\++ |^Traceback \(most recent call last\)|^\s*at\s+[\w$.<>/]+\(|^\.\.\. \d+ (?:more|common)|"
    r"^\s*at\s+\S+ \(.*:\d+:\d+\)$|^\s*at\s+/\S+:\d+:\d+$|^\s*from /\S+:\d+:in\b|"
    # the JVM's notice of an illegal reflective access (Java 9-16): a warning about a library, never the cause
    r"^WARNING: (?:An illegal reflective access|Illegal reflective access by|Please consider reporting this|"
    r"Use --illegal-access|All illegal access operations)"
)
# The source line Python prints under a frame ('  File "x.py", line 3, in f' then the code).
_PY_FRAME = re.compile(r'^\s*File "[^"]+", line \d+')
_FRAME = re.compile(r'^\s*(?:File "[^"]+", line \d+|at\s+\S+.*[(:]\S*\d|from /\S+:\d+:in\b)')
# Headlines of traces: "module.ErrorType: message" ending a Python traceback, "panic: ..." of Go.
_PY_HEADLINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*: \S")
_PANIC = re.compile(r"^panic: ")
# .NET prints the inner exceptions of an error as " ---> Type: message" lines between it and the stack.
_INNER_EXCEPTION = re.compile(r"^\s*---> ")
# A link of an exception chain whose message is another exception's headline ("ExecutionException:
# x.y.ConnectException: refused") only wraps it: the link that says it first-hand is the cause.
_WRAPPER_LINK = re.compile(
    r"^(?:Caused by:\s*)?(?:[\w$]+\.)*[A-Z][\w$]*(?:Exception|Error|Throwable)(?: \[[^\]]*\])?:\s+"
    r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b:?"
)
_LINK_TYPE = re.compile(r"^(?:Caused by:\s*)?(?:[\w$]+\.)*[A-Z][\w$]*(?: \[[^\]]*\])?:\s*")
_NEXT_IS_STACK = re.compile(r"^(?:at\s|Require stack:|At (?:[A-Za-z]:\\|/|\\\\).*:\d+ char:\d+)")
_RETRY = re.compile(rf"{_RETRYING}|\battempt \d+(?:/\d+)? failed\b", re.IGNORECASE)
_CAUSED_BY = re.compile(r"^Caused by:\s")
_DIGITS = re.compile(r"\d+")
_LAST_ATTEMPT = re.compile(
    r"(?i)\b(?:attempt|retry|try|intento|tentativa|tentative|Versuch|tentativo|próba|poging|försök|forsøg) "
    r"(\d+)\s*(?:/|of|de|von|di|z|van|av|af)\s*(\d+)\b"
)
# A line that says the job stopped trying, or put the retry off to another run: no retry now.
_STOPPED_RETRYING = re.compile(
    r"(?i)\bgiv(?:ing|e) up\b|\bgave up\b|\bafter \d+ (?:retries|attempts|tries)\b|\bno (?:more |further )?retr|"
    r"\b0 retries\b|\bretr(?:y|ies)\b[^.;]{0,20}\b(?:exceeded|exhausted)\b|\bcannot retry\b|"
    r"\b(?:will|please|then) retry (?:later|on|at|the|with|next)\b|\bretry (?:later|the transaction)\b|"
    r"\baucune (?:nouvelle )?tentative\b|\bkeine?n? (?:neuen |weiteren )?Versuch|\bsin (?:más )?reintentos\b|"
    r"\bsem (?:novas )?tentativas\b|\bnessun (?:altro )?tentativo\b"
)
_HOST_OR_URL = re.compile(r"(?<![\w+.-])[a-z][\w+.-]*://\S+|(?<![\w.-])[A-Za-z][\w-]*(?:\.[\w-]+)+")
_XTRACE = re.compile(r"^\++ (?:\w+=\S*\s+)*([\w./-]+)")
_CHAIN_STARTS = ("at ", "Caused by:", "Suppressed:", 'File "', "from /")
_MORE_FRAMES = re.compile(r"^\.\.\. \d+ (?:more|common frames omitted)")
_JAVA_LINK = re.compile(r"^(?:Caused by:\s*)?(?:[\w$]+\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)(?: \[[^\]]*\])?:\s")
# A summary that points back at errors printed before it ("aborted due to compilation errors", "see
# previous errors") is their consequence: the earlier line says what went wrong.
_POINTS_BACK = re.compile(
    r"\b(?:due to|because of|see|after|with) (?:the )?(?:previous|above|earlier|prior|compilation) errors?\b|"
    r"\bbecause (?:an? )?error(?: code \S+)? occurred\b|"
    # (rules-23) or forward, at the error printed under it: 'ORA-31693: ... is being skipped due to error:'
    r"\b(?:due to|because of|with|on) (?:the following )?(?:errors?|exceptions?):\s*$",
    re.IGNORECASE,
)
# A utility's summary that it stopped at its limit of bad rows or warnings ("MAXIMUM ERROR COUNT EXCEEDED", "has
# reached "1" warnings, which is the maximum", "too many rejected records"): the row-level message says why.
_LIMIT_SUMMARY = re.compile(
    r"\breached (?:the )?(?:maximum|max|limit|\"?\d+\"?)\b[^.;]{0,30}"
    r"\b(?:warnings|errors|rejects|rejected (?:rows|records))\b|"
    r"\b(?:maximum|max)(?: number of)? (?:errors|warnings|rejects|bad (?:rows|records))(?: allowed)? "
    r"(?:reached|exceeded)\b|\b(?:maximum|max) (?:error|warning|reject) count (?:reached|exceeded)\b|"
    r"\btoo many (?:errors|warnings|rejects|rejected (?:rows|records)|bad (?:rows|records))\b",
    re.IGNORECASE,
)
# A wrapper's verdict on the step it ran ("job failed with rc=1", "final state TIMEOUT", "file NOT updated"):
# it reports that the tool failed, the tool's own message printed before it says why.
_VERDICT = re.compile(
    r"\b(?:failed|ended|aborted|exit(?:ed|s|ing)?|terminated|finished|stopped|returned)\b[^;]{0,30}?"
    r"\b(?:rc|return ?code|exit ?code|exit status|status|code)\s*(?:[=:]\s*)?-?[1-9]\d*\b|"
    r"\b(?:final|end) (?:state|status)\b|\btimed out waiting for the condition\b|"
    r"\b(?-i:NOT) (?:updated|published|loaded|run|sent|written|created|copied|"
    r"transferred|delivered|applied|refreshed|processed)\b",
    re.IGNORECASE,
)
VERDICT_PENALTY = 10
# A line that says where the full log of a run is kept ("A complete log of this run can be found in: /x").
_LOG_KEPT = re.compile(
    r"\blogs?\b[^/\\]{0,40}\b(?:can be found|is|are|was|were) (?:found |written |saved |kept )?(?:in|at|to)\b"
    r":?\s+[/\\A-Za-z]"
)
# An IBM i job log message of a type that reports detail ("CPF2110  Diagnostic  40 ..."; also Informational,
# Completion): the Escape message that ended the program says why it failed.
_IBMI_DETAIL = re.compile(r"^[A-Z]{3}[0-9A-F]{4}\s+(?:Diagnostic|Informational|Information|Completion)\s+\d{1,2}\b")
# Informix's ISAM error, the storage layer's detail printed under the SQL error that says what failed
# ("-111: ISAM error: no record found." under "908: ..."), weighs the same.
_ISAM_DETAIL = re.compile(r"^\s*-?\d{1,5}: ISAM error\b")
# A line that gives only a code, as a key and one value (npm's "npm ERR! code ENOSPC", "errno -28", Node's
# "code: 'ECONNRESET'"): the error object's message, printed near it, says what the code means and wins.
_BARE_CODE = re.compile(
    r"^(?:[\w.-]+(?: ERR!)?\s+)?(?:code|errno|syscall|error ?code)(?:\s*[:=]\s*|\s+)['\"]?-?[\w.-]+['\"]?,?$",
    re.IGNORECASE,
)
# A shell's report that a command it ran died of a signal ("run.sh: line 12: 4711 Aborted (core dumped) prog",
# ksh's "run.sh[12]: 4711 Abort(coredump)"): the program's own message printed before it says why.
_SIGNAL_REPORT = re.compile(
    r"(?:: line \d+:|\[\d+\]:)\s+\d+\s+(?:Aborted|Abort|Killed|Segmentation fault|Memory fault|Bus error|"
    r"Floating point exception|Illegal instruction|Terminated|Quit)\b"
)
# A header that gives only a code and where it was raised, its message on the next line (Sybase's and SQL
# Server's "Msg 229, Level 14, State 1:" then "Server 'S', Procedure 'p', Line 3:" then the message): the
# message is the line to show, read as the header's code says. Snowflake's clients print the same way: "002003
# (42S02): SQL compilation error:" then "Object 'X' does not exist or not authorized.".
# SQL Server's header in the client's language ("Meldung 9002, Ebene 17, Status 4, Server S, Prozedur p, Zeile 8").
_SQLSERVER_HEADER = (
    rf"{SQLSERVER_MESSAGE} \d+, {SQLSERVER_LEVEL} \d+, "
    r"(?:State|Status|État|Etat|Estado|Stato|Stan) \d+(?:, (?:Server|Serveur|Servidor|Serwer|Procedure|"
    r"Prozedur|Procédure|Procedimiento|Procedura|Procedimento|Procedur) [^,]+)*(?:, (?:Line|Zeile|Ligne|Línea|Riga|"
    r"Linha|Regel|Wiersz) \d+)?"
)
_CODE_HEADER = re.compile(
    rf"^(?:{_SQLSERVER_HEADER}:?|"
    r"(?:[\d:.]+\s+)?\d{6} \([0-9A-Z]{5}\): (?:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}: )?[^:]{0,60}:|"
    r"SQLState = [0-9A-Z]{5}, NativeError = -?\d+)$"  # bcp's, then "Error = [Microsoft]...message"
)
_CODE_TRAILER = re.compile(rf"^{_SQLSERVER_HEADER}\.$")
_HEADER_START = (*(f"{word} " for word in SQLSERVER_MESSAGE_WORDS), "SQLState = ")
# PowerShell's error record: the cmdlet's name, " : ", the message ("Invoke-Sqlcmd : The transaction log ...").
_CMDLET_ERROR = re.compile(r"^[A-Z][a-z]+-[A-Z][A-Za-z]+ : \S")
_HEADER_PLACE = re.compile(r"^(?:Server|Procedure) '[^']*'(?:, (?:Procedure '[^']*'|Line \d+))*:?$")
HEADER_REACH = 3
_PREFIX = re.compile(
    r"^(?:\d{4}[-/]\d{2}[-/]\d{2}[-T ][\d:.,]+\s*|\d{2}/\d{2}/\d{4}\s+[\d:]+\s*)?"
    r"(?:\[?(?:ERROR|FATAL|SEVERE|CRITICAL|E)\]\s*|(?:ERROR|FATAL|SEVERE|CRITICAL)\s+)?"
    r"(?:\[[^\]]{1,40}\]\s*)?(?:[\w.$]{1,80}\s+-\s+)?(?:Caused by:\s*)?"
)
# Words at least one rule needs, lower case: a cheap literal test before the rules' own regexes.
_KEYWORDS = re.compile(
    trie_pattern(
        word
        for word in (
            "no such file", "not found", "cannot", "can't", "could not", "unable to", "denied", "permission",
            "not permitted", "read-only", "no space", "quota", "memory", "killed", "oom", "alloc", "timed out",
            "timeout", "time limit", "runtime", "run time", "exceeded", "refused", "unreachable", "unknown host",
            "name or service", "resolve", "reset", "broken pipe", "closed", "connect", "ora-", "tns-", "sql", "db2",
            "psql", "msg ", "duplicate", "unique", "deadlock", "does not exist", "invalid", "reject", "validation",
            "mismatch", "malformed", "exception", "error", "fail", "fatal", "syntax", "unbound", "module",
            "classnotfound", "noclassdef", "shared", "predecessor", "upstream", "prerequisite", "dependenc",
            "login", "logon", "auth", "kinit", "keytab", "kerberos", "gss", "credential", "unauthorized",
            "forbidden", "token", "signal", "sigkill", "segmentation", "core dumped", "errno", "enoent", "eacces",
            "enospc", "edquot", "enomem", "unterminated", "expecting value", "unparseable", "checksum",
            "locate", "storage space", "abap", "tsv_", "0x8007", "@inc", "530 ", "401", "403", "declare",
            "not allowed", "beyond", "arrive", "exec", "config", "yaml", "secret key", "abend",
            "unexpected end", "truncat", "corrupt", "bad zip", "bad gzip", "premature end",
            "ended before", "not responding", "no response", "certificate", "host key", "authori", "not a gz",
            "not in gz", "not a zip", "not a tar", "not a valid", "unexpected eof", "ends unexpectedly", "dumped core",
            "longer than", "throttl", "rate limit", "rate exceeded", "too many requests", "no such", "empty",
            "conversion", "converting", "out of range", "extra data", "missing data", "to parse", "stale",
            "password is required", "not executable", "cancel", "couldn't", "contact", "manifest", "too great",
            "arithmetic", "no matching", "ambiguous redirect", "array subscript", "readonly variable", "locked",
            "image", "signature", "too long", "exec format", "could not read", "is full", "are full", "errno",
            "option", "usage", "operand", "already exists", "sign in", "signin", "signing in", "lack of",
            "wrote only", "short write", "unexpected at this time", "missing closing",
            *TRANSLATED_FAILURE_WORDS,
        )
    )
)  # fmt: skip
# Besides the finder's error lines and the rule-hint lines, rules are tried on the first and last lines
# whatever their level (jobs print setup and verdict there): a few dozen regex tests, not 10k x the rules.
HEAD_LINES = 25
TAIL_LINES = 40
_FILE_KINDS = frozenset({"paths"})
# Kinds that name a thing to fix; an error code or exception class names only the error itself.
_TARGET_KINDS = frozenset(
    "paths hosts ips urls tables tablespaces constraints users principals modules classes libraries tws_jobs "
    "variables commands".split()
)
# A script file the scheduler runs (the header's JCLFILE, arguments after it).
_SCRIPT_FILE = re.compile(
    r"[\"']?(?<![^\s\"'])((?:/|[A-Za-z]:\\)[^\s\"']+\.(?:sh|ksh|bash|zsh|csh|py|pl|rb|ps1|cmd|bat|awk|sed|php|js|r|tcl))"
    r"(?=[\"']?(?:\s|$))",
    re.IGNORECASE,
)
# A kind's stated form: a login given as a setting or a URL's userinfo (key_entities) before a prose user.
_STATED = {"users": "logins"}
# Families whose host is named with the port the job reached it at, when the joblog states one.
_PORT_FAMILIES = frozenset({"network", "timeout"})
# The rule that reads only that something was thrown: any family's evidence of the same strength says more.
_GENERIC_RULE = "exception"
_MAX_MESSAGE = 240
QUIET_PENALTY = 15
ENTITY_BONUS = 10
CAUSED_BY_BONUS = 5
TRACE_HEADLINE_BONUS = 5
MIN_SCORE = 10
# How far below a Java chain's headline its "Caused by:" links still belong to it, in lines.
CHAIN_REACH = 60
# How long a link's message is at least for a deeper link that contains it to be read as repeating it.
MIN_REPEATED = 20
# How many of the last output lines are searched for the job's own verdict when nothing else explains it.
VERDICT_LINES = 10
# How far before a timeout failed attempts to reach the target still explain it, in lines.
TIMEOUT_CAUSE_WINDOW = 30
RETRY_NOTICE_REACH = 5  # how far below a failure the job's notice that it tries again is read
RETRY_REPEAT_REACH = 30  # how far below a retry notice the same failure says the retry did not get past it
DIAGNOSTIC_REACH = 1  # how far above its error a looking-only command is echoed (the line right above)
# Commands that only look (a job's diagnostics after a failure): their errors say again what failed.
_DIAGNOSTICS = frozenset(
    "ls stat test df du nc ncat ping tnsping telnet nslookup dig host traceroute tracepath id whoami getfacl "
    "findmnt mount free klist which file lsof ss netstat quota".split()
)
_TOOL_PREFIX = re.compile(r"^([a-z][\w.-]*): ")
RERUN_WINDOW = 80  # how far below a retry the attempt's own output is read
RERUN_REACH = 10  # how far above a failure the command that failed is echoed
_ANSWERS = frozenset({"auth", "permission"})  # failures a server states: it was reached
_CONTEXT_LABELS = {
    "users": "user", "principals": "principal", "hosts": "host", "databases": "database", "tables": "table",
    "constraints": "constraint", "columns": "column", "paths": "path", "endpoints": "endpoint",
    "commands": "command", "modules": "module", "classes": "class", "libraries": "library", "tws_jobs": "job",
    "locations": "at", "variables": "variable", "options": "option", "resources": "resource", "keys": "key",
    "error_codes": "code", "destinations": "destination", "jar_entries": "jar entry", "module_files": "file",
    "scripts": "script", "remote_jobs": "remote job", "programs": "program", "inputs": "input",
    "targets": "writing to", "routines": "procedure", "statement_tables": "statement on", "views": "view",
    "summary_objects": "on",
    "started_jobs": "job", "credentials": "account", "applications": "application", "servers": "server",
    "main_classes": "main class", "records": "record", "full_mounts": "file system", "warehouses": "warehouse",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Match:
    """A joblog line a rule recognised, and how strongly it explains the failure."""

    rule: Rule
    line_no: int
    text: str
    score: int
    english: str | None = None  # a localised line as the tool's English message (localised.py)
    translated_from: str | None = None  # the catalogs that gave it ("fr/postgres-15")


class RulesEngine:
    """Annotates a failed run from its joblog alone (plus the run's names for the steps).

    `line_model` (default: the one shipped with the package; None: the rules alone) may put one of the rules'
    near-tied lines in the place of their best when it is clearly more likely to state the failure
    (line_model.py).
    """

    engine = ENGINE

    def __init__(
        self, line_model: LineModel | Literal["shipped"] | None = "shipped", catalog: Catalog | None = None
    ) -> None:
        self.line_model = shipped_model() if line_model == "shipped" else line_model
        self._catalog = catalog

    def annotate(self, run: FailedRun, joblog: Joblog) -> Annotation:
        """The annotation of `run`; never raises on any joblog content."""
        matches = self.matches(joblog, own_job=run.job_name)
        best, chosen_by_model = _best(matches, joblog.lines), None
        if best is not None and self.line_model is not None:
            best, chosen_by_model = _learned_choice(self.line_model, best, matches, joblog)
        best = _explained_kill(_retried(best, matches, joblog.lines), matches)
        best = _explained_ticket(_explained_timeout(best, matches, joblog.lines), matches, joblog.lines)
        context = _context_entities(joblog, best.line_no if best else None)
        if best is None:
            return self._unmatched(run, joblog, context)
        if best.rule.category not in _SETTINGS_MATTER:
            context = _without_tool_settings(context, best.text)
        line_entities = _locations_first(extract([best.english or best.text]), best.english or best.text)
        mark = joblog.lines[best.line_no] if best.line_no < len(joblog.lines) else ""
        if not line_entities.get("paths") and (at := _MARK_ONLY.match(mark)):  # where, by the mark below (rules-24)
            line_entities = {**line_entities, "locations": [f"{at['path']}:{at['line']}"], "paths": [at["path"]]}
        relative = tool_path(best.text) if not line_entities.get("paths") else None
        if relative:  # "tar: a/b.csv: Cannot open: ...": the file, though not by its path (only the line's own)
            line_entities = {**line_entities, "paths": [relative]}
        if best.rule.category in ("disk_full", "permission"):  # a file robocopy could not write: where it went
            body_above = joblog.lines[joblog.frame.body_first_line - 1 : best.line_no - 1]
            if destination := robocopy_destination(best.text, body_above):
                line_entities = {**line_entities, "destinations": [destination]}
        data_set = dd_data_set(best.text, joblog.lines[: best.line_no - 1])
        if data_set:  # the DD's data set, which the message names only by its DD
            line_entities = {**line_entities, "paths": [*line_entities.get("paths", []), data_set]}
        subject = _subject(best.rule, joblog, best.line_no, line_entities, context)
        # (a timed-out statement's table before one named; for a database error it is only named beside the cause)
        if best.rule.category == "timeout" and subject.get("statement_tables") and context.get("tables"):
            near = joblog.lines[best.line_no - 1 : best.line_no + 5]  # not one the error or the lines after name
            if not any(context["tables"][0] in line for line in near):
                context = {**context, "tables": subject["statement_tables"] + context["tables"]}
        entities = merge(line_entities, context, subject)
        kind, entity = _entity(best.rule, line_entities, entities)
        if entity and kind in ("tables", "statement_tables"):  # rules-24: under the schema the job names it by
            entity = qualified_table(entity, joblog.frame.body) or entity
        if best.rule.category == "dependency" and (marker := marker_file(best.english or best.text)):
            kind, entity = "paths", marker  # rules-24: the marker that did not come, before the job to write it
        if best.rule.category == "script_error" and _CONFIGURATION_ERROR.search(best.english or best.text):
            configuration = configuration_near(
                joblog.lines[joblog.frame.body_first_line - 1 : best.line_no - 1], joblog.lines[best.line_no :]
            )
            # the configuration the line names itself, else the one the job gave: the file to fix, not a tool's code
            own = [path for path in line_entities.get("paths", ()) if _CONFIGURATION_NAME.search(path)]
            configuration = own[0] if own else configuration
            if configuration:
                kind, entity = "paths", configuration
        if entity and kind in ("principals", "users") and UUID.match(entity):  # an application by its name too
            body = joblog.lines[joblog.frame.body_first_line - 1 : best.line_no + ID_NAME_REACH]
            if name := name_of_id(entity, body):
                entity = f"{name} ({entity})"
        if entity and kind in ("hosts", "ips") and best.rule.category in _PORT_FAMILIES:
            entity = host_port(entity, joblog.lines[joblog.frame.body_first_line - 1 : best.line_no])
        message = clean_message(best.text)
        if best.rule.category == "data_quality" and entity and _is_configuration(entity, best.text):
            # a configuration file the job could not read is the job's own configuration, not its data
            best = replace(best, rule=EVIDENCE_RULES["script_error"])
        rule = best.rule
        cause_template = rule.cause if entity or "{entity}" not in rule.cause else rule.cause_without_entity
        if "{message}" not in cause_template and "{entity}" not in cause_template:
            # nothing of the joblog is named: the message says what (the file, object or login it is about)
            cause_template += ": {message}"
        fields = _fields(run, entity or run.display_name, message)
        cause = _with_context(cause_template.format(**fields), rule.category, kind, entities)
        steps = [step.format(**fields) for step in best.rule.steps] + [rerun_step(run)]
        runner_up = max((m.score for m in matches if m.rule.category != best.rule.category), default=0)
        confidence = _confidence(best, entity is not None, best.score - runner_up)
        return Annotation(
            run_id=run.run_id,
            root_cause=mask_secrets(cause),
            error_line=mask_secrets(best.text),
            category=best.rule.category,
            steps=[mask_secrets(step) for step in steps],
            confidence=confidence,
            engine=ENGINE,
            prompt_hash=rules_hash(joblog, best.text),
            entities={
                **_masked(entities),
                "rule": best.rule.name,
                **({"line_model": chosen_by_model} if chosen_by_model else {}),
                **({"translated_from": best.translated_from} if best.translated_from else {}),
            },
        )

    def matches(self, joblog: Joblog, own_job: str | None = None) -> list[Match]:
        """Every (rule, line) pair of the job's output, scored; the finder's error lines first.

        `own_job` is the failed job's name: evidence of an unmet predecessor never names the job itself.
        """
        body = joblog.frame.body
        first = joblog.frame.body_first_line
        candidates: dict[int, str] = {error.line_no: error.text for error in joblog.error_lines}
        translations: dict[int, tuple[str, list[Translation]]] = {}
        offsets: set[int] = set(range(min(HEAD_LINES, len(body)))) | set(
            range(max(0, len(body) - TAIL_LINES), len(body))
        )
        # Every line is read as the finder reads its error lines, cut at MAX_CHARS: a 100,000-character line
        # (a dump, a blob) must not cost seconds of regex work, and its cause is stated at its start.
        for line_no in joblog.hint_lines:
            candidates.setdefault(line_no, body[line_no - first].strip()[:MAX_CHARS])
        for offset in sorted(offsets):
            line = body[offset]
            if first + offset in candidates or INFO_LEVEL.search(line) is not None:
                continue  # an INFO/DEBUG line reports progress: it would lose to any cause, and costs ~0.3 ms
            text = line.strip()[:MAX_CHARS]
            if _KEYWORDS.search(line.lower()) is not None:
                candidates[first + offset] = text
            elif self.catalog.has_key(line) and (translated := self.catalog.translate(text)):
                candidates[first + offset] = text  # a localised message of a known tool
                translations[first + offset] = translated
        found: list[Match] = []
        for line_no, text in candidates.items():
            index = line_no - first
            if not text or _NEVER.search(text) or ECHOED_COMMAND.match(text) or _is_python_source(body, index):
                continue
            if _SQL_ECHO.match(text):  # a statement a client echoed
                continue
            if self.catalog.progress_level(text):  # a localised notice ("POZNÁMKA: ... neexistuje, přeskakuji")
                continue
            line_score = _LineScore(
                text,
                _trace_headline_bonus(body, index) - _dropped_absent(body, index, text) - _retried_below(body, index),
            )
            scored = _read(text, line_no, line_score, own_job)
            weak = all(m.rule.name == _GENERIC_RULE or m.rule.weight < 2 for m in scored)
            translated = translations.get(line_no) or self.catalog.translate(text) if weak else None
            if translated and INFO_LEVEL.search(translated[0]) is None:
                # a localised message no rule reads, or reads only as a generic error: read as the tool's
                # English message it translates too (an INFO/NOTICE one stays out, as it would in English)
                english, used = translated
                sources = ", ".join(dict.fromkeys(t.source for t in used))
                scored += [
                    replace(m, text=text, english=english, translated_from=sources)
                    for m in _read(english, line_no, _LineScore(english, line_score.adjustment), own_job)
                ]
            if scored and _UNEXPLAINED.search(text):
                # rules-22: a line that says the status is undocumented and nothing more is known ("status 6, not
                # listed in its return code table, no further detail") gives no family by a word in passing
                scored = [match for match in scored if match.score >= CAUSE_MIN_SCORE]
            if scored and _CODE_LEGEND.search(text):
                scored = []  # rules-23: a legend of a tool's codes says what each would mean, not what happened
            if scored and index > 0 and body[index - 1].strip() and _MARK_ONLY.match(text):
                scored = []  # rules-24: where the message above was found, not the message
            if scored:
                # ties: the rule listed first, but any family's reading before the bare "an exception was thrown"
                found.append(max(scored, key=lambda match: (match.score, match.rule.name != _GENERIC_RULE)))
        found = _raised_instead(_headers_to_messages(found, body, first), body, first)
        return _diagnosed(_unwritten_outputs(found, body, first), body, first)

    @property
    def catalog(self) -> Catalog:
        """The translations of localised messages (the table shipped with the package unless given)."""
        if self._catalog is None:
            self._catalog = shipped_catalog()
        return self._catalog

    def _unmatched(self, run: FailedRun, joblog: Joblog, context: Entities) -> Annotation:
        """No rule recognised a line: point to another log if the job names one, else say what little we know."""
        body, first = joblog.frame.body, joblog.frame.body_first_line
        usable = [e for e in joblog.error_lines if _usable(body, e.line_no - first)]
        # rules-24: a line the finder scored for a code-shaped name alone ("price list PL-2026-N4", "tags FT-101")
        # after any other, unless it says it failed (an error word in any language, a message id of error severity)
        # or is the message a header above introduces ("Error in check(x) :" then "lot 0818-L07-112: ...")
        error = max(usable, key=lambda e: (_says_failure(body, e.line_no - first), e.score, -e.line_no), default=None)
        if error is None:
            error = _verdict_line(body, first)
        pointer = next(
            (
                (line.strip(), m.group("path"))
                for line in reversed(joblog.frame.body[-50:])
                if (m := LOG_POINTER.search(line))
            ),
            None,
        )
        hint = RETURN_CODE_HINTS.get(run.return_code) if run.return_code is not None else None
        category: Category = "unknown"
        if pointer is not None and (error is None or error.score < 2):
            error_line: str | None = pointer[0]
            cause = (
                f"The joblog does not say why {run.display_name} failed (exit code {run.return_code}); "
                f"the job points to {pointer[1]} for details"
            )
            steps = [
                f"Read {pointer[1]} on {run.workstation or 'the job’s workstation'} around the run's end time and "
                "find the first error there.",
                "Fix what that log names, then rerun.",
            ]
            confidence = 0.3
        else:
            error_line = error.text if error is not None else None
            if hint is not None:
                category, cause = hint[0], f"{hint[1]}; the joblog names no specific cause"
            elif error_line:
                cause = f"{run.display_name} failed with: {clean_message(error_line)}"
            else:
                cause = f"{run.display_name} ended with exit code {run.return_code} without printing an error"
            steps = [
                f"Read the full joblog of {run.display_name} and the application's own log on "
                f"{run.workstation or 'its workstation'}; no known failure pattern matched.",
                "Once the cause is known, record it with `twspulse feedback RUN_ID --resolution ...` so the next "
                "occurrence is recognised.",
            ]
            confidence = 0.25 if hint is not None else (0.2 if error_line else 0.1)
        # An unknown cause has no line that states it (tests/data/joblogs/README.md: "null: no line states the
        # cause"): a weak line that only reports the outcome ("step 4 ended RC=8", "Execution failed.") is quoted
        # in the root cause, not offered as the error line. A pointer to another log, an exit code that says
        # something, or a line that says more than an outcome stays the error line.
        verdict = category == "unknown" and error is not None and error.score <= 2 and error_line == error.text
        shown = None if verdict and _OUTCOME.search(error_line or "") else error_line
        return Annotation(
            run_id=run.run_id,
            root_cause=mask_secrets(cause),
            error_line=mask_secrets(shown) if shown else None,
            category=category,
            steps=[mask_secrets(step) for step in [*steps, rerun_step(run)]],
            confidence=confidence,
            engine=ENGINE,
            prompt_hash=rules_hash(joblog, error_line or ""),
            entities={**_masked(context), "rule": None},
        )


def _says_failure(body: tuple[str, ...], index: int) -> bool:
    """Whether line `index` of the output reads as a failure rather than as a code-shaped name alone (rules-24)."""
    text = body[index].strip()[:MAX_CHARS]
    if not code_alone(text) or _SAYS_FAILURE.search(text):
        return True
    header = body[index - 1].rstrip() if index > 0 else ""
    return header.endswith(":") and FAILURE_WORD.search(header) is not None


def _usable(body: tuple[str, ...], index: int) -> bool:
    """A line that may state the failure when no rule read one: not a line no rule may read, a quiet or retry
    line, Python's source line under a frame, or a counter of zero failures (progress)."""
    if not 0 <= index < len(body):
        return False
    text = body[index].strip()[:MAX_CHARS]
    return (
        not (_NEVER.search(text) or _QUIET.search(text) or _is_python_source(body, index))
        and without_zero_counts(text) == text
    )


def clean_message(line: str) -> str:
    """The error line without timestamp, level, logger and "Caused by:", shortened for a root cause."""
    message = _PREFIX.sub("", line.strip(), count=1).strip() or line.strip()
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def rules_hash(joblog: Joblog, error_line: str) -> str:
    """Hash of the rule base's version and the input it read: same joblog and rules, same hash."""
    digest = hashlib.sha256(RULES_VERSION.encode())
    digest.update(str(len(joblog.lines)).encode())
    digest.update(error_line.encode("utf-8", "replace"))
    for error in joblog.error_lines:
        digest.update(error.text.encode("utf-8", "replace"))
    return digest.hexdigest()[:16]


def _read(text: str, line_no: int, line_score: _LineScore, own_job: str | None) -> list[Match]:
    """Every rule's and every family's evidence's reading of one line."""
    probe = without_zero_counts(text)  # "rejected 0" is no evidence, for rules and evidence alike
    # A retry is a symptom the job survived: only a rule's own phrase may still read it as a cause.
    reading = None if _RETRY.search(text) else read_line(probe, own_job)
    shadowed = reading.shadowed if reading else frozenset()
    scored = [
        Match(rule, line_no, text, line_score.of(rule))
        for rule in RULES
        if rule.pattern.search(probe) and (rule.weight >= CODE or rule.category not in shadowed)
    ]
    for evidence in reading.evidence if reading else ():
        rule = replace(EVIDENCE_RULES[evidence.category], weight=evidence.strength)
        match = Match(rule, line_no, text, line_score.of(rule))
        same = [i for i, m in enumerate(scored) if m.rule.category == evidence.category]
        if not same:
            scored.append(match)
        for i in same:  # a rule of the same family keeps its specific wording, at the evidence's score
            scored[i] = replace(scored[i], score=max(scored[i].score, match.score))
    return scored


def _score(rule: Rule, text: str) -> int:
    """How strongly `rule` explains the failure on `text` (without the trace headline bonus)."""
    return _LineScore(text).of(rule)


class _LineScore:
    """What a candidate line adds to the score of every rule that reads it, worked out once per line: its
    level, a pointer back at earlier errors, "Caused by:", a trace's headline, and the kinds of thing it
    names (extracted only when a rule that names one asks)."""

    __slots__ = ("_named", "adjustment", "text")

    def __init__(self, text: str, bonus: int = 0) -> None:
        self.text = text
        self.adjustment = bonus
        if _QUIET.search(text) and not _EVENT_ROW.search(text):
            self.adjustment -= QUIET_PENALTY
        if _POINTS_BACK.search(text) or _LIMIT_SUMMARY.search(text):
            self.adjustment -= QUIET_PENALTY
        if _CAUSED_BY.match(text):
            self.adjustment += CAUSED_BY_BONUS
        if _VERDICT.search(text) or _SIGNAL_REPORT.search(text):
            self.adjustment -= VERDICT_PENALTY
        if _BARE_CODE.match(text.strip()) or _IBMI_DETAIL.match(text) or _ISAM_DETAIL.match(text):
            self.adjustment -= VERDICT_PENALTY
        self._named: frozenset[str] | None = None

    def of(self, rule: Rule) -> int:
        """The score of `rule` on this line."""
        score = rule.weight * 10 + self.adjustment
        if self.names_target_of(rule):
            score += ENTITY_BONUS
        return score

    def names_target_of(self, rule: Rule) -> bool:
        """The line names a thing of the kinds `rule` fixes (a path for a file error, a host for a network one)."""
        return bool(rule.entity_kinds) and not self.named_kinds().isdisjoint(rule.entity_kinds)

    def named_kinds(self) -> frozenset[str]:
        """The kinds of thing to fix the line names."""
        if self._named is None:
            self._named = _target_kinds(self.text)
        return self._named


def _target_kinds(text: str) -> frozenset[str]:
    """The kinds of thing to fix (_TARGET_KINDS) a line names."""
    found = extract_entities([text])
    if not found.get("paths") and tool_path(text):  # "tar: a/b.csv: Cannot open: ..."
        found["paths"] = ["relative"]
    if found.get("hosts"):  # a small word of prose after "Server" names no machine
        found["hosts"] = [host for host in found["hosts"] if not is_prose_word(host)]
    return frozenset(kind for kind in _TARGET_KINDS if found.get(kind))


def _best(matches: list[Match], lines: Sequence[str] = ()) -> Match | None:
    """Highest score; among equals the earliest line, but the deepest "Caused by:" of a Java chain; a dependency
    the job only announced it waits for, the report below that it failed (rules-24)."""
    if not matches:
        return None
    top = max(match.score for match in matches)
    if top < MIN_SCORE:
        return None  # only vague warnings and retries the job survived: not a cause
    tied = sorted((m for m in matches if m.score == top), key=lambda m: m.line_no)
    caused_by = [m for m in tied if _CAUSED_BY.match(m.text)]
    best = caused_by[-1] if caused_by else tied[0]
    if best.rule.category == "dependency" and not FAILURE_WORD.search(best.text):
        # rules-24: a wait the job announced ("waiting for x.done (predecessor Y), max 60 min") gives way to its
        # report below that the dependency failed, naming it without its directory
        best = next(
            (
                m
                for m in sorted(matches, key=lambda m: m.line_no)
                if m.line_no > best.line_no
                and m.rule.category == "dependency"
                and m.score >= top - ENTITY_BONUS
                and FAILURE_WORD.search(m.text)
            ),
            best,
        )
    # A headline of a Java chain whose own cause below says the same family first-hand: the deepest such
    # link is the root, though the headline may name more (a framework's wrapper quotes the statement).
    named = best.rule.category == "network" and _names_target(best)  # where, for a connection that failed
    deeper = [
        m
        for m in sorted(matches, key=lambda m: m.line_no)
        if m.line_no > best.line_no
        and _link_of(m, best, top)
        and not _WRAPPER_LINK.match(m.text)
        and (not named or _names_target(m))  # not a bare "ConnectException: Connection refused" under "h:5432"
    ]
    if not deeper or _CAUSED_BY.match(best.text):
        return _first_to_say(best, matches, lines)
    root = max(deeper, key=lambda m: (m.score, m.line_no))
    # a driver's own exception below repeats its message: the first link that says it is the one to show
    return next(m for m in deeper if _link_message(m.text) == _link_message(root.text))


def _names_target(match: Match) -> bool:
    """The matched line names a thing of the kinds its rule fixes (a host for a network failure), read as the
    line's score reads it."""
    return not _target_kinds(match.text).isdisjoint(match.rule.entity_kinds)


def _link_of(m: Match, anchor: Match, score: int) -> bool:
    """``m`` is a "Caused by:" link of ``anchor``'s chain that could stand for it: the same family, within the
    chain's reach of it (either way) and scoring at most an entity bonus below ``score``."""
    return (
        _CAUSED_BY.match(m.text) is not None
        and m.rule.category == anchor.rule.category
        and abs(m.line_no - anchor.line_no) <= CHAIN_REACH
        and m.score >= score - ENTITY_BONUS
    )


def _first_to_say(best: Match, matches: list[Match], lines: Sequence[str] = ()) -> Match:
    """A deep link of a Java chain that repeats the message of a link above it, with more detail (a driver's
    own error that adds the statement: "Error : 1555, Sql = SELECT ..., Error Msg = ORA-01555: ..."), gives
    way to the first link that says it (within the chain's reach, scoring at most an entity bonus less)."""
    if not _CAUSED_BY.match(best.text):
        return best
    said = _link_message(best.text)
    for m in sorted(matches, key=lambda m: m.line_no):
        if m.line_no >= best.line_no:
            break
        if (
            _link_of(m, best, best.score)
            and len(message := _link_message(m.text)) >= MIN_REPEATED
            and message in best.text
            and message != said
        ):
            return m
        if _same_message_above(m, best, said) and _one_chain(lines, m.line_no, best.line_no):
            return m
    return best


def _one_chain(lines: Sequence[str], first: int, last: int) -> bool:
    """Lines `first` and `last` (1-based) belong to one exception chain: every line between them is a frame,
    a "... 12 more", another link ("Caused by:", "Suppressed:", an exception's headline) or blank; not a trace
    the job handled before another ("WARN spill failed ... INFO continuing")."""
    for text in lines[first : last - 1]:
        line = text.strip()
        if line and not (line.startswith(_CHAIN_STARTS) or _MORE_FRAMES.match(line) or _JAVA_LINK.match(line)):
            return False
    return bool(lines)


def _same_message_above(m: Match, best: Match, said: str) -> bool:
    """``m`` is the chain's headline (or a link) above ``best`` that says its message: a driver's own exception
    under a JDBC one ("SQLTimeoutException: ORA-01013: ..." over "Caused by: OracleDatabaseException: ORA-01013:
    ...", or over "Caused by: Error : 54, ..., Error Msg = ORA-00054: ..."), where the operator quotes the first
    to say it."""
    return (
        m.rule.category == best.rule.category
        and 0 < best.line_no - m.line_no <= CHAIN_REACH  # (whatever the scores: the same failure, said first)
        and _JAVA_LINK.match(m.text.strip()) is not None
        and len(message := _link_message(m.text)) >= MIN_REPEATED
        and (message == said or message in best.text)  # the same, or quoted with more detail (a driver's own)
    )


def _headers_to_messages(found: list[Match], body: tuple[str, ...], first: int) -> list[Match]:
    """A code header's match moved to the message printed under it: the message line wins, read as the
    code says (its own reading of the same family keeps its wording, at the better score)."""
    headers = [
        m for m in found if (m.text.startswith(_HEADER_START) or m.text.endswith(":")) and _CODE_HEADER.match(m.text)
    ]
    # PowerShell's Invoke-Sqlcmd prints the code after its message, as a sentence: "Msg 9002, ..., Line 112."
    trailers = [m for m in found if m.text.startswith(_HEADER_START) and _CODE_TRAILER.match(m.text)]
    if not headers and not trailers:
        return found
    by_line = {m.line_no: m for m in found}
    for header in headers + trailers:
        index = header.line_no - first
        message = _message_below(body, index) if header in headers else _message_above(body, index)
        if message is None or (
            header not in headers and first + message[0] not in by_line and not _CMDLET_ERROR.match(message[1])
        ):
            continue  # (a trailer gives way to a message a rule reads or a cmdlet's error, not to a progress line)
        index, text = message
        line_no = first + index
        existing = by_line.get(line_no)
        if existing is not None and existing.rule.category == header.rule.category:
            by_line[line_no] = replace(existing, score=max(existing.score, header.score))
        elif existing is None or existing.score <= header.score:
            by_line[line_no] = Match(header.rule, line_no, text, header.score)
        # (a message read more strongly in another family than its code keeps its own reading: a backup's
        # "There is not enough space on the disk" under a generic database code is a full disk)
        del by_line[header.line_no]
    return sorted(by_line.values(), key=lambda m: m.line_no)


def _message_above(body: tuple[str, ...], index: int) -> tuple[int, str] | None:
    """The message a code trailer follows: the line right above it, if it is not another code line."""
    above = index - 1
    text = body[above].strip() if above >= 0 else ""
    if not text or _CODE_HEADER.match(text) or _CODE_TRAILER.match(text) or _NEVER.search(text):
        return None
    return above, text


def _message_below(body: tuple[str, ...], index: int) -> tuple[int, str] | None:
    """The message under a code header: the next line that is not the header's place ("Server 'S', Line 3:")."""
    for below in range(index + 1, min(len(body), index + 1 + HEADER_REACH)):
        text = body[below].strip()
        if not text or _HEADER_PLACE.match(text):
            continue
        return None if _CODE_HEADER.match(text) or _NEVER.search(text) else (below, text)
    return None


def _link_message(text: str) -> str:
    """The message of a link of a Java chain, without "Caused by:" and its exception's type."""
    return _LINK_TYPE.sub("", text.strip(), count=1)


# A program by its path ("/opt/x/bin/szbatch", "/opt/x/venv/bin/python"): what read invalid data, not the data
_PROGRAM_PATH = re.compile(r"[/\\]s?bin[/\\][^/\\]+$")
_SLASH_SETTING = re.compile(r"/[A-Za-z]\w*=")


def _is_program(path: str) -> bool:
    """Whether `path` is a program, its code or a command's setting rather than data."""
    return is_code_file(path) or _PROGRAM_PATH.search(path) is not None or _SLASH_SETTING.match(path) is not None


def _entity(rule: Rule, line_entities: Entities, entities: Entities) -> tuple[str | None, str | None]:
    """The thing to name and its kind: from the error line if it names one (its last path: "mv a b" fails
    on b), else nearby; a login stated as a setting nearby before a user the line names in prose. A refused
    permission on a database object the line names (and no file) is about that object, not a file nearby, and
    a refused copy the line names the target of is about that target."""
    if rule.entity_kinds[:1] == ("paths",) and rule.category == "data_quality" and entities.get("inputs"):
        # the data read, not a file the job wrote or logged to nearby, nor the script the line is a place in
        if not any(not is_code_file(path) for path in line_entities.get("paths", ())):
            return "inputs", entities["inputs"][0]
    if rule.category == "permission" and line_entities.get("destinations"):
        return "destinations", line_entities["destinations"][0]  # a refused copy names where it was to go
    if rule.category == "permission" and not line_entities.get("paths") and line_entities.get("tables"):
        return "tables", line_entities["tables"][0]
    for kind in rule.entity_kinds:
        for form, source in _entity_sources(kind, line_entities, entities):
            values = source.get(form)
            if values and rule.category == "data_quality" and kind == "paths":
                # not the program, its code or a command's "/P=20261212" setting (rules-25)
                values = [path for path in values if not _is_program(path)] or (
                    [entities["inputs"][0]] if entities.get("inputs") else []
                )
            if values:
                value = values[-1] if kind in _FILE_KINDS and source is line_entities else values[0]
                return kind, value
    return None, None


def _entity_sources(kind: str, line_entities: Entities, entities: Entities) -> list[tuple[str, Entities]]:
    """Where a `kind` is looked for, in order: its stated form (a login given as a setting) before the
    plain one, each in the line then nearby; a server the job states it talks to only after a host the
    line names itself, but before any other host nearby (the local host a log's header names)."""
    stated = _STATED.get(kind)
    if kind == "hosts":
        return [("hosts", line_entities), ("servers", line_entities), ("servers", entities), ("hosts", entities)]
    if stated is None:
        return [(kind, line_entities), (kind, entities)]
    return [(stated, line_entities), (stated, entities), (kind, line_entities), (kind, entities)]


def _with_context(cause: str, category: str, kind: str | None, entities: Entities) -> str:
    """The root cause plus what the failure happened to (SUBJECT_KINDS) and up to two other things the
    family needs named (the user of a refused login, the database of a failed statement), when the joblog
    names them and the cause does not yet."""
    named: list[str] = []
    lowered = cause.lower()
    subject = next((kind for kind in SUBJECT_KINDS.get(category, ()) if entities.get(kind)), "")
    for kind_named in (subject, *SUBJECT_ALSO.get(category, ())):
        if kind_named == "servers" and kind in ("hosts", "ips", "urls"):
            continue  # the cause names where it failed to go; a server stated elsewhere would confuse it
        subjects = entities.get(kind_named)
        if subjects and subjects[0].lower() not in lowered:
            named.append(f"{_CONTEXT_LABELS[kind_named]} {subjects[0]}")  # not one of the two below
            lowered += " " + subjects[0].lower()
    limit = len(named) + 2
    for other in CONTEXT_KINDS.get(category, ()):
        values = entities.get(_STATED.get(other, other)) or entities.get(other)
        if other == kind or not values or values[0].lower() in lowered:
            continue
        named.append(f"{_CONTEXT_LABELS.get(other, other)} {values[0]}")
        lowered += " " + values[0].lower()
        if len(named) == limit:
            break
    return f"{cause} ({', '.join(named)})" if named else cause


def _verdict_line(body: tuple[str, ...], first: int) -> ErrorLine | None:
    """The job's own verdict when no line explains the failure: the last of its final lines that reports
    a non-zero exit status ("step 4 ended RC=8", "process exited with status 3")."""
    for index in range(len(body) - 1, max(-1, len(body) - 1 - VERDICT_LINES), -1):
        text = body[index].strip()
        codes = extract_entities([text]).get("exit_codes", []) if text and not _QUIET.search(text) else []
        if any(code.lstrip("-") not in ("", "0") for code in codes):
            return ErrorLine(first + index, text, 1)
    return None


def _said_after_type(headline: str) -> str:
    """A Python headline's message, without its exception's type ("x.ReadTimeout: read timed out" -> "read timed
    out")."""
    return headline.partition(": ")[2].strip() or headline.strip()


def _raised_instead(found: list[Match], body: tuple[str, ...], first: int) -> list[Match]:
    """The match of an exception a Python program was handling when it raised another ("During handling of
    the above exception, another exception occurred:" below it) moved to the exception it raised, the headline
    of the next traceback: that one is the failure the program reports. So is an exception another wraps
    ("The above exception was the direct cause of the following exception:", rules-21) when the wrapper says
    its message again (httpx's, requests', SQLAlchemy's own type over the driver's). Not when the raised one reads as
    another family of its own (a wrapper's "RuntimeError: step 3 failed" over a refused connection: the scores
    decide), nor onto an exit (`SystemExit`, `KeyboardInterrupt`), which says nothing of the failure."""
    by_line = {m.line_no: m for m in found}
    for match in found:
        index = match.line_no - first
        after = next((i for i in range(index + 1, min(len(body), index + 3)) if body[i].strip()), None)
        if after is None or not body[after].startswith((_DURING_HANDLING, _DIRECT_CAUSE)):
            continue
        reach = range(after + 1, min(len(body), after + CHAIN_REACH))
        raised = next((i for i in reach if _RAISED.match(body[i])), None)
        if raised is None:
            continue
        if body[after].startswith(_DIRECT_CAUSE) and _said_after_type(match.text) not in body[raised]:
            continue  # a wrapper of its own words ("StatusError: block 6 failed") does not say it again
        existing = by_line.get(first + raised)
        if existing is not None and existing.rule.category != match.rule.category:
            continue  # the raised one says something else of its own: the scores decide, as ever
        if existing is None or existing.score < match.score:
            by_line[first + raised] = replace(match, line_no=first + raised, text=body[raised].strip())
        del by_line[match.line_no]
    return sorted(by_line.values(), key=lambda m: m.line_no)


def _diagnosed(found: list[Match], body: tuple[str, ...], first: int) -> list[Match]:
    """What a job's diagnostics report after a failure is that failure seen again, not another cause: the error of
    a command that only looks (`ls`, `df`, `nc`, `ping`, `id`... by its own "ls: " or as the command echoed just
    above) after an earlier failure strong enough to have stopped the job gets a penalty (QUIET_PENALTY)."""
    looks = {m.line_no for m in found if _diagnostic_of(m, body, first) is not None}
    causes = [m.line_no for m in found if m.score >= CAUSE_MIN_SCORE and m.line_no not in looks]
    if not causes:
        return found
    earliest = min(causes)
    repeated = {line_no for line_no in looks if line_no > earliest}
    return [replace(m, score=m.score - QUIET_PENALTY) if m.line_no in repeated else m for m in found]


def _diagnostic_of(match: Match, body: tuple[str, ...], first: int) -> str | None:
    """The looking-only command whose error `match` is (its name starts the line, or it was echoed right above
    it), or None."""
    named = _TOOL_PREFIX.match(match.text)
    if named:
        return named.group(1) if named.group(1) in _DIAGNOSTICS else None
    command = _echoed_above(body, match.line_no - first + 1, _command_of, DIAGNOSTIC_REACH)
    name = command.rsplit("/", 1)[-1] if command is not None else None
    return name if name in _DIAGNOSTICS else None


def _unwritten_outputs(found: list[Match], body: tuple[str, ...], first: int) -> list[Match]:
    """A missing file that an earlier failed command was to write (its "-o x", "--output x" or copy target,
    or a file under it) is that failure's consequence: "ls: cannot access x" or "jq: could not open x/report.json"
    after the program meant to write x was killed or could not start. It gets a penalty (QUIET_PENALTY)."""
    causes = [m for m in found if m.rule.category != "missing_file" and m.score >= CAUSE_MIN_SCORE]
    if not causes or all(m.rule.category != "missing_file" for m in found):
        return found
    kept = []
    for match in found:
        cause = next((c for c in causes if c.line_no < match.line_no), None)
        if match.rule.category == "missing_file" and cause is not None:
            above = body[max(0, cause.line_no - first - OUTPUT_REACH) : cause.line_no - first]
            outputs = [target.rstrip("/\\") for line in above if (target := target_of(line))]
            paths = extract_entities([match.text]).get("paths", [])
            if any(path == out or path.startswith((out + "/", out + "\\")) for path in paths for out in outputs):
                match = replace(match, score=match.score - QUIET_PENALTY)
        kept.append(match)
    return kept


def _dropped_absent(body: tuple[str, ...], index: int, text: str) -> int:
    """A penalty for "does not exist" answering a DROP of that object (a script that drops a work table
    before it creates it): the object was not there to drop, which is what the script wanted."""
    if not _ABSENT.search(text):
        return 0
    lowered = text.lower()
    for line in body[max(0, index - DROP_REACH) : index]:
        drop = _DROP.match(line)
        if drop and drop.group(1).strip("\"'`[]").lower().rsplit(".", 1)[-1] in lowered:
            return QUIET_PENALTY  # the object the DROP named
    return 0


def _is_frame(line: str) -> bool:
    """A frame of a stack trace (Python's 'File "x.py", line 3', Java's and Node's "at ...", Ruby's "from")."""
    return _FRAME.match(line) is not None


def _is_python_source(body: tuple[str, ...], index: int) -> bool:
    """The indented line of code Python prints under a frame of a traceback (never the error itself)."""
    return 0 < index < len(body) and body[index][:1] in (" ", "\t") and _PY_FRAME.match(body[index - 1]) is not None


def _trace_headline_bonus(body: tuple[str, ...], index: int) -> int:
    """A bonus for the headline of a trace: the exception line that ends a Python traceback (right under
    an indented source line), a Go panic, an error line right above its stack or its "At file:line".

    .NET's inner exceptions (" ---> ...") continue the headline above them: it gets the bonus, they do not.
    """
    text = body[index].strip()
    if _INNER_EXCEPTION.match(text) or _WRAPPER_LINK.match(text):
        return 0
    previous = body[index - 1] if index > 0 else ""
    after = index + 1
    while after < len(body) and _INNER_EXCEPTION.match(body[after]):
        after += 1
    following = body[after].strip() if after < len(body) else ""
    if _PANIC.match(text) or (_PY_HEADLINE.match(text) and previous[:1] in (" ", "\t") and previous.strip()):
        return TRACE_HEADLINE_BONUS
    if _NEXT_IS_STACK.match(following) and not _NEVER.search(text) and not text.startswith("at "):
        return TRACE_HEADLINE_BONUS
    return 0


def _context_entities(joblog: Joblog, line_no: int | None) -> Entities:
    """Entities near the error line, then in the other error lines, then where jobs print their targets.

    The engine's header is left out: its USER is the account the job runs as, not the login or object
    the failure is about. The place in the job's code is searched up to a screen above the error line
    (Python prints its frames before the error) and a few lines below (Java prints them after).
    """
    lines = joblog.lines
    near: list[str] = []
    located: Entities = {}
    stated: Entities = {}
    if line_no is not None:
        body_start = joblog.frame.body_first_line - 1
        start, end = max(body_start, line_no - 6), min(len(lines), line_no + 5)
        # Frames of a trace name the job's code, not the data it worked on: they give the location only.
        # The nearest neighbour first (the line above before the one below): a message names its object
        # next to it, while a progress line further up names whatever the job did before.
        order = sorted(range(start, end), key=lambda i: (abs(i - (line_no - 1)), i))
        # A line that says where a log is kept names where to read more, not the object of the failure.
        near = [lines[i].strip() for i in order if not _is_frame(lines[i]) and not _names_a_log(lines[i])]
        location = code_location(lines[max(body_start, line_no - 40) : min(len(lines), line_no + 12)])
        located = {"locations": [location]} if location else _job_script(joblog)
        login = login_above(lines[body_start : line_no - 1])
        stated = {"logins": [login]} if login else {}
    errors = [error.text for error in joblog.error_lines]
    head = [line.strip() for line in joblog.frame.body[:12] if not _is_frame(line)]
    found = merge(located, stated, extract(near), extract(errors), extract(head))
    own = lines[line_no - 1] if line_no is not None else ""
    field = invalid_field(own, lines[line_no : line_no + INVALID_FIELD_BELOW]) if line_no is not None else None
    if field:  # the field a model's validation refused, under its header (rules-23)
        found = merge({"columns": [field]}, found)
    if _REMOTE_OBJECT.search(own) and any(_SHARE.match(path) for path in found.get("paths", ())):
        # "NT_STATUS_ACCESS_DENIED opening remote file \x": the share the job talked to, not a local folder
        found["paths"] = sorted(found["paths"], key=lambda path: _SHARE.match(path) is None)
    return found


def _without_tool_settings(context: Entities, own: str) -> Entities:
    """`context` without a tool's own settings in the home directory ("smbclient -A ~/.smbcred", "~/.mc",
    "~/.sqliterc"): what the tool read to start, not what a refused, missing or full object is (rules-22). Kept
    when the error line names them, and for a refused login or a configuration error (_SETTINGS_MATTER)."""
    paths = context.get("paths", ())
    kept = [path for path in paths if path in own or not _TOOL_SETTING.match(path)]
    return context if len(kept) == len(paths) else {**context, "paths": kept}


def _subject(rule: Rule, joblog: Joblog, line_no: int, line_entities: Entities, context: Entities) -> Entities:
    """What the failure `rule` read at `line_no` happened to (SUBJECT_KINDS: the first kind found, and the
    SUBJECT_ALSO kinds), read from the lines up to it (and, for a routine, a program bash reports, a server's
    diagnostics or a data file's row, the few below). Where the job was writing is named only when the line
    names no data path (a script's own location does not count) and, for a refused access, no table either,
    and then only a store or share (a download refused was a read); an account or a server only when the line
    names no user, host or URL of its own."""
    category = rule.category
    lines = joblog.lines[joblog.frame.body_first_line - 1 : line_no]
    found: Entities = {}
    header = joblog.frame.header
    command = [header.jcl_file] if header is not None and header.jcl_file else []  # what the scheduler ran
    for kind in SUBJECT_ALSO.get(category, ()):
        if kind == "main_classes":
            value = main_class(joblog.lines[line_no : line_no + PROGRAM_TRACE_REACH]) or class_started(lines)
        elif kind == "warehouses":
            value = (
                warehouse_near(lines[:-1], joblog.lines[line_no : line_no + WAREHOUSE_REACH])
                if "warehouse timeout" in lines[-1]
                else None
            )
        elif kind == "full_mounts":
            value = full_mount(lines[:-1], joblog.lines[line_no : line_no + FULL_MOUNT_REACH])
        elif kind == "records":
            value = record_near(joblog.lines[line_no - 1], lines[:-1], joblog.lines[line_no : line_no + RECORD_BELOW])
        else:
            value = application_above(lines) or application_above(command)
        if value:
            found[kind] = [value]
    return merge(found, _first_subject(rule, joblog, line_no, line_entities, lines, context))


def _first_subject(
    rule: Rule, joblog: Joblog, line_no: int, line_entities: Entities, lines: Sequence[str], context: Entities
) -> Entities:
    """The first of the family's SUBJECT_KINDS the lines up to the error (`lines`) name; for a lock conflict whose
    statement is not echoed above, the table of the deadlock report below it (rules-25); the object the job's own
    summary names in the error lines right below, when a line above names it too ("summary_objects", rules-26)."""
    category = rule.category
    below = joblog.lines[line_no : line_no + 3]
    for kind in SUBJECT_KINDS.get(category, ()):
        if kind == "programs":
            trace = joblog.lines[line_no : line_no + PROGRAM_TRACE_REACH]
            if category == "timeout":  # the program GNU timeout stopped, by its report (rules-23)
                value = stopped_by_timeout(joblog.lines[line_no - 1], lines[:-1])
            elif category == "script_error":  # the ABAP program of the SAP step whose runtime error this is (rules-21)
                value = sap_step_program(lines) if sap_runtime_error(joblog.lines[line_no - 1]) else None
            else:
                value = program_reported(trace) or program_above(lines) or _job_program(joblog)
        elif kind == "inputs":
            value = input_above(lines, below)
            if value and not _ROOTED.match(value):  # a file by its name alone: its path, if the joblog gives it
                value = with_directory(value, joblog.lines[joblog.frame.body_first_line - 1 :])
            if value and not _ROOTED.match(value):
                if any(is_data_file(path) for path in (*line_entities.get("paths", ()), *context.get("paths", ()))):
                    continue  # the lines around the error name a data file by its path
        elif kind == "targets":
            # a path relative to where the job ran ("tar: a/b.nc: Cannot write") names no file system
            named = any(not is_code_file(path) and _ROOTED.match(path) for path in line_entities.get("paths", ()))
            refused = category == "permission"
            if named or (refused and line_entities.get("tables")):
                continue
            value = target_above(lines, remote_only=refused)
        elif kind == "routines":
            value = routine_near(lines[:-1], joblog.lines[line_no : line_no + ROUTINE_BELOW])
        elif kind == "statement_tables":
            value = statement_table_above(lines[:-1])
            if value is None and rule.name == "deadlock":  # rules-25: the first statement its report shows
                value = statement_table_above(joblog.lines[line_no : line_no + DEADLOCK_REPORT_REACH], first=True)
        elif kind == "summary_objects":  # rules-26: what the job's own summary says the failure was on
            after = [error.text for error in joblog.error_lines if line_no < error.line_no <= line_no + SUMMARY_REACH]
            value = summarised_object(after, lines[:-1])
        elif kind == "views":  # rules-26: the view the job said it read, when no statement is echoed
            value = view_above(lines[:-1])
        elif kind == "credentials":
            users = (*line_entities.get("users", ()), *line_entities.get("logins", ()))
            if any(not UUID.match(user) for user in users):
                continue  # the refusal names its user ("password authentication failed for user x"), not an app's id
            value = credential_above(lines) or wallet_account(lines, joblog.lines[line_no : line_no + WALLET_REACH])
        elif kind == "servers":
            if line_entities.get("hosts") or line_entities.get("ips") or line_entities.get("urls"):
                continue  # the failure names where it went
            value = server_near(lines, joblog.lines[line_no : line_no + SERVER_BELOW])
        else:
            value = job_above(lines[:-1])
        if value:
            return {kind: [value]}
    return {}


def _names_a_log(line: str) -> bool:
    """Whether the line points to a log file ("see /x/y.log", "a complete log ... can be found in: /x")."""
    return LOG_POINTER.search(line) is not None or _LOG_KEPT.search(line) is not None


def _job_script(joblog: Joblog) -> Entities:
    """The script the scheduler ran (the header's JCLFILE), when it is a script: where a script error
    that names no place in the job's code (a tool's usage error, a shell message) is to be fixed."""
    header = joblog.frame.header
    match = _SCRIPT_FILE.match(header.jcl_file) if header is not None and header.jcl_file else None
    return {"scripts": [match.group(1)]} if match else {}


def _locations_first(line_entities: Entities, text: str) -> Entities:
    """The line's paths with those it gives as a place in code ("at /x/a.pl line 12", "in /x/a.php on line
    4") first: the last path of a line is what it failed on ("mv a b" fails on b) unless it is where."""
    paths = line_entities.get("paths", [])
    if len(paths) < 2 or " line " not in text:
        return line_entities
    places = [path for path in paths if re.search(re.escape(path) + r",? (?:on )?line \d", text)]
    return {**line_entities, "paths": places + [path for path in paths if path not in places]}


def _job_program(joblog: Joblog) -> str | None:
    """The program the scheduler's command (the header's JCLFILE) starts, else that command's first word."""
    header = joblog.frame.header
    started = program_above([header.jcl_file]) if header is not None and header.jcl_file else None
    return started or _job_command(joblog)


def _job_command(joblog: Joblog) -> str | None:
    """The command the scheduler ran (the first word of the header's JCLFILE), when it is a path."""
    header = joblog.frame.header
    command = header.jcl_file.split()[0].strip("\"'") if header is not None and header.jcl_file else ""
    return command if command[:1] in ("/", "\\") or command[1:3] == ":\\" else None


def _fields(run: FailedRun, entity: str, message: str) -> dict[str, str]:
    return {
        "entity": entity,
        "message": message,
        "job": run.display_name,
        "workstation": run.workstation or "the job's workstation",
        "rc": "?" if run.return_code is None else str(run.return_code),
    }


def _confidence(best: Match, has_entity: bool, margin: int) -> float:
    """How specific the match was: the rule's weight, a named entity, and how clearly it beat other families."""
    confidence = {1: 0.45, 2: 0.6, 3: 0.75}.get(best.rule.weight, 0.85)
    if has_entity:
        confidence += 0.07
    if margin < 5:
        confidence -= 0.15
    if _QUIET.search(best.text):
        confidence -= 0.1
    return round(max(0.05, min(0.95, confidence)), 2)


def _masked(entities: Entities) -> dict[str, list[str]]:
    return {kind: [mask_secrets(value) for value in values] for kind, values in entities.items()}


def _learned_choice(model: LineModel, best: Match, matches: list[Match], joblog: Joblog) -> tuple[Match, str | None]:
    """The near-tie the line model clearly prefers to the rules' best line, and what it did (None: the
    rules' best stands).

    The near-ties are the lines the rules read within one entity bonus of their best and at least at their
    minimum score; if the best names the thing to fix, they must name theirs too; never a link of a Java
    chain (`_best` chose among those by the chain's structure). The chosen line keeps the rules' reading
    of it, and a time limit or a kill explained by another line is explained afterwards, as ever."""
    if _CAUSED_BY.match(best.text):
        return best, None
    first = joblog.frame.body_first_line
    named = _names_its_target(best)
    # rules-22: never another copy of the best's own message that differs only in its numbers (the next file of
    # the same refused copy): the rules chose among those, and the model has no ground to choose
    same = _DIGITS.sub("", best.text.strip())
    indexes = {
        m.line_no - first
        for m in matches
        if m.score >= max(best.score - ENTITY_BONUS, MIN_SCORE)
        and (not named or _names_its_target(m))
        and not _CAUSED_BY.match(m.text)
        and (m.line_no == best.line_no or _DIGITS.sub("", m.text.strip()) != same)
    }
    preference = preferred_line(model, joblog.frame.body, indexes, best.line_no - first)
    if preference is None:
        return best, None
    line_no = first + preference.index
    chosen = max((m for m in matches if m.line_no == line_no), key=lambda m: m.score)
    return chosen, f"{model.trained_on}: line {line_no} scored {preference.score:.2f} over {preference.over:.2f}"


def _names_its_target(match: Match) -> bool:
    """The matched line names a thing of the kinds its rule fixes."""
    return _LineScore(match.text).names_target_of(match.rule)


def _retried_below(body: Sequence[str], index: int) -> int:
    """QUIET_PENALTY when the job says, on one of the RETRY_NOTICE_REACH lines below `body[index]`, that it tries
    again ("attempt 1 failed with 209, retrying in 60s", "retry 1/3 after 15 s"): the failure was one the job
    went on from, as if the line said so itself. Not when the next attempt fails the same way (the same line
    but for its numbers within RETRY_REPEAT_REACH lines): the job did not get past it. 0 otherwise. (Lines are
    read cut at MAX_CHARS, as every line is.)"""
    text = body[index][:MAX_CHARS]
    below = [line[:MAX_CHARS] for line in body[index + 1 : index + 1 + RETRY_REPEAT_REACH]]
    if _RETRY.search(text) or not any(map(_tries_again, below[:RETRY_NOTICE_REACH])):
        return 0
    same = _DIGITS.sub("", text.strip())
    if any(_DIGITS.sub("", line.strip()) == same for line in below):
        return 0
    return QUIET_PENALTY


def _tries_again(line: str) -> bool:
    """The line says the job tries again now: a retry, or a failed attempt that was not its last ("attempt 1/3
    failed"; "Attempt 3/3 failed" is the last, in any language). Not a line that says it stopped trying ("giving
    up after 3 retries", "no more retries"), that puts it off ("will retry on next schedule", "please retry
    later"), nor a command echoed with a retry option (`+ curl --retry 3`)."""
    if not _RETRY.search(line) or ECHOED_COMMAND.match(line) or _STOPPED_RETRYING.search(line):
        return False
    return not any(last.group(1) == last.group(2) for last in _LAST_ATTEMPT.finditer(line))


def _retried(best: Match | None, matches: list[Match], lines: Sequence[str]) -> Match | None:
    """A connection that failed and that the job then tried again (the same command run again, perhaps against
    another server, or else its own retry notice within RETRY_NOTICE_REACH lines) was survived when the next
    attempt was answered by the server with a refusal: a login refused, or an access denied, within the attempt
    (up to the next run of the same command, at most RERUN_WINDOW lines). What that attempt hit is the failure.
    So is a refusal the same program's next run got from another server, or about an object on the far side
    (rules-22, `_reached_elsewhere`). Not a database's own error: a driver reports a lost link in those words
    too."""
    if best is None or best.rule.category != "network":
        return best
    later = [
        m for m in matches if m.line_no > best.line_no and m.rule.category in _ANSWERS and m.score >= CAUSE_MIN_SCORE
    ]
    if not later:
        return _rerun_answered(best, matches, lines)
    reached = _reached_elsewhere(best, later, lines)
    if reached is not None:
        return reached
    command = _command_above(lines, best.line_no)
    last = max(m.line_no for m in later)
    reruns = _echoed_again(lines, best.line_no + 1, last, _command_shape, command) if command is not None else []
    if command is None:  # no command to run again: the job's own notice that it tries again
        reruns = [
            no
            for no in range(best.line_no + 1, min(last, best.line_no + RETRY_NOTICE_REACH + 1))
            if _tries_again(lines[no - 1][:MAX_CHARS])
        ]
    for start, end in zip(reruns, [*reruns[1:], len(lines) + 1][: len(reruns)], strict=True):
        attempt = [m for m in later if start < m.line_no < min(end, start + RERUN_WINDOW)]
        if attempt:
            return max(attempt, key=lambda m: (m.score, -m.line_no))
    return best


def _rerun_answered(best: Match, matches: list[Match], lines: Sequence[str]) -> Match:
    """rules-23: a command whose connection failed, run again right away (within RETRY_NOTICE_REACH lines) and not
    failing so again, was survived ("+ curl -sf x/health", "curl: (22) ... 503", "+ sleep 15", "+ curl -sf x/health",
    its answer): the strongest later failure of another family that reads as a cause is the job's, not the
    connection that the next attempt made."""
    command = _command_above(lines, best.line_no)
    if command is None:
        return best
    reruns = _echoed_again(
        lines, best.line_no + 1, min(len(lines), best.line_no + RETRY_NOTICE_REACH) + 1, _command_shape, command
    )
    rerun = reruns[0] if reruns else None
    if rerun is None or any(
        m.rule.category == "network" and rerun < m.line_no <= rerun + RERUN_WINDOW for m in matches
    ):
        return best
    others = [m for m in matches if m.line_no > rerun and m.rule.category != "network" and m.score >= CAUSE_MIN_SCORE]
    return max(others, key=lambda m: (m.score, -m.line_no)) if others else best


def _reached_elsewhere(best: Match, later: list[Match], lines: Sequence[str]) -> Match | None:
    """The first later refusal that shows the job reached a server after the connection of `best` failed
    (rules-22): the program that failed was run again (echoed within RERUN_WINDOW lines above the refusal) and
    the refusal names another server than the failed one ("Connection refused (db02:9000)", then "Received from
    db01:9000 ... Not enough privileges": the client went on with another node), or is about an object on the
    far side ("NT_STATUS_ACCESS_DENIED making remote directory \\x"). Another program's refusal is another
    step's failure, not the same one's next attempt. None when no refusal shows it."""
    program = _program_above(lines, best.line_no)
    if program is None:
        return None
    last = max(match.line_no for match in later)
    reruns = _echoed_again(lines, best.line_no + 1, last, _command_of, program)
    failed = _servers(best.text)
    for match in later:
        if not any(0 < match.line_no - no <= RERUN_WINDOW for no in reruns):
            continue
        if _REMOTE_OBJECT.search(match.text):
            return match
        named = _servers(match.text)
        if failed and named and failed.isdisjoint(named):
            return match
    return None


def _program_above(lines: Sequence[str], line_no: int) -> str | None:
    """The program of the command echoed last within RERUN_REACH lines above line `line_no` (_command_of)."""
    return _echoed_above(lines, line_no, _command_of)


def _servers(text: str) -> frozenset[str]:
    """The host names and addresses a line names, lower case."""
    found = extract_entities([text])
    return frozenset(value.lower() for value in (*found.get("hosts", ()), *found.get("ips", ())))


def _command_above(lines: Sequence[str], line_no: int) -> str | None:
    """The shape (_command_shape) of the command echoed last within RERUN_REACH lines above line `line_no`."""
    return _echoed_above(lines, line_no, _command_shape)


def _echoed_again(
    lines: Sequence[str], first: int, end: int, read: Callable[[str], str | None], value: str
) -> list[int]:
    """The numbers (1-based, `first` to `end` - 1) of the lines whose echoed command `read` gives `value`: the
    command of a failure run again."""
    return [no for no in range(first, end) if read(lines[no - 1][:MAX_CHARS]) == value]


def _echoed_above(
    lines: Sequence[str], line_no: int, read: Callable[[str], str | None], reach: int = RERUN_REACH
) -> str | None:
    """What `read` gives of the command echoed last within `reach` lines above line `line_no` (1-based)."""
    for index in range(line_no - 2, max(-1, line_no - 2 - reach), -1):
        if (value := read(lines[index][:MAX_CHARS])) is not None:
            return value
    return None


def _command_shape(line: str) -> str | None:
    """A command the shell echoed before running it ("+ curl -sS https://h/x"), with its URLs, host names and
    numbers left out: the same command against another server has the same shape. None for another line."""
    if _XTRACE.match(line) is None:
        return None
    return _DIGITS.sub("", _HOST_OR_URL.sub("", line.strip()))


def _command_of(line: str) -> str | None:
    """The program of a command the shell echoed before running it ("+ curl -sS ..." is curl)."""
    echoed = _XTRACE.match(line)
    return echoed.group(1) if echoed else None


_PYTHON_WARNING = re.compile(r"\.py:\d+: (?:[A-Z][a-z]+)*Warning: ")


def _explained_timeout(best: Match | None, matches: list[Match], lines: Sequence[str] = ()) -> Match | None:
    """A time limit hit right after failed attempts to reach the target (even logged as warnings) is
    explained by them: the target was unreachable, the wait for it ran out. Retries are not counted:
    a retry (said on the attempt's line or after it, before the time limit) says the job went on trying, and
    what it then hit is the failure. Nor is a Python warning (rules-26: pandas' "UserWarning: ... connectable
    (engine/connection)" is advice about the code, not an attempt)."""
    if best is None or best.rule.category != "timeout":
        return best
    earlier = [
        m
        for m in matches
        if m.rule.category == "network"
        and not _PYTHON_WARNING.search(m.text)
        and best.line_no - TIMEOUT_CAUSE_WINDOW <= m.line_no < best.line_no
        and not _RETRY.search(m.text)
        and not any(map(_tries_again, lines[m.line_no : best.line_no - 1]))
    ]
    return min(earlier, key=lambda m: m.line_no) if earlier else best


def _explained_ticket(best: Match | None, matches: list[Match], lines: tuple[str, ...]) -> Match | None:
    """A Kerberos refusal after `kinit` failed ("kinit: Preauthentication failed ...") is that failure's
    consequence: the ticket it would have used was never obtained, so kinit's own message is the cause. Not
    when a ticket was obtained in between (a retry that worked), nor for a refusal of another kind (a
    database password): those say something of their own."""
    if best is None or best.rule.category != "auth" or best.text.startswith(_KINIT):
        return best
    if best.rule.name != "kerberos" and _KERBEROS_WORDS.search(best.text) is None:
        return best
    kinit = next((m for m in matches if m.line_no < best.line_no and m.text.startswith(_KINIT)), None)
    if kinit is None or any(_TICKET_OBTAINED.search(line) for line in lines[kinit.line_no : best.line_no - 1]):
        return best
    return kinit


def _explained_kill(best: Match | None, matches: list[Match]) -> Match | None:
    """A SIGKILL is the OOM killer's signature unless the joblog announces a time limit that sent it (a
    scheduler or wrapper timeout, often logged as a warning): then the time limit is the cause."""
    if best is None or best.rule.name != "killed":
        return best
    limits = [m for m in matches if m.rule.category == "timeout"]
    return max(limits, key=lambda m: m.score) if limits else best
