"""Localised messages read back in English through translation catalogs (localised.py, catalogs.py), on
invented catalogs in an invented language and on .mo files written by the test."""

from __future__ import annotations

import gzip
import struct
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.models.annotate.test_rules_engine import FOOTER, HEADER, RUN
from twspulse.models.annotate import localised
from twspulse.models.annotate.catalogs import build
from twspulse.models.annotate.cli import annotate_command
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.localised import Catalog, Translation, load, save
from twspulse.models.annotate.rules_engine import RulesEngine

# An invented language: what the catalogs of a shell, the C library and a database would say in it.
QZ = [
    Translation("%s: komando ne trovita.", "%s: command not found", "qz/bash"),
    Translation("Ne plu spaco sur aparato", "No space left on device", "qz/libc"),
    Translation("eraro skribante %s", "error writing %s", "qz/coreutils"),
    Translation("rajto rifuzita por tabelo %s", "permission denied for table %s", "qz/postgres"),
    Translation("la uzanto %2$s ne rajtas legi %1$s", "user %2$s may not read %1$s", "qz/tool"),
]


def _engine(translations: list[Translation] = QZ) -> RulesEngine:
    return RulesEngine(line_model=None, catalog=Catalog(translations))


def _annotate(body: str, engine: RulesEngine):  # type: ignore[no-untyped-def]
    return engine.annotate(RUN, read_joblog(HEADER + body + FOOTER))


def test_a_localised_line_is_given_back_in_english_with_its_values() -> None:
    catalog = Catalog(QZ)
    english, used = catalog.translate("/srv/qz/run.sh: linio 42: jq: komando ne trovita.") or ("", [])
    assert english == "/srv/qz/run.sh: linio 42: jq: command not found"
    assert [t.source for t in used] == ["qz/bash"]
    assert catalog.translate("INFO 42 vicoj legitaj el /srv/qz/in.csv") is None
    assert catalog.has_key("jq: komando ne trovita.") and not catalog.has_key("jq: command not found")


def test_placeholders_in_another_order_and_a_message_that_quotes_another() -> None:
    catalog = Catalog(QZ)
    english, _ = catalog.translate("la uzanto etl_qz ne rajtas legi /srv/qz/a.csv") or ("", [])
    assert english == "user etl_qz may not read /srv/qz/a.csv"
    english, used = catalog.translate("cp: eraro skribante '/srv/qz/a.tar': Ne plu spaco sur aparato") or ("", [])
    assert english == "cp: error writing '/srv/qz/a.tar': No space left on device"
    assert [t.source for t in used] == ["qz/libc", "qz/coreutils"] or len(used) == 2


def test_a_value_that_ends_with_a_separator_is_the_value_not_its_start() -> None:
    """ "JOUR[OUE] : variable sans liaison": the bracket ends the value before the literal; the value is not empty."""
    catalog = Catalog([Translation("%s : variablo sen ligo", "%s: unbound variable", "qz/bash")])
    english, _ = catalog.translate("/srv/qz/run.sh: linio 58: TAGO[OKC] : variablo sen ligo") or ("", [])
    assert english == "/srv/qz/run.sh: linio 58: TAGO[OKC]: unbound variable"


def test_the_engine_reads_a_localised_line_no_rule_reads_as_its_english_message() -> None:
    body = "qzwrap: start\n/srv/qz/run.sh: linio 42: jq: komando ne trovita.\nqzwrap: ended rc=127\n"
    annotation = _annotate(body, _engine())
    assert annotation.category == "dependency"
    assert annotation.error_line == "/srv/qz/run.sh: linio 42: jq: komando ne trovita."  # quoted as printed
    assert "jq" in annotation.root_cause
    assert annotation.entities["translated_from"] == "qz/bash"
    without = _annotate(body, _engine([]))
    assert without.category == "unknown" and "translated_from" not in without.entities


def test_a_localised_database_message_names_its_table() -> None:
    body = "qzload: start\npsql:/srv/qz/load.sql:7: EKSCEPTO:  rajto rifuzita por tabelo gl_qz\nqzload: rc=3\n"
    annotation = _annotate(body, _engine())
    assert annotation.category == "permission" and "gl_qz" in annotation.root_cause


def test_a_line_the_rules_read_in_its_own_words_is_not_translated() -> None:
    annotation = _annotate("cp: cannot create '/srv/qz/a': Permission denied\n", _engine())
    assert annotation.category == "permission" and "translated_from" not in annotation.entities


def test_a_hostile_line_costs_little() -> None:
    catalog = Catalog([Translation("%s: %s eraro: %s: %s ne trovita", "%s: %s error: %s: %s not found", "qz/x")])
    line = "eraro: " + ": ne trovita " * 400 + "x" * 2000
    started = time.perf_counter()
    catalog.translate(line)
    assert time.perf_counter() - started < 1.0


def test_the_shipped_table_covers_the_common_tools_in_many_languages() -> None:
    catalog = localised.shipped_catalog()
    sources = {t.source for entries in catalog.by_word.values() for t in entries}
    languages = {source.split("/")[0] for source in sources}
    domains = {source.split("/")[1] for source in sources}
    assert len(catalog) > 10_000 and len(languages) > 20
    assert {"libc", "bash", "coreutils", "postgres-15"} <= domains
    assert not any(language.startswith("en") for language in languages)


def test_a_damaged_table_leaves_the_rules_alone(tmp_path: Path) -> None:
    bad = tmp_path / "t.json.gz"
    bad.write_bytes(gzip.compress(b'{"version": 1}'))
    with pytest.raises(ValueError, match="not a table"):
        load(bad)
    good = tmp_path / "good.json.gz"
    save(QZ, good)
    assert len(load(good)) == len(QZ) and good.read_bytes() == (save(QZ, good) or good.read_bytes())


def _write_mo(path: Path, messages: dict[str, str]) -> None:
    """A gettext .mo file (the format msgfmt writes: header, two string tables, then the strings)."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    ids = b"".join(k.encode() + b"\0" for k, _ in entries)
    strs = b"".join(v.encode() + b"\0" for _, v in entries)
    start = 7 * 4 + 16 * len(entries)
    offsets, position = [], start
    for key, _ in entries:
        offsets += [len(key.encode()), position]
        position += len(key.encode()) + 1
    value_offsets = []
    for _, value in entries:
        value_offsets += [len(value.encode()), position]
        position += len(value.encode()) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(entries), 28, 28 + 8 * len(entries), 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        header
        + struct.pack(f"{len(offsets)}i", *offsets)
        + struct.pack(f"{len(value_offsets)}i", *value_offsets)
        + ids
        + strs
    )


def test_the_table_is_built_from_installed_catalogs_keeping_only_failure_messages(tmp_path: Path) -> None:
    messages = {"%s: command not found": "%s: komando ne trovita.", "%d files copied": "%d dosieroj kopiitaj"}
    _write_mo(tmp_path / "qz" / "LC_MESSAGES" / "bash.mo", messages)
    _write_mo(tmp_path / "en_GB" / "LC_MESSAGES" / "bash.mo", {"%s: command not found": "%s: command not found!"})
    built = build(tmp_path, domains=("bash",))
    assert [(t.template, t.english, t.source) for t in built] == [
        ("%s: komando ne trovita.", "%s: command not found", "qz/bash")
    ]
    out = tmp_path / "table.json.gz"
    result = CliRunner().invoke(annotate_command, ["catalogs", "--locale-dir", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 translations of failure messages in 1 languages" in result.output and len(load(out)) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    failed = CliRunner().invoke(annotate_command, ["catalogs", "--locale-dir", str(empty), "--out", str(out)])
    assert failed.exit_code != 0 and "no translation catalog" in failed.output


def test_a_localised_notice_stays_a_notice() -> None:
    notice = [
        Translation("AVIZO", "NOTICE", "qz/postgres"),
        Translation("tabelo %s ne ekzistas, preterpasita", 'table "%s" does not exist, skipping', "qz/postgres"),
        *QZ,
    ]
    catalog = Catalog(notice)
    english, _ = catalog.translate("psql:/srv/qz/a.sql:4: AVIZO:  tabelo tmp_qz ne ekzistas, preterpasita") or ("", [])
    assert english == 'psql:/srv/qz/a.sql:4: NOTICE:  table "tmp_qz" does not exist, skipping'
    assert catalog.translate("AVIZO: nenio grava") is None  # a severity alone is no message to read
    body = (
        "psql:/srv/qz/a.sql:4: AVIZO:  tabelo tmp_qz ne ekzistas, preterpasita\n"
        "psql:/srv/qz/a.sql:9: EKSCEPTO:  rajto rifuzita por tabelo gl_qz\n"
    )
    annotation = _annotate(body, _engine(notice))
    assert annotation.category == "permission" and annotation.error_line.endswith("rajto rifuzita por tabelo gl_qz")


def test_a_message_is_matched_whole_not_inside_a_sentence() -> None:
    catalog = Catalog([Translation("Memoro elĉerpita", "Memory exhausted", "qz/sed"), *QZ])
    assert catalog.translate("qzsort: Memoro elĉerpita") is not None
    assert catalog.translate("qzsort: Memoro elĉerpita (1 GB)") is not None
    assert catalog.translate("Memoro elĉerpita: 0 el 16 GB uzataj") is None  # a sentence that starts alike
    assert catalog.translate("INFO la Memoro elĉerpita ne estas") is None
    english, _ = catalog.translate("vico 3 el dosiero: jq: komando ne trovita.") or ("", [])
    assert english == "vico 3 el dosiero: jq: command not found"  # a leading value stops at a separator


def test_a_word_two_languages_give_two_severities_reads_as_the_milder() -> None:
    catalog = Catalog([Translation("AVIZO", "WARNING", "qa/wget"), Translation("AVIZO", "NOTICE", "qz/pg"), *QZ])
    assert catalog.levels["AVIZO"] == "NOTICE"


def test_a_truncated_or_corrupt_table_is_refused_and_the_engine_goes_on(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.json.gz"
    save(QZ, good)
    truncated = tmp_path / "truncated.json.gz"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ValueError, match="not a table"):
        load(truncated)
    monkeypatch.setattr(localised, "TABLE_PATH", truncated)
    monkeypatch.setattr(localised, "_shipped", [])
    annotation = RulesEngine(line_model=None).annotate(
        RUN, read_joblog(HEADER + "cat: /srv/qz: No such file\n" + FOOTER)
    )
    assert annotation.category == "missing_file" and len(localised.shipped_catalog()) == 0


def test_a_localised_line_read_only_as_a_generic_error_gets_its_translation_read_too() -> None:
    body = "qzip: packing /srv/qz/out.zip\nqzip I/O error: Ne plu spaco sur aparato\nqzip: rc=18\n"
    assert _annotate(body, _engine([])).category != "disk_full"
    annotation = _annotate(body, _engine())
    assert annotation.category == "disk_full" and annotation.entities["translated_from"] == "qz/libc"
