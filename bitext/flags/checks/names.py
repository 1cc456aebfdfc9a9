"""The names check: names and acronyms of the source should pass through to the target."""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.lang.names import missing_names


class MissingNames(Check):
    name = "missing_names"
    description = "names of the source missing from the target"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0)
        fuzz: float = option(0.75, "number in [0, 1]")

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        names, missing = missing_names(pair.source, pair.target, float(self.options.fuzz))
        if not names:
            return None
        return Measurement(float(len(missing)), {"names": tuple(names), "missing": tuple(missing)})

    def reason(self, m: Measurement) -> str:
        names, missing = m.evidence["names"], m.evidence["missing"]
        if not missing:
            return f"all {len(names)} source name(s) found in the target"
        return (f"{len(missing)} of {len(names)} source name(s) not in the target: "
                + ", ".join(missing))
