"""The interfaces every file format implements, and the one loop that runs an export.

An :class:`Exporter` turns :class:`~bitext.records.PairRecord` s (the read model, in corpus order) into
files; an :class:`Importer` reads edited files back as :class:`~bitext.records.ImportRecord` s. Formats
never query the store: what they show comes from the records (``reasons`` asks the read model for each
finding's reason text). Files are written through :func:`bitext.fileio.atomic_writer`.
"""

from __future__ import annotations

import csv
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, ClassVar

from bitext.fileio import atomic_writer
from bitext.formats.rows import CleanRule, has_both_sides
from bitext.records import ImportRecord, PairFilter, PairRecord, check_names, iter_pairs, unchecked_count
from bitext.store import Store

# Characters XML 1.0 forbids even as character references (C0 controls except TAB/LF/CR,
# lone surrogates, U+FFFE/U+FFFF): a CAT tool rejects the whole file if one slips through.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_xml(text: str) -> str:
    """Drop characters XML 1.0 cannot represent (escaping of & < > is the writer's job)."""
    return _XML_ILLEGAL.sub("", text)


def tool_version() -> str:
    """bitext's version for file headers and signatures (installed metadata, else the package attribute)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bitext")
    except PackageNotFoundError:
        import bitext

        return str(getattr(bitext, "__version__", "0+unknown"))


class Exporter(ABC):
    """One output format. Subclasses set the class attributes and implement :meth:`write`."""

    name: ClassVar[str]  # the ``--format`` value
    suffix: ClassVar[str]  # file suffix of ``bitext.<suffix>`` ('' for a prefix, as Moses)
    description: ClassVar[str]  # one line for ``bitext export --help``
    reasons: ClassVar[bool] = False  # the format shows each finding's reason text
    # The format reads PairRecord.findings (False: the read model skips building one object per check).
    findings: ClassVar[bool] = True
    training: ClassVar[bool] = False  # MT-training format: pairs with an empty side left out by default
    force: bool = False  # replace a symlink / write into a device or FIFO (see bitext.fileio)
    parents: bool = False  # create missing parent folders
    corpus_id: str | None = None  # the store's identity (Store.corpus_id), for formats that carry it

    def paths(self, out: Path) -> list[Path]:
        """The files :meth:`write` makes for ``out``."""
        return [out]

    @abstractmethod
    def write(self, records: Iterable[PairRecord], out: Path) -> list[Path]:
        """Write ``records`` to ``out`` atomically (each file complete or untouched); returns the files."""


class TextExporter(Exporter):
    """A format that is one text file: subclasses implement :meth:`write_text`."""

    newline: ClassVar[str | None] = "\n"  # '' lets the writer choose its line ends (CSV: CRLF)

    def write(self, records: Iterable[PairRecord], out: Path) -> list[Path]:
        with atomic_writer(out, newline=self.newline, force=self.force, parents=self.parents) as fh:
            self.write_text(records, fh)
        return [out]

    @abstractmethod
    def write_text(self, records: Iterable[PairRecord], fh: IO[str]) -> None:
        """Write the whole file to ``fh``."""


class Importer(ABC):
    """A format whose edited files can be read back (``bitext import-review``)."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]  # lower-case suffixes that select it under ``--format auto``

    @abstractmethod
    def read(self, path: Path) -> list[ImportRecord]:
        """One record per row/unit of ``path``; unreadable rows carry a ``problem``, an unreadable file raises."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote; ``unchecked``: pairs in the store the checks have not run on yet."""

    paths: list[Path]
    pairs: int
    unchecked: int = 0
    empty_left_out: int = 0  # pairs with an empty side not written (MT-training formats)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Counted:
    """Passes records through, counting them (an exporter need not report how many it wrote)."""

    def __init__(self, records: Iterable[PairRecord]) -> None:
        self.records = records
        self.n = 0

    def __iter__(self) -> Iterator[PairRecord]:
        for rec in self.records:
            self.n += 1
            yield rec


LANG_PAIR = "id-en"


def default_name(exporter: Exporter) -> str:
    """File name (Moses: prefix) of an export, with the language pair as OPUS names files:
    ``bitext.id-en<suffix>`` (Moses: ``bitext.id-en.id`` and ``bitext.id-en.en``)."""
    return f"bitext.{LANG_PAIR}{exporter.suffix}"


def score_path(exporter: Exporter, out: Path) -> Path:
    """The score file beside an export: its name without the format suffix (and ``.gz``) + ``.scores.tsv``."""
    name = out.name[:-3] if out.name.lower().endswith(".gz") else out.name
    if exporter.suffix and name.lower().endswith(exporter.suffix):
        name = name[: -len(exporter.suffix)]
    return out.with_name(name + ".scores.tsv")


def run_export(
    store: Store,
    exporter: Exporter,
    out: str | Path | None,
    filters: PairFilter,
    checks: list[str] | None = None,
    *,
    include_empty: bool = False,
    score_file: bool = False,
    force: bool = False,
    parents: bool = False,
    duplicates: str = "prefer-reference",
) -> ExportResult:
    """Stream the store's pairs selected by ``filters`` through ``exporter`` into ``out``.

    ``out`` None means ``CORPUS/export/bitext.id-en<suffix>`` (folders created), an existing folder
    ``OUT/bitext.id-en<suffix>``. ``checks`` fixes the keys of each record's scores (default: every
    check in the store). MT-training formats (:attr:`Exporter.training`) leave out pairs with an empty
    side unless ``include_empty``. ``filters.only_clean`` is the published ``clean`` config:
    :class:`~bitext.formats.rows.CleanRule` with the duplicates rule ``duplicates`` (no empty side, whatever
    ``include_empty`` says). ``score_file`` also writes :func:`score_path`: a header, then one
    line per written pair, in the same order (id, alignment score, model confidence, each check's score).
    ``force``/``parents``: see :func:`bitext.fileio.atomic_writer`.
    """
    if out is None:
        out_path, parents = store.path.parent / "export" / default_name(exporter), True
    else:
        out_path = Path(out)
        if out_path.is_dir() and not out_path.is_symlink():
            out_path = out_path / default_name(exporter)
    exporter.force, exporter.parents, exporter.corpus_id = force, parents, store.corpus_id()
    unchecked = unchecked_count(store)
    names = checks if checks is not None else check_names(store)
    source: Iterable[PairRecord] = iter_pairs(store, filters, checks=names, reasons=exporter.reasons,
                                              findings=exporter.findings)
    if filters.only_clean:  # the clean config's rule, not just PairRecord.clean (iter_pairs' filter)
        source = CleanRule.of(store, duplicates).select(source)
    left_out = _Counted(())
    if exporter.training and not include_empty:
        source, left_out = _split(source, has_both_sides)
    if not score_file:
        records = _Counted(source)
        paths = exporter.write(records, out_path)
        return ExportResult(paths, records.n, unchecked, left_out.n)
    scores = score_path(exporter, out_path)
    with atomic_writer(scores, force=force, parents=parents) as sf:
        writer = csv.writer(sf, delimiter="\t", lineterminator="\n")
        writer.writerow(["id", "align_score", "mt_logprob", *names])
        records = _Counted(_tee_scores(source, writer, names))
        paths = exporter.write(records, out_path)
    return ExportResult([*paths, scores], records.n, unchecked, left_out.n)


def _num(value: float | None) -> str:
    return "" if value is None else repr(value)


def _tee_scores(records: Iterable[PairRecord], writer: Any, names: list[str]) -> Iterator[PairRecord]:
    for rec in records:
        writer.writerow([rec.id, _num(rec.align_score), _num(rec.mt_logprob),
                         *(_num(rec.scores.get(n)) for n in names)])
        yield rec


def _split(records: Iterable[PairRecord], keep: Any) -> tuple[Iterator[PairRecord], _Counted]:
    rejected = _Counted(())  # counts the records ``keep`` turned away

    def kept() -> Iterator[PairRecord]:
        for rec in records:
            if keep(rec):
                yield rec
            else:
                rejected.n += 1

    return kept(), rejected


def export_file(
    store: Store, exporter: Exporter, path: str | Path, *, only_clean: bool = False,
    min_score: float | None = None, exclude_flags: Iterable[str] = (),
) -> int:
    """:func:`run_export` to one file with the :class:`~bitext.records.PairFilter` fields as arguments
    (the function APIs of the review formats); returns the number of pairs written."""
    filters = PairFilter(only_clean=only_clean, min_score=min_score, exclude_flags=tuple(exclude_flags))
    return run_export(store, exporter, Path(path), filters).pairs
