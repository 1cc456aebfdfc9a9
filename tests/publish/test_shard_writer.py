"""ShardWriter builds Arrow a piece at a time: the files and ``num_bytes`` do not hang on the piece size."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.publish.parquet import ShardWriter
from bitext.publish.schema import article_features


def _rows(n: int) -> list[dict]:
    # Nulls in a few rows only, so some pieces have validity bitmaps and others not.
    return [{"doc_id": f"d{i:03d}", "title": None if i % 7 == 3 else f"Judul {i}", "url": None, "date": "2025-01-01",
             "source": None, "source_license": None, "source_path": f"p{i}.txt", "dateline": None,
             "segmenter": "seg", "pairs_mt": i, "pairs_reference": None if i % 11 == 0 else 0} for i in range(n)]


def _write(folder: Path, rows: list[dict], piece_rows: int, step: int) -> tuple[dict[str, bytes], int, int]:
    w = ShardWriter(folder, article_features(), batch_rows=10, shard_rows=25, piece_rows=piece_rows)
    for start in range(0, len(rows), step):  # add() and extend() cut the same pieces
        if step == 1:
            w.add(rows[start])
        else:
            w.extend(rows[start : start + step])
    paths = w.close()
    return {p.name: p.read_bytes() for p in paths}, w.num_bytes, w.num_examples


@pytest.mark.parametrize(("piece_rows", "step"), [(3, 1), (4, 7), (1, 13), (1000, 5)])
def test_pieces_do_not_change_the_files_or_num_bytes(tmp_path: Path, piece_rows: int, step: int) -> None:
    rows = _rows(58)  # shards of 25, 25, 8 rows; row groups of 10, 10, 5 | 10, 10, 5 | 8
    expected = _write(tmp_path / "whole", rows, piece_rows=10, step=1)  # one piece per row group: one table
    got = _write(tmp_path / f"p{piece_rows}-{step}", rows, piece_rows=piece_rows, step=step)
    assert sorted(got[0]) == ["train-00000-of-00003.parquet", "train-00001-of-00003.parquet",
                              "train-00002-of-00003.parquet"]
    assert got == expected


def test_row_groups_and_shards_keep_their_edges(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    w = ShardWriter(tmp_path, article_features(), batch_rows=10, shard_rows=25, piece_rows=4)
    w.extend(_rows(58))
    files = w.close()
    groups = [[pq.ParquetFile(f).metadata.row_group(i).num_rows for i in range(pq.ParquetFile(f).num_row_groups)]
              for f in files]
    assert groups == [[10, 10, 5], [10, 10, 5], [8]]
    assert [r["doc_id"] for f in files for r in pq.read_table(f).to_pylist()] == [f"d{i:03d}" for i in range(58)]
