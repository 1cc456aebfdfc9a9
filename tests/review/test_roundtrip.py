"""Round trips that carry decisions: an approval, a rejection and an edit made in a CAT tool (XLIFF 2
``state``/``subState``) or a spreadsheet (the review sheet's ``status`` column) import as decisions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bitext import review
from bitext.formats.xliff import export_xliff
from bitext.review import decide, history
from bitext.store import Store
from tests.review.corpus import PAIRS, X, rows

pd = pytest.importorskip("pandas")
xliff2 = pytest.importorskip("translate.storage.xliff2")


def cat_tool_session(path: Path) -> None:
    """What a translator does in a CAT tool, through translate-toolkit's XLIFF 2 store: approve a1:mt:0,
    reject a1:mt:2, edit and approve a1:mt:1. translate-toolkit can approve (``markapproved``: state
    'reviewed', leaving the exported subState as it was) but has no rejection, so the rejection sets
    bitext's subState on the toolkit's own segment element, with state 'initial' (``markfuzzy``)."""
    store = xliff2.Xliff2File.parsefile(str(path))
    units = {u.getid().split("::")[0]: u for u in store.units}
    units["a1:mt:0"].markapproved()
    units["a1:mt:2"].markfuzzy()
    units["a1:mt:2"].xmlelement.set("subState", "bitext:rejected")
    units["a1:mt:1"].target = "The bridge is 200 meters long."
    units["a1:mt:1"].markapproved()
    store.savefile(str(path))


def read_sheet(path: Path) -> pd.DataFrame:
    """The review sheet as pandas reads it; ``edited`` as text (all empty, pandas would make it float and
    refuse a string in it)."""
    return pd.read_csv(path, dtype={"edited": object})


def decisions(store: Store) -> dict[str, list[tuple]]:
    """pair id -> its review rows as (status, reviewer, after), for the pairs that have any."""
    out: dict[str, list[tuple]] = {}
    for pid, *_ in PAIRS:
        h = history(store, pid)
        if h:
            out[pid] = [(r["status"], r["reviewer"], r["after"]) for r in h]
    return out


def test_translate_toolkit_round_trip_imports_three_decisions(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cat.xlf"
    export_xliff(store, path)
    cat_tool_session(path)
    res = review.import_review(store, path, reviewer="cat")
    assert res.problems == []
    assert sorted(res.statuses) == ["accepted", "edited", "rejected"] and res.unchanged == 3
    assert decisions(store) == {
        "a1:mt:0": [("accepted", "cat", PAIRS[0][4])],
        "a1:mt:1": [("edited", "cat", "The bridge is 200 meters long.")],
        "a1:mt:2": [("rejected", "cat", PAIRS[2][4])],
    }
    # The next export says so: reviewed / initial+rejected, and re-importing it changes nothing.
    export_xliff(store, path)
    segs = {u.get("id"): u.find(f"{X}segment") for u in ET.parse(path).getroot().iter(f"{X}unit")}
    assert [(segs[p].get("state"), segs[p].get("subState")) for p in ("a1:mt:0", "a1:mt:1", "a1:mt:2")] == [
        ("reviewed", "bitext:accepted"), ("reviewed", "bitext:edited"), ("initial", "bitext:rejected")]
    res = review.import_review(store, path, reviewer="cat")
    assert (res.applied, res.unchanged, res.problems) == ([], 6, [])


def test_pandas_status_column_round_trip(store: Store, tmp_path: Path) -> None:
    decide(store, "a2:mt:2", "accepted", reviewer="ana")
    path = tmp_path / "sheet.csv"
    review.export_review_csv(store, path)
    df = read_sheet(path)  # review_id becomes a float column, empty cells NaN: the importer copes
    by_id = df.set_index("id")
    assert by_id.loc["a2:mt:2", "status"] == "accepted" and by_id.loc["a1:mt:0", "status"] == "pending"
    df.loc[df["id"] == "a1:mt:0", "status"] = "accepted"
    df.loc[df["id"] == "a1:mt:2", "status"] = "rejected"
    df.loc[df["id"] == "a1:mt:1", "edited"] = "The bridge is 200 meters long."  # status left 'pending'
    df.loc[df["id"] == "a2:mt:2", "status"] = "pending"  # reopen a pair decided in the app
    df.to_csv(path, index=False)
    res = review.import_review(store, path, reviewer="sheet")
    assert res.problems == []
    assert sorted(res.statuses) == ["accepted", "edited", "pending", "rejected"] and res.unchanged == 2
    assert decisions(store) == {
        "a1:mt:0": [("accepted", "sheet", PAIRS[0][4])],
        "a1:mt:1": [("edited", "sheet", "The bridge is 200 meters long.")],
        "a1:mt:2": [("rejected", "sheet", PAIRS[2][4])],
        "a2:mt:2": [("accepted", "ana", PAIRS[5][4]), ("pending", "sheet", None)],
    }
    assert review.get_item(store, "a2:mt:2").status == "pending"


def test_a_decision_made_since_the_export_is_a_conflict(store: Store, tmp_path: Path) -> None:
    xlf, csv_path = tmp_path / "c.xlf", tmp_path / "c.csv"
    export_xliff(store, xlf)
    review.export_review_csv(store, csv_path)
    cat_tool_session(xlf)  # approves a1:mt:0, rejects a1:mt:2, edits a1:mt:1
    df = read_sheet(csv_path)
    df.loc[df["id"] == "a1:mt:0", "status"] = "rejected"
    df.to_csv(csv_path, index=False)
    decide(store, "a1:mt:2", "accepted", reviewer="ana")  # in the app, after the export
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    at = {p: history(store, p)[-1]["at"] for p in ("a1:mt:0", "a1:mt:2")}
    res = review.import_review(store, xlf, reviewer="cat")
    # The approval of a1:mt:0 is already the state: nothing to do. The rejection of a1:mt:2 is not guessed.
    assert res.problems == [f"{xlf}: unit 'a1:mt:2': pair 'a1:mt:2' changed since export (now accepted by ana at "
                            f"{at['a1:mt:2']}); rejection not imported"]
    assert res.statuses == ["edited"] and res.unchanged == 4
    res = review.import_review(store, csv_path, reviewer="sheet")
    assert res.problems == [f"{csv_path}:2: pair 'a1:mt:0' changed since export (now accepted by ana at "
                            f"{at['a1:mt:0']}); rejection not imported"]
    assert [r["status"] for r in history(store, "a1:mt:0")] == ["accepted"]
    assert [r["status"] for r in history(store, "a1:mt:2")] == ["accepted"]


def test_importing_twice_applies_nothing_the_second_time(store: Store, tmp_path: Path) -> None:
    xlf, csv_path = tmp_path / "t.xlf", tmp_path / "t.csv"
    export_xliff(store, xlf)
    review.export_review_csv(store, csv_path)
    cat_tool_session(xlf)
    df = read_sheet(csv_path)
    df.loc[df["id"] == "a2:mt:0", "status"] = "rejected"
    df.loc[df["id"] == "a2:mt:1", "status"] = "edited"  # no new English: an approval of the English as is
    df.to_csv(csv_path, index=False)
    first = [review.import_review(store, p, reviewer="r") for p in (xlf, csv_path)]
    assert [sorted(r.statuses) for r in first] == [["accepted", "edited", "rejected"], ["accepted", "rejected"]]
    assert all(r.problems == [] for r in first)
    n = len(rows(store))
    for p in (xlf, csv_path):
        res = review.import_review(store, p, reviewer="r")
        assert (res.applied, res.unchanged, res.problems) == ([], 6, [])
    assert len(rows(store)) == n


def test_contradictory_rows_are_reported(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    review.export_review_csv(store, path)
    df = read_sheet(path)
    df.loc[df["id"] == "a1:mt:0", ["status", "edited"]] = ["rejected", "A new bridge."]
    df.loc[df["id"] == "a1:mt:1", "status"] = "approved"
    df.to_csv(path, index=False)
    res = review.import_review(store, path, reviewer="s")
    assert res.problems == [
        f"{path}:2: pair 'a1:mt:0': rejected and its English edited in the file; do one of them",
        f"{path}:3: status 'approved' is not one of pending, accepted, edited, rejected",
    ]
    xlf = tmp_path / "x.xlf"
    decide(store, "a1:mt:2", "accepted", reviewer="ana")
    export_xliff(store, xlf)
    tree = ET.parse(xlf)
    seg = next(u for u in tree.getroot().iter(f"{X}unit") if u.get("id") == "a1:mt:2").find(f"{X}segment")
    seg.set("state", "translated")  # a tool that changed the state but not bitext's subState
    tree.write(xlf, encoding="utf-8", xml_declaration=True)
    res = review.import_review(store, xlf, reviewer="cat")
    assert res.problems == [f"{xlf}: unit 'a1:mt:2': state 'translated' contradicts subState 'bitext:accepted'; set "
                            "subState to 'bitext:pending' (or remove it) to reopen the pair, or state to 'reviewed' "
                            "to approve it"]
    assert rows(store)[-1][0] == history(store, "a1:mt:2")[-1]["id"]  # nothing written


def test_cli_summary_counts_each_decision(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.review.corpus import run_cli

    path = tmp_path / "cli.xlf"
    export_xliff(store, path)
    cat_tool_session(path)
    decide(store, "a1:mt:2", "edited", reviewer="ana", after="They welcomed it.")  # since the export
    argv = ["import-review", str(path), "--corpus", str(store.path.parent), "--reviewer", "cli"]
    assert run_cli(argv) == 1
    out = capsys.readouterr()
    assert out.out == f"{path}: imported 1 edit(s), 1 accepted, 0 rejected, 3 unchanged, 1 conflict(s)/problem(s)\n"
    assert out.err.startswith(f"bitext: error: {path}: unit 'a1:mt:2': pair 'a1:mt:2' changed since export")
    assert run_cli(argv) == 1  # the conflict stays reported; nothing else is applied twice
    assert capsys.readouterr().out == (
        f"{path}: imported 0 edit(s), 0 accepted, 0 rejected, 5 unchanged, 1 conflict(s)/problem(s)\n")
