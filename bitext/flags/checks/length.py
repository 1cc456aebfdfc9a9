"""Length checks: the target/source length ratio, raw and against clean pairs of the same length.

Both are :class:`~bitext.flags.calibration.CalibratedCheck`: their bounds follow the corpus's own
distribution of scores (per pair kind), with the clean calibration data's centre and scale as the prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bitext.flags.base import CheckOptions, Measurement, PairView, option
from bitext.flags.calibration import CalibratedCheck, Prior
from bitext.lang.text import word_tuple

# Length norms of clean id->en pairs by source length in characters: (bin start, median and robust sd
# (1.4826 * MAD) of log char ratio, the same of log word ratio). From the 5301 clean pairs of
# ``scripts/eval_flags.py --calibrate`` (clean pairs only). Longer sentences have steadier ratios, so one
# ratio range for all lengths (length_ratio) is too loose on long pairs and too tight on short ones.
LENGTH_NORMS: tuple[tuple[int, float, float, float, float], ...] = (
    (0, 0.036, 0.160, 0.154, 0.229), (20, -0.054, 0.156, 0.154, 0.229), (30, -0.112, 0.147, 0.118, 0.175),
    (40, -0.164, 0.157, 0.000, 0.175), (60, -0.121, 0.164, 0.080, 0.169), (90, -0.057, 0.110, 0.105, 0.156),
    (130, -0.086, 0.110, 0.087, 0.129), (180, -0.105, 0.091, 0.065, 0.114),
)


class LengthRatio(CalibratedCheck):
    name = "length_ratio"
    description = "target/source character length ratio"
    prior = Prior(centre=-0.092, scale=0.161, log=True)
    """Median and robust sd of log(ratio) on the clean calibration part (``eval_flags.py --calibrate``)."""

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: tuple[float, float] = option((0.595, 1.426))
        smoothing: float = option(10, "non-negative number")
        calibrate: bool = option(True, "boolean", decides=True)
        prior_pairs: int = option(1000, "non-negative integer", decides=True)

    def measure(self, pair: PairView) -> Measurement | None:
        s, t = pair.source.strip(), pair.target.strip()
        if not s or not t:
            return None
        k = float(self.options.smoothing)  # damps the noise of very short sentences
        return Measurement((len(t) + k) / (len(s) + k),
                           {"target_chars": len(t), "source_chars": len(s), "kind": pair.kind})

    def reason(self, m: Measurement) -> str:
        low, high = self.bounds(m.evidence.get("kind"))
        text = f"target is {m.evidence['target_chars']} chars for {m.evidence['source_chars']} source chars: ratio {m.score:.2f} is "
        if low <= m.score <= high:
            # No bound named: a row that neither fired nor fires keeps its reason when the bounds move.
            return text + "within range"
        verdict = "too short" if m.score < low else "too long"
        return text + f"{verdict} (fires {self.bounds_text(m.evidence.get('kind'))})"


def length_z(source: str, target: str) -> tuple[float, float] | None:
    """(char, word) z-scores of the target/source length ratio against clean pairs of the same length.

    Log ratios with add-10 chars / add-2 words smoothing, centred and scaled by :data:`LENGTH_NORMS`;
    None when either side is empty. Negative = target shorter than usual.
    """
    s, t = source.strip(), target.strip()
    if not s or not t:
        return None
    row = next(r for r in reversed(LENGTH_NORMS) if len(s) >= r[0])
    zc = (math.log((len(t) + 10) / (len(s) + 10)) - row[1]) / row[2]
    zw = (math.log((len(word_tuple(t)) + 2) / (len(word_tuple(s)) + 2)) - row[3]) / row[4]
    return zc, zw


class LengthZ(CalibratedCheck):
    name = "length_z"
    description = "target length unusual for a source of this length"
    prior = Prior(centre=-0.054, scale=0.842)
    """Median and robust sd of the score on the clean calibration part (``eval_flags.py --calibrate``)."""

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: tuple[float, float] = option((-2.2, 2.5))
        calibrate: bool = option(True, "boolean", decides=True)
        prior_pairs: int = option(1000, "non-negative integer", decides=True)

    def measure(self, pair: PairView) -> Measurement | None:
        z = length_z(pair.source, pair.target)
        if z is None:
            return None
        # Chars and words err differently (long words vs. many short ones): their mean is steadier.
        return Measurement((z[0] + z[1]) / 2, {"chars": z[0], "words": z[1],
                                               "source_chars": len(pair.source.strip()), "kind": pair.kind})

    def reason(self, m: Measurement) -> str:
        zc, zw = m.evidence["chars"], m.evidence["words"]
        low, high = self.bounds(m.evidence.get("kind"))
        text = (f"length z-score {m.score:.2f} (chars {zc:.2f}, words {zw:.2f}) against clean pairs of "
                f"{m.evidence['source_chars']}-char sources")
        if low <= m.score <= high:
            return text + ": usual length"  # no bound named (see LengthRatio.reason)
        verdict = ("much shorter than usual: part of the sentence may be missing" if m.score < low
                   else "much longer than usual: the target may hold more than the source")
        return text + f", fires {self.bounds_text(m.evidence.get('kind'))}: {verdict}"
