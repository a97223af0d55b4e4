"""Turns a log line into tokens in which the variable parts are typed masks (`<NUM>`, `<PATH>`, `<IP>`...).

The miner groups lines by their literal tokens, so every token that differs between two occurrences of
one message (a file name, a pid, an address) must be recognised as a variable first. The rules here
are general token classes, not rules for any one log source:

- A line is split on white space; each token loses its surrounding brackets, quotes and punctuation
  (`(`, `[`, `"`, `,`, `:`, `.` ...), which stay around the mask: `(pid 4711),` -> `(pid <NUM>),`.
  Quoted strings are not masked whole: a request line in quotes ("GET /x HTTP/1.1") holds literal
  words that tell messages apart.
- key=value fields: the key stays, the value is classified like a token (`uid=0` -> `uid=<NUM>`,
  `rhost=a.example.com` -> `rhost=<HOST>`); a plain-word value stays literal (`status=OK`): the miner
  treats it as a categorical field and merges its values only when many turn up (see miner).
- A size or duration unit after a number is masked with it (`5.4 KB,` -> `<NUM> <UNIT>,`), since
  such values are printed auto-scaled (93 B, 5.4 KB, 1.1 MB).
- Any token with a digit is a variable (Drain's strongest general rule): `<NUM>` for numbers with
  their unit, signs, decimals and hex (`0x1f`, `0245b64c`), `<IP>` for IPv4/IPv6 with a port,
  `<TIME>`/`<DATE>` for clock times and dates, `<UUID>`, and `<ID>` for any other mix (`blk_-1608`,
  `attempt_1445_m_0003`, `ssh2`).
- Without digits: `<URL>` (scheme://), `<EMAIL>`, `<PATH>` (`/x`, `~/x`, `./x`, `C:\\x`, `\\\\srv\\x`),
  `<HOST>` (dotted names ending in a common top-level domain, so `java.net.Socket` stays) and
  `<DATE>` for month and weekday names.
- Error codes stay literal although they hold digits (ORA-01653, SP2-0751, SQL0911N, AWSBIN091E,
  SQLSTATE=40001): the code is the identity of the error, and two codes are two patterns.

Speed: rules see digits only as a class, so the masks of a line depend only on its *shape* (every
digit turned into 0). `Masker.tokens` keys a cache on the shape (a bytes translate, ~0.3 us) and
classifies each token shape once (a second cache), so a line never seen before costs a split and one
dict lookup per token; tokens whose mask keeps digits (error codes, `r24=<NUM>`) are classified again
from the line's own text. `tokens_uncached` defines the result; tests check that both agree.

Bump MASKING_VERSION whenever a rule changes what a line masks to: a persisted miner state records it
and is re-mined from its examples when it differs (pattern ids are kept, see miner).
"""

from __future__ import annotations

import ipaddress
import re
from itertools import compress

MASKING_VERSION = 3

VAR_OPEN, VAR_CLOSE = "\x00", "\x01"  # a mask inside a token; control characters never survive normalising
ANY = f"{VAR_OPEN}*{VAR_CLOSE}"  # the mask of a position that held values of several kinds
_RENDER = str.maketrans({VAR_OPEN: "<", VAR_CLOSE: ">"})
_SHAPE = bytes.maketrans(b"123456789", b"000000000")
_LEAD = "([{<\"'`"
_TRAIL = ")]}>\"'`,;:.!?"
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x1f\x7f]")
_TLDS = frozenset(
    "com net org edu gov mil int info biz io co us uk de fr nl eu ch es se dk fi jp cn ru br au ca pl cz "
    "local localdomain internal intra intranet lan corp home arpa cloud example test invalid".split()
)
_DATE_WORDS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december mon tue wed thu fri sat sun monday tuesday wednesday thursday "
    "friday saturday sunday".split()
)
_ERROR_CODE = re.compile(
    r"[A-Z][A-Z0-9]{1,5}-\d{3,5}[A-Z]?"  # ORA-01653, SP2-0751, TNS-12541, RMAN-03009
    r"|[A-Z]{2,8}\d{3,5}[A-Z]"  # IBM message ids: SQL0911N, DB20000I, AWSBIN091E, IEF450I
    r"|SQL(?:STATE|CODE)[=:]?-?[0-9A-Z]{1,5}"  # SQLSTATE=23505, SQLCODE=-911
)
_NUMBER = re.compile(
    r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)*(?:[eE][-+]?\d+)?"
    r"(?:%|(?:[kKMGTPE]i?)?[bB](?:ytes?)?|ms|us|ns|secs?|s|mins?|m|h|hrs?|d|days?|x)?"
    r"|[-+]?0[xX][0-9a-fA-F]+|[0-9a-fA-F]*\d[0-9a-fA-F]*"
)
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T.*)?|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{4}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}://\S*")
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PATH = re.compile(r"(?:~|\.\.?)?/[^\s]*|[A-Za-z]:[\\/]\S*|\\\\\S+")
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,12})(?::\d{1,5})?")
_UNITS = frozenset("B KB MB GB TB PB kB KiB MiB GiB TiB PiB b kb mb gb Kb Mb Gb ms us \u00b5s ns sec secs".split())
_LEADERS = re.compile(r"\.{3,}|[^.]+")
_LABEL = re.compile(r"([A-Za-z_][A-Za-z_.-]*):(.+)")
_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.%[]")


def mask(kind: str) -> str:
    """The internal token of a mask of `kind` ("NUM" -> a token that renders as "<NUM>")."""
    return f"{VAR_OPEN}{kind}{VAR_CLOSE}"


_NUM_MASK = mask("NUM")
# Rules that `Masker(off=...)` can switch off, to measure each (bench/patterns_loghub.py).
CLASSES = frozenset("DIGITS ERROR_CODES URL FIELDS EMAIL PATH HOST IP DATE_WORDS LEADERS LABELS PEEL UNITS".split())


def is_variable(token: str) -> bool:
    """True when the token holds a mask (alone or inside brackets or a key=value)."""
    return VAR_OPEN in token


_MASK = re.compile(f"{VAR_OPEN}[^{VAR_CLOSE}]*{VAR_CLOSE}")
_SKELETONS: dict[str, str] = {}


def skeleton(token: str) -> str:
    """The token with every mask as `<*>`: what two occurrences of one message share at a position."""
    if VAR_OPEN not in token:
        return token
    found = _SKELETONS.get(token)
    if found is None:
        if len(_SKELETONS) > 100_000:
            _SKELETONS.clear()
        found = _SKELETONS[token] = _MASK.sub(ANY, token)
    return found


def render(tokens: tuple[str, ...] | list[str]) -> str:
    """The tokens as a readable template: masks shown as `<NUM>`, `<*>`, joined by single spaces."""
    return " ".join(tokens).translate(_RENDER)


def normalize(line: str) -> str:
    """Control characters and ANSI colour codes become spaces (so no mask marker can come from input)."""
    return line if line.isprintable() else _CONTROL.sub(" ", line)


def _is_ipv6(core: str) -> bool:
    if core.count(":") < 2 or not set(core) <= _IPV6_CHARS:
        return False
    address = core[1:].split("]", 1)[0] if core.startswith("[") else core
    try:
        ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        return False
    return True


def classify(core: str, off: frozenset[str] = frozenset()) -> str:
    """The mask of a token without its surrounding punctuation, or the token itself when it is literal.

    `off` switches classes off by name (see CLASSES), for measuring what each one is worth.
    """
    if core.isalpha():  # most words: no digit, path, field or host can be in them
        if core[0].isupper() and core.lower() in _DATE_WORDS and "DATE_WORDS" not in off:
            return mask("DATE")
        return core
    has_digit = any(c.isdigit() for c in core)
    if has_digit and "ERROR_CODES" not in off and _ERROR_CODE.fullmatch(core):
        return core
    if "://" in core and "URL" not in off and _URL.fullmatch(core):
        return mask("URL")
    if "=" in core[1:] and "FIELDS" not in off:
        key, _, value = core.partition("=")
        return f"{key}={mask_token(value, off)}" if value else core
    if "@" in core and "EMAIL" not in off and _EMAIL.fullmatch(core):
        return mask("EMAIL")
    if (core[0] in "/~.\\" or (len(core) > 2 and core[1] == ":" and core[2] in "\\/")) and "PATH" not in off:
        if _PATH.fullmatch(core) and len(core) > 1:
            return mask("PATH")
    if "." in core and "HOST" not in off:
        host = _HOST.fullmatch(core)
        if host is not None and host.group(1).lower() in _TLDS:
            return mask("HOST")
    if not has_digit:
        return mask("DATE") if core.lower() in _DATE_WORDS and core[0].isupper() and "DATE_WORDS" not in off else core
    if "DIGITS" in off:
        return core
    if "IP" not in off and (_IPV4.fullmatch(core) or _is_ipv6(core)):
        return mask("IP")
    if "..." in core and "LEADERS" not in off:  # dot leaders glue a label to its value ("depth......0")
        return _LEADERS.sub(lambda m: m.group(0) if m.group(0).startswith(".") else mask_token(m.group(0), off), core)
    if ":" in core[1:] and "LABELS" not in off:
        labelled = _LABEL.fullmatch(core)
        if labelled is not None:  # label:value ("lr:00004ed0", "mem:<512"): the label is a word of the message
            return f"{labelled.group(1)}:{mask_token(labelled.group(2), off)}"
    if _NUMBER.fullmatch(core):
        return mask("NUM")
    if _TIME.fullmatch(core):
        return mask("TIME")
    if _DATE.fullmatch(core):
        return mask("DATE")
    if _UUID.fullmatch(core):
        return mask("UUID")
    return mask("ID")


def punctuation(token: str) -> tuple[str, str, str]:
    """(leading brackets and quotes, core, trailing punctuation) of a token, as masking peels them."""
    start, end = 0, len(token)
    while start < end and token[start] in _LEAD:
        start += 1
    while end > start and token[end - 1] in _TRAIL:
        end -= 1
    return token[:start], token[start:end], token[end:]


def mask_token(token: str, off: frozenset[str] = frozenset()) -> str:
    """One white-space-separated token with its variable core masked and its punctuation kept."""
    start, end = 0, len(token)
    if "PEEL" not in off:
        while start < end and token[start] in _LEAD:
            start += 1
        while end > start and token[end - 1] in _TRAIL:
            end -= 1
    if start == end:
        return token
    return token[:start] + classify(token[start:end], off) + token[end:]


def _mask_units(masked: list[str]) -> None:
    """A unit after a number is part of it ("5.4 KB," and "93 B," are one field): sizes and durations
    are printed auto-scaled, and a kept unit would split one message into one pattern per scale."""
    for index in range(1, len(masked)):
        token = masked[index]
        if token.rstrip(_TRAIL) in _UNITS and masked[index - 1].lstrip(_LEAD) == _NUM_MASK:
            masked[index] = mask("UNIT") + token[len(token.rstrip(_TRAIL)) :]


class Masker:
    """Masks lines into token tuples; build one and reuse it (its caches make repeated shapes cheap).

    `cache_size` bounds each cache (lines by shape, tokens by shape, tokens by text); caches are
    derived data and never change a result.
    """

    def __init__(self, cache_size: int = 100_000, off: frozenset[str] = frozenset()) -> None:
        unknown = off - CLASSES
        if unknown:
            raise ValueError(f"unknown token classes {sorted(unknown)}; known: {sorted(CLASSES)}")
        self._off = off
        self._cache_size = cache_size
        self._lines: dict[bytes, tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]] = {}
        self._shapes: dict[str, tuple[str, str, bool, bool, bool]] = {}
        self._exact: dict[str, str] = {}

    def tokens(self, line: str) -> tuple[str, ...]:
        """The masked tokens of `line` (control characters are spaces first)."""
        return self.masked(line)[0]

    def masked(self, line: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The masked tokens of `line` and their skeletons (every mask as `<*>`, see `skeleton`)."""
        line = normalize(line)
        shape = line.encode("utf-8", "surrogatepass").translate(_SHAPE)
        plan = self._lines.get(shape)
        if plan is None:
            plan = self._plan(shape.decode("utf-8", "surrogatepass"))
            if len(self._lines) >= self._cache_size:
                self._lines.clear()
            self._lines[shape] = plan
        masked, skeletons, exact = plan
        if not exact:
            return masked, skeletons
        # Digits survive in these tokens (error codes, keys like r24=): mask them from the line's own text.
        own = line.split()
        out = list(masked)
        shapes = list(skeletons)
        for index in exact:
            out[index] = self._mask_exact(own[index])
            shapes[index] = skeleton(out[index])
        return tuple(out), tuple(shapes)

    def mask(self, line: str) -> str:
        """The line as the miner sees it, rendered: masks as `<NUM>`..., single spaces."""
        return render(self.tokens(line))

    def tokens_uncached(self, line: str) -> tuple[str, ...]:
        """The definition `tokens` must agree with: every token masked from the line itself."""
        masked = [mask_token(token, self._off) for token in normalize(line).split()]
        if "UNITS" not in self._off:
            _mask_units(masked)
        return tuple(masked)

    def _plan(self, shape: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]:
        """Masks of a line shape, and the positions whose mask keeps a digit (to redo from the text).

        Each token shape's entry is computed once (`_entry`); a line then costs one dict lookup per
        token and a few C-level passes (zip, compress, any) instead of Python loops.
        """
        get = self._shapes.get
        tokens = shape.split()
        if not tokens:
            return (), (), ()
        entries = [get(token) or self._entry(token) for token in tokens]
        masked, skeletons, zeros, units, _ = zip(*entries, strict=True)
        exact = tuple(compress(range(len(tokens)), zeros))
        if any(units) and "UNITS" not in self._off:
            after_number = list(masked)
            _mask_units(after_number)
            if after_number != list(masked):
                return tuple(after_number), tuple(skeleton(token) for token in after_number), exact
        return masked, skeletons, exact

    def _entry(self, token: str) -> tuple[str, str, bool, bool, bool]:
        """(mask, skeleton, keeps a digit, is a unit word, is a bare number) of one token shape."""
        result = mask_token(token, self._off)
        # A shape's "0" that survived masking was a digit of the line: redo that token from the text.
        entry = (result, skeleton(result), "0" in result, token.rstrip(_TRAIL) in _UNITS, False)
        if len(self._shapes) >= self._cache_size:
            self._shapes.clear()
        self._shapes[token] = entry
        return entry

    def _mask_exact(self, token: str) -> str:
        result = self._exact.get(token)
        if result is None:
            result = mask_token(token, self._off)
            if len(self._exact) >= self._cache_size:
                self._exact.clear()
            self._exact[token] = result
        return result
