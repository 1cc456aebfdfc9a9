"""The names check: names and acronyms of the source should pass through to the target, or appear as the
corpus consistently translates them (its lexicon: learned word translations and abbreviation expansions)."""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.flags.context import current_lexicon
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
        lexicon = current_lexicon()
        names, missing = missing_names(pair.source, pair.target, float(self.options.fuzz))
        if not names:
            return None
        translated: list[str] = []
        if missing and lexicon is not None:  # the corpus translates it, and its translation is there
            translated = [n for n in missing if lexicon.renders(n, pair.target)]
            missing = [n for n in missing if n not in translated]
        return Measurement(float(len(missing)), {"names": tuple(names), "missing": tuple(missing),
                                                 "translated": tuple(translated)})

    def reason(self, m: Measurement) -> str:
        names, missing = m.evidence["names"], m.evidence["missing"]
        translated = m.evidence.get("translated", ())
        if not missing:
            how = (f" ({', '.join(translated)} as the corpus translates {'it' if len(translated) == 1 else 'them'})"
                   if translated else "")
            return f"all {len(names)} source name(s) found in the target{how}"
        return (f"{len(missing)} of {len(names)} source name(s) not in the target: "
                + ", ".join(missing))
