"""Pair selection shared by publishing and exports, and the plain-file exporters.

:func:`iter_pairs` is the one place that decides what a published pair looks like: it streams
pairs in corpus order (article, kind, bead) with their flags, per-check scores, model
confidence and review state, reading the store in chunks so no stage ever holds the corpus
in memory. :mod:`bitext.publish` and the exporters below (TMX 1.4b, Moses, TSV, JSONL) all
consume it; XLIFF lives in :mod:`bitext.xliff` and is dispatched to from the CLI.

Review semantics (see also the dataset card): the newest review row of a pair is its state,
computed by :func:`bitext.review.review_state` (the one definition shared with the review app and
XLIFF/CSV). A review applies only while the pair still has the content the reviewer saw (the
source text; for a 0-1 bead the aligned English); otherwise the pair is 'pending' again. For an
accepted or edited pair the published English is the text the reviewer approved (its
``after``), so a later re-translation never silently replaces human-checked text; the new
machine translation is still visible in ``mt``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from bitext.errors import BitextError
from bitext.fileio import atomic_writer
from bitext.records import PairFilter, PairRecord, check_names, iter_pairs, open_store, unchecked_count
from bitext.store import Store

FORMATS = ("tmx", "moses", "tsv", "jsonl", "xliff", "csv")
REVIEW_STATES = ("accepted", "edited", "rejected", "pending")

# Characters XML 1.0 forbids even as character references (C0 controls except TAB/LF/CR,
# lone surrogates, U+FFFE/U+FFFF): a CAT tool rejects the whole file if one slips through.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Everything str.splitlines() treats as a line break, so a Moses line is one segment for
# any reader (CR, LS, PS and NEL included), plus FF/VT which some tools also split on.
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


# -- formats ----------------------------------------------------------------------------


def clean_xml(text: str) -> str:
    """Drop characters XML 1.0 cannot represent (escaping of & < > is the writer's job)."""
    return _XML_ILLEGAL.sub("", text)


def one_line(text: str) -> str:
    """Replace every line break in a segment by a space (Moses files are line-aligned)."""
    return _LINE_BREAKS.sub(" ", text)


def tsv_escape(text: str) -> str:
    r"""Backslash-escape a TSV field: ``\`` -> ``\\``, TAB -> ``\t``, LF -> ``\n``, CR -> ``\r``.

    One record per physical line (what cut/paste/awk and MT tooling expect), unlike RFC 4180
    quoting; :func:`tsv_unescape` reverses it exactly.
    """
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def tsv_unescape(text: str) -> str:
    """Inverse of :func:`tsv_escape`."""
    return re.sub(r"\\([\\tnr])", lambda m: {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[m.group(1)], text)


def _fmt_float(value: float | None) -> str:
    return "" if value is None else repr(value)


TSV_COLUMNS = (
    "pair_id", "doc_id", "kind", "bead_type", "align_score", "flags", "needs_review", "review_status", "id", "en",
)


def write_tsv(records: Iterator[PairRecord], fh: IO[str]) -> int:
    """Write a header and one escaped line per pair; returns the number of pairs."""
    fh.write("\t".join(TSV_COLUMNS) + "\n")
    n = 0
    for rec in records:
        fields = [
            rec.id, rec.doc_id, rec.kind, rec.bead_type, _fmt_float(rec.align_score), ",".join(rec.flags),
            "1" if rec.needs_review else "0", rec.review_status, rec.source, rec.target,
        ]
        fh.write("\t".join(tsv_escape(f) for f in fields) + "\n")
        n += 1
    return n


def write_jsonl(records: Iterator[PairRecord], fh: IO[str]) -> int:
    """Write one JSON object per pair (the published row, see :meth:`PairRecord.to_row`)."""
    n = 0
    for rec in records:
        fh.write(json.dumps(rec.to_row(), ensure_ascii=False) + "\n")
        n += 1
    return n


def tool_version() -> str:
    """bitext's version for file headers (installed metadata, else the package attribute)."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("bitext")
    except PackageNotFoundError:
        import bitext

        return str(getattr(bitext, "__version__", "0+unknown"))


def _xml_text(text: str) -> str:
    # CR must be a character reference: parsers normalise a literal CR to LF.
    return escape(clean_xml(text), {"\r": "&#13;"})


def _xml_attr(text: str) -> str:
    return quoteattr(clean_xml(text))  # also turns TAB/LF/CR into references


def write_tmx(records: Iterator[PairRecord], fh: IO[str]) -> int:
    """Write TMX 1.4b: one ``tu`` per pair (tuid = pair id), metadata as ``x-`` props."""
    header = {
        "creationtool": "bitext",
        "creationtoolversion": tool_version(),
        "datatype": "plaintext",
        "segtype": "sentence",
        "adminlang": "en",
        "srclang": "id",
        "o-tmf": "bitext",
    }
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
    fh.write("  <header " + " ".join(f"{k}={_xml_attr(v)}" for k, v in header.items()) + "/>\n  <body>\n")
    n = 0
    for rec in records:
        props: list[tuple[str, str]] = [("x-doc-id", rec.doc_id), ("x-kind", rec.kind), ("x-bead-type", rec.bead_type)]
        if rec.align_score is not None:
            props.append(("x-align-score", repr(rec.align_score)))
        if rec.flags:
            props.append(("x-flags", ",".join(rec.flags)))
        props += [(f"x-score-{name}", repr(v)) for name, v in rec.scores.items() if v is not None]
        props.append(("x-needs-review", "true" if rec.needs_review else "false"))
        props.append(("x-review-status", rec.review_status))
        parts = [f"    <tu tuid={_xml_attr(rec.id)}>\n"]
        parts += [f"      <prop type={_xml_attr(t)}>{_xml_text(v)}</prop>\n" for t, v in props]
        parts += [
            f'      <tuv xml:lang="{lang}"><seg>{_xml_text(text)}</seg></tuv>\n'
            for lang, text in (("id", rec.source), ("en", rec.target))
        ]
        parts.append("    </tu>\n")
        fh.write("".join(parts))
        n += 1
    fh.write("  </body>\n</tmx>\n")
    return n


def read_tmx(path: str | Path) -> list[dict[str, object]]:
    """Parse a TMX file back into ``{'tuid', 'props', 'id', 'en'}`` dicts (for tests and checks)."""
    import xml.etree.ElementTree as ET

    lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"
    out = []
    for tu in ET.parse(path).getroot().iter("tu"):
        item: dict[str, object] = {
            "tuid": tu.get("tuid"),
            "props": {p.get("type"): p.text or "" for p in tu.findall("prop")},
        }
        for tuv in tu.findall("tuv"):
            seg = tuv.find("seg")
            item[tuv.get(lang_attr) or ""] = "" if seg is None else "".join(seg.itertext())
        out.append(item)
    return out


# -- entry point ------------------------------------------------------------------------


@dataclass
class ExportResult:
    """What an export wrote; ``unchecked``: pairs in the store the checks have not run on yet."""

    paths: list[Path]
    pairs: int
    unchecked: int = 0


def default_out(corpus: Path, fmt: str) -> Path:
    """Default output path: ``CORPUS/export/bitext.<ext>`` (Moses: the prefix ``CORPUS/export/bitext``)."""
    return corpus / "export" / default_name(fmt)


def default_name(fmt: str) -> str:
    """File name (Moses: prefix) of an export in ``fmt``: ``bitext.<ext>``."""
    ext = {"moses": "", "xliff": ".xlf"}.get(fmt, f".{fmt}")
    return f"bitext{ext}"


def export_pairs(
    corpus: str | Path | Store,
    fmt: str,
    out: str | Path | None = None,
    filters: PairFilter | None = None,
) -> ExportResult:
    """Export the corpus's pairs to ``out`` in ``fmt`` (tmx, moses, tsv, jsonl, xliff, csv).

    Every file is written atomically (temp file + rename); missing folders are created. ``out`` that
    is an existing folder means ``OUT/bitext.<ext>`` (:func:`default_name`). For ``moses``, ``out`` is a
    prefix: ``OUT.id`` and ``OUT.en`` are written, line-aligned, with line breaks inside segments
    replaced by spaces. ``csv`` is the spreadsheet round-trip format of
    :func:`bitext.review.export_review_csv` (with the ``review_id`` conflict marker).
    An unwritable ``out`` raises :class:`BitextError` (exit code 2) naming it.
    """
    if fmt not in FORMATS:
        raise BitextError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})", exit_code=2)
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
    out_path = Path(out) if out is not None else default_out(store.path.parent, fmt)
    if out_path.is_dir():
        out_path = out_path / default_name(fmt)
    unchecked = unchecked_count(store)

    if fmt in ("xliff", "csv"):
        if fmt == "xliff":
            from bitext.xliff import export_xliff as write_review_file
        else:
            from bitext.review import export_review_csv as write_review_file
        n = write_review_file(
            store, out_path, only_clean=filters.only_clean, min_score=filters.min_score,
            exclude_flags=filters.exclude_flags,
        )
        return ExportResult([out_path], n, unchecked)

    records = iter_pairs(store, filters, checks=known)
    if fmt == "moses":
        result = _write_moses(records, out_path)
        result.unchecked = unchecked
        return result
    writer: Callable[[Iterator[PairRecord], IO[str]], int] = {
        "tmx": write_tmx, "tsv": write_tsv, "jsonl": write_jsonl,
    }[fmt]
    with atomic_writer(out_path) as fh:
        n = writer(records, fh)
    return ExportResult([out_path], n, unchecked)


def _write_moses(records: Iterator[PairRecord], prefix: Path) -> ExportResult:
    paths = [prefix.with_name(prefix.name + ".id"), prefix.with_name(prefix.name + ".en")]
    n = 0
    with atomic_writer(paths[1]) as en, atomic_writer(paths[0]) as src:
        for rec in records:
            src.write(one_line(rec.source) + "\n")
            en.write(one_line(rec.target) + "\n")
            n += 1
    return ExportResult(paths, n)
