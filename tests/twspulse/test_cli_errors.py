"""The root's one error handler: an expected error is one line on stderr and a documented exit code.

Codes (twspulse/cli/root.py, docs/deploying.md): 1 the command failed (missing file, unreachable
database, broker or engine, nothing configured); 2 a usage error or a bad ``TWSPULSE_*`` variable. A bug
keeps its traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from confluent_kafka import KafkaError, KafkaException

from twspulse.cli import main
from twspulse.cli.root import expected_error
from twspulse.connectors.tws.errors import TwsUnavailable
from twspulse.engines.registry import EnginesNotConfigured

NOWHERE_DB = "postgresql://nobody@127.0.0.1:9/none"  # nothing listens on port 9
NOWHERE_KAFKA = "127.0.0.1:9"


def _twspulse(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``twspulse`` as a process: stderr on its own, as an operator or a script sees it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TWSPULSE_")}
    return subprocess.run(
        [sys.executable, "-m", "twspulse.cli", "--log-text", *args],
        env=clean | env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_file_is_one_line_naming_it_and_exit_code_1(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.log"
    done = _twspulse("patterns", "mine", str(missing), env={"TWSPULSE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [f"Error: No such file or directory: {missing}"]
    assert done.stdout == ""


def test_an_unreachable_database_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    env = {"TWSPULSE_DATABASE_URL": NOWHERE_DB, "TWSPULSE_KAFKA_BOOTSTRAP": NOWHERE_KAFKA}
    done = _twspulse("db", "status", env=env | {"TWSPULSE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: database unreachable or refusing: "), done.stderr
    assert "127.0.0.1" in lines[0]


def test_a_bad_setting_is_one_line_naming_the_variable_and_exit_code_2_while_help_works(tmp_path: Path) -> None:
    env = {"TWSPULSE_TOPIC_PARTITIONS": "abc", "TWSPULSE_DATA_DIR": str(tmp_path)}
    done = _twspulse("db", "status", env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: bad configuration: TWSPULSE_TOPIC_PARTITIONS"), lines
    assert "'abc'" in lines[0]
    for args in (["--help"], ["db", "--help"], ["db", "status", "--help"]):
        helped = _twspulse(*args, env=env)
        assert helped.returncode == 0 and "Usage:" in helped.stdout and helped.stderr == "", (args, helped.stderr)


def test_a_command_that_needs_no_settings_runs_despite_a_bad_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_TOPIC_PARTITIONS", "abc")
    result = CliRunner().invoke(main, ["patterns", "mine", "--format", "jsonl", "-"], input="disk full on /u01\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[0])["line_no"] == 1


def test_a_bad_setting_is_said_by_each_command_module_that_needs_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboards, model and annotation commands read the same context, so they say it the same way."""
    monkeypatch.setenv("TWSPULSE_TOPIC_PARTITIONS", "abc")
    for args in (["db", "migrate"], ["report"], ["train"], ["feedback", "run-1", "--resolution", "x"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip().splitlines() == [result.output.strip()], (args, result.output)
        assert "TWSPULSE_TOPIC_PARTITIONS" in result.output, (args, result.output)


def test_endpoints_from_a_running_engines_up_reach_every_command_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No URL in the environment: the root's resolver finds the stack `engines up` registered, for every module."""
    from twspulse.engines import registry
    from twspulse.settings import load_settings

    monkeypatch.delenv("TWSPULSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TWSPULSE_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.setenv("TWSPULSE_DATA_DIR", str(tmp_path))
    commands = [
        ["db", "status"],  # twspulse/cli/db.py
        ["report", "--out", str(tmp_path / "r.html")],  # twspulse/dashboards/cli.py
        ["insights"],  # twspulse/models/cli.py
        ["annotate", "run-1"],  # twspulse/models/annotate/cli.py
    ]
    for args in commands:
        unset = CliRunner().invoke(main, args)
        assert unset.exit_code == 1 and "twspulse engines up" in unset.output, (args, unset.output)
    registry.save(load_settings(), registry.Endpoints(NOWHERE_KAFKA, NOWHERE_DB))
    for args in commands:
        down = CliRunner().invoke(main, args)
        assert down.exit_code == 1, (args, down.output)
        assert down.output.startswith("Error: database unreachable or refusing: "), (args, down.output)
        assert len(down.output.strip().splitlines()) == 1 and isinstance(down.exception, SystemExit), args


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (KafkaException(KafkaError(KafkaError._TRANSPORT, "broker down")), "Kafka: "),
        (TwsUnavailable("plan failed after 4 attempts: ConnectError\nmore detail"), "TWS engine: plan failed"),
        (EnginesNotConfigured("set TWSPULSE_KAFKA_BOOTSTRAP"), "set TWSPULSE_KAFKA_BOOTSTRAP"),
        (PermissionError(13, "Permission denied", "/etc/shadow"), "Permission denied: /etc/shadow"),
    ],
    ids=["broker", "tws-engine", "not-configured", "unreadable-file"],
)
def test_each_expected_error_becomes_one_line_with_exit_code_1(error: Exception, said: str) -> None:
    found = expected_error(error)
    assert found is not None and found.exit_code == 1
    assert found.message.startswith(said) and "\n" not in found.message, found.message


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command("boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    assert expected_error(RuntimeError("a bug")) is None
    monkeypatch.setitem(main.commands, "boom", boom)
    result = CliRunner().invoke(main, ["boom"])
    assert isinstance(result.exception, RuntimeError) and result.exit_code == 1
