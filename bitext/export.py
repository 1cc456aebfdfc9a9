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
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from bitext.errors import BitextError
from bitext.flags import BLOCKING_SEVERITIES  # the one "needs review" rule
from bitext.review import review_states
from bitext.store import Store, sentence_texts, translations

FORMATS = ("tmx", "moses", "tsv", "jsonl", "xliff", "csv")
REVIEW_STATES = ("accepted", "edited", "rejected", "pending")

# Characters XML 1.0 forbids even as character references (C0 controls except TAB/LF/CR,
# lone surrogates, U+FFFE/U+FFFF): a CAT tool rejects the whole file if one slips through.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Everything str.splitlines() treats as a line break, so a Moses line is one segment for
# any reader (CR, LS, PS and NEL included), plus FF/VT which some tools also split on.
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class PairFilter:
    """Which pairs to select.

    ``only_clean``: pairs in the ``clean`` config (see :attr:`PairRecord.clean`).
    ``min_score``: keep pairs whose alignment score is >= this; pairs without a score are dropped.
    ``exclude_flags``: drop pairs on which any of these checks fired (any severity).
    """

    only_clean: bool = False
    min_score: float | None = None
    exclude_flags: tuple[str, ...] = ()

    def accepts(self, rec: PairRecord) -> bool:
        if self.only_clean and not rec.clean:
            return False
        if self.min_score is not None and (rec.align_score is None or rec.align_score < self.min_score):
            return False
        return not (self.exclude_flags and any(f in rec.flags for f in self.exclude_flags))


@dataclass(frozen=True)
class PairRecord:
    """One pair as it is published: texts, alignment, flags, scores and review state."""

    id: str
    doc_id: str
    para_idx: int | None
    sent_idx: int | None
    kind: str
    bead_idx: int
    bead_type: str
    align_score: float | None
    source: str  # Indonesian text
    target: str  # published English: the reviewer's text when accepted/edited, else pairs.target
    mt: str | None
    flags: tuple[str, ...]  # checks that fired, sorted by name
    scores: dict[str, float | None] = field(default_factory=dict)  # every check in the corpus
    needs_review: bool = False  # a check of a blocking severity (warning, error) fired
    mt_logprob: float | None = None
    review_status: str = "pending"
    reviewed_translation: str | None = None
    reviewer: str | None = None
    reviewed_at: str | None = None
    # Not published (not in to_row): what exports for reviewers and the clean rule need.
    flagged: bool = True  # the checks were computed for this pair (it has pair_flags rows)
    review_id: int | None = None  # newest review row id (state marker for XLIFF/CSV round trips)
    review_comment: str | None = None
    review_stale: bool = False  # the newest review was made on other content

    @property
    def clean(self) -> bool:
        """In the ``clean`` config: checked, never rejected, and unflagged or approved by a reviewer.

        A pair the checks never ran on (killed between align and flag) is not clean: nothing says it is.
        """
        if self.review_status == "rejected" or not self.flagged:
            return False
        return not self.needs_review or self.review_status in ("accepted", "edited")

    def to_row(self) -> dict[str, object]:
        """The published row (the dataset's features, in order)."""
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "para_idx": self.para_idx,
            "sent_idx": self.sent_idx,
            "kind": self.kind,
            "translation": {"id": self.source, "en": self.target},
            "mt": self.mt,
            "bead_type": self.bead_type,
            "align_score": self.align_score,
            "flags": list(self.flags),
            "scores": dict(self.scores),
            "needs_review": self.needs_review,
            "mt_logprob": self.mt_logprob,
            "review_status": self.review_status,
            "reviewed_translation": self.reviewed_translation,
            "reviewer": self.reviewer,
            "reviewed_at": self.reviewed_at,
        }


def open_store(corpus: str | Path | Store) -> Store:
    """Open an existing corpus store; a missing one is a StoreError (a BitextError, exit code 2)."""
    if isinstance(corpus, Store):
        return corpus
    return Store.open(corpus, create=False)


def unchecked_count(store: Store) -> int:
    """Number of pairs without any ``pair_flags`` row: the checks have not run on them yet."""
    return store.conn.execute(
        "SELECT COUNT(*) FROM pairs p WHERE NOT EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = p.id)"
    ).fetchone()[0]


@contextmanager
def _snapshot(store: Store) -> Iterator[sqlite3.Connection]:
    """A read-only connection holding one read transaction, so a long export sees one
    consistent state even while a translate or review job writes (WAL mode)."""
    conn = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                           isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN")
        yield conn
    finally:
        conn.close()  # closing ends the read transaction


def check_names(store: Store, extra: Sequence[str] = ()) -> list[str]:
    """Sorted names of every check in the corpus (``pair_flags``) plus ``extra`` (e.g. configured checks)."""
    names = {r[0] for r in store.conn.execute("SELECT DISTINCT check_name FROM pair_flags")}
    return sorted(names | set(extra))


def iter_pairs(
    store: Store,
    filters: PairFilter | None = None,
    *,
    checks: Sequence[str] | None = None,
    chunk_size: int = 500,
) -> Iterator[PairRecord]:
    """Yield pair records in corpus order (article id, kind, bead index), filtered.

    ``checks`` fixes the keys of :attr:`PairRecord.scores` (default: every check in the store),
    so every record has the same shape. Reads ``chunk_size`` pairs at a time.
    """
    filters = filters or PairFilter()
    checks = list(checks) if checks is not None else check_names(store)
    with _snapshot(store) as conn:
        cur = conn.execute(
            "SELECT p.id, p.article_id, p.kind, p.bead_idx, p.src_ids, p.source, p.target, p.mt,"
            " p.bead_type, p.align_score, p.signature, s.para_idx, s.sent_idx"
            " FROM pairs p LEFT JOIN sentences s ON s.id = json_extract(p.src_ids, '$[0]')"
            " ORDER BY p.article_id, p.kind, p.bead_idx"
        )
        while True:
            chunk = cur.fetchmany(chunk_size)
            if not chunk:
                break
            for rec in _build_records(conn, chunk, checks):
                if filters.accepts(rec):
                    yield rec


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def _build_records(conn: sqlite3.Connection, chunk: list[sqlite3.Row], checks: list[str]) -> list[PairRecord]:
    ids = [r["id"] for r in chunk]
    marks = _placeholders(len(ids))

    flags: dict[str, list[sqlite3.Row]] = {}
    for f in conn.execute(
        f"SELECT pair_id, check_name, score, fired, severity FROM pair_flags WHERE pair_id IN ({marks})"
        " ORDER BY pair_id, check_name",
        ids,
    ):
        flags.setdefault(f["pair_id"], []).append(f)

    states = review_states(conn, chunk)  # the one definition of review state (bitext.review)

    logprobs = _mt_logprobs(conn, chunk)

    out = []
    for r in chunk:
        pf = flags.get(r["id"], [])
        fired = tuple(f["check_name"] for f in pf if f["fired"])
        needs_review = any(f["fired"] and f["severity"] in BLOCKING_SEVERITIES for f in pf)
        by_name = {f["check_name"]: f["score"] for f in pf}
        scores = {name: _opt_float(by_name.get(name)) for name in checks}

        st = states[r["id"]]
        reviewed = st.english if st.status in ("accepted", "edited") else None
        out.append(
            PairRecord(
                id=r["id"],
                doc_id=r["article_id"],
                para_idx=r["para_idx"],
                sent_idx=r["sent_idx"],
                kind=r["kind"],
                bead_idx=r["bead_idx"],
                bead_type=r["bead_type"],
                align_score=_opt_float(r["align_score"]),
                source=r["source"],
                target=st.english,
                mt=r["mt"],
                flags=fired,
                scores=scores,
                needs_review=needs_review,
                mt_logprob=logprobs.get(r["id"]),
                review_status=st.status,
                reviewed_translation=reviewed,
                reviewer=st.reviewer,
                reviewed_at=st.at,
                flagged=bool(pf),
                review_id=st.review_id,
                review_comment=st.comment,
                review_stale=st.stale,
            )
        )
    return out


def _opt_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _mt_logprobs(conn: sqlite3.Connection, chunk: list[sqlite3.Row]) -> dict[str, float]:
    """Model confidence per pair: the token-weighted mean length-normalised log-probability of
    the translations of its source sentences (the cache key is signature + sentence text)."""
    src_ids: dict[str, list[str]] = {}
    for r in chunk:
        try:
            ids = json.loads(r["src_ids"])
        except (TypeError, ValueError):
            ids = []
        if r["signature"] and isinstance(ids, list):
            src_ids[r["id"]] = [str(i) for i in ids]
    texts = sentence_texts(conn, (i for ids in src_ids.values() for i in ids))
    signatures = {r["id"]: r["signature"] for r in chunk if r["id"] in src_ids}
    found = {
        sig: translations(conn, sig, [texts[i] for pid, ids in src_ids.items() if signatures[pid] == sig
                                      for i in ids if i in texts])
        for sig in set(signatures.values())
    }
    out: dict[str, float] = {}
    for pid, ids in src_ids.items():
        rows = [found[signatures[pid]].get(texts[i]) for i in ids if i in texts]
        vals = [(float(t["logprob"]), max(int(t["n_tokens"] or 1), 1)) for t in rows
                if t is not None and t["logprob"] is not None]
        if vals:
            out[pid] = sum(lp * n for lp, n in vals) / sum(n for _, n in vals)
    return out


# -- atomic file writes -----------------------------------------------------------------


@contextmanager
def atomic_writer(path: Path, newline: str | None = "\n") -> Iterator[IO[str]]:
    """Write text to ``path`` through a temp file beside it that replaces it only on success.

    Missing parent folders are created. An OS error (unwritable place, ``path`` is a folder) becomes
    a :class:`BitextError` naming the path (exit code 2).
    """
    path = Path(path)
    if path.is_dir():  # checked first: otherwise the temp file lands beside the folder and rename fails
        raise BitextError(f"{path}: is a folder; give a file name", exit_code=2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_error(path: Path, exc: OSError) -> BitextError:
    return BitextError(f"{path}: cannot write: {exc.strerror or exc}", exit_code=2)


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
