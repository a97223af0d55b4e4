"""``twspulse tws check`` against the simulator, which is as strict as the engine is documented to be.

- the simulator in the middle of a day  -> every check the connector depends on passes, exit 0; the
                                           forms the engine refuses (instants without milliseconds,
                                           double quotes) are reported as refused
- bad credentials                       -> one failed check naming the credentials, exit 1
- an engine that cannot be reached      -> one failed check naming the engine, exit 1
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.tws_scenario import simulator
from twspulse.cli import main


def _check(url: str, *extra: str, password: str = "twspass") -> tuple[int, list[dict[str, str]]]:
    env = {"TWSPULSE_TWS_URL": url, "TWSPULSE_TWS_PASSWORD": password, "TWSPULSE_TWS_TIMEOUT_S": "2"}
    result = CliRunner().invoke(main, ["tws", "check", "--json", *extra], env=env)
    return result.exit_code, [json.loads(line) for line in result.output.splitlines() if line.startswith('{"check"')]


def test_check_passes_on_the_strict_simulator_and_reports_what_it_refuses() -> None:
    with simulator(seed=7) as sim:
        sim.clock.advance(10 * 3600)
        code, checks = _check(sim.base_url)
    by_name = {c["check"]: c for c in checks}
    assert code == 0, checks
    for name in (
        "engine",
        "plan read",
        "paging (limit/offset)",
        "OQL: moving runs (jobruns.compositeStatus.status IN [...])",
        "OQL: by id (id IN [...])",
        "OQL: by id returns those jobs",
        "joblog ranges (text/plain)",
        "workstations",
    ):
        assert by_name[name]["result"] == "ok", by_name[name]
    assert "1-based and inclusive" in by_name["joblog ranges (text/plain)"]["detail"]
    assert by_name["OQL: instant without milliseconds"]["detail"].startswith("refused")
    assert by_name["OQL: double-quoted string"]["detail"].startswith("refused")
    assert by_name["OQL: instant with milliseconds"]["detail"] == "accepted"
    assert "used by incremental polls" in by_name["end-time filter"]["detail"]


def test_check_names_bad_credentials_and_exits_1() -> None:
    with simulator(seed=7) as sim:
        code, checks = _check(sim.base_url, password="wrong")
    assert code == 1
    assert [(c["check"], c["result"]) for c in checks] == [("auth", "FAIL")]


def test_check_names_an_unreachable_engine_and_exits_1() -> None:
    code, checks = _check("http://127.0.0.1:9/twsd/api/v2")
    assert code == 1
    assert [(c["check"], c["result"]) for c in checks] == [("engine", "FAIL")]
