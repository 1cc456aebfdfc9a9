"""Checks calibrated on the corpus's own scores: the length checks' bounds follow the corpus.

The built-in length bounds were fitted on clean, close translations (FLORES, Tatoeba). Free but correct
translations vary 2.5-3x more, and machine translations less, so one fixed range is too tight for the
first and too loose for the second. A :class:`CalibratedCheck` keeps its score (measured once, stored) and
moves its bounds instead: per pair kind ('mt', 'reference'), the robust centre and scale (median,
1.4826 x MAD) of the scores of the corpus's pairs with no other finding are shrunk towards the clean
calibration data's own (:class:`Prior`, the built-in constants: a small corpus keeps the built-in bounds)
with weight ``n / (n + prior_pairs)``; the configured bounds, read as "so many clean scales from the clean
centre", are then placed at the same distance in the corpus's scale. Scales are kept within
[``MIN_RATIO``, ``MAX_RATIO``] x the prior's and quantised, so a growing corpus re-decides only when its
distribution really moved.

The stage (:func:`bitext.flags.stage.flag_corpus`) fits the bounds from the stored scores after measuring
(:func:`corpus_calibration`), keeps them in meta ``flags.calibration`` and re-decides the checks whose
bounds moved (:func:`bitext.flags.scores.redecide`): no pair is measured again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from bitext.flags.base import Check, Measurement, fmt
from bitext.model import BLOCKING_SEVERITIES
from bitext.store import Store, iter_flag_scores

MIN_RATIO, MAX_RATIO = 0.5, 4.0
"""The corpus's scale may be this many times the clean calibration data's, no less and no more."""
_STEP_SCALE, _STEP_CENTRE = 0.05, 0.02
"""Quantisation of the scale ratio and of the centre (in prior scales): stable bounds as a corpus grows."""
MAD_SD = 1.4826
"""MAD x this = the standard deviation of a normal distribution (a robust scale)."""

Bounds = dict[str, list[float]]
"""Pair kind -> [low, high] bounds in score units."""


@dataclass(frozen=True)
class Prior:
    """Where the clean calibration data's scores lie: robust ``centre`` and ``scale`` of the score (of its
    logarithm when ``log``)."""

    centre: float
    scale: float
    log: bool = False

    def to(self, x: float) -> float:
        """A score on the scale the centre and scale are measured on."""
        return math.log(x) if self.log else x

    def back(self, y: float) -> float:
        """The inverse of :meth:`to`."""
        return math.exp(y) if self.log else y


class CalibratedCheck(Check):
    """An 'outside' check whose bounds may be calibrated on the corpus (see the module's doc).

    A subclass sets :attr:`prior` and gives its ``Options`` the fields ``calibrate`` (bool) and
    ``prior_pairs`` (int), both marked ``decides``; its measurements carry the pair's kind in their
    evidence (``"kind"``), since the bounds are per kind. ``calibrated`` (kind -> bounds) is set by
    :meth:`set_calibration`; None (or a kind not in it) means the configured threshold.
    """

    prior: ClassVar[Prior]
    direction = "outside"
    calibrated: Bounds | None = None

    def set_calibration(self, bounds: Bounds | None) -> None:
        """Use ``bounds`` (from :func:`fit`) for the decisions; ignored when the check's ``calibrate`` is off."""
        self.calibrated = dict(bounds) if bounds and self.options.calibrate else None

    def bounds(self, kind: str | None) -> tuple[float, float]:
        """The bounds a pair of ``kind`` is judged by."""
        if self.calibrated and kind in self.calibrated:
            low, high = self.calibrated[kind]
            return low, high
        low, high = self.threshold
        return low, high

    def fires(self, m: Measurement) -> bool:
        low, high = self.bounds(m.evidence.get("kind"))
        return m.score < low or m.score > high

    def narrowest(self) -> tuple[float, float]:
        """The narrowest bounds over every kind (and the configured ones): a score inside fires for no kind."""
        all_bounds = [tuple(self.threshold), *(tuple(b) for b in (self.calibrated or {}).values())]
        return max(b[0] for b in all_bounds), min(b[1] for b in all_bounds)

    def bounds_text(self, kind: str | None) -> str:
        """'outside [a, b]', with where the bounds come from when calibrated."""
        low, high = self.bounds(kind)
        text = f"outside [{fmt(float(low))}, {fmt(float(high))}]"
        if self.calibrated and kind in self.calibrated:
            text += f", calibrated on this corpus's {kind} pairs"
        return text


def fit(check: CalibratedCheck, scores: Mapping[str, Sequence[float]]) -> Bounds:
    """Bounds per kind from the scores of pairs with no other finding (``scores``: kind -> scores).

    Kinds with no score, or whose bounds come out as the configured ones, are left out (they keep those).
    """
    from statistics import median  # not numpy: the stage's main process stays without it (15 MiB)

    prior, n0 = check.prior, float(check.options.prior_pairs)
    low, high = check.options.threshold
    out: Bounds = {}
    for kind, values in sorted(scores.items()):
        x = [math.log(v) for v in values if v > 0] if prior.log else [float(v) for v in values]
        if not x:
            continue
        centre = float(median(x))
        scale = MAD_SD * float(median([abs(v - centre) for v in x])) or prior.scale
        w = len(x) / (len(x) + n0)
        centre = w * centre + (1 - w) * prior.centre
        ratio = (w * scale + (1 - w) * prior.scale) / prior.scale
        ratio = min(MAX_RATIO, max(MIN_RATIO, round(ratio / _STEP_SCALE) * _STEP_SCALE))
        step = _STEP_CENTRE * prior.scale
        centre = prior.centre + round((centre - prior.centre) / step) * step
        bounds = [round(prior.back(centre + (prior.to(b) - prior.centre) * ratio), 3) for b in (low, high)]
        if bounds != [round(low, 3), round(high, 3)]:  # kinds that keep the configured bounds are left out
            out[kind] = bounds
    return out


SAMPLE = 200_000
"""At most about this many scores per check are read (every k-th row by rowid, i.e. spread over the corpus):
a median and a MAD of 200,000 scores are as good as of all, and a calibration costs the same at 10M pairs."""


def corpus_scores(store: Store, checks: Sequence[str], others: Sequence[str],
                  sample: int | None = None) -> dict[str, dict[str, list[float]]]:
    """Check -> kind -> stored scores of ``checks`` on the pairs where no blocking check fired, the checks
    ``others`` (the calibrated ones: they are what is being calibrated) apart; a sample of about ``sample`` (default :data:`SAMPLE`)."""
    if not checks:
        return {}
    sev = ",".join("?" * len(BLOCKING_SEVERITIES))
    skip = ",".join("?" * len(others))
    # The blocked pairs are gathered once (fired rows only), not looked up per score.
    blocked = {r[0] for r in store.conn.execute(
        f"SELECT pair_id FROM pair_flags WHERE fired = 1 AND severity IN ({sev}) AND check_name NOT IN ({skip})",
        (*BLOCKING_SEVERITIES, *others))}
    n = store.conn.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
    every = max(1, math.ceil(n / max(1, sample or SAMPLE)))  # every k-th flagged pair: a sample of about SAMPLE per check
    out: dict[str, dict[str, list[float]]] = {c: {} for c in checks}
    seen, last = 0, None
    for pid, check, score, _, _, kind in iter_flag_scores(store.conn, checks, kinds=True):
        if pid != last:
            seen, last = seen + 1, pid
        if score is not None and seen % every == 0 and pid not in blocked:
            out[check].setdefault(kind, []).append(score)
    return out


def calibration_scores(store: Store, checks: Sequence[Check],
                       sample: int | None = None) -> dict[str, dict[str, list[float]]]:
    """What :func:`corpus_calibration` fits on: check -> kind -> stored scores of the calibrated checks of
    ``checks`` whose ``calibrate`` is on (:func:`corpus_scores`). A sharded corpus gathers these from every
    shard and fits once on their union (:mod:`bitext.sharded`): the bounds one store would have."""
    calibrated = [c for c in checks if isinstance(c, CalibratedCheck) and c.options.calibrate]
    # Every calibrated check is left out of "no other finding", calibrated now or not: the outcome must not
    # depend on the order their rows are re-decided in.
    names = [c.name for c in checks if isinstance(c, CalibratedCheck)]
    return corpus_scores(store, [c.name for c in calibrated], names, sample)


def corpus_calibration(store: Store, checks: Sequence[Check],
                       found: Mapping[str, Mapping[str, Sequence[float]]] | None = None) -> dict[str, Bounds]:
    """Check name -> kind -> bounds, for the calibrated checks of ``checks`` whose ``calibrate`` is on, fitted
    on ``found`` (check -> kind -> scores: the whole corpus's, from every shard) or else on this store's."""
    if found is None:
        found = calibration_scores(store, checks)
    calibrated = [c for c in checks if isinstance(c, CalibratedCheck) and c.options.calibrate]
    fitted = {c.name: fit(c, found.get(c.name, {})) for c in calibrated}
    return {name: bounds for name, bounds in fitted.items() if bounds}


def apply_calibration(checks: Sequence[Check], calibration: Mapping[str, Any] | None) -> None:
    """Give every calibrated check of ``checks`` its bounds from ``calibration`` (check -> kind -> bounds)."""
    for c in checks:
        if isinstance(c, CalibratedCheck):
            c.set_calibration((calibration or {}).get(c.name))
