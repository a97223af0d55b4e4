"""docs/configuration.md, generated from ``Settings``: every variable, its default and its description.

``python -m twspulse.settings_doc > docs/configuration.md`` rewrites it; a test keeps the file equal to this
output, so the page cannot drift from the code. Sections are the section classes of ``twspulse/settings.py``
(``SECTIONS``: what each component takes), in the order the fields are declared.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_core import PydanticUndefined

from twspulse.settings import REPO_ROOT, SECTIONS, Settings

HEADER = """# Configuration

Every setting is an environment variable (or a line of `.env`; compose passes each service the ones it
uses). Generated from `twspulse/settings.py` by `python -m twspulse.settings_doc > docs/configuration.md`
(a test keeps this page equal to it). A value that does not validate stops every command except `--help`
with one line naming the variable. Secrets are marked: they are never logged.
"""


def _sections() -> dict[str, str]:
    """Field name -> the title of its section (the section class's docstring, ``settings.SECTIONS``)."""
    found: dict[str, str] = {}
    for section in SECTIONS:
        title = (section.__doc__ or section.__name__).strip().rstrip(".")
        found.update(dict.fromkeys(section.model_fields, title))
    return found


def _default(value: object) -> str:
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, Path):  # never a machine path: relative to the checkout
        for base, shown in ((REPO_ROOT, "<repo>"), (REPO_ROOT.parent, "<repo>/..")):
            if value.is_relative_to(base):
                return f"{shown}/{value.relative_to(base)}"
        return str(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | list | frozenset | set):
        return ",".join(str(v) for v in value) or "(empty)"
    return str(value)


def render() -> str:
    """The whole page."""
    sections = _sections()
    out = [HEADER]
    current = None
    for name, field in Settings.model_fields.items():
        title = sections.get(name, "Other")
        if title != current:
            out += [f"## {title}", "", "| variable | default | meaning |", "| --- | --- | --- |"]
            current = title
        secret = " (secret)" if field.annotation is not None and "SecretStr" in str(field.annotation) else ""
        meaning = " ".join((field.description or "").split()).replace("|", "\\|")
        shown = _default(field.default)
        shown = shown if shown == "unset" else f"`{shown}`"
        out.append(f"| `TWSPULSE_{name.upper()}` | {shown} | {meaning}{secret} |")
        next_name = list(Settings.model_fields).index(name) + 1
        following = list(Settings.model_fields)[next_name] if next_name < len(Settings.model_fields) else None
        if following is None or sections.get(following, "Other") != title:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
