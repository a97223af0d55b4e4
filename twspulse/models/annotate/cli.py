"""`twspulse annotate` and `twspulse feedback`: the operator's entry points to root-cause annotation.

Exposed as click objects (`annotate_command`, `feedback_command`) for twspulse/cli/root.py to add; its
error handler says a database that is down or a run that is not found in one line. The database is found
like every other command finds it (TWSPULSE_DATABASE_URL, else a running `twspulse engines up`);
`annotate --joblog` and `annotate eval` need no database.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import psycopg

from twspulse.cli_context import CliContext
from twspulse.models.annotate.annotation import CATEGORIES, FailedRun
from twspulse.models.annotate.annotator import Annotator
from twspulse.models.annotate.catalogs import DEFAULT_LOCALE_DIR, DOMAINS, build
from twspulse.models.annotate.evaluation import LEARNING_SPLITS, SPLITS, evaluate, labelled_joblogs, resolve_split
from twspulse.models.annotate.line_model import MODEL_PATH, fit
from twspulse.models.annotate.localised import TABLE_PATH, save
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.models.annotate.store import annotated_category, load_run_context, save_annotation, save_feedback


class _RunIdGroup(click.Group):
    """A group whose unknown first argument is a RUN_ID: `annotate RUN_ID` next to `annotate eval DIR`."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "RUN_ID | --joblog FILE --rc N | eval DIR")


@click.group(
    "annotate",
    cls=_RunIdGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--joblog",
    "joblog_file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="Annotate this joblog file (- reads standard input) instead of a stored run; no database needed.",
)
@click.option("--rc", "return_code", type=int, help="Return code of the failed run (with --joblog).")
@click.option("--job", "job_name", help="Job name (with --joblog; default: from the joblog header).")
@click.option("--workstation", help="Workstation (with --joblog; default: from the joblog header).")
@click.option("--stream", "job_stream", help="Job stream (with --joblog; default: from the joblog header).")
@click.option("--run-id", default=None, help="Run id to put in the annotation (with --joblog; default: the file).")
@click.pass_context
def annotate_command(
    ctx: click.Context,
    joblog_file: str | None,
    return_code: int | None,
    job_name: str | None,
    workstation: str | None,
    job_stream: str | None,
    run_id: str | None,
) -> None:
    """Explain why a job failed: specific root cause, verbatim error line, steps, similar cases.

    \b
    twspulse annotate RUN_ID                     annotate a stored failed run, print and store the JSON
    twspulse annotate --joblog FILE --rc 12      annotate a joblog file, print the JSON (no database)
    twspulse annotate eval DIR|SPLIT             accuracy of the offline engine on an evaluation set
                                                 (SPLIT: train, heldout, blind..blind127)

    Uses an OpenAI-compatible model when TWSPULSE_LLM_URL is set, else (and whenever the model fails)
    the offline rules engine.
    """
    if ctx.invoked_subcommand is not None:
        return
    if joblog_file is None:
        click.echo(ctx.get_help())
        ctx.exit(2)
    assert joblog_file is not None
    data = sys.stdin.buffer.read() if joblog_file == "-" else Path(joblog_file).read_bytes()
    from twspulse.models.annotate.excerpt import read_joblog

    frame = read_joblog(data).frame
    header, footer = frame.header, frame.footer
    run = FailedRun(
        run_id=run_id or (Path(joblog_file).name if joblog_file != "-" else "stdin"),
        job_name=job_name or (header.job_name if header else None),
        job_stream=job_stream or (header.job_stream if header else None),
        workstation=workstation or (header.workstation if header else None),
        return_code=return_code if return_code is not None else (footer.exit_status if footer else None),
        status="ABEND",
    )
    with Annotator(CliContext.of(ctx).settings) as annotator:
        annotation = annotator.annotate(run, data)
    click.echo(annotation.model_dump_json(indent=2))


@annotate_command.command("run", hidden=True)
@click.argument("run_id")
@click.option("--no-store", is_flag=True, help="Print the annotation without writing it to job_annotations.")
@click.option("--similar", default=3, show_default=True, help="How many similar past cases to attach.")
@click.pass_context
def annotate_run(ctx: click.Context, run_id: str, no_store: bool, similar: int) -> None:
    """Annotate the stored failed run RUN_ID (joblog from job_logs), print the JSON and store it."""
    cli = CliContext.of(ctx)
    with psycopg.connect(cli.database_url) as conn:
        context = load_run_context(conn, run_id)
        with Annotator(cli.settings, conn=conn, similar_k=similar) as annotator:
            annotation = annotator.annotate(context.run, context.joblog, context.history)
        if not no_store:
            save_annotation(conn, annotation, context.run)
    click.echo(annotation.model_dump_json(indent=2))


@annotate_command.command("eval")
@click.argument("directory", metavar="DIRECTORY|SPLIT")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
@click.option("--rules-only", is_flag=True, help="Without the line model: the rule base alone, for comparison.")
@click.pass_context
def annotate_eval(ctx: click.Context, directory: str, as_json: bool, rules_only: bool) -> None:
    """Accuracy of the offline engine on DIRECTORY (*.log plus expected.json), per field and per category.

    SPLIT names a split of the project's evaluation data: train (the set the rules were shaped on),
    heldout or blind..blind127 (frozen sets never used to change a rule; see docs/annotator.md).
    """
    path = resolve_split(directory)
    if not path.is_dir():
        raise click.BadParameter(f"{directory} is neither a directory nor one of {', '.join(SPLITS)}")
    settings = CliContext.of(ctx).settings.model_copy(update={"llm_url": None})
    rules = RulesEngine(line_model=None) if rules_only else None
    with Annotator(settings, rules=rules) as annotator:
        report = evaluate(path, annotator.annotate)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.to_text())


@annotate_command.command("learn")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=MODEL_PATH,
    show_default=True,
    help="Where to write the weights (the default is the model the package ships).",
)
@click.argument("splits", nargs=-1, metavar="[SPLIT|DIRECTORY]...")
def annotate_learn(out: Path, splits: tuple[str, ...]) -> None:
    """Train the line model (which of the rules' near-tied lines states the failure) on labelled joblogs.

    Without SPLIT, on every split already scored (LEARNING_SPLITS in evaluation.py): the shipped model.
    Deterministic: the same data gives the same weights, and the model records a digest of its data.
    """
    joblogs = [case for split in splits or LEARNING_SPLITS for case in labelled_joblogs(resolve_split(split))]
    model = fit(joblogs)
    model.save(out)
    click.echo(f"line model trained on {len(joblogs)} joblogs (data {model.trained_on}) -> {out}")


@annotate_command.command("catalogs")
@click.option(
    "--locale-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=DEFAULT_LOCALE_DIR,
    show_default=True,
    help="Where the gettext catalogs (LANG/LC_MESSAGES/DOMAIN.mo) are installed.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=TABLE_PATH,
    show_default=True,
    help="Where to write the table (the default is the table the package ships).",
)
def annotate_catalogs(locale_dir: Path, out: Path) -> None:
    """Build the table of localised failure messages from installed translation catalogs.

    Every translation, in every installed language, of the C library, bash, coreutils, tar, PostgreSQL and
    the other tools in catalogs.DOMAINS whose English message the rules read as a failure; the engine reads a
    localised line no rule reads as that English message.
    """
    translations = build(locale_dir)
    if not translations:
        raise click.ClickException(f"no translation catalog of {', '.join(DOMAINS)} under {locale_dir}")
    save(translations, out)
    languages = {t.source.split("/")[0] for t in translations}
    click.echo(f"{len(translations)} translations of failure messages in {len(languages)} languages -> {out}")


@click.command("feedback", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_id")
@click.option("--resolution", required=True, help="What really fixed the run, in the operator's words.")
@click.option(
    "--correct/--wrong",
    default=None,
    help="Whether the annotation's root cause was right (omit if you cannot say).",
)
@click.option(
    "--category",
    type=click.Choice([c for c in CATEGORIES if c != "unknown"]),
    default=None,
    help="The run's real category, when the annotation's was wrong: the next failure of the same error pattern "
    "is annotated with it.",
)
@click.pass_context
def feedback_command(
    ctx: click.Context, run_id: str, resolution: str, correct: bool | None, category: str | None
) -> None:
    """Record what fixed the failed run RUN_ID; similar-case retrieval shows it for the next failures, and a
    corrected --category is used for the next failure of the same error pattern."""
    if not resolution.strip():
        raise click.BadParameter("must not be empty", param_hint="--resolution")
    with psycopg.connect(CliContext.of(ctx).database_url) as conn:
        annotated = annotated_category(conn, run_id)
        if annotated is None:
            raise click.ClickException(f"run {run_id!r} has no annotation; run `twspulse annotate {run_id}` first")
        if category is not None:
            if correct is True and category != annotated:
                raise click.BadParameter(
                    f"the annotation said {annotated}: --correct with another category is a contradiction",
                    param_hint="--category",
                )
            if correct is None:  # naming the category alone says whether the annotation was right
                correct = category == annotated
        save_feedback(conn, run_id, resolution.strip(), correct, category)
    verdict: dict[bool | None, str] = {True: "correct", False: "wrong", None: "not rated"}
    said = f"; category {category} for the next failures of this error pattern" if category else ""
    click.echo(f"feedback stored for {run_id} (annotation {verdict[correct]}{said})")


__all__: list[Any] = ["annotate_command", "feedback_command"]
