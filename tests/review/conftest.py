"""Fixtures of the review tests: the shared tiny corpus (tests.review.corpus)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bitext.store import Store
from tests.review.corpus import make_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with make_store(tmp_path / "corpus") as s:
        yield s
