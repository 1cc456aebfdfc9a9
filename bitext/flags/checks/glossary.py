"""The glossary check: a term of the corpus glossary (``bitext glossary``) in the Indonesian should have
one of its English renderings in the English (whole words, any case, a plural allowed; see
:mod:`bitext.lang.glossary`). Consults the glossary set in :mod:`bitext.flags.context`; no row where the
corpus has no glossary or the Indonesian holds no term."""

from __future__ import annotations

from dataclasses import dataclass

from bitext.flags.base import Check, CheckOptions, Measurement, PairView, option
from bitext.flags.context import current_glossary


class GlossaryTerms(Check):
    name = "glossary"
    description = "glossary terms of the source whose English is missing from the target"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        threshold: float = option(0)

    def measure(self, pair: PairView) -> Measurement | None:
        glossary = current_glossary()
        if glossary is None or not len(glossary) or not pair.target.strip():
            return None
        found, missing = glossary.missing(pair.source, pair.target)
        if not found:
            return None
        return Measurement(float(len(missing)), {
            "terms": [t.source for t in found],
            "missing": [[t.source, t.targets[0]] for t in missing]})

    def reason(self, m: Measurement) -> str:
        terms, missing = m.evidence["terms"], m.evidence["missing"]
        if not missing:
            return f"all {len(terms)} glossary term(s) rendered"
        return (f"{len(missing)} of {len(terms)} glossary term(s) without their English: "
                + ", ".join(f"{s} → {e}" for s, e in missing))
