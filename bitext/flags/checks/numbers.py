"""The numbers check: every number of the source must reach the target, and nothing else."""

from __future__ import annotations

from bitext.flags.base import Check, Measurement, PairView
from bitext.lang.numbers import compare_numbers


class Numbers(Check):
    name = "numbers"
    reason_names_threshold = False
    description = "numbers differ"

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        a, b = compare_numbers(pair.source, pair.target)
        # The numerals' texts: the evidence is stored (bitext.flags.scores), the reason needs no more.
        return Measurement(float(len(a) + len(b)), {"source_only": tuple(n.text for n in a),
                                                    "target_only": tuple(n.text for n in b)})

    def reason(self, m: Measurement) -> str:
        a, b = m.evidence["source_only"], m.evidence["target_only"]
        if not a and not b:
            return "numbers match"
        parts = []
        if a:
            parts.append("source has " + ", ".join(repr(n) for n in a) + " not found in the target")
        if b:
            parts.append("target has " + ", ".join(repr(n) for n in b) + " not found in the source")
        return "numbers differ: " + "; ".join(parts)
