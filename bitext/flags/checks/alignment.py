"""Checks on the alignment: bead shape, aligner score, and agreement with the MT bridge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option

_BEAD = re.compile(r"(\d+)-(\d+)")
IDENTICAL_CHRF = 100.0
"""sacrebleu's sentence chrF of any non-blank text against itself."""


class BeadType(Check):
    name = "bead_type"
    reason_names_threshold = False
    description = "alignment is not 1-1"

    def measure(self, pair: PairView) -> Measurement | None:
        m = _BEAD.fullmatch(pair.bead_type or "")
        if not m:
            return None
        s, t = int(m.group(1)), int(m.group(2))
        return Measurement(float(abs(s - 1) + abs(t - 1)), {"bead": pair.bead_type, "sources": s, "targets": t})

    def reason(self, m: Measurement) -> str:
        s, t = m.evidence["sources"], m.evidence["targets"]
        if s == 1 and t == 1:
            return "1-1 bead"
        return f"bead {m.evidence['bead']}: {s} source sentence(s) aligned to {t} target sentence(s)"


class LowAlignment(Check):
    name = "low_alignment"
    description = "low alignment score"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0.3)

    def measure(self, pair: PairView) -> Measurement | None:
        return None if pair.align_score is None else Measurement(pair.align_score)

    def reason(self, m: Measurement) -> str:
        return f"the aligner scored this bead {m.score:.3f} (fires {self.threshold_text()})"


@lru_cache(maxsize=1)
def _chrf() -> Any:
    from sacrebleu.metrics import CHRF  # heavy: only when a pair has an MT bridge

    return CHRF()


class BridgeMismatch(Check):
    name = "bridge_mismatch"
    description = "target disagrees with the machine translation"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(18)

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.mt or not pair.mt.strip() or not pair.target.strip():
            return None
        if pair.target == pair.mt:
            # The usual case (an MT pair's target is its MT): chrF of a text against itself is 100
            # (tests/flags/test_checks.py checks it against sacrebleu), so skip computing it.
            return Measurement(IDENTICAL_CHRF)
        return Measurement(float(_chrf().sentence_score(pair.target, [pair.mt]).score))

    def reason(self, m: Measurement) -> str:
        verdict = ": the target may belong to another sentence" if self.fires(m) else ""
        return (f"chrF of the target against the machine translation is {m.score:.1f} "
                f"(fires {self.threshold_text()}){verdict}")


class ArticleAlignment(Check):
    name = "article_alignment"
    description = "article alignment doubtful"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0.4)

    def measure(self, pair: PairView) -> Measurement | None:
        if pair.article_confidence is None:
            return None
        return Measurement(float(pair.article_confidence))

    def reason(self, m: Measurement) -> str:
        verdict = "the article alignment is doubtful (wrong reference, or an offset missed?)" if self.fires(
            m) else "the article aligns well"
        return f"article alignment confidence {m.score:.2f} (fires {self.threshold_text()}): {verdict}"
