"""The XLIFF 2 state workflow with a final sign-off by a second reviewer, and the reviewer statistics."""

from __future__ import annotations

import pytest

from bitext.errors import BitextError, Conflict
from bitext.review import decide, undo
from bitext.review.stats import review_stats
from bitext.review.workflow import sign_off, signed_off, xliff_state
from bitext.store import Store
from tests.factories import CorpusBuilder


def test_xliff_states() -> None:
    assert xliff_state("pending", "") == ("initial", "bitext:pending")
    assert xliff_state("pending", "Some English.") == ("translated", "bitext:pending")
    assert xliff_state("edited", "x") == ("reviewed", "bitext:edited")
    # A rejection, even signed off, is no approved translation for a CAT tool: 'initial'.
    assert xliff_state("rejected", "x", signed_off=True) == ("initial", "bitext:rejected")
    assert xliff_state("accepted", "x", signed_off=True) == ("final", "bitext:accepted")
    assert xliff_state("accepted", "  ") == ("initial", "bitext:accepted")


def test_sign_off_needs_a_decision_and_a_second_reviewer(store: Store) -> None:
    with pytest.raises(BitextError, match="is pending"):
        sign_off(store, "a1:mt:0", reviewer="budi")
    rid = decide(store, "a1:mt:0", "accepted", reviewer="ana")
    with pytest.raises(BitextError, match="needs another reviewer"):
        sign_off(store, "a1:mt:0", reviewer="ana")
    with pytest.raises(Conflict):
        sign_off(store, "a1:mt:0", reviewer="budi", parent_id=rid + 99)
    assert sign_off(store, "a1:mt:0", reviewer="budi", parent_id=rid) == rid
    assert signed_off(store, "a1:mt:0")["reviewer"] == "budi"
    # A later change of the decision is not final until signed off again.
    undo(store, "a1:mt:0", reviewer="ana")
    assert signed_off(store, "a1:mt:0") is None


def test_review_stats(store: Store) -> None:
    b = CorpusBuilder(store)
    times = iter(f"2024-01-01T10:00:{s:02d}+00:00" for s in range(0, 60, 10))
    for pid, status, after in (("a1:mt:0", "accepted", None), ("a1:mt:1", "edited", "The bridge is 200 m long."),
                               ("a1:mt:2", "rejected", None)):
        b.review(pid, status, reviewer="ana", at=next(times), after=after, source="x")
    b.review("a1:mt:0", "accepted", reviewer="budi", at=next(times), source="x")
    b.review("a1:mt:2", "accepted", reviewer="budi", at=next(times), source="x")
    st = review_stats(store)
    ana = next(r for r in st.reviewers if r.reviewer == "ana")
    assert (ana.decisions, ana.edited, ana.seconds, ana.per_hour) == (3, 1, [10.0, 10.0], 360.0)
    assert len(ana.chrf) == 1 and 0 < ana.chrf[0] < 100
    assert (st.double_reviewed, st.agreed, st.agreement) == (2, 1, 0.5)
