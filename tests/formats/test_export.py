"""Exports (every format of the registry) and the shared pair selection, on the sample corpus
(tests/sample_corpus.py, the ``store`` fixture of conftest.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bitext.errors import BitextError
from bitext.formats import EXPORTERS, export_pairs
from bitext.formats.base import clean_xml
from bitext.formats.tmx import read_tmx
from bitext.formats.tsv import tsv_escape, tsv_unescape
from bitext.records import PairFilter, iter_pairs
from bitext.store import Store
from tests.sample_corpus import EDITED_EN, SCRIPT_MT, SCRIPT_SRC, build_store


def ids(records) -> list[str]:
    return [r.id for r in records]


# -- selection --------------------------------------------------------------------------


def test_iter_pairs_order_flags_scores_review(store: Store) -> None:
    recs = list(iter_pairs(store))
    assert ids(recs) == ["a1-0", "a1-1", "a1-2", "a2-0", "a2-1", "a2-2", "a2-r0"]
    by = {r.id: r for r in recs}
    r = by["a1-1"]
    assert r.flags == ("length_ratio",)
    assert r.scores == {"lang_id": 0.97, "length_ratio": 2.5}
    assert r.needs_review is True
    assert (r.review_status, r.reviewer, r.reviewed_at) == ("edited", "ana", "2025-02-02T10:00:00+00:00")
    assert (r.target, r.reviewed_translation, r.mt) == (EDITED_EN, EDITED_EN, SCRIPT_MT)
    assert (r.para_idx, r.sent_idx, r.mt_logprob) == (0, 1, -0.5)
    # 2-1 bead: confidence is the token-weighted mean over both sentences' translations.
    assert by["a1-2"].mt_logprob == pytest.approx((-0.2 * 2 + -0.8 * 6) / 8)
    assert (by["a1-2"].para_idx, by["a1-2"].sent_idx) == (1, 0)
    # info-level flag fires but does not need review
    assert by["a1-2"].flags == ("lang_id",) and by["a1-2"].needs_review is False
    assert by["a2-1"].scores == {"lang_id": None, "length_ratio": 3.0}
    assert by["a2-2"].scores == {"lang_id": None, "length_ratio": None}
    assert by["a2-2"].mt_logprob is None and by["a2-2"].align_score is None
    assert by["a2-0"].review_status == "rejected" and by["a2-0"].reviewed_translation is None
    assert [r.id for r in recs if r.clean] == ["a1-0", "a1-1", "a1-2", "a2-2", "a2-r0"]


def test_filters(store: Store) -> None:
    assert ids(iter_pairs(store, PairFilter(only_clean=True))) == ["a1-0", "a1-1", "a1-2", "a2-2", "a2-r0"]
    # pairs without an alignment score never pass a score threshold
    assert ids(iter_pairs(store, PairFilter(min_score=0.7))) == ["a1-0", "a1-1", "a2-1", "a2-r0"]
    assert ids(iter_pairs(store, PairFilter(exclude_flags=("length_ratio",)))) == ["a1-0", "a1-2", "a2-2", "a2-r0"]
    assert ids(iter_pairs(store, PairFilter(exclude_flags=("length_ratio", "lang_id")))) == ["a1-0", "a2-2", "a2-r0"]
    both = PairFilter(only_clean=True, min_score=0.85, exclude_flags=("lang_id",))
    assert ids(iter_pairs(store, both)) == ["a1-0", "a2-r0"]


def test_small_chunks_give_same_records(store: Store) -> None:
    assert list(iter_pairs(store, chunk_size=2)) == list(iter_pairs(store))


def test_stale_review_after_resegmentation_is_pending(store: Store) -> None:
    with store.tx() as conn:
        conn.execute("UPDATE pairs SET source='Kucing tidur nyenyak.' WHERE id='a2-r0'")
    rec = next(r for r in iter_pairs(store) if r.id == "a2-r0")
    assert (rec.review_status, rec.reviewer, rec.target) == ("pending", None, "The cat sleeps.")


def test_undo_to_pending(store: Store) -> None:
    store.add_review("a1-1", "ana", "pending", at="2025-03-01T00:00:00+00:00", source=SCRIPT_SRC)
    rec = next(r for r in iter_pairs(store) if r.id == "a1-1")
    assert (rec.review_status, rec.target, rec.clean) == ("pending", SCRIPT_MT, False)


# -- formats ----------------------------------------------------------------------------


def test_tsv_exact(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.tsv"
    res = export_pairs(store, "tsv", out, PairFilter(exclude_flags=("length_ratio",)))
    assert res.pairs == 3 and res.paths == [out]
    assert res.empty_left_out == 1  # a2-2 has no English: no use for MT training
    assert out.read_text(encoding="utf-8") == (
        "id\tdoc_id\tkind\tbead_type\talign_score\tflags_before_review\tneeds_review\treview_status\tsource\ttarget\n"
        "a1-0\ta1\tmt\t1-1\t0.9\t\t0\tpending\tHalo dunia.\tHello world.\n"
        "a1-2\ta1\tmt\t2-1\t0.5\tlang_id\t0\tpending\tSatu. Dua.\tOne and two.\n"
        "a2-r0\ta2\treference\t1-1\t0.95\t\t0\taccepted\tKucing tidur.\tThe cat sleeps.\n"
    )
    res = export_pairs(store, "tsv", out, PairFilter(exclude_flags=("length_ratio",)), include_empty=True)
    assert res.pairs == 4 and res.empty_left_out == 0
    assert out.read_text(encoding="utf-8").splitlines()[3:5] == [
        'a2-2\ta2\tmt\t1-0\t\t\t0\tpending\t"baris satu', 'baris dua\tdengan tab"\t']


@pytest.mark.parametrize("text", ["plain", "a\tb", "a\nb\r\nc", "back\\slash\\t not a tab", "\\", ""])
def test_tsv_escape_round_trip(text: str) -> None:
    escaped = tsv_escape(text)
    assert "\t" not in escaped and "\n" not in escaped and "\r" not in escaped
    assert tsv_unescape(escaped) == text


def test_moses_exact(store: Store, tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    res = export_pairs(store, "moses", tmp_path / "m" / "corpus", PairFilter(min_score=None), include_empty=True)
    assert res.paths == [tmp_path / "m" / "corpus.id", tmp_path / "m" / "corpus.en"]
    assert (tmp_path / "m" / "corpus.id").read_text(encoding="utf-8") == (
        f"Halo dunia.\n{SCRIPT_SRC}\nSatu. Dua.\nKucing tidur.\nHujan turun.\nbaris satu baris dua\tdengan tab\n"
        "Kucing tidur.\n"
    )
    assert (tmp_path / "m" / "corpus.en").read_text(encoding="utf-8") == (
        f"Hello world.\n{EDITED_EN}\nOne and two.\nThe dog barks loudly today.\nRain falls.\n\nThe cat sleeps.\n"
    )
    # by default the pair with no English is left out: every line has both sides
    res = export_pairs(store, "moses", tmp_path / "m" / "corpus")
    assert res.pairs == 6 and res.empty_left_out == 1
    assert all(line for line in (tmp_path / "m" / "corpus.en").read_text(encoding="utf-8").splitlines())
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["corpus.en", "corpus.id"]  # no temp files


def test_only_clean_is_the_clean_config(store: Store, tmp_path: Path) -> None:
    """--only-clean writes exactly the published clean config: no empty side (even with --include-empty),
    the duplicates rule applied (a2-0's sentence also has the accepted reference a2-r0; a2-0 is rejected
    here, so accept it to make it a duplicate the rule must drop)."""
    from bitext.publish import publish_dataset

    store.add_review("a2-0", "c", "accepted", at="t", before="The dog barks loudly today.",
                     after="The dog barks loudly today.", source="Kucing tidur.")
    publish_dataset(store, tmp_path / "ds", splits="100,0,0")
    clean = pq.read_table(tmp_path / "ds" / "data" / "clean").column("id").to_pylist()
    assert clean == ["a1-0", "a1-1", "a1-2", "a2-r0"]  # not a2-2 (no English), not a2-0 (duplicate of a2-r0)
    for fmt in ("jsonl", "tmx", "xliff"):
        res = export_pairs(store, fmt, tmp_path / f"c.{fmt}", PairFilter(only_clean=True), include_empty=True)
        assert res.pairs == len(clean) and res.empty_left_out == 0, fmt
    ids = [json.loads(line)["id"] for line in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ids == clean
    keep_both = export_pairs(store, "jsonl", tmp_path / "k.jsonl", PairFilter(only_clean=True), duplicates="keep-both")
    assert keep_both.pairs == len(clean) + 1


def test_moses_all_line_breaks_become_spaces(tmp_path: Path) -> None:
    store = build_store(tmp_path / "corpus", targets={"a1-0": "a\r\nb\rc\u2028d\u0085e"})
    export_pairs(store, "moses", tmp_path / "c", PairFilter(exclude_flags=("length_ratio", "lang_id")))
    lines = (tmp_path / "c.en").read_text(encoding="utf-8").split("\n")
    assert lines == ["a b c d e", "The cat sleeps.", ""]


def test_jsonl_exact(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    export_pairs(store, "jsonl", out, PairFilter(min_score=0.75))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1-0", "a1-1", "a2-r0"]
    assert rows[1] == {
        "id": "a1-1", "doc_id": "a1", "para_idx": 0, "sent_idx": 1, "tgt_idx": [0], "kind": "mt",
        "translation": {"id": SCRIPT_SRC, "en": EDITED_EN}, "mt": SCRIPT_MT, "bead_type": "1-1",
        "align_score": 0.8, "needs_review": False, "review_status": "edited",
        "reviewed_translation": EDITED_EN, "reviewer": "ana", "reviewed_at": "2025-02-02T10:00:00+00:00",
        "flags_before_review": ["length_ratio"], "needs_review_before_review": True,
        "scores": {"lang_id": 0.97, "length_ratio": 2.5}, "mt_logprob": -0.5, "errors": [], "review_reason": None,
    }
    assert out.read_text(encoding="utf-8").splitlines()[0] == (
        '{"id": "a1-0", "doc_id": "a1", "para_idx": 0, "sent_idx": 0, "tgt_idx": [0], "kind": "mt", "translation": '
        '{"id": "Halo dunia.", "en": "Hello world."}, "mt": "Hello world.", "bead_type": "1-1", "align_score": 0.9, '
        '"needs_review": false, "review_status": "pending", "reviewed_translation": null, "reviewer": null, '
        '"reviewed_at": null, "flags_before_review": [], "needs_review_before_review": false, '
        '"scores": {"lang_id": 0.99, "length_ratio": 1.0}, "mt_logprob": -0.25, "errors": [], "review_reason": null}'
    )


def test_tmx_parses_and_round_trips(tmp_path: Path) -> None:
    # XML-illegal control characters are dropped, CR survives
    store = build_store(tmp_path / "corpus", targets={"a1-0": "Hello\x00 wor\x1bld\r\n & <done>"})
    out = tmp_path / "x.tmx"
    res = export_pairs(store, "tmx", out, include_empty=True)
    assert res.pairs == 7
    root = ET.parse(out).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert {k: header.get(k) for k in ("srclang", "adminlang", "datatype", "segtype", "o-tmf", "creationtool")} == {
        "srclang": "id", "adminlang": "en", "datatype": "plaintext", "segtype": "sentence", "o-tmf": "bitext",
        "creationtool": "bitext",
    }
    assert header.get("creationtoolversion")
    # TMX 1.4b: props come before the tuvs inside a tu
    for tu in root.iter("tu"):
        tags = [c.tag for c in tu]
        assert tags == sorted(tags, key=lambda t: t != "prop") and tags[-2:] == ["tuv", "tuv"]

    back = read_tmx(out)
    expected = list(iter_pairs(store))
    assert [(t["tuid"], t["id"], t["en"]) for t in back] == [
        (r.id, r.source, clean_xml(r.target)) for r in expected
    ]
    assert back[0]["en"] == "Hello world\r\n & <done>" != expected[0].target
    props = back[1]["props"]
    assert props == {
        "x-doc-id": "a1", "x-kind": "mt", "x-bead-type": "1-1", "x-align-score": "0.8", "x-flags": "length_ratio",
        "x-score-lang_id": "0.97", "x-score-length_ratio": "2.5", "x-needs-review": "false", "x-needs-review-before-review": "true",
        "x-review-status": "edited",
    }
    assert back[1]["id"] == SCRIPT_SRC and back[1]["en"] == EDITED_EN
    assert "<script>" not in out.read_text(encoding="utf-8")  # escaped, never raw markup


def test_unknown_flag_and_format_are_usage_errors(store: Store, tmp_path: Path) -> None:
    with pytest.raises(BitextError) as exc:
        export_pairs(store, "tsv", tmp_path / "x.tsv", PairFilter(exclude_flags=("lenght_ratio",)))
    assert exc.value.exit_code == 2 and "lenght_ratio" in str(exc.value) and "length_ratio" in str(exc.value)
    with pytest.raises(BitextError) as exc:
        export_pairs(store, "xlsx", tmp_path / "x.xlsx")
    assert exc.value.exit_code == 2
    assert not (tmp_path / "x.tsv").exists()


def test_missing_store_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(BitextError) as exc:
        export_pairs(tmp_path / "nothing", "tsv", tmp_path / "x.tsv")
    assert exc.value.exit_code == 2 and "no corpus store" in str(exc.value)


def test_failed_export_keeps_previous_file(store: Store, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "x.jsonl"
    out.write_text("previous\n", encoding="utf-8")

    def boom(*args, **kwargs):
        yield next(iter_pairs(store))
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("bitext.formats.base.iter_pairs", boom)
    with pytest.raises(RuntimeError):
        export_pairs(store, "jsonl", out)
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_default_output_path(store: Store) -> None:
    res = export_pairs(store, "tsv")  # the default folder is ours: created
    assert res.paths == [store.path.parent / "export" / "bitext.id-en.tsv"]
    assert res.paths[0].read_text(encoding="utf-8").count("\n") == 1 + 6  # header + the pairs with both sides
    assert res.empty_left_out == 1


def test_dispatch_goes_through_the_registry(store: Store, tmp_path: Path, monkeypatch) -> None:
    """export_pairs hands the filtered records and the output path to the registered class."""
    calls = []

    class FakeXliff(EXPORTERS["xliff"]):
        def write(self, records, out):
            calls.append(([r.id for r in records], out))
            out.write_text("<xliff/>", encoding="utf-8")
            return [out]

    monkeypatch.setitem(EXPORTERS, "xliff", FakeXliff)
    res = export_pairs(store, "xliff", tmp_path / "x.xlf", PairFilter(only_clean=True, min_score=0.5))
    expected = ids(iter_pairs(store, PairFilter(only_clean=True, min_score=0.5)))
    assert res.pairs == len(expected) == 4
    assert calls == [(expected, tmp_path / "x.xlf")]
    assert res.paths == [tmp_path / "x.xlf"] and res.unchecked == 0


def test_cli_export(store: Store, tmp_path: Path, capsys) -> None:
    import argparse

    from bitext.cli import export as cli_export

    parser = argparse.ArgumentParser(prog="bitext")
    sub = parser.add_subparsers()
    cli_export.register(sub)
    out = tmp_path / "cli.tsv"
    args = parser.parse_args(
        ["export", str(store.path.parent), "--format", "tsv", "--out", str(out), "--only-clean",
         "--exclude-flag", "lang_id", "--min-score", "0.85"]
    )
    assert args.func(args) == 0
    assert [line.split("\t")[0] for line in out.read_text(encoding="utf-8").splitlines()] == [
        "id", "a1-0", "a2-r0",
    ]
    assert "2 pairs" in capsys.readouterr().out


def test_unchecked_pairs_are_not_clean_and_the_cli_warns(tmp_path: Path, capsys) -> None:
    from bitext.cli import main
    from bitext.records import unchecked_count

    # killed between align and flag: a2-2 and a2-r0 were never checked
    store = build_store(tmp_path / "corpus", unchecked={"a2-2", "a2-r0"})
    recs = {r.id: r for r in iter_pairs(store)}
    assert (recs["a2-2"].flagged, recs["a2-2"].needs_review, recs["a2-2"].clean) == (False, False, False)
    assert (recs["a2-r0"].review_status, recs["a2-r0"].clean) == ("accepted", False)
    assert unchecked_count(store) == 2
    assert ids(iter_pairs(store, PairFilter(only_clean=True))) == ["a1-0", "a1-1", "a1-2"]
    out = tmp_path / "c.tsv"
    assert main(["export", str(store.path.parent), "-f", "tsv", "-o", str(out), "--only-clean"]) == 0
    captured = capsys.readouterr()
    assert "bitext: warning: 2 pairs have not been checked yet; run 'bitext flag'" in captured.err
    assert "wrote 3 pairs" in captured.out


@pytest.mark.parametrize("fmt", ["tmx", "moses", "xliff", "csv"])
def test_unwritable_out_is_a_one_line_usage_error(store: Store, fmt: str, capsys) -> None:
    from bitext.cli import main

    with pytest.raises(BitextError) as exc:
        export_pairs(store, fmt, Path("/proc/nonexistent/y.out"))
    assert exc.value.exit_code == 2 and str(exc.value).startswith("/proc/nonexistent/y.out")
    assert main(["export", str(store.path.parent), "-f", fmt, "-o", "/proc/nonexistent/y.out"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bitext: error: /proc/nonexistent/y.out") and "Traceback" not in err


def test_out_folder_and_missing_folders(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    assert export_pairs(store, "tsv", folder).paths == [folder / "bitext.id-en.tsv"]
    assert export_pairs(store, "moses", folder).paths == [folder / "bitext.id-en.id", folder / "bitext.id-en.en"]
    assert export_pairs(store, "xliff", folder).paths == [folder / "bitext.id-en.xlf"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "bitext.id-en.en", "bitext.id-en.id", "bitext.id-en.tsv", "bitext.id-en.xlf"]
    deep = tmp_path / "new" / "sub" / "r.xlf"  # a missing folder is an error (a typo), unless parents
    with pytest.raises(BitextError, match=r"folder .*new/sub does not exist \(create it, or pass --parents\)"):
        export_pairs(store, "xliff", deep)
    assert not (tmp_path / "new").exists()
    assert export_pairs(store, "xliff", deep, parents=True).pairs == 7 and deep.is_file()
    assert export_pairs(store, "csv", tmp_path / "n2" / "r.csv", parents=True).pairs == 7
    with pytest.raises(BitextError) as exc:  # a folder given where a file must be (the atomic writer)
        from bitext.fileio import atomic_writer

        with atomic_writer(folder):
            pass
    assert exc.value.exit_code == 2 and "is a folder" in str(exc.value)
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


def test_cli_export_csv_round_trips_through_import_review(store: Store, tmp_path: Path, capsys) -> None:
    import csv

    from bitext.cli import main

    out = tmp_path / "sheet.csv"
    assert main(["export", str(store.path.parent), "--format", "csv", "--out", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["id"] for r in table] == ids(iter_pairs(store))
    assert {r["id"]: r["review_id"] for r in table}["a1-1"] == "2"  # the conflict marker
    capsys.readouterr()
    argv = ["import-review", str(out), "--corpus", str(store.path.parent), "--reviewer", "x"]
    assert main(argv) == 0
    assert "imported 0 edit(s), 0 accepted, 0 rejected, 7 unchanged, 0 conflict(s)/problem(s)" in capsys.readouterr().out
    table[0]["edited"] = "Hello, world."
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    assert main(argv) == 0
    assert next(r for r in iter_pairs(store) if r.id == "a1-0").target == "Hello, world."
