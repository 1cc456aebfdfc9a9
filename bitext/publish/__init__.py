"""Publishing the corpus as a Hugging Face dataset repository, and pushing it to the Hub.

* :mod:`bitext.publish.schema`: the features of a published row and their documentation.
* :mod:`bitext.publish.parquet`: the streaming, deterministic Parquet shard writer.
* :mod:`bitext.publish.card`: the dataset card (template ``card.md.j2``), statistics, flag settings.
* :mod:`bitext.publish.hub`: :func:`push_dataset`, one commit of what changed, one-line Hub errors.
* :mod:`bitext.publish.stage`: :func:`publish_dataset`, store -> folder, replaced atomically.
* :mod:`bitext.publish.selection`: train/validation/test by article, every split with rows (filled or refused).
* :mod:`bitext.publish.quality`: :func:`mt_quality`, chrF/BLEU/TER of the MT against references and post-edits.
* :mod:`bitext.publish.models`: which MT model made the English (Hub id, fingerprint), its licence and citation.
* :mod:`bitext.publish.licenses`: the Hub's licence ids, checked before anything is written.

Heavy dependencies (datasets, pyarrow, huggingface_hub) are imported when a function runs.
"""

from __future__ import annotations

from bitext.publish.card import DEFAULT_LICENSE, CardOptions
from bitext.publish.hub import PushResult, push_dataset
from bitext.publish.quality import mt_quality
from bitext.publish.schema import dataset_features
from bitext.publish.selection import SplitSizes
from bitext.publish.stage import PublishResult, publish_dataset

__all__ = [
    "DEFAULT_LICENSE", "CardOptions", "PublishResult", "PushResult", "SplitSizes", "dataset_features", "mt_quality",
    "publish_dataset", "push_dataset",
]
