"""The column builder gives the tables ``Table.from_pylist`` gives on the published rows (values, types,
``nbytes``), for any number of checks, nulls and an empty batch."""

from __future__ import annotations

import pyarrow as pa
import pytest

from bitext.formats.rows import published_row
from bitext.publish.columns import records_table
from bitext.publish.schema import dataset_features
from bitext.records import PairRecord


def _recs(checks: list[str]) -> list[PairRecord]:
    out = []
    for i in range(5):
        scores = {name: (None if (i + j) % 3 == 0 else i * 0.1 + j) for j, name in enumerate(checks)}
        out.append(PairRecord(
            id=f"p{i}", doc_id="a1", para_idx=None if i == 4 else i, sent_idx=i, kind="mt", bead_idx=i,
            bead_type="1-1" if i else "0-1", align_score=None if i == 2 else 0.5 + i, source=f"sumber {i}",
            target=f"target {i}", mt=None if i == 1 else f"mt {i}", flags=tuple(checks[: i % 3]),
            scores=scores, needs_review=i % 2 == 0, mt_logprob=None if i == 3 else -0.25 * i,
            review_status=["pending", "accepted", "edited", "rejected", "pending"][i],
            reviewed_translation="edited text" if i == 2 else None, reviewer="ann" if i in (1, 2, 3) else None,
            reviewed_at="2025-01-01T00:00:00Z" if i in (1, 2, 3) else None, tgt_idx=tuple(range(i % 3)),
        ))
    return out


@pytest.mark.parametrize("checks", [[], ["length_ratio"], ["length_ratio", "numbers", "not_english"]])
@pytest.mark.parametrize("rows", [slice(0, 5), slice(1, 3), slice(0, 0)])
def test_records_table_is_from_pylist(checks: list[str], rows: slice) -> None:
    schema = dataset_features(checks).arrow_schema
    recs = _recs(checks)[rows]
    dicts = [published_row(r) for r in recs]
    if not checks:
        for d in dicts:
            del d["scores"]
    expected = pa.Table.from_pylist(dicts, schema=schema)
    got = records_table(recs, schema)
    assert got.schema == expected.schema
    assert got.equals(expected)
    assert got.to_pylist() == expected.to_pylist()
    assert got.nbytes == expected.nbytes  # the card's num_bytes


def test_config_stats_add_all_counts_as_add() -> None:
    """The list-at-a-time counting of the card's statistics gives what counting row by row gives, MQM
    errors and review reasons included."""
    from dataclasses import replace

    from bitext.publish.card import ConfigStats

    recs = _recs(["length_ratio", "numbers"])
    recs[1] = replace(recs[1], errors=(("accuracy", "major"), ("fluency", "minor")), review_reason="fine as is")
    recs[3] = replace(recs[3], errors=(("accuracy", "minor"),))
    one, many = ConfigStats(), ConfigStats()
    for r in recs:
        one.add(r, "test")
    many.add_all(recs, "test")
    assert many.as_dict() == one.as_dict()
    assert (many.annotated, many.errors, many.reasons) == (2, {"accuracy": 2, "fluency": 1}, 1)
