"""Exports as people use them: pandas and csv defaults, spreadsheets (formulas, float ids, NaN),
CAT tools (XLIFF states), gzip, permissions and the places --out may not write to. One test per
failure of issue 14."""

from __future__ import annotations

import csv
import gzip
import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError
from bitext.formats import export_pairs
from bitext.formats.review_csv import sheet_safe, sheet_text
from bitext.formats.tsv import TSV_COLUMNS
from bitext.formats.xliff import XLIFF_NS
from bitext.records import PairFilter, iter_pairs
from bitext.store import Store
from tests.sample_corpus import build_store

TRICKY = {  # what broke the old TSV and what a spreadsheet would run
    "a1-0": '"Quoted at the start," he said.',
    "a1-2": "tab\there, CR\rthere, LF\nand a back\\slash \\t",
    "a2-1": "=HYPERLINK(\"http://x.example\",\"click\")",
}


@pytest.fixture
def tricky(tmp_path: Path) -> Store:
    return build_store(tmp_path / "tricky", targets=TRICKY)


def test_tsv_reads_back_exactly_with_csv_and_pandas_defaults(tricky: Store, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    out = tmp_path / "p.tsv"
    export_pairs(tricky, "tsv", out)
    expected = [r for r in iter_pairs(tricky) if r.source.strip() and r.target.strip()]
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert tuple(rows[0]) == TSV_COLUMNS
    assert [(r[0], r[-2], r[-1]) for r in rows[1:]] == [(r.id, r.source, r.target) for r in expected]
    df = pd.read_csv(out, sep="\t")
    assert list(df.columns) == list(TSV_COLUMNS)
    assert list(df["id"]) == [r.id for r in expected]  # `id` is the pair id, as in every export
    assert list(df["source"]) == [r.source for r in expected]
    assert list(df["target"]) == [r.target for r in expected]


def test_review_csv_survives_a_pandas_round_trip(store: Store, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    sheet = tmp_path / "sheet.csv"
    export_pairs(store, "csv", sheet)
    df = pd.read_csv(sheet)  # defaults: review_id becomes float (134.0), empty cells NaN
    assert df["review_id"].dtype == float
    row = df.index[df["id"] == "a2-r0"][0]  # an accepted pair: its edit must not be lost
    df["edited"] = df["edited"].astype(object)  # an all-empty column reads as float; pandas wants a cast to edit
    df.loc[row, "edited"] = "The cat is asleep."
    df.to_csv(sheet)  # defaults again: NaN written as empty, an index column added
    assert "4.0" in sheet.read_text(encoding="utf-8")
    res = review.import_review(store, sheet, reviewer="sheet")
    assert res.problems == [] and len(res.applied) == 1 and res.unchanged == 6
    assert next(r for r in iter_pairs(store) if r.id == "a2-r0").target == "The cat is asleep."


def test_review_csv_is_formula_safe_and_round_trips(tricky: Store, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    export_pairs(tricky, "csv", sheet)
    with open(sheet, encoding="utf-8", newline="") as fh:
        cells = {r["id"]: r for r in csv.DictReader(fh)}
    assert cells["a2-1"]["target"] == "'" + TRICKY["a2-1"]  # a spreadsheet shows it as text
    assert not any(v.startswith(("=", "+", "-", "@")) for r in cells.values() for v in r.values())
    res = review.import_review(tricky, sheet, reviewer="sheet")  # unchanged sheet: nothing to do
    assert (res.problems, len(res.applied)) == ([], 0)


@pytest.mark.parametrize("text", ["=1+1", "+62 812", "-5 people", "@user", "'quoted", "''", "'=x", "plain", "",
                                  "\ttab", "a=b"])
def test_sheet_safe_is_inverted_by_sheet_text(text: str) -> None:
    safe = sheet_safe(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t"))
    assert sheet_text(safe) == text


def test_xliff_states_say_what_a_cat_tool_should_do(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "x.xlf"
    export_pairs(store, "xliff", out)
    x = f"{{{XLIFF_NS}}}"
    states = {u.get("name"): u.find(f"{x}segment").get("state") for u in ET.parse(out).getroot().iter(f"{x}unit")}
    assert states == {"a1-0": "translated", "a1-1": "reviewed", "a1-2": "translated", "a2-0": "initial",
                      "a2-1": "translated", "a2-2": "initial", "a2-r0": "reviewed"}


def test_translate_toolkit_reads_the_states_and_its_edit_imports(store: Store, tmp_path: Path) -> None:
    xliff2 = pytest.importorskip("translate.storage.xliff2")
    out = tmp_path / "x.xlf"
    export_pairs(store, "xliff", out)
    units = {u.getid().split("::")[0]: u for u in xliff2.Xliff2File.parsefile(str(out)).units}
    assert not units["a2-0"].istranslated()  # rejected: not approved, not translated
    assert not units["a2-2"].istranslated()  # empty target
    assert units["a1-1"].isapproved() and not units["a1-0"].isapproved()
    doc = xliff2.Xliff2File.parsefile(str(out))
    unit = next(u for u in doc.units if u.getid().startswith("a1-0"))
    unit.target = "Hello, world!"
    doc.savefile(str(out))
    res = review.import_review(store, out, reviewer="cat")
    assert res.problems == [] and len(res.applied) == 1


def test_gz_outputs_are_gzipped_and_deterministic(store: Store, tmp_path: Path) -> None:
    export_pairs(store, "tmx", tmp_path / "a.tmx.gz")
    export_pairs(store, "tmx", tmp_path / "b.tmx.gz")
    data = (tmp_path / "a.tmx.gz").read_bytes()
    assert data[:2] == b"\x1f\x8b" and data == (tmp_path / "b.tmx.gz").read_bytes()
    assert ET.fromstring(gzip.decompress(data)).tag == "tmx"
    res = export_pairs(store, "moses", tmp_path / "m.gz")
    assert [p.name for p in res.paths] == ["m.id.gz", "m.en.gz"]
    assert gzip.decompress((tmp_path / "m.en.gz").read_bytes()).decode().splitlines()[0] == "Hello world."


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_export_files_follow_the_umask(store: Store, tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        res = export_pairs(store, "moses", tmp_path / "m", score_file=True)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in res.paths} == {mode}


def test_out_refuses_symlinks_devices_and_fifos(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "real.jsonl"
    target.write_text("keep\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    with pytest.raises(BitextError, match="is a symbolic link; refusing to replace it \\(use --force\\)"):
        export_pairs(store, "jsonl", link)
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(BitextError, match="is a FIFO, not a regular file"):
        export_pairs(store, "jsonl", fifo)
    with pytest.raises(BitextError, match="is a device"):
        export_pairs(store, "jsonl", Path("/dev/null"))
    assert target.read_text(encoding="utf-8") == "keep\n"
    export_pairs(store, "jsonl", link, force=True)  # --force: the link is replaced by the file
    assert not link.is_symlink() and target.read_text(encoding="utf-8") == "keep\n"
    export_pairs(store, "jsonl", Path("/dev/null"), force=True)  # --force: written straight into it
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_cli_out_errors_are_one_line(store: Store, tmp_path: Path, capsys) -> None:
    from bitext.cli import main

    missing = tmp_path / "nope" / "x.tmx"
    assert main(["export", str(store.path.parent), "-f", "tmx", "-o", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"bitext: error: {missing}: folder {missing.parent} does not exist (create it, or pass --parents)"
    assert main(["export", str(store.path.parent), "-f", "tmx", "-o", str(missing), "--parents"]) == 0
    assert "left out 1 pairs with an empty side (--include-empty keeps them)" in capsys.readouterr().out


def test_score_file_is_line_aligned_with_the_export(store: Store, tmp_path: Path) -> None:
    res = export_pairs(store, "moses", tmp_path / "bitext.id-en", score_file=True)
    assert [p.name for p in res.paths] == ["bitext.id-en.id", "bitext.id-en.en", "bitext.id-en.scores.tsv"]
    scores = (tmp_path / "bitext.id-en.scores.tsv").read_text(encoding="utf-8").splitlines()
    assert scores[0] == "id\talign_score\tmt_logprob\tlang_id\tlength_ratio"
    en = (tmp_path / "bitext.id-en.en").read_text(encoding="utf-8").splitlines()
    assert len(scores) - 1 == len(en) == res.pairs == 6
    assert scores[1] == "a1-0\t0.9\t-0.25\t0.99\t1.0"
    res = export_pairs(store, "jsonl", tmp_path / "p.jsonl", score_file=True)
    rows = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = [x.split("\t")[0] for x in (tmp_path / "p.scores.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    assert ids == [r["id"] for r in rows]


def test_mt_training_exports_leave_out_empty_sides(store: Store, tmp_path: Path) -> None:
    for fmt in ("moses", "tmx", "tsv", "jsonl"):
        res = export_pairs(store, fmt, tmp_path / f"x-{fmt}", PairFilter())
        assert (res.pairs, res.empty_left_out) == (6, 1), fmt
        assert export_pairs(store, fmt, tmp_path / f"y-{fmt}", include_empty=True).pairs == 7
    assert export_pairs(store, "xliff", tmp_path / "r.xlf").pairs == 7  # review formats keep every pair
    assert export_pairs(store, "csv", tmp_path / "r.csv").pairs == 7


def test_import_review_reads_the_pair_tsv_and_the_old_one(tricky: Store, tmp_path: Path) -> None:
    out = tmp_path / "p.tsv"
    export_pairs(tricky, "tsv", out)
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    rows[1][-1] = 'Now "quoted"\tand tabbed.'  # a1-0, edited with csv quoting as pandas/csv write it
    with open(out, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\n").writerows(rows)
    res = review.import_review(tricky, out, reviewer="tsv")
    assert res.problems == [] and len(res.applied) == 1
    assert next(r for r in iter_pairs(tricky) if r.id == "a1-0").target == 'Now "quoted" and tabbed.'
    legacy = tmp_path / "old.tsv"  # the backslash-escaped pair TSV of earlier versions
    legacy.write_text("pair_id\tdoc_id\tkind\tbead_type\talign_score\tflags\tneeds_review\treview_status\tid\ten\n"
                      "a2-1\ta2\tmt\t1-1\t0.7\t\t1\tpending\tHujan turun.\tRain is\\tfalling.\n", encoding="utf-8")
    res = review.import_review(tricky, legacy, reviewer="tsv")
    assert res.problems == [] and len(res.applied) == 1


def test_cli_publish_refuses_a_licence_the_hub_does_not_know(store: Store, tmp_path: Path, capsys) -> None:
    pytest.importorskip("datasets")
    from bitext.cli import main

    out = tmp_path / "ds"
    assert main(["publish", str(store.path.parent), "--to", str(out), "--license", "CC BY-SA 4.0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["bitext: error: --license 'CC BY-SA 4.0': not a Hugging Face Hub licence id (e.g. cc-by-4.0,"
                   " cc-by-sa-4.0, odc-by, unknown, other); did you mean 'cc-by-sa-4.0'?"]
    assert not out.exists()
