"""The read model without findings (publishing, MT exports) gives the same flags, scores, needs_review and
flagged as with findings, including scores that are not floats and pairs without flag rows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bitext.records import _flag_summaries, iter_pairs
from tests.publish.conftest import sample_store


def test_summaries_match_findings_path(tmp_path: Path) -> None:
    store = sample_store(tmp_path / "corpus")
    with_findings = [replace(r, findings=()) for r in iter_pairs(store)]
    without = list(iter_pairs(store, findings=False))
    assert without == with_findings
    assert any(r.flags for r in without) and any(r.needs_review for r in without)
    store.close()


def test_summaries_convert_non_float_scores() -> None:
    rows = [("p1", "a", 1, 1, "info"), ("p1", "b", None, 0, "error"), ("p1", "c", 2.5, 1, "warning"),
            ("p2", "a", 0.5, 0, "error")]
    out = _flag_summaries(rows)
    assert out["p1"] == (("a", "c"), {"a": 1.0, "b": None, "c": 2.5}, True, ())
    assert type(out["p1"][1]["a"]) is float
    assert out["p2"] == ((), {"a": 0.5}, False, ())
