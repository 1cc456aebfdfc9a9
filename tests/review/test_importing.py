"""XLIFF and CSV/TSV round trips: export for review, import edits, conflicts, bad files."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError
from bitext.formats.xliff import MDA_NS, XLIFF_NS, export_xliff
from bitext.review import decide, history
from bitext.store import Store
from tests.factories import CorpusBuilder
from tests.review.corpus import PAIRS, X, rewrite_pair, rows, set_target

# -- XLIFF round trip -----------------------------------------------------------------------


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
    from bitext.formats.xliff import pair_id_of, unit_id

    odd = ["a1:0.1+0.2", "art 7/ü:0", "x6869"]  # '+', space, '/', non-ASCII; one that looks encoded
    for pid in odd:
        assert pair_id_of(ET.Element("unit", {"id": unit_id(pid)})) == pid
    assert unit_id("a1:0.1") == "a1:0.1"
    rewrite_pair(store, "a1:mt:0", id=odd[0])
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
    """`bitext export --format tsv` (id ... source target, quoted as the csv module does): the English is
    edited in place."""
    import csv

    from bitext.formats import export_pairs
    from bitext.records import PairFilter

    path = tmp_path / "pairs.tsv"
    decide(store, "a1:mt:2", "accepted", reviewer="ana")
    export_pairs(store, "tsv", path, PairFilter())
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert rows[0][0] == "id" and rows[0][-2:] == ["source", "target"]

    def set_en(pair_id: str, text: str) -> None:
        next(r for r in rows if r[0] == pair_id)[-1] = text

    set_en("a1:mt:0", '"The government is building a new bridge," he said.')  # a leading quote is text
    set_en("a1:mt:2", "Residents were glad.")  # reviewed since export: no marker -> conflict
    set_en("a2:mt:2", "The market is busy\tand loud.")  # a tab inside the field (quoted)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\n").writerows(rows)
    decide(store, "a1:mt:2", "edited", reviewer="ana", after="They welcomed it.")
    res = review.import_review(store, path, reviewer="sheet")
    assert res.problems == [
        f"{path}:4: pair 'a1:mt:2' changed since export (now edited by ana at "
        f"{history(store, 'a1:mt:2')[-1]['at']}); edit not imported"]
    assert review.get_item(store, "a1:mt:0").target == '"The government is building a new bridge," he said.'
    assert review.get_item(store, "a2:mt:2").target == "The market is busy and loud."
    assert (len(res.applied), res.unchanged) == (2, 3)


def test_own_tsv_round_trip(store: Store, tmp_path: Path) -> None:
    from bitext.formats.tsv import tsv_escape, tsv_unescape

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


def test_export_xliff_through_publish_cli_path(store: Store, tmp_path: Path) -> None:
    from bitext.formats import export_pairs
    from bitext.records import PairFilter

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


def test_unchanged_export_reimports_cleanly_with_an_empty_target(store: Store, tmp_path: Path) -> None:
    CorpusBuilder(store).pair("a2:mt:9", "Kalimat tanpa terjemahan.", "", bead_idx=9, mt="")  # a 1-0 bead
    for name in ("u.xlf", "u.csv", "u.tsv"):
        path = tmp_path / name
        if name.endswith(".xlf"):
            export_xliff(store, path)
        else:
            review.export_review_csv(store, path)
        res = review.import_review(store, path, reviewer="cat")
        assert (res.problems, res.applied, res.unchanged) == ([], [], 7), name

