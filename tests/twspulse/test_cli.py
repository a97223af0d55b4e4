"""Every command explains itself with --help; --version; --json of the status commands.

The error handler is tested in test_cli_errors.py, the command groups' modules in test_cli_groups.py.
"""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from twspulse.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def test_top_level_help_lists_the_skeleton_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("demo", "simulator", "connect", "worker", "db", "engines", "topics", "summary"):
        assert name in result.output


def test_every_subcommand_has_help_text() -> None:
    commands = _commands(main)
    assert ("connect", "tws") in commands and ("db", "migrate") in commands
    for path in commands:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        # a docstring line beyond the usage line: the command says what it does
        assert len([ln for ln in result.output.splitlines() if ln.strip()]) >= 3, path


def test_every_help_and_the_version_work_whatever_the_environment_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_TOPIC_PARTITIONS", "abc")  # fails validation: an int is expected
    monkeypatch.setenv("TWSPULSE_LOG_JSON", "sometimes")
    for path in [(), *_commands(main)]:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (path, result.output)
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0


def test_engines_status_exits_1_when_kafka_and_the_database_are_down_without_librdkafka_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWSPULSE_KAFKA_BOOTSTRAP", "127.0.0.1:9")  # nothing listens on port 9
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    result = CliRunner().invoke(main, ["engines", "status"])
    assert result.exit_code == 1, result.output
    assert "127.0.0.1:9: DOWN" in result.output and "database: DOWN" in result.output
    assert "|FAIL|" not in capfd.readouterr().err  # librdkafka's lines went through logging


def test_engines_status_exits_0_when_both_answer(
    kafka: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWSPULSE_KAFKA_BOOTSTRAP", kafka)
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["engines", "status"])
    assert result.exit_code == 0, result.output
    assert "DOWN" not in result.output


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip().endswith(version("twspulse")), result.output


def test_json_status_of_engines_that_are_down_names_each_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_KAFKA_BOOTSTRAP", "127.0.0.1:9")
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    result = CliRunner().invoke(main, ["engines", "status", "--json"])
    assert result.exit_code == 1
    status = json.loads(result.output)
    assert status["kafka"]["up"] is False and status["database"]["up"] is False and status["database"]["error"]


def test_json_of_db_status_summary_and_train_on_real_engines(
    kafka: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twspulse import db

    monkeypatch.setenv("TWSPULSE_KAFKA_BOOTSTRAP", kafka)
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", database_url)
    engines = json.loads(CliRunner().invoke(main, ["engines", "status", "--json"]).output)
    assert engines["kafka"]["up"] and engines["database"]["up"]
    status = CliRunner().invoke(main, ["db", "status", "--json"])
    assert status.exit_code == 0, status.output
    described = json.loads(status.output)
    assert described["mode"] == db.engine_mode(database_url)
    assert [m["name"] for m in described["migrations"]] == [m.name for m in db.load_migrations()]
    assert {"job_runs", "alerts"} <= {t["name"] for t in described["tables"]}
    summary = CliRunner().invoke(main, ["summary", "--json"])
    assert summary.exit_code == 0, summary.output
    assert json.loads(summary.output)["job_runs_rows"] == 0
    trained = CliRunner().invoke(main, ["train", "--json"])
    assert trained.exit_code == 0, trained.output
    record = json.loads(trained.output.strip().splitlines()[-1])
    assert record["series_trained"] == 0 and record["crossings"] == [] and record["run_id"]
