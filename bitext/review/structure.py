"""Beads a reviewer reshaped (merge and split in the app), recorded and re-made after re-alignment.

Three edits (made by :mod:`bitext.review.edits`), each on neighbouring pairs of one article and kind:

* **join**: a pair and the next one become one bead (their Indonesian and English joined);
* **split**: a bead of several sentences becomes two, at a source and a target sentence boundary;
* **move**: the last Indonesian sentence of a pair moves to the next pair (or the first of the next pair
  to this one); the English stays where it is.

An edit is a row of ``review_structure`` (append-only; who, when, the beads it made and the text they
hold) and is applied by rewriting the run of pairs it touches (:func:`rewrite`); the decisions on
those pairs then follow their sentences as after a re-alignment (:func:`bitext.review.carry.carry_reviews`:
carried, combined or stale, never lost). When ``align`` runs again and writes the aligner's beads,
:func:`reapply` (called by ``carry_reviews``) makes the reviewer's beads again wherever the sentences
and the English they hold are unchanged; an edit whose text changed is left and counted
(:func:`stale_edits`), like a stale decision.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bitext.model import KIND_REFERENCE
from bitext.review.schema import ensure_schema
from bitext.store import FLAG_EVIDENCE_COLUMNS, PAIR_COLUMNS, Store, flag_tuples, utcnow

JOIN, SPLIT, MOVE = "join", "split", "move"


@dataclass(frozen=True)
class Bead:
    """One bead an edit makes: Indonesian sentence ids and texts, target indices and texts."""

    src_ids: tuple[str, ...]
    tgt_idx: tuple[int, ...]
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    mt: str | None

    @property
    def bead_type(self) -> str:
        return f"{len(self.src_ids)}-{len(self.tgt_idx)}"

    def as_json(self) -> dict:
        return {"src_ids": list(self.src_ids), "tgt_idx": list(self.tgt_idx), "sources": list(self.sources),
                "targets": list(self.targets), "mt": self.mt}

    @staticmethod
    def from_json(d: dict) -> Bead:
        return Bead(tuple(d["src_ids"]), tuple(d["tgt_idx"]), tuple(d["sources"]), tuple(d["targets"]), d["mt"])


def _pair_id(article_id: str, kind: str, bead: Bead) -> str:
    """The aligner's id scheme (bitext.align.stage): '{article}:{para.sent+...}', 'ref-' for references,
    't{first target}' for a bead without Indonesian."""
    prefix = "ref-" if kind == KIND_REFERENCE else ""
    if bead.src_ids:
        return f"{article_id}:{prefix}" + "+".join(".".join(s.rsplit(":", 2)[1:]) for s in bead.src_ids)
    return f"{article_id}:{prefix}t{bead.tgt_idx[0] if bead.tgt_idx else 0}"


def _pairs(conn: sqlite3.Connection, article_id: str, kind: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM pairs WHERE article_id = ? AND kind = ? ORDER BY bead_idx",
                        (article_id, kind)).fetchall()


def sentence_texts(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    marks = ",".join("?" * len(ids))
    return {r[0]: r[1] for r in conn.execute(f"SELECT id, text FROM sentences WHERE id IN ({marks})", list(ids))}


def _targets(pair: sqlite3.Row) -> list[str]:
    """The pair's English as its target sentences (split as the aligner joined them; one piece when the
    split does not give as many sentences as the bead has)."""
    from bitext.segment.en import split_english

    text = pair["target"] or ""
    n = len(json.loads(pair["tgt_idx"] or "[]"))
    spans = [text[a:b] for a, b in split_english(text)] if text else []
    if len(spans) == n:
        return spans
    return [text] if text else []


def bead_of(conn: sqlite3.Connection, pair: sqlite3.Row) -> Bead:
    src = tuple(json.loads(pair["src_ids"] or "[]"))
    texts = sentence_texts(conn, src) if src else {}
    tgt = tuple(json.loads(pair["tgt_idx"] or "[]"))
    targets = _targets(pair)
    if len(targets) != len(tgt):  # unsplittable English: keep it whole on the first target index
        targets = [pair["target"]] if pair["target"] else []
        tgt = tgt[:1] if targets else ()
    return Bead(src, tgt, tuple(texts.get(s, "") for s in src), tuple(targets), pair["mt"])


def _row(article_id: str, kind: str, idx: int, bead: Bead, signature: str | None, now: str) -> tuple:
    values = {"id": _pair_id(article_id, kind, bead), "article_id": article_id, "kind": kind, "bead_idx": idx,
              "src_ids": json.dumps(list(bead.src_ids)), "tgt_idx": json.dumps(list(bead.tgt_idx)),
              "source": " ".join(bead.sources), "target": " ".join(bead.targets), "mt": bead.mt,
              "bead_type": bead.bead_type, "align_score": None, "signature": signature, "created_at": now}
    return tuple(values[c] for c in PAIR_COLUMNS)


def rewrite(store: Store, conn: sqlite3.Connection, article_id: str, kind: str, first: int, count: int,
             beads: Sequence[Bead]) -> list[str]:  # fmt: skip
    """Replace ``count`` pairs from bead index ``first`` by ``beads``; the other pairs keep their rows and
    flags. Returns the new pair ids."""
    pairs = _pairs(conn, article_id, kind)
    keep = pairs[:first] + pairs[first + count:]
    flags = [(*f[:6], None if f[6] is None else json.dumps(f[6]))
             for f in flag_tuples(conn, [p["id"] for p in keep], reasons=True, evidence=True)]
    now = utcnow()
    new = [_row(article_id, kind, 0, b, pairs[first]["signature"], now) for b in beads]
    rows = [tuple(p[c] for c in PAIR_COLUMNS) for p in pairs[:first]] + new + [
        tuple(p[c] for c in PAIR_COLUMNS) for p in pairs[first + count:]]
    col = PAIR_COLUMNS.index("bead_idx")
    rows = [r[:col] + (i,) + r[col + 1:] for i, r in enumerate(rows)]
    store.replace_pairs(article_id, kind, rows)
    store.write_flags(flags, FLAG_EVIDENCE_COLUMNS)
    return [r[0] for r in new]


def _edits(conn: sqlite3.Connection, article_id: str | None = None) -> list[sqlite3.Row]:
    """The edits still in force, oldest first: an edit whose sentences a later edit regrouped again is
    superseded by it."""
    rows = conn.execute("SELECT * FROM review_structure" + (" WHERE article_id = ?" if article_id else "")
                        + " ORDER BY id DESC", (article_id,) if article_id else ()).fetchall()
    taken: set[tuple[str, str]] = set()
    live = []
    for r in rows:
        mine = {(r["kind"], s) for d in json.loads(r["beads"]) for s in d["src_ids"]}
        if not mine & taken:
            live.append(r)
        taken |= mine
    return live[::-1]


def _match(conn: sqlite3.Connection, edit: sqlite3.Row) -> tuple[list[sqlite3.Row], list[Bead]] | None:
    """The current run of pairs holding exactly the edit's sentences and English, and the edit's beads;
    None when the text changed (or the sentences are spread otherwise)."""
    beads = [Bead.from_json(d) for d in json.loads(edit["beads"])]
    mine = {s for b in beads for s in b.src_ids}
    pairs = _pairs(conn, edit["article_id"], edit["kind"])
    run = [p for p in pairs if mine & set(json.loads(p["src_ids"] or "[]"))]
    if not run or not mine:
        return None
    idx = [p["bead_idx"] for p in run]
    if idx != list(range(idx[0], idx[0] + len(idx))):
        return None
    have = [bead_of(conn, p) for p in run]
    if sorted(s for b in have for s in b.src_ids) != sorted(mine):
        return None
    if [x for b in have for x in b.sources] != [x for b in beads for x in b.sources] and sorted(
            x for b in have for x in b.sources) != sorted(x for b in beads for x in b.sources):
        return None
    if " ".join(t for b in have for t in b.targets) != " ".join(t for b in beads for t in b.targets):
        return None
    return run, beads


def reapply(store: Store, article_id: str) -> int:
    """Make the reviewers' beads again after ``align`` rewrote an article's pairs (inside its transaction,
    before decisions are placed): each edit whose sentences and English are unchanged; returns how many
    runs were rewritten."""
    conn = store.conn
    done = 0
    for edit in _edits(conn, article_id):
        found = _match(conn, edit)
        if found is None:
            continue
        run, beads = found
        if [tuple(json.loads(p["src_ids"] or "[]")) for p in run] == [b.src_ids for b in beads]:
            continue  # already so
        rewrite(store, conn, article_id, edit["kind"], run[0]["bead_idx"], len(run), beads)
        done += 1
    return done


def stale_edits(store: Store) -> list[sqlite3.Row]:
    """Merge/split edits that no longer apply: the sentences or English they regrouped changed."""
    ensure_schema(store)
    conn = store.conn
    out = []
    for edit in _edits(conn):
        found = _match(conn, edit)
        if found is None:
            out.append(edit)
    return out
