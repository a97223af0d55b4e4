"""What a root cause names: the shared extraction's entities, read the way messages name the thing to fix.

`twspulse.joblog.entities` finds every name a line holds. Choosing the one an operator must act on
needs a few more readings of how messages name things, whatever tool printed them:

- a login stated as a setting (`user=X`, `username: X`, `"user": "X"`) or as a URL's userinfo
  (`scheme://user@host`) is kept as a `logins` entity: it outranks a word that merely follows "user"
  in prose ("or user locked out");
- a table (or schema, sequence...) that is the object of the message ("permission denied for table X") comes
  before a label that starts with the word "Table" (a step called "Table input.0"), and a dotted name
  whose last part is a number is a copy number, not a table;
- a domain-like label key (`app.example.io/name=x`) is not a host;
- a path given as the scope or ID of a resource (`over scope '/a/b/name'`) is not a file: its last
  segment is the resource; a quoted action path (`action 'Provider/things/read'`) is not a file either;
- an object named after its kind in quotes (`release "x"`, `deployment "x"`) is a resource;
- a destination the job labels (`Dest : X`, `target=X`) is where a write ran out of space, and the URL a
  copy or upload goes to ("Copying a to gs://b/x") is where a refused write was to go;
- a z/OS system completion code (`ABEND=S0C7`, `COMPLETION CODE=0C7`) is an error code (`S0C7`);
- an object of a store stated as a setting (`key=a/b/x.csv.gz`, `Key: x.parquet`, `blob_name=a/b`) is the
  resource a "not found" or "denied" of the store's API is about;
- a credential file given as an option (`--password-file X`, `--key-file=X`) is the key a refused login used;
- the login a job stated before the failure ("connecting to h as X", "logging in as X"): the nearest above
  the error line is the account of a refused login;
- a Java class is also named by its entry in a jar (`org/x/Y.class`), what to search the jars for; a
  class the JVM printed in that form (`NoClassDefFoundError: org/x/Y`) is the same class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from twspulse.joblog.entities import Entities, extract_entities, is_code_value, is_host_name, merge
from twspulse.joblog.error_lines import MAX_CHARS
from twspulse.models.annotate.evidence import MARKER_FILE, abend_codes
from twspulse.models.annotate.keyword_filter import KeywordSet

# A login given as a setting or in a URL: "user=etl", "sfdc.username=etl@shop.test", '"user": "etl"',
# "amqp://etl@mq.shop.test". Masked passwords ("user:****@host") leave the user readable.
_LOGIN_VALUE = r"[\"']?([A-Za-z][\w.$\\-]*(?:@[\w-]+(?:\.[\w-]+)+)?)"
_STATED_LOGIN = re.compile(
    rf"(?:\b|[._])(?i:user(?:_?name)?|uid|user_?id)\s*=\s*{_LOGIN_VALUE}|"
    rf"(?:\b|[._])(?:user(?:_?name)?|userName|user_?id)[\"']?\s*:\s*{_LOGIN_VALUE}|"  # "user: x", not "USER: text"
    r"\b(?<![A-Za-z0-9][+.-])[a-z][a-z0-9+.-]*://([A-Za-z][\w.$%-]*)(?::[^@/\s]*)?@",
)
# The object of a message: "for table X", "on table X", "into table X", "for schema X".
_OBJECT_TABLE = re.compile(
    r"\b(?:for|on|to|into|from|in|of) (?:the )?(?:table|relation|view|schema|sequence)\s+"
    r"[\"'`]?([\w$#.]+?)[\"'`]?(?=\.?(?:[\s,;)]|:(?![\w$#])|$))",  # (not SAP HANA's "SCHEMA:TABLE")
    re.IGNORECASE,
)
_OBJECT_WORDS = ("table", "relation", "view", "schema", "sequence")
_NOT_A_NAME = frozenset("or and is does not the a an with that which was".split())
_COPY_NUMBER = re.compile(r"\.\d+$")
# A "host" of two or three small letters without a dot or digit is a word of prose after "Server" ("SQL Server
# est introuvable"), not a machine's name.
_PROSE_WORD = re.compile(r"[a-z]{2,3}")
# "app.example.io/instance=x", "example.io/class: y": the domain names the key's owner, not a host.
_LABEL_KEY = re.compile(r"(?<![\w./-])((?:[a-z0-9-]+\.)+[a-z]{2,})/[a-z][\w.-]*(?:=|:\s)", re.IGNORECASE)
_SCOPE = re.compile(r"\b(?:scope|resource(?: ?id)?)\s*[:=]?\s*[\"']?(/[\w.+-]+(?:/[\w.+-]+)+)", re.IGNORECASE)
_ACTION = re.compile(r"\b(?:action|operation)\s*[:=]?\s*[\"']([\w.+:-]+(?:/[\w.+:-]+)+)[\"']", re.IGNORECASE)
_KIND_OBJECT = re.compile(
    r"\b(?<!\.)(?:release|deployment|pod|statefulset|daemonset|replicaset|cronjob|service|namespace|configmap|"
    r"ingress|persistentvolumeclaim|pvc|stack|function|pipeline|workflow|dag)s?(?:\.[\w.]+)?\s+[\"']([\w.-]+)[\"']",
    re.IGNORECASE,
)
# Build coordinates a dependency manager cannot find: "artifact org.x:lib-y:jar:1.2", "dependency 'g:a:1.0'".
_ARTIFACT = re.compile(
    r"\b(?:artifact|dependency|plugin)\s+[\"'`]?([\w.-]+(?::[\w.-]+){1,4})|"
    # a build's coordinates it could not find ("> Could not find com.x:core:2.4.1.")
    r"\b(?:find|resolve)\s+([\w-]+(?:\.[\w-]+)+:[\w.-]+:[\w.-]*\d)",
    re.IGNORECASE,
)
_DESTINATION = re.compile(
    r"\b(?:dest(?:ination)?|target|output(?:[ _]?dir)?|out[ _]?dir)\s*[:=]\s*[\"']?((?:/|[A-Za-z]:\\|\\\\)[^\s\"']+)",
    re.IGNORECASE,
)

# A credential file given as an option: "--password-file /etc/x.pw", "--key-file=/k", "credentials_file: /c".
_CREDENTIAL_FILE = re.compile(
    r"(?:--?|\b)(?:password|passwd|pass|secret|key|token|credentials?|identity)[-_]?file[\"']?\s*[=: ]\s*[\"']?"
    r"((?:/|[A-Za-z]:\\|~/|\./)[^\s\"',;]+)",
    re.IGNORECASE,
)
# An object of a store stated as a setting, its value shaped like an object name (a path or a file name).
_STORED_OBJECT = re.compile(
    r"(?:\b|[._])(?i:key|object(?:_?key|_?name)?|blob(?:_?name)?|s3_?key)[\"']?\s*[=:]\s*[\"']?"
    r"([\w.=+-]*(?:/[\w.=+-]+)+|[\w=+-]+\.[A-Za-z]\w{0,7}(?:\.[A-Za-z]\w{0,3})?)(?=[\s\"',;)]|$)"
)
# A login the job states as it connects: "connecting to h:22 as etl", "logged in as etl", "bind as cn=x".
_LOGIN_AS = re.compile(
    r"\b(?:connect\w*|log(?:ging|ged)? ?(?:in|on)|sign(?:ing|ed)? in|bind\w*|authenticat\w*)\b[^;]{0,80}?"
    r"\bas (?:user )?[\"']?([A-Za-z][\w.$@\\-]*[\w$])",
    re.IGNORECASE,
)
# A message queue named after its kind ("target queue is PAY.IN", "queue 'A.B'", "Queue: X.Y"): MQ-style names
# in capitals, not a queue manager ("queue manager QM1") and not prose ("queue for output").
_QUEUE = re.compile(
    r"\b(?i:queue)(?!\s+manager)(?:\s+name)?(?:\s+is|\s*[:=])?\s+[\"'`]?([A-Z0-9]++(?:[._]++[A-Z0-9]++)++)"
    r"(?=[\"'`]?(?:[\s,;:).]|$))"
)
# A tablespace quoted in single quotes or backticks ("in undo tablespace 'UNDO_2'"; double quotes are read
# by the shared extraction).
_QUOTED_TABLESPACE = re.compile(r"\btable ?space\s+['`]([\w$#]+)['`]", re.IGNORECASE)
# A storage unit or pool a backup writes to ("storage unit stu_a on h", "disk pool DP1"): where space ran out.
_STORAGE_UNIT = re.compile(
    r"\b(?i:storage unit|storage pool|disk pool|volume pool|storage group)s?(?:\s*[:=])?\s+"
    r"[\"'(]?([\w.-]*[\d_][\w.-]*)",
)
# A constraint quoted in single quotes or backticks, or dotted with its table ("violates constraint
# 'crm.orders.PK_ORDERS'"): the constraint, and the table it belongs to (all but its last part).
_QUOTED_CONSTRAINT = re.compile(r"\bconstraint\s+['`\"]((?:[\w$#]+\.)*[\w$#]+)['`\"]", re.IGNORECASE)
# A database object a server names in quotes ("permission denied on object 'trades'", "in object 'dbo.t'").
_QUOTED_OBJECT = re.compile(r"\b(?:on|in) object ['\"]([\w$#.]+)['\"]", re.IGNORECASE)
# An access policy's resource in brackets, database/table[/column or partition] (Ranger, Sentry: "privilege on
# [dw/sales/region=eu]"): the table, as the policy writes it.
_BRACKET_RESOURCE = re.compile(r"\b(?:privileges?|permissions?|access) on \[([\w$*-]+/[\w$*-]+)(?:/[^\]]*)?\]")
# A table named after its kind in single quotes or backticks, or as the object of "not found" ("Table
# 'shop.orders' doesn't exist", "Table not found 'orders'", "table or view `dw`.`orders`", BigQuery's "Table
# proj:dw.orders was not found"): the shared extraction reads double quotes only.
_KIND_QUOTED_TABLE = re.compile(
    r"\b(?i:table|view|relation)(?: or view)?(?: not found:?)?\s+(?:'([\w$#.-]+)'|((?:`[\w$#-]+`\.){0,2}`[\w$#-]+`)|"
    r"([\w-]+:[\w$]+\.[\w$]+))"
)
# A Windows account with its domain in quotes ("Login failed for user 'CORP\\svc_etl'"): the whole account,
# not the domain before the backslash.
_DOMAIN_USER = re.compile(r"\b(?i:user|account|login)\s+['\"]([\w.-]+\\{1,2}[\w.$-]+)['\"]")
# PostgreSQL's context of a failed COPY ("CONTEXT:  COPY stg_sales, line 88, column amount"): the table loaded.
_COPY_CONTEXT = re.compile(r"\bCOPY ([\w$.\"]+), line \d+")
# The job a dependency waits for, named after "predecessor" ("waiting for the predecessor WS#STREAM.JOB_B"): not
# the waiting job the same line names first.
_PREDECESSOR = re.compile(
    r"\b(?i:predecessor|pr[ée]d[ée]cesseur|vorg(?:ä|ae)nger(?:jobs?)?|predecesor|predecessore|voorganger)(?i: job)?\s+"
    r"[\"']?([\w@-]+#[\w@.-]*[\w@-]|[A-Z][A-Z0-9_.-]*[A-Z0-9])"
)
_PREDECESSOR_WORDS = ("predece", "cesseur", "organger", "orgänger", "orgaenger")  # (a cheap test before the pattern)
# A service account a cloud client states it acts as ("Activated service account credentials for:
# [etl@proj.iam.example.com]", "service account etl@proj.example"): the login of a refused token.
_SERVICE_ACCOUNT = re.compile(
    r"\bservice[ _-]?account\b[^;@]{0,40}?[\[\s\"'(=]([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE
)
# The job or flow a wrapper runs remotely ("--job-name curate_x", "Created flow run 'r' for flow 'sync-x'",
# "starting Glue job curate_x"): what ran out of time, or failed, on the other side.
_REMOTE_JOB = re.compile(
    r"--(?:job|flow|pipeline|workflow|dag)[-_]?name[= ][\"']?([\w.:-]+)|"
    r"\b(?:for|of) (?:the )?(?:flow|job|pipeline|workflow|dag) [\"']([\w.:-]+)[\"']|"
    r"\b(?:starting|started|triggering|triggered|submitting|submitted) (?:\w+ )?(?:job|flow|pipeline|workflow|dag) "
    r"[\"']?([A-Za-z][\w.:-]*[\w])",
    re.IGNORECASE,
)
# The file Perl searches @INC for: a module's name with "::" as "/" and ".pm" ("Can't locate Text/CSV_XS.pm").
_PERL_MODULE_FILE = re.compile(r"(?<![\w/])[A-Za-z]\w*(?:/\w+)*\.pm")
# How far above an error line a stated login is still the one the failure is about.
LOGIN_REACH = 40

# The URL a copy or an upload goes to: "Copying file:///a.csv to gs://bucket/a.csv", "upload: a to s3://b/k".
_COPY_TARGET = re.compile(
    r"\b(?:copying|uploading|upload|writing|moving|sending|transferring|syncing)\b[^;]{0,200}?"
    r"\bto\s+[\"']?([a-z][a-z0-9+.-]*://[^\s\"']+)",
    re.IGNORECASE,
)

# The program a command line starts: an interpreter or launcher command (with its directory, ".exe" or quotes),
# then the first code file among its arguments ("python3 /x/run.py", "java -Xmx2g -jar /x/app.jar",
# "spark-submit --master yarn /x/job.py", "sas -sysin /x/p.sas", "duckdb db -f /x/q.sql"), or for java a main
# class. What ran out of memory is that program, not the wrapper script the scheduler started.
_LAUNCHER = re.compile(
    r"(?:(?<=[/\\])|(?<![\w.~:$-]))"  # its directory before it, or none
    r"(python[\d.]*|pypy[\d.]*|java|php[\d.]*|perl|ruby|node|nodejs|deno|bun|Rscript|sas|spark-submit|pyspark|"
    r"flink|duckdb|psql|mysql|sqlite3|sqlplus|clickhouse-client|sqlcmd|bash|sh|ksh|zsh|pwsh|powershell|dtexec|"
    r"hive|beeline|scala|groovy|dotnet|mono|cscript|wscript|julia|PowerShell)(?:\.exe|\.EXE)?[\"']?(?=\s)",
)  # commands are lower case: "PHP Fatal error: ... in /x.php" is a message, not a command line
# Words one of which every match of _LAUNCHER holds ("sh" for bash, ksh, zsh, pwsh and powershell, "node" for
# nodejs): the scan of up to SUBJECT_REACH lines above a failure runs the regex only on lines that hold one.
_LAUNCHER_WORDS = KeywordSet((
    "python", "pypy", "java", "php", "perl", "ruby", "node", "deno", "bun", "Rscript", "sas", "spark-submit",
    "pyspark", "flink", "duckdb", "psql", "mysql", "sqlite3", "sqlplus", "clickhouse-client", "sqlcmd", "sh",
    "dtexec", "hive", "beeline", "scala", "groovy", "dotnet", "mono", "cscript", "wscript", "julia", "PowerShell",
))  # fmt: skip
_CODE_FILE = re.compile(
    r"[\"']?(?<![\w.$@+~\\/:-])((?:[A-Za-z]:\\|[/.~\\])?[\w.$@+~\\/-]*[\w-]\.(?:py|pyz|jar|war|sh|ksh|bash|pl|rb|php|js|mjs|cjs|ts|"
    r"r|sas|sql|hql|scala|groovy|ps1|bat|cmd|exe|dll|dtsx|ktr|kjb|hpl|lua|tcl|awk|jl))[\"']?",
    re.IGNORECASE,
)
# Modules Python runs as tools, not as the job's program ("python3 -m pip install ...", "python -m venv x").
_TOOL_MODULES = frozenset(
    "pip ensurepip venv virtualenv pytest unittest compileall py_compile http json site pipx build twine "
    "zipfile tarfile timeit cProfile pdb".split()
)
_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_MAIN_CLASS = re.compile(r"(?<![\w.$])(?:[a-z_]\w*\.)+[A-Z][\w$]*")
# Options whose value is a library, a configuration or an include, not the program: "-cp lib/*", "--jars a.jar",
# "--py-files b.py", "-autoexec a.sas", "-init i.sql", "-Dlogging.config=x.groovy", "-c php.ini", "-log x".
_NOT_PROGRAM_OPTION = re.compile(
    r"-{1,2}(?:cp|classpath|class-?path|jars|py-?files|files|archives|driver-class-path|packages|javaagent|"
    r"agentpath|init|autoexec|require|include|config\w*|conf\w*|properties-file|settings|log\w*|env\w*|setup|"
    r"prelude|lib\w*|i|I|r|c|D.*|X.*)",
    re.IGNORECASE,
)
# What may come right before a command: a prompt ("+ ", "$ ", "C:\\x>"), a wrapper's "name:", a bracket.
_COMMAND_PROMPT = frozenset("+$>#:|;&(]")
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]*")
_COMMAND_END = frozenset({"|", "||", "&&", ";", ">", ">>", "2>", "2>&1", "<"})
# Words around a data file that give it another role than the data read: an output, a reject or bad file, a
# log, a schema or a configuration.
_NOT_INPUT = re.compile(
    r"\b(?:writ\w*|output|out=|outfile|to|rejects?\w*|bad\w*|discard\w*|errors? file|log(?: file)?|logfile|"
    r"schema|config\w*|conf|settings|manifest|requirements|logback|log4j2?|pom|package(?:-lock)?|tsconfig|composer|"
    r"pipfile|setup)\b|[/_.-](?:rejects?|rejected|bad|errors?|logs?|schemas?|config)\b",
    re.IGNORECASE,
)
# Data files a job reads: what an invalid-data failure is about when its own line does not name it.
_DATA_EXTENSIONS = "csv|dat|txt|json|jsonl|ndjson|xml|edi|parquet|gz|zip|tsv|xlsx|xls|avro|orc|del|ixf|psv|unl"
_DATA_FILE = re.compile(
    r"(?<![\w.+/\\:~$-])((?:[a-z][a-z0-9+.-]*://|/|[A-Za-z]:\\|\\\\)[^\s\"'`,;()<>|\[\]]*\."
    rf"(?:{_DATA_EXTENSIONS}))(?![\w])",
    re.IGNORECASE,
)


# A data file named without its directory ("lese KH_260108.csv (sep=';')", "reading orders_0203.json"): what the
# job read, when it says where only once at its start.
_BARE_DATA_FILE = re.compile(
    rf"(?<![\w.+/\\:~$@-])([A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.(?:{_DATA_EXTENSIONS}))(?![\w./\\-])", re.IGNORECASE
)


# A program a wrapper states as a setting: "script=/x/feed.js", "program: /x/run.py".
_STATED_PROGRAM = re.compile(r"\b(?:script|program|prog|main)\s*[=:]\s*[\"']?(?=[/\\.~A-Za-z])(\S+)", re.IGNORECASE)
_STATED_PROGRAM_WORDS = KeywordSet(("script", "prog", "main"))  # in the lower-cased line, when it is ASCII


def _may_state_program(line: str) -> bool:
    """Whether _STATED_PROGRAM may match `line`: a non-ASCII line may fold to its words case-insensitively
    ("ſcript"), an ASCII one must hold one of them lower-cased."""
    return not line.isascii() or _STATED_PROGRAM_WORDS.found_in(line.lower())


# The ABAP program an SAP job's step ran, as its job log says in the log's language: "Step 001 started (program
# ZFI_POST, variant NIGHT, user ID BATCH)", "Step 001 gestartet (Programm ZGR_X, Variante V, Benutzername B)".
_SAP_STEP = re.compile(
    r"\bStep \d{3} (?:started|gestartet|démarré|iniciado|avviato) \((?:program|Programm|programme|programa|programma) "
    r"([A-Z/][A-Z0-9_/]{2,})[,)]"
)


def sap_step_program(lines: Sequence[str]) -> str | None:
    """The ABAP program the last SAP job step in `lines` (the lines up to an error) ran, or None."""
    return next(filter(None, map(_sap_step, reversed(lines[-SUBJECT_REACH:]))), None)


def _sap_step(line: str) -> str | None:
    """The ABAP program of an SAP job's step the line reports, or None."""
    step = _SAP_STEP.search(line) if "(" in line and "Step " in line else None
    return step.group(1) if step else None


# A command line that starts a script (after a shell prompt, or first on the line)
_SCRIPT_COMMAND = re.compile(
    r"^\s*(?:[+$>#]\s*)?([\"']?(?:[A-Za-z]:\\|[/.~\\])?[^\s\"']*\.(?:sh|ksh|bash|cmd|bat|ps1)[\"']?)\s"
)


def _first_search(lines: Iterable[str], pattern: re.Pattern[str], literals: KeywordSet) -> re.Match[str] | None:
    """The first match of `pattern` in `lines`, in the order given (each read up to MAX_CHARS), on a line holding one
    of `literals` (the cheap test before the regex): the scan the readers of one named thing near an error share."""
    for line in lines:
        if literals.found_in(line) and (match := pattern.search(line[:MAX_CHARS])):
            return match
    return None


# rules-26: a program of the job's own (in a "bin" folder, not the system's /bin or /usr/bin) a shell's trace shows
# started: "+ /opt/cds/bin/rolhas-visao --linha B3"
_TRACED_BINARY = re.compile(
    r"^\+{1,3} ((?!/(?:usr/(?:local/)?)?s?bin/)(?:/[\w.-]{1,80}){1,12}/s?bin/[\w-]{1,80})(?=\s|$)"
)


def program_above(lines: Sequence[str]) -> str | None:
    """The program the last command line in `lines` (the lines above an error, in order) started, or the
    one a wrapper stated as a setting ("script=/x/feed.js"); None when no line says."""
    for line in reversed(lines[-SUBJECT_REACH:]):
        if "<module>" in line and _MODULE_FRAME.search(line):  # the script a Python traceback shows
            return _outermost_module(lines[-SUBJECT_REACH:], line)
        for count, launcher in enumerate(_LAUNCHER.finditer(line) if _LAUNCHER_WORDS.found_in(line) else ()):
            if count == MAX_COMMANDS:
                break
            if not _in_command_position(line, launcher.start()):
                continue  # "configuring python logging from x.py" is prose, not a command line
            program = _program_of(line[launcher.end() :].split(), java=launcher.group(1).lower() == "java")
            if program:
                return program
        wrapper = (
            _WRAPPER_START.search(line) if ("-" in line or "/" in line) and _WRAPPER_WORDS.found_in(line) else None
        )
        if wrapper is not None and _starts_command(line, wrapper.start()):
            program = _past_wrappers(line[wrapper.start() :].split())
            if program and ("/" in program or "\\" in program):  # "timeout waiting for x" is prose
                return program
        if ">" in line:
            started = _WINDOWS_PROGRAM.match(line)  # 'D:\x>"D:\Apps\Recon.exe" --date 3'
            if started:
                return started.group(1)
        if line.startswith("+") and (traced := _TRACED_BINARY.match(line)):
            return traced.group(1)
        script = _SCRIPT_COMMAND.match(line) if "." in line else None
        if script is not None and (program := script_runs(line[script.start(1) :].split())):
            return program  # "+ /opt/pdi/pan.sh -file=/x/load.ktr": what the wrapper script runs (rules-24)
        if step := _sap_step(line):  # an SAP job's step and its ABAP program
            return step
        if ("=" in line or ":" in line) and _may_state_program(line):
            for stated in _STATED_PROGRAM.finditer(line):
                match = _CODE_FILE.fullmatch(stated.group(1).rstrip("\"',;"))
                if match:
                    return match.group(1)
    return None


def _outermost_module(lines: Sequence[str], last: str) -> str:
    """The script a Python traceback's first module-level frame names (an import inside it adds module-level
    frames of other modules: the first one is the script that was run), from the traceback `last` is in."""
    end = max(index for index, line in enumerate(lines) if line is last)
    start = next((i for i in range(end, -1, -1) if lines[i].startswith("Traceback (most recent call last)")), end)
    for line in lines[start : end + 1]:
        frame = _MODULE_FRAME.search(line) if "<module>" in line else None
        if frame:
            return frame.group(1)
    return ""


_MODULE_FRAME = re.compile(r"^\s*File \"([^\"]+\.pyw?)\", line \d+, in <module>")
# A Windows prompt starting a program ("D:\\Batch>"D:\\Apps\\Recon.exe" --date 3", "E:\\x>recon.exe /all").
_WINDOWS_PROGRAM = re.compile(r"^[A-Za-z]:\\[^>]*>\s*\"?((?:[A-Za-z]:\\|\\\\)?[^\"\s>]+\.(?i:exe|com))\"?(?:\s|$)")
# Julia's "in expression starting at /x/run.jl:52", below its error: the script that was run.
_JULIA_SCRIPT = re.compile(r"^in expression starting at (\S+\.jl):\d+")

# bash's report of a command it lost to a signal, printed right after the program's own last words
# ("run.sh: line 47: 2911804 Aborted (core dumped) systemd-run --scope -p MemoryMax=24G /x/bin/histpack ...").
_JOB_REPORT = re.compile(r"\b\d+ (?:Killed|Aborted|Segmentation fault)(?:\s+\(core dumped\))?\s+(\S.*)$")
# Commands that start another one ("systemd-run --scope x", "nice -n 5 x", "timeout 3600 x").
_WRAPPERS = frozenset(
    "systemd-run nohup nice ionice timeout env sudo taskset numactl stdbuf time chrt setsid exec su runuser".split()
)
# A command line led by a wrapper that is not also an everyday word ("systemd-run -p MemoryMax=24G /x/engine").
_WRAPPER_START = re.compile(
    r"(?:(?<=[/\\])|(?<![\w.~:$-]))(?:systemd-run|nohup|ionice|taskset|numactl|stdbuf|chrt|setsid|runuser)(?=\s)"
)
_WRAPPER_WORDS = KeywordSet(
    ("systemd-run", "nohup", "ionice", "taskset", "numactl", "stdbuf", "chrt", "setsid", "runuser")
)
_WRAPPER_NUMBER = re.compile(r"[\d.,:-]+[smhd]?")  # "timeout 3600", "nice -n 5", "taskset 0-3", "timeout 2h"
# Wrapper options whose value is the next argument ("sudo -u hrsvc", "timeout -s KILL", "systemd-run --unit x").
_WRAPPER_VALUE_OPTIONS = frozenset(
    "-u --user -g --group -s --signal -k --kill-after --unit -p --property -n --adjustment -c --class -C "
    "--cpu-list --slice -E --setenv -D --chdir -M --machine --uid --gid --working-directory --description "
    "--nice -o -e -i --membind --cpunodebind --physcpubind -N -m".split()
)


# How far below an error the shell's report of the process it lost is read: past a runtime's native stack (Node's
# "FATAL ERROR: ... heap out of memory" prints about twenty frames before bash's "Aborted (core dumped) node x.js")
REPORT_REACH = 30


def program_reported(below: Sequence[str]) -> str | None:
    """The program bash reports it lost to a signal in the first REPORT_REACH of `below` (the lines right after
    an error; three before rules-26), past the commands that wrap it ("systemd-run --scope -p M=24G /x/bin/histpack"
    -> "/x/bin/histpack"), or None."""
    for line in below:
        if line.startswith("in expression starting at "):
            script = _JULIA_SCRIPT.match(line)
            if script:
                return script.group(1)
    for line in below[:REPORT_REACH]:
        report = _JOB_REPORT.search(line) if "Killed" in line or "Aborted" in line or "fault" in line else None
        if report is None:
            continue
        return _past_wrappers(report.group(1).split())
    return None


# GNU timeout's report that it stopped the command it ran, in any of coreutils' languages ("timeout: sending signal
# TERM to command ‘x’", "timeout: Signal TERM wird an Befehl »x« gesendet"): its name, a signal, the quoted command.
_TIMEOUT_KILL = re.compile(
    r"timeout: [^‘'»\"«„“]{0,80}?\b(?:SIG)?(?:TERM|KILL|INT|HUP|QUIT|ALRM|USR[12])\b[^‘'»\"«„“]{0,80}"
    r"[‘'»\"«„“]\s?([^’‘'«»\"“”\s]{1,200})\s?[’'«»\"“”]"
)
_TIMEOUT_START = re.compile(r"(?<![\w.-])timeout\s")  # the wrapper on a command line ("+ timeout 2h x")
_DIRECTORY = re.compile(r"[/\\]")  # what a path's last name follows


def stopped_by_timeout(error: str, above: Sequence[str]) -> str | None:
    """The program GNU timeout stopped, when `error` is its report (rules-23): the command the report names as
    the last `timeout` command line in `above` (the lines up to the error, in order) started it, past its launcher
    ("timeout 2h python -m pkg.train" -> "pkg.train", "timeout 2h java -jar /x/graph.jar" -> "/x/graph.jar"), else
    the command itself when it is no launcher ("swmm5"); None when `error` is no such report."""
    report = _TIMEOUT_KILL.match(error.strip())
    if report is None:
        return None
    command = report.group(1)
    name = _DIRECTORY.split(command)[-1]
    for line in reversed(above):
        if "timeout" not in line:
            continue
        for start in _TIMEOUT_START.finditer(line):
            arguments = line[start.start() :].split()[:MAX_COMMAND_WORDS]
            if any(_DIRECTORY.split(argument.strip("\"'"))[-1] == name for argument in arguments[1:]):
                return _past_wrappers(arguments)
    launcher = _LAUNCHER.match(name + " ")
    return None if launcher is not None else command


def _past_wrappers(arguments: Sequence[str]) -> str | None:
    """The program a command line starts past the commands that wrap it and their options and values."""
    skip = False
    for index, argument in enumerate(arguments):
        if skip:  # the value of a wrapper's option ("sudo -u hrsvc")
            skip = False
            continue
        if argument in _WRAPPER_VALUE_OPTIONS:
            skip = True
            continue
        if argument in _WRAPPERS or argument[:1] == "-" or "=" in argument or _WRAPPER_NUMBER.fullmatch(argument):
            continue
        # a launcher, by its name or its path ("/opt/venv/bin/python"); its pattern looks ahead at the space
        name = _DIRECTORY.split(argument)[-1]
        launcher = _LAUNCHER.match(name + " ")
        if launcher is None or launcher.end() != len(name):
            return script_runs(arguments[index:]) or argument.strip("\"'")
        return _program_of(arguments[index + 1 :], java=launcher.group(1).lower() == "java")
    return None


# A wrapper script: a shell or batch script that starts the job's real program ("run_node.sh report.js 2026-11-25",
# "kitchen.sh -file=/x/load.kjb").
_WRAPPER_SCRIPT_ENDS = (".sh", ".ksh", ".bash", ".cmd", ".bat", ".ps1")


def script_runs(arguments: Sequence[str]) -> str | None:
    """The code file a wrapper script (`arguments[0]`) is given to run, by its arguments ("run_node.sh report.js",
    "kitchen.sh -file=/x/load.kjb": rules-24), when it is not another script; else None."""
    if not arguments or not arguments[0].strip("\"'").lower().endswith(_WRAPPER_SCRIPT_ENDS):
        return None
    program = _program_of(arguments[1:MAX_COMMAND_WORDS], java=False)
    return program if program and not program.lower().endswith(_WRAPPER_SCRIPT_ENDS) else None


_TIME_END = re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?$")


def _in_command_position(line: str, start: int) -> bool:
    """The launcher starts a command: the line's first word, after a prompt or a wrapper's "name:", after
    "Killed" (bash's report of the command it killed), or with its directory ("/usr/bin/python3")."""
    if start > 0 and line[start - 1] in "/\\":
        return True
    before = line[max(0, start - 40) : start].rstrip()  # (a bounded window: a line may hold many launchers)
    # a wrapper's timestamp before the command ("feed: 2031-02-03 03:00:01 php -d x=1 /x/run.php")
    return (
        not before or before[-1] in _COMMAND_PROMPT or before.endswith("Killed") or _TIME_END.search(before) is not None
    )


def _starts_command(line: str, start: int) -> bool:
    """The word at `start` starts the line's command: first on the line, after a shell prompt ("+ ", "$ ",
    "C:\\x>") or after a wrapper's timestamp, not after a label's colon ("WARN: numactl ... not found")."""
    before = line[max(0, start - 40) : start].rstrip()
    return not before or before[-1] in "+$>#" or _TIME_END.search(before) is not None


def _program_of(arguments: Sequence[str], *, java: bool) -> str | None:
    """The code file (or, for java, the main class) among a launcher's arguments. The value of an option
    that gives a configuration, a library or an include ("-cp", "-autoexec", "-Dlogging.config=") is not the
    program; two plain words in a row say the launcher's name was a word of prose ("java heap raised by")."""
    pending: str | None = None  # an option that may take the next argument as its value
    plain = False
    for argument in arguments:
        if argument in _COMMAND_END:
            return None
        if argument.startswith("-") and len(argument) > 1:
            option, equals, value = argument.partition("=")
            code = _CODE_FILE.fullmatch(value) if equals else None
            if code and not _NOT_PROGRAM_OPTION.fullmatch(option):
                return code.group(1)  # "--file=/x/p.hpl"
            pending, plain = (None if equals else option), False
            continue
        if pending is not None and _NOT_PROGRAM_OPTION.fullmatch(pending):
            pending = None
            continue
        if pending == "-m" and _MODULE_NAME.fullmatch(argument):  # "python3 -m aml.screening": the module run
            return None if argument.split(".")[0] in _TOOL_MODULES else argument
        code = _CODE_FILE.fullmatch(argument)
        if code:
            return code.group(1).lstrip("@")  # sqlplus's "@/x/run.sql"
        if java and pending is None and _MAIN_CLASS.fullmatch(argument):
            return argument
        if pending is None and _PLAIN_WORD.fullmatch(argument):
            if plain:
                return None
            plain = True  # one plain word may be a subcommand ("flink run x.jar")
        else:
            plain = False
        pending = None
    return None


def is_data_file(path: str) -> bool:
    """Whether `path` is a data file by its path ("/in/a.csv", "s3://b/a.json.gz"), as jobs read them."""
    return _DATA_FILE.fullmatch(path) is not None


def input_above(lines: Sequence[str], below: Sequence[str] = ()) -> str | None:
    """The data file the last line naming one as read in `lines` (the lines up to an error, in order) names,
    or None. A file the line writes, rejects into, logs to or configures with is not the data read. Failing a
    path, a file by its name alone: in the few lines `below` the error first (a database's "row 1843 of x.csv"
    under its message), and not from a line that lists several (the files received, not the one read)."""
    if lines:  # the failing line's own file first ("malformed row 1843 in orders_0203.csv"), by its path if given
        found = _input_on(lines[-1], _DATA_FILE) or _input_on(lines[-1], _BARE_DATA_FILE)
        if found:
            return with_directory(found, lines)
    for line in reversed(lines[-SUBJECT_REACH:]):
        found = _input_on(line, _DATA_FILE)
        if found:
            return found
    rows_below = [line for line in below[:INPUT_BELOW] if _ROW_WORD.search(line)]  # not the next file processed
    for line in [*rows_below, *reversed(lines[-SUBJECT_REACH:])]:
        found = _input_on(line, _BARE_DATA_FILE)
        if found and len(set(_BARE_DATA_FILE.findall(line))) == 1:
            return found
    return None


def with_directory(name: str, lines: Sequence[str]) -> str:
    """The first path in `lines` that ends with the file `name` (a file the job named without its directory
    somewhere and with it elsewhere), else `name`."""
    if "/" in name or "\\" in name:
        return name
    for line in lines:
        if name in line:
            for path in extract_entities([line]).get("paths", ()):
                if path.endswith(("/" + name, "\\" + name)):
                    return path
    return name


_ROW_WORD = re.compile(r"(?i)\b(?:row|line|riga|zeile|ligne|fila|linha|record|rij|rad|wiersz|satz)\b")


INPUT_BELOW = 3  # how far below an invalid-data error a line may name the file by its name alone


def _input_on(line: str, pattern: re.Pattern[str]) -> str | None:
    """The first data file `pattern` finds on `line` that the line does not give another role."""
    if "." in line:
        for match in pattern.finditer(line):
            if not _NOT_INPUT.search(line[max(0, match.start() - 40) : match.start()] + " " + match.group(1)):
                return match.group(1)
    return None


# The server a job states it talks to: an MQ client's "MQSERVER=CHL/TCP/host(port)", Hadoop's "destination host
# is: host", MQ's "Remote host 'host (ip)(port)'", a connection setting ("host=h", "Server=h;", "Data Source=h").
_SERVER = re.compile(
    r"\bMQSERVER=[^/\s]+/\w+/([A-Za-z][\w.-]*)\(|\bdestination host is:?\s*\"?([A-Za-z][\w.-]*)|"
    r"\bremote host '([A-Za-z][\w.-]*)|"
    r"(?<![\w.-])(?i:host|server|data source)\s*=\s*[\"']?([A-Za-z][\w-]*\.[\w.-]*\w)|"
    # Oracle's EZConnect ("user@//h:1521/svc") and the diagnostics a job runs against its server ("tnsping",
    # "ping -c1 h", "Test-NetConnection -ComputerName h -Port 443", "nc -z h 5432")
    r"@//([A-Za-z][\w-]*\.[\w.-]*\w)|"
    r"\(HOST\s*=\s*([A-Za-z][\w.-]*\w)\)|"  # rules-25: an Oracle connect descriptor's host, by any name (tnsping)
    r"(?<![\w-])(?:ping|telnet|nc|nslookup|traceroute|tracert|Test-NetConnection)\s+(?:-\S+\s+(?:\d+\s+)?)*"
    r"([A-Za-z][\w-]*(?:\.[\w.-]*[A-Za-z]|-[\w-]*\w))(?=[\s:,]|$)"  # (a short name with a hyphen: "db-01")
)
_SERVER_LITERALS = ("host", "server", "source=", "@//", "ping", "telnet", "nc ", "nslookup", "tracer", "netconnection")


def server_near(above: Sequence[str], below: Sequence[str]) -> str | None:
    """The server the job states it talks to, nearest above a network failure (`above`: the lines up to it,
    in order), else in the diagnostics it ran just after (`below`): what could not be reached, when the
    failure's own line does not say (Oracle's "ORA-12541: TNS:no listener")."""
    for line in [*reversed(above[-SERVER_ABOVE:]), *below[:SERVER_BELOW]]:
        lowered = line.lower()
        if any(literal in lowered for literal in _SERVER_LITERALS):
            match = _SERVER.search(line)
            if match:
                return next(group for group in match.groups() if group)
    return None


SERVER_ABOVE = 40  # how far above a network failure a server the job stated is still the one it failed to reach
SERVER_BELOW = 60  # how far below a network failure the job's own diagnostics still name its server

# Where a job writes. A path it states as its destination ("target /x", "Destination : \\s\share",
# "DST=F:\x", "repo=/x", "Ziel /x", "archiving a to F:\x"), the last path of a copy command ("cp a b",
# "robocopy a b *.pdf /R:2", "gsutil -m cp a gs://b/"), a redirection ("gzip -c a > /x/a.gz") or an output
# option ("-o /x", "--output=/x", "-f /x/db.dump", "-OutFile X"; never a code file: "psql -f load.sql" reads it).
_WRITE_PATH = r"[\"']?((?:[a-z][a-z0-9+.-]*://|/|[A-Za-z]:\\|\\\\)[^\s\"'`,;()<>|*?]*)"
_PATH_ARGUMENT = re.compile(
    r"[\"']?((?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://|/|[A-Za-z]:\\|\\\\)[^\s\"'`,;()<>|]*)[\"']?"
)
_STATED_TARGET = re.compile(
    r"(?<![\w/\\.$-])(?:(?i:destination|dest|dst|target|outdir|output_?dir|output|outfile|repo|repository|to|into|"
    r"ziel|doel|cible|destino|destinazione|destinataire)(?:[ _-]?(?i:dir\w*|path|folder))?\s*[:=]?|"
    r"(?i:archive)\s*[:=])\s*" + _WRITE_PATH  # "Creating archive: X" (7-Zip), "--archive=X" (mongodump)
)
_ARCHIVE_FILE = re.compile(r"\.(?:zip|7z|tar|tgz|gz|bz2|xz|zst|jar|war|cab|rar)[\"']?$", re.IGNORECASE)
# An archiver's archive, which it writes: "7z a [-opts] X files", "zip [-opts] X files", "tar -czf X dir".
_ARCHIVER = re.compile(r"(?:(?<=[/\\])|(?<![\w.~:$-]))(7z|7za|7zz|zip|tar)(?:\.exe)?[\"']?(?=\s)", re.IGNORECASE)
_COPY_COMMAND = re.compile(
    r"(?:(?<=[/\\])|(?<![\w.~:$-]))(cp|mv|copy|move|xcopy|robocopy|rsync|scp|pscp|install|Copy-Item|Move-Item|"
    r"gsutil(?:\s+-m)?\s+(?:cp|mv|rsync)|aws\s+s3\s+(?:cp|mv|sync)|azcopy\s+(?:copy|sync)|"
    r"rclone\s+(?:copy|sync|move)|hdfs\s+dfs\s+-(?:put|cp|copyFromLocal))(?:\.exe)?(?=\s)",
    re.IGNORECASE,
)
_REDIRECT = re.compile(r"(?<!\S)\d?>{1,2}\s*" + _WRITE_PATH)  # not a prompt's ">" ("E:\\jobs>cmd")
_OUTPUT_OPTION = re.compile(  # not "-f" or "--file": what some tools write (pg_dump) and others read (psql, az)
    r"(?<!\S)(?:-o|--out\w*|--output[\w-]*|--target[\w-]*|--destination[\w-]*|-OutFile|-FilePath|"
    r"-Destination|-LiteralPath)(?:\s+|=)" + _WRITE_PATH
)
# A line that writes the job's own log ("+ echo 'x' >> /var/log/etl/x.log"): not where the job's data went.
_LOG_WRITE = re.compile(r"(?:^|[\s+:>])(?:echo|printf|logger)\s")
_WINDOWS_OPTION = re.compile(r"/[A-Za-z]+(?::\S*)?")
# A routine a job called: "EXEC dbo.usp_x @d='...'", "CALL s.p(...)", "BEGIN pkg.proc(...); END;",
# "executing etl.usp_x", SQL Server's "Msg 1205, ..., Procedure etl.usp_x, Line 88" header (and its
# translations: "Procedimiento", "Prozedur", "Procédure") or Oracle's 'ORA-06512: at "PKG.X", line 214'. A call
# that completed ("PL/SQL procedure successfully completed.") or that a later statement followed is not where
# the failure was.
# The prompt a SQL client echoes a statement after ("SQL> ", "dwh=> ", "1> "), when it shows one.
_ECHO_PROMPT = r"(?:\S*(?:SQL|=[>#-])>?\s*|\d+>\s*)"
_ROUTINE_NAME = r"\[?([A-Za-z_][\w$#]*\]?\.\[?[A-Za-z_][\w$#]*(?:\]?\.\[?[A-Za-z_][\w$#]*)?)\]?"
# A call: a verb of calling, the name, then its arguments, the statement's end or the line's; or, in a log of any
# language, a name followed by T-SQL's named parameters ("εκτέλεση dbo.usp_x @Year=2026", "step 3 usp_x @Day='d'").
_ROUTINE_CALL = re.compile(
    r"(?i:\b(?:exec(?:ute)?|call|begin|executing|calling)\s+(?:procedure\s+)?)"
    + _ROUTINE_NAME
    + r"(?=\s*(?:\(|@|;|['\"?:]|$)|\s+(?:on|with|at|against)\b)|"
    + r"(?<![\w@.$#\]])\[?([A-Za-z_][\w$#]*(?:\]?\.\[?[A-Za-z_][\w$#]*){0,2})\]?\s+@\w+\s*="
)
_ROUTINE_AT = re.compile(
    r"(?i:\b(?:procedure|procedimiento|prozedur|procédure|procedura|procedimento)\s+)\[?([\w$#.\[\]]+?)\]?,\s*\w+\s+\d|"
    r"\bORA-06512: \w+ \"([^\"]+)\""
)
# PostgreSQL's CONTEXT line naming the function a failed statement ran in ("PL/pgSQL function x.f(date) line 41 at
# SQL statement"), a few lines under the error when the statement it quotes spans several.
_PLPGSQL_AT = re.compile(r"^\s*(?:CONTEXT:\s+)?PL/pgSQL function ([\w$]+(?:\.[\w$]+)?)\(")
ROUTINE_BELOW = 8
# A statement a client ran after a call (the call above it is not where the failure was), at a line's start.
_STATEMENT_START = re.compile(
    rf"^\s*{_ECHO_PROMPT}?(?i:select|insert|update|delete|merge|create|alter|drop|truncate|copy|with|grant)\b"
)


def _may_call(line: str) -> bool:
    """Whether `line` holds a literal that every match of _ROUTINE_CALL needs: a verb of calling ("exec", "call",
    "beg[in]"; its case-insensitive letters fold to no other character) or T-SQL's "@". Far cheaper than the
    regex, for the scan of up to SUBJECT_REACH lines above a failure."""
    if "@" in line:
        return True
    lowered = line.lower()
    return "exec" in lowered or "call" in lowered or "beg" in lowered


def _after_call(line: str) -> bool:
    """Whether `line` says a call above it completed, or is a statement that followed it."""
    return "successfully completed" in line or _STATEMENT_START.match(line) is not None


# robocopy's per-file error while copying, in Windows' languages, and the destination of its run header
_ROBOCOPY_COPYING = re.compile(
    r"\b(?:ERROR|ERREUR|FEHLER|ERRO|ERRORE|FOUT|BŁĄD|CHYBA|HATA|エラー)\s+\d+ \(0x[0-9A-Fa-f]{8}\) "
    r"(?:Copying File|Copie du fichier|Kopieren der Datei|Copiando archivo|Copiando arquivo|Copia del file|"
    r"Kopiëren van bestand|Kopiowanie pliku|Kopírování souboru|Dosya kopyalanıyor|ファイルをコピーしています)",
    re.IGNORECASE,
)
_ROBOCOPY_DEST = re.compile(  # read on the stripped line (runs of spaces and words alternate: linear)
    r"(?:Dest|Ziel|Destino|Cible|Destinazione|Doel|Cel|Cíl|Hedef|Kohde|Mål|コピー先|宛先) ?:[ \t]*"
    r"((?:[A-Za-z]:|\\\\)\S*(?:\s+\S+)*)"
)
ROBOCOPY_HEADER_REACH = 2000  # how far above a copy error its run's header is looked for


def robocopy_destination(line: str, above: Sequence[str]) -> str | None:
    """The destination of the robocopy run whose "ERROR 112 (0x00000070) Copying File <source file>" (or 5, in
    Windows' languages) `line` is: the "Dest :" of the last run header in `above` (rules-22). A file that could
    not be written was going there; the message names only the source file. None for another line ("Accessing
    Source Directory" is about the source) or when no header is found within ROBOCOPY_HEADER_REACH lines."""
    if _ROBOCOPY_COPYING.search(line) is None:
        return None
    for text in reversed(above[-ROBOCOPY_HEADER_REACH:]):
        match = _ROBOCOPY_DEST.match(text[:MAX_CHARS].strip())
        if match:
            return match.group(1)  # as robocopy prints it
    return None


def target_above(lines: Sequence[str], *, remote_only: bool = False) -> str | None:
    """Where the job was writing: the destination the last line in `lines` (the lines up to an error, in
    order) that names one gives, or None. What a full disk or a refused write is about when its own message
    does not say (gzip's "stdout: No space left on device", gsutil's "does not have storage.objects.create").
    remote_only: only a store or share (a URL, "\\\\server\\share"): a copy to a local path that was refused
    was reading from elsewhere (a download), and a local write refused names its path in the message."""
    for line in reversed(lines[-SUBJECT_REACH:]):
        target = target_of(line)
        if target:
            return target if not remote_only or _is_remote(target) else None
    return None


def is_code_file(path: str) -> bool:
    """A program's or a script's file ("/x/run.sh", "E:\\x\\Export.ps1:71"), not data a job writes."""
    return _CODE_FILE.fullmatch(path.rsplit(":", 1)[0] if re.search(r":\d+$", path) else path) is not None


def _is_remote(path: str) -> bool:
    return path.startswith(("\\\\", "//")) or ("://" in path and not path.startswith("file:"))


def target_of(line: str) -> str | None:
    """The destination one line names (a copy's target, a redirection, an output option, a stated
    destination), or None."""
    return _target_of(line) if "/" in line or "\\" in line else None


def _target_of(line: str) -> str | None:
    """The destination one line names, or None."""
    for count, command in enumerate(_COPY_COMMAND.finditer(line)):
        if count == MAX_COMMANDS:  # a line is one command line, with a pipe or two, not hundreds
            break
        if not _in_command_position(line, command.start()):
            continue
        windows = command.group(1).lower() in ("copy", "move", "xcopy", "robocopy", "copy-item", "move-item")
        paths: list[str] = []
        for argument in line[command.end() :].split():
            if argument in _COMMAND_END:
                break
            if argument.startswith("-") or (windows and _WINDOWS_OPTION.fullmatch(argument)):
                continue
            path = _PATH_ARGUMENT.fullmatch(argument)  # a source may be a pattern ("E:\\out\\*.pdf")
            if path and path.group(1) not in ("/", "\\\\"):
                paths.append(path.group(1))
        if len(paths) >= 2 or (paths and "://" in paths[-1]):
            return paths[-1]
    for count, archiver in enumerate(_ARCHIVER.finditer(line)):
        if count == MAX_COMMANDS:
            break
        if _in_command_position(line, archiver.start()):
            archive = _archive_of(archiver.group(1).lower(), line[archiver.end() :].split())
            if archive:
                return archive
    for pattern in (_OUTPUT_OPTION, _REDIRECT, _STATED_TARGET):
        if pattern is _REDIRECT and _LOG_WRITE.search(line):
            continue
        for match in pattern.finditer(line):
            value = match.group(1).rstrip(".:")
            if pattern is _STATED_TARGET and value.startswith(("http://", "https://")):
                continue  # "connecting to https://x": a service, not a place a file is written
            if pattern is _REDIRECT and value.endswith(".log"):
                continue  # "... >> /var/log/x.log": the job's own log
            if len(value) > 1 and value != "/dev/null" and not _CODE_FILE.fullmatch(value):
                return value
    return None


def _archive_of(archiver: str, arguments: Sequence[str]) -> str | None:
    """The archive a 7z ("a"/"u"), zip or creating tar (an option cluster with "c" and "f") command writes."""
    if archiver == "tar":
        for index, argument in enumerate(arguments[:-1]):
            cluster = argument.lstrip("-")
            if "c" in cluster and cluster.endswith("f") and cluster.isalpha() and not argument.startswith("--"):
                return arguments[index + 1].strip("\"'")
        return None
    if archiver != "zip":
        if not arguments or arguments[0] not in ("a", "u"):
            return None
        arguments = arguments[1:]
    for argument in arguments:
        if argument in _COMMAND_END:
            return None
        if not argument.startswith("-"):  # the first operand, when it is an archive ("zip I/O error" is not)
            return argument.strip("\"'") if _ARCHIVE_FILE.search(argument) else None
    return None


# pydantic's report of a model's invalid fields: "1 validation error for Model", then each field's path on a line of
# its own ("ley_cu_pct", "items.0.price") above its indented reason ("  Input should be ...").
_VALIDATION_HEADER = re.compile(r"\b\d+ validation errors? for [A-Za-z_]\w*\s*$")
_FIELD_PATH = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+){0,5}")


_INSTANCE_PATH = re.compile(r"^On instance((?:\[[^\]]*\])+):\s*$")  # jsonschema's "On instance['a'][4]['b']:"
_INSTANCE_KEY = re.compile(r"\['([^']+)'\]|\[\"([^\"]+)\"\]")
INVALID_FIELD_BELOW = 8  # how far below a validation error the field it refused is still reported


def invalid_field(error: str, below: Sequence[str]) -> str | None:
    """The first field pydantic's validation error `error` reports invalid, from the lines `below` it (rules-23), or
    the field of the instance jsonschema's ValidationError says failed ("On instance['items'][4]['qty']:", rules-24)."""
    if "ValidationError" in error:
        for line in below[:INVALID_FIELD_BELOW]:
            instance = _INSTANCE_PATH.match(line.strip()) if line.startswith("On instance") else None
            if instance:
                keys = [a or b for a, b in _INSTANCE_KEY.findall(instance.group(1))]
                return keys[-1] if keys else None
    if not below or _VALIDATION_HEADER.search(error) is None:
        return None
    field = below[0].strip()
    reason = below[1] if len(below) > 1 else ""
    return field if _FIELD_PATH.fullmatch(field) and reason[:1] in (" ", "\t") else None


# A name a log pairs with an application's id: "sp-x  appId <id>", "(sp-x, appId <id>)", "client_id=<id> ... (sp-x)".
_ID_WORDS = r"(?i:app ?id|application ?id|client[_ -]?id|object ?id)"
_NAME_BEFORE_ID = r"(?<![\w.-])([A-Za-z][\w.-]{0,100}\w)[,:]?\s+" + _ID_WORDS + r"[:=]?\s+"
_NAME_AFTER_ID = r"[^\n]{0,200}\(([A-Za-z][\w.-]{0,100}\w)\)\s*$"
_NAME_MARKS = re.compile(r"[-_.]")  # what makes a word a name ("sp-x", not "retry")
ID_NAME_REACH = 40  # lines after the error that may still pair a name with the id (a wrapper's report)


def name_of_id(identifier: str, lines: Sequence[str]) -> str | None:
    """The name `lines` pair with an application's id `identifier` (a GUID), else the service principal they name
    by its name (rules-25), or None (rules-23)."""
    escaped = re.escape(identifier)
    before = re.compile(_NAME_BEFORE_ID + escaped + r"\b")
    after = re.compile(escaped + _NAME_AFTER_ID)
    for line in lines:
        if identifier not in line:
            continue
        for pattern in (before, after):
            match = pattern.search(line)
            if match and _NAME_MARKS.search(match.group(1)):
                return match.group(1)
    for line in lines:  # rules-25: else the one service principal the job names ("principal de service sp-x")
        lowered = line.lower()
        if _may_name_principal(lowered):
            named = [m.group(1) for m in _SERVICE_PRINCIPAL.finditer(line) if _NAME_MARKS.search(m.group(1))]
            if named and not UUID.match(named[0]):
                return named[0]
    return None


# An application's or object's id (a GUID)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def marker_file(line: str) -> str | None:
    """The marker file `line` names (its last), or None."""
    found = MARKER_FILE.findall(line[:MAX_CHARS])
    return found[-1] if found else None


_QUALIFIER = r"(?:[\"\[`]?[A-Za-z_][\w$#]*[\"\]`]?\.){1,2}"  # "schema." or "db.schema.", quoted or not
_NOT_BEFORE_QUALIFIER = r"(?<![\w.$#/\\:@-])"  # not inside a path, a host, a URL or an address


def qualified_table(table: str, lines: Sequence[str]) -> str | None:
    """`table` with the schema (and database) the job names it under elsewhere in `lines` ("loyalty.points_ledger"
    for a "permission denied for table points_ledger"), if the job names it under one only; else None.

    Messages often name a table bare while the job's statements and settings name it in full, and which
    schema's table it is is what an operator looks up. Two schemas (or none) leave it bare; a longer form
    that ends with a shorter one ("dw.finance.t" and "finance.t") is the same table.
    """
    if not table or "." in table:
        return None
    pattern = re.compile(
        _NOT_BEFORE_QUALIFIER + "(" + _QUALIFIER + ")" + r"[\"\[`]?" + re.escape(table) + r"[\"\]`]?(?![\w$#]|\.\w)",
        re.IGNORECASE,
    )
    lowered = table.lower()
    forms: dict[str, str] = {}
    for line in lines:
        if lowered not in line.lower():
            continue
        for match in pattern.finditer(line[:MAX_CHARS]):
            qualifier = re.sub(r"[\"\[\]`]", "", match.group(1))
            forms.setdefault(qualifier.lower(), qualifier)
    if not forms:
        return None
    longest = max(forms, key=len)
    if any(not longest.endswith(other) or (other != longest and longest[-len(other) - 1] != ".") for other in forms):
        return None
    return forms[longest] + table


def routine_near(above: Sequence[str], below: Sequence[str]) -> str | None:
    """The stored routine a failed statement ran in: the one the database names at the error (SQL Server's
    "Procedure x" header in the line above, Oracle's first 'ORA-06512: at "x"' in the lines below, PostgreSQL's
    "PL/pgSQL function x(...)" in its CONTEXT under the statement), else the
    last one the job called in `above` (the lines up to the error, in order), or None."""
    for line in [*above[-1:], *below[:3]]:
        match = _ROUTINE_AT.search(line)
        if match:
            return _unbracketed(next(group for group in match.groups() if group))
    for line in below[:ROUTINE_BELOW]:  # PostgreSQL's CONTEXT, under the statement it quotes (rules-23)
        match = _PLPGSQL_AT.match(line) if "PL/pgSQL" in line else None
        if match:
            return match.group(1)
    for line in reversed(above[-SUBJECT_REACH:]):
        match = _ROUTINE_CALL.search(line) if _may_call(line) else None
        name = next((group for group in match.groups() if group), "") if match else ""
        if name and not _CODE_FILE.fullmatch(name):  # "executing load_emp.sql" runs a script
            return _unbracketed(name)
        if _after_call(line):
            return None  # the statement that failed came after any call above
    return None


# The account a job states it logs in with: a setting ("user=x", "username=\"x\"" in an escaped JAAS line,
# "VAULT_ROLE=x", "client_id: x"), an option ("--profile x", "--user=x"), the word and a name ("profile x",
# "client_id x", "Benutzer X_Y"), or a connect string's user ("connect X@TNS", "sqlplus X/***@TNS"). Without a
# "=" or ":" the name must look like one (a "_", "-", ".", "@" or digit in it): "user requested cancel" is prose.
# A user or login outranks a role, a profile or a client on the same line (the user logs in; the role is what
# it gets). Not an "account": in jobs that is as often a ledger's or a customer's as a login.
_USER_WORD = (
    r"user(?:_?name)?|login|uid|user_?id|benutzer(?:name)?|utilisateur|usuario|utente|usu[áa]rio|gebruiker|"
    r"anv[äa]ndare|bruger|bruker|u[żz]ytkownik|u[žz]ivatel"
)
_ACCOUNT_WORD = rf"{_USER_WORD}|client[-_ ]id|role(?:_?id)?|profile|principal"
_ACCOUNT_NAME = r"[A-Za-z][\w.$@-]*[\w$]"
_ACCOUNT_SETTING = re.compile(  # not a URL's path ("auth/approle/login: Error ...")
    rf"(?:(?<![\w-])--?|(?<![\w/])|[._])((?i:{_ACCOUNT_WORD}))(?:\\?[\"'])?\s*[=:]\s*\\?[\"']?({_ACCOUNT_NAME})"
)
_ACCOUNT_NAMED = re.compile(
    rf"(?:(?<![\w-])--?|(?<![\w/]))((?i:{_ACCOUNT_WORD}))\s+[\"']?({_ACCOUNT_NAME})(?=[\"'\s,;:)]|$)"
)
_USER = re.compile(rf"(?i:{_USER_WORD})")
_NAME_MARK = re.compile(r"[_.@\d-]")  # what makes a word a name
_CONNECT_STRING = re.compile(
    r"\b(?i:sqlplus|conn(?:ect)?(?:ing|ion)?|connessione|connexion|conexi[óo]n|conex[ãa]o|verbindung)\s*:?\s+"
    r"(?:-\w+\s+)*[\"']?([A-Za-z][\w$#-]*)(?:/\S*)?@[A-Za-z]"
)
# A login stated as the job connects, in prose of any language ("conectando a smtp.x:587 como a@x", "invio via
# smtp.x:587 come svc-x", "connecting to h:22 as etl"), a service principal by its name, or a DBI-style connect
# call's user ("DBI connect('//h:1521/S','SVC_X',...)").
_CONNECTED_AS = re.compile(r"\b(?:as|como|come|comme|als)\s+[\"']?([A-Za-z][\w.$@\\-]*[\w$])(?=[\"'\s,;:)]|$)")
_CONNECTING = re.compile(  # a verb of connecting, or a server's full name and port ("via smtp.x.test:587")
    r"(?i)\b(?:connect|conect|connett|connex|verbind|log ?in|log ?on|sign(?:ing|ed)? in|bind|anmeld)|"
    r"(?<![\w.-])[\w-]++\.[a-z][\w-]*+\.[a-z][\w.-]*+:\d{2,5}\b"
)
# What "as X" also says of a line that connects: an encoding, a file, a null value ("reading extract as latin-1").
_NOT_A_LOGIN_AS = re.compile(r"(?i)(?:utf|latin|iso|cp|windows|ascii|ucs|ebcdic)[-_]?\d*(?:-\d+)?|null\w*|none|http\w*")
_FILE_NAME_END = re.compile(r"\.[a-z][a-z0-9]{1,4}$")  # "orders_0203.csv.gz": a file, unless a mail address
_SERVICE_PRINCIPAL = re.compile(
    r"(?i:service principal|principal de service|principal del? servicio|entidad de servicio|dienstprinzipal|"
    r"principal de servi[çc]o|principale (?:del )?servizio|сервисн\w{0,3} принципал\w{0,3})"  # (rules-26: pt, it, ru)
    r"(?: name)?:?\s+[\"']?"
    r"([A-Za-z][\w.@-]*\w)"
)
_PRINCIPAL_LITERALS = ("princip", "servicio", "принципал")  # the cheap test before _SERVICE_PRINCIPAL


def _may_name_principal(lowered: str) -> bool:
    """Whether a lower-cased line may name a service principal (_SERVICE_PRINCIPAL's words are in it)."""
    return any(literal in lowered for literal in _PRINCIPAL_LITERALS)


_CONNECT_CALL = re.compile(r"\bconnect\(\s*['\"][^'\"]*['\"]\s*,\s*['\"]([A-Za-z][\w.$@-]*)['\"]")
_ACCOUNT_LITERALS = ("user", "login", "uid", "client", "role", "profile", "principal", "benutzer", "utilisateur",
                     "usu", "utente", "gebruiker", "anv", "bruger", "bruker", "ytkownik", "ivatel", "conn", "sqlplus",
                     "verbindung", " as ", " como ", " come ", " comme ", " als ", "connect(", "servicio")  # fmt: skip
# Values that say something of a login, not who: states, flags, nulls, counts ("login OK", "user: null").
_NOT_AN_ACCOUNT = frozenset(
    "null none nil true false yes no ok ko success successful failed failure attempt enabled disabled on off id ids "
    "http https unknown unauthenticated anonymous default self user username login cfg config conf settings env "
    "os arn".split()
)
_PROSE_NAME = re.compile(r"[A-Z][a-z]+")  # "login: Invalid username", "Error making API request"


def _is_code_value(line: str, match: re.Match[str], group: int) -> bool:
    """A setting's value that is an expression of code ("username=dest.user," or "user = cfg['user']" in a
    traceback's source)."""
    value, after = match.group(group), line[match.end(group) : match.end(group) + 1]
    return after in ("(", "[") or ("." in value and value.islower() and after in (",", ")"))


def credential_above(lines: Sequence[str]) -> str | None:
    """The account the job last stated it logs in with in `lines` (the lines up to a refused login, in
    order): what to check the password, key or secret of. None when no line states one."""
    for line in reversed(lines[-SUBJECT_REACH:]):
        lowered = line.lower()
        if not any(literal in lowered for literal in _ACCOUNT_LITERALS):
            continue
        found = [(m.group(1), m.group(2)) for m in _ACCOUNT_SETTING.finditer(line) if not _is_code_value(line, m, 2)]
        found += [
            (m.group(1), m.group(2))
            for m in _ACCOUNT_NAMED.finditer(line)
            if not m.group(1).isupper() and _NAME_MARK.search(m.group(2))  # not a protocol's "AUTH LOGIN X"
        ]
        found += [("user", m.group(1)) for m in _CONNECT_STRING.finditer(line)]
        found += [("user", m.group(1)) for m in _CONNECT_CALL.finditer(line)] if "connect(" in lowered else []
        if _may_name_principal(lowered):  # a name, not "service principal authentication"
            found += [
                ("principal", m.group(1)) for m in _SERVICE_PRINCIPAL.finditer(line) if _NAME_MARK.search(m.group(1))
            ]
        if _CONNECTING.search(line):
            found += [
                ("user", m.group(1))
                for m in _CONNECTED_AS.finditer(line)
                if _NAME_MARK.search(m.group(1))
                and not _NOT_A_LOGIN_AS.fullmatch(m.group(1))
                and ("@" in m.group(1) or not _FILE_NAME_END.search(m.group(1)))
            ]
        names = [
            (_USER.fullmatch(word) is not None, name)
            for word, name in found
            if name.lower() not in _NOT_AN_ACCOUNT
            and name.lower() not in _NOT_A_NAME
            and not _PROSE_NAME.fullmatch(name)
        ]
        if names:
            users = [name for is_user, name in names if is_user]
            return users[-1] if users else names[-1][1]
    return None


# An Oracle client's login from a wallet ("sqlplus /@ALIAS", "userid=/@ALIAS"), and a line of the wallet's listing
# ("mkstore -wrl w -listCredential": "1: ALIAS USER"), rules-25.
_WALLET_LOGIN = re.compile(r"(?:^|[\s=])/@([A-Za-z][\w.$#-]*)")
_WALLET_ENTRY = re.compile(r"^\s*\d+: (\S+) ([A-Za-z][\w$#@.-]*)\s*$")
WALLET_REACH = 30  # how far below a refused login the job's listing of its wallet is read


def wallet_account(above: Sequence[str], below: Sequence[str]) -> str | None:
    """The account an Oracle wallet holds for the alias the last client in `above` (the lines up to a refused login)
    logged in with ("/@ALIAS"), as the wallet's listing in `below` (the lines after it) gives it, or None: the
    account whose password the wallet holds (the connect string names none)."""
    for line in reversed(above[-SUBJECT_REACH:]):
        login = _WALLET_LOGIN.search(line) if "/@" in line else None
        if login is None:
            continue
        for listed in below[:WALLET_REACH]:
            entry = _WALLET_ENTRY.match(listed) if ": " in listed else None
            if entry and entry.group(1).lower() == login.group(1).lower():
                return entry.group(2)
        return None
    return None


# A line of `df`'s report on a file system that is (all but) full: "/dev/mapper/vg-docker  80G  80G  20K 100%
# /var/lib/docker" (-h, -k, -P and -T forms; a long device name on its own line leaves the figures below it).
_DF_SIZE = r"[\d.,]+[KMGTPE]?i?\s+"
_DF_FULL = re.compile(rf"^(?:\S+\s+)?(?:\S+\s+)?{_DF_SIZE}{_DF_SIZE}{_DF_SIZE}(?:9[89]|100)%\s+(/\S*)\s*$")
FULL_MOUNT_REACH = 40  # how far from a full disk's error a df report of it is read


def full_mount(above: Sequence[str], below: Sequence[str]) -> str | None:
    """The mount point of the file system a `df` report in the lines `below` a full-disk error (first) or `above` it
    (nearest first) shows at 98 % or more, or None (rules-25): the file system to free, whatever file the writer
    was writing."""
    for line in (*below[:FULL_MOUNT_REACH], *reversed(above[-FULL_MOUNT_REACH:])):
        if "%" in line:
            report = _DF_FULL.match(line.strip())
            if report:
                return report.group(1)
    return None


# A Snowflake warehouse as a job or its client names it ("USE WAREHOUSE RPT_WH;", "--warehouse RPT_WH", "warehouse
# RPT_WH (X-Small)", "SHOW WAREHOUSES LIKE 'RPT_WH'"): upper-case, as Snowflake stores unquoted names.
_WAREHOUSE = re.compile(
    r"(?i:\buse\s+warehouse\s+|--warehouse[= ]|\bwarehouse[= ]\s*|\bshow\s+warehouses\s+like\s+)[\"']?"
    r"([A-Z][A-Z0-9_$]*[A-Z0-9])\b(?![.(])"
)
_WAREHOUSE_WORDS = KeywordSet(("arehouse", "AREHOUSE"))  # one of which is on every line it reads
WAREHOUSE_REACH = 60  # how far from a statement timeout the warehouse it ran on is looked for


def warehouse_near(above: Sequence[str], below: Sequence[str]) -> str | None:
    """The Snowflake warehouse named nearest above a statement or warehouse timeout (in `above`, the lines up to it)
    or, failing that, first in the lines `below` it, or None (rules-25): whose STATEMENT_TIMEOUT_IN_SECONDS and size
    decide how long a statement may run."""
    lines = (*reversed(above[-WAREHOUSE_REACH:]), *below[:WAREHOUSE_REACH])
    found = _first_search(lines, _WAREHOUSE, _WAREHOUSE_WORDS)
    return found.group(1) if found else None


# A record's identifier, as the data names it (rules-25): an upper-case code of three to five parts of letters and
# digits with at least three digits ("GMF-260609-121", "ALP-SA-2612-004127", "8712-26-0044817"), or a shipping
# container's number (ISO 6346: "TGHU8812043", "FMPU 302418-6"); not a date, a GUID or a program's message id
# ("BD-E-2207").
_RECORD_ID = re.compile(
    r"(?<![\w./\\:@#$=-])(?!\d{4}-\d\d-\d\d(?![\dA-Z-])|\d\d-\d\d-\d{4}(?![\dA-Z-])|[0-9A-F]{8}-[0-9A-F]{4}-|[A-Z][A-Z0-9]*-[A-Z]-\d+(?![\w-]))"
    r"(?=[A-Z0-9])(?=(?:[A-Z -]{0,21}\d){3})"
    r"([A-Z0-9]{1,10}(?:-[A-Z0-9]{1,10}){2,4}|[A-Z]{3}[UJZ](?:\d{7}| \d{6}-?\d))(?![\w./\\:@-])"
)
# The string pydantic refused, as it prints it under the field ("[type=string_pattern_mismatch, input_value='26LT21',")
_REFUSED_STRING = re.compile(r"\binput_value='([^'\s]{3,60})'")
RECORD_ABOVE = 3  # how far above an invalid-data error the record the job was working on is still named
RECORD_BELOW = 15  # how far below it the job's own summary may name the record


def record_near(error: str, above: Sequence[str], below: Sequence[str]) -> str | None:
    """The record an invalid-data `error` is about: the identifier the error names, else the one the nearest of the
    lines just `above` it names (the record the job reports working on), else the first the lines `below` name
    (the job's summary) or the string pydantic refused there, or None: what an operator corrects at the source."""
    for line in (error, *reversed(above[-RECORD_ABOVE:]), *below[:RECORD_BELOW]):
        found = _RECORD_ID.search(line[:MAX_CHARS])
        if found is None and "input_value='" in line:  # pydantic's refused string under its field
            found = _REFUSED_STRING.search(line[:MAX_CHARS])
        if found:
            return found.group(1)
    return None


# The name a job gives what it started, by which its platform reports it: Spark's application ("--name x",
# "Submitted application: x"), a batch framework's job ("Job: [SimpleJob: [name=x]]", "Job x ... has been
# submitted"), a container ("docker run --name x"), a systemd unit ("--unit x") or a Kubernetes job (rules-25:
# "kubectl create job x --from=cronjob/y", "job.batch/x created").
_APPLICATION = re.compile(
    r"\bSubmitted application: ([\w.-]+)|"
    r"\bkubectl\b[^|;&]{0,200}?\screate job ([a-z0-9][a-z0-9.-]*[a-z0-9])|"
    r"(?<![\w.])job\.batch/([a-z0-9][a-z0-9.-]*[a-z0-9]) created\b|"
    r"\b(?:spark-submit|docker run|podman run|systemd-run|flink run)\b[^|;&]{0,300}?"
    r"(?<![\w-])--(?:name|unit)[= ][\"']?([A-Za-z][\w.@-]*\w)|"
    r"\bJob: \[\w+: \[name=([A-Za-z][\w.-]*\w)\]\]|"
    r"\bJob (?:name )?[\"']?(?!(?:was|is|has|had|been|will|successfully)\b)([A-Za-z][\w.-]*\w)[\"']? "
    r"(?:with instance ID \d+ )?(?:has been |was )?(?:submitted|started|launched)\b|"
    r"\b(?:console|artisan) ([a-z][\w-]*(?::[\w-]+)+)"  # a PHP framework's command ("bin/console app:orders:x")
)
_APPLICATION_LITERALS = ("--name", "Job", "--unit", "application:", "console ", "artisan ", "create job", "job.batch/")


def application_above(lines: Sequence[str]) -> str | None:
    """The application, batch job or container the job last named as it started it in `lines` (the lines
    up to an error, in order), or None: what an operator looks up in its platform's console."""
    for line in reversed(lines[-SUBJECT_REACH:]):
        if not any(literal in line for literal in _APPLICATION_LITERALS):
            continue
        match = _APPLICATION.search(line)
        if match:
            return next(group for group in match.groups() if group)
    return None


# A JVM stack trace's frame of a main method ("\tat com.x.bento.BentoPlanner.main(BentoPlanner.java:47)", after its
# module or class loader: "java.base/", "app//"): the class the JVM was started with.
_MAIN_FRAME = re.compile(r"^\s+at (?:[\w$.@-]*/{1,2})?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.main\(")


def main_class(below: Sequence[str]) -> str | None:
    """The class whose main method the stack trace in `below` (the lines after an error, in order) starts from,
    or None (rules-25): the program a JVM that failed was running, as `jps` and the job's own command name it."""
    for line in below:
        if ".main(" in line:
            frame = _MAIN_FRAME.match(line)
            if frame:
                return frame.group(1)
    return None


# The main class a command line starts a JVM with (rules-25): spark-submit's and flink's "--class x.y.Z", or java's
# first argument after its options that is a class ("java -Xmx2g -cp '/x/lib/*' com.x.Export --day 1")
_STARTED_CLASS = re.compile(
    r"\b(?:spark-submit|flink run)\b[^|;&]{0,400}?\s(?:--class|-c)[= ]([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)|"
    r"(?<![\w/.-])java(?:\.exe)?[\"']?(?:\s+(?:-(?:cp|classpath|-class-path)\s+\S+|-\S+))*+\s+"
    r"((?:[a-z_][\w$]*\.)+[A-Z][\w$]*)(?=\s|$)"
)
_STARTED_CLASS_WORDS = KeywordSet(("java", "--class"))  # one of which is on every line it reads


def class_started(above: Sequence[str]) -> str | None:
    """The main class the last JVM command line in `above` (the lines up to an error, in order) starts, or None."""
    found = _first_search(reversed(above[-SUBJECT_REACH:]), _STARTED_CLASS, _STARTED_CLASS_WORDS)
    return (found.group(1) or found.group(2)) if found else None


# A statement a SQL client echoes, and the table it works on ("SQL> INSERT /*+ APPEND */ INTO s.t ...",
# "UPDATE s.t SET", "CREATE INDEX i ON s.t", "MERGE INTO s.t", "REFRESH MATERIALIZED VIEW s.v").
_STATEMENT_BODY = (
    r"(?i:insert\s+(?:/\*.*?\*/\s*)?(?:into|overwrite\s+table)|update|"
    r"delete\s+from|merge\s+into|create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?table|"
    r"create\s+(?:unique\s+)?(?:(?:non)?clustered\s+)?index\s+\S+\s+on|alter\s+table|truncate\s+table|"
    r"refresh\s+materialized\s+view(?:\s+concurrently)?)\s+(?i:if\s+(?:not\s+)?exists\s+)?"
    r"([\w$#.\"`\[\]]*\w[\"`\]]?)"
)
_STATEMENT = re.compile(rf"^\s*{_ECHO_PROMPT}?{_STATEMENT_BODY}")
# The same statement a job's logger reports after its prefix ("04:30:56 INFO kpi.refresh: REFRESH MATERIALIZED
# VIEW kpi.x ..."), and the words that say it completed ("... ok (41 s)": the one that failed came after it).
_LOGGED_STATEMENT = re.compile(rf"^.{{0,160}}?:\s+{_STATEMENT_BODY}")
_COMPLETED = re.compile(  # at the line's end, after the statement ("... ok (41 s)", "- 1200 rows deleted")
    r"(?i)(?:\.{3}|\s[-–]\s|\))\s*(?:ok|done|completed?|succeeded|finished|erfolgreich|termin[ée]e?)\b|"
    r"\b\d[\d.,]* rows?(?: (?:deleted|inserted|updated|merged|affected|loaded|copied))?\b|\(\d+(?:[.,]\d+)? ?m?s\)\s*$"
)
LOGGED_STATEMENT_REACH = 40  # how far above a timeout a statement a logger reported is still the one running
# rules-24: what a job's logger says it queries ("querying ERP.V_ISSUE ...", "query on wms.stock_v failed",
# "select ... from dw.x", not a subquery's "(SELECT ... FROM x" nor a CLI's "--query"): a dotted name, the table or
# view a read that timed out ran on
_QUERIED = re.compile(
    r"(?i:(?<![\w-])quer(?:y|ying|ied)(?:\s+(?:on|of|against|from))?|(?<![\w(])(?<!\(\s)select\b[^;]{0,200}?\sfrom|"
    r"\bread(?:ing)? from)\s+"
    r"(?i:(?:table|view)\s+)?[\"`\[]?([A-Za-z_][\w$#]*[\"`\]]?\.[\"`\[]?[A-Za-z_][\w$#]*(?:[\"`\]]?\.[\"`\[]?[A-Za-z_][\w$#]*)?)"
    r"[\"`\]]?(?![\w.(])"
)


_SQL_PROMPT = re.compile(r"^\s*(?:\S*(?:SQL|=[>#-])>|\d+>)")
# What follows a statement's table in SQL (rules-25: "UPDATE t SET", "UPDATE t l JOIN", "INSERT INTO t (a, b) VALUES")
_SQL_GOES_ON = re.compile(
    r"(?<!\s)\s++(?:\w{1,3}\s++)?(?:SET|JOIN|INNER JOIN|LEFT JOIN|WHERE|VALUES|SELECT)\b|(?<!\s)\s*+\(\w+,"
)


def statement_table_above(above: Sequence[str], *, first: bool = False) -> str | None:
    """The table of the last statement a SQL client echoed in `above` (the lines up to an error, in order):
    what a statement that timed out was working on, when no routine is named. None when there is none.
    `first`: of the first statement instead (a deadlock report below the error, rules-25)."""
    window = above[-SUBJECT_REACH:]
    for distance, line in enumerate(window if first else reversed(window)):
        match = _STATEMENT.match(line)
        # "Update available for x" is prose: a statement names a schema, follows a prompt or goes on as SQL does
        if match and ("." in match.group(1) or _SQL_PROMPT.match(line) or _SQL_GOES_ON.match(line, match.end())):
            return _unbracketed(match.group(1)).replace('"', "").replace("`", "")
        logged = _LOGGED_STATEMENT.match(line) if ": " in line and distance < LOGGED_STATEMENT_REACH else None
        if logged and "." in logged.group(1):
            if _COMPLETED.search(line, logged.end()):
                return None  # the statement the job reports next (not echoed) is the one that ran out of time
            return _unbracketed(logged.group(1)).replace('"', "").replace("`", "")
        queried = _QUERIED.search(line[:MAX_CHARS]) if distance < LOGGED_STATEMENT_REACH else None
        if queried is None:
            continue
        previous = window[-distance - 2].rstrip() if distance + 2 <= len(window) else ""
        if _STATEMENT.match(previous) and not previous.endswith(";"):
            continue  # the SELECT of an "INSERT INTO x" above: the statement is that insert's
        name = _unbracketed(queried.group(1)).replace('"', "").replace("`", "")
        if not is_host_name(name):  # rules-24: the table or view the job's logger says it queries
            return None if _COMPLETED.search(line, queried.end()) else name
    return None


# rules-26: a view by its naming convention ("v_x", "vw_x", "s.v_x"), in any language's sentence ("consultando
# v_saldo", "truy vấn v_san_luong"): not a file ("/sql/v_x.sql", "v_x.csv") nor a call ("v_x(")
_CONVENTION_VIEW = re.compile(
    r"(?<![\w.$/\\-])((?:[A-Za-z_][\w$]{0,63}\.)?[Vv][Ww]?_[A-Za-z][\w$]{0,63})(?![\w$(/\\-]|\.\w)"
)
_CONVENTION_VIEW_WORDS = KeywordSet(("_",))


def view_above(above: Sequence[str]) -> str | None:
    """The view the last of `above` (the lines up to a statement that timed out, in order) names by the naming
    convention of views, within LOGGED_STATEMENT_REACH: what the job said it read when no statement is echoed.
    None when there is none."""
    found = _first_search(reversed(above[-LOGGED_STATEMENT_REACH:]), _CONVENTION_VIEW, _CONVENTION_VIEW_WORDS)
    return found.group(1) if found else None


# rules-26: a schema-qualified name ("mes.mold_cycles", "trace.dmc_link"), not a file, a host or a call
_DOTTED_OBJECT = re.compile(r"(?<![\w.$/\\@:-])([A-Za-z_][\w$]{1,63}\.[A-Za-z_][\w$]{2,63})(?![\w$.(/\\@:-])")
SUMMARY_REACH = 15  # how far below a failure the job's own summary of it is read


def summarised_object(summaries: Sequence[str], above: Sequence[str]) -> str | None:
    """The schema-qualified object the job's own summary of its failure names (`summaries`: the error lines right
    below it, in order), when the job worked on it before (`above`: the lines up to the failure names it): what a
    wrapper says, in any language, a lock conflict or a time limit was on ("deadlock v trace.dmc_link", "dotaz na
    mes.mold_cycles prekročil"). None when no summary names one."""
    window = above[-SUBJECT_REACH:]
    for line in summaries:
        for match in _DOTTED_OBJECT.finditer(line[:MAX_CHARS]):
            name = match.group(1)
            if is_host_name(name) or is_code_file(name) or is_data_file(name):
                continue
            if any(name in earlier for earlier in window):
                return name
    return None


# A job, task or model the job started on another system, as the last line above a time limit names it:
# "kubectl create job x", "job.batch/x created", "Executing <Task(PythonOperator): x>", "START sql table model
# s.x", "submitted job x", "helm upgrade --install x", "Database Error in model x" (the one that failed, when
# several ran at once), the object "kubectl describe" shows above its events and the pod its job created.
_STARTED_JOB = re.compile(
    r"\b(?:create|created|starting|started|triggering|triggered|submitting|submitted|running|executing|launching|"
    r"launched|START|(?i:error|failure) in)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:job|cronjob|flow|pipeline|workflow|dag|task|model)\s+[\"']?([A-Za-z][\w.:-]*\w)|"
    r"(?<![\w.])(?:job|cronjob|pod|deployment|statefulset|release)(?:\.\w+)*+/"
    r"([A-Za-z][\w.-]*\w) (?:created|started)\b|"
    r"<Task\(\w+\): ([\w.-]+)>|\bhelm (?:upgrade --install|install|upgrade) ([A-Za-z][\w.-]*)|"
    # rules-24: the object `kubectl describe` shows, whose events follow ("Name:             x-20261203"), and the
    # pod its job controller reports it created ("Created pod: x-20261203-6kq2w")
    r"^Name:\s{2,}([a-z0-9][a-z0-9.-]*[a-z0-9])\s*$|\bCreated pod: ([a-z0-9][a-z0-9.-]*[a-z0-9])"
)


# Literals one of which every match of _STARTED_JOB holds (or the line starts with "Name:"): a test far cheaper
# than the regex, for the scan of up to SUBJECT_REACH lines.
_STARTED_JOB_WORDS = KeywordSet((
    "job", "flow", "pipeline", "dag", "task", "model", "created", "started", "<Task(", "helm ", "Created pod: ",
))  # fmt: skip


def job_above(above: Sequence[str]) -> str | None:
    """The job, task or model the last line in `above` (the lines up to an error, in order) says was started
    elsewhere (a cluster, an orchestrator, a build tool): what a time limit stopped. None when none is named."""
    for line in reversed(above[-SUBJECT_REACH:]):
        if not line.startswith("Name:") and not _STARTED_JOB_WORDS.found_in(line):
            continue
        match = _STARTED_JOB.search(line)
        if match:
            return next(group for group in match.groups() if group)
    return None


# z/OS's "IEF212I JOB STEP DDNAME - DATA SET NOT FOUND" names a DD; the JCL listing above gives its data set
# ("//CDRIN DD DSN=A.B.C,DISP=SHR", and the symbols substituted on the next line: "IEFC653I SUBSTITUTION JCL -
# DSN=A.B.D251217,DISP=SHR").
_DD_NOT_FOUND = re.compile(r"\bIEF212I\s+(?:\S+\s+){1,3}?(\S+) - DATA SET NOT FOUND")
_DSN = re.compile(r"\bDSN(?:AME)?=([A-Z0-9.#$@&()+-]+)")


def dd_data_set(error: str, above: Sequence[str]) -> str | None:
    """The data set the DD an IEF212I `error` names was to be, from the JCL listing in `above`, or None."""
    reported = _DD_NOT_FOUND.search(error) if "IEF212I" in error else None
    if reported is None:
        return None
    statement = re.compile(rf"//{re.escape(reported.group(1))}\s+DD\b")
    for index in range(len(above) - 1, -1, -1):
        if statement.search(above[index]):
            following = above[index + 1] if index + 1 < len(above) else ""
            data_set = _DSN.search(following) if "IEFC653I" in following else None
            data_set = data_set or _DSN.search(above[index])
            return data_set.group(1) if data_set else None
    return None


def _unbracketed(name: str) -> str:
    """A SQL Server name without its brackets ("[etl].[usp_x]" -> "etl.usp_x")."""
    return name.replace("[", "").replace("]", "")


# How many commands of one line are read (a line is a command with a pipe or two; a hostile line of
# thousands would make every reader quadratic).
MAX_COMMANDS = 4
MAX_COMMAND_WORDS = 40  # words of a command line read for its program
# How far above an error line the program it ran or the data it read is looked for, in lines (a job's progress
# can print hundreds of lines between its command and its failure; a 10,000-line joblog is not read whole).
SUBJECT_REACH = 1000
# How far above an error line a host's port is still looked for.
PORT_REACH = 200


def host_port(host: str, lines: Sequence[str]) -> str:
    """`host` with the port the last of `lines` (up to the error line, in order) that gives one states
    ("h:1521", "h/10.0.0.7:1521", Oracle's "(HOST=h)(PORT=1521)", libpq's '"h" (ip), port 5432', MQ's
    "h(1414)"): a service is
    reached at a port, and the port is part of
    what to check. `host` alone when no line gives its port."""
    name = re.escape(host)
    stated = re.compile(
        rf"(?<![\w.-]){name}(?:/[\d.]+)?:(\d{{2,5}})(?![\d.:])|"  # "h:1521", Java's "h/10.0.0.7:1521"
        rf"\bHOST\s*=\s*{name}\s*\)\s*\(\s*PORT\s*=\s*(\d{{2,5}})\b|"
        rf"(?<![\w.-]){name}[\"')]?(?:\s*\([\d.:a-f]+\))?,\s*port\s+(\d{{2,5}})\b|"  # libpq's '"h" (ip), port N'
        rf"(?<![\w.-]){name}(?:\s*\([\d.]+\))?\((\d{{2,5}})\)|"  # MQ's CONNAME "h(1414)", "h (ip)(1414)"
        rf"(?<![\w.-]){name} port (\d{{2,5}})\b",  # ssh's and curl's "host h port 22"
        re.IGNORECASE,
    )
    for line in reversed(lines[-PORT_REACH:]):
        if host in line:
            match = stated.search(line)
            port = next((group for group in match.groups() if group), None) if match else None
            if port and 0 < int(port) < 65536:
                return f"{host}:{port}"
    return host


def is_prose_word(host: str) -> bool:
    """A "host" that is a small word of prose ("SQL Server est introuvable"), not a machine's name."""
    return _PROSE_WORD.fullmatch(host) is not None


def login_above(lines: Sequence[str]) -> str | None:
    """The login stated last in `lines` (the lines above an error, in order), or None."""
    for line in reversed(lines[-LOGIN_REACH:]):
        if " as " in line:
            match = _LOGIN_AS.search(line)
            if match is not None and match.group(1).lower() not in _NOT_A_NAME:
                return match.group(1)
    return None


_OBJECT_IN_SCHEMA = re.compile(
    r"\b(?i:object|objekt|objet|objeto|oggetto)\s+'([^',]{1,128})',\s*(?i:database|datenbank|base de données|"
    r"base de datos|banco de dados|base di dati)\s+'[^',]{1,128}',\s*(?i:schema|schéma|esquema)\s+'([^',]{1,128})'"
)
_LIBRARY_FILE = re.compile(r"\bfile ([A-Z][A-Z0-9_#$@]{0,9}) in library\b")
# A report's column header: upper-case words only, in columns ("MSGID   TYPE   SEV  DATE   FROM PGM   LIBRARY").
_COLUMN = re.compile(r"[A-Z][A-Z#/-]*(?: [A-Z][A-Z#/-]*)?")
_COLUMN_GAP = re.compile(r"\s{2,}")


def _is_column_header(line: str) -> bool:
    """A report's column header: four or more upper-case names (of one or two words) in columns."""
    columns = _COLUMN_GAP.split(line.strip())
    return len(columns) >= 4 and all(_COLUMN.fullmatch(column) for column in columns)


def extract(lines: Iterable[str]) -> Entities:
    """The entities of `lines` (error line first), read for naming the thing to fix."""
    lines = [line for line in lines if line]
    found = extract_entities(lines)
    added: Entities = {}
    dropped: dict[str, set[str]] = {"hosts": set(), "paths": set(), "tables": set()}
    object_tables: list[str] = []
    predecessors: list[str] = []
    for line in lines:
        lowered = line.lower()
        _read_line(line, lowered, added, dropped)
        if "  " in line and _is_column_header(line):  # "MSGID  TYPE  SEV  DATE  TIME  FROM PGM  LIBRARY": no table
            dropped["tables"].update(extract_entities([line]).get("tables", ()))
        if any(word in lowered for word in _OBJECT_WORDS):
            object_tables += [m.group(1) for m in _OBJECT_TABLE.finditer(line) if m.group(1).lower() not in _NOT_A_NAME]
        if "object '" in lowered or 'object "' in lowered:
            object_tables += [m.group(1) for m in _QUOTED_OBJECT.finditer(line)]
        if "table" in lowered or "view" in lowered or "relation" in lowered:
            for match in _KIND_QUOTED_TABLE.finditer(line):
                object_tables.append(next(g for g in match.groups() if g).replace("`", ""))
        if "COPY " in line:
            object_tables += [m.group(1).replace('"', "") for m in _COPY_CONTEXT.finditer(line)]
        if any(word in lowered for word in _PREDECESSOR_WORDS):
            predecessors += [m.group(1) for m in _PREDECESSOR.finditer(line)]
        if " in library" in line:  # IBM i's "file DLRORDH in library DLRDTA": a physical file is a table
            object_tables += [m.group(1) for m in _LIBRARY_FILE.finditer(line)]
        if " on [" in line:
            object_tables += [m.group(1) for m in _BRACKET_RESOURCE.finditer(line)]
        if "'," in line:  # SQL Server's "on the object 'X', database 'D', schema 'S'" in any language: S.X
            object_tables += [f"{m.group(2)}.{m.group(1)}" for m in _OBJECT_IN_SCHEMA.finditer(line)]
    dropped["tables"].update(t for t in found.get("tables", []) if _COPY_NUMBER.search(t))
    dropped["hosts"].update(h for h in found.get("hosts", []) if is_prose_word(h))
    ranked = {kind: [v for v in values if v not in dropped.get(kind, ())] for kind, values in found.items()}
    if object_tables:
        ranked["tables"] = [t for t in object_tables if t not in dropped["tables"]] + ranked.get("tables", [])
    if predecessors:
        ranked["tws_jobs"] = list(dict.fromkeys(predecessors + ranked.get("tws_jobs", [])))
    if ranked.get("classes"):
        ranked["classes"], added["jar_entries"] = _classes_and_jar_entries(ranked["classes"])
    if any(_PERL_MODULE_FILE.fullmatch(module) for module in ranked.get("modules", ())):
        ranked["modules"], added["module_files"] = _perl_modules(ranked["modules"])
    logins = added.get("logins", [])
    if logins:  # stated logins first; the local part of a stated "name@domain" is that login again
        others = [u for u in ranked.get("users", []) if not any(login.startswith(f"{u}@") for login in logins)]
        ranked["users"] = logins + others
    return {kind: values for kind, values in merge(ranked, added).items() if values}


# A relative path a command-line tool names in its message's place for the file ("pandoc: a/ch11.md:
# openBinaryFile: does not exist", "tar: x/salaries.csv: Cannot open: Permission denied", "gzip: in.csv: ..."):
# the tool's name in lower case (not an exception's dotted type), then a path with a "/" or a file's extension.
_TOOL_PATH = re.compile(
    r"^\s*(?:[a-z][\w+-]*: )+((?:\.{1,2}/)?[\w.@+-]+(?:/[\w.@+-]+)+|[\w@+-]+(?:\.[\w@+-]+)*\.[A-Za-z]\w{0,5}): \S"
)
# A property a configuration binds ("Failed to bind properties under 'a.b.cutoff'", "The config property
# a.b-c is required"): a dotted name, what to set in the job's configuration.
_PROPERTY = re.compile(r"\bpropert(?:y|ies)(?: under)? ['\"`]?([a-z][\w-]*(?:\.[\w-]+)+)(?=['\"`]?(?:[\s,;:)]|$))")


# A dependency named after its kind in quotes ("Missing optional dependency 'openpyxl'", "package 'x' is not
# installed", "gem 'pg'"): the module to install.
_QUOTES = ("'", '"', "`", "‘", "«", "„", "“")
_NAMED_DEPENDENCY = re.compile(
    r"\b(?i:dependency|package|module|gem|crate|pakietu|paket|paquete|pacote|pacchetto|modul|módulo|modulo)"
    r"(?: called| named| o nazwie| namens| llamado| chamado| chiamato| nommé| spécifié| angegebene| especificado|"
    r" specificato)?\s+['\"`‘«„“]\s?([\w.:@/+-]+)\s?['\"`’»“”]"
)


_LACKING = re.compile(  # a loaded one: no (also in the languages the named kinds above are)
    r"(?i)\b(?:not|no|missing|cannot|can't|could not|unable|fail\w*|error|nicht|kein\w*|aucun\w*|pas|ningún|"
    r"ningun|no se|non|nenhum|não|nie)\b"
)


def tool_path(line: str) -> str | None:
    """The relative path a command-line tool names in its message's place for the file, or None. A file has
    an extension ("text/html", "origin/main" have none); a name without a directory has no other dot unless
    it is compressed ("api.example.com" and "java.lang.String" are no files, "a.tar.gz" is)."""
    if ": " not in line or not line.lstrip()[:1].islower():
        return None
    match = _TOOL_PATH.match(line)
    if match is None:
        return None
    path = match.group(1)
    stem, dot, extension = path.rpartition("/")[2].rpartition(".")
    if not dot or not _EXTENSION.fullmatch(extension):
        return None
    if "/" not in path and "." in stem and extension.lower() not in _COMPRESSED:
        return None
    return path


# A configuration file by its path, also as a URL's ("Origin: URL [file:/opt/x/config/application-prod.yml]"), and
# as the file an option gives a command ("logstash -f /x/p.conf", "-c x.yaml", "--config=/x/c.toml").
_CONFIGURATION_PATH = (
    r"((?:/|[A-Za-z]:\\|\\\\)[^\s'\"\[\]<>|,;()]{1,400}?\.(?i:conf|cfg|config|ya?ml|toml|ini|properties))(?![\w.-])"
)
_CONFIGURATION_FILE = re.compile(r"(?:(?<=file:)|(?<![\w.:/\\-]))" + _CONFIGURATION_PATH)
_CONFIGURATION_OPTION = re.compile(
    r"(?:^|\s)(?:-f|-c|--?conf\w*(?:[-.]\w+)*|--settings)(?:\s+|=)['\"]?" + _CONFIGURATION_PATH
)
CONFIGURATION_BELOW = 12  # how far under a configuration error its origin is read
CONFIGURATION_ABOVE = 40  # how far above it the file the job was given is read


def configuration_near(above: Sequence[str], below: Sequence[str]) -> str | None:
    """The configuration file a configuration error is about: one the lines just under it name (Spring's
    "Origin: URL [file:...yml]"), else the last one named above it (`logstash -f x.conf`, `-c x.yaml`, the
    .exe.config a deployment copied); None when no line names one."""
    for line in below[:CONFIGURATION_BELOW]:
        if "." in line and (found := _CONFIGURATION_FILE.findall(line[:MAX_CHARS])):
            return str(found[-1])
    reach = [line[:MAX_CHARS] for line in above[-CONFIGURATION_ABOVE:]]
    for line in reversed(reach):  # the file an option gave the command first: another may be its logging's
        if "-" in line and (given := _CONFIGURATION_OPTION.findall(line)):
            return str(given[-1])
    for line in reversed(reach):
        if "." in line and (found := _CONFIGURATION_FILE.findall(line)):
            return str(found[-1])
    return None


_EXTENSION = re.compile(r"[A-Za-z0-9]{1,5}")
_COMPRESSED = frozenset("gz bz2 xz zst zip z lz4 7z".split())


def _read_line(line: str, lowered: str, added: Entities, dropped: dict[str, set[str]]) -> None:
    """What one line adds and drops; each pattern runs only when a literal it needs is on the line (the
    lines around an error are read for every annotation, so this stays a few substring tests per line)."""
    if any(quote in line for quote in _QUOTES) and _LACKING.search(line):
        for match in _NAMED_DEPENDENCY.finditer(line):
            _add(added, "modules", match.group(1))
    if "propert" in lowered:
        for match in _PROPERTY.finditer(line):
            _add(added, "variables", match.group(1))
    if "\\" in line:
        for match in _DOMAIN_USER.finditer(line):
            _add(added, "logins", match.group(1).replace("\\\\", "\\"))
    if "user" in lowered or "uid" in lowered or "://" in line:
        for match in _STATED_LOGIN.finditer(line):
            login = next(g for g in match.groups() if g)
            # "user: the password..." is prose, "username=cfg['user']" code (rules-25)
            if login.lower() not in _NOT_A_NAME and not is_code_value(line, match.end()):
                _add(added, "logins", login)
    if "/" in line:
        dropped["hosts"].update(m.group(1) for m in _LABEL_KEY.finditer(line))
        if "scope" in lowered or "resource" in lowered:
            for match in _SCOPE.finditer(line):
                dropped["paths"].add(match.group(1))
                _add(added, "resources", match.group(1).rsplit("/", 1)[-1])
        if "action" in lowered or "operation" in lowered:
            dropped["paths"].update(m.group(1) for m in _ACTION.finditer(line))
    if '"' in line or "'" in line:
        for match in _KIND_OBJECT.finditer(line):
            _add(added, "resources", match.group(1))
    if "key" in lowered or "object" in lowered or "blob" in lowered:
        for match in _STORED_OBJECT.finditer(line):
            _add(added, "resources", match.group(1))
    if "file" in lowered:
        for match in _CREDENTIAL_FILE.finditer(line):
            _add(added, "keys", match.group(1))
    if (
        "artifact" in lowered
        or "dependenc" in lowered
        or "plugin" in lowered
        or "find " in lowered
        or "resolve " in lowered
    ):
        for match in _ARTIFACT.finditer(line):
            _add(added, "modules", (match.group(1) or match.group(2)).rstrip("."))
    if any(literal in lowered for literal in _SERVER_LITERALS):
        for match in _SERVER.finditer(line):
            _add(added, "servers", next(g for g in match.groups() if g))
    if "dest" in lowered or "target" in lowered or "out" in lowered:
        for match in _DESTINATION.finditer(line):
            _add(added, "destinations", match.group(1))
    if " to " in lowered and "://" in line:
        for match in _COPY_TARGET.finditer(line):
            _add(added, "destinations", match.group(1))
    if "space '" in lowered or "space `" in lowered:
        for match in _QUOTED_TABLESPACE.finditer(line):
            _add(added, "tablespaces", match.group(1))
    if "queue" in lowered:
        for match in _QUEUE.finditer(line):
            _add(added, "queues", match.group(1))
    if "unit" in lowered or "pool" in lowered or "group" in lowered:
        for match in _STORAGE_UNIT.finditer(line):
            _add(added, "destinations", match.group(1))
    for code in abend_codes(line):
        _add(added, "error_codes", f"S{code}")
    if "constraint" in lowered:
        for match in _QUOTED_CONSTRAINT.finditer(line):
            _add(added, "constraints", match.group(1))
            if match.group(1).count(".") >= 2:
                _add(added, "tables", match.group(1).rsplit(".", 1)[0])
    if "service" in lowered and "@" in line:
        for match in _SERVICE_ACCOUNT.finditer(line):
            _add(added, "logins", match.group(1))
    if "job" in lowered or "flow" in lowered or "pipeline" in lowered or "dag" in lowered:
        for match in _REMOTE_JOB.finditer(line):
            _add(added, "remote_jobs", next(g for g in match.groups() if g))


def _classes_and_jar_entries(classes: list[str]) -> tuple[list[str], list[str]]:
    """Each class once, dotted, and its entry in a jar ("org.x.Y" -> "org/x/Y.class")."""
    dotted = list(dict.fromkeys(name.replace("/", ".") for name in classes))
    return dotted, [f"{name.replace('.', '/')}.class" for name in dotted if name.count(".") >= 2]


def _perl_modules(modules: list[str]) -> tuple[list[str], list[str]]:
    """Perl's modules by name, what to install ("Text/CSV_XS.pm" -> "Text::CSV_XS"), and the files searched."""
    files = [module for module in modules if _PERL_MODULE_FILE.fullmatch(module)]
    names = [module[:-3].replace("/", "::") if module in files else module for module in modules]
    return list(dict.fromkeys(names)), files


def _add(entities: Entities, kind: str, value: str) -> None:
    values = entities.setdefault(kind, [])
    if value not in values:
        values.append(value)
