"""``bitext compare``: two translation models on the same pairs, with significance.

Both models translate the same Indonesian (:func:`bitext.adapt.data.select`: held-out trusted pairs,
every reviewed pair, or every clean reference) through the translate engine
(:func:`bitext.translate.engine.load_engine`, the same backend and beam for both; translations already in
the corpus under the same signature are read, not made again; nothing is written to the corpus). Each is
scored against the trusted English with sacrebleu (chrF, BLEU, TER and their signatures); sacrebleu's
paired bootstrap resampling (``PairedTest``, ``bs``; seed ``SACREBLEU_SEED``, 12345 unless set) says
whether model B's difference from model A is significant. Also: a per-article chrF table and the
sentences where the two differ most (sentence chrF).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bitext.adapt.data import TrustedPair, select
from bitext.errors import BitextError
from bitext.publish.quality import Scores, corpus_scores
from bitext.publish.selection import SplitSizes
from bitext.store import Store

METRICS = ("chrF", "BLEU", "TER")


@dataclass(frozen=True)
class ModelResult:
    """One model's translations and scores."""

    label: str
    fingerprint: str
    translation_signature: str
    scores: Scores
    reused: int  # translations read from the corpus (same signature) instead of made
    hyps: list[str] = field(repr=False, default_factory=list)


@dataclass(frozen=True)
class Significance:
    """Paired bootstrap of model B against model A for one metric (sacrebleu's ``Result`` fields)."""

    metric: str
    a_mean: float
    a_ci: float
    b_mean: float
    b_ci: float
    p_value: float
    signature: str  # sacrebleu's signature of the test (bs:N|seed:S|...)

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


@dataclass(frozen=True)
class CompareReport:
    """What ``bitext compare`` found."""

    on: str
    pairs: list[TrustedPair]
    a: ModelResult
    b: ModelResult
    metric_signatures: dict[str, str]
    significance: list[Significance]
    bootstrap_samples: int
    per_article: list[dict[str, Any]]  # article, pairs, chrF A, chrF B, delta
    differences: list[dict[str, Any]]  # the sentences where the two differ most

    def as_dict(self) -> dict[str, Any]:
        def model(m: ModelResult) -> dict[str, Any]:
            return {"label": m.label, "fingerprint": m.fingerprint, "translation_signature": m.translation_signature,
                    "scores": asdict(m.scores), "reused_translations": m.reused}

        return {
            "on": self.on, "pairs": len(self.pairs), "a": model(self.a), "b": model(self.b),
            "metric_signatures": self.metric_signatures,
            "paired_bootstrap": {"samples": self.bootstrap_samples,
                                 "metrics": [{**asdict(s), "significant": s.significant} for s in self.significance]},
            "per_article": self.per_article, "differences": self.differences,
        }


def _label(model: str) -> str:
    path = Path(model)
    return path.name if path.is_dir() else model


def _translate(store: Store, model: str, sources: list[str], refs: list[str],
               options: dict[str, Any]) -> tuple[ModelResult, dict[str, str]]:
    """``model``'s translations of ``sources`` scored against ``refs``, and sacrebleu's metric signatures."""
    from bitext.translate.engine import load_engine

    engine = load_engine(model, **options)
    signature = str(engine.signature)
    unique = sorted(set(sources))
    cached = {src: row["text"] for src, row in store.translations(signature, unique).items()}
    missing = [s for s in unique if s not in cached]
    made = {t.source: t.text for t in engine.translate(missing)} if missing else {}
    hyps = [(cached.get(s) if s in cached else made[s]).strip() for s in sources]
    scores, sigs = corpus_scores(list(zip(hyps, refs, strict=True)))
    return ModelResult(_label(model), engine.ref.fingerprint, signature, scores, len(cached), hyps), sigs


def _bootstrap(a: ModelResult, b: ModelResult, refs: list[str], samples: int) -> list[Significance]:
    from sacrebleu.metrics import BLEU, CHRF, TER
    from sacrebleu.significance import PairedTest

    test = PairedTest([(a.label, a.hyps), (b.label, b.hyps)], {"chrF": CHRF(), "BLEU": BLEU(), "TER": TER()},
                      references=[refs], test_type="bs", n_samples=samples)
    signatures, results = test()
    # sacrebleu keys the results by its own metric names ('chrF2'), in the order the metrics were given.
    out = []
    for metric, key in zip(METRICS, [k for k in results if k != "System"], strict=True):
        ra, rb = results[key]
        # Identical outputs: sacrebleu's p is 1/(samples+1) (no resample beats a zero difference); no difference
        # is never significant.
        p_value = 1.0 if a.hyps == b.hyps else float(rb.p_value)
        out.append(Significance(metric, round(float(ra.mean), 2), round(float(ra.ci), 2), round(float(rb.mean), 2),
                                round(float(rb.ci), 2), p_value, str(signatures[key])))
    return out


def compare_models(
    store: Store,
    model_a: str,
    model_b: str,
    *,
    on: str = "held-out",
    sizes: SplitSizes | None = None,
    samples: int = 1000,
    top: int = 20,
    **engine_options: Any,
) -> CompareReport:
    """Translate the ``on`` pairs of ``store`` with both models and compare them (see the module docstring).

    ``engine_options`` go to :func:`bitext.translate.engine.load_engine` for both (backend, beams, device…)."""
    from sacrebleu.metrics import CHRF

    if samples < 1:
        raise BitextError(f"--samples {samples}: must be at least 1", 2)
    from bitext.translate.models import resolve_model

    for model in (model_a, model_b):  # both found before either translates (a typo in B costs nothing)
        resolve_model(model)
    pairs = select(store, on, sizes)
    sources = [p.source for p in pairs]
    refs = [p.target.strip() for p in pairs]
    (a, sigs), (b, _) = (_translate(store, model, sources, refs, engine_options) for model in (model_a, model_b))
    if a.label == b.label:  # the same name twice (two revisions): the bootstrap needs two names
        a, b = replace(a, label=f"A:{a.label}"), replace(b, label=f"B:{b.label}")
    significance = _bootstrap(a, b, refs, samples)

    chrf = CHRF()
    by_article: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_article[p.article_id].append(i)
    per_article = []
    for article in sorted(by_article):
        idx = by_article[article]
        # chrF only (as corpus_scores computes it, rounded alike): the table shows no BLEU or TER, and TER
        # is the slow one.
        article_refs = [[refs[i] for i in idx]]
        ca, cb = (round(chrf.corpus_score([m.hyps[i] for i in idx], article_refs).score, 2) for m in (a, b))
        per_article.append({"article": article, "pairs": len(idx), "chrf_a": ca, "chrf_b": cb,
                            "delta": round(cb - ca, 2)})

    diffs = []
    for i, p in enumerate(pairs):
        if a.hyps[i] == b.hyps[i]:
            continue
        sa = chrf.sentence_score(a.hyps[i], [refs[i]]).score
        sb = chrf.sentence_score(b.hyps[i], [refs[i]]).score
        diffs.append({"pair_id": p.pair_id, "source": p.source, "reference": refs[i], "a": a.hyps[i],
                      "b": b.hyps[i], "chrf_a": round(sa, 2), "chrf_b": round(sb, 2), "delta": round(sb - sa, 2)})
    diffs.sort(key=lambda d: (-abs(d["delta"]), d["pair_id"]))
    return CompareReport(on, pairs, a, b, sigs, significance, samples, per_article, diffs[:top])


def render_text(report: CompareReport) -> str:
    """The report as ``bitext compare`` prints it."""
    r = report
    a, b = r.a, r.b
    lines = [f"compare on {r.on}: {len(r.pairs)} pairs in {len(r.per_article)} articles",
             f"  A = {a.label}  ({a.fingerprint})", f"  B = {b.label}  ({b.fingerprint})", "",
             f"{'metric':<6} {'A':>8} {'B':>8} {'B-A':>8}   paired bootstrap ({r.bootstrap_samples} samples)"]
    for s in r.significance:
        va, vb = (getattr(m.scores, s.metric.lower()) for m in (a, b))
        verdict = "significant" if s.significant else "not significant"
        better = "" if not s.significant else (" (B better)" if (vb > va) != (s.metric == "TER") else " (A better)")
        lines.append(f"{s.metric:<6} {va:8.2f} {vb:8.2f} {vb - va:+8.2f}   p = {s.p_value:.4f}, {verdict}{better};"
                     f" A {s.a_mean:.2f} ± {s.a_ci:.2f}, B {s.b_mean:.2f} ± {s.b_ci:.2f}")
    lines += ["", "sacrebleu signatures:"] + [f"  {k}: {v}" for k, v in sorted(r.metric_signatures.items())]
    lines += ["", f"{'article':<24} {'pairs':>5} {'chrF A':>8} {'chrF B':>8} {'B-A':>8}"]
    lines += [f"{row['article']:<24} {row['pairs']:>5} {row['chrf_a']:8.2f} {row['chrf_b']:8.2f} {row['delta']:+8.2f}"
              for row in r.per_article]
    lines += ["", f"the {len(r.differences)} sentences where A and B differ most (sentence chrF):"]
    for d in r.differences:
        lines += [f"- {d['pair_id']}  A {d['chrf_a']:.1f}  B {d['chrf_b']:.1f}  ({d['delta']:+.1f})",
                  f"    id:  {d['source']}", f"    ref: {d['reference']}", f"    A:   {d['a']}", f"    B:   {d['b']}"]
    return "\n".join(lines)


__all__: Sequence[str] = ("CompareReport", "compare_models", "render_text")
