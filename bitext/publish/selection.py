"""Which rows go where: train/validation/test by article, and which of two rows with the same
Indonesian sentence (one ``mt``, one ``reference``) the ``clean`` config keeps.

Splits are drawn per *group* of articles: articles that share an Indonesian sentence (a boilerplate
line, a republished story) are one group, so neither an article nor an Indonesian sentence is ever in
two splits. A group's split is a function of its smallest article id and the seed only (sha256 to a
number in [0, 1), compared with the cumulative sizes), so adding articles never moves an old one to
another split; on a small corpus the sizes are met only roughly, and the card reports the real ones.
A corpus of fewer than :data:`MIN_GROUPS_TO_SPLIT` groups is not split (everything in ``train``: a
test set of one article measures nothing), and ``train`` is never left empty.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from bitext.errors import BitextError
from bitext.model import KIND_MT, KIND_REFERENCE
from bitext.publish.schema import SPLITS
from bitext.records import pair_records
from bitext.store import Store

SPLIT_SEED = "bitext-split/1"
MIN_GROUPS_TO_SPLIT = 10
DUPLICATE_RULES = ("prefer-reference", "prefer-mt", "keep-both")
"""What ``clean`` does with an Indonesian sentence that has a clean ``mt`` and a clean ``reference`` row:
keep the human reference (default), keep the MT row, or keep both."""


@dataclass(frozen=True)
class SplitSizes:
    """Fractions of articles for train, validation, test (sum 1)."""

    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1

    @classmethod
    def parse(cls, text: str) -> SplitSizes:
        """``'80,10,10'`` or ``'0.8,0.1,0.1'`` (any scale; normalised); a usage error otherwise."""
        try:
            parts = [float(p) for p in text.split(",")]
        except ValueError:
            parts = []
        if len(parts) != 3 or any(p < 0 for p in parts) or sum(parts) <= 0 or parts[0] == 0:
            raise BitextError(
                f"--splits {text!r}: give three non-negative sizes TRAIN,VALIDATION,TEST with TRAIN > 0"
                " (e.g. 80,10,10)", exit_code=2)
        total = sum(parts)
        return cls(*(p / total for p in parts))

    def as_dict(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}


def _unit(key: str, seed: str) -> float:
    digest = hashlib.sha256(f"{seed}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class SplitPlan:
    """The split of every article, the number of article groups, and why the sizes were not applied."""

    split_of: dict[str, str]
    groups: int
    note: str | None = None


def assign_splits(store: Store, sizes: SplitSizes, seed: str = SPLIT_SEED) -> SplitPlan:
    """The split of every article of ``store`` (see the module docstring)."""
    articles = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id")]
    parent = {a: a for a in articles}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    shared = store.conn.execute(
        "SELECT GROUP_CONCAT(DISTINCT article_id) FROM pairs WHERE trim(source) != ''"
        " GROUP BY trim(source) HAVING COUNT(DISTINCT article_id) > 1"
    )
    for (ids,) in shared:
        first, *rest = ids.split(",")
        for other in rest:
            ra, rb = find(first), find(other)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)  # the root is the group's smallest id
    roots = {find(a) for a in articles}
    if len(roots) < MIN_GROUPS_TO_SPLIT and sizes.train < 1:
        note = (f"not split: {len(roots)} article group(s), fewer than {MIN_GROUPS_TO_SPLIT}; every article is in"
                " `train`")
        return SplitPlan(dict.fromkeys(articles, SPLITS[0]), len(roots), note)
    units = {r: _unit(r, seed) for r in roots}
    cuts = (sizes.train, sizes.train + sizes.validation)
    if units and not any(u < cuts[0] for u in units.values()):
        units[min(units, key=units.__getitem__)] = 0.0  # never an empty train split
    out = {}
    for a in articles:
        u = units[find(a)]
        out[a] = SPLITS[0] if u < cuts[0] else SPLITS[1] if u < cuts[1] else SPLITS[2]
    return SplitPlan(out, len(roots))


@dataclass(frozen=True)
class Duplicates:
    """Indonesian sentences with both an ``mt`` and a ``reference`` row, and what ``clean`` drops."""

    rule: str
    sentences: int  # Indonesian texts that have rows of both kinds
    rows: Counter[str]  # rows of those texts, per kind
    dropped: frozenset[str]  # ids of clean pairs left out of ``clean`` by the rule


def find_duplicates(store: Store, rule: str = "prefer-reference") -> Duplicates:
    """The cross-kind duplicates of ``store`` and the rows ``rule`` (:data:`DUPLICATE_RULES`) drops from
    ``clean``: a row is dropped only when a row of the preferred kind with the same text is itself clean."""
    if rule not in DUPLICATE_RULES:
        raise BitextError(f"--duplicates {rule!r}: choose from {', '.join(DUPLICATE_RULES)}", exit_code=2)
    rows = store.conn.execute(
        "SELECT p.id, p.kind, trim(p.source) FROM pairs p JOIN ("
        "  SELECT trim(source) AS src FROM pairs WHERE trim(source) != '' AND kind IN (?, ?)"
        "  GROUP BY trim(source) HAVING COUNT(DISTINCT kind) = 2) d ON trim(p.source) = d.src"
        " WHERE p.kind IN (?, ?) ORDER BY p.id", (KIND_MT, KIND_REFERENCE, KIND_MT, KIND_REFERENCE),
    ).fetchall()
    texts = {r[2] for r in rows}
    per_kind = Counter(r[1] for r in rows)
    dropped: set[str] = set()
    if rule != "keep-both" and rows:
        keep_kind, drop_kind = (KIND_REFERENCE, KIND_MT) if rule == "prefer-reference" else (KIND_MT, KIND_REFERENCE)
        with store.snapshot() as conn:
            recs = pair_records(conn, [r[0] for r in rows])
        clean_texts = {rec.source.strip() for rec in recs if rec.kind == keep_kind and rec.clean}
        dropped = {rec.id for rec in recs if rec.kind == drop_kind and rec.clean and rec.source.strip() in clean_texts}
    return Duplicates(rule, len(texts), per_kind, frozenset(dropped))
