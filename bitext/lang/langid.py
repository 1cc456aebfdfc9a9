"""Language identification of short English texts: py3langid, with lingua's opinion on very short ones.

Both models load lazily (``import bitext.lang.langid`` is cheap), once per language set even when
many threads ask at once (:func:`bitext.lang.loading.load_once`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bitext.lang.loading import load_once


@load_once
def _langid(languages: tuple[str, ...]) -> Any:
    # py3langid ships its model and beat lingua on short sentences here (see flags/defaults.toml).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # py3langid 0.4 loads with from_model_file, 0.3 with from_pickled_model (each its own MODEL_FILE).
    load = getattr(LanguageIdentifier, "from_model_file", None) or LanguageIdentifier.from_pickled_model
    ident = load(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(languages))
    return ident


def known_language(code: str) -> bool:
    """True when py3langid has a model for the language ``code`` ('en', 'id', ...)."""
    try:
        _langid((code,))
    except ValueError:  # py3langid: 'Unknown language code(s)'
        return False
    return True


def english_probability(text: str, languages: Sequence[str]) -> tuple[float, str]:
    """P(English) among ``languages`` and the most likely language."""
    ranked = _langid(tuple(languages)).rank(text)
    probs = dict(ranked)
    return float(probs.get("en", 0.0)), ranked[0][0]


@load_once
def _lingua(languages: tuple[str, ...]) -> Any:
    # lingua's n-gram models do better than py3langid's byte features on one- or two-word texts
    # ('Mati!', 'Oke.'), where py3langid often answers ~uniform; it is only asked about short texts.
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = []
    for code in languages:
        try:
            langs.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue  # a language lingua lacks (jv) is left to py3langid
    if len(langs) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*langs).build()


def english_probability_short(text: str, languages: Sequence[str]) -> tuple[float, str]:
    """P(English) for a short text: the mean of py3langid's and lingua's (high-accuracy mode) answers.

    Either detector alone is unsure on one or two words; averaging two different models halves the
    false alarms of py3langid alone at the same catch rate (measured in ``flags/defaults.toml``).
    """
    p, best = english_probability(text, languages)
    det = _lingua(tuple(languages))
    if det is None:
        return p, best
    from lingua import Language

    return (p + float(det.compute_language_confidence(text, Language.ENGLISH))) / 2, best
