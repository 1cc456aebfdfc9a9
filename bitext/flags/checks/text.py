"""Checks on the target's text against the source's: empty, copied, repeated, quotes, questions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, fmt, option
from bitext.lang.text import lower_words, norm, word_tuple
from bitext.lang.text import repeat_run as _repeat_run  # shared with translate's retry
from bitext.model import ERROR

_DQUOTES = "\"“”„«»"
_MOJIBAKE = re.compile(r"â€.")


class EmptyTarget(Check):
    name = "empty_target"
    reason_names_threshold = False
    description = "the target is empty"
    direction = "below"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(1)
        severity: str = option(ERROR)

    def measure(self, pair: PairView) -> Measurement:
        return Measurement(float(len("".join(pair.target.split()))))

    def reason(self, m: Measurement) -> str:
        if m.score < 1:
            return "the target is empty: the source has no translation"
        return f"target has {int(m.score)} non-space characters"


class Untranslated(Check):
    name = "untranslated"
    description = "target copies the source"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0.5)
        severity: str = option(ERROR)

    def measure(self, pair: PairView) -> Measurement | None:
        # Share of the target's ordinary words (not names or numbers) that also occur in the source.
        tgt_words = word_tuple(pair.target)
        if tgt_words and norm(pair.target) == norm(pair.source):
            return Measurement(1.0)  # a verbatim copy, even of a sentence made of names
        src_words = word_tuple(pair.source)
        src = set(lower_words(pair.source))
        # Capitalised words are names that pass through; the target's first word counts unless the
        # source has it capitalised too ('Herdin Ismail.' -> 'Herdin Ismail.' is not untranslated).
        tgt = [low for i, (w, low) in enumerate(zip(tgt_words, lower_words(pair.target), strict=True))
               if not w[:1].isupper() or (i == 0 and w not in src_words)]
        if not tgt:
            return None
        return Measurement(sum(low in src for low in tgt) / len(tgt))

    def reason(self, m: Measurement) -> str:
        verdict = "the target looks untranslated" if self.fires(m) else "translated"
        return (f"{m.score:.0%} of the target's words also occur in the Indonesian source "
                f"(fires {self.threshold_text()}): {verdict}")


class Repetition(Check):
    name = "repetition"
    description = "repeated n-gram (MT hallucination loop)"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(2)
        severity: str = option(ERROR)
        max_ngram: int = option(6, "positive integer")

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        n = int(self.options.max_ngram)
        tgt, gram = _repeat_run(lower_words(pair.target), n)
        src, _ = _repeat_run(lower_words(pair.source), n)
        # A repetition the source also has is not a loop.
        return Measurement(float(max(1, tgt - src + 1)), {"run": tgt, "gram": gram, "source_run": src})

    def reason(self, m: Measurement) -> str:
        tgt, gram, src = m.evidence["run"], m.evidence["gram"], m.evidence["source_run"]
        if tgt <= 1:
            return "no repeated words"
        return (f"target repeats {gram!r} {tgt} times in a row (source: {src}); "
                f"fires above {fmt(self.threshold)} extra repeats")


def quote_spans(text: str) -> int:
    """Quoted spans in ``text``: double quotes counted after dropping those at the very start and end
    (wrapping quotes and stray ones are common in news and in FLORES), halved and rounded up."""
    text = _MOJIBAKE.sub(" ", text)  # cp1252 mojibake of dashes/quotes ('â€”') is not a quote
    text = text.strip().strip(_DQUOTES + " ")
    return (sum(text.count(q) for q in _DQUOTES) + 1) // 2


class Quotes(Check):
    name = "quotes"
    reason_names_threshold = False
    description = "quotation marks differ"

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        a, b = quote_spans(pair.source), quote_spans(pair.target)
        return Measurement(float(abs(a - b)), {"source": a, "target": b})

    def reason(self, m: Measurement) -> str:
        a, b = m.evidence["source"], m.evidence["target"]
        if a == b:
            return f"source and target both have {a} quoted span(s)"
        return f"source has {a} quoted span(s), target has {b}: a quotation may be lost or added"


class QuestionMark(Check):
    name = "question_mark"
    reason_names_threshold = False
    description = "question marks differ"

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        a, b = pair.source.count("?"), pair.target.count("?")
        return Measurement(float(abs(a - b)), {"source": a, "target": b})

    def reason(self, m: Measurement) -> str:
        a, b = m.evidence["source"], m.evidence["target"]
        if a == b:
            return f"source and target both have {a} question mark(s)"
        return f"source has {a} question mark(s), target has {b}: a question may have become a statement or the reverse"
