"""The translate stage: Indonesian sentences -> English machine translations, cached in the store.

Python API (the CLI in ``bitext/cli/translate.py`` is a thin layer over it)::

    translate_corpus(store, model=..., backend="auto", beams=None, ...) -> TranslateReport
    translate_texts(["Selamat pagi."], beams=1) -> [Translation(...)]
    merge_stores(target, [source, ...]) -> MergeReport

How it works:

* The model is resolved (:func:`models.resolve_model`) and its own GenerationConfig
  gives the defaults (opus-mt-id-en: 6 beams, max_length 512); options override them.
* Translations are cached in ``translations`` under ``translation_key(signature, source)``.
  The *signature* is a readable string naming the model weights, the backend and every setting
  that changes the output, e.g.
  ``model:Helsinki-NLP/opus-mt-id-en@<commit>|backend:ctranslate2-int8|beams:6|lp:1|min_new:0|max_new:511|split:clause-v1/512``.
  It is a :class:`bitext.model.Signature` (:func:`engine.translation_signature`), stored in meta
  ``translate.signature`` (details in ``translate.settings``).
* Work streams from the store: a few thousand distinct pending sources at a time, sorted by
  token length, cut into batches by a token budget; every batch is committed in its own
  transaction, so a killed run resumes where it stopped and a repeated sentence (boilerplate)
  is translated once.
* A source longer than the model's maximum input is split at clause boundaries (``; :``, then
  ``,``, then before conjunctions, then between words, then by tokens), the pieces translated
  and joined with a space (``source_split=1``). An output stopped by the length limit, not by
  ``</s>``, gets ``hit_max_length=1``.
* ``logprob`` is the mean natural-log probability per generated token, ``</s>`` included when
  emitted (see :mod:`bitext.translate.backends`); for a split source, the token-weighted mean over pieces.
  ``n_tokens`` counts output tokens without ``</s>``; ``n_unk`` counts ``<unk>`` in the tokenised source.

Modules: ``models`` (which weights), ``split`` (long sources), ``engine`` (batching, settings,
signature), ``stage`` (the store), ``merge`` (shards), ``backends`` (the generation backends and
their registry).
"""

from bitext.translate.engine import Engine, Translation, load_engine, translate_texts
from bitext.translate.merge import MergeReport, merge_stores, parse_shard, shard_of
from bitext.translate.models import DEFAULT_MODEL
from bitext.translate.split import split_for_model
from bitext.translate.stage import TranslateReport, translate_corpus

__all__ = [
    "DEFAULT_MODEL",
    "Engine",
    "MergeReport",
    "Translation",
    "TranslateReport",
    "load_engine",
    "merge_stores",
    "parse_shard",
    "shard_of",
    "split_for_model",
    "translate_corpus",
    "translate_texts",
]
