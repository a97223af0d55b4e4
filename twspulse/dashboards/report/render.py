"""The report as one self-contained HTML page: inline CSS, charts as ``data:`` PNGs, no script, no fetch."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

NO_DATA = "no data"

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #1d2330; background: #ffffff; padding: 0 1em; }
h1 { border-bottom: 3px solid #1f77b4; padding-bottom: .3em; }
h2 { margin-top: 2em; color: #1f4e79; border-bottom: 1px solid #d0d7e2; padding-bottom: .2em; }
.meta { color: #5a6478; }
.kpis { display: flex; gap: 1em; flex-wrap: wrap; }
.kpi { background: #eef4fb; border-radius: 6px; padding: .6em 1.2em; min-width: 9em; }
.kpi b { display: block; font-size: 1.6em; color: #1f4e79; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: .88em; }
th { background: #1f4e79; color: #fff; text-align: left; padding: .35em .5em; }
td { border-bottom: 1px solid #e3e8ef; padding: .3em .5em; vertical-align: top; overflow-wrap: break-word; }
tr:nth-child(even) td { background: #f6f8fb; }
img { max-width: 100%; margin: .5em 0; }
.nodata { color: #8a93a6; font-style: italic; background: #f6f8fb; padding: .8em; border-radius: 4px; }
"""


@dataclass
class Table:
    """Rows under a header; cells are formatted for people (dates to the minute, numbers rounded)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class Section:
    """One part of the report. Empty (no tables, no charts): it says ``no data``."""

    key: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[str, str]] = field(default_factory=list)  # (alt text, data: URI)
    note: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing to show."""
        return not any(t.rows for t in self.tables) and not self.charts


def cell(value: Any) -> str:
    """One value as table text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        return f"{float(value):,.3f}".rstrip("0").rstrip(".")
    return str(value)


def render_html(title: str, meta: str, kpis: list[tuple[str, str]], sections: list[Section]) -> str:
    """The whole page."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(meta)}</p>',
        '<div class="kpis">',
        *(f'<div class="kpi"><b>{html.escape(v)}</b>{html.escape(k)}</div>' for k, v in kpis),
        "</div>",
    ]
    for s in sections:
        out.append(f'<section id="{html.escape(s.key)}"><h2>{html.escape(s.title)}</h2>')
        out.append(f"<p>{html.escape(s.intro)}</p>")
        if s.empty:
            out.append(f'<p class="nodata">{NO_DATA}</p>')
        for alt, uri in s.charts:
            out.append(f'<img alt="{html.escape(alt)}" src="{uri}">')
        for t in s.tables:
            if not t.rows:
                continue
            out.append(
                "<table><thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in t.columns) + "</tr></thead>"
            )
            out.append("<tbody>")
            for row in t.rows:
                out.append("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>")
            out.append("</tbody></table>")
        if s.note:
            out.append(f'<p class="meta">{html.escape(s.note)}</p>')
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
