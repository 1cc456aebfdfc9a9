"""The registry of review checks, one module per family.

To add a check: write its class (``measure``, ``reason``, an ``Options`` dataclass with its
defaults) in the family's module, list it below, and document its table in ``flags/defaults.toml``.
The order below is the order of ``pair_flags`` rows, ``explain`` and the dataset card.
"""

from __future__ import annotations

from bitext.flags.base import Check
from bitext.flags.checks.adequacy import Adequacy
from bitext.flags.checks.alignment import ArticleAlignment, BeadType, BridgeMismatch, LowAlignment
from bitext.flags.checks.corpus import Duplicate
from bitext.flags.checks.encoding import ControlChars, Markup, Mojibake
from bitext.flags.checks.glossary import GlossaryTerms
from bitext.flags.checks.language import NotEnglish
from bitext.flags.checks.length import LengthRatio, LengthZ
from bitext.flags.checks.model import LowConfidence, ModelScore, Retried, Truncation, UnkSource
from bitext.flags.checks.names import MissingNames
from bitext.flags.checks.numbers import Numbers
from bitext.flags.checks.text import EmptyTarget, QuestionMark, Quotes, Repetition, Untranslated

CHECKS: dict[str, type[Check]] = {
    c.name: c
    for c in (
        EmptyTarget, Untranslated, LengthRatio, LengthZ, Numbers, Repetition, Truncation, Retried, LowConfidence,
        UnkSource,
        NotEnglish, BeadType, LowAlignment, ArticleAlignment, MissingNames, Quotes, QuestionMark, Markup, Mojibake, ControlChars, Duplicate,
        BridgeMismatch, Adequacy, ModelScore, GlossaryTerms,
    )
}
"""Check name -> class, in the order checks run and are reported."""

__all__ = [
    "CHECKS", "Adequacy", "ArticleAlignment", "BeadType", "BridgeMismatch", "ControlChars", "Duplicate", "EmptyTarget", "GlossaryTerms", "LengthRatio", "LengthZ", "LowAlignment",
    "LowConfidence", "Markup", "MissingNames", "ModelScore", "Mojibake", "NotEnglish", "Numbers", "QuestionMark", "Quotes", "Repetition",
    "Retried", "Truncation",
    "UnkSource", "Untranslated",
]
