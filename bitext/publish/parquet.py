"""The streaming Parquet writer: rows in, record batches out, numbered shards of a fixed size.

Output is deterministic (fixed row groups and shard sizes, no dates), so the same rows give
byte-identical files and pushing an unchanged corpus makes no commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datasets

BATCH_ROWS = 10_000  # rows per record batch = per Parquet row group
SHARD_ROWS = 500_000  # rows per Parquet file (keeps files well under the Hub's ~500 MB advice)
# Same content-defined chunking as `datasets` uses for the Hub: unchanged data re-uploads cheaply.
CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}


PIECE_ROWS = 1_000
"""Rows buffered as Python objects per writer: they are built into Arrow a piece at a time, so a split that
fills its row group slowly holds compact columns, not records (memory flat in the row-group size)."""


class ShardWriter:
    """Writes rows of one config as record batches into numbered Parquet shards.

    ``build`` turns a batch of what :meth:`add` was given into an Arrow table of the schema (default: dict
    rows through ``Table.from_pylist``; publishing hands records to a column builder). It is called on
    pieces of at most ``piece_rows`` rows that never cross a row group's or a shard's edge; a row group's
    pieces are joined into fresh contiguous columns before it is written, so the bytes and ``num_bytes``
    are those of one table built from the row group's rows (a sliced table would keep validity bitmaps
    that a fresh one has not) and do not hang on the piece size."""

    def __init__(
        self, folder: Path, features: datasets.Features, batch_rows: int, shard_rows: int, split: str = "train",
        build: Callable[[list[Any], Any], Any] | None = None, piece_rows: int = PIECE_ROWS,
    ) -> None:
        self.build = build or _from_pylist
        self.folder = folder
        self.split = split
        self.schema = features.arrow_schema
        self.batch_rows = batch_rows
        self.shard_rows = shard_rows
        self.piece_rows = piece_rows
        self.rows: list[Any] = []  # not built yet (fewer than a piece)
        self.pieces: list[Any] = []  # built, not written yet (less than a row group)
        self.pending = 0  # rows in pieces
        self.writer: Any = None
        self.shards: list[Path] = []
        self.shard_count = 0
        self.num_examples = 0
        self.num_bytes = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: Any) -> None:
        """Buffer one row; a full piece is built, a full row group written."""
        self.rows.append(row)
        if len(self.rows) >= self._piece_target():
            self._build_piece()

    def extend(self, rows: list[Any]) -> None:
        """:meth:`add` each of ``rows`` (the same pieces, row groups and shards), a slice at a time."""
        start = 0
        while start < len(rows):
            room = self._piece_target() - len(self.rows)
            self.rows += rows[start : start + room]
            start += room
            if len(self.rows) >= self._piece_target():
                self._build_piece()

    def _group_target(self) -> int:
        """Rows of the row group being gathered: a full one, or what the shard has room for."""
        left = self.shard_rows - self.shard_count
        return min(self.batch_rows, left if left > 0 else self.shard_rows)  # (full: the group opens the next)

    def _piece_target(self) -> int:
        return min(self.piece_rows, self._group_target() - self.pending)

    def _build_piece(self) -> None:
        table = self.build(self.rows, self.schema)
        self.rows = []
        self.pieces.append(table)
        self.pending += table.num_rows
        if self.pending >= self._group_target():
            self._write_group()

    def _open(self) -> None:
        import pyarrow.parquet as pq

        path = self.folder / f".{self.split}-shard-{len(self.shards):05d}.parquet"
        self.shards.append(path)
        self.writer = pq.ParquetWriter(
            path, self.schema, use_content_defined_chunking=CDC_OPTIONS, write_page_index=True
        )
        self.writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
        self.shard_count = 0

    def _write_group(self) -> None:
        if self.writer is None or (self.pieces and self.shard_count >= self.shard_rows):
            if self.writer is not None:
                self.writer.close()
            self._open()
        if not self.pieces:
            return
        import pyarrow as pa

        table = self.pieces[0] if len(self.pieces) == 1 else pa.concat_tables(self.pieces).combine_chunks()
        self.pieces, rows, self.pending = [], self.pending, 0
        self.writer.write_table(table, row_group_size=self.batch_rows)
        self.shard_count += rows
        self.num_examples += rows
        self.num_bytes += table.nbytes

    def abort(self) -> None:
        """Close the open shard after a failure (a full disk), so pyarrow never closes it later on its own."""
        writer, self.writer = self.writer, None
        if writer is not None:
            try:
                writer.close()
            except OSError:
                pass  # the folder is removed anyway

    def names(self) -> list[str]:
        """The final file names of the shards (after :meth:`close`)."""
        n = len(self.shards)
        return [f"{self.split}-{i:05d}-of-{n:05d}.parquet" for i in range(n)]

    def close(self) -> list[Path]:
        """Flush, close and rename shards to ``SPLIT-XXXXX-of-NNNNN.parquet``; returns them."""
        if self.rows:
            self._build_piece()
        self._write_group()  # also creates an (empty) file for an empty config, so it still loads
        self.writer.close()
        final = []
        for path, name in zip(self.shards, self.names(), strict=True):
            target = path.with_name(name)
            path.rename(target)
            final.append(target)
        return final


def _from_pylist(rows: list[dict[str, Any]], schema: Any) -> Any:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=schema)
