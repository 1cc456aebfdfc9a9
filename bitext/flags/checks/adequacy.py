"""The adequacy check: does the English say what the Indonesian says? Lexical coverage in both directions
from the corpus lexicon (:mod:`bitext.lexicon`), with no MT bridge: the English of a neighbouring sentence
or of another pair, or a dropped half, leaves many content words without a translation on the other side.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, fmt, option
from bitext.flags.context import current_lexicon


class Adequacy(Check):
    name = "adequacy"
    description = "content words without a translation on the other side (corpus lexicon)"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0.2)
        min_words: int = option(3, "positive integer")

    def measure(self, pair: PairView) -> Measurement | None:
        lexicon = current_lexicon()
        if lexicon is None or not pair.source.strip() or not pair.target.strip():
            return None
        least = int(self.options.min_words)
        sides = {}
        for direction, (judged, missing) in lexicon.both_ways(pair.source, pair.target).items():
            if judged >= least:  # fewer words known: too little to judge this side
                sides[direction] = (1.0 - len(missing) / judged, tuple(missing))
        if not sides:
            return None
        score = min(share for share, _ in sides.values())
        return Measurement(score, {d: share for d, (share, _) in sides.items()}
                           | {f"missing_{d}": missing for d, (_, missing) in sides.items()})

    def reason(self, m: Measurement) -> str:
        parts = []
        for d, label, side in (("id-en", "Indonesian", "English"), ("en-id", "English", "Indonesian")):
            if d in m.evidence:
                missing = m.evidence[f"missing_{d}"]
                words = f": {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}" if missing else ""
                parts.append(f"{fmt(m.evidence[d] * 100)} % of the {label} words known to the corpus lexicon have "
                             f"a translation in the {side}{words}")
        return "; ".join(parts) + f" (fires {self.threshold_text()})"
