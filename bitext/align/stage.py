"""The corpus stage of alignment: every article's sentences against their English, into ``pairs``.

Reads through the :class:`~bitext.store.Store`, writes pairs with :meth:`Store.replace_pairs` and
carries reviews over in the same transaction. Against the machine translation (kind ``'mt'``) each sentence
is paired with its own translation (:mod:`bitext.align.mt`: provenance, not a guess); against a reference
(kind ``'reference'``) the DP :func:`bitext.align.dp.align_document` aligns each whole article.
Articles go in chunks of :data:`CHUNK_ARTICLES` (consecutive ids): one range query per table reads a
chunk's rows, and one transaction writes its pairs.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BitextError
from ..model import BEAD_TYPES, KIND_MT, KIND_REFERENCE, MetaKey
from ..review.carry import carry_reviews
from ..review.schema import ensure_schema, pair_writes
from ..segment.en import split_lines
from ..store import Store, utcnow
from .batch import fit_length_model
from .dp import (
    ALIGNER_VERSION,
    DOUBTFUL_MIN_SENTENCES,
    PRIOR,
    Bead,
    LengthModel,
    WordTranslations,
    align_document,
)
from .features import _Features
from .mt import align_translations
from .references import load_references, match_references

# Per article and kind: a fingerprint of everything its pairs were computed from (aligner version,
# translation signature, sentences, translations, reference text), so a re-run skips what is done.
ALIGN_MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE align_state (
            article_id   TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            kind         TEXT NOT NULL,
            fingerprint  TEXT NOT NULL,
            n_pairs      INTEGER NOT NULL,
            aligned_at   TEXT NOT NULL,
            PRIMARY KEY (article_id, kind)
        );
        """,
    ),
    # The article-level confidence of a reference alignment (NULL: kind 'mt', or too short to judge);
    # the 'article_alignment' review flag reads it.
    (2, "ALTER TABLE align_state ADD COLUMN confidence REAL;"),
]

_COUNTS = ("articles", "aligned", "skipped", "pending", "empty", "pairs")


@dataclass(frozen=True)
class AlignReport:
    """What :func:`align_corpus` did.

    ``articles`` seen, ``aligned`` (pairs rewritten), ``skipped`` (inputs unchanged), ``pending`` (not fully
    translated), ``empty`` (no sentences), ``pairs`` written, and ``beads``: pairs written per bead type
    (every type of :data:`bitext.model.BEAD_TYPES`, and any other type written, e.g. ``'1-4'`` for a
    translation that came out as four sentences). With a reference only: ``no_reference`` (articles
    without one) and ``unmatched_reference`` (references that match no article).
    """

    articles: int = 0
    aligned: int = 0
    skipped: int = 0
    pending: int = 0
    empty: int = 0
    pairs: int = 0
    beads: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BEAD_TYPES, 0))
    no_reference: int | None = None
    unmatched_reference: int | None = None
    length_model: LengthModel | None = None  # the one fitted for reference alignment (None: kind 'mt')

    def as_dict(self) -> dict[str, int]:
        """The counts as one flat dict (bead types as keys ``'1-1'`` ...), reference counts only when set."""
        out = {k: getattr(self, k) for k in _COUNTS} | {t: self.beads.get(t, 0) for t in BEAD_TYPES} | self.beads
        if self.no_reference is not None:
            out["no_reference"] = self.no_reference
        if self.unmatched_reference is not None:
            out["unmatched_reference"] = self.unmatched_reference
        return out


def align_corpus(
    store: Store, *, reference: Path | None = None, encoding: str | None = None, quiet: bool = False
) -> AlignReport:
    """Align every article of the store and write its ``pairs`` rows.

    Without ``reference`` (kind ``'mt'``): each Indonesian sentence with its own machine translation split
    into sentences (:func:`~bitext.align.mt.align_translations`), so a dropped translation shows as 1-0, one
    that came out as two sentences as 1-2, and a poor or looping one stays with its sentence. An article with a
    sentence not translated under the current translate signature is left alone (``pending``).

    With ``reference`` (kind ``'reference'``): a folder of ``<article id>.txt`` or ``<source file stem>.txt``
    files, or of ``.jsonl``/``.csv`` files with ``id`` and ``text`` (``reference`` may also be one such
    file; see :func:`~bitext.align.references.load_references`, ``encoding`` as for articles). Each text is
    split into paragraphs (lines) and sentences and aligned with the whole article, the machine translation
    as bridge if every sentence has one (else the corpus lexicon's gloss, if there is a lexicon), under the
    length model fitted on this run's references (a first pass over up to :data:`FIT_ARTICLES` of them;
    ``AlignReport.length_model``).

    An article whose inputs did not change since its pairs were written is skipped; otherwise its pairs of
    that kind are replaced, in one transaction per chunk of articles (their ``pair_flags`` go with them;
    ``reviews`` are never touched, they are carried to the new pair ids).
    """
    store.migrate("align", ALIGN_MIGRATIONS)
    ensure_schema(store)  # carry_reviews needs it, and pair_writes its v2, before the write transactions
    signature = store.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    kind = KIND_MT if reference is None else KIND_REFERENCE
    if kind == KIND_MT and signature is None:
        raise BitextError(
            f"{store.path}: nothing is translated yet (no translate.signature): run 'bitext translate' first",
            exit_code=2,
        )
    tally: Counter[str] = Counter()
    refs: dict[str, str] = {}
    unmatched: int | None = None
    if reference is not None:
        refs, unmatched = match_references(store, load_references(Path(reference), encoding), quiet)
    from tqdm import tqdm

    ids = store.article_ids()
    lexicon = _lexicon_for(store) if kind == KIND_REFERENCE else None
    length = _fit_reference_lengths(store, refs) if kind == KIND_REFERENCE and refs else None
    with tqdm(total=len(ids), desc="align", unit="article", disable=quiet, file=sys.stderr) as bar:
        for start in range(0, len(ids), CHUNK_ARTICLES):
            chunk = ids[start : start + CHUNK_ARTICLES]
            with _gc_paused():
                _align_chunk(store, chunk, kind, signature, refs, tally, length or PRIOR, lexicon)
            bar.update(len(chunk))
    store.set_meta(MetaKey.ALIGN_VERSION, ALIGNER_VERSION)
    return AlignReport(
        **{k: tally[k] for k in _COUNTS},
        beads={t: tally[t] for t in BEAD_TYPES} | {t: c for t, c in sorted(tally.items()) if _is_bead(t)},
        no_reference=tally["no_reference"] if reference is not None else None,
        unmatched_reference=unmatched,
        length_model=length,
    )


def _is_bead(key: str) -> bool:
    """Whether a tally key is a bead type (``'1-4'``: a translation that came out as four sentences)."""
    a, dash, b = key.partition("-")
    return bool(dash) and a.isdigit() and b.isdigit()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while one chunk is aligned, back as it was after: a chunk makes
    hundreds of thousands of small acyclic containers (feature lists, rows), and the collector's passes
    over them cost about a fifth of the stage while freeing nothing (reference counting frees them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


CHUNK_ARTICLES = 200
"""Articles read, aligned and written together: one query per table for their rows, one transaction;
memory stays flat in corpus size."""


@dataclass
class _Job:
    """One article to (re)align: its inputs and the fingerprint of them."""

    article_id: str
    sentences: list[sqlite3.Row]
    mt: dict[str, str]
    fingerprint: str


def _align_chunk(
    store: Store, chunk: Sequence[str], kind: str, signature: str | None, refs: dict[str, str], tally: Counter[str],
    length: LengthModel, lexicon: WordTranslations | None,
) -> None:
    """Align the articles ``chunk`` (consecutive in id order), counting what happened in ``tally``
    (one of ``no_reference``, ``empty``, ``pending``, ``skipped``, ``aligned`` per article; ``pairs`` and
    one count per bead type)."""
    conn = store.conn
    lo, hi = chunk[0], chunk[-1]
    members = set(chunk)
    by_article: dict[str, list[sqlite3.Row]] = {}
    # The chunk is a contiguous run of the sorted ids, so a range on the index reads exactly its rows.
    for row in conn.execute(
        "SELECT * FROM sentences WHERE article_id BETWEEN ? AND ? ORDER BY article_id, para_idx, sent_idx", (lo, hi)
    ):
        by_article.setdefault(row["article_id"], []).append(row)
    texts = {s["text"] for aid in chunk for s in by_article.get(aid, ())}
    mt_all = _translations(store, signature, texts) if signature and texts else {}
    states = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT article_id, fingerprint, n_pairs FROM align_state WHERE kind=? AND article_id BETWEEN ? AND ?",
            (kind, lo, hi),
        )
    }
    counts: dict[str, int] | None = None
    jobs: list[_Job] = []
    for article_id in chunk:
        tally["articles"] += 1
        if kind == KIND_REFERENCE and article_id not in refs:
            tally["no_reference"] += 1
            continue
        sentences = by_article.get(article_id, [])
        if not sentences:
            tally["empty"] += 1
            continue
        mt = {s["text"]: mt_all[s["text"]] for s in sentences if s["text"] in mt_all}
        if kind == KIND_MT and len(mt) < len({s["text"] for s in sentences}):
            tally["pending"] += 1
            continue
        fingerprint = _fingerprint(signature, sentences, mt, refs.get(article_id))
        state = states.get(article_id)
        if state and state[0] == fingerprint:
            if counts is None:
                counts = {
                    r[0]: r[1]
                    for r in conn.execute(
                        "SELECT article_id, COUNT(*) FROM pairs WHERE kind=? AND article_id BETWEEN ? AND ?"
                        " GROUP BY article_id",
                        (kind, lo, hi),
                    )
                    if r[0] in members
                }
            if counts.get(article_id, 0) == state[1]:
                tally["skipped"] += 1
                continue
        jobs.append(_Job(article_id, sentences, mt, fingerprint))
    if not jobs:
        return
    # Every article's rows before the write transaction: the write lock is held only while writing.
    out: list[tuple[_Job, list[tuple], float | None]] = []
    for job in jobs:
        if kind == KIND_MT:
            out.append((job, _mt_rows(job, signature), None))
        else:
            out.append((job, *_reference_rows(job.article_id, job.sentences, job.mt, signature,
                                              refs.get(job.article_id) or "", length, lexicon)))  # fmt: skip
    with store.tx() as conn:
        for job, rows, confidence in out:
            with pair_writes(store, job.article_id, kind):
                store.replace_pairs(job.article_id, kind, rows)
            conn.execute(  # align_state is this stage's own table (see ALIGN_MIGRATIONS)
                "INSERT INTO align_state(article_id, kind, fingerprint, n_pairs, aligned_at, confidence)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(article_id, kind) DO UPDATE SET fingerprint=excluded.fingerprint,"
                " n_pairs=excluded.n_pairs, aligned_at=excluded.aligned_at, confidence=excluded.confidence",
                (job.article_id, kind, job.fingerprint, len(rows), utcnow(), confidence),
            )
            carry_reviews(store, job.article_id)  # reviews follow their sentences to the new pair ids
            tally["aligned"] += 1
            tally["pairs"] += len(rows)
            tally.update(row[9] for row in rows)  # bead_type


def _translations(store: Store, signature: str, texts: Iterable[str]) -> dict[str, str]:
    """Source text -> machine translation under ``signature``, for the texts that have one."""
    return {t: row["text"] for t, row in store.translations(signature, texts).items()}


def _fingerprint(
    signature: str | None, sentences: Sequence[sqlite3.Row], mt: dict[str, str], ref_text: str | None
) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([ALIGNER_VERSION, signature, ref_text], ensure_ascii=False).encode())
    for s in sentences:
        h.update(json.dumps([s["id"], s["text"], mt.get(s["text"])], ensure_ascii=False).encode())
    return h.hexdigest()


def _src_key(sentences: Sequence[sqlite3.Row], src: Sequence[int]) -> str:
    return "+".join(f"{sentences[i]['para_idx']}.{sentences[i]['sent_idx']}" for i in src)


def _row(
    article_id: str, kind: str, bead_idx: int, bead: Bead, sentences: Sequence[sqlite3.Row], src: Sequence[int],
    tgt_texts: Sequence[str], tgt: Sequence[int], mt: dict[str, str], signature: str | None, now: str,
) -> tuple:  # fmt: skip
    """One pairs row (:data:`bitext.store.PAIR_COLUMNS`). ``src`` are indices into ``sentences``, ``tgt``
    article-wide target indices."""
    prefix = "ref-" if kind == KIND_REFERENCE else ""
    pair_id = f"{article_id}:{prefix}{_src_key(sentences, src)}" if src else f"{article_id}:{prefix}t{tgt[0]}"
    translated = [mt[sentences[i]["text"]] for i in src if sentences[i]["text"] in mt]
    return (
        pair_id, article_id, kind, bead_idx,
        json.dumps([sentences[i]["id"] for i in src]), json.dumps(list(tgt)),
        " ".join(sentences[i]["text"] for i in src), " ".join(tgt_texts),
        " ".join(translated) if translated else None,
        bead.type, bead.score, signature, now,
    )  # fmt: skip


def _mt_rows(job: _Job, signature: str | None) -> list[tuple]:
    """Pairs of one article against its machine translation, paragraph by paragraph: each source sentence
    with the sentences of its own translation (:func:`~bitext.align.mt.align_translations`)."""
    rows: list[tuple] = []
    now = utcnow()
    tgt_base = 0
    memo = _Features()  # per article: a chunk-wide memo held every text's sets (+30 MiB) for few repeats
    paragraphs: dict[int, list[int]] = {}
    for k, s in enumerate(job.sentences):
        paragraphs.setdefault(s["para_idx"], []).append(k)
    for members in paragraphs.values():
        texts = [job.sentences[k]["text"] for k in members]
        tgt, beads = align_translations(texts, [job.mt[t] for t in texts], memo)
        for bead in beads:
            src = [members[i] for i in bead.src]
            rows.append(
                _row(job.article_id, KIND_MT, len(rows), bead, job.sentences, src, [tgt[j] for j in bead.tgt],
                     [tgt_base + j for j in bead.tgt], job.mt, signature, now)
            )  # fmt: skip
        tgt_base += len(tgt)
    return rows


def _reference_doc(
    sentences: Sequence[sqlite3.Row], mt: dict[str, str], text: str
) -> tuple[list[str], list[str], list[str] | None]:
    """(source sentences, reference sentences, bridge or None) of one article."""
    src = [s["text"] for s in sentences]
    # A bridge with holes would count an untranslated sentence as matching nothing: all or nothing.
    return src, split_lines(text), [mt[t] for t in src] if all(t in mt for t in src) else None


FIT_ARTICLES = 200
"""Articles (evenly spread over those with a reference) whose first pass fits the length model."""
FIT_SENTENCES = 20000
"""At most this many source sentences in the fitting pass (an article longer than that is left out of it,
e.g. a one-article corpus of 50,000 paragraphs: it is aligned under the prior rather than twice)."""


def _lexicon_for(store: Store) -> WordTranslations | None:
    """The corpus lexicon whose glosses bridge reference sentences that have no machine translation
    (:func:`~bitext.align.dp.gloss`), or None."""
    from bitext.lexicon import load_lexicon  # below align: built from translations and reference pairs

    return load_lexicon(store)


def _fit_reference_lengths(store: Store, refs: dict[str, str]) -> LengthModel:
    """The length model of this corpus's references (:func:`~bitext.align.batch.fit_length_model` on up to
    :data:`FIT_ARTICLES` of them): free translations vary more in length than the prior's clean sentences.
    It depends only on the inputs, so a re-run fits the same model and skips what is done."""
    ids = sorted(refs)
    step = max(1, len(ids) // FIT_ARTICLES)
    docs = []
    budget = FIT_SENTENCES
    for article_id in ids[::step][:FIT_ARTICLES]:
        sentences = store.sentences(article_id)
        if not sentences or len(sentences) > budget:
            continue
        budget -= len(sentences)
        docs.append(_reference_doc(sentences, {}, refs[article_id]))
    return fit_length_model(docs)


def _reference_rows(
    article_id: str, sentences: Sequence[sqlite3.Row], mt: dict[str, str], signature: str | None, text: str,
    length: LengthModel, lexicon: WordTranslations | None,
) -> tuple[list[tuple], float | None]:
    """Pairs of one article against a human translation, the whole article at once (under the corpus's
    ``length`` model), and the article's alignment confidence (None when either side has fewer than
    DOUBTFUL_MIN_SENTENCES sentences)."""
    src, tgt, bridge = _reference_doc(sentences, mt, text)
    now = utcnow()
    rows: list[tuple] = []
    result = align_document(src, tgt, bridge=bridge, length=length, lexicon=lexicon)
    for bead in result.beads:
        rows.append(
            _row(article_id, KIND_REFERENCE, len(rows), bead, sentences, bead.src, [tgt[j] for j in bead.tgt],
                 bead.tgt, mt, signature if mt else None, now)
        )  # fmt: skip
    judged = min(len(src), len(tgt)) >= DOUBTFUL_MIN_SENTENCES
    return rows, result.confidence if judged else None
