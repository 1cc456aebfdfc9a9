"""The sample corpus (tests/sample_corpus.py) for publishing, with a flag config of its own.

The stored config disables every built-in check, so the schema holds the store's own checks
(``lang_id``, ``length_ratio``) and the card describes them from the stored rows alone; the
built-in config is covered by ``test_flag_config_from_flags_module``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bitext.flags import effective_config
from bitext.model import MetaKey
from bitext.store import Store
from tests.sample_corpus import build_store


def store_checks_only(store: Store) -> Store:
    """Store a flag config with every built-in check disabled (as ``bitext flag --config FILE`` would)."""
    names = effective_config(store, "default").config
    store.set_meta(MetaKey.FLAGS_CONFIG, "".join(f"[{name}]\nenabled = false\n" for name in names))
    store.set_meta(MetaKey.FLAGS_CONFIG_NAME, "store-checks-only.toml")
    return store


def sample_store(folder: Path, **kwargs: object) -> Store:
    """The sample corpus with :func:`store_checks_only`'s config."""
    return store_checks_only(build_store(folder, **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = sample_store(tmp_path / "corpus")
    yield s
    s.close()
