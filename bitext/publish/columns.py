"""Published rows as Arrow columns: a batch of records -> one table of the dataset's schema.

The same values as :func:`bitext.formats.rows.published_row` (the one definition of a row), built a
column at a time from the records instead of one dict per row handed to ``Table.from_pylist``: a list
comprehension per field and one ``pa.array`` per column is several times cheaper than pyarrow walking
a dict per row. ``tests/publish/test_columns.py`` holds the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

from bitext.model import DECISIONS
from bitext.records import PairRecord

if TYPE_CHECKING:
    import pyarrow as pa


def records_table(recs: Sequence[PairRecord], schema: pa.Schema) -> pa.Table:
    """The published rows of ``recs`` as a table of ``schema`` (:func:`~bitext.publish.schema.dataset_features`'
    Arrow schema, with or without the ``scores`` struct)."""
    import pyarrow as pa

    decisions = DECISIONS
    values: dict[str, list] = {
        "id": [r.id for r in recs],
        "doc_id": [r.doc_id for r in recs],
        "para_idx": [r.para_idx for r in recs],
        "sent_idx": [r.sent_idx for r in recs],
        "tgt_idx": [r.tgt_idx for r in recs],
        "kind": [r.kind for r in recs],
        "mt": [r.mt for r in recs],
        "bead_type": [r.bead_type for r in recs],
        "align_score": [r.align_score for r in recs],
        "needs_review": [r.needs_review and r.review_status not in decisions for r in recs],
        "review_status": [r.review_status for r in recs],
        "reviewed_translation": [r.reviewed_translation for r in recs],
        "reviewer": [r.reviewer for r in recs],
        "reviewed_at": [r.reviewed_at for r in recs],
        "flags_before_review": [r.flags for r in recs],
        "needs_review_before_review": [r.needs_review for r in recs],
        "mt_logprob": [r.mt_logprob for r in recs],
    }
    arrays = []
    for f in schema:
        if f.name == "translation":
            text = {"id": [r.source for r in recs], "en": [r.target for r in recs]}
            arrays.append(pa.StructArray.from_arrays(
                [pa.array(text[c.name], c.type) for c in f.type], fields=list(f.type)))
        elif f.name == "scores":
            fields = list(f.type)
            # One tuple per record in the struct's field order, transposed into one tuple per check.
            if len(fields) == 1 or not recs:  # (itemgetter of one name gives the value, not a 1-tuple)
                columns = [[r.scores[c.name] for r in recs] for c in fields]
            else:
                columns = list(zip(*map(itemgetter(*[c.name for c in fields]), [r.scores for r in recs]),
                                   strict=True))
            arrays.append(pa.StructArray.from_arrays(
                [pa.array(col, c.type) for col, c in zip(columns, fields, strict=True)], fields=fields))
        else:
            arrays.append(pa.array(values[f.name], f.type))
    return pa.Table.from_arrays(arrays, schema=schema)
