"""MT quality where human English exists, with sacrebleu (chrF, BLEU, TER and their signatures).

Two comparisons, computed from the read model:

* **MT vs. reference**: for ``reference`` rows (Indonesian aligned with a human translation), the
  machine translation of the same Indonesian (``mt``) against the row's published English
  (``translation.en``: the human reference, or a reviewer's correction of it).
* **MT vs. post-edit** (HTER-style): for ``mt`` rows a reviewer accepted or edited, the machine
  translation against the reviewer's English (``reviewed_translation``; an accepted pair is a
  post-edit with no change).

Only published columns are used (``translation``, ``mt``, ``kind``, ``review_status``,
``reviewed_translation`` of the ``default`` config, every split), each stripped of surrounding
whitespace, so the card's table is reproducible from the dataset (the card prints the code:
:data:`bitext.publish.card.QUALITY_SNIPPET`). Rows with an empty side are left out. Scores are
corpus-level, overall and per article; the signature says how they were computed (sacrebleu's own
signature format).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bitext.model import APPROVED, KIND_MT, KIND_REFERENCE
from bitext.records import PairRecord, iter_pairs
from bitext.store import Store


@dataclass(frozen=True)
class Scores:
    """Corpus-level scores of one comparison over ``segments`` segment pairs."""

    segments: int
    chrf: float
    bleu: float
    ter: float


@dataclass(frozen=True)
class Comparison:
    """One comparison (``mt-vs-reference`` or ``mt-vs-postedit``): overall, per article, signatures."""

    name: str
    overall: Scores
    per_article: dict[str, Scores]
    signatures: dict[str, str]  # metric -> sacrebleu signature


@dataclass
class QualityCollector:
    """Collects the (hypothesis, reference) segments while records stream by; :meth:`result` scores them."""

    reference: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    postedit: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, rec: PairRecord) -> None:
        mt = (rec.mt or "").strip()
        if not mt or not rec.source.strip():
            return
        if rec.kind == KIND_REFERENCE and rec.target.strip():
            self.reference[rec.doc_id].append((mt, rec.target.strip()))
        elif rec.kind == KIND_MT and rec.review_status in APPROVED and (rec.reviewed_translation or "").strip():
            self.postedit[rec.doc_id].append((mt, rec.reviewed_translation.strip()))  # type: ignore[union-attr]

    def add_all(self, recs: Iterable[PairRecord]) -> None:
        """:meth:`add` each of ``recs`` that can have a segment (a reference row or a reviewer's English)."""
        for rec in recs:
            if rec.kind == KIND_REFERENCE or rec.review_status in APPROVED:
                self.add(rec)

    def result(self) -> list[Comparison]:
        """The comparisons that have segments (none: an empty list)."""
        out = []
        for name, by_doc in (("mt-vs-reference", self.reference), ("mt-vs-postedit", self.postedit)):
            if by_doc:
                out.append(_compare(name, by_doc))
        return out


def corpus_scores(pairs: list[tuple[str, str]]) -> tuple[Scores, dict[str, str]]:
    """sacrebleu's corpus chrF, BLEU and TER of (hypothesis, reference) ``pairs`` (rounded to 2 places) and
    each metric's signature; also what ``bitext adapt`` and ``bitext compare`` measure models with."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    hyps = [h for h, _ in pairs]
    refs = [[r for _, r in pairs]]
    metrics = {"chrF": CHRF(), "BLEU": BLEU(), "TER": TER()}
    values = {k: m.corpus_score(hyps, refs).score for k, m in metrics.items()}
    sigs = {k: str(m.get_signature()) for k, m in metrics.items()}
    return Scores(len(pairs), round(values["chrF"], 2), round(values["BLEU"], 2), round(values["TER"], 2)), sigs


def _compare(name: str, by_doc: dict[str, list[tuple[str, str]]]) -> Comparison:
    overall, sigs = corpus_scores([p for doc in sorted(by_doc) for p in by_doc[doc]])
    per_article = {doc: corpus_scores(by_doc[doc])[0] for doc in sorted(by_doc)}
    return Comparison(name, overall, per_article, sigs)


def mt_quality(corpus: Store | Iterable[PairRecord]) -> list[Comparison]:
    """The MT quality comparisons of a store (or of records already read); for ``bitext status`` and the card."""
    records = iter_pairs(corpus) if isinstance(corpus, Store) else corpus
    collector = QualityCollector()
    for rec in records:
        collector.add(rec)
    return collector.result()


def status_lines(comparisons: list[Comparison]) -> list[str]:
    """One line per comparison, as ``bitext status`` can print them."""
    return [
        f"{c.name}: chrF {c.overall.chrf:.1f}, BLEU {c.overall.bleu:.1f}, TER {c.overall.ter:.1f}"
        f" over {c.overall.segments} segment(s) in {len(c.per_article)} article(s)"
        for c in comparisons
    ]
