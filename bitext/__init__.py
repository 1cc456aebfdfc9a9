"""bitext: Indonesian news articles in, a reviewed Indonesian-English parallel corpus out.

The stages, each a module usable on its own::

    from bitext import Store, ingest                 # read + segment articles into corpus/bitext.sqlite
    from bitext import translate_corpus              # MarianMT (opus-mt-id-en), resumable, deduplicated
    from bitext import align_corpus, flag_corpus     # sentence alignment, review flags
    from bitext import publish_dataset               # Hugging Face dataset folder (+ --push)

    store = Store.open("corpus")
    ingest(store, ["seeds/"])
    translate_corpus(store)

Names are imported lazily so that ``import bitext`` does not load torch or datasets.
"""

from __future__ import annotations

import importlib
from typing import Any

# A function named like its module is bound eagerly (ingest is light: no torch): once the module
# ``bitext.ingest`` is imported, ``from bitext import ingest`` would find the module, not the function.
from .ingest import ingest as ingest
from .segment import segment_text as segment_text

__version__ = "0.1.0"

_LAZY = {
    "Store": "bitext.store",
    "StoreError": "bitext.store",
    "BitextError": "bitext.errors",
    "split_sentences": "bitext.segment",
    "translate_corpus": "bitext.translate",
    "translate_texts": "bitext.translate",
    "align_corpus": "bitext.align",
    "flag_corpus": "bitext.flags",
    "publish_dataset": "bitext.publish",
    "export_pairs": "bitext.formats",
    "run_pipeline": "bitext.pipeline",
    "corpus_status": "bitext.pipeline",
}

__all__ = sorted([*_LAZY, "ingest", "segment_text"]) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bitext' has no attribute {name!r}")
