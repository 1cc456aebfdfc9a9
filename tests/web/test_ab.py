"""Blind A/B preferences: storage, stable random sides, the sign test, the summary, the /ab page and the
stats table (bitext.review.ab, bitext.web.ab); by keyboard in tests/web/test_browser_ab.py."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest

from bitext.errors import BitextError, Conflict
from bitext.review import ab, decisions
from bitext.store import Store
from bitext.web.app import create_app
from tests.factories import CorpusBuilder

SIG_A, SIG_B = "model:base@r1|beams:4", "model:adapted@x|beams:4"


def build(folder: Path, n: int = 6) -> Store:
    b = CorpusBuilder(folder)
    b.article("a1")
    for i in range(n):
        b.pair(f"a1:{i}", f"Kalimat nomor {i}.", f"Sentence {i} (mt).", mt=f"Sentence {i} (mt).", signature=SIG_A)
    return b.store


def add(store: Store, n: int = 6, seed: int = 3) -> tuple[int, int]:
    rows = [(f"a1:{i}", f"Kalimat nomor {i}.", f"A says {i}.", f"B says {i}.") for i in range(n)]
    return ab.add_items(store, rows, model_a=SIG_A, model_b=SIG_B, label_a="base", label_b="adapted",
                        rng=random.Random(seed))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = build(tmp_path / "c")
    add(s)
    return s


def test_sign_test_exact_values() -> None:
    assert ab.sign_test(9, 1) == pytest.approx(22 / 1024)  # 2 * (C(10,0) + C(10,1)) / 2^10
    assert ab.sign_test(1, 9) == ab.sign_test(9, 1)
    assert ab.sign_test(10, 0) == pytest.approx(2 / 1024)
    assert ab.sign_test(5, 5) == 1.0 and ab.sign_test(0, 0) == 1.0
    assert ab.sign_test(8, 2) == pytest.approx(2 * (1 + 10 + 45) / 1024)  # 0.109375
    assert ab.sign_test(1, 0) == 1.0


def test_sides_are_random_stored_and_stable(tmp_path: Path) -> None:
    s = build(tmp_path / "c", n=40)
    rows = [(f"a1:{i}", "x", f"A{i}", f"B{i}") for i in range(40)]
    assert ab.add_items(s, rows, model_a=SIG_A, model_b=SIG_B, label_a="a", label_b="b") == (40, 0)
    shown = {i: ab.get_item(s, i) for i in range(1, 41)}
    lefts = [it.left.startswith("A") for it in shown.values()]
    assert 0 < sum(lefts) < 40  # both orders occur (P(all one side) = 2^-39)
    # Added again: nothing new, every side kept.
    assert ab.add_items(s, rows, model_a=SIG_A, model_b=SIG_B, label_a="a", label_b="b") == (0, 40)
    assert all(ab.get_item(s, i) == shown[i] for i in shown)
    for it in shown.values():
        assert {it.left, it.right} == {f"A{int(it.pair_id[3:])}", f"B{int(it.pair_id[3:])}"}


def test_equal_englishes_are_left_out(tmp_path: Path) -> None:
    s = build(tmp_path / "c")
    rows = [("a1:0", "x", "Same.", " Same. "), ("a1:1", "x", "One.", "Two.")]
    assert ab.add_items(s, rows, model_a=SIG_A, model_b=SIG_B, label_a="a", label_b="b") == (1, 1)


def _side_of(store: Store, item_id: int, model: str) -> str:
    a_left = store.conn.execute("SELECT a_left FROM review_ab WHERE id = ?", (item_id,)).fetchone()[0]
    return ab.LEFT if bool(a_left) == (model == SIG_A) else ab.RIGHT


def test_picks_summary_and_append_only(store: Store) -> None:
    # ana: A wins items 1-4, B wins 5, tie on 6; bo: B on item 1. ana changes her mind on item 4 (newest counts).
    for item in (1, 2, 3, 4):
        ab.pick(store, item, _side_of(store, item, SIG_A), reviewer="ana")
    ab.pick(store, 4, _side_of(store, 4, SIG_B), reviewer="ana")
    ab.pick(store, 5, _side_of(store, 5, SIG_B), reviewer="ana")
    ab.pick(store, 6, ab.TIE, reviewer="ana")
    ab.pick(store, 1, _side_of(store, 1, SIG_B), reviewer="bo")
    [s] = ab.summary(store)
    assert (s.label_a, s.label_b, s.wins_a, s.wins_b, s.ties, s.edited, s.items) == ("base", "adapted", 3, 3, 1, 0, 6)
    assert s.p_value == 1.0
    # A pick alone never changes a pair's review state.
    assert store.review_states() == {}
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with store.tx() as conn:
            conn.execute("DELETE FROM review_preferences")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with store.tx() as conn:
            conn.execute("UPDATE review_preferences SET chosen = NULL")
    assert store.conn.execute("SELECT COUNT(*) FROM review_preferences").fetchone()[0] == 8


def test_queue_skips_judged_and_wraps(store: Store) -> None:
    assert ab.next_item(store, "ana").id == 1
    assert ab.next_item(store, "ana", after=1).id == 2
    ab.pick(store, 2, ab.TIE, reviewer="ana")
    assert ab.next_item(store, "ana", after=1).id == 3
    assert ab.next_item(store, "ana", after=6).id == 1  # wraps round: skipped items come back
    assert ab.remaining(store, "ana") == 5 and ab.remaining(store, "bo") == 6
    for i in (1, 3, 4, 5, 6):
        ab.pick(store, i, ab.LEFT, reviewer="ana")
    assert ab.next_item(store, "ana") is None


def test_an_edit_is_a_preference_and_a_decision(store: Store) -> None:
    side = _side_of(store, 3, SIG_B)
    pid = ab.pick(store, 3, side, reviewer="ana", edited="B says 3, better.", parent_id=0)
    row = store.conn.execute("SELECT * FROM review_preferences WHERE id = ?", (pid,)).fetchone()
    assert (row["chosen"], row["edited"], row["pair_id"]) == (SIG_B, "B says 3, better.", "a1:2")
    state = store.review_states()["a1:2"]
    assert (state["id"], state["status"], state["after"], state["reviewer"]) == (row["review_id"], "edited",
                                                                                 "B says 3, better.", "ana")
    [s] = ab.summary(store)
    assert (s.wins_b, s.edited) == (1, 1)
    # The chosen English unchanged: a plain pick, no decision.
    ab.pick(store, 4, side, reviewer="ana", edited=ab.get_item(store, 4).left if side == ab.LEFT
            else ab.get_item(store, 4).right, parent_id=0)
    assert "a1:3" not in store.review_states()
    # A stale page (the pair was decided meanwhile): Conflict, and neither row is written.
    decisions.decide(store, "a1:4", "accepted", reviewer="bo")
    before = store.conn.execute("SELECT COUNT(*) FROM review_preferences").fetchone()[0]
    with pytest.raises(Conflict):
        ab.pick(store, 5, ab.LEFT, reviewer="ana", edited="Mine.", parent_id=0)
    assert store.conn.execute("SELECT COUNT(*) FROM review_preferences").fetchone()[0] == before
    with pytest.raises(BitextError, match="tie cannot be edited"):
        ab.pick(store, 5, ab.TIE, reviewer="ana", edited="x")
    with pytest.raises(BitextError, match="no such item"):
        ab.pick(store, 99, ab.LEFT, reviewer="ana")


def test_page_hides_models_and_records_picks(store: Store) -> None:
    app = create_app(store, reviewer="ana")
    app.testing = True
    c = app.test_client()
    page = c.get("/ab").get_data(as_text=True)
    assert "base" not in page and "adapted" not in page and SIG_A not in page  # blind
    item = ab.get_item(store, 1)
    assert item.left in page and item.right in page and page.index(item.left) < page.index(item.right)
    assert 'id="ab-link"' in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = c.post("/ab/pick", data={"csrf": csrf, "item": "1", "side": "left", "parent": "0"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/ab?after=1")
    assert "Kalimat nomor 1." in c.get("/ab?after=1").get_data(as_text=True)
    r = c.post("/ab/pick", data={"csrf": csrf, "item": "2", "side": "right", "edit": "1", "after": "Edited two.",
                                 "parent": "0"})
    assert r.status_code == 303 and store.review_states()["a1:1"]["after"] == "Edited two."
    stats = c.get("/stats").get_data(as_text=True)
    assert 'id="ab-stats"' in stats and "adapted" in stats
    assert c.post("/ab/pick", data={"csrf": csrf, "item": "1", "side": "up"}).status_code == 400


def test_a_store_without_items_has_no_page_link(tmp_path: Path) -> None:
    s = build(tmp_path / "c")
    app = create_app(s, reviewer="ana")
    app.testing = True
    c = app.test_client()
    assert 'id="ab-link"' not in c.get("/stats").get_data(as_text=True)
    assert 'id="ab-done"' in c.get("/ab").get_data(as_text=True)
    assert 'id="ab-stats"' not in c.get("/stats").get_data(as_text=True)
