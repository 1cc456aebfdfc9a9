"""The corpus stage of alignment: every article's sentences against their English, into ``pairs``.

Reads through the :class:`~bitext.store.Store`, writes pairs with :meth:`Store.replace_pairs` and
carries reviews over in the same transaction; the alignment itself is :func:`bitext.align.dp.align`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BitextError
from ..model import BEAD_TYPES, KIND_MT, KIND_REFERENCE, MetaKey
from ..review.carry import carry_reviews
from ..segment.en import split_english, split_lines
from ..store import Store, utcnow
from .dp import ALIGNER_VERSION, DOUBTFUL_MIN_SENTENCES, Bead, align, align_document
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
    (every type of :data:`bitext.model.BEAD_TYPES`). With a reference only: ``no_reference`` (articles
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

    def as_dict(self) -> dict[str, int]:
        """The counts as one flat dict (bead types as keys ``'1-1'`` ...), reference counts only when set."""
        out = {k: getattr(self, k) for k in _COUNTS} | {t: self.beads.get(t, 0) for t in BEAD_TYPES}
        if self.no_reference is not None:
            out["no_reference"] = self.no_reference
        if self.unmatched_reference is not None:
            out["unmatched_reference"] = self.unmatched_reference
        return out


def align_corpus(
    store: Store, *, reference: Path | None = None, encoding: str | None = None, quiet: bool = False
) -> AlignReport:
    """Align every article of the store and write its ``pairs`` rows.

    Without ``reference`` (kind ``'mt'``): per paragraph, the Indonesian sentences against their machine
    translations joined and re-split with :func:`split_english`, the per-sentence translations as bridge, so
    a dropped translation shows as 1-0 and one that came out as two sentences as 1-2. An article with a
    sentence not translated under the current translate signature is left alone (``pending``).

    With ``reference`` (kind ``'reference'``): a folder of ``<article id>.txt`` or ``<source file stem>.txt``
    files, or of ``.jsonl``/``.csv`` files with ``id`` and ``text`` (``reference`` may also be one such
    file; see :func:`~bitext.align.references.load_references`, ``encoding`` as for articles). Each text is
    split into paragraphs (lines) and sentences and aligned with the whole article, the machine translation
    as bridge if every sentence has one.

    An article whose inputs did not change since its pairs were written is skipped; otherwise its pairs of
    that kind are replaced in one transaction (their ``pair_flags`` go with them; ``reviews`` are never
    touched, they are carried to the new pair ids).
    """
    store.migrate("align", ALIGN_MIGRATIONS)
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

    for article_id in tqdm(store.article_ids(), desc="align", unit="article", disable=quiet, file=sys.stderr):
        tally["articles"] += 1
        if kind == KIND_REFERENCE and article_id not in refs:
            tally["no_reference"] += 1
            continue
        tally[_align_article(store, article_id, kind, signature, refs.get(article_id), tally)] += 1
    store.set_meta(MetaKey.ALIGN_VERSION, ALIGNER_VERSION)
    return AlignReport(
        **{k: tally[k] for k in _COUNTS},
        beads={t: tally[t] for t in BEAD_TYPES},
        no_reference=tally["no_reference"] if reference is not None else None,
        unmatched_reference=unmatched,
    )


def _align_article(
    store: Store, article_id: str, kind: str, signature: str | None, ref_text: str | None, tally: Counter[str]
) -> str:
    """Align one article; returns what happened (``empty``, ``pending``, ``skipped``, ``aligned``) and
    adds the pairs written to ``tally`` (``pairs`` and one count per bead type)."""
    sentences = store.sentences(article_id)
    if not sentences:
        return "empty"
    mt = _translations(store, signature, [s["text"] for s in sentences]) if signature else {}
    if kind == KIND_MT and len(mt) < len({s["text"] for s in sentences}):
        return "pending"
    fingerprint = _fingerprint(signature, sentences, mt, ref_text)
    state = store.conn.execute(
        "SELECT fingerprint, n_pairs FROM align_state WHERE article_id=? AND kind=?", (article_id, kind)
    ).fetchone()
    if state and state["fingerprint"] == fingerprint:
        if store.count("pairs", "article_id=? AND kind=?", (article_id, kind)) == state["n_pairs"]:
            return "skipped"
    confidence: float | None = None
    if kind == KIND_MT:
        rows = _mt_rows(article_id, sentences, mt, signature)
    else:
        rows, confidence = _reference_rows(article_id, sentences, mt, signature, ref_text or "")
    with store.tx() as conn:
        store.replace_pairs(article_id, kind, rows)
        conn.execute(  # align_state is this stage's own table (see ALIGN_MIGRATIONS)
            "INSERT INTO align_state(article_id, kind, fingerprint, n_pairs, aligned_at, confidence)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(article_id, kind) DO UPDATE SET fingerprint=excluded.fingerprint,"
            " n_pairs=excluded.n_pairs, aligned_at=excluded.aligned_at, confidence=excluded.confidence",
            (article_id, kind, fingerprint, len(rows), utcnow(), confidence),
        )
        carry_reviews(store, article_id)  # reviews follow their sentences to the new pair ids
    tally["pairs"] += len(rows)
    tally.update(row[9] for row in rows)  # bead_type
    return "aligned"


def _translations(store: Store, signature: str, texts: Sequence[str]) -> dict[str, str]:
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


def _mt_rows(
    article_id: str, sentences: Sequence[sqlite3.Row], mt: dict[str, str], signature: str | None
) -> list[tuple]:
    """Pairs of one article against its machine translation, paragraph by paragraph."""
    rows: list[tuple] = []
    now = utcnow()
    paragraphs: dict[int, list[int]] = {}
    for k, s in enumerate(sentences):
        paragraphs.setdefault(s["para_idx"], []).append(k)
    tgt_base = 0
    for members in paragraphs.values():
        translated = [mt[sentences[k]["text"]] for k in members]
        joined = " ".join(translated)
        tgt = [joined[a:b] for a, b in split_english(joined)]
        # The target is the bridge re-split: trust it fully (its reliability cannot be estimated from itself).
        for bead in align([sentences[k]["text"] for k in members], tgt, bridge=translated, bridge_weight=1.0):
            src = [members[i] for i in bead.src]
            rows.append(
                _row(article_id, KIND_MT, len(rows), bead, sentences, src, [tgt[j] for j in bead.tgt],
                     [tgt_base + j for j in bead.tgt], mt, signature, now)
            )  # fmt: skip
        tgt_base += len(tgt)
    return rows


def _reference_rows(
    article_id: str, sentences: Sequence[sqlite3.Row], mt: dict[str, str], signature: str | None, text: str
) -> tuple[list[tuple], float | None]:
    """Pairs of one article against a human translation, the whole article at once, and the article's
    alignment confidence (None when either side has fewer than DOUBTFUL_MIN_SENTENCES sentences)."""
    tgt = split_lines(text)
    src = [s["text"] for s in sentences]
    # A bridge with holes would count an untranslated sentence as matching nothing: all or nothing.
    bridge = [mt[t] for t in src] if all(t in mt for t in src) else None
    now = utcnow()
    rows: list[tuple] = []
    result = align_document(src, tgt, bridge=bridge)
    for bead in result.beads:
        rows.append(
            _row(article_id, KIND_REFERENCE, len(rows), bead, sentences, bead.src, [tgt[j] for j in bead.tgt],
                 bead.tgt, mt, signature if mt else None, now)
        )  # fmt: skip
    judged = min(len(src), len(tgt)) >= DOUBTFUL_MIN_SENTENCES
    return rows, result.confidence if judged else None
