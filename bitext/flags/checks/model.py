"""Checks on what the translation model reported: confidence, unknown pieces, cut-off output."""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.lang.text import ends_sentence
from bitext.model import INFO, KIND_REFERENCE

RETRIED_NOTE = ("generated twice: the first output ran to its length limit or looped; "
                "this is the better-scored retry, made with repetition penalties")
"""What a reviewer is told about an MT that the engine generated a second time (``translations.retried``)."""


class Truncation(Check):
    name = "truncation"
    reason_names_threshold = False
    description = "target looks cut off"

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        cut = ends_sentence(pair.source) and not ends_sentence(pair.target)
        hit = pair.hit_max_length and pair.kind != KIND_REFERENCE  # the model's limit says nothing of human text
        evidence = {"hit_max_length": hit, "cut": cut, "tail": pair.target.strip()[-20:]}
        if pair.retried and pair.kind != KIND_REFERENCE:
            evidence["retried"] = True  # only then: the evidence (and reason) of other pairs stays as it was
        return Measurement(float(hit) + float(cut), evidence)

    def reason(self, m: Measurement) -> str:
        why = []
        if m.evidence["hit_max_length"]:
            why.append("the model stopped at its max_length")
        if m.evidence["cut"]:
            why.append(f"the source ends a sentence but the target stops mid-way ('...{m.evidence['tail']}')")
        text = "; ".join(why) if why else "target ends like the source"
        return f"{text} (the MT was {RETRIED_NOTE})" if m.evidence.get("retried") else text


class Retried(Check):
    """The engine generated this MT twice (its first output ran to the length bound or looped): worth a
    glance even when the retry ends well, but no reason to hold the pair back, hence 'info'."""

    name = "retried"
    reason_names_threshold = False
    description = "the machine translation was generated a second time"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        severity: str = option(INFO)

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.retried or pair.kind == KIND_REFERENCE:
            return None  # n/a: no row, so pairs whose MT was generated once are flagged as before
        return Measurement(1.0, {"hit_max_length": pair.hit_max_length})

    def reason(self, m: Measurement) -> str:
        hit = m.evidence["hit_max_length"]
        still = "; the retry still stopped at the length limit (see truncation)" if hit else "; the retry ends within the limit"
        return f"the MT was {RETRIED_NOTE}{still}"


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
    reason_names_threshold = False
    description = "<unk> in the tokenised source"

    def measure(self, pair: PairView) -> Measurement | None:
        if pair.kind == KIND_REFERENCE or (pair.n_tokens is None and not pair.n_unk):
            return None  # not tokenised, or a human reference (its English never went through the model)
        return Measurement(float(pair.n_unk))

    def reason(self, m: Measurement) -> str:
        if not m.score:
            return "every source piece is in the model's vocabulary"
        return f"{int(m.score)} source piece(s) unknown to the model's vocabulary: the MT could not read them"


class ModelScore(Check):
    """The model signal for English that the decoder did not produce (human references): how likely the
    corpus's MT model finds it for the source, by forced decoding (:mod:`bitext.translate.scoring`). Measured
    only when the flag stage is given a model (``bitext flag --model PATH``); n/a otherwise."""

    name = "model_score"
    description = "the MT model finds the English unlikely for this source"
    direction = "below"
    measured_with: str | None = None
    """The model the scores come from (part of the check's measure signature: another model measures again)."""

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(-2.5)

    def measure(self, pair: PairView) -> Measurement | None:
        if pair.model_score is None or not pair.target.strip():
            return None
        return Measurement(float(pair.model_score))

    def reason(self, m: Measurement) -> str:
        verdict = ": the English may not translate this source" if self.fires(m) else ""
        return (f"forced-decoding score of the English under the MT model: {m.score:.2f} nats/token "
                f"(fires {self.threshold_text()}){verdict}")
