"""The corpus lexicon: word translation probabilities (Indonesian <-> English) and abbreviation expansions
learned from the corpus's own sentence pairs with the eflomal word aligner, kept in the store.

    build_lexicon(store, rebuild=False, quiet=False) -> LexiconReport   # build or refresh (bitext lexicon)
    load_lexicon(store) -> Lexicon | None                               # what the flags and the aligner read
    Lexicon.translations(word, direction="id-en", top=10) -> {translation: p}
    Lexicon.coverage(source, target, direction="id-en") -> (share, words without a translation)
    Lexicon.expansions(abbrev) -> [(English, share)]
"""

from bitext.lexicon.build import LEXICON_VERSION, LexiconReport, build_lexicon, lexicon_size, load_lexicon
from bitext.lexicon.model import DIRECTIONS, Lexicon

__all__ = ["DIRECTIONS", "LEXICON_VERSION", "Lexicon", "LexiconReport", "build_lexicon", "lexicon_size",
           "load_lexicon"]
