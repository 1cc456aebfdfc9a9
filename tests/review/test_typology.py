"""Decision notes (MQM errors, unedited-confirm reasons), discussions, and what reads them: the read model,
the published row, XLIFF notes, the stats page's typology and agreement per category."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bitext import review
from bitext.errors import BitextError, Conflict
from bitext.formats.rows import published_row
from bitext.formats.xliff import export_xliff
from bitext.records import iter_pairs
from bitext.review import discussion, typology, worklist
from bitext.review.people import Person
from bitext.review.typology_stats import category_agreement, kind_progress, model_label, typology_stats
from bitext.store import Store
from tests.factories import CorpusBuilder

SIG_A = "model:Helsinki-NLP/opus-mt-id-en@abc|backend:ctranslate2|beams:4"
SIG_B = "model:other/id-en@v2|backend:transformers|beams:1"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    b.article("a2")
    b.pair("a1:0", "Harga naik 10 persen.", "Prices rose 10 percent.", mt="Prices rose 10 percent.", signature=SIG_A)
    b.pair("a1:1", "Presiden tiba di Jakarta.", "The president arrived.", mt="The president arrived.",
           signature=SIG_A)
    b.pair("a2:0", "Hujan turun.", "It rained.", mt="It rained.", signature=SIG_B)
    b.pair("a2:ref-0", "Hujan turun.", "Rain fell.", article_id="a2", kind="reference", bead_idx=0)
    b.flag("a1:1", "length_ratio", severity="error", reason="short")
    b.flag("a1:0", "lang_id", fired=False, severity="error")
    return b.store


def test_errors_parse_in_category_order_and_refuse_unknown_names() -> None:
    form = {"err:style": "Minor", "err:accuracy/omission": "major", "err:fluency": ""}
    assert typology.errors_from_form(form) == (("accuracy/omission", "major"), ("style", "minor"))
    assert typology.format_errors(typology.errors_from_form(form)) == "accuracy/omission: major; style: minor"
    with pytest.raises(BitextError, match="unknown error severity 'huge' for fluency"):
        typology.parse_errors({"fluency": "huge"})
    with pytest.raises(BitextError, match="unknown error category 'grammar'"):
        typology.parse_errors([("grammar", "minor")])


def test_a_reason_is_needed_only_for_an_unedited_confirm_of_a_flagged_pair() -> None:
    assert typology.reason_needed(True, "accepted", None, "Prices rose.")
    assert typology.reason_needed(True, "accepted", " Prices rose. ", "Prices rose.")  # cleaned like decide()
    assert typology.reason_needed(True, "edited", "Prices rose.", "Prices rose.")  # an edit changing nothing
    assert not typology.reason_needed(True, "accepted", "Prices went up.", "Prices rose.")  # really an edit
    assert not typology.reason_needed(True, "rejected", None, "Prices rose.")
    assert not typology.reason_needed(False, "accepted", None, "Prices rose.")
    # English a person wrote (an earlier edit) confirmed again is no unedited confirm of what was flagged.
    assert not typology.reason_needed(True, "accepted", None, "Prices went up.", "Prices rose.")
    assert typology.reason_needed(True, "accepted", None, "Prices rose.", "Prices rose.")
    assert typology.reason_from_form({"reason": "2"}) == typology.REASONS[1]
    assert typology.reason_from_form({"reason": "2", "reason_text": " checked  with\tthe desk "}) == "checked with the desk"
    assert typology.reason_from_form({"reason": "9"}) is None and typology.reason_from_form({}) is None


def test_notes_are_written_with_the_decision_or_not_at_all(store: Store) -> None:
    errors = (("accuracy/omission", "major"), ("fluency", "minor"))
    rid = typology.decide_annotated(store, "a1:1", "accepted", errors=errors, reason="names checked by hand",
                                    reviewer="ana", parent_id=0)
    assert typology.notes_for(store.conn, [rid]) == {rid: typology.Notes(errors, "names checked by hand")}
    # A conflict (a stale parent id) writes neither the decision nor its notes.
    with pytest.raises(Conflict):
        typology.decide_annotated(store, "a1:1", "rejected", errors=(("style", "critical"),), reviewer="bo",
                                  parent_id=0)
    assert [h["id"] for h in review.history(store, "a1:1")] == [rid]
    assert store.conn.execute("SELECT COUNT(*) FROM review_errors").fetchone()[0] == 2
    # The same form sent twice: the one decision, its notes once.
    again = typology.decide_annotated(store, "a1:1", "accepted", errors=errors, reason="names checked by hand",
                                      reviewer="ana", parent_id=0)
    assert again == rid and store.conn.execute("SELECT COUNT(*) FROM review_errors").fetchone()[0] == 2


def test_the_component_migrates_an_older_store_and_keeps_its_decisions(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    b.pair("a1:0", "Satu.", "One.")
    rid = review.decide(b.store, "a1:0", "accepted", reviewer="ana")  # the review tables, without review_notes
    assert not typology.has_notes(b.store.conn)
    b.store.close()
    store = Store.open(tmp_path / "corpus")
    assert iter_pairs(store).__next__().errors == ()  # a reader copes with the missing tables
    typology.ensure_notes(store)
    assert typology.has_notes(store.conn)
    assert [p.name for p in (tmp_path / "corpus").iterdir() if ".bak-" in p.name] == []  # first version: no backup
    assert typology.notes_for(store.conn, [rid]) == {}
    assert review.get_item(store, "a1:0").status == "accepted"
    versions = store.conn.execute("SELECT version FROM schema_migrations WHERE component = 'review_notes'").fetchall()
    assert [v[0] for v in versions] == [1]


def test_the_read_model_dataset_and_xliff_carry_the_current_decisions_notes(store: Store, tmp_path: Path) -> None:
    first = typology.decide_annotated(store, "a1:0", "edited", errors=(("locale", "minor"),), reviewer="ana",
                                      after="Prices rose by 10 percent.", parent_id=0)
    typology.decide_annotated(store, "a1:1", "accepted", errors=(("accuracy/omission", "major"),),
                              reason="a free but faithful translation", reviewer="ana", parent_id=0)
    review.undo(store, "a1:0", reviewer="ana", parent_id=first)  # pending again: its notes no longer apply
    recs = {r.id: r for r in iter_pairs(store)}
    assert recs["a1:0"].errors == () and recs["a1:0"].review_reason is None
    row = published_row(recs["a1:1"])
    assert row["errors"] == [{"category": "accuracy/omission", "severity": "major"}]
    assert row["review_reason"] == "a free but faithful translation"
    assert published_row(recs["a2:0"])["errors"] == []

    out = tmp_path / "x.xlf"
    export_xliff(store, out)
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    unit = next(u for u in ET.parse(out).getroot().iter("{urn:oasis:names:tc:xliff:document:2.0}unit")
                if u.get("name") == "a1:1")
    notes = [(n.get("category"), n.get("priority"), n.text) for n in unit.findall("x:notes/x:note", ns)]
    assert notes[1:] == [("mqm", "3", "accuracy/omission: major"), ("reason", None, "a free but faithful translation")]
    # The notes never come back as changes: the file imports as nothing to do.
    result = review.import_review(store, out, reviewer="bo")
    assert (result.applied, result.problems) == ([], [])


def test_stats_count_the_current_decisions_per_category_article_and_model(store: Store) -> None:
    typology.decide_annotated(store, "a1:0", "edited", errors=(("locale", "minor"), ("style", "minor")),
                              reviewer="ana", after="Prices rose by 10 percent.", parent_id=0)
    typology.decide_annotated(store, "a1:1", "rejected", errors=(("accuracy/omission", "critical"),),
                              reviewer="ana", parent_id=0)
    typology.decide_annotated(store, "a2:ref-0", "accepted", errors=(("fluency", "major"),), reviewer="ana",
                              parent_id=0)
    rid = typology.decide_annotated(store, "a2:0", "accepted", errors=(("terminology", "major"),), reviewer="ana",
                                    parent_id=0)
    review.undo(store, "a2:0", reviewer="ana", parent_id=rid)  # undone: not counted
    t = typology_stats(store)
    assert t.counts == {("locale", "minor"): 1, ("style", "minor"): 1, ("accuracy/omission", "critical"): 1,
                        ("fluency", "major"): 1}
    assert (t.total, t.category_total("style"), t.severity_total("minor")) == (4, 1, 2)
    models = {g.name: (g.decided, g.annotated, g.errors, g.penalty) for g in t.per_model}
    assert models == {"MT: Helsinki-NLP/opus-mt-id-en@abc": (2, 2, 3, 12), "reference": (1, 1, 1, 5)}
    assert [(g.name, g.decided, g.annotated, g.errors, g.penalty) for g in t.per_article] == [
        ("a1", 2, 2, 3, 12), ("a2", 1, 1, 1, 5)]
    assert [(k.label, k.pairs, k.decided, k.pending, k.edited, k.rejected) for k in kind_progress(store)] == [
        ("MT", 3, 2, 1, 1, 1), ("reference", 1, 1, 0, 0, 0)]
    assert model_label("mt", SIG_B) == "MT: other/id-en@v2" and model_label("mt", None) == "MT: unknown model"
    assert model_label("reference", SIG_A) == "reference"


def test_agreement_per_category_between_two_reviewers(store: Store) -> None:
    def both(pair_id: str, ana: tuple, bo: tuple) -> None:
        rid = typology.decide_annotated(store, pair_id, "accepted", errors=ana, reason="x", reviewer="ana")
        typology.decide_annotated(store, pair_id, "accepted", errors=bo, reason="x", reviewer="bo", parent_id=rid)

    both("a1:0", (("fluency", "minor"),), (("fluency", "major"),))  # both marked fluency: agreed
    both("a1:1", (("fluency", "minor"), ("style", "minor")), ())  # ana only
    both("a2:0", (), ())
    typology.decide_annotated(store, "a2:ref-0", "accepted", errors=(("style", "minor"),), reviewer="ana")
    agreement, compared = category_agreement(store)
    assert compared == 3
    by = {a.category: (a.pairs, a.agreed, None if a.kappa is None else round(a.kappa, 4)) for a in agreement}
    # fluency: ana marks 2 of 3, bo 1 of 3, they agree on 2: po 2/3, pe = 2/3*1/3 + 1/3*2/3 = 4/9, kappa 0.4
    assert by["fluency"] == (3, 2, 0.4)
    assert by["style"] == (3, 2, 0.0)  # ana 1 of 3, bo none: pe = 2/3, po = 2/3
    assert by["locale"] == (3, 3, None)  # nobody marked it: kappa undefined


def test_a_discussion_opens_and_only_a_lead_resolves_it(store: Store) -> None:
    discussion.post(store, "a1:1", "ana", "Is 'tiba' arrived or landed here?", event="open")
    discussion.post(store, "a1:1", "bo", "Landed: it was a flight.")
    assert discussion.is_open(store.conn, "a1:1") and discussion.open_count(store.conn) == 1
    assert worklist.queue_ids(store, discussion=True) == ["a1:1"]
    assert worklist.queue_count(store, discussion=True) == 1
    assert worklist.queue_ids(store, discussion=True, status="accepted") == []
    with pytest.raises(BitextError, match="only a lead resolves"):
        discussion.post(store, "a1:1", "bo", "", event="resolve", person=Person("bo", "reviewer"))
    discussion.post(store, "a1:1", "cy", "Use 'landed'.", event="resolve", person=Person("cy", "lead"))
    assert not discussion.is_open(store.conn, "a1:1") and worklist.queue_ids(store, discussion=True) == []
    assert [(c.author, c.event, c.body) for c in discussion.thread(store.conn, "a1:1")] == [
        ("ana", "open", "Is 'tiba' arrived or landed here?"), ("bo", "comment", "Landed: it was a flight."),
        ("cy", "resolve", "Use 'landed'.")]
    with pytest.raises(BitextError, match="no open discussion to resolve"):
        discussion.post(store, "a1:1", "cy", "", event="resolve", person=Person("cy", "lead"))
    with pytest.raises(BitextError, match="the comment is empty"):
        discussion.post(store, "a1:1", "ana", "  ")
    with pytest.raises(BitextError, match="no such pair"):
        discussion.post(store, "zz:9", "ana", "hello")


def test_the_queue_filters_by_kind(store: Store) -> None:
    assert worklist.queue_ids(store, kind="reference") == ["a2:ref-0"]
    assert worklist.queue_count(store, kind="mt") == 3


def test_notes_follow_a_decision_carried_by_re_alignment(tmp_path: Path) -> None:
    from tests.review.corpus import PAIRS, make_store, realign

    with make_store(tmp_path / "c") as store:
        typology.decide_annotated(store, "a1:mt:0", "accepted", errors=(("terminology", "minor"),), reason="checked",
                                  reviewer="ana")
        (s0, t0), (s1, t1) = ((p[3], p[4]) for p in PAIRS[:2])
        assert realign(store, "a1", [("a1:mt:0", "Kalimat baru.", "A new sentence."), ("a1:mt:1", s0, t0),
                                     ("a1:mt:2", s1, t1)]) == 1
        rec = {r.id: r for r in iter_pairs(store)}["a1:mt:1"]
        assert (rec.review_status, rec.errors, rec.review_reason) == (
            "accepted", (("terminology", "minor"),), "checked")
