"""The stats page's error typology and its MT-vs-reference tables.

Counts are of each pair's *current* decision (the applying one, :mod:`bitext.review.schema`'s state
table), so an error annotated on a decision later undone or replaced is no longer counted. Per model:
the English of an ``mt`` pair comes from the model its translation signature names
(``pairs.signature``'s ``model:`` field); a ``reference`` pair's English is a human translation, counted
under "reference". Agreement per category compares two reviewers' newest decisions on the same pair (a
double review): whether each marked the category, as raw agreement and Cohen's kappa.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bitext.model import DECISIONS, KIND_MT, KIND_REFERENCE, Signature
from bitext.review.typology import (
    CATEGORY_NAMES,
    SEVERITIES,
    SEVERITY_WEIGHT,
    ensure_notes,
    has_notes,
    notes_for,
)
from bitext.store import Store

KIND_LABELS = {"mt": "MT", KIND_REFERENCE: "reference"}
"""How the app labels a pair's kind."""
TOP_ARTICLES = 20


def kind_label(kind: str) -> str:
    """"MT" or "reference" (another kind as it is)."""
    return KIND_LABELS.get(kind, kind)


def model_label(kind: str, signature: str | None) -> str:
    """Whose English a pair has: "reference" (a human translation), or "MT: <model>" from its translation
    signature ("MT: unknown model" when it names none)."""
    if kind == KIND_REFERENCE:
        return "reference"
    model = None
    if signature:
        try:
            model = Signature.parse(signature).get("model")
        except (ValueError, TypeError):
            model = None
    return f"MT: {model or 'unknown model'}"


@dataclass
class Group:
    """Decided pairs of one article, model or kind, and the errors annotated on their decisions."""

    name: str
    decided: int = 0
    annotated: int = 0  # decided pairs whose decision carries at least one error
    by_severity: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(self.by_severity.values())

    @property
    def penalty(self) -> int:
        """MQM penalty points (minor 1, major 5, critical 10)."""
        return sum(SEVERITY_WEIGHT[s] * n for s, n in self.by_severity.items())

    @property
    def per_100(self) -> float | None:
        """Errors per 100 decided pairs."""
        return 100 * self.errors / self.decided if self.decided else None


@dataclass(frozen=True)
class KindRow:
    """Progress of one kind of pair."""

    kind: str
    pairs: int
    decided: int
    edited: int
    rejected: int

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    @property
    def pending(self) -> int:
        return self.pairs - self.decided


@dataclass(frozen=True)
class CategoryAgreement:
    """Two reviewers on the same pairs: did both (or neither) mark this category?"""

    category: str
    pairs: int
    agreed: int
    kappa: float | None

    @property
    def share(self) -> float | None:
        return self.agreed / self.pairs if self.pairs else None


@dataclass
class Typology:
    """What the stats page shows of the error annotations."""

    counts: dict[tuple[str, str], int]  # (category, severity) -> errors
    per_article: list[Group]  # most errors first, at most TOP_ARTICLES
    per_model: list[Group]
    kinds: list[KindRow]
    agreement: list[CategoryAgreement]
    double_reviewed: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def category_total(self, category: str) -> int:
        return sum(n for (c, _), n in self.counts.items() if c == category)

    def severity_total(self, severity: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == severity)


_DECIDED = "(" + ", ".join(f"'{d}'" for d in DECISIONS) + ")"


def kind_progress(store: Store) -> list[KindRow]:
    """Pairs, decided, edited and rejected per kind (MT vs reference): the decided ones from the state
    table's status index, the pairs per kind from the count of pairs and the narrow UNIQUE (article_id, kind, bead_idx)
    index the planner picks (not a scan of the wide state rows)."""
    conn = store.conn
    totals = dict(conn.execute("SELECT kind, COUNT(*) FROM pairs WHERE kind != ?"
                               " GROUP BY kind", (KIND_MT,)).fetchall())  # the few non-MT pairs; MT: the rest
    totals[KIND_MT] = conn.execute("SELECT COUNT(*) FROM pairs").fetchone()[0] - sum(totals.values())
    totals = {k: n for k, n in totals.items() if n}
    tally: dict[str, Counter[str]] = {k: Counter() for k in totals}
    for kind, status, n in conn.execute(f"SELECT kind, status, COUNT(*) FROM review_pair_state WHERE status IN"
                                        f" {_DECIDED} GROUP BY 1, 2"):
        tally.setdefault(kind, Counter())[status] += n
    return [KindRow(k, totals.get(k, 0), sum(c[d] for d in DECISIONS), c["edited"], c["rejected"])
            for k, c in sorted(tally.items())]


def typology_stats(store: Store) -> Typology:
    """The error typology of the current decisions: per category and severity, per article, per model
    (and reference), per kind, and agreement per category between two reviewers. One pass over the
    decided pairs (the status index) with the annotations of their current decisions."""
    ensure_notes(store)
    conn = store.conn
    errors: dict[int, list[tuple[str, str]]] = {}
    if has_notes(conn):
        for rid, category, severity in conn.execute("SELECT review_id, category, severity FROM review_errors"):
            errors.setdefault(rid, []).append((category, severity))
    counts: Counter[tuple[str, str]] = Counter()
    decided: Counter[str] = Counter()  # per article
    articles: dict[str, Group] = {}  # annotated articles only (a Group per article of a corpus costs)
    models: dict[str, Group] = {}
    labels: dict[tuple[str, str | None], Group] = {}
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples: 20k decided pairs at 200k
    for article, kind, signature, rid in cur.execute(
            "SELECT s.article_id, s.kind, p.signature, s.review_id FROM review_pair_state s JOIN pairs p"
            f" ON p.id = s.pair_id WHERE s.status IN {_DECIDED}"):
        model = labels.get((kind, signature))
        if model is None:
            label = model_label(kind, signature)
            model = labels[(kind, signature)] = models.setdefault(label, Group(label))
        model.decided += 1
        decided[article] += 1
        found = errors.get(rid)
        if found:
            group = articles.get(article) or articles.setdefault(article, Group(article))
            for g in (group, model):
                g.annotated += 1
                for _, severity in found:
                    g.by_severity[severity] += 1
            counts.update(found)
    for name, group in articles.items():
        group.decided = decided[name]
    top = sorted(articles.values(), key=lambda g: (-g.penalty, -g.errors, g.name))[:TOP_ARTICLES]
    agreement, double = category_agreement(store)
    return Typology(dict(counts), top, sorted(models.values(), key=lambda g: g.name), kind_progress(store),
                    agreement, double)


def _kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    n = len(pairs)
    if not n:
        return None
    po = sum(a == b for a, b in pairs) / n
    p1 = sum(a for a, _ in pairs) / n
    p2 = sum(b for _, b in pairs) / n
    pe = p1 * p2 + (1 - p1) * (1 - p2)
    return None if pe >= 1 else (po - pe) / (1 - pe)


def category_agreement(store: Store) -> tuple[list[CategoryAgreement], int]:
    """Per category, over the pairs two reviewers decided (each one's newest decision, people's own:
    carried and propagated rows left out; the first two reviewers by name where more decided): pairs,
    agreed (both or neither marked it) and Cohen's kappa. Also returns how many pairs were compared."""
    conn = store.conn
    rows = conn.execute(
        f"SELECT r.pair_id, r.reviewer, MAX(r.id) FROM reviews r WHERE r.status IN {_DECIDED}"
        f" AND r.pair_id IN (SELECT pair_id FROM reviews WHERE status IN {_DECIDED} GROUP BY pair_id"
        "  HAVING COUNT(DISTINCT reviewer) >= 2)"
        " AND r.id NOT IN (SELECT carried_to FROM review_carried)"
        " AND r.id NOT IN (SELECT review_id FROM review_propagated)"
        " GROUP BY r.pair_id, r.reviewer ORDER BY r.pair_id, r.reviewer").fetchall()
    per_pair: dict[str, list[int]] = {}
    for pid, _, rid in rows:
        per_pair.setdefault(pid, []).append(rid)
    compared = [ids[:2] for ids in per_pair.values() if len(ids) >= 2]
    notes = notes_for(conn, [i for ids in compared for i in ids])
    marked = {rid: {c for c, _ in notes[rid].errors} if rid in notes else set() for ids in compared for rid in ids}
    out = []
    for category in CATEGORY_NAMES:
        votes = [(category in marked[a], category in marked[b]) for a, b in compared]
        out.append(CategoryAgreement(category, len(votes), sum(x == y for x, y in votes), _kappa(votes)))
    return out, len(compared)


__all__ = ["CATEGORY_NAMES", "SEVERITIES", "Typology", "typology_stats", "kind_progress", "category_agreement",
           "kind_label", "model_label"]
