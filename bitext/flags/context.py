"""What the checks may know about the corpus beyond one pair: its lexicon (:mod:`bitext.lexicon`).

Set once per process by whoever runs the checks (:func:`bitext.flags.flag_corpus` and
:func:`~bitext.flags.explain` from the store; an evaluation script from its own lexicon) before they
measure; forked flag workers inherit it and spawned ones receive it in their initializer
(:mod:`bitext.flags.workers`), so it is loaded once per process, never per pair. None: the corpus has no
lexicon, and the checks that need one (``adequacy``) do not apply. It stays set until the next call: a
script that runs checks itself (:func:`~bitext.flags.check_pair`) sets the one it means.
"""

from __future__ import annotations

from bitext.lang.glossary import Glossary
from bitext.lexicon import Lexicon

_LEXICON: Lexicon | None = None
_GLOSSARY: Glossary | None = None


def use_lexicon(lexicon: Lexicon | None) -> None:
    """Make ``lexicon`` the one the checks of this process consult (None: none)."""
    global _LEXICON
    _LEXICON = lexicon


def current_lexicon() -> Lexicon | None:
    """The lexicon the checks of this process consult, or None."""
    return _LEXICON


LEXICON_CHECKS = frozenset({"adequacy", "missing_names"})
"""The checks whose scores depend on the lexicon: the flag stage ties their measure signatures to it."""


def use_glossary(glossary: Glossary | None) -> None:
    """Make ``glossary`` the termbase the ``glossary`` check of this process consults (None: none; the check
    then does not apply). Set like the lexicon: by the flag stage from the store, by QA on save per save."""
    global _GLOSSARY
    _GLOSSARY = glossary


def current_glossary() -> Glossary | None:
    """The glossary the checks of this process consult, or None."""
    return _GLOSSARY
