"""A decision is bound to both sides it was made on: new English on a pair (another model, a reference
changed upstream, English arriving where there was none) makes it stale -- visible beside the pair,
counted in ``bitext status`` -- never silently kept, never lost; a signed-off decision is no longer final."""

from __future__ import annotations

from bitext import review
from bitext.pipeline import corpus_status, format_status
from bitext.records import pair_records
from bitext.review import decide, workflow
from bitext.review.carry import carry_report, stale_decisions
from bitext.store import Store
from tests.review.corpus import PAIRS, realign


def _beads(changes: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(pid, src, changes.get(pid, tgt)) for pid, aid, _, src, tgt, _ in PAIRS if aid == "a1"]


def test_a_rejection_made_without_english_is_stale_once_english_arrives(store: Store) -> None:
    realign(store, "a1", _beads({"a1:mt:1": ""}))  # the first model gave no English
    decide(store, "a1:mt:1", "rejected", reviewer="ana")
    assert review.get_item(store, "a1:mt:1").status == "rejected"
    realign(store, "a1", _beads({"a1:mt:1": "The bridge is 200 metres long."}))  # another model
    item = review.get_item(store, "a1:mt:1")
    assert (item.status, item.stale) == ("pending", True)
    [(old, why)] = stale_decisions(store, "a1:mt:1")
    assert (old["status"], old["reviewer"]) == ("rejected", "ana") and "English changed" in why
    rep = carry_report(store)
    assert (rep.stale, rep.stale_pairs, rep.unplaced) == (1, 1, 0)
    status = corpus_status(store)
    assert status["decisions"]["stale"] == 1
    assert "1 stale (1 pair(s) to look at again)" in format_status(status)


def test_an_accepted_and_signed_off_reference_whose_english_changed_is_not_final(store: Store) -> None:
    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    workflow.sign_off(store, "a1:mt:0", reviewer="budi")
    [rec] = pair_records(store.conn, ["a1:mt:0"])
    assert (rec.review_status, rec.signed_off) == ("accepted", True)
    realign(store, "a1", _beads({"a1:mt:0": "The government is building a new bridge."}))  # changed upstream
    [rec] = pair_records(store.conn, ["a1:mt:0"])
    assert (rec.review_status, rec.review_stale, rec.signed_off) == ("pending", True, False)
    assert workflow.xliff_state(rec.review_status, rec.target, rec.signed_off)[0] == "translated"
    assert review.review_progress(store)["reviewed"] == 0
    assert carry_report(store).stale == 1
    # The English coming back as it was: the decision applies again (it was made on exactly that).
    realign(store, "a1", _beads({}))
    assert review.get_item(store, "a1:mt:0").status == "accepted"


def test_the_same_english_keeps_the_decision(store: Store) -> None:
    decide(store, "a1:mt:2", "edited", reviewer="ana", after="Residents welcomed the bridge.")
    realign(store, "a1", _beads({"a1:mt:0": "Something else entirely."}))
    assert review.get_item(store, "a1:mt:2").status == "edited"
    assert carry_report(store).stale == 0


def test_the_state_table_and_python_agree_after_an_english_change(store: Store) -> None:
    from tests.review.corpus import state_table

    decide(store, "a1:mt:0", "accepted", reviewer="ana")
    store.conn.execute("UPDATE pairs SET target = 'Other English.' WHERE id = 'a1:mt:0'")  # another writer
    assert state_table(store)["a1:mt:0"][:2] == ("pending", 1)
    assert review.get_item(store, "a1:mt:0").status == "pending"


def test_the_upgrade_makes_decisions_on_other_english_stale(tmp_path) -> None:
    from bitext.review.schema import COMPONENT, MIGRATIONS, ensure_schema
    from tests.review.corpus import make_store

    store = make_store(tmp_path / "c")
    store.migrate(COMPONENT, MIGRATIONS[:2])  # a store made by the previous bitext (review schema v2)
    store.add_review("a1:mt:0", "ana", "accepted", before=PAIRS[0][4], after=PAIRS[0][4], source=PAIRS[0][3],
                     pair_target=PAIRS[0][4])
    store.conn.execute("UPDATE pairs SET target = 'Other English.' WHERE id = 'a1:mt:0'")
    # What the v2 triggers left (they looked at the Indonesian only): the pair still accepted.
    store.conn.execute("UPDATE review_pair_state SET status = 'accepted', stale = 0 WHERE pair_id = 'a1:mt:0'")
    ensure_schema(store)
    assert tuple(store.conn.execute("SELECT status, stale FROM review_pair_state WHERE pair_id = 'a1:mt:0'").fetchone()) \
        == ("pending", 1)
    assert review.review_progress(store)["reviewed"] == 0


def test_status_reads_a_store_of_the_previous_schema_read_only(tmp_path) -> None:
    """``bitext status`` opens the store read-only: it never migrates, and copes with the older tables."""
    from bitext.review.schema import COMPONENT, MIGRATIONS
    from tests.review.corpus import make_store

    store = make_store(tmp_path / "c")
    store.migrate(COMPONENT, MIGRATIONS[:2])
    store.close()
    with Store.open(tmp_path / "c", read_only=True) as ro:
        status = corpus_status(ro)
    assert status["decisions"]["waiting"] == 0 and status["review"]["pairs"] == 6
    with Store.open(tmp_path / "c") as rw:
        assert max(v for c, v in rw.conn.execute("SELECT component, version FROM schema_migrations")
                   if c == COMPONENT) == 2  # untouched by the read
