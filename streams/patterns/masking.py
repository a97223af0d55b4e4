"""Replaces the variable parts of a log line (numbers, paths, addresses, ids, dates...) with typed masks.

Drain groups lines by their literal tokens, so every token that differs between two occurrences of the
same message (a file name, a pid, a timestamp) costs similarity. Masking them first lets Drain compare
what is left: the message's own words. Masks are typed (`<PATH>`, `<IP>`, `<NUM>`...) rather than all
`<*>` so a template still tells a reader what stood there.

Why a pre-processing step and not Drain3's MaskingInstruction list: masking is a pure function of the
line, so it is tested without Drain and usable elsewhere; it is cached by the line's digit shape (see
Masker), which is what makes 100,000 lines/s reachable and which Drain3's masker, a plain loop of
`re.sub` over every line, cannot do; each rule has a cheap trigger (a substring test) so most rules
cost one `in` per line instead of a regex scan; and error codes are protected before any rule runs,
which Drain3's list could only express with look-arounds in every rule.

Decisions:
- Error codes stay literal (ORA-01653, SP2-0751, TNS-12541, SQL0911N, DB20000I, AWSBIN091E,
  SQLSTATE=40001, psql's "ERROR:  42P01:"): the code is the identity of the error, and masking it as a
  number would merge "tablespace full" with "no listener". Their variable parts (table, tablespace,
  sizes) are masked by the other rules.
- A number takes its unit with it (`12ms`, `3.5GB`, `9.2 KB` -> `<NUM>`): sizes and durations are
  printed auto-scaled (384 B, 9.2 KB, 1.1 MB), so a kept unit would split one message into one pattern
  per scale. A unit is taken after a space only when it cannot be a word (KB, MiB, ms), not "s" or "m".
  Numbers glued to letters (`R02`, `ssh2`, `19c`) are names, not values, and stay.
- Key=value: values that are plain words (`status=OK`, `tty=NODEVssh`) stay, since they are usually
  enumerations that change the meaning; any other value becomes `<VAL>`, even one another rule typed
  (`rhost=<IP>` and `rhost=<HOST>` are one field that holds either).
- Hosts are masked only when they end in a known top-level domain, so Java class names
  (`java.net.ConnectException`) and file names (`Arrays.java`) are not taken for hosts. IPv4 and IPv6
  (validated by `ipaddress`, so "12:30:45" and "std::vector" are not addresses) take their port along.
- Hex ids (`0x00e462c0`, `0245b64c`) read `<NUM>` like decimal numbers: an id that happens to hold no
  letter ("00106228") cannot be told from a number, and two masks would split one message in two.
- Ids made of a word, "_" and digits keep the word (`blk_-695...` -> `blk_<ID>`, `attempt_<ID>`): it
  says what the id is. Paths (unix, `~/`, `./`, `C:\\dir`, `\\\\server\\share`), URLs, e-mails and UUIDs
  are masked whole; relative paths without a leading "./" stay, as "and/or" and "TCP/IP" would not.
- Quoted strings are data ('Müller GmbH', "employees.csv") and become `<STR>`; a JSON key
  (`"key":`) is structure and stays. Dates and times in the usual formats (ISO 8601, US and European
  numeric dates, syslog and ctime dates with weekday and zone) become one `<DATE>` or `<TIME>` token,
  so a message keeps its token count whatever the date format's spaces.
- Database object names after `table`, `tablespace`, `index`, `constraint`, `column`, `relation`,
  `view`, `schema`, `sequence`, `user` are masked when they look like identifiers (upper case, digits,
  `_`, `.`, `$`), never when they are plain lower-case words ("table or view does not exist").

Bump MASKING_VERSION whenever a rule changes what a line masks to: persisted miner states record it,
because new masks would give known lines new templates.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MASKING_VERSION = 1

_DIGITS = "0123456789"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_WEEKDAY = r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\b,?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
_ZONE = r"(?:\s?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|CES?T|EE?S?T|[ECMP][SD]T|BST|IST|JST|AEST)(?![\w]))?"
_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|io|co|us|uk|de|fr|nl|eu|ch|es|se|dk|fi|jp|cn|ru|br|au|ca|pl|cz|"
    "local|localdomain|internal|intra|intranet|lan|corp|home|arpa|cloud|example|test|invalid"
)
# Error codes that identify an error and must survive masking (see the module docstring).
_ERROR_CODE = (
    r"\b[A-Z][A-Z0-9]{1,5}-\d{3,5}[A-Z]?\b"  # ORA-01653, SP2-0751, TNS-12541, PLS-00201, RMAN-03009
    r"|\b[A-Z]{2,8}\d{3,5}[A-Z]\b"  # IBM message ids: SQL0911N, DB20000I, AWSBIN091E, IEF450I
    r"|\bSQL(?:STATE|CODE)\s?[=:]?\s?-?[0-9A-Z]{1,5}\b"  # SQLSTATE=23505, SQLSTATE 42P01, SQLCODE=-911
    r"|(?<=(?:ERROR|FATAL|PANIC):  )[0-9A-Z]{5}(?=:)"  # psql VERBOSITY verbose: "ERROR:  23505: ..."
)
_PROTECT_BASE = 0xE000  # private-use characters stand in for protected codes while rules run
_PROTECT_SLOTS = 0xF8FF - 0xE000 + 1
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_SHAPE = bytes.maketrans(b"123456789", b"000000000")
MASK_NAMES = ("URL", "EMAIL", "STR", "UUID", "IP", "PATH", "DATE", "TIME", "HOST", "NUM", "ID", "NAME", "VAL")
_MASK_TOKEN = re.compile("<(?:" + "|".join(MASK_NAMES) + ")>")


@dataclass(frozen=True, slots=True)
class MaskRule:
    """One masking rule: what it finds, what replaces it, and the cheap test that says it may apply.

    `needles`: the rule runs only when one of these substrings is in the line (empty: always), in
    the lower-cased line if `any_case`; `needs_digit`: only on lines with a digit; `gate`: only when
    it returns True. All are shortcuts, never semantics: a rule must give the same result without them.
    """

    name: str
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    needles: tuple[str, ...] = ()
    needs_digit: bool = False
    any_case: bool = False
    gate: Callable[[str], bool] | None = None

    def apply(self, line: str) -> str:
        """The line with this rule's matches replaced."""
        return self.pattern.sub(self.replacement, line)


def _ipv6_or_keep(match: re.Match[str]) -> str:
    """A regex cannot tell "fe80::1" from "12:30:45" cheaply; ipaddress can.

    A digit is required so C++/Perl scopes made of hex letters ("a::b", "Dead::Beef") stay.
    """
    text = match.group(0)
    if not any(d in text for d in _DIGITS):
        return text
    address = text[1:].split("]", 1)[0] if text.startswith("[") else text
    if "%" in address:  # zone index, e.g. fe80::1%eth0
        address = address.split("%", 1)[0]
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return text
    return "<IP>"


def _hex_or_keep(match: re.Match[str]) -> str:
    """A long hex run is an id only if it stands alone and mixes digits and letters (else: a word or
    a number, left to the NUM rule)."""
    text = match.group(0)
    line, start, end = match.string, match.start(), match.end()
    if (start and (line[start - 1].isalnum() or line[start - 1] in "_-")) or (
        end < len(line) and (line[end].isalnum() or line[end] in "_-")
    ):
        return text
    if text.isdigit() or not any(d in text for d in _DIGITS):
        return text
    return "<NUM>"


def _quoted(match: re.Match[str]) -> str:
    """Matched (not skipped) so the scan stays in step with quote pairs; a JSON key is given back as is."""
    return match.group(0) if match.group("key") else "<STR>"


def build_rules() -> tuple[MaskRule, ...]:
    """The general masking rules in the order they must run (most specific shapes first).

    Order matters: a URL contains a host, a path and numbers, so it is masked before them; IPs before
    paths so "/10.1.2.3:50010" reads "/<IP>"; paths before dates so "/data/2026/11/24" stays one path.
    """
    c = re.compile
    return (
        MaskRule("URL", c(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s\"'<>`]+"), "<URL>", ("://",)),
        MaskRule("EMAIL", c(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b"), "<EMAIL>", ("@",)),
        MaskRule(
            "STR",
            # A quoted string is data ("employees.csv", 'M\xfcller GmbH'); JSON keys ("key":) are structure.
            c(r"\"[^\"\n]{0,400}\"(?P<key>:)?|(?<![\w`])'[^'\n]{0,400}'(?!\w)"),
            _quoted,
            ('"', "'"),
        ),
        MaskRule(
            "UUID",
            c(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
            "<UUID>",
            ("-",),
        ),
        MaskRule(
            "IP",
            c(
                r"\[[0-9A-Fa-f:.%\w]*:[0-9A-Fa-f:.]*\](?::\d{1,5})?"  # [fe80::1%eth0]:8080
                r"|(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*(?![\w:])"  # 2001:db8::1, ::ffff:10.0.0.1
            ),
            _ipv6_or_keep,
            gate=lambda line: "::" in line or line.count(":") >= 7,  # compressed, or all eight groups
        ),
        MaskRule(
            "IP",
            # Octets are not range-checked: rules see digits as a class only (see Masker).
            c(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?!\w|\.\d)"),
            "<IP>",
            needs_digit=True,
            gate=lambda line: line.count(".") >= 3,
        ),
        MaskRule(
            "PATH",
            c(
                r"(?<![\w.~<>/\\-])(?:~|\.\.?)?/[\w.$@%+~#-]+(?:/[\w.$@%+~#-]*)*"  # unix, ~/x, ./x, ../x
                r"|(?<![\w\\])[A-Za-z]:[\\/][^\s\"'<>|*?,;]*"  # C:\dir\file, C:/dir/file
                r"|(?<![\w\\])\\\\[\w.$-]+(?:\\[^\s\"'<>|*?,;]*)+"  # \\server\share\dir
            ),
            "<PATH>",
            ("/", "\\"),
        ),
        MaskRule(
            "DATE",
            c(
                rf"(?<![\w.:/-])(?:{_WEEKDAY}\s+)?(?:"
                rf"\d{{4}}-\d{{2}}-\d{{2}}(?:[T -]\d{{2}}[:.]\d{{2}}(?:[:.]\d{{2}}(?:[.,]\d{{1,9}})?)?)?"
                rf"|\d{{4}}[/.]\d{{1,2}}[/.]\d{{1,2}}(?:[ T:-]{_CLOCK})?"
                rf"|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}(?:[ T:-]{_CLOCK})?"
                rf"|\d{{1,2}}/{_MONTH}/\d{{4}}(?::{_CLOCK})?"
                rf"|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?(?:\s+{_CLOCK})?(?:{_ZONE}\s+\d{{4}})?"
                rf"|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}(?:\s+{_CLOCK})?"
                rf"){_ZONE}(?!\d)"
            ),
            "<DATE>",
            needs_digit=True,
        ),
        MaskRule(
            "TIME", c(rf"(?<![\w.:])\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d{{1,9}})?{_ZONE}(?![\w:])"), "<TIME>", (":",)
        ),
        MaskRule(
            "HOST",
            c(
                rf"(?<![\w.@/-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+(?i:{_TLDS})"
                rf"(?::\d{{1,5}})?(?![\w-]|\.\w)"
            ),
            "<HOST>",
            (".",),
        ),
        MaskRule(
            "HEX",
            # One mask with NUM: "00106228" and "0245b64c" are the same field of one message.
            # The boundaries and the digit+letter test are checked in _hex_or_keep: a pattern that starts
            # with a character class lets the regex engine skip ahead, one that starts with a look-behind
            # must try every position (3x slower here).
            c(r"[0-9a-fA-F]{8,}"),
            _hex_or_keep,
            needs_digit=True,
        ),
        MaskRule("HEX", c(r"\b0[xX][0-9a-fA-F]+\b"), "<NUM>", ("0x", "0X")),
        # Block / attempt / container ids: keep the prefix that says what the id is (blk_<ID>).
        MaskRule("ID", c(r"\b([A-Za-z]+)_-?\d[\w-]*"), r"\1_<ID>", ("_",), needs_digit=True),
        MaskRule(
            "NAME",
            c(
                r"(?i:\b(table|tablespace|index|constraint|column|relation|view|schema|sequence|user)(\s+))"
                r"(?=[\w$#.]*[A-Z0-9_$#.])(?![\w$#.]*<)[A-Za-z_][\w$#]*(?:\.[A-Za-z_][\w$#]*)*\b"
            ),
            r"\1\2<NAME>",
            ("table", "index", "constraint", "column", "relation", "view", "schema", "sequence", "user"),
            any_case=True,
        ),
        MaskRule(
            "NUM",
            c(
                r"(?<!\w)(?<!\d\.)[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)*(?:[eE][-+]?\d+)?"
                r"(?:%|(?:[kKMGTPE]i?)?[bB](?:ytes?)?|ms|us|\xb5s|ns|secs?|s|mins?|m|h|hrs?|d|days?|x"
                r"|\s(?:(?:[kKMGTPE]i?)?B|bytes?|ms|us|\xb5s|ns)\b)?(?!\w)"
            ),
            "<NUM>",
            needs_digit=True,
        ),
        MaskRule(
            "VAL",
            # Last, so it also re-masks typed values: "rhost=<IP>" and "rhost=<HOST>" are one field.
            c(r"\b([\w.-]+)=(?![A-Za-z]+(?:[\s,;&)\]}]|$))[^\s,;&)\]}]+"),
            r"\1=<VAL>",
            ("=",),
        ),
    )


class Masker:
    """Applies masking rules to one line at a time; build one and reuse it (rules compile once).

    Running the rules over a line costs 30-45 microseconds, far from the 10 a 100,000 lines/s budget
    allows. But the rules look at digits only as a class (\\d, [0-9a-f]), never at their
    value, so two lines that differ only in which digits they hold ("pid 4711" and "pid 8350") mask the
    same way. `mask` therefore keys a cache on the line's *shape* (every ASCII digit turned into 0,
    done on bytes, about 0.3 microseconds) and runs the rules once per shape. When digits survive
    masking (ORA-01653, ssh2, R02) the cached result is filled with the line's own digits, aligned by a
    regex compiled once for that shape. `mask_uncached` applies the rules directly and defines the
    result; tests check that both agree.
    """

    def __init__(
        self, rules: Sequence[MaskRule] | None = None, keep: str | None = _ERROR_CODE, cache_size: int = 100_000
    ) -> None:
        self.rules: tuple[MaskRule, ...] = tuple(build_rules() if rules is None else rules)
        self._keep = re.compile(keep) if keep else None
        self._control = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x1f\x7f]")
        self._cache_size = cache_size
        self._shapes: dict[bytes, tuple[str, re.Pattern[str] | None, tuple[str, ...]]] = {}

    def mask(self, line: str) -> str:
        """The line with control characters turned into spaces and variable parts masked."""
        if not line.isprintable():
            line = self._normalize(line)
        shape = line.encode("utf-8", "surrogatepass").translate(_SHAPE)
        entry = self._shapes.get(shape)
        if entry is None:
            entry = self._plan(shape.decode("utf-8", "surrogatepass"))
            if len(self._shapes) >= self._cache_size:
                self._shapes.clear()
            self._shapes[shape] = entry
        masked, aligner, pieces = entry
        if aligner is None:
            return masked
        found = aligner.fullmatch(line)
        if found is None:  # cannot happen by construction (same shape); stay correct if it does
            return self._apply(line)
        out = [pieces[0]]
        for digit, piece in zip(found.groups(), pieces[1:], strict=True):
            out.append(digit)
            out.append(piece)
        return "".join(out)

    def mask_uncached(self, line: str) -> str:
        """The rules applied to the line itself: the definition `mask` must agree with."""
        if not line.isprintable():
            line = self._normalize(line)
        return self._apply(line)

    def _normalize(self, line: str) -> str:
        """Control characters and ANSI colour codes become spaces; private-use characters (the code
        protection below uses them) become U+FFFD."""
        return _PRIVATE_USE.sub("\ufffd", self._control.sub(" ", line))

    def _plan(self, shape: str) -> tuple[str, re.Pattern[str] | None, tuple[str, ...]]:
        """Mask a shape; where digits survive, a regex that picks them out of a line of this shape.

        In the masked shape every "0" is a surviving digit (masks hold no digits), so the line's digits
        fill them in order; the regex skips what each mask covers (lazily, anchored at both ends).
        """
        masked = self._apply(shape)
        if "0" not in masked:
            return masked, None, ()
        parts = []
        for index, piece in enumerate(_MASK_TOKEN.split(masked)):
            if index:
                parts.append("(?:.+?)")
            parts.append("([0-9])".join(re.escape(chunk) for chunk in piece.split("0")))
        return masked, re.compile("".join(parts), re.DOTALL), tuple(masked.split("0"))

    def _apply(self, line: str) -> str:
        """Protect error codes, run the rules, put the codes back.

        Protected codes are swapped for private-use characters while the rules run, so no rule can
        touch them (the caller made sure the line holds no such characters of its own).
        """
        kept: list[str] = []
        if self._keep is not None and self._keep.search(line):

            def swap(match: re.Match[str]) -> str:
                if len(kept) >= _PROTECT_SLOTS:
                    return match.group(0)  # more codes than slots (a 30 kB line of codes): rest unprotected
                kept.append(match.group(0))
                return chr(_PROTECT_BASE + len(kept) - 1)

            line = self._keep.sub(swap, line)
        has_digit = any(d in line for d in _DIGITS)
        lower = None
        for rule in self.rules:
            if rule.needs_digit and not has_digit:
                continue
            if rule.needles:
                if rule.any_case:
                    lower = line.lower() if lower is None else lower  # masks never add a needle: reuse
                    if not any(n in lower for n in rule.needles):
                        continue
                elif not any(n in line for n in rule.needles):
                    continue
            if rule.gate is not None and not rule.gate(line):
                continue
            line = rule.apply(line)
        if kept:
            line = _PRIVATE_USE.sub(lambda m: kept[ord(m.group(0)) - _PROTECT_BASE], line)
        return line
