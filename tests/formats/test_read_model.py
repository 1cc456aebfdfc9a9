"""The read model's fast path (``findings=False``) and its one-query-per-chunk reads give the records
the full path gives, findings aside."""

from __future__ import annotations

from dataclasses import replace

from bitext.records import check_names, iter_pairs, pair_records
from bitext.store import Store
from tests.sample_corpus import TRANSLATIONS


def test_records_without_findings_equal_the_full_records(store: Store) -> None:
    full = list(iter_pairs(store, chunk_size=3))
    fast = list(iter_pairs(store, chunk_size=3, findings=False))
    assert [replace(r, findings=()) for r in full] == fast
    assert any(r.findings for r in full) and not any(r.findings for r in fast)
    # The fast path decides flags, blocking and scores from the raw rows as the findings do.
    by_id = {r.id: r for r in fast}
    assert by_id["a2-0"].flags == ("lang_id", "length_ratio") and by_id["a2-0"].needs_review
    assert by_id["a1-2"].flags == ("lang_id",) and not by_id["a1-2"].needs_review  # fired, but 'info'
    assert by_id["a2-1"].scores == {"lang_id": None, "length_ratio": 3.0}


def test_mt_logprob_is_the_token_weighted_mean_of_the_bead_sentences(store: Store) -> None:
    (rec,) = pair_records(store.conn, ["a1-2"])  # 'Satu.' (-0.2, 2 tokens) + 'Dua.' (-0.8, 6 tokens)
    (lp1, n1), (lp2, n2) = TRANSLATIONS["Satu."], TRANSLATIONS["Dua."]
    assert rec.mt_logprob == (lp1 * n1 + lp2 * n2) / (n1 + n2)
    with store.tx() as conn:  # a pair without a signature has no model confidence
        conn.execute("UPDATE pairs SET signature = NULL WHERE id = 'a1-0'")
    assert pair_records(store.conn, ["a1-0"])[0].mt_logprob is None


def test_check_names_by_index_seeks(store: Store) -> None:
    assert check_names(store) == ["lang_id", "length_ratio"]
    assert check_names(store, extra=["zz", "lang_id"]) == ["lang_id", "length_ratio", "zz"]
    store.clear_flags()
    assert check_names(store) == []
