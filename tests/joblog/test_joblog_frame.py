"""A joblog splits into the engine's header, the job's output and the footer, whatever state it is in."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.joblog.conftest import ServedJoblog
from twspulse.joblog.joblog_frame import joblog_lines, split_joblog

RULE = "=" * 63
HEADER = f"""{RULE}
= JOB       : MDM#DAILY[(0005 11/24/26),(0AAAAAAAAAAAAB3)].LOAD_SALES
= USER      : twsuser
= JCLFILE   : /opt/batch/load_sales.sh
= Job Number: 123456
= Tue 11/24/2026 01:15:02 UTC
{RULE}
"""
BODY = """2026-11-24 01:15:02 INFO  [LOAD_SALES] starting /opt/batch/load_sales.sh
cat: /data/in/sales_20261124.csv: No such file or directory
2026-11-24 01:15:05 ERROR [LOAD_SALES] input file /data/in/sales_20261124.csv not found, aborting with RC=12
"""
FOOTER = f"""{RULE}
= Exit Status           : 12
= Elapsed Time (hh:mm:ss) : 00:00:03
= Tue 11/24/2026 01:15:05 UTC
{RULE}
"""
JOBLOG = HEADER + BODY + FOOTER


def test_header_and_footer_fields_of_a_real_looking_joblog() -> None:
    frame = split_joblog(JOBLOG)
    header, footer = frame.header, frame.footer
    assert header is not None and footer is not None
    assert header.job == "MDM#DAILY[(0005 11/24/26),(0AAAAAAAAAAAAB3)].LOAD_SALES"
    assert (header.workstation, header.job_stream, header.job_name) == ("MDM", "DAILY", "LOAD_SALES")
    assert (header.stream_sched, header.stream_id) == ("0005 11/24/26", "0AAAAAAAAAAAAB3")
    assert (header.user, header.jcl_file, header.job_number) == ("twsuser", "/opt/batch/load_sales.sh", 123456)
    assert header.started_at == datetime(2026, 11, 24, 1, 15, 2, tzinfo=UTC) and header.complete
    assert footer.exit_status == 12 and footer.elapsed_seconds == 3 and footer.complete
    assert footer.ended_at == datetime(2026, 11, 24, 1, 15, 5, tzinfo=UTC)
    assert frame.body == tuple(BODY.splitlines())
    assert frame.body_first_line == 8 and frame.line_count == 15
    assert not frame.truncated


def test_served_joblogs_split_exactly_into_the_engine_frame_and_the_content_only_lines(
    failed_joblogs: list[ServedJoblog],
) -> None:
    messy = set()
    for served in failed_joblogs:
        frame = split_joblog(served.raw.decode("utf-8", "replace"))
        assert frame.header is not None and frame.footer is not None, served.run.id
        assert frame.header.job_number == served.run.job_number
        assert frame.footer.exit_status == served.run.return_code
        assert frame.footer.elapsed_seconds == served.run.end - served.run.start
        content = [line.decode("utf-8", "replace").removesuffix("\r") for line in served.content]
        assert list(frame.body) == content, served.run.id
        assert frame.body_first_line == 8
        messy.add(served.run.messy)
    assert {"crlf", "binary", "invalid_utf8", "huge"} <= messy  # the fixture really covers them


def test_a_joblog_cut_by_a_size_cap_has_its_header_and_no_footer() -> None:
    cut = JOBLOG[: JOBLOG.index("not found")]
    frame = split_joblog(cut)
    assert frame.header is not None and frame.header.job_name == "LOAD_SALES"
    assert frame.footer is None and frame.truncated
    assert frame.body[-1].endswith("input file /data/in/sales_20261124.csv ")
    assert len(frame.body) == 3


def test_a_joblog_cut_inside_its_footer_still_gives_the_exit_status() -> None:
    cut = HEADER + BODY + f"{RULE}\n= Exit Status           : 12\n= Elapsed Ti"
    frame = split_joblog(cut)
    assert frame.footer is not None and frame.footer.exit_status == 12 and not frame.footer.complete
    assert frame.body == tuple(BODY.splitlines())


def test_a_joblog_cut_inside_its_header_has_a_partial_header_and_no_output() -> None:
    frame = split_joblog(HEADER[: HEADER.index("= JCLFILE")])
    assert frame.header is not None and frame.header.user == "twsuser" and not frame.header.complete
    assert frame.header.jcl_file is None and frame.body == () and frame.footer is None


def test_an_empty_joblog_is_an_empty_frame() -> None:
    frame = split_joblog("")
    assert frame.header is None and frame.footer is None
    assert frame.body == () and frame.line_count == 0 and frame.body_first_line == 1


def test_crlf_line_ends_read_like_lf() -> None:
    crlf = split_joblog(JOBLOG.replace("\n", "\r\n"))
    assert crlf == split_joblog(JOBLOG)
    assert all(not line.endswith("\r") for line in crlf.body)


def test_unframed_text_and_an_output_banner_are_all_body() -> None:
    banner = f"{'=' * 30}\n= Monthly report\n{'=' * 30}\ntotal: 5\n"
    frame = split_joblog(banner)
    assert frame.header is None and frame.footer is None and frame.body == tuple(banner.splitlines())
    garbage = bytes(range(256)).decode("utf-8", "replace") * 3
    frame = split_joblog(garbage)
    assert frame.header is None and frame.footer is None and "".join(frame.body) in garbage.replace("\n", "")


def test_an_older_engine_footer_with_minutes_and_a_local_zone() -> None:
    footer = f"{RULE}\n= Exit Status           : 4\n= System Time (Seconds) : 0     Elapsed Time (Minutes) : 3\n"
    footer += f"= User Time (Seconds)   : 0\n= Thu 03/10/11 06:00:02 EST\n{RULE}\n"
    frame = split_joblog(HEADER + "step failed\n" + footer)
    assert frame.footer is not None
    assert (frame.footer.exit_status, frame.footer.elapsed_seconds, frame.footer.zone) == (4, 180, "EST")
    assert frame.footer.ended_at == datetime(2011, 3, 10, 6, 0, 2)  # naive: EST is not an offset we can trust
    assert frame.body == ("step failed",)


def test_output_after_a_footer_like_block_means_no_footer() -> None:
    text = HEADER + f"{RULE}\n= Exit Status : 0\n{RULE}\nreal output goes on\n"
    frame = split_joblog(text)
    assert frame.footer is None and frame.body[-1] == "real output goes on"


def test_lines_split_on_newline_only() -> None:
    assert joblog_lines("a\x0cb\r\nc\n") == ["a\x0cb", "c"]
    assert joblog_lines("a\n\n") == ["a", ""]
