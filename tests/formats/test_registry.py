"""The format registries: CLI choices come from EXPORTERS, importers are chosen from IMPORTERS, and a
format writes what the records say (no store needed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import pytest

from bitext.errors import BitextError
from bitext.formats import EXPORTERS, IMPORTERS, export_pairs, importer_for
from bitext.formats.base import TextExporter, default_name
from bitext.formats.review_csv import ReviewTableImporter
from bitext.formats.xliff import MDA_NS, XLIFF_NS, XliffExporter, XliffImporter
from bitext.records import Finding, PairRecord, iter_pairs
from bitext.store import Store

X = f"{{{XLIFF_NS}}}"


class UpperExporter(TextExporter):
    """A format added by registering one class."""

    name = "upper"
    suffix = ".up"
    description = "English in capitals"

    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        for rec in records:
            fh.write(rec.target.upper() + "\n")


def test_a_registered_format_is_a_cli_choice(store: Store, tmp_path: Path, monkeypatch, capsys) -> None:
    from bitext.cli import build_parser, main

    with pytest.raises(SystemExit):
        main(["export", str(store.path.parent), "-f", "upper"])
    assert "invalid choice: 'upper'" in capsys.readouterr().err
    monkeypatch.setitem(EXPORTERS, "upper", UpperExporter)
    help_text = " ".join(build_parser()._subparsers._group_actions[0].choices["export"].format_help().split())
    assert "{tmx,moses,tsv,jsonl,xliff,csv,upper}" in help_text and "English in capitals" in help_text
    assert main(["export", str(store.path.parent), "-f", "upper", "-o", str(tmp_path)]) == 0
    assert f"wrote 7 pairs to {tmp_path / 'bitext.id-en.up'}" in capsys.readouterr().out
    assert (tmp_path / "bitext.id-en.up").read_text(encoding="utf-8").splitlines()[:2] == [
        "HELLO WORLD.", "HE WROTE <B>BOLD</B> & 'QUOTES' ON THE WEBSITE.",
    ]


def test_registry_entries_and_the_files_they_write(store: Store, tmp_path: Path) -> None:
    assert list(EXPORTERS) == ["tmx", "moses", "tsv", "jsonl", "xliff", "csv"]
    for name, cls in EXPORTERS.items():
        assert cls.name == name and cls.description
        exporter = cls()
        (tmp_path / name).mkdir()  # an existing folder: OUT/bitext<suffix>
        res = export_pairs(store, name, tmp_path / name, include_empty=True)
        assert res.paths == exporter.paths(tmp_path / name / default_name(exporter))
        assert all(p.is_file() for p in res.paths) and res.pairs == 7
    assert [default_name(cls()) for cls in EXPORTERS.values()] == [
        "bitext.id-en.tmx", "bitext.id-en", "bitext.id-en.tsv", "bitext.id-en.jsonl", "bitext.id-en.xlf",
        "bitext.id-en.csv",
    ]


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [("a.xlf", "auto", XliffImporter), ("a.XLIFF", "auto", XliffImporter), ("a.xml", "auto", XliffImporter),
     ("a.csv", "auto", ReviewTableImporter), ("a.tsv", "auto", ReviewTableImporter),
     ("a.txt", "auto", ReviewTableImporter), ("a.txt", "xliff", XliffImporter), ("a.xlf", "tsv", ReviewTableImporter)],
)
def test_importer_for(name: str, fmt: str, expected: type) -> None:
    assert type(importer_for(Path(name), fmt)) is expected


def test_unknown_import_format_is_a_usage_error() -> None:
    with pytest.raises(BitextError) as exc:
        importer_for("a.csv", "xlsx")
    assert exc.value.exit_code == 2 and str(exc.value) == f"unknown import format 'xlsx'; use {', '.join(IMPORTERS)}"


def _record(pair_id: str, findings: tuple[Finding, ...], comment: str | None = None) -> PairRecord:
    return PairRecord(
        id=pair_id, doc_id="d1", para_idx=0, sent_idx=0, kind="mt", bead_idx=0, bead_type="1-1", align_score=0.5,
        source="Satu.", target="One\x01.", mt="One.", flags=tuple(f.name for f in findings if f.fired),
        findings=findings, review_comment=comment,
    )


def test_xliff_notes_come_from_the_records_findings(tmp_path: Path) -> None:
    """No store at all: the exporter writes what the read model's records carry, worst finding first."""
    findings = (
        Finding("a_info", "info", None, True, "just so"),
        Finding("b_error", "error", 0.123456, True, "bad <thing>"),
        Finding("c_warn", "warning", 2.0, True, None),
        Finding("d_quiet", "error", 0.9, False, "did not fire"),
        Finding("a_error", "error", 1.0, True, "also bad"),
    )
    out = tmp_path / "n.xlf"
    XliffExporter().write([_record("p+1", findings, comment="see\x02 this"), _record("p2", ())], out)
    units = list(ET.parse(out).getroot().iter(f"{X}unit"))
    assert [(u.get("id"), u.get("name")) for u in units] == [("x702b31", "p+1"), ("p2", "p2")]
    notes = [(n.get("category"), n.get("priority"), n.text) for n in units[0].iter(f"{X}note")]
    assert notes == [
        ("flag", "1", "a_error (error, score 1): also bad"),
        ("flag", "1", "b_error (error, score 0.123): bad <thing>"),
        ("flag", "3", "c_warn (warning, score 2)"),
        ("flag", "5", "a_info (info): just so"),
        ("comment", None, "see this"),
    ]
    assert units[1].find(f"{X}notes") is None
    assert units[0].find(f"{X}segment/{X}target").text == "One."  # XML-illegal characters dropped
    metas = {m.get("type"): m.text for m in units[0].iter(f"{{{MDA_NS}}}meta")}
    assert (metas["review_id"], metas["status"], metas["align_score"]) == ("0", "pending", "0.5000")


def test_xliff_export_of_the_store_shows_reasons(store: Store, tmp_path: Path) -> None:
    # the sample's reasons are all 'r'; give one a text of its own (FLAG_COLUMNS order)
    store.write_flags([("a2-0", "lang_id", 0.1, 1, "error", "P(en) 0.10 < 0.5")])
    export_pairs(store, "xliff", tmp_path / "s.xlf")
    unit = next(u for u in ET.parse(tmp_path / "s.xlf").getroot().iter(f"{X}unit") if u.get("id") == "a2-0")
    assert [n.text for n in unit.iter(f"{X}note")] == [
        "lang_id (error, score 0.1): P(en) 0.10 < 0.5", "length_ratio (warning, score 0.4): r",
    ]
    rec = next(r for r in iter_pairs(store, reasons=True) if r.id == "a2-0")
    assert [f.reason for f in rec.findings] == ["P(en) 0.10 < 0.5", "r"]
