"""The rule base of the offline engine: one rule per common failure family, as data.

A rule says which lines it recognises (`pattern`, searched case-insensitively in a joblog line), how
specific that recognition is (`weight`: 1 a vague hint such as "could not be opened", 3 a named cause
such as "No space left on device", 4-5 a code or phrase that settles the family, e.g. ORA-12541 is a
listener problem although it is an ORA- code, "Permission denied (publickey" is authentication although
it says "Permission denied"), which entity kinds name the thing to fix, and the cause and steps an
operator should read, as templates. Templates may use {entity}, {message} (the error line without its
timestamp and level), {job}, {workstation}, {rc}.

Rules are knowledge about tools (shells, JVMs, Python, Oracle, DB2, PostgreSQL, ssh, curl, SAP,
Windows), not about particular joblogs; the evaluation set is measured against them, not tuned into them.
Bump RULES_VERSION when a rule changes: it is part of the prompt hash of rules annotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twspulse.models.annotate.annotation import Category

# rules-16 (round 14) was reverted after its review; rules-17 is rules-15 with the review's fixes (never reuse an id);
# rules-18 names the subject of an out-of-memory or invalid-data failure (SUBJECT_KINDS), the port of a host
# that could not be reached, and skips SQL modifiers ("VIEW CONCURRENTLY x") when it reads an object name;
# rules-19 (round 16) names where a full disk or a refused write was writing and the routine a timed-out or
# refused statement ran in, and reads "insufficient free space" and .NET's localised "access to the path";
# rules-20 (round 17) names the account a refused login stated, the application an out-of-memory program ran
# as, and the program past a wrapper ("systemd-run ... /x/engine") or a Python module ("python -m x.y")
RULES_VERSION = "rules-20"


@dataclass(frozen=True, slots=True)
class Rule:
    """One failure family: what it looks like, how sure a match is, and what to tell the operator."""

    name: str
    category: Category
    pattern: re.Pattern[str]
    weight: int
    entity_kinds: tuple[str, ...]
    cause: str
    cause_without_entity: str
    steps: tuple[str, ...]


def _rule(
    name: str,
    category: Category,
    pattern: str,
    weight: int,
    kinds: tuple[str, ...],
    cause: str,
    cause_without_entity: str,
    steps: tuple[str, ...],
) -> Rule:
    return Rule(name, category, re.compile(pattern, re.IGNORECASE), weight, kinds, cause, cause_without_entity, steps)


_FILE = ("paths",)
_WRITTEN = ("destinations", "paths")  # a write that ran out of space: the destination the job labels, else the file
_NET = ("hosts", "ips", "urls")

_MISSING_FILE_STEPS = (
    "Check whether {entity} exists on {workstation} (`ls -l {entity}`) and whether the job or transfer that "
    "produces it ran for this business date.",
    "If it was produced and removed or renamed, restore it from the backup or have the sender deliver it again; "
    "if the name is wrong (date, case, directory), fix the job definition or its variable.",
)
_PERMISSION_STEPS = (
    "Check owner and mode of {entity} and of its directory (`ls -ld {entity}`) against the user the job runs as "
    "on {workstation}.",
    "Grant the job's user the missing right (chown/chmod, ACL, share permission or database grant); do not run "
    "the job as root instead.",
)
_DISK_STEPS = (
    "Check free space and quota of the file system holding {entity} on {workstation} (`df -h`, `quota -s`).",
    "Free space (old dumps, logs, temporary files) or extend the file system, and remove the partial output "
    "the failed run left behind.",
)
_DB_STEPS = (
    "Read the full database message for {entity} in the joblog and the database alert/diagnostic log.",
    "Fix the database-side cause with the DBA (space, duplicate data, missing object, locks) before rerunning.",
)
_NETWORK_STEPS = (
    "Check that {entity} resolves and answers from {workstation} (`nc -vz <host> <port>`, `nslookup`, "
    "`tnsping` for Oracle aliases).",
    "Ask the owner of {entity} whether the service is down or moved, and check firewall rules for the job's "
    "source host.",
)
_TIMEOUT_STEPS = (
    "Find out why {entity} was slower than usual (load on the target, data volume, locks) from its own "
    "monitoring and compare with the job's usual duration.",
    "Only if the volume grew for good, raise the time limit of the job or the statement; otherwise rerun once "
    "the target is healthy.",
)
_OOM_STEPS = (
    "Check the memory the job used ({entity}) against its limit: JVM -Xmx, ulimit, cgroup/container limit, "
    "`dmesg -T | grep -i oom` on {workstation}.",
    "Raise the limit or reduce the batch/chunk size, and check whether the input volume grew unexpectedly.",
)
_AUTH_STEPS = (
    "Check the credentials the job uses for {entity}: expired or changed password, locked account, rotated key "
    "or keytab, expired token.",
    "Update the credential in the job's vault/wallet/keytab (never in the script), then test the login by hand "
    "as the job's user on {workstation}.",
)
_DEPENDENCY_STEPS = (
    'Check that {entity} is present and complete: for an upstream job, its status in the plan (`conman "sj"`); '
    "for a library or module, the job's environment on {workstation}.",
    "Complete the missing predecessor (or install the missing component) first; then rerun this job.",
)
_DATA_STEPS = (
    "Inspect the rejected records of {entity} (the reject/bad file or the rows named in the joblog) and identify "
    "the offending values.",
    "Have the data fixed at its source and redelivered, or correct the rows, before rerunning; do not raise the "
    "reject threshold to get past it.",
)
_SCRIPT_STEPS = (
    "Open the job's script at the failing place ({entity}) and fix the code or its configuration; the failure is "
    "in the job itself, not in its environment.",
    "Test the fix outside production, deploy it, then rerun.",
)

RULES: tuple[Rule, ...] = (
    # --- dependency (before missing_file: a missing library also says "No such file or directory") --------
    _rule(
        "shared_library",
        "dependency",
        r"error while loading shared libraries|cannot open shared object file|version \S+ not found \(required by",
        5,
        ("libraries",),
        "Missing shared library {entity}: the program could not start",
        "A shared library is missing: the program could not start",
        _DEPENDENCY_STEPS,
    ),
    # .NET's host when the runtime the application targets is not installed: "You must install or update .NET
    # to run this application." (Windows) or "The framework 'Microsoft.NETCore.App', version '8.0.0' (x64) was
    # not found." (its "Framework: 'X', version 'V'" line below names it)
    _rule(
        "dotnet_framework",
        "dependency",
        r"You must install or update \.NET to run this application|The framework '[\w.]+', version '[\w.-]+'"
        r"(?: \(\w+\))? was not found|It was not possible to find any compatible framework version",
        5,
        ("libraries",),
        "Missing .NET runtime {entity}: the application could not start",
        "The .NET runtime the application targets is not installed: the application could not start",
        _DEPENDENCY_STEPS,
    ),
    _rule(
        "python_module",
        "dependency",
        r"ModuleNotFoundError|No module named|ImportError: cannot import name",
        4,
        ("modules",),
        "Missing Python module {entity} in the job's environment",
        "A Python module is missing in the job's environment",
        _DEPENDENCY_STEPS,
    ),
    # R's library() of a package that is not installed, in R's languages
    _rule(
        "r_package",
        "dependency",
        r"there is no package called|nie ma pakietu o nazwie|es gibt kein paket namens|aucun package nommé|"
        r"no hay (?:ningún )?paquete llamado|non c'è (?:alcun )?pacchetto chiamato|não há (?:nenhum )?pacote chamado",
        4,
        ("modules",),
        "R package {entity} is not installed in the job's R library",
        "An R package the job loads is not installed",
        _DEPENDENCY_STEPS,
    ),
    _rule(
        "package_install",
        "dependency",
        r"No matching distribution found for|Could not find a version that satisfies the requirement|"
        r"Unable to locate package|No package \S+ available|npm ERR! 404|npm error 404",
        4,
        ("modules",),
        "Package {entity} cannot be installed in the job's environment (not in the package index it uses)",
        "A package the job needs cannot be installed",
        _DEPENDENCY_STEPS,
    ),
    # rules-23: a project's packages never installed where it runs (dbt: "dbt found 2 package(s) specified in
    # packages.yml, but only 0 package(s) installed in dbt_packages. Run "dbt deps" to install package dependencies.")
    _rule(
        "packages_not_installed",
        "dependency",
        r"\bpackage\(s\) installed in [\w./-]+\. Run \"dbt deps\"",
        4,
        ("paths",),
        "The project's packages are not installed where the job runs ({entity}): {message}",
        "The project's packages are not installed where the job runs: {message}",
        _DEPENDENCY_STEPS,
    ),
    _rule(
        "java_class",
        "dependency",
        r"ClassNotFoundException|NoClassDefFoundError",
        4,
        ("classes",),
        "Class {entity} is not on the job's classpath (missing or wrong jar)",
        "A Java class is missing from the classpath",
        _DEPENDENCY_STEPS,
    ),
    _rule(
        "command_not_found",
        "dependency",
        # a shell's lower-case "sh: x: not found" (rules-25: not a quoted name's, 'find container "x": not found')
        r": command not found|(?-i:(?<![\"']): not found$)|Can't locate \S+ in @INC",
        4,
        ("commands", "modules"),
        "Command or module {entity} is not installed or not on the job's PATH",
        "A command the job calls is not installed or not on its PATH",
        _DEPENDENCY_STEPS,
    ),
    _rule(
        "interpreter_missing",
        "dependency",
        r"^(?:\S*/)?env: ['\"`]?[\w./-]+['\"`]?: No such file or directory|bad interpreter: ",
        5,
        ("commands",),
        "The interpreter {entity} the job's script asks for is not installed on the workstation",
        "The interpreter the job's script asks for is not installed on the workstation",
        _DEPENDENCY_STEPS,
    ),
    _rule(
        "predecessor",
        "dependency",
        r"predecessor|pr[ée]d[ée]cesseur|vorg(?:ä|ae)nger(?:s|jobs?)?\b|предшественник|poprzedni(?:k|ka|ku)\b|předchůdce|"
        r"föregångar|forgænger|forgjenger|edeltäj|előd(?:je|jé)?\b|predecesor|predecessore|voorganger|"
        r"upstream (?:job|dependency|file)|prerequisite|dependenc(?:y|ies) (?:not|un)(?:met|satisfied)"
        r"|follows dependency|trigger file .* not (?:found|present)|flag file .* not (?:found|present)",
        4,
        ("tws_jobs", "paths"),
        "Upstream dependency not satisfied: {entity} is missing or has not completed",
        "An upstream dependency of the job was not satisfied",
        _DEPENDENCY_STEPS,
    ),
    # --- the shell's own syntax errors (before data quality: "syntax error: unexpected end of file" is a script)
    _rule(
        "shell_syntax",
        "script_error",
        r"^\S+: line \d+: syntax error|syntax error near unexpected token|^\S+\[\d+\]: syntax error",
        5,
        ("locations", "paths"),
        "Syntax error in the job's script ({entity}): {message}",
        "Syntax error in the job's script: {message}",
        _SCRIPT_STEPS,
    ),
    # rules-23: a playbook, inventory or settings file its tool can read neither as JSON nor as YAML (Ansible lists
    # the error of each attempt below: the JSON one only says it is no JSON)
    _rule(
        "config_unreadable",
        "script_error",
        r"\bunable to read either as JSON nor YAML\b",
        5,
        ("locations", "paths"),
        "The job's playbook or configuration file is not valid YAML ({entity}): {message}",
        "The job's playbook or configuration file is not valid YAML: {message}",
        _SCRIPT_STEPS,
    ),
    # rules-22: a PL/SQL unit that does not compile ("88/7  PLS-00103: Encountered the symbol ..."): the code's
    # own error; the "has errors" and "could not find program unit" that follow only repeat it
    _rule(
        "plsql_compile",
        "script_error",
        # (not PLS-00904 "insufficient privilege", nor 00201/00302 "must be declared": a unit a call names is not
        # there or not granted, which the ORA- errors around it say)
        r"\bPLS-(?!00904|00201|00302)\d{5}:",
        5,
        ("units", "locations", "paths"),
        "PL/SQL does not compile ({entity}): {message}",
        "PL/SQL does not compile: {message}",
        _SCRIPT_STEPS,
    ),
    # --- authentication (before permission: ssh says "Permission denied (publickey...)") ----------------------
    _rule(
        "ssh_auth",
        "auth",
        # (and ssh's answer to a wrong password: "Permission denied, please try again.")
        r"Permission denied \((?:publickey|password|keyboard-interactive|gssapi)|Permission denied, please try again",
        5,
        ("hosts", "users"),
        "Login to {entity} refused: the ssh key or password of the job's user is not accepted",
        "An ssh/sftp login was refused",
        _AUTH_STEPS,
    ),
    # rules-22: Microsoft Entra ID's (Azure AD's) sign-in codes (AADSTS7000222 an expired secret, AADSTS700016 an
    # unknown application, AADSTS50126 wrong credentials): the service names why the login was refused
    _rule(
        "entra_auth",
        "auth",
        r"\bAADSTS\d{5,7}\b",
        5,
        ("principals", "users"),
        "Microsoft Entra ID refused the sign-in of {entity}: {message}",
        "Microsoft Entra ID refused the sign-in: {message}",
        _AUTH_STEPS,
    ),
    _rule(
        "oracle_auth",
        "auth",
        r"ORA-01017|ORA-28000|ORA-28001|ORA-01005|ORA-28009",
        5,
        ("users",),  # rules-25: not "login failed for ORA-01017" (the account the job states is named beside)
        "Oracle login failed for {entity}: wrong or expired password, or locked account",
        "Oracle login failed: wrong or expired password, or locked account",
        _AUTH_STEPS,
    ),
    _rule(
        "db_auth",
        "auth",
        r"password authentication failed|authentication failed|Login failed for user|SQL30082N|"
        r"(?:invalid|incorrect)(?:/(?:invalid|incorrect|wrong))? (?:username|user name|password|credentials)|"
        r"logon denied|access denied for user|"
        r"SQLSTATE[=: ]+28(?:000|P01)|Login failed|Login incorrect|^530 |Not logged in",
        4,
        ("users", "hosts"),
        "Authentication failed for {entity}: the credentials the job uses are wrong, expired or locked",
        "Authentication failed: the credentials the job uses are wrong, expired or locked",
        _AUTH_STEPS,
    ),
    _rule(
        "db2_security",
        "auth",
        r"SQL30082N|(?-i:USERNAME AND/OR PASSWORD INVALID|PASSWORD EXPIRED)",  # DB2's reason, upper-case (rules-25)
        5,
        ("users", "hosts"),
        "DB2 refused the login of {entity}: invalid or expired user name or password",
        "DB2 refused the login: invalid or expired user name or password",
        _AUTH_STEPS,
    ),
    _rule(
        "tws_logon_user",
        "auth",
        r"user \"?[\w.$@-]+\"? is not defined on (?:this|the) workstation|AWSBIS\d+E|cannot launch .*\buser\b",
        5,
        ("users", "hosts"),
        "The job's logon user {entity} is not defined on its workstation, so the agent cannot launch it",
        "The job's logon user is not defined on its workstation, so the agent cannot launch it",
        _AUTH_STEPS,
    ),
    _rule(
        "kerberos",
        "auth",
        # a keytab or Kerberos named with what went wrong: "kinit -kt x.keytab p@R" is a command, not a failure
        r"kinit:|GSSException|No valid credentials provided|Preauthentication failed|Client cannot authenticate|"
        r"Clock skew too great|(?i:\b(?:kerberos|keytab)\b[^;]{0,80}?\b(?:fail\w*|error|denied|expired|invalid|"
        r"cannot|can't|could not|unable|not found|no such|no suitable|no valid|contains no|rejected|unreadable|"
        r"does not|doesn't)\b|"
        r"\b(?:fail\w*|error|cannot|can't|could not|unable to|bad|invalid|unreadable|not found|no valid|does not|"
        r"doesn't)\b[^;]{0,60}?\b(?:kerberos|keytab)\b)",
        4,
        ("principals", "users", "hosts"),
        "Kerberos authentication failed for {entity} (keytab, ticket or principal)",
        "Kerberos authentication failed (keytab, ticket or principal)",
        _AUTH_STEPS,
    ),
    _rule(
        "http_auth",
        "auth",
        r"\b401\b.*(?:Unauthorized|Client Error)|\bUnauthorized\b(?! for user)|"
        r"returned error: 401\b|invalid_grant|invalid_client|token (?:has )?expired|expired token",
        4,
        ("hosts", "urls", "users"),
        "The service {entity} rejected the job's credentials (HTTP 401)",
        "A service rejected the job's credentials (HTTP 401)",
        _AUTH_STEPS,
    ),
    # --- permission ------------------------------------------------------------------------------------------
    _rule(
        "win_access_denied",
        "permission",
        r"\bERROR 5 \(0x00000005\)",
        4,
        _FILE,
        "Access denied on {entity}: the job's Windows account lacks rights on it",
        "Access denied: the job's Windows account lacks rights",
        _PERMISSION_STEPS,
    ),
    # rules-22: a cloud service's refusal (an IAM policy, a storage role) is about the object and the identity,
    # not a database's grant: AWS's "is not authorized to perform: s3:PutObject", Azure Storage's
    # AuthorizationPermissionMismatch, Azure's "does not have authorization to perform action", GCP's
    # "Permission 'storage.objects.create' denied"
    _rule(
        "cloud_access",
        "permission",
        r"\bnot authorized to perform:? [\w-]+:\w+|\bAuthorization(?:PermissionMismatch|Failure)\b|"
        r"\bThis request is not authorized to perform this operation\b|"
        r"\bdoes not have (?:authorization|permission) to perform action\b|\bPermission '[\w.]+' denied\b|"
        r"\bdoes not have [a-z]+\.[a-zA-Z]+\.[a-zA-Z]+ (?:access|permission)\b|"
        r"\((?:AccessDenied|AccessDeniedException|403|Forbidden|UnauthorizedOperation|AuthorizationError)\) when "
        r"calling\b|\bPERMISSION_DENIED\b",
        4,
        ("urls", "resources", "users"),  # the object, else the identity (named after the object otherwise)
        "Cloud authorization failed for {entity}: the job's identity lacks the role or policy for the action",
        "Cloud authorization failed: the job's identity lacks the role or policy for the action",
        _PERMISSION_STEPS,
    ),
    _rule(
        "db_privilege",
        "permission",
        r"insufficient privileges?\b|ORA-01031|ORA-01749|ORA-00990|SQL0551N|SQL0552N|permission denied for "
        r"(?:table|relation|schema|sequence|function|database)|SQLSTATE[=: ]+42501|not authorized to|"
        # a graph database's role that forbids writes, Firebird's "no permission for INSERT access to TABLE X"
        r"\b(?:operations?|writes?|reads?|actions?)\b[^.;]{0,80}\bnot allowed for user\b|"
        r"\bno permission for \w+ access to (?i:table|view|procedure|sequence|generator|column)\b|"
        r"\b(?:is|are) unauthorized for user\b[^.;]{0,200}\broles?\b",  # a search engine's role ("action [x] is ...")
        4,
        ("tables", "users"),
        "Missing database privilege on {entity} for the job's database user",
        "The job's database user lacks a privilege",
        _PERMISSION_STEPS,
    ),
    _rule(
        "permission_denied",
        "permission",
        r"Permission denied|PermissionError|AccessDeniedException|Access is denied|\bEACCES\b|\[Errno 13\]|"
        r"Operation not permitted|\bEPERM\b|Read-only file system|"
        # Java's "FileNotFoundException: x (Permission denied)" with the C library's text in other languages
        r"FileNotFoundException: .{1,300}\((?:Brak dostępu|Keine Berechtigung|Permission non accordée|Permiso denegado|"
        r"Permesso negato|Permissão negada|Toegang geweigerd|Přístup odepřen|Отказано в доступе|Åtkomst nekad)\)",
        3,
        _FILE,
        "Permission denied on {entity} for the job's user",
        "Permission denied for the job's user",
        _PERMISSION_STEPS,
    ),
    # --- disk full -------------------------------------------------------------------------------------------
    _rule(
        "no_space",
        "disk_full",
        r"No space left on device|\bENOSPC\b|\[Errno 28\]|Disk quota exceeded|\bEDQUOT\b|\[Errno 122\]|"
        r"file ?system (?:is )?full|not enough space on the disk|quota exceeded|ORA-19504|ORA-27044",
        3,
        _WRITTEN,
        "File system full (or quota exceeded) while writing {entity}",
        "File system full (or quota exceeded) while the job was writing",
        _DISK_STEPS,
    ),
    _rule(
        "write_error",
        "disk_full",
        r"write error on file|error writing|write failed|could not extend file",
        1,
        _WRITTEN,
        "Write to {entity} failed (usually a full file system)",
        "A write failed (usually a full file system)",
        _DISK_STEPS,
    ),
    # --- out of memory ---------------------------------------------------------------------------------------
    _rule(
        "oom",
        "oom",
        r"OutOfMemoryError|\bMemoryError\b|out of memory|Cannot allocate memory|\bENOMEM\b|"
        r"Unable to allocate [\d.]+ ?[KMGT]i?B|"
        r"oom-kill|Out of memory: Kill|OOMKilled|TSV_TNEW_PAGE_ALLOC_FAILED|No more storage space available|"
        r"bad_alloc|memory exhausted|ORA-04030|ORA-04031|GC overhead limit exceeded|SQL0101N|"
        r"Requested array size exceeds|"
        # R's "cannot allocate vector of size 11.6 Gb" in its own translations (rules-22)
        r"cannot allocate vector of size|kann Vektor der Größe .{1,20} nicht allozieren|"
        r"impossible d'allouer un vecteur de taille|no se puede ubicar un vector de tamaño|"
        r"impossibile allocare (?:un )?vettore di dimensione|não é possível alocar (?:o )?vetor de tamanho|"
        r"nie można przydzielić wektora o rozmiarze",
        4,
        (),
        "Out of memory: {message}",
        "Out of memory",
        _OOM_STEPS,
    ),
    _rule(
        "killed",
        "oom",
        r"\b\d+ Killed\b|\bKilled process\b|^Killed$|signal 9\b|\bSIGKILL\b",
        2,
        ("commands",),
        "{entity} was killed with SIGKILL, most likely by the kernel OOM killer",
        "The job's process was killed with SIGKILL, most likely by the kernel OOM killer",
        _OOM_STEPS,
    ),
    # --- timeouts (before network: "timed out after" is a limit; "Connection timed out" is network) -----------
    _rule(
        "timeout",
        "timeout",
        r"Read timed out|SocketTimeoutException|ReadTimeout|Operation timed out|"
        r"(?<!connection )(?<!connect )timed out after|"
        r"statement timeout|canceling statement due to (?:statement timeout|user request)|query timeout|"
        r"exceeded (?:the )?(?:max(?:imum)? )?"
        r"(?:run ?time|duration|time ?limit|timeout)|max(?:imum)? run ?time|deadline exceeded|TimeoutException|"
        r"timeout expired|ORA-01013|SQL0952N|execution time limit|timeout: sending signal|time limit exceeded|"
        # GNU timeout's report in any of its languages: its name, then a signal (rules-23)
        r"^\s*timeout: [^‘'»\"«„“]{0,80}?\b(?-i:(?:SIG)?(?:TERM|KILL|INT|HUP|QUIT|ALRM))\b|"
        # a task that did not finish in the time it was given (rules-22: Ansible's async "did not complete within the
        # requested time", "not finished within 3600 s")
        r"\b(?:did not|didn't|not) (?:complete|finish)(?:ed)? within (?:the (?:requested|allotted|allowed|given) time|"
        r"\d+ ?(?:s|sec|seconds|min|minutes|h|hours)\b)|"
        r"max(?:imum)? (?:duration|run ?time|elapsed time|wall ?time) exceeded",
        3,
        ("tables", "hosts", "urls", "resources"),
        "Time limit exceeded on {entity}: {message}",
        "Time limit exceeded: {message}",
        _TIMEOUT_STEPS,
    ),
    # --- network ---------------------------------------------------------------------------------------------
    _rule(
        "oracle_net",
        "network",
        r"ORA-12541|ORA-12514|ORA-12154|ORA-12170|ORA-12543|ORA-12537|ORA-03113|ORA-03114|ORA-12545|TNS-\d+",
        5,
        ("hosts",),  # rules-25: not "the Oracle service (ORA-12541)" (the server the job states is named beside)
        "Cannot reach the Oracle service ({entity}): listener down, wrong alias or network",
        "Cannot reach the Oracle service: listener down, wrong alias or network",
        _NETWORK_STEPS,
    ),
    _rule(
        "db2_comm",
        "network",
        r"SQL30081N|SQL1336N|SQLSTATE[=: ]+08001|SQLSTATE[=: ]+08006",
        5,
        ("ips", "hosts"),
        "Cannot reach the database server {entity} (communication error)",
        "Cannot reach the database server (communication error)",
        _NETWORK_STEPS,
    ),
    # rules-23: SAP's Java and .NET connectors' communication error, whose detail block below repeats the socket's
    # own error ("ERRNO TEXT  Connection timed out") under the message an operator quotes
    _rule(
        "sap_connector_comm",
        "network",
        r"\bJCO_ERROR_COMMUNICATION\b|\bRFC_COMMUNICATION_FAILURE\b",
        4,
        ("hosts", "ips"),
        "Cannot reach the SAP system {entity}: {message}",
        "Cannot reach the SAP system: {message}",
        _NETWORK_STEPS,
    ),
    _rule(
        "refused",
        "network",
        r"Connection refused|ECONNREFUSED|\[Errno 111\]|No route to host|Network is unreachable|"
        r"Name or service not known|UnknownHostException|Could not resolve host|unknown host|"
        r"Temporary failure in name resolution|nodename nor servname|getaddrinfo|Connection timed out|"
        r"ETIMEDOUT|\[Errno 110\]|EHOSTUNREACH|could not connect to server|Communications link failure",
        3,
        _NET,
        "Cannot reach {entity}: {message}",
        "A remote service could not be reached",
        _NETWORK_STEPS,
    ),
    _rule(
        "connection_lost",
        "network",
        r"Connection reset|ECONNRESET|Broken pipe|connection unexpectedly closed|Connection closed by|"
        r"ConnectException|ConnectionError|NewConnectionError|SocketException|unable to connect",
        2,
        _NET,
        "Connection to {entity} failed or was lost",
        "A network connection failed or was lost",
        _NETWORK_STEPS,
    ),
    # --- data quality (before db_error: ORA-01722 is bad data, not a database problem) -----------------------
    _rule(
        "sqlldr_reject",
        "data_quality",
        r"Rejected - Error on table",
        5,
        ("tables",),
        "Input records rejected by the load into {entity}: {message}",
        "Input records were rejected by the load",
        _DATA_STEPS,
    ),
    _rule(
        "bad_value",
        "data_quality",
        r"ORA-01722|ORA-0184[0-7]|ORA-0185[0-9]|ORA-01861|ORA-12899|ORA-01438|invalid literal for|"
        r"could not convert|invalid input syntax for|value too long|SQL0302N|SQL0180N|SQL0181N|"
        r"SQLSTATE[=: ]+22\w{3}|NumberFormatException|DateTimeParseException|Unparseable date|"
        r"invalid (?:date|number|value)|JSONDecodeError|Expecting value: line|Unterminated string|SAXParseException|"
        r"XML (?:parse|syntax) error|ParserError|UnicodeDecodeError|csv\.Error|unexpected end of (?:file|input)|"
        # Rust's number parsing and its csv crate ("CSV deserialize error: record 3 (line: 4, ...): field 2: ...")
        r"invalid (?:float|integer) literal|invalid digit found in string|CSV deserialize error|"
        # Go's parsers of a value (rules-22): 'parsing time "x": hour out of range', 'parsing time "x" as "layout":
        # cannot parse', 'strconv.ParseFloat: parsing "7,43": invalid syntax'
        r"\bparsing time \"[^\"]{1,80}\"(?::| as \")|\bstrconv\.\w+: parsing \"[^\"]|"
        # an XML document its schema rejects (lxml's DocumentInvalid, libxml2's facets, Xerces' cvc-* codes)
        r"\bDocumentInvalid\b|\[facet '\w+'\]|\bis not accepted by the pattern\b|\bcvc-(?:[a-z]+-){1,4}valid\b|"
        r"\bis not a valid value of the (?:atomic|list|union) type\b|"
        # an identifier whose check digit does not match (a container, an account number)
        r"\b(?:invalid|wrong|bad|incorrect)\W+(?:\w+\W+){0,2}check ?digit\b|"
        r"\bcheck ?digit\b[^.;]{0,40}\b(?:invalid|wrong|incorrect|mismatch\w*|does not match|failed)\b",
        4,
        ("tables", "paths"),
        "Invalid data in {entity}: {message}",
        "Invalid data in the input: {message}",
        _DATA_STEPS,
    ),
    _rule(
        "rejects",
        "data_quality",
        r"\brows? rejected|records? rejected|rejected (?:rows|records)|reject(?:ion)? (?:threshold|limit)|"
        r"MAXIMUM ERROR COUNT EXCEEDED|failed (?:schema )?validation|ValidationException|validation failed|"
        r"checksum mismatch|row count mismatch|record count mismatch|schema mismatch|malformed|"
        r"unexpected (?:number of )?columns|data quality|rejected \d+ of \d+|NULL in NOT NULL|"
        r"violates not-null constraint|failed (?:quality )?check",
        3,
        ("paths", "tables"),
        "Data quality check failed for {entity}: {message}",
        "Data quality check failed: {message}",
        _DATA_STEPS,
    ),
    # --- database errors -------------------------------------------------------------------------------------
    _rule(
        "tablespace",
        "db_error",
        r"ORA-0165[0-9]|ORA-01688|ORA-01691|ORA-01652|ORA-30036|unable to extend|SQL0289N|"
        r"Unable to allocate new pages in table ?space|table ?space \S+ is full",
        4,
        ("tablespaces", "tables"),
        "Tablespace {entity} is full: {message}",
        "A tablespace is full",
        _DB_STEPS,
    ),
    _rule(
        "duplicate",
        "db_error",
        r"unique constraint|duplicate key (?:value|row)|Duplicate entry|ORA-00001|SQL0803N|SQLSTATE[=: ]+23505|"
        r"Violation of PRIMARY KEY",
        3,
        ("constraints", "tables"),
        "Duplicate key rejected by {entity}: the data is already there",
        "Duplicate key: the data is already there",
        _DB_STEPS,
    ),
    _rule(
        "deadlock",
        "db_error",
        r"deadlock|SQL0911N|ORA-00060|SQLSTATE[=: ]+40001|40P01|resource busy|ORA-00054|Lock wait timeout|"
        r"lock timeout (?:exceeded|expired)|could not serialize access",
        3,
        ("tables", "hosts", "error_codes"),
        "Database deadlock or lock conflict on {entity}: {message}",
        "Database deadlock or lock conflict",
        _DB_STEPS,
    ),
    _rule(
        "missing_object",
        "db_error",
        r"ORA-00942|ORA-04043|ORA-06550|relation \S+ does not exist|SQL0204N|table or view does not exist|"
        r"Invalid object name|column \S+ does not exist|ORA-00904",
        3,
        ("tables",),
        "Database object {entity} does not exist (or is not visible to the job's user)",
        "A database object does not exist",
        _DB_STEPS,
    ),
    _rule(
        "db_connection_limit",
        "db_error",
        r"too many clients|remaining connection slots are reserved|ORA-00018|ORA-00020|SQL1040N|"
        r"Too many connections|max_connections",
        4,
        ("hosts", "error_codes"),
        "Database connection limit reached on {entity}: {message}",
        "Database connection limit reached: {message}",
        _DB_STEPS,
    ),
    _rule(
        "db_generic",
        "db_error",
        r"ORA-(?!06512)\d{5}|\bSQL\d{4,5}N\b|SQLSTATE|PSQLException|SQLException|psql:\S+ ERROR:|"
        r"DB2 SQL Error|\bMsg \d+, Level|\bSQLCODE\s*[=:]?\s*-\d",
        2,
        ("error_codes", "tables"),
        "Database error {entity}: {message}",
        "Database error: {message}",
        _DB_STEPS,
    ),
    # --- missing file ----------------------------------------------------------------------------------------
    _rule(
        "no_such_file",
        "missing_file",
        r"No such file or directory|FileNotFoundException|NoSuchFileException|FileNotFoundError|\bENOENT\b|"
        r"\[Errno 2\]|file not found|cannot find the (?:file|path) specified|Input resource must exist|"
        r"cannot stat|does not exist.*(?:file|path)|(?:file|path) .*does not exist|0x80070002|0x80070003|"
        # an object store's missing object: S3's NoSuchKey, Azure's BlobNotFound / "The required Blob is missing"
        r"\bNoSuchKey\b|\bBlobNotFound\b|\bSourceBlobNotExist\b|"
        r"\b(?:specified|required) blob (?:is missing|does not exist)",
        3,
        _FILE,
        "Missing file: {entity}",
        "An input file is missing",
        _MISSING_FILE_STEPS,
    ),
    _rule(
        "cannot_open",
        "missing_file",
        r"unable to open|could not (?:be )?open|cannot (?:be )?open|can't open|failed to open|could not find",
        2,
        _FILE,
        "Missing or unreadable file: {entity}",
        "A file could not be opened",
        _MISSING_FILE_STEPS,
    ),
    # --- errors in the job's own code ------------------------------------------------------------------------
    # A framework's configuration that does not bind (Spring Boot's "Failed to bind properties under 'x' to int:",
    # SmallRye's SRCFGnnnnn): the job's configuration, above the conversion error it reports as its reason.
    _rule(
        "config_binding",
        "script_error",
        r"Failed to bind properties under|\bSRCFG\d{5}\b",
        5,
        ("variables", "locations", "paths"),
        "Error in the job's own configuration ({entity}): {message}",
        "Error in the job's own configuration: {message}",
        _SCRIPT_STEPS,
    ),
    _rule(
        "script",
        "script_error",
        r"syntax error|unexpected token|unbound variable|bad substitution|integer expression expected|"
        r"\b(?:NameError|TypeError|AttributeError|IndexError|KeyError|ZeroDivisionError|UnboundLocalError|"
        r"SyntaxError|IndentationError|AssertionError|RecursionError)\b|NullPointerException|ClassCastException|"
        r"ArrayIndexOutOfBoundsException|IndexOutOfBoundsException|IllegalArgumentException|"
        r"NumberFormatException|ArithmeticException|segmentation fault|core dumped|SIGSEGV|"
        r"missing (?:required )?(?:argument|parameter|option)s?\b|unrecognized option|invalid option|"
        # cmd's and PowerShell's parsers, TypeScript's compiler
        r"was unexpected at this time|missing closing ['\"][)}\]]['\"]|\berror TS\d{4}:|"
        r"\bTS\d{4} \[ERROR\]:|"  # (Deno's type check: "error: TS2551 [ERROR]: Property 'x' does not exist ...")
        # Go's templates: a field or function the template uses that its data type lacks (rules-23)
        r"\bcan't evaluate field \w+ in type\b|\bfunction \"\w+\" not defined\b",
        3,
        ("locations", "variables", "options", "paths", "exceptions"),
        "Error in the job's own code or configuration ({entity}): {message}",
        "Error in the job's own code or configuration",
        _SCRIPT_STEPS,
    ),
    _rule(
        "exception",
        "script_error",
        r"\b[A-Z]\w*Exception\b|\bException in thread\b",
        1,
        ("locations", "exceptions"),
        "Unhandled exception ({entity}): {message}",
        "Unhandled exception: {message}",
        _SCRIPT_STEPS,
    ),
)

# Templates of annotations made from general evidence (evidence.py: codes, type names, words) rather
# than a rule's phrase: one per family, with the entity kinds that name the thing to fix in that family.
_EVIDENCE_TEMPLATES: dict[Category, tuple[tuple[str, ...], str, str, tuple[str, ...]]] = {
    "missing_file": (("queues", "paths", "endpoints", "urls", "resources"), "Missing file: {entity} ({message})",
                     "An input is missing: {message}", _MISSING_FILE_STEPS),
    "permission": (("queues", "paths", "tables", "databases", "resources", "users", "endpoints"),
                   "Permission denied on {entity}: {message}", "Permission denied: {message}", _PERMISSION_STEPS),
    "disk_full": (("destinations", "queues", "paths", "resources"),
                  "File system full or quota exceeded for {entity}: {message}",
                  "File system full or quota exceeded: {message}", _DISK_STEPS),
    "db_error": (("tables", "constraints", "columns", "databases", "tablespaces", "error_codes"),
                 "Database error on {entity}: {message}", "Database error: {message}", _DB_STEPS),
    "network": (("hosts", "ips", "endpoints", "urls"), "Cannot reach {entity}: {message}",
                "A remote service could not be reached: {message}", _NETWORK_STEPS),
    "timeout": (("endpoints", "hosts", "tables", "commands", "resources"), "Time limit exceeded on {entity}: {message}",
                "Time limit exceeded: {message}", _TIMEOUT_STEPS),
    "oom": ((), "Out of memory: {message}", "Out of memory: {message}", _OOM_STEPS),
    "auth": (("users", "principals", "keys", "hosts", "paths", "endpoints"),
             "Authentication failed for {entity}: {message}", "Authentication failed: {message}", _AUTH_STEPS),
    "dependency": (("tws_jobs", "modules", "classes", "libraries", "commands", "paths"),
                   "Missing dependency {entity}: {message}", "A dependency of the job is missing: {message}",
                   _DEPENDENCY_STEPS),
    "data_quality": (("paths", "tables", "resources", "endpoints"), "Invalid data in {entity}: {message}",
                     "Invalid data in the input: {message}", _DATA_STEPS),
    "script_error": (("locations", "variables", "options", "paths"),
                     "Error in the job's own code or configuration ({entity}): {message}",
                     "Error in the job's own code or configuration: {message}", _SCRIPT_STEPS),
}  # fmt: skip
EVIDENCE_RULES: dict[str, Rule] = {
    category: _rule(f"evidence:{category}", category, r"(?!)", 1, kinds, cause, without, steps)
    for category, (kinds, cause, without, steps) in _EVIDENCE_TEMPLATES.items()
}
# Besides the entity of the cause, what else an operator needs named to act, per family (the user of
# a refused login, the database of a failed statement); named in the root cause when the joblog says.
CONTEXT_KINDS: dict[str, tuple[str, ...]] = {
    "auth": ("users", "principals", "hosts", "databases"),
    "permission": ("users", "destinations", "resources", "tables", "paths"),
    "db_error": ("tables", "constraints", "columns", "databases"),
    "timeout": ("remote_jobs", "hosts", "tables", "commands"),
    "dependency": ("tws_jobs", "commands", "modules", "module_files", "classes", "jar_entries", "libraries", "paths"),
    "script_error": ("locations", "variables", "options", "scripts"),
    "data_quality": ("paths", "tables", "columns", "error_codes"),
}
# What a family's failure happened to, when its line does not say: the program that ran out of memory (the
# last command line above the error starts it), the data file an invalid-data failure read (the last one
# named up to the error line), where a full disk or a refused write was writing (rules-19: the destination
# the job gave last), the stored routine a timed-out or refused statement ran in (rules-19), the account a
# refused login stated and the server a network failure's job stated (rules-20). Named first in the root cause,
# besides the context above.
SUBJECT_KINDS: dict[str, tuple[str, ...]] = {
    "oom": ("programs",),
    "data_quality": ("inputs",),
    "disk_full": ("targets",),
    "permission": ("targets",),
    # the routine, else the table of the statement that ran, else the job started elsewhere
    # (rules-23: first the program GNU timeout stopped, when its report is the error line)
    "timeout": ("programs", "summary_objects", "routines", "statement_tables", "started_jobs", "views", "servers"),
    "db_error": ("summary_objects", "routines", "statement_tables"),
    "auth": ("credentials",),  # rules-20: the account the job stated it logs in with
    "network": ("servers",),  # rules-20: the server the job stated it talks to
    # rules-21: the ABAP program of an SAP step whose runtime error it is (other script errors name the place in
    # the code or the script the scheduler ran, in the context)
    "script_error": ("programs",),
}
# What else a family's failure happened to, read the same way and named after the subject (rules-20): the
# application, batch job or container an out-of-memory program ran as, by which its platform reports it, and
# (rules-25) the class a JVM's stack trace below starts from, the record invalid data is about, the file system
# a df report shows full and the Snowflake warehouse a statement timed out on.
SUBJECT_ALSO: dict[str, tuple[str, ...]] = {
    "oom": ("applications", "main_classes"),
    "data_quality": ("records",),
    "disk_full": ("full_mounts",),
    "timeout": ("warehouses",),
}

# Words of the readings rules-21 added in other languages: a translated failure word (the gate of evidence.py's
# translated readings) and a rule-hint word (so that such a line is read wherever it is in the joblog).
# Words of the readings rules-22 added in other languages (R's vector that cannot be allocated)
_RULES_22_WORDS = (
    "allozieren", "allouer un vecteur", "ubicar un vector", "allocare", "alocar", "przydzielić wektora",
    "batch label", "étiquette de lot", "sprungmarke", "wird nicht als",
)  # fmt: skip
# Words of the readings rules-23 added in other languages (a field or value named invalid)
_RULES_23_WORDS = (
    "inválid", "invalida", "invalido", "ungültig", "invalide", "non valid", "ogiltig", "nieprawidłow", "numerique",
    "numérique", "numerico", "numérico", "numerisch", "numeriek", "dbt deps", "de rango", "del rango", "do intervalo",
    "hors plage", "hors de la plage", "außerhalb des", "fuori dal", "fuori range", "fuori intervallo", "buiten",
)  # fmt: skip
# Words of the readings rules-24 added in other languages (an error level a marker file's line may carry, a value
# outside its range)
_RULES_24_WORDS = (
    "lỗi", "utenfor", "utanför", "uden for", "érvénytelen", "ervenytelen", "neplatn", "ugyldig", "geçersiz", "gecersiz",
    "virheelli", "предшественник", "poprzedni", "předchůdce", "föregångar", "forgænger", "forgjenger", "edeltäj",
    "előd", "kontrollsumma", "kontrolljärk",
)  # fmt: skip
# Words of the readings rules-25 added in other languages (a number a program does not allow)
_RULES_25_WORDS = (
    "tillaten", "tillåten", "tillatet", "tillåtet", "sallittu", "tillatt", "tilladt", "zulässig", "zulassig",
    "toegestaan", "permitido", "permitida", "consentito", "consentita", "ammesso", "ammessa", "niedozwolon",
    "nepovolen", "dozvoljen", "dovoljen", "povolen", "megengedett", "допускается", "izin veril", "диапазон",
    "diapazon", "zakresem", "rozsah", "raspona", "obsega", "nepatenka", "tartomány", "tartomany", "aralık", "aralik",
    "ulkopuolella", "exceeds", "virsija", "viršija", "pārsniedz", "parsniedz", "przekracza", "překračuje",
    "prekracuje", "prekračuje", "prelazi", "presega", "überschreitet", "uberschreitet", "dépasse", "depasse",
    "supera", "excede", "overschrijdt", "överskrider", "overskrider", "overstiger", "ylittää", "ylittaa",
    "meghaladja", "aşıyor", "asiyor", "превышает", "invalide", "nevaljan",
)  # fmt: skip
# Words of the readings rules-26 added in other languages (a number outside its limits)
_RULES_26_WORDS = (
    "fuori", "fuera de", "fora do", "fora dos", "fora de", "hors", "au-delà", "au-dela", "außerhalb", "ausserhalb",
    "buiten", "väljaspool", "valjaspool", "poza", "mimo", "izvan", "ārpus", "arpus", "už rib", "uz rib", "kívül",
    "kivul", "dışında", "disinda", "за пределами",
)  # fmt: skip
_RULES_21_WORDS = (
    "prüfziffer", "kontrollsiffer", "kontrollsiffra", "controlecijfer", "chiffre de contrôle", "clé de contrôle",
    "dígito de control", "dígito verificador", "cifra di controllo", "cyfra kontrolna", "prédécesseur",
    "vorgänger", "vorgaenger", "predecesor", "predecessore", "voorganger", "nie ma pakietu", "kein paket",
    "aucun package", "paquete llamado", "pacchetto chiamato", "pacote chamado", "module valide",
    "gültige moduldatei", "módulo válido", "modulo valido", "dateigruppe", "groupe de fichiers",
    "grupo de archivos", "grupo de arquivos", "grupa plików", "bestandsgroep", "servidor remoto",
    "serveur distant", "server remoto", "externe server", "časového limitu", "dostatek místa", "miejsca na dysku",
    "χώρος",
)  # fmt: skip

# Words of failure messages localised to German, French, Spanish, Italian, Portuguese and (round 13) Dutch,
# Swedish, Danish/Norwegian, Polish, Czech, Russian, Turkish, Japanese, Chinese and Korean (evidence.py reads
# them): a line with one among the first and last lines of the output is read (a test over every line of a
# long joblog would cost more than the rare localised line is worth).
TRANSLATED_FAILURE_WORDS = (
    "berechtigung", "verweigert", "nicht gefunden", "nicht finden", "nicht vorhanden", "speicherplatz",
    "abgelehnt", "zeitüberschreitung", "abgelaufen", "kennwort", "passwort", "fehlgeschlagen", "speicher",
    "nicht erlaubt", "nicht zulässig", "nicht erreichbar", "keine route", "accordée", "refusé", "introuvable",
    "aucun", "insuffisant", "délai", "mot de passe", "authentification", "mémoire", "allouer", "non permise",
    "inaccessible", "denegado", "no existe", "espacio", "rehusada", "rechazada", "tiempo de", "contraseña",
    "autenticación", "memoria", "no permitida", "inaccesible", "no se pudo", "no se puede", "negato",
    "non esistente", "esaurito", "rifiutata", "scadut", "errata", "non riuscita", "negad", "inexistente",
    "espaço", "recusada", "esgotado", "senha", "autenticação", "memória", "desconocido", "inconnu", "bekannt",
    "impossibile", "n'existe", "n’existe", "encontra", "verbindung", "nenhuma", "réseau", "pas accessible",
    "connessione", "tempo limite", "zugänglich", "existiert nicht", "non esiste", "não existe",
    # Round 13: deadlocks and duplicate keys of the first five; Dutch, Swedish, Danish/Norwegian, Polish, Czech,
    # Russian, Turkish, Japanese, Simplified Chinese and Korean
    "interbloqueo", "interblocage", "victime du blocage", "impasse", "stallo", "verklemmung", "duplicad",
    "en double", "dupliqu", "chiave duplicat", "valore chiave", "valor da chave", "doppelte", "geweigerd",
    "geen toegang", "geen machtiging", "geen toestemming", "bestaat niet", "niet gevonden", "niet vinden",
    "geen ruimte", "pas assez", "suffisamment", "reconnu", "riconosciuto", "reconoce", "reconhecido",
    "falsch geschrieben", "niet herkend", "rozpoznawan", "není názvem", "känns inte igen", "не является внутренней",
    "内部コマンド", "内部或外部命令", "내부 또는 외부", "anmeldung", "heslo", "ouverture de session",
    "inicio de sesión", "non riuscit", "logon", "hasło", "lösenord", "неверное имя", "ログインできません", "登录失败",
    "用户名或密码", "parametro corrispondente", "kein parameter", "paramètre correspondant", "ningún parámetro",
    "nenhum parâmetro", "geen parameter", "ensamblado", "l'assembly", "l’assembly", "oder assembly",
    "of assembly", "ou assembly", "erreur", "fehler", "errore", "błąd", "chyba", "virhe", "ошибка", "エラー", "错误",
    "오류", "transaktionsprotokoll", "journal des transactions", "registro de transacciones", "ruta de acceso",
    "chemin d", "percorso", "localizar o caminho", "meldung", "mens.", "messaggio", "blocage",
    "onvoldoende", "geheugen", "dubbele sleutel", "objectnaam", "mislukt", "onjuist", "ongeldig", "verlopen",
    "verbroken", "kon geen verbinding", "onbereikbaar", "geen route", "time-out", "tijdslimiet", "nekas",
    "nekad", "behörighet", "finns inte", "hittades inte", "hitta inte", "hittar inte", "ingen sådan",
    "enheten är full", "tillräckligt", "slut på minne", "lite minne", "allokera", "dödläge", "nyckelvärde",
    "existerar inte", "misslyckades", "lösenord", "vägrades", "nekades", "kunde inte ansluta", "ingen väg",
    "tidsgräns", "förbindelsen", "nægtet", "nektet", "ingen adgang", "ingen tilgang", "findes ikke",
    "finnes ikke", "ikke fundet", "ikke funnet", "ikke finde", "ikke finne", "ingen slik", "finner ikke",
    "plads", "plass", "hukommelse", "tildele", "vranglås", "baglås", "duplikeret", "duplisert",
    "mislykkedes", "mislyktes", "adgangskode", "passord", "kunne ikke", "ingen rute", "tidsgrænse",
    "tidsudløb", "tidsavbrudd", "dostępu", "uprawnień", "nie ma takiego", "nie istnieje", "nie znaleziono",
    "nie można", "miejsca", "pamięci", "zakleszcz", "klucza", "nie powiod", "hasło", "odrzucone",
    "brak trasy", "przekroczon", "limit czasu", "czas oczekiwania", "nazwa obiektu", "odepřen", "oprávnění",
    "neexistuje", "nalezen", "nalézt", "míst", "paměť", "paměti", "zablokování", "klíče", "selhal",
    "nezdařil", "heslo", "odmítnuto", "připojit", "vypršel", "časový limit", "отказано", "запрещ",
    "недостаточно", "нет прав", "нет такого", "не существует", "не найден", "не удается", "не удалось",
    "места", "памят", "нехватка", "взаимоблокир", "значение ключа", "повторяющийся", "ошибка",
    "подлинности", "пароль", "соединени", "подключени", "маршрута", "время ожидания", "тайм-аут",
    "имя объекта", "engellendi", "reddedildi", "izin yok", "böyle bir dosya", "bulunamadı", "bulamıyor",
    "mevcut değil", "yer kalmadı", "alan yok", "bellek", "kilitlenme", "anahtar", "başarısız", "yanlış",
    "hatalı", "geçersiz", "bağlan", "zaman aşımı", "拒否", "ありません", "存在しません", "見つかりません",
    "検出できません", "空き領域", "いっぱい", "メモリ", "デッドロック", "重複", "一意性制約", "無効", "認証",
    "ログイン", "パスワード", "接続", "タイムアウト", "拒绝", "权限", "不存在", "找不到", "没有那个文件",
    "空间", "磁盘已满", "内存", "死锁", "重复键", "唯一约束", "无效", "失败", "密码错误", "连接", "路由",
    "超时", "거부", "권한이 없", "없습니다", "찾을 수 없", "존재하지 않", "공간", "메모리", "교착",
    "중복된 키", "고유 제약", "잘못", "실패", "로그인하지", "접속할 수 없", "연결할 수 없", "루트가 없", "초과",
    # (rules-20) .NET's and PowerShell's "The operation has timed out" and "null-valued expression"
    "a expiré", "zeitlimit", "tiempo de espera", "scaduta", "tempo limite", "expression null",
    "null-wert", "valor null", "valore null", "valor nulo", "geöffnet", "abrir", "aprire", "geopend", "dateiende",
    # (rules-21) words of the translated readings that no word above opened (a test checks every reading), and of
    # the readings rules-21 added
    "insufficiente", "log delle transazioni", "log de transações", "transactielogboek", "non corrett",
    "sintaxis", "sintaxe", "syntaxfout", "espressione", "zduplikowan",
    *_RULES_21_WORDS, *_RULES_22_WORDS, *_RULES_23_WORDS, *_RULES_24_WORDS, *_RULES_25_WORDS,
    *_RULES_26_WORDS,
)  # fmt: skip

# Lower-case words of rule-only lines: lines naming a cause without any word the shared error-line finder
# scores (no "error", "failed", "cannot"...), e.g. "kinit: Keytab contains no suitable keys",
# "EXPORT_DIR: unbound variable", "File X could not be opened". Any job output line holding one is tried
# against the rules, wherever it is in the joblog.
RULE_HINT_WORDS = (
    "could not", "keytab", "kinit", "kerberos", "gss", "credential", "unauthorized", "forbidden", "unbound",
    "predecessor", "upstream", "prerequisite", "dependenc", "@inc", "not present", "storage space", "abap",
    "tsv_", "0x8007", "unterminated", "expecting value", "unparseable", "checksum", "mismatch", "malformed",
    "reject", "validation", "oom", "alloc", "killed", "enoent", "eacces", "enospc", "edquot", "enomem",
    "no module", "classnotfound", "noclassdef", "shared librar", "not logged in", "login incorrect",
    "exceeded", "max runtime", "time limit", "deadline", "quota", "read-only", "no route", "unreachable",
    "resolve", "name or service", "refused", "reset by peer", "broken pipe", "ora-", "tns-", "sql", "db2",
    "msg ", "deadlock", "duplicate", "unique constraint", "does not exist", "insufficient privileges",
    "not authorized", "segmentation", "core dumped", "syntax", "unexpected token", "not available",
    "unavailable", "reason code", "not set", "undefined", "null", " nil", "wall clock", "is not recognized",
    "abend", "not accepted", "arguments", "usage:", "the network", "no connection", "not enough",
    "memory limit", "not allowed to", "did not arrive", "never arrived", "cannot execute", "yaml:", "secret key",
    "completion code", " iec", "data set", "unexpected end", "corrupt", "truncated", "not responding", "certificate",
    "authorization", "unexpected eof", "ends unexpectedly", "dumped core", "throttl", "rate exceeded",
    "wrote only", "short write", "ldap_", "ldap: error code", "ldap result code", "insufficient",
    "internal or external command", "parameter name", "bind parameter", "argument for parameter",
    "bytes failed", "time limit", "find or open", "sqlcode", "input sequence", "byte sequence", "numeric field",
    "nt_status", "provide memory", "in use by job", "allocate a record", "suitable driver",
    "undefinedfilename", "invalidfileaccess", "vmerror", "free drive", "unknown parameter", "header not found",
    "unrecognized option",
    # rules-20
    "geöffnet", "geopend", "dateiende", "failure in test", "element-wise", "failure cases", "no resolvable",
    "a expiré", "expression null", "null-valued", "null-wert", "unexpected at this time", "missing closing",
    "failed to bind", "idc3012i", "not authorised", "tiempo de espera", "tempo limite", "zeitlimit", "scaduta",
    "does not conform", "cannot parse input", "spazio su disco", "espace insuffisant", "espacio suficiente",
    "suficiente espacio", "espaço suficiente", "schijfruimte", "erreur de syntaxe", "syntaxfehler", "sintaxis",
    "sintassi", "sintaxe", "syntaxfout", "składni", "синтаксическая",
    # rules-21
    "must install or update .net", "compatible framework", "the framework '",
    *_RULES_21_WORDS, *_RULES_22_WORDS, *_RULES_23_WORDS, *_RULES_24_WORDS, *_RULES_25_WORDS,
    *_RULES_26_WORDS,
)  # fmt: skip

# A job that says where the real log is (and nothing else): the joblog cannot tell, the other log can.
LOG_POINTER = re.compile(
    r"(?:details?|see|check|more information|for more info\w*|refer to|look at)\b[^/\\]{0,40}?"
    r"(?P<path>(?:/|[A-Za-z]:\\)[^\s'\"]+\.(?:log|txt|out|err|trc))",
    re.IGNORECASE,
)

# When no rule matches, the exit code of a shell job still says something.
RETURN_CODE_HINTS: dict[int, tuple[Category, str]] = {
    126: ("permission", "Exit code 126: the command was found but could not be executed (permission or format)"),
    127: ("dependency", "Exit code 127: a command the job calls was not found"),
    124: ("timeout", "Exit code 124: the job was stopped by a `timeout` wrapper (its time limit expired)"),
    137: ("oom", "Exit code 137: the job was killed with SIGKILL (often the OOM killer or a manual kill)"),
    134: (
        "script_error",
        "Exit code 134: the program aborted itself with SIGABRT (a failed assertion or a fatal runtime error)",
    ),
    139: (
        "script_error",
        "Exit code 139: the program crashed with SIGSEGV (a segmentation fault in its code or a library it loads)",
    ),
    143: ("timeout", "Exit code 143: the job was terminated with SIGTERM (often a time limit or a manual kill)"),
}
