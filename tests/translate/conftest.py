"""Fixtures of the translate tests: a CTranslate2 cache of their own, a greedy engine on the tiny model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def ct2_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Converted CTranslate2 models go to a fresh folder (also for subprocesses), not ~/.cache."""
    cache = tmp_path_factory.mktemp("bitext-cache")
    os.environ["BITEXT_CACHE"] = str(cache)
    return cache


@pytest.fixture(scope="module")
def engine(tiny_model_dir: Path):
    """Greedy transformers engine on the tiny model, shared by the tests of a module."""
    from bitext.translate import load_engine

    return load_engine(str(tiny_model_dir), backend="transformers", beams=1, threads=1, compute_type="float32")
