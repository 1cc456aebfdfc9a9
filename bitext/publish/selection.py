"""Which rows go where: train/validation/test by article (the duplicates rule of ``clean`` is
:func:`bitext.formats.rows.find_duplicates`, shared with ``bitext export --only-clean``).

Splits are drawn per *group* of articles: articles that share an Indonesian sentence (a boilerplate
line, a republished story) are one group, so neither an article nor an Indonesian sentence is ever in
two splits. A group's split is a function of its smallest article id and the seed only (sha256 to a
number in [0, 1), compared with the cumulative sizes), so adding articles never moves an old one to
another split; on a small corpus the sizes are met only roughly, and the card reports the real ones.

Every requested split (size > 0) gets rows, in every config: when the draw leaves one without pairs
(or, once ``clean``'s rows are known, without clean pairs), :func:`fill_splits` moves the smallest
group that has some into it from a split that keeps rows of its own; when the corpus has too few such
groups, publishing is refused in one line before the dataset folder is written. Every config then has
the same splits. With the default sizes, a corpus of fewer than :data:`MIN_GROUPS_TO_SPLIT` groups is
not split (everything in ``train``: a test set of one article measures nothing); sizes asked for
explicitly are always honoured or refused.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import itemgetter

from bitext.errors import BitextError
from bitext.formats.rows import DUPLICATE_RULES, Duplicates, SharedRow, find_duplicates, shared_texts
from bitext.publish.schema import SPLITS
from bitext.records import tuple_rows
from bitext.store import Store, store_list

__all__ = ["DUPLICATE_RULES", "Duplicates", "SplitPlan", "SplitSizes", "assign_splits", "fill_splits",
           "find_duplicates"]

SPLIT_SEED = "bitext-split/1"
MIN_GROUPS_TO_SPLIT = 10


@dataclass(frozen=True)
class SplitSizes:
    """Fractions of articles for train, validation, test (sum 1)."""

    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1
    explicit: bool = field(default=False, compare=False)  # asked for (not the default): honoured or refused
    text: str = field(default="80,10,10", compare=False)  # as the user wrote it, for messages

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
        return cls(*(p / total for p in parts), explicit=True, text=text)

    def as_dict(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}

    @property
    def wanted(self) -> tuple[str, ...]:
        """The splits of non-zero size, in :data:`SPLITS` order."""
        return tuple(sp for sp in SPLITS if getattr(self, sp) > 0)


def _unit(key: str, seed: str) -> float:
    digest = hashlib.sha256(f"{seed}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class SplitPlan:
    """The split of every article, its group (the group's smallest article id), the splits every config
    declares, why the sizes were not applied (``note``) and the groups moved to fill a split."""

    split_of: dict[str, str]
    groups: int
    splits: tuple[str, ...] = SPLITS
    note: str | None = None
    group_of: dict[str, str] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)  # group -> the split it was moved into


def _groups(stores: Sequence[Store], shared: Iterable[list[SharedRow]]) -> dict[str, str]:
    """Every article -> its group's smallest article id (articles sharing an Indonesian sentence, in any
    of ``stores``). An article id in two stores is refused: the stores are not the shards of one corpus."""
    streams = [tuple_rows(s.conn, "SELECT id, ? FROM articles ORDER BY id", (i,)) for i, s in enumerate(stores)]
    parent: dict[str, str] = {}
    for article, group in groupby(heapq.merge(*streams) if len(streams) > 1 else streams[0], itemgetter(0)):
        where = [stores[i].path for _, i in group]
        if len(where) > 1:
            raise BitextError(f"article {article!r} is in {where[0]} and in {where[1]}: the stores of one corpus"
                              " hold disjoint articles (publish each corpus on its own)", exit_code=2)
        parent[article] = article

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for rows in shared:
        first, *rest = sorted({r[2] for r in rows})
        for other in rest:
            ra, rb = find(first), find(other)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)  # the root is the group's smallest id
    return {a: find(a) for a in parent}


def assign_splits(stores: Store | Sequence[Store], sizes: SplitSizes, seed: str = SPLIT_SEED,
                  shared: Iterable[list[SharedRow]] | None = None) -> SplitPlan:
    """The split of every article of ``stores`` (one store, or the shards of one corpus: an article's split
    does not depend on which shard holds it; see the module docstring), every wanted split given pairs.
    ``shared``: :func:`~bitext.formats.rows.shared_texts` of the stores, when already read.

    Raises a one-line :class:`BitextError` (exit code 2) when there are fewer groups with pairs than
    splits asked for."""
    stores = store_list(stores)
    group_of = _groups(stores, shared_texts(stores) if shared is None else shared)
    roots = sorted(set(group_of.values()))
    if not sizes.explicit and len(roots) < MIN_GROUPS_TO_SPLIT and sizes.train < 1:
        note = (f"not split: {len(roots)} article group(s), fewer than {MIN_GROUPS_TO_SPLIT}; every article is in"
                " `train` (ask for splits with --splits to split it anyway)")
        return SplitPlan(dict.fromkeys(group_of, SPLITS[0]), len(roots), (SPLITS[0],), note, group_of)
    units = {r: _unit(r, seed) for r in roots}
    cuts = (sizes.train, sizes.train + sizes.validation)
    by_group = {r: SPLITS[0] if u < cuts[0] else SPLITS[1] if u < cuts[1] else SPLITS[2] for r, u in units.items()}
    plan = SplitPlan({a: by_group[g] for a, g in group_of.items()}, len(roots), sizes.wanted, None, group_of)
    pairs = {a: n for s in stores for a, n in s.conn.execute("SELECT article_id, COUNT(*) FROM pairs GROUP BY article_id")}
    if not pairs:  # only the articles config is published: one split, so none is empty
        return replace(plan, split_of=dict.fromkeys(plan.split_of, SPLITS[0]), splits=(SPLITS[0],),
                       note="not split: no pairs yet (run bitext align); every article is in `train`")
    return fill_splits(plan, pairs, "pairs", sizes)


def fill_splits(plan: SplitPlan, counts: Mapping[str, int], what: str, sizes: SplitSizes) -> SplitPlan:
    """``plan`` with every split of ``plan.splits`` holding some of ``counts`` (rows per article; ``what``
    names them in messages), moving the smallest groups (fewest rows, then smallest id) that have rows
    from a split that keeps rows of its own. One-line :class:`BitextError` when that is impossible."""
    per_group: Counter[str] = Counter()
    for article, n in counts.items():
        if article in plan.group_of:
            per_group[plan.group_of[article]] += n
    split_of_group = {g: plan.split_of[a] for a, g in plan.group_of.items()}
    having = [g for g in sorted(per_group) if per_group[g] > 0]
    if not having:
        return plan  # nothing to spread (an empty config is not published at all)
    if len(having) < len(plan.splits) and not sizes.explicit:  # the default sizes: not split, and said why
        note = (f"not split: {len(having)} article group(s) have {what}, fewer than the {len(plan.splits)} splits;"
                " every article is in `train` (ask for splits with --splits to be told what is missing)")
        return replace(plan, split_of=dict.fromkeys(plan.split_of, SPLITS[0]), splits=(SPLITS[0],), note=note,
                       moved={})
    if len(having) < len(plan.splits):
        raise BitextError(
            f"--splits {sizes.text}: {len(having)} article group(s) have {what}, fewer than the"
            f" {len(plan.splits)} splits asked for ({', '.join(plan.splits)}); ask for fewer (e.g. --splits 100,0,0)"
            " or add articles; nothing was written", exit_code=2)
    moved = dict(plan.moved)
    for sp in plan.splits:
        per_split = Counter(split_of_group[g] for g in having)
        if per_split[sp]:
            continue
        donors = [g for g in having if per_split[split_of_group[g]] > 1]
        if not donors:  # cannot happen with len(having) >= len(splits); kept as a guard, not a traceback
            raise BitextError(f"--splits {sizes.text}: cannot give `{sp}` {what}; nothing was written", exit_code=2)
        g = min(donors, key=lambda d: (per_group[d], d))
        split_of_group[g] = sp
        moved[g] = sp
    if moved == plan.moved:
        return plan
    split_of = {a: split_of_group[g] for a, g in plan.group_of.items()}
    return replace(plan, split_of=split_of, moved=moved)
