"""The annotator against a real OpenAI-compatible HTTP server: validation, retries, fallback, breaker, budget."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import structlog

from tests.models.annotate.llm_server import Reply, good, llm_server
from twspulse.models.annotate.annotation import FailedRun
from twspulse.models.annotate.annotator import Annotator
from twspulse.models.annotate.exceptions import LlmUrlRefused
from twspulse.models.annotate.openai_engine import OpenAIEngine, check_llm_url, llm_breaker
from twspulse.rate_limits import Budget
from twspulse.settings import Settings

JOBLOG = """\
===============================================================
= JOB       : HRPROD01#HR_DAILY[(0100 11/24/26),(0AAAAAAAAAAAAB3)].LOAD_EMPLOYEES
= USER      : hrbatch
= JCLFILE   : /opt/batch/load_hr.sh
= Job Number: 123456
= Tue 11/24/2026 01:15:02 UTC
===============================================================
+ export DB_PASSWORD=Tr0ub4dor&3
+ curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldGwifQ.c2lnbmF0dXJlMTIz" https://hr.example.com/api
+ sqlplus -s hr_loader/Sup3rS3cret@HRPRD @/opt/batch/sql/load.sql
2026-11-24 01:15:02 INFO  [LOAD_EMPLOYEES] config loaded, error=0
/opt/batch/load_hr.sh: line 27: /data/hr/employees.csv: No such file or directory
2026-11-24 01:15:03 ERROR [LOAD_EMPLOYEES] step 2/5 (read input) failed, exit code 12
===============================================================
= Exit Status           : 12
= Elapsed Time (hh:mm:ss) : 00:00:01
= Tue 11/24/2026 01:15:03 UTC
===============================================================
"""
SECRETS = ("Tr0ub4dor", "Sup3rS3cret", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldGwifQ.c2lnbmF0dXJlMTIz")
ERROR_LINE = "/opt/batch/load_hr.sh: line 27: /data/hr/employees.csv: No such file or directory"
RUN = FailedRun(
    run_id="run-1", job_id="job-1", job_name="LOAD_EMPLOYEES", job_stream="HR_DAILY", workstation="HRPROD01",
    return_code=12, status="ABEND",
)  # fmt: skip
GOOD = {
    "root_cause": "Missing file: /data/hr/employees.csv (the HR extract was not delivered)",
    "error_line": ERROR_LINE,
    "category": "missing_file",
    "steps": ["Check /data/hr/employees.csv on HRPROD01", 'Rerun: conman "rr HRPROD01#HR_DAILY.LOAD_EMPLOYEES"'],
    "confidence": 0.9,
}


def _annotator(url: str, **engine_options: object) -> Annotator:
    options: dict[str, object] = {"backoff_s": 0.01, "max_backoff_s": 0.05, **engine_options}
    settings = Settings(llm_url=url, llm_model="test-model", llm_timeout_s=2.0, llm_max_retries=2)
    return Annotator(settings, llm=OpenAIEngine.from_settings(settings, **options))


def test_valid_answer_is_used_with_the_model_as_engine() -> None:
    with llm_server([good(GOOD)]) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert annotation.engine == "openai:test-model"
    assert annotation.category == "missing_file"
    assert annotation.error_line == ERROR_LINE
    assert annotation.fallback_reason is None
    assert annotation.prompt_hash and len(annotation.prompt_hash) == 16
    request = server.requests[0]
    assert request["model"] == "test-model"
    assert request["response_format"] == {"type": "json_object"}


def test_secrets_in_the_joblog_never_reach_the_server() -> None:
    with llm_server([good(GOOD)]) as server, _annotator(server.url) as annotator:
        annotator.annotate(RUN, JOBLOG)
    sent = server.bodies_text()
    assert "/data/hr/employees.csv" in sent  # the excerpt was sent...
    for secret in SECRETS:
        assert secret not in sent  # ...without a single credential
    assert "DB_PASSWORD=***" in sent


def test_invalid_json_is_retried_once_with_the_error_then_accepted() -> None:
    with llm_server([Reply(content="The file is missing, I think."), good(GOOD)]) as server:
        with _annotator(server.url) as annotator:
            annotation = annotator.annotate(RUN, JOBLOG)
    assert annotation.engine == "openai:test-model"
    assert len(server.requests) == 2
    follow_up = server.requests[1]["messages"]
    assert follow_up[-2]["role"] == "assistant"
    assert "not valid" in follow_up[-1]["content"] and "Expecting value" in follow_up[-1]["content"]


def test_schema_invalid_answer_twice_falls_back_to_rules_with_the_reason() -> None:
    wrong = {**GOOD, "category": "cosmic_rays", "confidence": 7}
    with llm_server([good(wrong), good(wrong)]) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert len(server.requests) == 2
    assert "category" in server.requests[1]["messages"][-1]["content"]
    assert annotation.engine == "rules"
    assert annotation.fallback_reason is not None and annotation.fallback_reason.startswith("LlmInvalidAnswer")
    assert annotation.entities["fallback_reason"] == annotation.fallback_reason
    assert annotation.root_cause == "Missing file: /data/hr/employees.csv"


def test_paraphrased_error_line_is_rejected_as_not_verbatim() -> None:
    paraphrased = {**GOOD, "error_line": "employees.csv not found"}
    with llm_server([good(paraphrased), good(GOOD)]) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert "not a verbatim line" in server.requests[1]["messages"][-1]["content"]
    assert annotation.error_line == ERROR_LINE and annotation.engine.startswith("openai:")


def test_slow_answer_times_out_as_configured_and_falls_back() -> None:
    settings = Settings(llm_url="http://unused/v1", llm_model="m", llm_timeout_s=0.3, llm_max_retries=0)
    with llm_server(default=Reply(content="{}", delay_s=2.0)) as server:
        engine = OpenAIEngine.from_settings(settings.model_copy(update={"llm_url": server.url}))
        with Annotator(settings, llm=engine) as annotator:
            started = time.monotonic()
            annotation = annotator.annotate(RUN, JOBLOG)
            elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert annotation.engine == "rules"
    assert annotation.fallback_reason == "LlmUnavailable: 1 attempt(s) failed; last: timeout after 0.3s"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_errors_are_retried_with_backoff(status: int) -> None:
    replies = [Reply(status=status), Reply(status=status, headers={"Retry-After": "0"}), good(GOOD)]
    with llm_server(replies) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert len(server.requests) == 3
    assert annotation.engine == "openai:test-model"


def test_persistent_5xx_falls_back_after_the_configured_retries() -> None:
    with llm_server(default=Reply(status=502)) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert len(server.requests) == 3  # 1 + llm_max_retries
    assert annotation.fallback_reason == "LlmUnavailable: 3 attempt(s) failed; last: HTTP 502"


def test_client_error_is_not_retried() -> None:
    with llm_server(default=Reply(status=400)) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert len(server.requests) == 1
    assert annotation.fallback_reason is not None and "LlmRejected: HTTP 400" in annotation.fallback_reason


def test_breaker_opens_after_repeated_failures_and_stops_sending() -> None:
    breaker = llm_breaker(failures=3, reset_s=60.0)
    with llm_server(default=Reply(status=500)) as server, _annotator(server.url, breaker=breaker) as annotator:
        first = annotator.annotate(RUN, JOBLOG)
        sent = len(server.requests)
        second = annotator.annotate(RUN, JOBLOG)
    assert sent == 3 and len(server.requests) == 3  # the second annotation sent nothing
    assert first.fallback_reason is not None and first.fallback_reason.startswith("LlmUnavailable")
    assert second.fallback_reason is not None and second.fallback_reason.startswith("LlmCircuitOpen")
    assert second.engine == "rules" and second.category == "missing_file"


def test_per_minute_budget_is_respected() -> None:
    budget = Budget(per_window=2, window_s=60)
    with llm_server(default=good(GOOD)) as server, _annotator(server.url, budget=budget) as annotator:
        results = [annotator.annotate(RUN, JOBLOG) for _ in range(4)]
    assert len(server.requests) == 2
    assert [r.engine for r in results] == ["openai:test-model"] * 2 + ["rules"] * 2
    assert results[-1].fallback_reason is not None and results[-1].fallback_reason.startswith("LlmBudgetExhausted")


def test_budget_window_slides() -> None:
    budget = Budget(per_window=2, window_s=1)
    assert budget.try_acquire() and budget.try_acquire() and not budget.try_acquire() and budget.used == 2
    time.sleep(1.05)  # the window moved past both
    assert budget.try_acquire() and budget.used == 1


def test_unreachable_endpoint_falls_back_to_rules() -> None:
    with llm_server() as server:
        url = server.url  # the server is gone after this block: connection refused
    with _annotator(url, max_retries=0) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert annotation.engine == "rules" and annotation.fallback_reason is not None
    assert annotation.fallback_reason.startswith("LlmUnavailable")


def test_without_llm_url_the_rules_engine_answers() -> None:
    with Annotator(Settings(llm_url=None)) as annotator:
        assert annotator.llm is None
        assert annotator.annotate(RUN, JOBLOG).engine == "rules"


def test_masked_copy_of_a_secret_bearing_line_is_accepted_as_the_error_line() -> None:
    answer = {**GOOD, "error_line": "+ export DB_PASSWORD=***"}
    with llm_server([good(answer)]) as server, _annotator(server.url) as annotator:
        annotation = annotator.annotate(RUN, JOBLOG)
    assert annotation.engine == "openai:test-model"
    assert annotation.error_line == "+ export DB_PASSWORD=***"


# --- plain http is refused unless the host is loopback or the operator allowed it ------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://llm.corp.example:8000/v1",
        "http://10.1.2.3/v1",
        "http://localhost.corp.example/v1",
        "http://[fd00::2]/v1",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_at_start_naming_the_setting(url: str) -> None:
    settings = Settings(llm_url=url, llm_api_key="sk-test-key-0123456789abcdefghij")
    with pytest.raises(LlmUrlRefused) as refused:
        Annotator(settings)  # the engine is built, and refused, when the annotator starts
    message = str(refused.value)
    assert "TWSPULSE_LLM_URL" in message and "TWSPULSE_LLM_ALLOW_INSECURE_HTTP=true" in message
    assert "sk-test-key" not in message


def test_refusal_does_not_print_a_password_in_the_url() -> None:
    with pytest.raises(LlmUrlRefused) as refused:
        check_llm_url("http://svc:Hunter2pw@llm.corp.example/v1")
    assert "Hunter2pw" not in str(refused.value) and "llm.corp.example" in str(refused.value)


@pytest.mark.parametrize("url", ["ftp://llm.corp.example/v1", "llm.corp.example/v1", "http:///v1"])
def test_url_that_is_not_http_or_has_no_host_is_refused(url: str) -> None:
    with pytest.raises(LlmUrlRefused, match="TWSPULSE_LLM_URL"):
        check_llm_url(url, allow_insecure_http=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://llm.corp.example/v1",
        "http://localhost:11434/v1",
        "http://LOCALHOST:8000/v1",
        "http://127.0.0.1:8000/v1",
        "http://127.0.0.53/v1",
        "http://[::1]:8000/v1",
        "http://[::ffff:127.0.0.1]:8000/v1",
    ],
)
def test_https_and_loopback_http_need_no_flag(url: str) -> None:
    check_llm_url(url)
    OpenAIEngine(url, "m").close()


def _routed_address() -> str:
    """This machine's address on its default route (a UDP connect sends nothing); skip when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            pytest.skip("no routed IPv4 address on this machine")
        address = str(probe.getsockname()[0])
    if address.startswith("127."):
        pytest.skip("the default route is loopback here")
    return address


def test_plain_http_to_a_remote_host_is_used_when_explicitly_allowed_with_a_warning() -> None:
    address = _routed_address()
    with llm_server([good(GOOD)], host=address) as server:
        settings = Settings(llm_url=server.url, llm_model="test-model", llm_allow_insecure_http=True, llm_max_retries=0)
        with structlog.testing.capture_logs() as logs, Annotator(settings) as annotator:
            annotation = annotator.annotate(RUN, JOBLOG)
    assert annotation.engine == "openai:test-model" and len(server.requests) == 1
    assert any(entry["event"] == "annotate.llm.insecure_http" and entry["host"] == address for entry in logs)
    with pytest.raises(LlmUrlRefused):
        OpenAIEngine.from_settings(settings.model_copy(update={"llm_allow_insecure_http": False}))


def test_retry_after_given_as_an_http_date_is_honoured() -> None:
    from email.utils import format_datetime

    # the same reader as the TWS client and the notifier: an HTTP date counts, not only seconds
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    with llm_server([Reply(status=429, headers={"Retry-After": when}), good(GOOD)]) as server:
        with _annotator(server.url, max_backoff_s=5.0) as annotator:  # the cap above the date
            started = time.monotonic()
            annotation = annotator.annotate(RUN, JOBLOG)
            waited = time.monotonic() - started
    assert len(server.requests) == 2 and annotation.engine == "openai:test-model"
    assert waited >= 0.9  # the date, a second or two ahead (HTTP dates have whole seconds), was waited for
