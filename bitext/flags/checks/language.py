"""The language check: the target must be English."""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.lang.langid import english_probability, english_probability_short
from bitext.lang.text import words
from bitext.model import ERROR


class NotEnglish(Check):
    name = "not_english"
    description = "target is not English"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0.33)
        severity: str = option(ERROR)
        languages: tuple[str, ...] = option(("en", "id", "ms", "jv"), "languages")
        min_words: int = option(1, "non-negative integer", in_defaults=False)
        short_words: int = option(3, "non-negative integer")

    def measure(self, pair: PairView) -> Measurement | None:
        n = len(words(pair.target))
        if n < int(self.options.min_words):
            return None
        short = n <= int(self.options.short_words)
        ask = english_probability_short if short else english_probability
        p, best = ask(pair.target, list(self.options.languages))
        return Measurement(p, {"best": best, "short": short})

    def reason(self, m: Measurement) -> str:
        how = "py3langid + lingua (short text)" if m.evidence["short"] else "language ID"
        return (f"{how} gives P(English) = {m.score:.2f} (most likely: {m.evidence['best']}); "
                f"fires {self.threshold_text()}")
