"""Deterministic extraction of what a failure is about: files, codes, hosts, tables, users...

The root cause must name the thing to fix ("/data/hr/employees.csv", "tablespace DWH_DATA",
"api.billing.example.net:8443"), and both engines need it: the rules engine fills its templates with
it, the LLM gets it as a checked list so it does not have to guess. Extraction is pure regex over a
few lines (the error line first, then its neighbours), so it is fast and gives the same answer twice.

Values keep the order they were first seen in; the error line is read first, so `first(kind)` is the
entity of the error line whenever it names one.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence

# --- files -------------------------------------------------------------------------------------------
# (rules-26: also after a "file:" URI's scheme, as Spark and Hadoop print local paths: "file:/data/in/x.csv")
_UNIX_PATH = re.compile(r"(?:(?<=\bfile:)|(?<![\w.:/\\~-]))(/(?:[\w.+@%=,~#$-]+/?)+)")
# (a UNC path's server has two characters at least and its share follows one backslash: "\\t\\r\\n", an
# escaped tab and newline, is no path)
_WIN_PATH = re.compile(r"(?<![\w\\])([A-Za-z]:\\[^\s\"'<>|*?,;()]+|\\\\[\w.$-]{2,}\\(?!\\)[^\s\"'<>|*?,;()]*)")
# A share in the slash form of Samba's and mount's commands ("smbclient //fs01/pay", "mount -t cifs //fs/x /mnt")
_SMB_SHARE = re.compile(r"(?<![\w.:/\\~-])(//[A-Za-z0-9][\w.-]+/[\w$.-]+(?:/[\w.+@%=,~#$-]+)*)")
_QUOTED_REL_PATH = re.compile(
    r"[\"'`]((?:[\w.-]+/)+[\w.-]+)[\"'`]|\b(?:file|resource|path)\s*\[((?:[\w.-]+/)*[\w.-]+\.\w+)\]"
)
_PATH_TRAILING = ".,;:)]}'\"`"
_SWITCH_VALUE = re.compile(r":[^\s:]")  # "/user:NAME", unlike "/etc: Permission denied"
_DATABASE_FILE = re.compile(r"\.(?:db|sqlite3?|duckdb|mdb|accdb|fdb|gdb)$", re.IGNORECASE)
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
# Linux errno numbers of the errors a batch job meets (the annotator's evidence reads them through this table too)
ERRNO_BY_NUMBER = {
    "1": "EPERM", "2": "ENOENT", "5": "EIO", "12": "ENOMEM", "13": "EACCES", "17": "EEXIST", "20": "ENOTDIR",
    "21": "EISDIR", "24": "EMFILE", "28": "ENOSPC", "30": "EROFS", "32": "EPIPE", "101": "ENETUNREACH",
    "103": "ECONNABORTED", "104": "ECONNRESET", "107": "ENOTCONN", "110": "ETIMEDOUT", "111": "ECONNREFUSED",
    "113": "EHOSTUNREACH", "122": "EDQUOT",
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
_URL = re.compile(r"\b(?<![a-z0-9][+.-])[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.IGNORECASE)
# A URL a message points to for reading ("(see https://x/errors.html)", "Visit ...: https://x", "https://x for
# more information"), and a namespace URI in Java's camel case ("http://javax.xml.XMLConstants/property/x"): no
# server the job talked to (rules-22).
_READING_BEFORE = re.compile(
    r"(?i:\b(?:see|visit|refer to|reference and support|references?:|documentation|more information|more info|"
    r"explanation|consider|learn more|read more|help:|troubleshooting:|please check|siehe|voir|consulte[rz]?|"
    r"vedi|zie|véase)(?!\w))[^.!?]{0,60}$"
)
_READING_AFTER = re.compile(r"(?<!\s)\s*(?i:for (?:an? )?(?:explanation|more (?:information|info))\b)")
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST_TOKEN = re.compile(rf"(?<![\w./\\-])({_LABEL}(?:\.{_LABEL})+)(?![\w-]|\.\w)")
_TLDS = frozenset(
    "com net org io edu gov mil int biz info local lan corp internal intra intranet example test localdomain "
    "de fr uk ch nl eu at be it es se no dk fi cz ie lu us ca au jp cn br mx ru pt gr hu ro".split()
)
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\d)")
_VERSION_BEFORE = re.compile(r"(?:version|release|v|/[A-Z0-9]+)\s*$", re.IGNORECASE)
_PORT = re.compile(r"\bport[ =:]+(\d{1,5})\b", re.IGNORECASE)
# Words that follow "user" in prose ("the user has not been granted..."): never a user's name.
_USER_STOPWORDS = frozenset(
    "id is name the a an for of to and or has have had was were not does did cannot can could may must "
    "should will with from on in at by credentials credential".split()
)
_HOST_CONTEXT = re.compile(
    r"\b(?:host|server|to|at)\s+[\"']?([A-Za-z0-9][\w-]*(?:\.[\w-]+)*)[\"']?\s+port\b|"
    r"\bServer[= ]+([A-Za-z][\w.-]*)|\b(?:sqlcmd|bcp|osql|isql)\b.{0,400}?\s-S\s*([\w.\\-]+)|"
    r"\bConnected to ([\w.-]+?)\.?$|(?<![\w\\])\\\\([\w.-]+)\\"
)
# Files that live in an object store or a distributed file system: the URL is the file's name.
_STORE_SCHEMES = frozenset("hdfs s3 s3a s3n gs abfs abfss wasb wasbs adl file viewfs ftp sftp".split())
# --- code and data -----------------------------------------------------------------------------------
_EXCEPTION = re.compile(r"\b((?:(?<![\w.])(?:[a-z_]\w*+\.)+)?_?[A-Z]\w*(?:Exception|Error|Fault))\b")
_EXIT_CODE = re.compile(
    r"\b(?:exit(?:ed)?(?: with)?(?: code| status| value)?|return code|rc|returned|code)[ =:(]+(-?\d{1,3})\b",
    re.IGNORECASE,
)
_SIGNAL = re.compile(r"\b(SIG(?:KILL|TERM|SEGV|ABRT|BUS|INT|HUP|PIPE|XCPU|XFSZ))\b")
_TABLE = re.compile(
    r"\b(?:table|relation|view|materialized view|into|update|from)\s+"
    r"(?:(?:concurrently|only|if (?:not )?exists|temporary|temp|unlogged)\s+)*"  # SQL's modifiers, not the name
    r"(?!(?:concurrently|only|if|temporary|temp|unlogged)\b(?!\.))((?:\"?[\w$#]+\"?\.)?\"?[\w$#]+\"?)",
    re.IGNORECASE,
)
# rules-26: a table a sentence names in another language ("ummikseis tabelis kit_komponendid", "na tabela
# vendas.itens", "in Tabelle auftrag_pos"): when shaped as a table's name (a "_", a schema's "." or a digit), since
# the word after the noun is as often prose ("tabla de precios"); a quoted one is read by the database's own message
_TABLE_IN_PROSE = re.compile(
    r"(?<![\w-])(?i:tabel\w{0,4}|tablas?|tabela\w{0,2}|tabelle\w{0,2}|tabella|tabulk\w{0,2}|taulu\w{0,4}|"
    r"t[áa]bl[áa]\w{0,4}|tablo\w{0,4}|lentel\w{0,3}|tabul\w{0,3}|таблиц\w{0,3})\s{1,3}"
    r"((?:[A-Za-z_][\w$#]{0,63}\.){0,2}[A-Za-z_][\w$#]{0,63})(?![\w$#])"
)
# SAP HANA's "table 'SCHEMA:TABLE'", "for table SCHEMA:TABLE," and "Table(SCHEMA:TABLE)"
_SCHEMA_COLON_TABLE = re.compile(
    r"\b(?i:table)(?:\s+'|\()([A-Za-z_][\w$#]*):([A-Za-z_][\w$#]*)['\)]|"
    r"\b(?i:table)\s+([A-Z_][A-Z0-9_$#]*):([A-Z_][A-Z0-9_$#]*)(?=,)"
)
_QUOTED_TABLE = re.compile(r"\b(?:table|relation|view)\s+(\"[\w$#.]+\"(?:\.\"[\w$#]+\")?)", re.IGNORECASE)
# Database messages quote the object they are about: "object 'dbo.Invoice'", "\"ETL.STG\" is an undefined name".
_QUOTED_OBJECT = re.compile(
    r"(?i:\bobject(?: name)?\s+)['\"]([\w$#]+(?:\.[\w$#]+)*)['\"]|"
    r"['\"]([\w$#]+(?:\.[\w$#]+)+)['\"]\s+is an undefined name"
)
_CONSTRAINT = re.compile(
    r"\bconstraint\s+[(\"]?([\w$#]+(?:\.[\w$#]+)?)[)\"]?|\bfor key ['\"`]([\w$#.]+)['\"`]", re.IGNORECASE
)  # MySQL names the violated index "for key 'table.index'"
# A Windows command prompt ("D:\\jobs>copy a b") echoes the current directory: not a file of the failure.
_CMD_PROMPT = re.compile(r"^[A-Za-z]:\\[^>\s]*>")
_TABLESPACE = re.compile(r"\btable ?space\s+\"?([\w$#]+)\"?", re.IGNORECASE)
_COLUMN = re.compile(r"\bcolumn(?: name)?\s+[\"'`]?([\w$#.]+)[\"'`]?", re.IGNORECASE)
_DATABASE = re.compile(
    r"(?i:\bdatabase(?: alias| name)?\s*[=:]?\s*['\"]?([A-Za-z][\w$#-]*)['\"]?|\bdatabaseName=([\w$#-]+)|"
    r"\bdbname=([\w$#-]+)|\b(?:sqlcmd|psql|bcp|mysql)\b.{0,400}?\s-d\s*([\w$#-]+))|"
    r"\b(?<![\w$/])[a-z_][\w$]*(?:/\S*)?@([A-Z][A-Z0-9_]{2,})\b(?![.@])"  # user@TNS_ALIAS, as SQL*Plus is called
)
_OPTION = re.compile(r"(?:argument|option|parameter)s?\b[^-]{0,40}?(--?[A-Za-z][\w-]*)")
# A z/OS data management or allocation message (IEC030I, IEF212I, IGD17101I...; after at most a time, a job
# number and a job name) names the data set it is about: qualifiers of 1-8 characters joined by dots.
_ZOS_MESSAGE = re.compile(  # the line's message, after a print file's carriage control ("0IDC3012I ENTRY x")
    r"^\s*(?:\S+\s+){0,3}[0-9+-]?(?:IEC|IEF|IGD|IDC|IGW)\d{3,5}[IEWASD]\s"
)
_DATA_SET = re.compile(r"(?<![\w.#@$-])[A-Z#@$][A-Z0-9#@$-]{0,7}(?:\.[A-Z#@$][A-Z0-9#@$-]{0,7}){1,21}(?![\w.#@$])")
_IDENT_STOPWORDS = frozenset(
    "or and in is the a an of to for by at on as not does exists truncated altered created dropped with "
    "statement set select values where dual table violated violation".split()
)
_USER = re.compile(
    # a cloud principal by its role or user name ("User: arn:aws:sts::1:assumed-role/ROLE/session", rules-22)
    r"\buser:\s*arn:aws[\w-]*:(?:iam|sts)::\d*:(?:assumed-role/([\w+=,.@-]+)|"
    r"(?:role|user|federated-user)/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)|(root)\b)|"
    r"\bfor (?:user|client|account|principal) [\"']?([\w.$@-]+)|\buser=([\w.$-]+)|\b(?:uid|cn)=([\w.$-]+),|"
    r"\b(?:log(?:ging)? ?in|logon|bind\w*|connect\w*)\b[^,;]{0,300}?\bas\s+[\"']?([A-Za-z][\w.$@-]*)(?![\w.$@=-])|"
    r"\buser(?:name)?[ =:]+[\"']?([A-Za-z][\w.$-]*(?:\\[A-Za-z][\w.$-]*)?)|\bauthorization ID\s*=\s*(\w+)|"
    r"(?:^|\s)(?:-u|-U|--user(?:name)?)[ =]+[\"']?([\w.$@\\/-]+)|"
    r"\b(?:sqlplus|sqlldr|expdp|impdp|ssh|sftp|scp|rsync|psql)\b(?:\s+-\S+)*+(?:\s+\S+){0,20}?\s+([A-Za-z][\w.$-]*)(?:/\S*)?@"
    r"|(?<![\w/.-])([a-z_][\w.-]*)@[a-z0-9-]+(?:\.[a-z0-9-]+)+(?=[:\s]|$)|\bconnecting to \S+ as ([\w.$-]+)|"
    # "net use X: \\s\share /user:DOM\name", and a user named in Windows' and SQL Server's other languages
    r"(?<!\S)/user:([\w.$@\\-]+)|\b(?:benutzer|utilisateur|usuario|utente|usuário|gebruiker|użytkownika|uživatele)"
    r"\s+[\"'«„]\s?([\w.$@\\-]+)",
    re.IGNORECASE,
)
# rules-26: a login a sentence names without quotes, in the languages of the sets ("l'utilisateur nzs_tn", "naudotojo
# BBL_TRANZITAS", "the password of GMC_LOADER", "hasło dla SVC_X"): read only when it is shaped like a login
# (_LOGIN_SHAPE), since the word after a user noun is as often prose ("utilisateur inconnu")
_USER_NOUN = (
    r"(?:utilisateur|usuario|utente|usuário|utilizador|gebruiker|benutzer|użytkownik\w{0,3}|uživatel\w{0,3}|"
    r"používateľ\w{0,3}|naudotoj\w{0,3}|lietotāj\w{0,3}|kasutaja\w{0,3}|käyttäjä\w{0,3}|felhasználó\w{0,3}|"
    r"kullanıcı\w{0,3}|bruker(?:en)?|användare(?:n)?|bruger(?:en)?|пользовател\w{0,3}|користувач\w{0,3}|"
    r"(?:IAM|local|database|db|service|technical) user)"
)
_USER_IN_PROSE = re.compile(
    rf"(?<![\w-]){_USER_NOUN}\s{{1,3}}[\"'«„]?([A-Za-z][\w.$@-]{{0,80}})|"
    r"\b(?:password|passwd|mot de passe|contraseña|senha|passwort|kennwort|wachtwoord|lösenord\w{0,3}|passord\w{0,3}|"
    r"credentials?|credenziali|credenciales|credenciais|identifiants|anmeldedaten|zugangsdaten|inloggegevens|"
    r"adgangskode\w{0,3}|salasana\w{0,3}|hasło|heslo|jelszó\w{0,3}|şifre\w{0,3}|slaptažod\w{0,3}|parol[ae]|пароль)"
    rf"\s(?:of|for|de|del|di|da|do|van|voor|för|für|dla|pro|per)\s(?:(?:the\s|l')?{_USER_NOUN}\s|l')?[\"'«„]?"
    r"([A-Za-z][\w.$@-]{0,80})",
    re.IGNORECASE,
)
_LOGIN_SHAPE = re.compile(r"(?<![\w.$@-])(?:(?:[^\W\d_]|[.-])*+[_$@\d][\w.$@-]*+|[A-Z][A-Z0-9]{2,})")
# Objects of messaging and cloud services a message names after their kind: "topics: [payments]",
# "index [logs-2026.12]", "for topic orders-raw", "bucket 'x'". A bare English word is not one.
_RESOURCE = re.compile(
    r"\b(?:topics?|queues?|buckets?|streams?|subscriptions?|channels?|exchanges?|index|indices|indexes|"
    r"containers?|blobs?|keyspaces?)\b:?\s*(?:[\[\"'(](?=[\w.:/-]*[A-Za-z])([\w.:/-]*\w)|"  # a name, not "[0]"
    r"(?!-|(?:upload|download|delete|copy|sync|generate)-)([\w-]+[._-][\w.-]*\w))",  # not "blob upload-batch"
    re.IGNORECASE,
)
# An Entra ID (Azure AD) application or client a sign-in or an authorization names (rules-22)
_AZURE_APP = re.compile(
    r"(?i)\b(?:for|of|to) app(?:lication)? '([\w.-]+)'|\bapplication with (?:identifier|ID) '([\w.-]+)'|"
    r"\bthe client '([^'\s]+)' with object id\b"
)
# A stored PL/SQL unit by its schema and name ("Errors for PACKAGE BODY CREDIT.PKG_X:", 'package body "A.B" has
# errors', 'program unit being called: "A.B"', rules-22)
_PLSQL_UNIT = re.compile(  # Oracle's names are upper case: "package org.apache.x" of Java is no unit
    r"\b(?i:package body|package|procedure|function|trigger|type body|program unit being called:)\s+"
    r"\"?([A-Z][A-Z0-9_$#]*\"?\.\"?[A-Z][A-Z0-9_$#]*)\"?(?![\w.])|"
    r"\bErrors for (?:PACKAGE BODY|PACKAGE|PROCEDURE|FUNCTION|TRIGGER|TYPE BODY|TYPE|VIEW) ([A-Z][A-Z0-9_$#]*):"
)
_ON_RESOURCE = re.compile(r"\bon resource:? \"?(arn:[\w:/.*+=,@-]*[\w*]|[\w][\w/.+=,@-]*[\w*])")
# A mail address on a line about mail: the account a mail server's login is refused for is the whole address.
_MAIL_CONTEXT = re.compile(r"(?i)\b(?:smtp|imap|pop3|e-?mail|mailbox|mail server|postfach|buzón|casella|posta)\b")
_MAILBOX = re.compile(r"(?<![\w.+-])([\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?![\w.-]*\w)", re.IGNORECASE)
_AZ_ACCOUNT = re.compile(r"--account-name[ =]+[\"']?([\w-]+)")
# a container's name (3-63 lower-case letters, digits and hyphens), never a local folder or a variable
_AZ_NAME = r"[ =]+[\"']?([a-z0-9][a-z0-9-]{1,61}[a-z0-9])(?![\w$./\\:-])"
_AZ_CONTAINER = re.compile(rf"--(?:container-name|container|file-system|share-name|destination-container){_AZ_NAME}")
_AZ_UPLOADED_TO = re.compile(rf"--destination{_AZ_NAME}")  # an upload-batch's container
_AZ_DOWNLOADED_FROM = re.compile(rf"--source{_AZ_NAME}")  # a download-batch's container
# A key's ID (gpg "key, ID 3A1B2C3D4E5F6A7B", "key id 0x1234ABCD"): the credential a decryption or
# signature lacks.
_KEY_ID = re.compile(r"\bkey,? (?:ID|id)[ =:]*(?:0x)?([0-9A-F]{8,40})\b")
_PRINCIPAL = re.compile(r"(?<![\w.-])[.-]*+\b([\w.-]++(?:/[\w.-]++)?@[A-Z0-9-]+(?:\.[A-Z0-9-]+)+)\b")
_TWS_JOB = re.compile(r"\b(?<![A-Z0-9_-]{2})([A-Z0-9_-]+#[A-Z0-9_-]+(?:\.[A-Z0-9_-]+)?)\b")
_MODULE = re.compile(
    r"No module named [\"']([\w.]+)[\"']|Can't locate (\S+) in @INC|Cannot find module [\"']([^\"']+)[\"']|"
    r"satisfies the requirement ([\w.-]+)|No matching distribution found for ([\w.-]+)|"
    # R's package, in R's languages ("there is no package called ‘sf’", "nie ma pakietu o nazwie ‘sf’")
    r"(?i:package called|pakietu o nazwie|paket namens|package nommé|paquete llamado|pacchetto chiamato|"
    r"pacote chamado) [‘'\"«“]([\w.]+)[’'\"»”]|"
    # .NET's assembly, in Windows' languages ("file or assembly 'X, Version=...'", "ensamblado 'X, ...'")
    r"(?i:assembly|ensamblado)\s+[\"'„“«]\s?([\w.]+)[,\"'“”»]"
)
_CLASS = re.compile(
    r"\b(?:ClassNotFoundException|NoClassDefFoundError):\s*([\w.$/]+)|could not find or load main class ([\w.$]+)",
    re.IGNORECASE,
)
# A Java archive by its file name alone ("commons-csv-1.10.0.jar"; by its path it is a path)
_JAR_NAME = re.compile(r"(?<![\w./\\:-])([A-Za-z][\w.-]*\.jar)(?![\w/\\!])")
_LIBRARY = re.compile(r"\b(lib[\w.+-]{1,200}\.so(?:\.[\d.]+)?|(?<![\w.-]{2})[\w.-]+\.dll)\b")
_FRAMEWORK = re.compile(r"\b[Ff]ramework:? '([A-Za-z][\w.]*)', version '([\w.-]+)'")
_LIBRARY_VERSION = re.compile(r"\b(lib[\w.+-]{1,200}\.so(?:\.[\d.]+)?): version [`'\"]([\w.]+)['\"`] not found")
_VARIABLE = re.compile(
    r"\b([A-Za-z_]\w*): unbound variable|KeyError: [\"']([A-Za-z_]\w*)[\"']|NameError: name '(\w+)'|"
    r"\bNoOptionError: No option '([\w.-]+)'"  # rules-25: an INI file's option the job reads (configparser)
)
_COMMAND = re.compile(
    r"\b\d+ Killed\s+(.+?)\s*$|(?:^|: )([\w./-]+): command not found|^(?:\S*/)?\w*sh: (?:\d+: )?([\w./-]+): not found|"
    r"\benv: [\"'`]?([\w./-]+)[\"'`]?: No such file|bad interpreter: ([\w./-]+)|"
    r"\bCommand '\[?'?([\w./-]+)|The term '([\w.-]+)' is not recognized|"
    # cmd's "'x' is not recognized as an internal or external command" in Windows' languages
    r"^[\"'“„«]([\w.\\/:-]+)[\"'”“»]\s*(?:is not recognized as an internal|n['’]est pas reconnu|non è riconosciuto|"
    r"no se reconoce|não é reconhecido|wordt niet herkend|nie jest rozpoznawan|není názvem|känns inte igen|"
    r"не является внутренней|は、?内部コマンド|不是内部|은\(는\) 내부)|\bDer Befehl [\"„]([\w.-]+)[\"“] ist entweder"
)
# Where in the job's own code it failed: the frame of a trace or the location a runtime prints.
_LOCATION = re.compile(
    r"^\s*File \"(?P<py>[^\"]+)\", line (?P<py_line>\d+)|\bat (?P<pl>\S+\.p[lm]) line (?P<pl_line>\d+)|"
    r"^(?P<sh>/[\w./-]+): line (?P<sh_line>\d+):|^(?P<ksh>/[\w./-]+)\[(?P<ksh_line>\d+)\]:|"
    r"^At (?P<ps>(?:[A-Za-z]:\\|/|\\\\)[^:]+):(?P<ps_line>\d+) char:\d+|"
    r"^[\w-]+: (?P<ps7>(?:[A-Za-z]:\\|/)\S*\.ps[dm]?1):(?P<ps7_line>\d+)$|"  # PowerShell 7's error view
    r"^(?:from )?(?P<rb>/[\w./-]+\.rb):(?P<rb_line>\d+):in\b|"
    # a frame of a goroutine's trace ("\t/x/plan.go:214 +0x3c"), innermost first, or a Go log line ("/x/main.go:31:")
    r"^(?P<gotrace>/[\w./-]+\.go):(?P<gotrace_line>\d+)(?: \+0x[0-9a-f]+)?$|^(?P<go>/[\w./-]+\.go):(?P<go_line>\d+)\b|"
    r"^at (?P<java>[\w$.]+)\((?P<java_file>\w+\.(?:java|kt|scala)):(?P<java_line>\d+)\)|"
    r"^at (?:\S+ )?\(?(?:file://)?(?P<js>/[\w./-]+\.(?:js|mjs|cjs|ts)):(?P<js_line>\d+):\d+\)?$|"  # (Deno: file://)
    # TypeScript's compiler: "src/a.ts(12,5): error TS2339" and "src/a.ts:12:5 - error TS2339"
    r"^(?P<tsc>[\w./\\-]+\.tsx?)\((?P<tsc_line>\d+),\d+\): error TS\d|"
    r"^(?P<tsp>[\w./\\-]+\.tsx?):(?P<tsp_line>\d+):\d+ - error TS\d|"
    # a configuration or template a tool reports by file and line ("on main.tf line 12, in resource")
    r"\b(?:on|in) (?P<cfg>[\w./\\-]+\.(?:tf|hcl|ya?ml|json|toml|ini|conf|cfg|xml|properties)),? (?:on )?"
    r"line (?P<cfg_line>\d+)"
)
_INNERMOST_FIRST = frozenset({"js", "gotrace", "tsc", "tsp"})
# Frames of runtimes and libraries: the job's own code is the frame nearest the error outside them.
_LIBRARY_FRAME = re.compile(
    r"/site-packages/|/dist-packages/|/lib/python\d|/usr/lib/|<frozen|/node_modules/|^node:|/gems/|/go/src/runtime/|"
    r"/usr/local/go/src/|/golang/src/|/vendor/|/pkg/mod/|"  # Go's standard library, vendored and module-cache code
    r"^(?:java|javax|jdk|sun|com\.sun|kotlin|scala|org\.apache|org\.springframework|org\.hibernate|com\.zaxxer|"
    r"org\.postgresql|oracle\.jdbc|com\.microsoft|com\.mysql|net\.snowflake|com\.ibm|io\.netty|okhttp3|"
    r"com\.fasterxml|reactor)\."
)


Entities = dict[str, list[str]]
_Add = Callable[[str, str | None], None]  # what the helpers below call to record an entity


def extract_entities(lines: Iterable[str]) -> Entities:
    """The entities named in `lines` (put the error line first), by kind, each list in first-seen order."""
    found: dict[str, dict[str, None]] = {}
    for line in lines:
        if line:
            for kind, value in _cached_line_entities(line) if len(line) <= CACHED_LINE_CHARS else _line_entities(line):
                found.setdefault(kind, {})[value] = None
    return {kind: list(values) for kind, values in found.items()}


# One annotation reads the same lines several times (the error lines, the lines around the chosen one, each
# candidate's own line): each line's reading is kept for the next time, for lines up to this long.
CACHED_LINE_CHARS = 2000


@functools.lru_cache(maxsize=4096)
def _cached_line_entities(line: str) -> tuple[tuple[str, str], ...]:
    return _line_entities(line)


def forget_lines() -> None:
    """Empty the cache of lines read (for a benchmark that times each annotation as if it were the first)."""
    _cached_line_entities.cache_clear()


def _line_entities(line: str) -> tuple[tuple[str, str], ...]:
    """The (kind, value) pairs `line` names, in the order they are read."""
    pairs: list[tuple[str, str]] = []

    def add(kind: str, value: str | None) -> None:
        if value:
            pairs.append((kind, value))

    line = _CMD_PROMPT.sub("", line, count=1)
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
    if "argument" in line or "option" in line or "parameter" in line:
        for match in _OPTION.finditer(line):
            add("options", match.group(1))
    if "@" in line and _MAIL_CONTEXT.search(line):  # a mailbox signs in by its whole address (rules-22)
        for match in _MAILBOX.finditer(line):
            add("users", match.group(1))
    for match in _USER.finditer(line):
        user = next((g for g in match.groups() if g), None)
        if user and user.lower() not in _USER_STOPWORDS and not is_code_value(line, match.end()):
            add("users", user)  # not code's value ("username=cfg['user']" in a traceback, rules-25)
    for match in _USER_IN_PROSE.finditer(line):
        user = (match.group(1) or match.group(2)).rstrip(".-")
        if _LOGIN_SHAPE.fullmatch(user) and not is_code_value(line, match.end()):
            add("users", user)
    if "--account-name" in line:  # Azure's storage commands: the account and its container (rules-22), before
        account = _AZ_ACCOUNT.search(line)  # the subcommand's words ("blob upload-batch") read below
        container = (
            _AZ_CONTAINER.search(line)
            or (_AZ_UPLOADED_TO.search(line) if "upload" in line else None)
            or (_AZ_DOWNLOADED_FROM.search(line) if "download" in line else None)
        )
        if account:
            add("resources", f"{account.group(1)}/{container.group(1)}" if container else account.group(1))
    for match in _RESOURCE.finditer(line):
        add("resources", match.group(1) or match.group(2))
    if "resource" in line:  # an IAM refusal's object ("... on resource: arn:aws:s3:::pay-raw/in/x.csv")
        for match in _ON_RESOURCE.finditer(line):
            add("resources", match.group(1))
    for match in _KEY_ID.finditer(line):
        add("keys", match.group(1))
    for match in _PRINCIPAL.finditer(line):
        add("principals", match.group(1))
    for match in _PLSQL_UNIT.finditer(line):
        add("units", (match.group(1) or match.group(2)).replace('"', ""))
    if "'" in line:
        for match in _AZURE_APP.finditer(line):
            add("principals", next(g for g in match.groups() if g))
    for match in _TWS_JOB.finditer(line):
        add("tws_jobs", match.group(1))
    for pattern, kind in ((_MODULE, "modules"), (_CLASS, "classes"), (_VARIABLE, "variables")):
        for match in pattern.finditer(line):
            add(kind, next((g for g in match.groups() if g), None))
    for match in _LIBRARY_VERSION.finditer(line):  # the version it lacks is what to install
        add("libraries", f"{match.group(1)} version {match.group(2)}")
    for match in _LIBRARY.finditer(line):
        add("libraries", match.group(1))
    if ".jar" in line and " " in line.strip():  # a jar a sentence names, not a directory listing's (rules-25)
        for match in _JAR_NAME.finditer(line):
            add("libraries", match.group(1))
    if "ramework" in line:  # .NET's host: the runtime an application targets ("Framework: 'X', version 'V'")
        for match in _FRAMEWORK.finditer(line):  # named as `dotnet --list-runtimes` lists it ("X 8.0.0")
            add("libraries", f"{match.group(1)} {match.group(2)}")
    for match in _COMMAND.finditer(line):
        add("commands", next((g for g in match.groups() if g), None))
    return tuple(pairs)


def is_code_value(line: str, end: int) -> bool:
    """Whether the value a match of `line` ends at `end` is code's, not a name: an index or a call follows it
    ("username=cfg['user']", "user=getpass.getuser()" in a traceback, rules-25)."""
    return line[end : end + 1] in ("[", "(")


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


def code_location(lines: Sequence[str]) -> str | None:
    """The place in the job's own code that failed: the innermost frame of a trace outside runtimes and
    libraries, read from `lines` (the lines around the error line, in joblog order)."""
    java: list[str] = []  # a JVM (and Node, Go's goroutine trace, TypeScript's first error) names the first
    others: list[str] = []  # Python, Ruby, shells and the rest print it last
    for line in lines:
        match = _LOCATION.search(line.strip())
        if match is None:
            continue
        parts = {k: v for k, v in match.groupdict().items() if v}
        if "java" in parts:
            if not _LIBRARY_FRAME.search(parts["java"]):
                java.append(f"{parts['java']}({parts['java_file']}:{parts['java_line']})")
            continue
        kind = next(k for k in parts if not k.endswith("_line"))
        if not _LIBRARY_FRAME.search(parts[kind]):
            (java if kind in _INNERMOST_FIRST else others).append(f"{parts[kind]}:{parts[f'{kind}_line']}")
    if java:
        return java[0]
    return others[-1] if others else None


def _paths(line: str, add: _Add) -> None:
    if _ZOS_MESSAGE.search(line):
        for match in _DATA_SET.finditer(line):
            add("paths", match.group(0))  # a data set is z/OS's file
    for match in _URL.finditer(line):
        scheme = match.group(0).split(":", 1)[0].lower()
        if scheme in _STORE_SCHEMES:
            add("paths", match.group(0).rstrip(_PATH_TRAILING))
    urls = [m.span() for m in _URL.finditer(line)]
    for pattern in (_UNIX_PATH, _WIN_PATH, _SMB_SHARE, _QUOTED_REL_PATH):
        for match in pattern.finditer(line):
            if any(start <= match.start() < end for start, end in urls):
                continue  # the path part of a URL is not a file on this host
            path = (match.group(1) or match.group(2) or "").rstrip(_PATH_TRAILING)
            if pattern is _UNIX_PATH and (path.count("/") < 2 and len(path) < 4):
                continue  # "/", "/s": option separators and fractions, not files
            if (
                pattern is _UNIX_PATH
                and path.count("/") == 1
                and (_SWITCH_VALUE.match(line, match.end()) or _WIN_PATH.search(line))
            ):
                continue  # "/user:X", "/daily": switches of a Windows command, not files
            if pattern is _WIN_PATH and match.group(1).endswith("\\"):
                path = match.group(1)
            add("paths", path)
            if _DATABASE_FILE.search(path):
                add("databases", path)  # an embedded database is a file


def _errnos(line: str, add: _Add) -> None:
    for match in _ERRNO_NAME.finditer(line):
        add("errno", match.group(1))
    for match in _ERRNO_NUMBER.finditer(line):
        number = next(g for g in match.groups() if g)
        add("errno", ERRNO_BY_NUMBER.get(number))
    lowered = line.lower()
    for message, name in _ERRNO_BY_MESSAGE:
        if message in lowered:
            add("errno", name)


def is_host_name(name: str) -> bool:
    """Whether a dotted name reads as a host (it ends with a top-level or site domain: "db01.corp.lan")."""
    return "." in name and name.rsplit(".", 1)[-1].lower() in _TLDS and not name[0].isdigit()


def _network(line: str, add: _Add) -> None:
    for match in _URL.finditer(line):
        if _for_reading(line, match):
            continue
        url = match.group(0).rstrip(_PATH_TRAILING)
        add("urls", url)
        if url.split(":", 1)[0].lower() in ("http", "https"):
            add("endpoints", url.split("?", 1)[0].split("#", 1)[0])
        host = re.sub(r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?", "", url, flags=re.IGNORECASE).split("/")[0]
        add("hosts", host.split(":")[0] or None)
    for match in _HOST_TOKEN.finditer(line):
        host = match.group(1)
        if is_host_name(host):
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


def _for_reading(line: str, match: re.Match[str]) -> bool:
    """Whether the URL `match` is one the line points to for reading, or a Java namespace URI (_READING_BEFORE)."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?", "", match.group(0), flags=re.IGNORECASE).split("/")[0]
    name = host.split(":")[0]
    label = name.rsplit(".", 1)[-1]
    if "." in name and label[1:] != label[1:].lower() and label != label.upper():
        return True  # a class's name in camel case after a package ("javax.xml.XMLConstants"), never a domain
    before = line[max(0, match.start() - 80) : match.start()]
    return _READING_BEFORE.search(before) is not None or _READING_AFTER.match(line, match.end()) is not None


# An object in SQL Server's default schema, in a database or not ("dbo.KH_Rechnung", "Paliwo.dbo.KosztyTrakcji"),
# not a stored procedure or function by SQL Server's naming convention ("dbo.usp_x", "dbo.sp_x", "dbo.fn_x") nor a
# key or index after it ("dbo.T.PK_T": the table is named)
_DBO_OBJECT = re.compile(r"(?<![\w.\[])(?:[A-Za-z_]\w*\.)?(dbo\.(?!(?i:u?sp|fn|udf|up)_)[A-Za-z_#]\w*)(?![\w(])")


def _database_objects(line: str, add: _Add) -> None:
    if ":" in line:  # SAP HANA's "table 'SCHEMA:TABLE'": the table in its schema, not the schema alone
        for match in _SCHEMA_COLON_TABLE.finditer(line):
            schema, table = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            add("tables", f"{schema}.{table}")
    if "dbo." in line:  # SQL Server's default schema names a database object wherever it is (rules-25)
        for match in _DBO_OBJECT.finditer(line):
            add("tables", match.group(1))
    for match in _QUOTED_TABLE.finditer(line):
        add("tables", match.group(1).replace('"', ""))
    for match in _QUOTED_OBJECT.finditer(line):
        add("tables", match.group(1) or match.group(2))
    for match in _TABLE.finditer(line):
        name = match.group(1).replace('"', "")
        if _is_identifier(name):
            add("tables", name)
    for match in _TABLE_IN_PROSE.finditer(line):
        if any(char in "_." or char.isdigit() for char in match.group(1)):  # shaped as a table's name
            add("tables", match.group(1))
    for match in _CONSTRAINT.finditer(line):
        name = match.group(1) or match.group(2)
        if _is_identifier(name, quoted=True):
            add("constraints", name)
    for match in _TABLESPACE.finditer(line):
        if _is_identifier(match.group(1)):
            add("tablespaces", match.group(1))
    for match in _COLUMN.finditer(line):
        if match.group(1).lower() not in _IDENT_STOPWORDS and not match.group(1).isdigit():
            add("columns", match.group(1))
    for match in _DATABASE.finditer(line):
        name = next((g for g in match.groups() if g), None)
        if name and name.lower() not in _IDENT_STOPWORDS and name.lower() not in _DATABASE_STOPWORDS:
            add("databases", name)


_DATABASE_STOPWORDS = frozenset(
    "error server connection context is full has was alias name system session link server_name".split()
)


def _is_identifier(name: str, quoted: bool = False) -> bool:
    """A database object name rather than an English word ("table or view does not exist")."""
    if name.lower() in _IDENT_STOPWORDS or name.isdigit():
        return False
    return quoted or "." in name or "_" in name or name.isupper()
