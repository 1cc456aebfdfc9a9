"""Model confidence (``mt_logprob``) reads the same whether the store has translate migration v3's index
on translations(signature, source) (probed) or not (the cache key hashed per sentence)."""

from __future__ import annotations

from pathlib import Path

from bitext.records import iter_pairs
from bitext.store import Store
from bitext.translate.leases import LEASE_MIGRATIONS, SOURCE_INDEX, has_source_index
from tests.publish.conftest import sample_store


def test_logprobs_same_with_and_without_source_index(tmp_path: Path) -> None:
    store: Store = sample_store(tmp_path / "corpus")
    store.conn.execute(f"DROP INDEX IF EXISTS {SOURCE_INDEX}")
    assert not has_source_index(store.conn)
    hashed = [(r.id, r.mt_logprob) for r in iter_pairs(store)]
    store.migrate("translate", LEASE_MIGRATIONS)
    store.conn.execute(f"CREATE INDEX IF NOT EXISTS {SOURCE_INDEX} ON translations(signature, source)")
    assert has_source_index(store.conn)
    probed = [(r.id, r.mt_logprob) for r in iter_pairs(store)]
    assert probed == hashed
    assert any(lp is not None for _, lp in probed)  # the sample corpus has cached translations
    store.close()
