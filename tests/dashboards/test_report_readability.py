"""The report's tables read well: the root cause does not repeat the error line beside it, and long names
wrap at word boundaries, not mid-word."""

from __future__ import annotations

from twspulse.dashboards.report.build import _without_repeated_error_line
from twspulse.dashboards.report.render import Section, Table, render_html

COLS = ["job_name", "root_cause", "error_line"]


def test_the_root_cause_drops_the_error_line_it_quotes_and_keeps_the_rest() -> None:
    line = "ORA-01653: unable to extend table FIN.GL_BALANCES by 8192 in tablespace FIN_DATA"
    row = ("EXTRACT_POS", f"Tablespace FIN_DATA is full: {line}", line)
    assert _without_repeated_error_line(COLS, row) == ("EXTRACT_POS", "Tablespace FIN_DATA is full", line)
    other = ("LOAD", "The service rejected the job's credentials (HTTP 401)", "curl: (22) ... error: 401")
    assert _without_repeated_error_line(COLS, other) == other  # nothing quoted: unchanged
    only = ("LOAD", line, line)
    assert _without_repeated_error_line(COLS, only) == only  # nothing would be left: kept whole


def test_table_cells_wrap_between_words_only_when_they_must() -> None:
    section = Section("failures", "Top failing jobs", "")
    section.tables.append(Table(COLS, [("MONTH_END_REPORTS.EXTRACT_LEDGER_02", "a cause", "a line")]))
    page = render_html("title", "window", [], [section])
    assert "overflow-wrap: anywhere" not in page and "overflow-wrap: break-word" in page
