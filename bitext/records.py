"""The read model: one pair as every reader sees it (the review app, every export, XLIFF, publishing).

:func:`iter_pairs` is the one place that decides what a pair looks like outside the store: it streams
pairs in corpus order (article, kind, bead) with their findings (every computed check: name, severity,
score, whether it fired and, on request, its reason), model confidence and review state, reading the
store in chunks from one read snapshot so no reader ever holds the corpus in memory.

Review semantics: the newest review row of a pair is its state, computed by
:func:`bitext.review.state.review_state`. For an accepted or edited pair the English is the text the
reviewer approved, so a later re-translation never silently replaces human-checked text; the new
machine translation stays visible in ``mt``.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from bitext.errors import BitextError
from bitext.model import APPROVED, BLOCKING_SEVERITIES, PENDING, REJECTED, is_blocking
from bitext.review.state import review_states
from bitext.store import (
    TRANSLATION_KEY_SQL,
    Store,
    check_ids,
    flag_tuples,
    flagged_sql,
    has_packed_flags,
    has_table,
)
from bitext.translate.leases import has_source_index


@dataclass(frozen=True)
class Finding:
    """One computed check of a pair (a ``pair_flags`` row)."""

    name: str
    severity: str
    score: float | None
    fired: bool
    reason: str | None = None  # read only when asked for (iter_pairs(reasons=True))

    @property
    def blocking(self) -> bool:
        """Fired with a severity that puts the pair in the review queue."""
        return self.fired and is_blocking(self.severity)


@dataclass
class ImportRecord:
    """One edited row/unit read from a file (XLIFF, review CSV/TSV), before it is checked against the store."""

    where: str  # 'FILE:LINE' or "FILE: unit 'ID'", the prefix of problem lines
    pair_id: str
    new_target: str | None  # None: the file says nothing about the English (no change)
    base_hash: str | None = None  # text_hash of the English at export time, if the file carries it
    base_review_id: int | None = None  # newest review id at export (0: none), if the file carries it
    comment: str | None = None
    problem: str | None = None  # the record could not be read; reported as is
    source: str | None = None  # the Indonesian the file shows, if it does: compared with the pair's
    corpus_id: str | None = None  # the corpus the file was exported from, if it says
    status: str | None = None  # the decision the file states (accepted/edited/rejected/pending), None: none


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
    findings: tuple[Finding, ...] = ()  # every computed check, sorted by name
    scores: dict[str, float | None] = field(default_factory=dict)  # every check in the corpus
    needs_review: bool = False  # a check of a blocking severity (warning, error) fired
    mt_logprob: float | None = None
    review_status: str = PENDING
    reviewed_translation: str | None = None
    reviewer: str | None = None
    reviewed_at: str | None = None
    # Not published (not in to_row): what exports for reviewers and the clean rule need.
    flagged: bool = True  # the checks were computed for this pair (it has pair_flags rows)
    review_id: int | None = None  # newest review row id (state marker for XLIFF/CSV round trips)
    review_comment: str | None = None
    review_stale: bool = False  # pending, and the newest review (or an earlier decision on its sentences,
    # see bitext.review.carry) was made on other content
    aligned_target: str | None = None  # ``pairs.target`` as aligned (``target`` is the current English)
    tgt_idx: tuple[int, ...] = ()  # the bead's English sentence indices in its article (OPUS-style provenance)
    signed_off: bool = False  # a second reviewer signed the current decision off (XLIFF 'final')
    # Notes of the current decision (bitext.review.typology): MQM errors (category, severity) and the reason
    # given for confirming a flagged pair unedited.
    errors: tuple[tuple[str, str], ...] = ()
    review_reason: str | None = None

    @property
    def clean(self) -> bool:
        """In the ``clean`` config: checked, never rejected, and unflagged or approved by a reviewer.

        A pair the checks never ran on (killed between align and flag) is not clean: nothing says it is.
        """
        if self.review_status == REJECTED or not self.flagged:
            return False
        return not self.needs_review or self.review_status in APPROVED

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


Corpus = str | Path | Store | Sequence[str | Path | Store]
"""One store (a folder or an open :class:`Store`), or the stores of one corpus (its shards: disjoint
sets of articles)."""


def open_stores(corpus: Corpus) -> list[Store]:
    """The stores of ``corpus`` opened (:func:`open_store` each); an empty list is a usage error."""
    if isinstance(corpus, (str, Path, Store)):
        return [open_store(corpus)]
    stores = [open_store(c) for c in corpus]
    if not stores:
        raise BitextError("no store given: name a corpus folder or the folders of its stores", exit_code=2)
    return stores


def unchecked_count(store: Store) -> int:
    """Number of pairs without any ``pair_flags`` row: the checks have not run on them yet."""
    return store.conn.execute(f"SELECT COUNT(*) FROM pairs p WHERE NOT {flagged_sql(store.conn, 'p.id')}").fetchone()[0]


def check_names(store: Store, extra: Sequence[str] = ()) -> list[str]:
    """Sorted names of every check in the corpus (``pair_flags``) plus ``extra`` (e.g. configured checks)."""
    return sorted(set(_distinct_checks(store.conn)) | set(extra))


def _distinct_checks(conn: sqlite3.Connection) -> list[str]:
    """The distinct ``pair_flags.check_name`` values, by seeking along the ``pair_flags_fired`` index
    (fired, check_name): a few index seeks per check instead of a scan of every flag row."""
    names: set[str] = set(check_ids(conn)) if has_packed_flags(conn) else set()
    fired = conn.execute("SELECT MIN(fired) FROM pair_flags").fetchone()[0]
    while fired is not None:
        name = conn.execute("SELECT MIN(check_name) FROM pair_flags WHERE fired = ?", (fired,)).fetchone()[0]
        while name is not None:
            names.add(name)
            name = conn.execute("SELECT MIN(check_name) FROM pair_flags WHERE fired = ? AND check_name > ?",
                                (fired, name)).fetchone()[0]
        fired = conn.execute("SELECT MIN(fired) FROM pair_flags WHERE fired > ?", (fired,)).fetchone()[0]
    return sorted(names)


# What a record is built from: the pair row and the position of its first source sentence
# (_ChunkReader.records unpacks these columns by position: keep the two in step).
_PAIR_ROWS = (
    "SELECT p.id, p.article_id, p.kind, p.bead_idx, p.src_ids, p.tgt_idx, p.source, p.target, p.mt,"
    " p.bead_type, p.align_score, p.signature, s.para_idx, s.sent_idx"
    " FROM pairs p LEFT JOIN sentences s ON s.id = json_extract(p.src_ids, '$[0]')"
)


def iter_pairs(
    store: Store,
    filters: PairFilter | None = None,
    *,
    checks: Sequence[str] | None = None,
    chunk_size: int = 500,
    reasons: bool = False,
    findings: bool = True,
) -> Iterator[PairRecord]:
    """Yield pair records in corpus order (article id, kind, bead index), filtered.

    ``checks`` fixes the keys of :attr:`PairRecord.scores` (default: every check in the store),
    so every record has the same shape. Reads ``chunk_size`` pairs at a time. ``reasons`` also reads
    each finding's reason text (for readers that show it: XLIFF notes, the review app).
    ``findings=False`` leaves :attr:`PairRecord.findings` empty (``flags``, ``scores``, ``needs_review``
    and ``flagged`` are still computed): for readers that never look at single findings (publishing,
    the MT-training exports), as one object per (pair, check) is most of the cost on a big corpus.
    """
    filters = filters or PairFilter()
    checks = list(checks) if checks is not None else check_names(store)
    with store.snapshot() as conn:
        reader = _ChunkReader(conn, checks, reasons, findings)
        cur = conn.execute(f"{_PAIR_ROWS} ORDER BY p.article_id, p.kind, p.bead_idx")
        while chunk := cur.fetchmany(chunk_size):
            for rec in reader.records(chunk):
                if filters.accepts(rec):
                    yield rec


def tuple_rows(conn: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
    """``sql``'s rows as plain tuples (comparable, for merging sorted rows of several stores; cheaper than
    ``sqlite3.Row``), streamed from a cursor of its own."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, params)


def _corpus_order(rec: PairRecord) -> tuple[str, str, int]:
    return rec.doc_id, rec.kind, rec.bead_idx


def iter_corpus_pairs(stores: Sequence[Store], **kwargs: Any) -> Iterator[PairRecord]:
    """:func:`iter_pairs` over several stores holding disjoint articles (the shards of one corpus), merged
    into the order one store with all their articles gives (article id, kind, bead index: SQLite's binary
    collation orders text as Python does); ``kwargs`` as for :func:`iter_pairs`. Streams: one chunk per
    store in memory."""
    if len(stores) == 1:
        return iter_pairs(stores[0], **kwargs)
    return heapq.merge(*(iter_pairs(s, **kwargs) for s in stores), key=_corpus_order)


def select_pairs(
    store: Store, *, only_clean: bool = False, min_score: float | None = None, exclude_flags: Iterable[str] = ()
) -> list[PairRecord]:
    """Pairs in corpus order, as a list: :func:`iter_pairs` with a :class:`PairFilter` (see there)."""
    filters = PairFilter(only_clean=only_clean, min_score=min_score, exclude_flags=tuple(exclude_flags))
    return list(iter_pairs(store, filters))


def pair_records(
    conn: sqlite3.Connection,
    pair_ids: Sequence[str],
    *,
    checks: Sequence[str] = (),
    reasons: bool = False,
) -> list[PairRecord]:
    """The records of ``pair_ids`` in the order given, built as :func:`iter_pairs` builds them (ids that
    do not exist are skipped). For readers that pick pairs by id (the review queue, one pair's page).

    ``checks`` fixes the keys of :attr:`PairRecord.scores` (default: none); ``reasons`` as in
    :func:`iter_pairs`. ``conn`` is any connection to the store (a snapshot for a consistent read).
    """
    out: list[PairRecord] = []
    reader = _ChunkReader(conn, list(checks), reasons, True)
    for start in range(0, len(pair_ids), 500):  # stay under SQLite's variable limit
        chunk = list(pair_ids[start : start + 500])
        rows = {r["id"]: r for r in conn.execute(f"{_PAIR_ROWS} WHERE p.id IN ({_placeholders(len(chunk))})", chunk)}
        found = [rows[i] for i in chunk if i in rows]
        if found:
            out += reader.records(found)
    return out


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


_Flags = tuple[tuple[str, ...], dict[str, "float | None"], bool, tuple[Finding, ...]]
_NO_FLAGS: _Flags = ((), {}, False, ())
_NO_NOTES: tuple[tuple[tuple[str, str], ...], str | None] = ((), None)


class _ChunkReader:
    """Builds the records of chunks of pair rows, a few queries per chunk (not per pair)."""

    def __init__(self, conn: sqlite3.Connection, checks: list[str], reasons: bool, findings: bool) -> None:
        self.conn = conn
        self.checks = checks
        self.reasons = reasons
        self.findings = findings or reasons
        # The review tables appear with the review component's first migration: look once, not per chunk.
        self.has_stale = has_table(conn, "review_stale")
        self.has_signoff = has_table(conn, "review_signoff")
        self.has_notes = has_table(conn, "review_errors")
        # Translate migration v3's index on translations(signature, source): probe it instead of hashing
        # each sentence's text into the cache key in Python (a store not translated since has no index).
        self.translation_probe = ("t.signature = p.signature AND t.source = s.text" if has_source_index(conn)
                                  else f"t.key = {TRANSLATION_KEY_SQL}(p.signature, s.text)")

    def _tuples(self, sql: str, params: Sequence[object]) -> list[tuple]:
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: several times cheaper than sqlite3.Row per flag row
        return cur.execute(sql, params).fetchall()

    def records(self, chunk: list[sqlite3.Row]) -> list[PairRecord]:
        conn = self.conn
        ids = [r["id"] for r in chunk]
        flags = self._flags(ids)
        states = review_states(conn, chunk)  # the one definition of review state (bitext.review)
        stale_links = self._stale_links(ids)
        decided = [st.review_id for st in states.values() if st.review_id is not None and st.status != PENDING]
        signed = self._signed_off(decided)
        notes = self._notes(decided)
        logprobs = self._mt_logprobs(ids)

        checks = self.checks
        check_set = set(checks)
        template: dict[str, float | None] = dict.fromkeys(checks)
        no_flags, approved, pending = _NO_FLAGS, APPROVED, PENDING
        flags_get, logprob_get, opt_float, int_list = flags.get, logprobs.get, _opt_float, _int_list
        out = []
        append = out.append
        for r in chunk:
            # By position (sqlite3.Row's name lookup costs more): the columns of _PAIR_ROWS, in order.
            pid, doc_id, kind, bead_idx, _, tgt_idx, source, target, mt, bead_type, align_score, _, para, sent = r
            fired, by_name, blocking, found = flags_get(pid, no_flags)
            if by_name.keys() <= check_set:  # the usual case: a copy and an update instead of a lookup per check
                scores = template.copy()
                scores.update(by_name)
            else:
                scores = {name: by_name.get(name) for name in checks}
            st = states[pid]
            status = st.status
            errors, reason = notes.get(st.review_id, _NO_NOTES) if status != pending else _NO_NOTES
            append(
                PairRecord(
                    id=pid,
                    doc_id=doc_id,
                    para_idx=para,
                    sent_idx=sent,
                    kind=kind,
                    bead_idx=bead_idx,
                    bead_type=bead_type,
                    align_score=opt_float(align_score),
                    source=source,
                    target=st.english,
                    mt=mt,
                    flags=fired,
                    findings=found,
                    scores=scores,
                    needs_review=blocking,
                    mt_logprob=logprob_get(pid),
                    review_status=status,
                    reviewed_translation=st.english if status in approved else None,
                    reviewer=st.reviewer,
                    reviewed_at=st.at,
                    flagged=bool(by_name),
                    review_id=st.review_id,
                    review_comment=st.comment,
                    review_stale=st.stale or (status == pending and pid in stale_links),
                    aligned_target=target,
                    tgt_idx=int_list(tgt_idx),
                    signed_off=st.review_id in signed and status != pending,
                    errors=errors,
                    review_reason=reason,
                )
            )
        return out

    def _flags(self, ids: list[str]) -> dict[str, _Flags]:
        """Per pair of ``ids`` that has ``pair_flags`` rows: the checks that fired (by name), every check's
        score, whether a blocking one fired (:func:`bitext.model.needs_review`'s rule) and, if asked for,
        the findings. Without findings no object is made per check (one per (pair, check) is most of a big
        corpus's reading time)."""
        if self.findings:
            rows = flag_tuples(self.conn, ids, reasons=self.reasons)
            out: dict[str, _Flags] = {}
            for pid, group in groupby(rows, itemgetter(0)):
                pf = list(group)
                found = tuple(Finding(f[1], f[4], _opt_float(f[2]), bool(f[3]), f[5]) for f in pf)
                out[pid] = (tuple(f[1] for f in pf if f[3]), {f[1]: _opt_float(f[2]) for f in pf},
                            any(f[3] and is_blocking(f[4]) for f in pf), found)
            return out
        return _flag_summaries(flag_tuples(self.conn, ids))

    def _signed_off(self, review_ids: list[int]) -> set[int]:
        """Of ``review_ids``, those a second reviewer signed off (``review_signoff``, kept by
        :mod:`bitext.review.workflow`; absent in a store the review tables were never made in)."""
        if not review_ids or not self.has_signoff:
            return set()
        return {r[0] for r in self._tuples(f"SELECT review_id FROM review_signoff WHERE review_id IN"
                                           f" ({_placeholders(len(review_ids))})", review_ids)}

    def _notes(self, review_ids: list[int]) -> dict[int, tuple[tuple[tuple[str, str], ...], str | None]]:
        """The notes of the decisions ``review_ids`` that have any (``review_errors``/``review_reasons``, kept by
        :mod:`bitext.review.typology`; absent in a store the component never ran in): review id -> (errors in
        the typology's category order, reason)."""
        if not review_ids or not self.has_notes:
            return {}
        marks = _placeholders(len(review_ids))
        errors: dict[int, list[tuple[str, str]]] = {}
        for rid, category, severity in self._tuples(f"SELECT review_id, category, severity FROM review_errors WHERE"
                                                    f" review_id IN ({marks}) ORDER BY review_id, rowid", review_ids):
            errors.setdefault(rid, []).append((category, severity))  # written in the typology's order
        reasons = dict(self._tuples(f"SELECT review_id, reason FROM review_reasons WHERE review_id IN ({marks})",
                                    review_ids))
        return {rid: (tuple(errors.get(rid, ())), reasons.get(rid)) for rid in errors.keys() | reasons.keys()}

    def _stale_links(self, ids: list[str]) -> set[str]:
        """Pairs holding sentences of an earlier decision that could not be carried (``review_stale``, kept
        by :mod:`bitext.review.carry`; absent in a store the review tables were never made in)."""
        if not self.has_stale:
            return set()
        return {r[0] for r in self._tuples(f"SELECT DISTINCT pair_id FROM review_stale WHERE pair_id IN"
                                           f" ({_placeholders(len(ids))})", ids)}

    def _mt_logprobs(self, ids: list[str]) -> dict[str, float]:
        """Model confidence per pair: the token-weighted mean length-normalised log-probability of
        the translations of its source sentences (the cache key is signature + sentence text), in one
        query per chunk: the pair's source sentences in bead order, joined to their cached translation
        (on the (signature, source) index where the store has it: the same row the key names)."""
        rows = self._tuples(
            f"SELECT p.id, t.logprob, t.n_tokens FROM pairs p,"
            f" json_each(CASE WHEN json_valid(p.src_ids) AND json_type(p.src_ids) = 'array' THEN p.src_ids"
            f" ELSE '[]' END) j"
            f" JOIN sentences s ON s.id = j.value"
            f" JOIN translations t ON {self.translation_probe}"
            f" WHERE p.id IN ({_placeholders(len(ids))}) AND p.signature IS NOT NULL AND p.signature != ''"
            f" AND t.logprob IS NOT NULL ORDER BY p.id, j.key",
            ids,
        )
        vals: dict[str, list[tuple[float, int]]] = {}
        for pid, logprob, n_tokens in rows:
            vals.setdefault(pid, []).append((float(logprob), max(int(n_tokens or 1), 1)))
        return {pid: sum(lp * n for lp, n in v) / sum(n for _, n in v) for pid, v in vals.items()}


_FLOAT_OR_NONE = frozenset((float, type(None)))


def _flag_summaries(rows: list[tuple]) -> dict[str, _Flags]:
    """:meth:`_ChunkReader._flags` without findings, from (pair_id, check_name, score, fired, severity, ...)
    rows ordered by pair (columns after the fifth ignored, so :func:`flag_tuples` rows need no slicing): each
    pair's rows transposed into columns at once (C-level zips, no Python step per flag row, which is most of
    a big corpus's reading time)."""
    out: dict[str, _Flags] = {}
    blocking = BLOCKING_SEVERITIES
    for pid, group in groupby(rows, itemgetter(0)):
        names, scores, fired, severities = tuple(zip(*group, strict=True))[1:5]
        if not _FLOAT_OR_NONE.issuperset(map(type, scores)):  # REAL affinity gives floats; anything else as before
            scores = tuple(map(_opt_float, scores))
        hits = tuple(compress(names, fired))
        out[pid] = (hits, dict(zip(names, scores, strict=True)),
                    bool(hits) and any(sev in blocking for sev in compress(severities, fired)), ())
    return out


@lru_cache(maxsize=4096)  # the same few lists ('[0]', '[1, 2]', ...) over and over; the tuples are immutable
def _int_list(text: str | None) -> tuple[int, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(int(i) for i in value) if isinstance(value, list) else ()


def _opt_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
