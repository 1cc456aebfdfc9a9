"""The JSONL and TSV exports read with pandas, polars and duckdb defaults give back every field exactly
(the card's snippets cover the Parquet dataset; these are the files ``bitext export`` writes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bitext.formats import export_pairs
from bitext.records import iter_pairs
from tests.formats.test_everyday_tools import TRICKY
from tests.sample_corpus import build_store

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path, list]:
    store = build_store(tmp_path / "c", targets=TRICKY)
    export_pairs(store, "jsonl", tmp_path / "x.jsonl")
    export_pairs(store, "tsv", tmp_path / "x.tsv")
    records = [r for r in iter_pairs(store) if r.source.strip() and r.target.strip()]
    return tmp_path / "x.jsonl", tmp_path / "x.tsv", records


def test_jsonl_with_pandas_polars_duckdb(exported) -> None:
    jsonl, _, records = exported
    expected = [(r.id, r.source, r.target) for r in records]
    frame = pd.read_json(jsonl, lines=True)
    assert [(i, t["id"], t["en"]) for i, t in zip(frame["id"], frame["translation"], strict=True)] == expected
    frame = pl.read_ndjson(jsonl)
    assert [(row["id"], row["translation"]["id"], row["translation"]["en"]) for row in frame.iter_rows(named=True)] \
        == expected
    rows = duckdb.sql(f"SELECT id, translation.id, translation.en FROM read_json_auto('{jsonl}')").fetchall()
    assert rows == expected
    first = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert list(frame.columns) == list(first)


def test_tsv_with_polars_and_duckdb(exported) -> None:
    _, tsv, records = exported
    expected = [(r.id, r.source, r.target) for r in records]
    frame = pl.read_csv(tsv, separator="\t")
    assert list(zip(frame["id"], frame["source"], frame["target"], strict=True)) == expected
    rows = duckdb.sql(f"SELECT id, source, target FROM read_csv('{tsv}', delim='\t', quote='\"')").fetchall()
    assert rows == expected


def test_needs_review_means_the_same_in_every_format(tmp_path: Path) -> None:
    """After review everywhere: TMX x-needs-review, TSV, JSONL and the dataset agree pair by pair
    (a1-1 was flagged and then edited: needs review before, not after)."""
    import pyarrow.parquet as pq

    from bitext.formats.tmx import read_tmx
    from bitext.publish import publish_dataset

    store = build_store(tmp_path / "c")
    for fmt in ("tmx", "tsv", "jsonl"):
        export_pairs(store, fmt, tmp_path / f"x.{fmt}", include_empty=True)
    publish_dataset(store, tmp_path / "ds")
    tmx = {u["tuid"]: u["props"]["x-needs-review"] == "true" for u in read_tmx(tmp_path / "x.tmx")}
    tsv = {r["id"]: r["needs_review"] == 1 for r in pd.read_csv(tmp_path / "x.tsv", sep="\t").to_dict("records")}
    jsonl = {r["id"]: r["needs_review"] for r in map(json.loads, (tmp_path / "x.jsonl").read_text().splitlines())}
    parquet = {r["id"]: r["needs_review"] for r in pq.read_table(tmp_path / "ds" / "data" / "default").to_pylist()}
    assert tmx == tsv == jsonl == parquet
    assert tmx["a1-1"] is False and {k for k, v in tmx.items() if v} == {"a2-1"}
