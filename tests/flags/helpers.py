"""Builders shared by the flag tests: pair views, results of one check, a small flagged corpus."""

from __future__ import annotations

from pathlib import Path

from bitext import flags as F
from bitext.store import Store
from tests.factories import CorpusBuilder, flags_query

SIG = "opus-mt-id-en|test"


def pv(source: str, target: str, **kw) -> F.PairView:
    base = dict(id="p1", source=source, target=target, mt=None, bead_type="1-1", align_score=None,
                logprob=None, n_tokens=None, n_unk=0, hit_max_length=False, source_split=False)
    base.update(kw)
    return F.PairView(**base)


def result(pair: F.PairView, name: str, config: dict | None = None) -> F.FlagResult | None:
    return next((r for r in F.check_pair(pair, config) if r.check == name), None)


def fired(pair: F.PairView, config: dict | None = None) -> set[str]:
    return {r.check for r in F.check_pair(pair, config) if r.fired}


GOOD = pv("Kucing punya dua telinga.", "A cat has two ears.")


def make_store(tmp_path: Path) -> Store:
    """One article, three sentences with cached MT, four pairs (a 2-2 bead, a number error, a copy)."""
    b = CorpusBuilder(tmp_path / "corpus", signature=SIG)
    s0, s1, s2 = "Kucing punya dua telinga.", "Anjing itu tidur.", "Harganya Rp1,5 miliar."
    b.article("a1", [[s0, s1], [s2]])
    b.translation(s0, "A cat has two ears.", logprob=-0.4, n_tokens=7)
    b.translation(s1, "The dog sleeps.", logprob=-2.5, n_tokens=5, n_unk=1)
    b.translation(s2, "It costs Rp2.5 billion.", logprob=-0.3, n_tokens=8)
    for pid, src_ids, s, t, bead in [
        ("a1:mt:0", ["a1:0:0"], s0, "A cat has two ears.", "1-1"),
        ("a1:mt:1", ["a1:0:0", "a1:0:1"], f"{s0} {s1}", "A cat has two ears. The dog sleeps.", "2-2"),
        ("a1:mt:2", ["a1:1:0"], s2, "It costs Rp2.5 billion.", "1-1"),
        ("a1:mt:3", ["a1:0:0"], s0, "A cat has two ears.", "1-1"),
    ]:
        b.pair(pid, s, t, src_ids=src_ids, mt=t, bead_type=bead, align_score=0.9, signature=SIG)
    return b.store


def flag_rows(store: Store) -> dict[tuple[str, str], tuple]:
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in flags_query(store, "SELECT * FROM pair_flags")}
