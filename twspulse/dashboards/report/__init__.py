"""``twspulse report``: one self-contained HTML page on the scheduler's last days, for people without Grafana."""

from twspulse.dashboards.report.build import build_report, parse_since

__all__ = ["build_report", "parse_since"]
