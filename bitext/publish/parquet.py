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


class ShardWriter:
    """Writes rows of one config as record batches into numbered Parquet shards.

    ``build`` turns a batch of what :meth:`add` was given into an Arrow table of the schema (default: dict
    rows through ``Table.from_pylist``; publishing hands records to a column builder). It is called on
    exactly the rows of each written piece, so the bytes and ``num_bytes`` do not hang on the builder
    (a sliced table would keep validity bitmaps that a fresh one has not)."""

    def __init__(
        self, folder: Path, features: datasets.Features, batch_rows: int, shard_rows: int, split: str = "train",
        build: Callable[[list[Any], Any], Any] | None = None,
    ) -> None:
        self.build = build or _from_pylist
        self.folder = folder
        self.split = split
        self.schema = features.arrow_schema
        self.batch_rows = batch_rows
        self.shard_rows = shard_rows
        self.rows: list[Any] = []
        self.writer: Any = None
        self.shards: list[Path] = []
        self.shard_count = 0
        self.num_examples = 0
        self.num_bytes = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: Any) -> None:
        """Buffer one row; a full batch is written as one row group."""
        self.rows.append(row)
        if len(self.rows) >= self.batch_rows:
            self._flush()

    def extend(self, rows: list[Any]) -> None:
        """:meth:`add` each of ``rows`` (the same row groups and shards), a slice at a time."""
        start = 0
        while start < len(rows):
            room = self.batch_rows - len(self.rows)
            self.rows += rows[start : start + room]
            start += room
            if len(self.rows) >= self.batch_rows:
                self._flush()

    def _open(self) -> None:
        import pyarrow.parquet as pq

        path = self.folder / f".{self.split}-shard-{len(self.shards):05d}.parquet"
        self.shards.append(path)
        self.writer = pq.ParquetWriter(
            path, self.schema, use_content_defined_chunking=CDC_OPTIONS, write_page_index=True
        )
        self.writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
        self.shard_count = 0

    def _flush(self) -> None:
        if self.writer is None or (self.rows and self.shard_count >= self.shard_rows):
            if self.writer is not None:
                self.writer.close()
            self._open()
        if not self.rows:
            return
        # Split at the shard boundary so shard sizes do not depend on batch boundaries.
        take = min(len(self.rows), self.shard_rows - self.shard_count)
        batch, self.rows = self.rows[:take], self.rows[take:]
        table = self.build(batch, self.schema)
        self.writer.write_table(table, row_group_size=self.batch_rows)
        self.shard_count += len(batch)
        self.num_examples += len(batch)
        self.num_bytes += table.nbytes
        if self.rows:
            self._flush()

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
        self._flush()  # also creates an (empty) file for an empty config, so it still loads
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
