"""Review API: decisions as append-only history, conflicts, undo, queue, progress, XLIFF/CSV round trips."""

from __future__ import annotations

import argparse
import csv
import socket
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError, Conflict
from bitext.review import decide, history, queue, review_progress, undo
from bitext.store import Store
from bitext.xliff import MDA_NS, XLIFF_NS, export_xliff

X = f"{{{XLIFF_NS}}}"

# (pair id, article, bead, source, target, align score)
PAIRS = [
    ("a1:mt:0", "a1", 0, "Pemerintah membangun jembatan baru.", "The government builds a new bridge.", 0.91),
    ("a1:mt:1", "a1", 1, "Jembatan itu sepanjang 200 meter.", "The bridge is 200 meters long and very wide.", 0.55),
    ("a1:mt:2", "a1", 2, "Warga menyambut baik.", "Residents welcomed it.", 0.88),
    ("a2:mt:0", "a2", 0, "Harga beras naik 10 persen.", "Harga beras naik 10 persen.", 0.20),
    ("a2:mt:1", "a2", 1, "Kode <script>alert(1)</script> dan 50%_diskon.", "Code <script>alert(1)</script> and 50%_off.",
     0.80),
    ("a2:mt:2", "a2", 2, "Pasar ramai.", "The market is busy.", None),
]
# (pair id, check, fired, severity, score, reason)
FLAGS = [
    ("a1:mt:1", "length_ratio", 1, "warning", 1.6, "target 1.6x longer than expected"),
    ("a1:mt:2", "number_mismatch", 1, "info", 0.0, "no numbers"),
    ("a2:mt:0", "untranslated", 1, "error", 1.0, "target equals source"),
    ("a2:mt:0", "length_ratio", 1, "warning", 1.0, "ok-ish"),
    ("a2:mt:2", "length_ratio", 0, "warning", 1.0, None),
    # Checks ran on every pair: a pair without pair_flags rows is never clean (not checked yet).
    ("a1:mt:0", "length_ratio", 0, "warning", 1.0, None),
    ("a2:mt:1", "length_ratio", 0, "warning", 1.0, None),
]


def make_store(folder: Path) -> Store:
    """A tiny corpus filled with SQL: two articles, six pairs, some flags."""
    store = Store.open(folder)
    with store.tx() as c:
        for aid in ("a1", "a2"):
            c.execute(
                "INSERT INTO articles(id, source_path, title, raw_text, content_hash, segmenter, ingested_at)"
                " VALUES (?, ?, ?, '', '', 'test', '2024-01-01')",
                (aid, f"{aid}.txt", f"Article {aid}"),
            )
        for pid, aid, idx, src, tgt, score in PAIRS:
            c.execute(
                "INSERT INTO pairs(id, article_id, kind, bead_idx, src_ids, tgt_idx, source, target, mt, bead_type,"
                " align_score, created_at) VALUES (?, ?, 'mt', ?, '[]', '[]', ?, ?, ?, '1-1', ?, '2024-01-01')",
                (pid, aid, idx, src, tgt, tgt, score),
            )
        c.executemany("INSERT INTO pair_flags(pair_id, check_name, fired, severity, score, reason) VALUES (?,?,?,?,?,?)",
                      FLAGS)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with make_store(tmp_path / "corpus") as s:
        yield s


def rows(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute("SELECT * FROM reviews ORDER BY id")]


# -- decisions ------------------------------------------------------------------------------


def test_decide_writes_one_row_per_decision(store: Store) -> None:
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana", comment="  fine \n")
    (r,) = history(store, "a1:mt:0")
    assert r["id"] == rid
    assert (r["reviewer"], r["status"], r["before"], r["after"], r["comment"], r["parent_id"]) == (
        "ana", "accepted", PAIRS[0][4], PAIRS[0][4], "fine", None)
    assert r["source"] == PAIRS[0][3]

    rid2 = decide(store, "a1:mt:0", "edited", reviewer="budi", after=" The government\nbuilds a bridge. ",
                  parent_id=rid)
    h = history(store, "a1:mt:0")
    assert [x["id"] for x in h] == [rid, rid2]
    assert (h[1]["status"], h[1]["before"], h[1]["after"], h[1]["parent_id"]) == (
        "edited", PAIRS[0][4], "The government builds a bridge.", rid)
    assert review.get_item(store, "a1:mt:0").target == "The government builds a bridge."
    assert review.get_item(store, "a1:mt:0").original_target == PAIRS[0][4]

    # reject keeps the current English as 'after'
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    assert history(store, "a1:mt:0")[-1]["after"] == "The government builds a bridge."
    assert review.get_item(store, "a1:mt:0").status == "rejected"


def test_accept_with_changed_text_is_an_edit_and_edit_without_change_is_accept(store: Store) -> None:
    decide(store, "a1:mt:2", "accepted", reviewer="ana", after="Residents welcomed the bridge.")
    assert history(store, "a1:mt:2")[-1]["status"] == "edited"
    decide(store, "a1:mt:0", "edited", reviewer="ana", after=PAIRS[0][4] + "  ")
    assert history(store, "a1:mt:0")[-1]["status"] == "accepted"


def test_decide_rejects_bad_input(store: Store) -> None:
    with pytest.raises(BitextError, match="no such pair"):
        decide(store, "nope", "accepted", reviewer="ana")
    with pytest.raises(BitextError, match="unknown decision"):
        decide(store, "a1:mt:0", "pending", reviewer="ana")
    with pytest.raises(BitextError, match="reviewer name"):
        decide(store, "a1:mt:0", "accepted", reviewer=" ")
    with pytest.raises(BitextError, match="empty; reject"):
        decide(store, "a1:mt:0", "edited", reviewer="ana", after=" \n ")
    assert rows(store) == []


def test_stale_parent_raises_conflict_and_writes_nothing(store: Store) -> None:
    first = decide(store, "a1:mt:1", "accepted", reviewer="ana", parent_id=0)
    before = rows(store)
    # budi opened the pair before ana saved (saw no review: parent 0)
    with pytest.raises(Conflict) as exc:
        decide(store, "a1:mt:1", "edited", reviewer="budi", after="The bridge is 200 m long.", parent_id=0)
    assert exc.value.current["id"] == first
    assert exc.value.current["reviewer"] == "ana"
    assert exc.value.pair_id == "a1:mt:1"
    assert "changed since it was opened" in str(exc.value)
    assert rows(store) == before
    # with the right parent the save goes through
    second = decide(store, "a1:mt:1", "edited", reviewer="budi", after="The bridge is 200 m long.", parent_id=first)
    assert history(store, "a1:mt:1")[-1]["id"] == second
    # a parent that never existed conflicts too
    with pytest.raises(Conflict):
        decide(store, "a1:mt:1", "accepted", reviewer="ana", parent_id=first)


def test_resubmitted_form_is_not_a_conflict(store: Store) -> None:
    rid = decide(store, "a1:mt:0", "edited", reviewer="ana", after="New text.", parent_id=0)
    assert decide(store, "a1:mt:0", "edited", reviewer="ana", after="New text.", parent_id=0) == rid
    assert len(history(store, "a1:mt:0")) == 1
    with pytest.raises(Conflict):  # same parent but a different decision: a real conflict
        decide(store, "a1:mt:0", "edited", reviewer="ana", after="Other text.", parent_id=0)


def test_undo_restores_previous_state(store: Store) -> None:
    with pytest.raises(BitextError, match="nothing to undo"):
        undo(store, "a1:mt:0", reviewer="ana")
    r1 = decide(store, "a1:mt:0", "accepted", reviewer="ana")
    r2 = decide(store, "a1:mt:0", "edited", reviewer="ana", after="Edited.", comment="typo")
    r3 = decide(store, "a1:mt:0", "rejected", reviewer="ana", comment="bad")
    u1 = undo(store, "a1:mt:0", reviewer="budi", parent_id=r3)
    h = history(store, "a1:mt:0")
    assert [r["id"] for r in h] == [r1, r2, r3, u1]
    assert (h[-1]["status"], h[-1]["after"], h[-1]["comment"], h[-1]["reviewer"], h[-1]["parent_id"]) == (
        "edited", "Edited.", "typo", "budi", r3)
    # undo of an undo redoes
    undo(store, "a1:mt:0", reviewer="budi")
    assert history(store, "a1:mt:0")[-1]["status"] == "rejected"
    # undo of a first decision gives 'pending' with the aligned target
    r = decide(store, "a1:mt:2", "edited", reviewer="ana", after="Something else.")
    undo(store, "a1:mt:2", reviewer="ana", parent_id=r)
    last = history(store, "a1:mt:2")[-1]
    assert (last["status"], last["before"], last["after"]) == ("pending", "Something else.", None)
    item = review.get_item(store, "a1:mt:2")
    assert (item.status, item.target) == ("pending", PAIRS[2][4])
    with pytest.raises(Conflict):
        undo(store, "a1:mt:2", reviewer="ana", parent_id=r)


def test_history_is_append_only(store: Store) -> None:
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    snapshot = rows(store)
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="X.")
    undo(store, "a1:mt:0", reviewer="ana")
    after = rows(store)
    assert after[: len(snapshot)] == snapshot
    assert len(after) == 3


def test_decision_survives_a_new_connection(tmp_path: Path) -> None:
    s = make_store(tmp_path / "c")
    rid = decide(s, "a1:mt:0", "accepted", reviewer="ana")
    # synchronous is restored after the durable write
    assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    s.close()
    raw = sqlite3.connect(tmp_path / "c" / "bitext.sqlite")
    assert raw.execute("SELECT id, status FROM reviews").fetchall() == [(rid, "accepted")]
    raw.close()


# -- queue and progress ---------------------------------------------------------------------


def ids(items: list[review.QueueItem]) -> list[str]:
    return [i.id for i in items]


def test_queue_order_by_severity_then_article(store: Store) -> None:
    q = queue(store)
    assert ids(q) == ["a2:mt:0", "a1:mt:1", "a1:mt:2", "a1:mt:0", "a2:mt:1", "a2:mt:2"]
    assert (q[0].severity, q[0].flags) == ("error", ("untranslated", "length_ratio"))
    assert (q[3].severity, q[3].flags, q[3].status, q[3].review_id, q[3].parent_id) == (None, (), "pending", None, 0)
    assert ids(queue(store, limit=2, offset=1)) == ["a1:mt:1", "a1:mt:2"]
    assert ids(queue(store, after="a1:mt:2", limit=2)) == ["a1:mt:0", "a2:mt:1"]
    assert ids(queue(store, after="a2:mt:2")) == []


def test_queue_filters(store: Store) -> None:
    assert ids(queue(store, flag="length_ratio")) == ["a2:mt:0", "a1:mt:1"]  # fired only
    assert ids(queue(store, flag="any")) == ["a2:mt:0", "a1:mt:1", "a1:mt:2"]
    assert ids(queue(store, flag="none")) == ["a1:mt:0", "a2:mt:1", "a2:mt:2"]
    assert ids(queue(store, article="a2")) == ["a2:mt:0", "a2:mt:1", "a2:mt:2"]
    assert ids(queue(store, search="JEMBATAN")) == ["a1:mt:1", "a1:mt:0"]
    assert ids(queue(store, search="50%_")) == ["a2:mt:1"]
    assert ids(queue(store, search="%")) == ["a2:mt:1"]  # a literal percent sign, not a wildcard
    assert ids(queue(store, search="a1:mt:2")) == ["a1:mt:2"]
    decide(store, "a1:mt:1", "accepted", reviewer="ana")
    decide(store, "a2:mt:2", "edited", reviewer="ana", after="The market is crowded.")
    assert ids(queue(store, status="pending")) == ["a2:mt:0", "a1:mt:2", "a1:mt:0", "a2:mt:1"]
    assert ids(queue(store, status="accepted")) == ["a1:mt:1"]
    assert ids(queue(store, search="crowded")) == ["a2:mt:2"]  # searches the current English
    assert ids(queue(store, flag="any", status="pending", article="a1")) == ["a1:mt:2"]
    assert review.queue_count(store, status="pending") == 4
    with pytest.raises(BitextError, match="unknown review status"):
        queue(store, status="done")
    with pytest.raises(BitextError, match="no such pair"):
        queue(store, after="zzz")


def test_neighbours_and_flags(store: Store) -> None:
    item = review.get_item(store, "a1:mt:1")
    before, after = review.neighbours(store, item)
    assert ids(before) == ["a1:mt:0"] and ids(after) == ["a1:mt:2"]
    assert [(f["check_name"], f["fired"]) for f in review.pair_flags(store, "a2:mt:0")] == [
        ("untranslated", 1), ("length_ratio", 1)]
    assert review.flag_counts(store) == [
        ("untranslated", "error", 1), ("length_ratio", "warning", 2), ("number_mismatch", "info", 1)]
    assert review.get_item(store, "missing") is None


def test_review_progress(store: Store) -> None:
    assert review_progress(store) == {
        "pairs": 6, "reviewed": 0, "accepted": 0, "edited": 0, "rejected": 0, "pending": 6, "needs_review": 2}
    decide(store, "a2:mt:0", "rejected", reviewer="ana")
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    decide(store, "a1:mt:2", "edited", reviewer="ana", after="They welcomed it.")
    r = decide(store, "a2:mt:1", "accepted", reviewer="ana")
    undo(store, "a2:mt:1", reviewer="ana", parent_id=r)
    # a review of a pair that no longer exists is not counted
    with store.tx() as c:
        c.execute("INSERT INTO reviews(pair_id, reviewer, at, status) VALUES ('gone', 'x', 'now', 'accepted')")
    assert review_progress(store) == {
        "pairs": 6, "reviewed": 3, "accepted": 1, "edited": 1, "rejected": 1, "pending": 3, "needs_review": 1}


# -- XLIFF round trip -----------------------------------------------------------------------


def set_target(path: Path, unit_id: str, text: str) -> None:
    tree = ET.parse(path)
    for unit in tree.getroot().iter(f"{X}unit"):
        if unit.get("id") == unit_id:
            unit.find(f"{X}segment/{X}target").text = text
            break
    else:
        raise AssertionError(unit_id)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def test_export_xliff_structure(store: Store, tmp_path: Path) -> None:
    decide(store, "a1:mt:2", "accepted", reviewer="ana", comment="ok <b>")
    path = tmp_path / "out.xlf"
    assert export_xliff(store, path) == 6
    root = ET.parse(path).getroot()
    assert root.tag == f"{X}xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.1", "id", "en")
    files = root.findall(f"{X}file")
    assert [f.get("original") for f in files] == ["a1", "a2"]
    units = {u.get("id"): u for u in root.iter(f"{X}unit")}
    assert list(units) == [p[0] for p in PAIRS]
    u = units["a2:mt:0"]
    notes = [(n.get("category"), n.get("priority"), n.text) for n in u.iter(f"{X}note")]
    assert notes == [("flag", "1", "untranslated (error, score 1): target equals source"),
                     ("flag", "3", "length_ratio (warning, score 1): ok-ish")]
    meta = {m.get("type"): m.text for m in u.iter(f"{{{MDA_NS}}}meta")}
    assert meta["review_id"] == "0" and meta["status"] == "pending" and len(meta["target_sha256"]) == 64
    seg = units["a1:mt:2"].find(f"{X}segment")
    assert (seg.get("state"), seg.get("subState")) == ("reviewed", "bitext:accepted")
    assert [n.text for n in units["a1:mt:2"].iter(f"{X}note")][-1] == "ok <b>"
    # markup in text is escaped, and comes back as the same text
    assert units["a2:mt:1"].find(f"{X}segment/{X}source").text == PAIRS[4][3]
    assert "<script>" not in path.read_text(encoding="utf-8")


def test_export_xliff_filters(store: Store, tmp_path: Path) -> None:
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    path = tmp_path / "f.xlf"

    def unit_ids() -> list[str]:
        return [u.get("id") for u in ET.parse(path).getroot().iter(f"{X}unit")]

    assert export_xliff(store, path, only_clean=True) == 3
    assert unit_ids() == ["a1:mt:2", "a2:mt:1", "a2:mt:2"]  # info flags are clean; rejected is not
    export_xliff(store, path, min_score=0.8)
    assert unit_ids() == ["a1:mt:0", "a1:mt:2", "a2:mt:1"]
    export_xliff(store, path, exclude_flags=["length_ratio", "number_mismatch"])
    assert unit_ids() == ["a1:mt:0", "a2:mt:1", "a2:mt:2"]


def test_xliff_round_trip(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "rt.xlf"
    export_xliff(store, path)
    # unchanged file: nothing happens
    res = review.import_review(store, path, reviewer="cat")
    assert (res.applied, res.unchanged, res.problems) == ([], 6, [])
    assert rows(store) == []

    set_target(path, "a1:mt:1", "The bridge is 200 meters long.")
    set_target(path, "a2:mt:1", "Code <script>alert(2)</script> and 50% off.")
    res = review.import_review(store, path, reviewer="cat", dry_run=True)
    assert (len(res.applied), res.problems) == (2, [])
    assert rows(store) == []
    res = review.import_review(store, path, reviewer="cat")
    assert res.problems == [] and res.unchanged == 4 and len(res.applied) == 2
    h = history(store, "a1:mt:1")
    assert [(r["status"], r["reviewer"], r["before"], r["after"]) for r in h] == [
        ("edited", "cat", PAIRS[1][4], "The bridge is 200 meters long.")]
    assert review.get_item(store, "a2:mt:1").target == "Code <script>alert(2)</script> and 50% off."
    # importing the same file again changes nothing and reports nothing
    res = review.import_review(store, path, reviewer="cat")
    assert (res.applied, res.problems) == ([], [])
    assert len(rows(store)) == 2


def test_xliff_conflict_and_unknown_id(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.xlf"
    export_xliff(store, path)
    decide(store, "a1:mt:0", "accepted", reviewer="ana")  # reviewed after the export
    set_target(path, "a1:mt:0", "A new bridge is built by the government.")
    set_target(path, "a1:mt:2", "Residents were glad.")
    tree = ET.parse(path)
    first = tree.getroot().find(f"{X}file/{X}unit")  # a1:mt:0 -> an unknown id
    first.set("id", "ghost")
    first.set("name", "ghost")
    tree.write(path, encoding="utf-8", xml_declaration=True)
    res = review.import_review(store, path, reviewer="cat")
    assert res.problems == [f"{path}: unit 'ghost': unknown pair id 'ghost' (not in {store.path})"]

    export_xliff(store, path)
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Ana's version.")
    set_target(path, "a1:mt:0", "Cat's version.")
    res = review.import_review(store, path, reviewer="cat")
    assert len(res.problems) == 1
    assert res.problems[0].startswith(f"{path}: unit 'a1:mt:0': pair 'a1:mt:0' changed since export (now edited by ana")
    assert review.get_item(store, "a1:mt:0").target == "Ana's version."


def test_xliff_ids_that_are_not_nmtokens(store: Store, tmp_path: Path) -> None:
    from bitext.xliff import pair_id_of, unit_id

    odd = ["a1:0.1+0.2", "art 7/ü:0", "x6869"]  # '+', space, '/', non-ASCII; one that looks encoded
    for pid in odd:
        assert pair_id_of(ET.Element("unit", {"id": unit_id(pid)})) == pid
    assert unit_id("a1:0.1") == "a1:0.1"
    with store.tx() as c:
        c.execute("DELETE FROM pair_flags WHERE pair_id = 'a1:mt:0'")  # its rows would block renaming the id
        c.execute("UPDATE pairs SET id = ? WHERE id = 'a1:mt:0'", (odd[0],))
    path = tmp_path / "odd.xlf"
    export_xliff(store, path)
    unit = next(ET.parse(path).getroot().iter(f"{X}unit"))
    assert (unit.get("id"), unit.get("name")) == ("x" + odd[0].encode().hex(), odd[0])
    set_target(path, unit.get("id"), "Edited odd one.")
    res = review.import_review(store, path, reviewer="cat")
    assert (res.problems, len(res.applied)) == ([], 1)
    assert review.get_item(store, odd[0]).target == "Edited odd one."


def test_xliff_bad_files(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlf"
    bad.write_text("<xliff><unit></xliff>", encoding="utf-8")
    with pytest.raises(BitextError, match=r"bad\.xlf:1:\d+: not well-formed XML"):
        review.import_review(store, bad, reviewer="cat")
    bad.write_text('<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"/>', encoding="utf-8")
    with pytest.raises(BitextError, match="not an XLIFF 2 file"):
        review.import_review(store, bad, reviewer="cat")
    bad.write_text(f'<xliff xmlns="{XLIFF_NS}" version="2.1" srcLang="ms" trgLang="en-US"/>', encoding="utf-8")
    with pytest.raises(BitextError, match="languages are ms->en-US; expected id->en"):
        review.import_review(store, bad, reviewer="cat")
    bad.write_text(f'<xliff xmlns="{XLIFF_NS}" version="2.0" srcLang="id-ID" trgLang="en-US"/>', encoding="utf-8")
    assert review.import_review(store, bad, reviewer="cat").problems == []
    path = tmp_path / "inline.xlf"
    export_xliff(store, path)
    tree = ET.parse(path)
    target = next(tree.getroot().iter(f"{X}target"))
    ET.SubElement(target, f"{X}ph", {"id": "1"})
    tree.write(path, encoding="utf-8", xml_declaration=True)
    res = review.import_review(store, path, reviewer="cat")
    assert res.problems == [f"{path}: unit 'a1:mt:0': target has inline markup (<ph>); only plain text can be imported"]


# -- CSV / TSV round trip -------------------------------------------------------------------


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def write_csv(path: Path, table: list[dict[str, str]], delimiter: str = ",") -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(table)


def test_csv_round_trip(store: Store, tmp_path: Path) -> None:
    decide(store, "a1:mt:2", "accepted", reviewer="ana")
    path = tmp_path / "pairs.csv"
    assert review.export_review_csv(store, path) == 6
    table = read_csv(path)
    assert list(table[0]) == list(review.CSV_COLUMNS)
    assert [r["id"] for r in table] == [p[0] for p in PAIRS]
    assert table[2]["review_id"] != "" and table[0]["review_id"] == ""
    assert table[4]["source"] == PAIRS[4][3]
    res = review.import_review(store, path, reviewer="sheet")
    assert (res.applied, res.unchanged, res.problems) == ([], 6, [])

    table[1]["edited"] = "The bridge is 200 meters long."
    table[1]["comment"] = "removed addition"
    table[2]["edited"] = table[2]["target"]  # same as before: nothing
    table[3]["edited"] = '"Rice prices rose by 10 percent," he said.'
    write_csv(path, table)
    res = review.import_review(store, path, reviewer="sheet")
    assert res.problems == [] and len(res.applied) == 2
    assert [(r["status"], r["after"], r["comment"]) for r in history(store, "a1:mt:1")] == [
        ("edited", "The bridge is 200 meters long.", "removed addition")]
    assert review.get_item(store, "a2:mt:0").target == '"Rice prices rose by 10 percent," he said.'
    assert len(history(store, "a1:mt:2")) == 1


def test_csv_conflicts_unknown_and_duplicates(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    review.export_review_csv(store, path)
    table = read_csv(path)
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Ana's version.")
    table[0]["edited"] = "Sheet version."
    table[1]["id"] = "nope"
    table[1]["edited"] = "x"
    table[2]["edited"] = "Residents were glad."
    table.append(dict(table[2]))
    write_csv(path, table)
    res = review.import_review(store, path, reviewer="sheet")
    assert res.problems == [
        f"{path}:2: pair 'a1:mt:0' changed since export (now edited by ana at "
        f"{history(store, 'a1:mt:0')[-1]['at']}); edit not imported",
        f"{path}:3: unknown pair id 'nope' (not in {store.path})",
        f"{path}:8: pair 'a1:mt:2' appears twice (first at {path}:4)",
    ]
    assert [r["after"] for r in history(store, "a1:mt:2")] == ["Residents were glad."]


def test_tsv_from_publish_export(store: Store, tmp_path: Path) -> None:
    """`bitext export --format tsv` (pair_id ... id en, backslash-escaped): the English is edited in place."""
    from bitext.export import PairFilter, export_pairs, tsv_escape, tsv_unescape

    path = tmp_path / "pairs.tsv"
    decide(store, "a1:mt:2", "accepted", reviewer="ana")
    export_pairs(store, "tsv", path, PairFilter())
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header[0] == "pair_id" and header[-2:] == ["id", "en"]

    def set_en(pair_id: str, text: str) -> None:
        for i, line in enumerate(lines):
            fields = [tsv_unescape(f) for f in line.split("\t")]
            if fields[0] == pair_id:
                fields[-1] = text
                lines[i] = "\t".join(tsv_escape(f) for f in fields)
                return
        raise AssertionError(pair_id)

    set_en("a1:mt:0", '"The government is building a new bridge," he said.')  # a leading quote is text
    set_en("a1:mt:2", "Residents were glad.")  # reviewed since export: no marker -> conflict
    set_en("a2:mt:2", "The market is busy\tand loud.")  # an escaped tab inside the field
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    decide(store, "a1:mt:2", "edited", reviewer="ana", after="They welcomed it.")
    res = review.import_review(store, path, reviewer="sheet")
    assert res.problems == [
        f"{path}:4: pair 'a1:mt:2' changed since export (now edited by ana at "
        f"{history(store, 'a1:mt:2')[-1]['at']}); edit not imported"]
    assert review.get_item(store, "a1:mt:0").target == '"The government is building a new bridge," he said.'
    assert review.get_item(store, "a2:mt:2").target == "The market is busy and loud."
    assert (len(res.applied), res.unchanged) == (2, 3)


def test_own_tsv_round_trip(store: Store, tmp_path: Path) -> None:
    from bitext.export import tsv_escape, tsv_unescape

    path = tmp_path / "pairs.tsv"
    assert review.export_review_csv(store, path) == 6
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(review.CSV_COLUMNS) and len(lines) == 7
    fields = [tsv_unescape(f) for f in lines[2].split("\t")]
    fields[3] = "Line one\nline two"
    lines[2] = "\t".join(tsv_escape(f) for f in fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = review.import_review(store, path, reviewer="sheet")
    assert (len(res.applied), res.unchanged, res.problems) == (1, 5, [])
    assert review.get_item(store, fields[0]).target == "Line one line two"


def test_selection_matches_publish_filters(store: Store) -> None:
    """only_clean / min_score / exclude_flags select the same pairs as bitext.export.PairFilter."""
    from bitext.records import PairFilter, iter_pairs, select_pairs

    decide(store, "a2:mt:0", "accepted", reviewer="ana")  # flagged but approved: clean
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    for kw in ({"only_clean": True}, {"min_score": 0.8}, {"exclude_flags": ("length_ratio",)}, {}):
        mine = [i.id for i in select_pairs(store, **kw)]
        theirs = [r.id for r in iter_pairs(store, PairFilter(**kw))]
        assert mine == theirs, kw
    assert [i.id for i in select_pairs(store, only_clean=True)] == ["a1:mt:2", "a2:mt:0", "a2:mt:1", "a2:mt:2"]


def test_review_of_a_changed_source_is_stale(store: Store) -> None:
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Edited.")
    with store.tx() as c:  # re-alignment changed the pair's source
        c.execute("UPDATE pairs SET source = 'Pemerintah membangun dua jembatan.' WHERE id = 'a1:mt:0'")
    item = review.get_item(store, "a1:mt:0")
    assert (item.status, item.stale, item.target) == ("pending", True, PAIRS[0][4])
    assert review_progress(store)["pending"] == 6
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana", parent_id=item.parent_id)
    row = history(store, "a1:mt:0")[-1]
    assert (row["id"], row["before"], row["after"], row["source"]) == (
        rid, PAIRS[0][4], PAIRS[0][4], "Pemerintah membangun dua jembatan.")
    assert review.get_item(store, "a1:mt:0").stale is False


def test_export_xliff_through_publish_cli_path(store: Store, tmp_path: Path) -> None:
    from bitext.export import PairFilter, export_pairs

    res = export_pairs(store, "xliff", tmp_path / "p.xlf", PairFilter(only_clean=True))
    assert res.pairs == 4
    assert [u.get("id") for u in ET.parse(tmp_path / "p.xlf").getroot().iter(f"{X}unit")] == [
        "a1:mt:0", "a1:mt:2", "a2:mt:1", "a2:mt:2"]


def test_csv_bad_files(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("pair,text\n1,2\n", encoding="utf-8")
    with pytest.raises(BitextError, match=r"x\.csv:1: header must have 'id' and 'target'"):
        review.import_review(store, path, reviewer="s")
    path.write_text("", encoding="utf-8")
    with pytest.raises(BitextError, match=r"x\.csv:1: empty file"):
        review.import_review(store, path, reviewer="s")
    path.write_text("id,target,edited,review_id\na1:mt:0,a,b,abc\n,a,b,\na1:mt:1,a\n", encoding="utf-8")
    res = review.import_review(store, path, reviewer="s")
    assert res.problems == [
        f"{path}:2: review_id 'abc' is not a number",
        f"{path}:3: empty id",
        f"{path}:4: 2 fields, the header has 4 (a quote or separator is off)",
    ]
    path.write_bytes(b"id,target\n\xff\xfe,x\n")
    with pytest.raises(BitextError, match="not UTF-8"):
        review.import_review(store, path, reviewer="s")


# -- CLI ------------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    from bitext.cli import review as cli

    parser = argparse.ArgumentParser(prog="bitext")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BitextError as e:  # what the dispatcher does
        print(f"bitext: error: {e}")
        return e.exit_code


def test_cli_import_review(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = str(store.path.parent)
    path = tmp_path / "e.xlf"
    export_xliff(store, path)
    set_target(path, "a1:mt:0", "Edited by the CLI.")
    assert run_cli(["import-review", str(path), "--corpus", corpus, "--reviewer", "cli"]) == 0
    out = capsys.readouterr()
    assert out.out == f"{path}: imported 1 edit(s), 5 unchanged, 0 problem(s)\n" and out.err == ""
    set_target(path, "a1:mt:1", "Another edit.")
    decide(store, "a1:mt:1", "accepted", reviewer="ana")
    assert run_cli(["import-review", str(path), "--corpus", corpus, "--reviewer", "cli"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"bitext: error: {path}: unit 'a1:mt:1': pair 'a1:mt:1' changed")
    assert run_cli(["import-review", str(path), "--corpus", str(tmp_path / "none"), "--reviewer", "x"]) == 2
    assert run_cli(["review", str(tmp_path / "none")]) == 2
    assert "no corpus store here" in capsys.readouterr().out
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert run_cli(["review", corpus, "--port", str(busy.getsockname()[1])]) == 2
    assert "Address already in use (try another --port)" in capsys.readouterr().out


def test_cli_module_imports_fast() -> None:
    import subprocess
    import sys

    code = "import sys, bitext.cli.review; print(sorted(m for m in ('flask', 'torch', 'werkzeug') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- review state follows content (re-alignment) ------------------------------------------


def add_pair(c: sqlite3.Connection, pid: str, aid: str, idx: int, src: str, tgt: str, kind: str = "mt") -> None:
    c.execute(
        "INSERT INTO pairs(id, article_id, kind, bead_idx, src_ids, tgt_idx, source, target, mt, bead_type,"
        " created_at) VALUES (?, ?, ?, ?, '[]', '[]', ?, ?, ?, ?, '2024-01-02')",
        (pid, aid, kind, idx, src, tgt, tgt, "0-1" if not src else "1-1"),
    )


def realign(store: Store, aid: str, pairs: list[tuple[str, str, str]], kind: str = "mt") -> int:
    """Replace an article's pairs of ``kind`` (as bitext.align does) and carry reviews over."""
    with store.tx() as c:
        c.execute("DELETE FROM pairs WHERE article_id = ? AND kind = ?", (aid, kind))
        for i, (pid, src, tgt) in enumerate(pairs):
            add_pair(c, pid, aid, i, src, tgt, kind)
        return review.carry_reviews(store, aid)


def test_reviews_follow_their_sentence_to_a_new_pair_id(store: Store) -> None:
    s0, s1, s2 = (p[3] for p in PAIRS[:3])
    t0, t1, t2 = (p[4] for p in PAIRS[:3])
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="A new bridge is built.")
    decide(store, "a1:mt:1", "rejected", reviewer="budi")
    before = rows(store)
    # A sentence is inserted at the start: every old sentence moves one id down.
    added = realign(store, "a1", [("a1:mt:0", "Kalimat baru.", "A new sentence."), ("a1:mt:1", s0, t0),
                                  ("a1:mt:2", s1, t1), ("a1:mt:3", s2, t2)])
    assert added == 2
    new = review.get_item(store, "a1:mt:0")
    assert (new.status, new.stale, new.target) == ("pending", True, "A new sentence.")
    moved = review.get_item(store, "a1:mt:1")
    assert (moved.status, moved.target, moved.reviewer, moved.comment) == (
        "edited", "A new bridge is built.", "ana", "carried over from a1:mt:0 after re-alignment")
    assert review.get_item(store, "a1:mt:2").status == "rejected"
    assert review.get_item(store, "a1:mt:3").status == "pending"
    assert rows(store)[: len(before)] == before  # append-only: old rows untouched
    # Nothing changed: nothing more is carried (the carried decisions apply, the old ones were used).
    assert realign(store, "a1", [("a1:mt:0", "Kalimat baru.", "A new sentence."), ("a1:mt:1", s0, t0),
                                 ("a1:mt:2", s1, t1), ("a1:mt:3", s2, t2)]) == 0
    # The sentence goes away again: the carried decision moves back, exactly once.
    assert realign(store, "a1", [("a1:mt:0", s0, t0), ("a1:mt:1", s1, t1), ("a1:mt:2", s2, t2)]) == 2
    assert [review.get_item(store, f"a1:mt:{i}").status for i in range(3)] == ["edited", "rejected", "pending"]
    assert review.get_item(store, "a1:mt:0").target == "A new bridge is built."


def test_carry_keeps_kinds_and_articles_apart_and_ignores_undone(store: Store) -> None:
    s0, t0 = PAIRS[0][3], PAIRS[0][4]
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    rid = decide(store, "a1:mt:2", "accepted", reviewer="ana")
    undo(store, "a1:mt:2", reviewer="ana", parent_id=rid)  # undone: not a decision to carry
    with store.tx() as c:  # a reference pair with the same source, and another article's pair
        add_pair(c, "a1:ref-0", "a1", 0, s0, "The government is building a new bridge.", kind="reference")
        add_pair(c, "a10:mt:0", "a2", 9, s0, t0)
        assert review.carry_reviews(store, "a1") == 0
        assert review.carry_reviews(store, "a10") == 0  # 'a1:' pair ids are not 'a10:' ones (prefix, not LIKE)
    assert realign(store, "a1", [("a1:mt:9", PAIRS[2][3], PAIRS[2][4])]) == 0
    assert review.get_item(store, "a1:mt:9").status == "pending"


def test_zero_one_bead_review_applies_only_to_its_english(store: Store) -> None:
    with store.tx() as c:
        add_pair(c, "a1:t7", "a1", 7, "", "An English sentence with no Indonesian.")
    decide(store, "a1:t7", "rejected", reviewer="ana")
    decide(store, "a1:t7", "edited", reviewer="ana", after="Edited once.")
    decide(store, "a1:t7", "edited", reviewer="ana", after="Edited twice.")  # a chain on a 0-1 bead applies
    item = review.get_item(store, "a1:t7")
    assert (item.status, item.target, item.stale) == ("edited", "Edited twice.", False)
    # Re-alignment gives the id to another English sentence: the review does not apply to it ...
    realign(store, "a1", [("a1:t7", "", "Another English sentence."), ("a1:t8", "", "An English sentence with no Indonesian.")])
    item = review.get_item(store, "a1:t7")
    assert (item.status, item.stale, item.target) == ("pending", True, "Another English sentence.")
    # ... and follows its English to the new id.
    item = review.get_item(store, "a1:t8")
    assert (item.status, item.target) == ("edited", "Edited twice.")


def test_undo_of_a_review_on_other_content_restores_pending(store: Store) -> None:
    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Old English.")
    with store.tx() as c:
        c.execute("UPDATE pairs SET source = 'Kalimat lain.', target = 'Other sentence.' WHERE id = 'a1:mt:0'")
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana", parent_id=review.get_item(store, "a1:mt:0").parent_id)
    undo(store, "a1:mt:0", reviewer="ana", parent_id=rid)
    item = review.get_item(store, "a1:mt:0")
    assert (item.status, item.target, item.stale) == ("pending", "Other sentence.", False)
    assert history(store, "a1:mt:0")[-1]["after"] is None


def test_rejected_after_edit_exports_the_same_english_everywhere(store: Store, tmp_path: Path) -> None:
    from bitext.records import iter_pairs

    decide(store, "a1:mt:0", "edited", reviewer="ana", after="Human text.")
    decide(store, "a1:mt:0", "rejected", reviewer="ana")
    item = review.get_item(store, "a1:mt:0")
    rec = next(r for r in iter_pairs(store) if r.id == "a1:mt:0")
    assert (item.status, item.target) == (rec.review_status, rec.target) == ("rejected", PAIRS[0][4])
    export_xliff(store, tmp_path / "r.xlf")
    unit = next(ET.parse(tmp_path / "r.xlf").getroot().iter(f"{X}unit"))
    assert unit.find(f"{X}segment/{X}target").text == PAIRS[0][4]


def test_unchanged_export_reimports_cleanly_with_an_empty_target(store: Store, tmp_path: Path) -> None:
    with store.tx() as c:  # a 1-0 bead: Indonesian with no English
        add_pair(c, "a2:mt:9", "a2", 9, "Kalimat tanpa terjemahan.", "")
    for name in ("u.xlf", "u.csv", "u.tsv"):
        path = tmp_path / name
        if name.endswith(".xlf"):
            export_xliff(store, path)
        else:
            review.export_review_csv(store, path)
        res = review.import_review(store, path, reviewer="cat")
        assert (res.problems, res.applied, res.unchanged) == ([], [], 7), name
