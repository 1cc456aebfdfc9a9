"""How much does each check flag, and what if its threshold were another? From the stored scores only.

``bitext flag CORPUS --report`` (and the review app's stats page) read the scores the flag stage stored
(:mod:`bitext.flags.scores`): per check how many pairs it was measured on and fired on (by severity), a
histogram of its scores with bins chosen from the data, pairs on both sides of the threshold, and how
many pairs would fire at other thresholds (quantiles of the scores, and values asked for). Nothing is
measured; scores of one check are read once into numpy (the ``pair_flags_fired`` index gives one check's
rows), so a report of every check over a million pairs reads each row once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bitext.errors import BitextError
from bitext.flags.base import Check, fmt
from bitext.flags.calibration import CalibratedCheck
from bitext.model import BLOCKING_SEVERITIES
from bitext.store import Store, iter_flag_scores

FIRE_SHARES = (0.005, 0.01, 0.02, 0.05)
"""'What if' thresholds offered by default: those at which these shares of the measured pairs fire."""
MAX_BINS = 16
DISCRETE_VALUES = 12
"""Scores with at most this many distinct whole-number values get one bin per value."""


@dataclass(frozen=True)
class Bin:
    """``count`` scores in [low, high) (the last bin includes ``high``); ``label`` says so for people."""

    low: float
    high: float
    count: int
    label: str


@dataclass(frozen=True)
class Example:
    """A pair near the threshold."""

    pair_id: str
    score: float
    fired: bool
    source: str
    target: str


@dataclass(frozen=True)
class WhatIf:
    """``fired`` pairs of the measured ones would fire at ``threshold``; ``needs_review``: pairs of the corpus
    that would need review (None when not computed: only for thresholds asked for)."""

    threshold: Any
    fired: int
    needs_review: int | None = None
    asked: bool = False


@dataclass(frozen=True)
class CheckStats:
    """One check's stored scores, summarised."""

    name: str
    description: str
    direction: str
    severity: str
    threshold: str
    measured: int
    fired: dict[str, int] = field(default_factory=dict)
    limit: Any = None
    """The threshold judged by (a number, or (low, high))."""
    bins: list[Bin] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    what_if: list[WhatIf] = field(default_factory=list)

    @property
    def fired_total(self) -> int:
        return sum(self.fired.values())


def _scores(store: Store, names: Sequence[str]) -> dict[str, Any]:
    """Check -> numpy array of its stored scores: one pass over the packed scores (and any rows of an older
    layout, :func:`bitext.store.iter_flag_scores`), kept as 8-byte floats per check."""
    from array import array

    import numpy as np

    out: dict[str, array] = {n: array("d") for n in names}
    for _, name, score, _, _ in iter_flag_scores(store.conn, names):
        if score is not None:
            out[name].append(score)
    return {n: np.frombuffer(v, dtype=float) if len(v) else np.array([]) for n, v in out.items()}


def bins_of(x: Any) -> list[Bin]:
    """Histogram bins chosen from the data: one per value for few whole-number scores, else up to
    :data:`MAX_BINS` equal bins over the 0.5-99.5 percentile range (numpy's 'auto' rule), the extremes
    counted in the outer bins (labelled '<=' / '>=')."""
    import numpy as np

    if not len(x):
        return []
    values = np.unique(x)
    if len(values) <= DISCRETE_VALUES and np.all(values == np.round(values)):
        return [Bin(float(v), float(v), int((x == v).sum()), fmt(float(v)) if v != int(v) else str(int(v)))
                for v in values]
    lo, hi = np.percentile(x, [0.5, 99.5])
    if lo == hi:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        return [Bin(float(lo), float(hi), len(x), fmt(float(lo)))]
    edges = np.histogram_bin_edges(x[(x >= lo) & (x <= hi)], bins="auto", range=(lo, hi))
    if len(edges) - 1 > MAX_BINS:
        edges = np.linspace(lo, hi, MAX_BINS + 1)
    counts, _ = np.histogram(np.clip(x, lo, hi), bins=edges)
    out = []
    for k, c in enumerate(counts):
        a, b = float(edges[k]), float(edges[k + 1])
        if k == 0 and x.min() < lo:
            label = f"<= {b:.3g}"
        elif k == len(counts) - 1 and x.max() > hi:
            label = f">= {a:.3g}"
        else:
            label = f"{a:.3g} .. {b:.3g}"
        out.append(Bin(a, b, int(c), label))
    return out


def _threshold(check: Check) -> Any:
    """The threshold the report judges by: for a check calibrated on the corpus, its MT pairs' bounds (else the
    reference pairs', else the configured ones)."""
    if isinstance(check, CalibratedCheck) and check.calibrated:
        kind = "mt" if "mt" in check.calibrated else next(iter(check.calibrated))
        return check.bounds(kind)
    return check.threshold


def _threshold_text(check: Check) -> str:
    if isinstance(check, CalibratedCheck) and check.calibrated:
        parts = [f"{kind} pairs {_t(tuple(check.bounds(kind)))}" for kind in sorted(check.calibrated)]
        return check.threshold_text() + " configured; calibrated on the corpus: " + "; ".join(parts)
    return check.threshold_text()


def fires_at(direction: str, x: Any, threshold: Any) -> Any:
    """Which scores of ``x`` (numpy) fire at ``threshold`` in ``direction``."""
    if direction == "outside":
        low, high = threshold
        return (x < low) | (x > high)
    return x < threshold if direction == "below" else x > threshold


def _offered(direction: str, x: Any) -> list[Any]:
    """Thresholds at which about :data:`FIRE_SHARES` of the scores fire."""
    import numpy as np

    values = np.unique(x)
    if direction != "outside" and len(values) <= DISCRETE_VALUES and np.all(values == np.round(values)):
        # Few whole-number scores (counts of things): every cut between them, not interpolated quantiles.
        cuts = values[:-1] if direction == "above" else values[1:]
        return [float(v) for v in cuts]
    out: list[Any] = []
    for q in FIRE_SHARES:
        if direction == "outside":
            t: Any = (float(np.quantile(x, q / 2)), float(np.quantile(x, 1 - q / 2)))
        elif direction == "below":
            t = float(np.quantile(x, q))
        else:
            t = float(np.quantile(x, 1 - q))
        t = tuple(float(f"{v:.3g}") for v in t) if isinstance(t, tuple) else float(f"{t:.3g}")
        if t not in out:
            out.append(t)
    return out


def _needs_review_at(store: Store, check: Check, threshold: Any) -> int:
    """Pairs that would need review if ``check`` fired at ``threshold`` (the other checks as stored)."""
    sev = ",".join("?" * len(BLOCKING_SEVERITIES))
    others = (f"SELECT pair_id FROM pair_flags WHERE fired = 1 AND severity IN ({sev}) AND check_name != ?")
    args: list[Any] = [*BLOCKING_SEVERITIES, check.name]
    if check.severity in BLOCKING_SEVERITIES:
        fires = {"below": lambda v: v < threshold, "above": lambda v: v > threshold,
                 "outside": lambda v: v < threshold[0] or v > threshold[1]}[check.direction]
        blocked = {r[0] for r in store.conn.execute(others, args)}
        blocked.update(pid for pid, _, score, _, _ in iter_flag_scores(store.conn, [check.name])
                       if score is not None and fires(score))
        return len(blocked)
    return store.conn.execute(f"SELECT COUNT(*) FROM ({others})", args).fetchone()[0]


def _examples(store: Store, check: Check, x: Any, threshold: Any, per_side: int) -> list[Example]:
    """Up to ``per_side`` pairs on each side of each bound, nearest to it."""
    import numpy as np

    if per_side < 1:
        return []
    bounds = list(threshold) if check.direction == "outside" else [threshold]
    xs = np.unique(x)
    picked: list[float] = []
    for b in bounds:
        below, above = xs[xs <= b], xs[xs > b]
        picked += [*below[-per_side:], *above[:per_side]]
    wanted = dict.fromkeys(float(p) for p in picked)
    found: dict[float, tuple[str, float, int]] = {}
    for pid, _, score, fired, _ in iter_flag_scores(store.conn, [check.name]):
        if score in wanted and score not in found:
            found[score] = (pid, score, fired)
    out: dict[str, Example] = {}
    for v in wanted:
        if v in found:
            pid, score, fired = found[v]
            for r in store.conn.execute("SELECT source, target FROM pairs WHERE id = ?", (pid,)):
                out.setdefault(pid, Example(pid, score, bool(fired), r[0], r[1]))
    return sorted(out.values(), key=lambda e: e.score)


def check_stats(store: Store, config_path: str | Path | None = None, names: Sequence[str] | None = None,
                what_if: Mapping[str, Sequence[Any]] | None = None, examples: int = 2) -> list[CheckStats]:
    """The report of every enabled check (or of ``names``), from the stored scores.

    ``what_if``: check -> thresholds to count (a number, or (low, high) for an 'outside' check); each also
    gives the pairs of the corpus that would need review. Checks are built as the flag stage builds them
    (the effective config, the corpus's calibration). Raises :class:`BitextError` for an unknown check name.
    """
    from bitext.flags.config import build_checks
    from bitext.flags.stage import effective_config, stored_calibration

    checks = build_checks(effective_config(store, config_path).config, stored_calibration(store))
    by_name = {c.name: c for c in checks}
    for n in [*(names or ()), *(what_if or {})]:
        if n not in by_name:
            raise BitextError(f"no enabled check named {n!r}; known: {', '.join(by_name)}", exit_code=2)
    out = []
    wanted = [c for c in checks if not names or c.name in names]
    all_scores = _scores(store, [c.name for c in wanted])
    for check in wanted:
        x = all_scores[check.name]
        fired = dict(store.conn.execute(
            "SELECT severity, COUNT(*) FROM pair_flags WHERE fired = 1 AND check_name = ? GROUP BY severity",
            (check.name,)).fetchall())
        t = _threshold(check)
        bins: list[Bin] = []
        ifs: list[WhatIf] = []
        near: list[Example] = []
        if len(x):
            asked = [WhatIf(v, int(fires_at(check.direction, x, v).sum()), _needs_review_at(store, check, v), True)
                     for v in (what_if or {}).get(check.name, ())]
            offered = [WhatIf(v, int(fires_at(check.direction, x, v).sum())) for v in _offered(check.direction, x)]
            bins, ifs, near = bins_of(x), offered + asked, _examples(store, check, x, t, examples)
        out.append(CheckStats(check.name, check.description, check.direction, check.severity, _threshold_text(check),
                              len(x), fired, t, bins, near, ifs))
    return out


def parse_what_if(items: Sequence[str], checks: Mapping[str, str]) -> dict[str, list[Any]]:
    """``NAME=VALUE`` strings (VALUE a number, or LOW,HIGH for a check whose direction is 'outside'; ``checks``:
    name -> direction) -> check -> thresholds. Raises :class:`BitextError` (exit 2) naming a bad item."""
    out: dict[str, list[Any]] = {}
    for item in items:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or name not in checks:
            raise BitextError(f"--what-if {item!r}: expected NAME=VALUE with NAME one of {', '.join(checks)}",
                              exit_code=2)
        try:
            parts = [float(v) for v in value.replace(" ", "").strip("[]()").split(",")]
        except ValueError:
            parts = []
        want = 2 if checks[name] == "outside" else 1
        if len(parts) != want or not all(math.isfinite(p) for p in parts) or (want == 2 and parts[0] > parts[1]):
            must = "LOW,HIGH (two numbers, low <= high)" if want == 2 else "a number"
            raise BitextError(f"--what-if {item!r}: {name} takes {must}", exit_code=2)
        out.setdefault(name, []).append(tuple(parts) if want == 2 else parts[0])
    return out


def _t(v: Any) -> str:
    return f"[{fmt(float(v[0]))}, {fmt(float(v[1]))}]" if isinstance(v, tuple) else fmt(float(v))


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_report(stats: Sequence[CheckStats], n_pairs: int, bar_width: int = 40) -> str:
    """The report as text: per check a header, the histogram as bars of '#', what-if counts, examples."""
    lines = []
    for s in stats:
        share = f" ({s.fired_total / s.measured:.2%} of measured)" if s.measured else ""
        by_sev = ", ".join(f"{n} {sev}" for sev, n in sorted(s.fired.items()))
        lines.append(f"== {s.name}: {s.description} ({s.severity}; fires {s.threshold})")
        lines.append(f"   measured on {s.measured} of {n_pairs} pair(s); fired on {s.fired_total}{share}"
                     + (f": {by_sev}" if by_sev else ""))
        if not s.measured:
            lines.append("   (no stored scores: not applicable to these pairs, or not flagged yet)")
            lines.append("")
            continue
        top = max(b.count for b in s.bins) or 1
        width = max(len(b.label) for b in s.bins)
        lines.append("   scores:")
        for b in s.bins:
            bar = "#" * math.ceil(bar_width * b.count / top) if b.count else ""
            lines.append(f"   {b.label:>{width}} | {bar} {b.count}")
        lines.append("   what if the threshold were:")
        for w in s.what_if:
            extra = f"; {w.needs_review} pair(s) of the corpus would need review" if w.needs_review is not None else ""
            mark = " (asked)" if w.asked else ""
            lines.append(f"     {_t(w.threshold):>18}{mark}: fires on {w.fired} ({w.fired / s.measured:.2%}){extra}")
        if s.examples:
            lines.append("   pairs near the threshold:")
            for e in s.examples:
                lines.append(f"     {'FIRED' if e.fired else ' ok  '} {fmt(float(e.score)):>8}  {e.pair_id}")
                lines.append(f"              id: {_clip(e.source)}")
                lines.append(f"              en: {_clip(e.target)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def report(store: Store, config_path: str | Path | None = None, names: Sequence[str] | None = None,
           what_if: Sequence[str] = ()) -> str:
    """``bitext flag --report``: :func:`check_stats` formatted by :func:`format_report`."""
    from bitext.flags.checks import CHECKS

    parsed = parse_what_if(what_if, {n: c.direction for n, c in CHECKS.items()})
    stats = check_stats(store, config_path, names, parsed)
    return format_report(stats, store.count("pairs"))


_HISTOGRAMS: dict[str, tuple[tuple[Any, ...], list[dict[str, Any]]]] = {}


def histograms(store: Store) -> list[dict[str, Any]]:
    """Per check with stored scores, what the review app draws (``_histograms.html``): name, description,
    threshold text, fired/measured counts and the bins as {label, count, height (0..1), fires}, where
    ``fires`` says whether the bin lies (mostly) on the firing side of the threshold.

    Kept per store until its flags change (newest ``pair_flags`` and ``pairs`` rowids, the per-check
    signatures and the calibration: a re-decision changes those), so the stats page reads the scores once.
    """
    from bitext.model import MetaKey

    key = (store.conn.execute("SELECT MAX(rowid) FROM pair_flags").fetchone()[0],
           store.conn.execute("SELECT MAX(rowid) FROM pairs").fetchone()[0],
           store.get_meta(MetaKey.FLAGS_CHECKS), store.get_meta(MetaKey.FLAGS_CALIBRATION))
    cached = _HISTOGRAMS.get(str(store.path))
    if cached is not None and cached[0] == key:
        return cached[1]
    out = _histograms(store)
    _HISTOGRAMS[str(store.path)] = (key, out)
    return out


def _histograms(store: Store) -> list[dict[str, Any]]:
    out = []
    for s in check_stats(store, examples=0):
        if not s.measured:
            continue
        top = max(b.count for b in s.bins) or 1
        out.append({"name": s.name, "description": s.description, "threshold": s.threshold,
                    "measured": s.measured, "fired": s.fired_total,
                    "bins": [{"label": b.label, "count": b.count, "height": b.count / top,
                              "fires": bool(_bin_fires(s, b))} for b in s.bins]})
    return out


def _bin_fires(s: CheckStats, b: Bin) -> bool:
    """Whether the middle of bin ``b`` is on the firing side of the check's threshold."""
    import numpy as np

    return bool(fires_at(s.direction, np.array([(b.low + b.high) / 2]), s.limit)[0])
