"""Checks on what the translation model reported: confidence, unknown pieces, cut-off output."""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.lang.text import ends_sentence
from bitext.model import KIND_REFERENCE


class Truncation(Check):
    name = "truncation"
    description = "target looks cut off"

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        cut = ends_sentence(pair.source) and not ends_sentence(pair.target)
        hit = pair.hit_max_length and pair.kind != KIND_REFERENCE  # the model's limit says nothing of human text
        return Measurement(float(hit) + float(cut),
                           {"hit_max_length": hit, "cut": cut, "tail": pair.target.strip()[-20:]})

    def reason(self, m: Measurement) -> str:
        why = []
        if m.evidence["hit_max_length"]:
            why.append("the model stopped at its max_length")
        if m.evidence["cut"]:
            why.append(f"the source ends a sentence but the target stops mid-way ('...{m.evidence['tail']}')")
        return "; ".join(why) if why else "target ends like the source"


class LowConfidence(Check):
    name = "low_confidence"
    description = "low model confidence"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(-1.5)

    def measure(self, pair: PairView) -> Measurement | None:
        if pair.logprob is None or pair.kind == KIND_REFERENCE:
            return None  # the model's confidence in its own output says nothing of a human reference
        return Measurement(pair.logprob)

    def reason(self, m: Measurement) -> str:
        return (f"the model's length-normalised log-probability is {m.score:.2f} "
                f"(fires {self.threshold_text()})")


class UnkSource(Check):
    name = "unk_source"
    description = "<unk> in the tokenised source"

    def measure(self, pair: PairView) -> Measurement | None:
        if pair.kind == KIND_REFERENCE or (pair.n_tokens is None and not pair.n_unk):
            return None  # not tokenised, or a human reference (its English never went through the model)
        return Measurement(float(pair.n_unk))

    def reason(self, m: Measurement) -> str:
        if not m.score:
            return "every source piece is in the model's vocabulary"
        return f"{int(m.score)} source piece(s) unknown to the model's vocabulary: the MT could not read them"
