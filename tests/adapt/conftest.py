"""Fixtures of the adaptation tests: a tiny model that does not know the cipher, corpora, one adaptation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.adapt.report import AdaptOptions
from tests.adapt.cipher import cipher_corpus, tokenizer_texts
from tests.translate.conftest import ct2_cache  # noqa: F401  (converted models in a fresh folder)

# 200 updates of 16 pairs at a high rate: the 64-wide tiny model learns the cipher (about 2 s).
FAST = AdaptOptions(learning_rate=3e-3, epochs=100, max_steps=200, batch_size=16, warmup_steps=10, eval_every=25,
                    patience=10)


@pytest.fixture(scope="session")
def cipher_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight tiny model (d_model 64) whose tokenizers cover the cipher's words: it knows nothing."""
    import torch

    from bitext.testing import make_tiny_model

    torch.set_num_threads(1)
    return make_tiny_model(tmp_path_factory.mktemp("cipher-base"), texts=tokenizer_texts(), train_steps=0, d_model=64)


@pytest.fixture(scope="module")
def cipher_corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of 30 articles whose 240 pairs reviewers edited to the right English."""
    where = tmp_path_factory.mktemp("cipher-corpus")
    cipher_corpus(where).close()
    return where


@pytest.fixture(scope="module")
def adapted(cipher_base: Path, cipher_corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The report of adapting the cipher base on the cipher corpus with :data:`FAST` (its model in report.out)."""
    from bitext.adapt.train import adapt_corpus

    out = tmp_path_factory.mktemp("adapted") / "cipher-adapted"
    return adapt_corpus(cipher_corpus_dir, out, base=str(cipher_base), options=FAST, progress=False)
