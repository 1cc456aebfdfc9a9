"""The hostile-user cases of issue 25: each one failed (traceback, wrong data, silence) before its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError
from bitext.formats.xliff import export_xliff
from bitext.ingest import ingest
from bitext.readers import read_file
from bitext.readers.base import RecordError
from bitext.store import Store
from bitext.testing import edit_csv
from tests.factories import CorpusBuilder
from tests.review.corpus import PAIRS, make_store, rewrite_pair, rows, set_target

ROOT = Path(__file__).resolve().parents[1]
GOOD = "Jakarta (ANTARA) - Harga beras naik 3,5 persen. Stok aman, kata dia.\n"


def bitext(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """The real CLI, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "bitext", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", **env})


# --------------------------------------------------------------------------------------------------
# Readers: a bad file or record is one line naming FILE[:LINE]; the good inputs of a folder still go in


def test_a_lone_surrogate_escape_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "ok", "text": "Kalimat baik."}\n'
                 '{"id": "bad", "text": "Kalimat \\ud800 rusak."}\n'
                 '{"id": "t", "text": "Kalimat.", "title": "Judul \\udfff"}\n', encoding="utf-8")
    out = list(read_file(f))
    assert [r.id for r in out if not isinstance(r, RecordError)] == ["ok"]
    assert [str(e) for e in out if isinstance(e, RecordError)] == [
        f"{f}:2: field 'text' holds a lone surrogate (\\ud800 at character 8), not valid Unicode; "
        "fix the escape in the file; skipped",
        f"{f}:3: field 'title' holds a lone surrogate (\\udfff at character 6), not valid Unicode; "
        "fix the escape in the file; skipped",
    ]


def _hostile_folder(src: Path) -> None:
    src.mkdir()
    (src / "good.txt").write_text(GOOD, encoding="utf-8")
    (src / "s.jsonl").write_text(json.dumps({"id": "s1", "text": "Kalimat \ud800 rusak."}) + "\n"
                                 + json.dumps({"id": "s2", "text": "Kalimat yang baik."}) + "\n", encoding="utf-8")
    (src / "latin.csv").write_bytes('id,text\nc1,"Caf\xe9 baru."\n'.encode("latin-1"))
    (src / "late-nul.txt").write_bytes(("Kalimat. " * 2000 + "\x00 lagi.").encode())
    (src / "p.html").write_bytes(b"<html><body><article><p>Berita \xff rusak.</p></article></body></html>")
    (src / "zw.txt").write_text("\u200b\u200c\ufeff\n\u2060\n", encoding="utf-8")
    (src / "dir.txt").mkdir()  # a folder with a reader's suffix: walked into, not read as a file
    (src / "dir.txt" / "inner.txt").write_text(GOOD.replace("beras", "gula"), encoding="utf-8")


def test_a_folder_with_bad_files_ingests_the_good_ones_and_reports_each_bad_one(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _hostile_folder(src)
    store = Store.open(tmp_path / "c")
    report = ingest(store, [src])
    assert sorted(store.article_ids()) == ["good", "inner", "s2"]
    assert sorted(p.replace(str(src), "SRC") for p in report.problems) == [
        "SRC/late-nul.txt:1: NUL byte in the text (a damaged or binary file?); remove it; skipped",
        "SRC/latin.csv:2: not UTF-8 (byte 0xe9); convert it (e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1",
        "SRC/p.html:1: not UTF-8 (byte 0xff); convert it (e.g. iconv -f latin1 -t utf-8) or pass --encoding latin-1",
        "SRC/s.jsonl:1: field 'text' holds a lone surrogate (\\ud800 at character 8), not valid Unicode; "
        "fix the escape in the file; skipped",
    ]
    assert [w.replace(str(src), "SRC") for w in report.warnings] == [
        "SRC/zw.txt: no sentences (only invisible characters such as zero-width spaces, or only a dateline); "
        "skipped"]
    assert (report.added, report.skipped) == (3, 1)


def test_the_cli_on_a_hostile_folder_is_one_line_per_bad_file_and_exit_1(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _hostile_folder(src)
    r = bitext("segment", str(src), "--out", str(tmp_path / "c"))
    assert "Traceback" not in r.stderr
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 5  # four errors, one warning
    assert r.stdout.startswith("segment: 3 added, 0 changed, 0 unchanged, 1 skipped, 4 errors")


def test_an_unreadable_file_inside_a_folder_is_reported_and_skipped(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads a chmod-000 file anyway, so the permission error is made where it happens.
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    locked = src / "b.txt"
    locked.write_text(GOOD, encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    store = Store.open(tmp_path / "c")
    report = ingest(store, [src])
    assert store.article_ids() == ["a"]
    assert report.problems == (f"{locked}: cannot read (Permission denied)",)


def test_zero_width_only_text_is_not_stored_and_a_changed_article_keeps_its_old_sentences(tmp_path: Path) -> None:
    f = tmp_path / "z.txt"
    f.write_text(GOOD, encoding="utf-8")
    store = Store.open(tmp_path / "c")
    ingest(store, [f])
    before = [s["text"] for s in store.sentences("z")]
    f.write_text("\u200b \u200d\n", encoding="utf-8")
    report = ingest(store, [f])
    assert (report.added, report.changed, report.skipped) == (0, 0, 1)
    assert [s["text"] for s in store.sentences("z")] == before
    assert store.article("z")["raw_text"] == GOOD


# --------------------------------------------------------------------------------------------------
# import-review: a file from another corpus with the same article names never edits unrelated sentences


def _other_corpus(folder: Path) -> Store:
    """Same article names and pair ids as tests.review.corpus, same English, other Indonesian; and one
    1-0 pair (empty English) in both corpora, with different Indonesian."""
    b = CorpusBuilder(folder)
    for aid in ("a1", "a2", "a3"):
        b.article(aid)
    for pid, aid, idx, src, tgt, _ in PAIRS:
        b.pair(pid, "Kalimat lain: " + src[::-1], tgt, article_id=aid, bead_idx=idx)
    b.pair("a3:mt:0", "Kalimat tanpa terjemahan di korpus lain.", "", bead_type="1-0")
    return b.store


@pytest.fixture
def two_corpora(tmp_path: Path):
    ours = make_store(tmp_path / "ours")
    b = CorpusBuilder(ours)
    b.article("a3")
    b.pair("a3:mt:0", "Kalimat kami yang belum diterjemahkan.", "", bead_type="1-0")
    theirs = _other_corpus(tmp_path / "theirs")
    for s in (ours, theirs):
        s.corpus_id(create=True)
    yield ours, theirs
    ours.close()
    theirs.close()


def _edit_all_csv(path: Path) -> None:
    edit_csv(path, lambda rows: [{**r, "edited": f"Edited English for {r['id']}."} for r in rows])


def _edit_all_xliff(path: Path) -> None:
    for pid in [p[0] for p in PAIRS] + ["a3:mt:0"]:
        set_target(path, pid, f"Edited English for {pid}.")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xliff"])
def test_another_corpus_export_is_refused_as_a_whole(two_corpora, tmp_path: Path, fmt: str) -> None:
    ours, theirs = two_corpora
    path = tmp_path / f"theirs.{'xlf' if fmt == 'xliff' else fmt}"
    if fmt == "xliff":
        export_xliff(theirs, path)
        _edit_all_xliff(path)
    else:
        review.export_review_csv(theirs, path)
        if fmt == "csv":
            _edit_all_csv(path)
        else:  # the TSV sheet: edit every row's 'edited' cell in place
            lines = path.read_text(encoding="utf-8").splitlines()
            cells = [ln.split("\t") for ln in lines]
            for c in cells[1:]:
                c[3] = f"Edited English for {c[0]}."
            path.write_text("\n".join("\t".join(c) for c in cells) + "\n", encoding="utf-8")
    with pytest.raises(BitextError, match=rf"{path.name}: exported from another corpus \(id {theirs.corpus_id()};"
                                          r".*pass --force-corpus"):
        review.import_review(ours, path, reviewer="x")
    assert rows(ours) == []
    # Forced: every row is still compared with the pair's Indonesian, and none matches.
    res = review.import_review(ours, path, reviewer="x", force_corpus=True)
    assert res.applied == [] and rows(ours) == []
    assert len(res.problems) == 7
    assert all("is not this corpus's" in p and p.endswith("edit not imported") for p in res.problems)
    assert any("'a3:mt:0'" in p for p in res.problems)  # the 1-0 pair too


def test_a_sheet_without_the_corpus_column_is_checked_row_by_row(two_corpora, tmp_path: Path) -> None:
    ours, theirs = two_corpora
    path = tmp_path / "theirs.csv"
    review.export_review_csv(theirs, path)
    _edit_all_csv(path)

    def drop_corpus(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows = [{k: v for k, v in r.items() if k != "corpus"} for r in rows]
        # One row carries our own Indonesian (with a spreadsheet's extra spaces): that edit is ours to apply.
        rows[1]["source"] = "  " + PAIRS[1][3].replace(" ", "  ") + " "
        return rows

    edit_csv(path, drop_corpus)
    res = review.import_review(ours, path, reviewer="x")
    assert len(res.applied) == 1 and len(res.problems) == 6
    assert review.get_item(ours, "a1:mt:1").target == "Edited English for a1:mt:1."
    assert f"{path}:2: pair 'a1:mt:0': the file's Indonesian 'Kalimat lain: .urab natabmej nugnabmem …' is not " \
           "this corpus's 'Pemerintah membangun jembatan baru.' (another corpus's file, or re-segmented since); " \
           "edit not imported" in res.problems


def test_own_exports_still_round_trip_and_carry_the_corpus_id(two_corpora, tmp_path: Path) -> None:
    ours, _ = two_corpora
    csv_path, xlf = tmp_path / "ours.csv", tmp_path / "ours.xlf"
    review.export_review_csv(ours, csv_path)
    export_xliff(ours, xlf)
    assert ours.corpus_id() in xlf.read_text(encoding="utf-8")
    _edit_all_csv(csv_path)
    res = review.import_review(ours, csv_path, reviewer="x")
    assert (len(res.applied), res.problems) == (7, [])


def test_the_cli_refuses_another_corpus_in_one_line(two_corpora, tmp_path: Path) -> None:
    ours, theirs = two_corpora
    path = tmp_path / "theirs.csv"
    review.export_review_csv(theirs, path)
    _edit_all_csv(path)
    r = bitext("import-review", str(path), "--corpus", str(ours.path.parent), "--reviewer", "x")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "exported from another corpus" in r.stderr
    r = bitext("import-review", str(path), "--corpus", str(ours.path.parent), "--reviewer", "x", "--force-corpus")
    assert r.returncode == 1 and r.stdout.strip().endswith("imported 0 edit(s), 0 accepted, 0 rejected, 0 unchanged, 7 conflict(s)/problem(s)")


def test_the_review_sheet_shows_stale_decisions(tmp_path: Path) -> None:
    store = make_store(tmp_path / "c")
    review.decide(store, "a1:mt:1", "accepted", reviewer="ana")
    rewrite_pair(store, "a1:mt:1", source="Jembatan itu sepanjang 300 meter.")
    path = tmp_path / "s.csv"
    review.export_review_csv(store, path)
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        stale = {r["id"]: r["stale"] for r in csv.DictReader(fh)}
    assert stale == {p[0]: "yes" if p[0] == "a1:mt:1" else "" for p in PAIRS}


# --------------------------------------------------------------------------------------------------
# A huge single-line article: memory linear and small, and a documented cap


def test_segmenting_a_four_megabyte_line_allocates_a_few_bytes_per_character() -> None:
    import tracemalloc

    from bitext.segment import segment_text

    raw = "Jakarta (ANTARA) - " + "Harga beras naik 3,5 persen pada pukul 10.00 WIB kata Dr. Budi. " * 62500
    tracemalloc.start()
    try:
        result = segment_text(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.sentences) == 62500
    # Before: ~200 bytes per character (a list of ints per step; 10.5 GiB for 50 MB). Now ~10.
    assert peak < 30 * len(raw), f"{peak / len(raw):.0f} bytes per character"


def test_an_article_over_the_size_limit_is_refused_saying_how_to_raise_it(tmp_path: Path) -> None:
    f = tmp_path / "huge.txt"
    f.write_text(GOOD * 30000, encoding="utf-8")  # 2.1 million characters
    store = Store.open(tmp_path / "c")
    report = ingest(store, [f], max_article_mb=2)
    assert report.problems == (f"{f}: article of 2.1 million characters, over the limit of 2 million; split it "
                               "into articles, or raise the limit with --max-article-mb 3; skipped",)
    assert store.article_ids() == []
    assert ingest(store, [f], max_article_mb=3).added == 1
    r = bitext("segment", str(f), "--out", str(tmp_path / "c2"), "--max-article-mb", "1.5")
    assert r.returncode == 1 and r.stderr.strip().endswith("--max-article-mb 3; skipped")


# --------------------------------------------------------------------------------------------------
# A bitext.sqlite that is not a bitext store: a true diagnosis and the real remedy, never "run doctor"


def _not_a_store(folder: Path, kind: str) -> Path:
    import sqlite3

    folder.mkdir()
    db = folder / "bitext.sqlite"
    if kind == "empty":
        db.write_bytes(b"")
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER, total REAL)")
    return db


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_doctor_and_status_name_a_file_that_is_not_a_bitext_store(tmp_path: Path, kind: str) -> None:
    db = _not_a_store(tmp_path / "c", kind)
    before = db.read_bytes()
    what = ("an empty file (0 bytes), not a bitext store (nothing to read): restore the store if you have a copy, "
            f"or run 'bitext segment INPUTS --out {db.parent}' to make the corpus") if kind == "empty" else (
            "an SQLite database of something else (tables: invoices), not a bitext store: move it away, then run "
            f"'bitext segment INPUTS --out {db.parent}'")
    doc = bitext("doctor", str(db.parent))
    assert doc.returncode == 1 and f"PROBLEM {db}: {what}" in doc.stdout.splitlines()
    assert "doctor" not in doc.stderr
    st = bitext("status", str(db.parent))
    assert (st.returncode, st.stderr) == (2, f"bitext: error: {db}: {what}\n")
    imp = bitext("import-review", str(tmp_path / "x.csv"), "--corpus", str(db.parent), "--reviewer", "r")
    assert imp.returncode == 2 and "not a bitext store" in imp.stderr
    assert db.read_bytes() == before  # nothing was written into it


def test_segment_makes_a_corpus_of_an_empty_store_file_but_not_of_another_database(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text(GOOD, encoding="utf-8")
    empty = _not_a_store(tmp_path / "e", "empty")
    assert bitext("segment", str(src), "--out", str(empty.parent)).returncode == 0
    foreign = _not_a_store(tmp_path / "f", "foreign")
    r = bitext("segment", str(src), "--out", str(foreign.parent))
    assert r.returncode == 2 and "an SQLite database of something else (tables: invoices)" in r.stderr


# --------------------------------------------------------------------------------------------------
# --ray-address that answers but is no Ray cluster; --workers rules


def test_a_ray_address_that_is_not_ray_fails_in_one_line_without_rays_own_output(tmp_path: Path) -> None:
    import socket
    import threading

    pytest.importorskip("ray")
    server = socket.socket()
    server.bind(("0.0.0.0", 0))  # Ray dials the node's own address for 127.0.0.1
    server.listen(16)
    port = server.getsockname()[1]

    def answer() -> None:  # accepts every connection and closes it: TCP answers, gRPC never does
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    src = tmp_path / "a.txt"
    src.write_text(GOOD, encoding="utf-8")
    assert bitext("segment", str(src), "--out", str(tmp_path / "c")).returncode == 0
    try:
        # Before: Ray's C++ warnings once a second, and no end in sight (30 s per attempt, 20 attempts).
        r = bitext("translate", str(tmp_path / "c"), "--engine", "ray", "--ray-address", f"127.0.0.1:{port}",
                   "--model", str(tmp_path / "no-model"), BITEXT_RAY_CONNECT_TIMEOUT="3")
    finally:
        server.close()
    assert r.returncode == 2
    assert r.stderr.splitlines() == [f"bitext: error: --ray-address 127.0.0.1:{port}: no Ray cluster answered within "
                                     "3 s (is it a Ray head's GCS port, 6379 by default? "
                                     "BITEXT_RAY_CONNECT_TIMEOUT=SECONDS waits longer)"]


@pytest.mark.parametrize(("command", "value", "minimum"), [
    ("translate", "0", 1), ("translate", "-1", 1), ("run", "0", 1), ("flag", "-1", 0), ("flag", "x", 0)])
def test_workers_out_of_range_is_refused_the_same_way_everywhere(tmp_path: Path, command: str, value: str,
                                                                 minimum: int) -> None:
    args = [command, str(tmp_path / "in.txt"), "--out", str(tmp_path / "c")] if command == "run" else \
        [command, str(tmp_path / "c")]
    r = bitext(*args, "--workers", value)
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == (f"bitext {command}: error: argument --workers: {value!r}: must be a whole "
                                         f"number, at least {minimum}")
