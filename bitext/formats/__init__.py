"""File formats for the corpus's pairs: one module per format, a name -> class table for each direction.

:data:`EXPORTERS` (``bitext export --format``: its choices are this table's keys) and :data:`IMPORTERS`
(``bitext import-review``) are the extension points: a new format is one module with an
:class:`~bitext.formats.base.Exporter` (and, if it can be read back, an
:class:`~bitext.formats.base.Importer`) plus one entry here. Every format reads the read model
(:mod:`bitext.records`), never the store's tables.

Review semantics (see also the dataset card): for an accepted or edited pair the exported English is
the text the reviewer approved, so a later re-translation never silently replaces human-checked text;
a review applies only while the pair still has the content the reviewer saw.
"""

from __future__ import annotations

from pathlib import Path

from bitext.errors import BitextError
from bitext.formats.base import Exporter, ExportResult, Importer, run_export
from bitext.formats.jsonl import JsonlExporter
from bitext.formats.moses import MosesExporter
from bitext.formats.review_csv import ReviewCsvExporter, ReviewTableImporter
from bitext.formats.tmx import TmxExporter
from bitext.formats.tsv import TsvExporter
from bitext.formats.xliff import XliffExporter, XliffImporter
from bitext.records import PairFilter, check_names, open_store
from bitext.store import Store

EXPORTERS: dict[str, type[Exporter]] = {
    cls.name: cls
    for cls in (TmxExporter, MosesExporter, TsvExporter, JsonlExporter, XliffExporter, ReviewCsvExporter)
}
"""Output formats by ``--format`` name, in the order ``--help`` lists them."""

IMPORTERS: dict[str, type[Importer]] = {
    "xliff": XliffImporter,
    "csv": ReviewTableImporter,
    "tsv": ReviewTableImporter,  # the reader tells CSV from TSV itself
}
"""Formats ``bitext import-review`` reads, by ``--format`` name."""

DEFAULT_IMPORTER = ReviewTableImporter
"""What ``--format auto`` reads a file with when no importer claims its suffix."""

__all__ = [
    "EXPORTERS", "IMPORTERS", "ExportResult", "Exporter", "Importer", "export_pairs", "importer_for",
]


def export_pairs(
    corpus: str | Path | Store,
    fmt: str,
    out: str | Path | None = None,
    filters: PairFilter | None = None,
    *,
    include_empty: bool = False,
    score_file: bool = False,
    force: bool = False,
    parents: bool = False,
    duplicates: str = "prefer-reference",
) -> ExportResult:
    """Export the corpus's pairs to ``out`` in ``fmt`` (a key of :data:`EXPORTERS`).

    Every file is written atomically (temp file + rename) with the user's umask, gzipped when its name
    ends in ``.gz``. ``out`` None means ``CORPUS/export/bitext.id-en<suffix>`` (folders created), an
    existing folder ``OUT/bitext.id-en<suffix>``; a missing parent folder of ``out`` is an error unless
    ``parents``, a symlink/device/FIFO unless ``force`` (:func:`bitext.fileio.atomic_writer`). For
    ``moses``, ``out`` is a prefix: ``OUT.id`` and ``OUT.en`` are written, line-aligned, with line breaks
    inside segments replaced by spaces. The MT-training formats (moses, tmx, tsv, jsonl) leave out pairs
    with an empty side unless ``include_empty``; ``score_file`` writes ``<name>.scores.tsv`` beside the
    export (one line per written pair). ``csv`` is the spreadsheet round-trip format of
    :func:`bitext.formats.review_csv.export_review_csv` (with the ``review_id`` conflict marker).
    ``filters.only_clean`` selects the pairs of the published ``clean`` config
    (:class:`~bitext.formats.rows.CleanRule`, with the duplicates rule ``duplicates``).
    An unknown format or ``--exclude-flag`` check, or an unwritable ``out``, raises
    :class:`BitextError` (exit code 2).
    """
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise BitextError(f"unknown export format {fmt!r} (choose from {', '.join(EXPORTERS)})", exit_code=2)
    store = open_store(corpus)
    filters = filters or PairFilter()
    known = check_names(store)
    unknown = [f for f in filters.exclude_flags if f not in known]
    if unknown:
        raise BitextError(
            f"--exclude-flag {unknown[0]!r}: no such check in {store.path}"
            f" (known: {', '.join(known) or 'none; run bitext flag first'})",
            exit_code=2,
        )
    return run_export(store, exporter(), out, filters, checks=known, include_empty=include_empty,
                      score_file=score_file, force=force, parents=parents, duplicates=duplicates)


def importer_for(path: str | Path, fmt: str = "auto") -> Importer:
    """The importer for ``path``: the one named ``fmt``, or with ``auto`` the one claiming its suffix."""
    if fmt == "auto":
        suffix = Path(path).suffix.lower()
        cls = next((c for c in IMPORTERS.values() if suffix in c.suffixes), DEFAULT_IMPORTER)
        return cls()
    if fmt not in IMPORTERS:
        raise BitextError(f"unknown import format {fmt!r}; use {', '.join(IMPORTERS)}", exit_code=2)
    return IMPORTERS[fmt]()
