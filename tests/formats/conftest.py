"""The sample corpus (tests/sample_corpus.py) as a fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bitext.store import Store
from tests.sample_corpus import build_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = build_store(tmp_path / "corpus")
    yield s
    s.close()
