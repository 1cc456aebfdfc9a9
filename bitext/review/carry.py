"""Decisions follow what the reviewer saw when re-segmentation or re-alignment reshapes the pairs.

A decision belongs to the Indonesian sentences it was made on (their ids and text, kept in
``review_sources`` when the row is written) and to the aligned English it was made on (``pair_target``);
not to a pair id, which is a position. After an article's pairs are rewritten, :func:`carry_reviews` places every
decision of the article that no longer applies to its own pair:

* **carried**: a new pair has the same Indonesian and the same aligned English: the decision is
  copied to it as a new row; a new pair that merges sentences all decided the same way (all approved,
  or all rejected), whose English is the English they were decided on, gets one combined row (the
  approved English joined in sentence order);
* **stale**: otherwise every new pair that holds some of its sentences (or, for a 0-1 bead, its English)
  links to it (``review_stale``): the pair is pending, marked stale, and its page shows the old decision;
* **unplaced**: nothing holds its sentences any more (the article lost them); :func:`carry_report`
  lists every such decision by id, so none is hidden.

History stays append-only: nothing is ever updated or deleted in ``reviews``.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from bitext.model import ACCEPTED, APPROVED, DECISIONS, EDITED, KIND_MT, KIND_REFERENCE, REJECTED
from bitext.review import structure
from bitext.review.schema import clear_waiting, ensure_schema, has_schema
from bitext.review.state import review_applies, seen_target
from bitext.store import Store, has_table, utcnow

CARRY_COMMENT = "carried over from {old} after re-alignment"
MERGE_COMMENT = "carried over from {old} after re-alignment (merged)"
REASONS = {
    "bead": "the bead changed since it was reviewed (sentences merged, split or regrouped)",
    "source": "the Indonesian changed since it was reviewed",
    "english": "its English is now part of another bead",
    "target": "the English changed since it was reviewed (re-translated, or the reference changed)",
}
"""``review_stale.reason`` -> what the pair page says."""

_AID_KEY = re.compile(r"^(?:ref-)?(\d+\.\d+(?:\+\d+\.\d+)*)$")


def _kind_of(pair_id: str) -> str:
    """'reference' or 'mt' from a pair id (reference ids have ``ref-`` after the article id's colon)."""
    return KIND_REFERENCE if pair_id.rsplit(":", 1)[-1].startswith("ref-") else KIND_MT


def _ids_from_pair_id(article_id: str, pair_id: str) -> list[str]:
    """Sentence ids of an aligner pair id ('art:0.1+0.2' -> ['art:0:1', 'art:0:2']); [] for other ids.
    Used for decisions written before ``review_sources`` recorded them."""
    m = _AID_KEY.match(pair_id[len(article_id) + 1:])
    if not m:
        return []
    return [f"{article_id}:{k.replace('.', ':')}" for k in m.group(1).split("+")]


@dataclass
class CarryResult:
    """What one :func:`carry_reviews` call did, counted in decisions (review rows of the old pairs).

    ``carried``: decisions now applying on a new pair (``rows`` review rows were added for them);
    ``stale``: decisions shown as stale on the pairs that hold their sentences; ``unplaced``: decisions
    whose sentences no pair holds, listed by review id in ``unplaced_ids``.
    """

    carried: int = 0
    rows: int = 0
    stale: int = 0
    unplaced: int = 0
    unplaced_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Old:
    row: sqlite3.Row
    kind: str
    sentences: tuple[str, ...]  # sentence ids it was made on ((): a 0-1 bead or unknown)


@dataclass(frozen=True)
class _New:
    id: str
    kind: str
    source: str
    target: str
    sentences: tuple[str, ...]


def _pairs(conn: sqlite3.Connection, article_id: str) -> list[_New]:
    out = []
    for p in conn.execute("SELECT id, kind, source, target, src_ids FROM pairs WHERE article_id = ?"
                          " ORDER BY kind, bead_idx", (article_id,)):
        try:
            ids = tuple(str(i) for i in json.loads(p["src_ids"] or "[]"))
        except ValueError:
            ids = ()
        out.append(_New(p["id"], p["kind"], p["source"], p["target"], ids))
    return out


def _newest_rows(conn: sqlite3.Connection, article_id: str) -> list[sqlite3.Row]:
    """Newest review row of every pair id of the article that was not carried elsewhere, newest first."""
    carried = ("r.id IN (SELECT review_id FROM review_carried) OR" if has_schema(conn) else "")
    # The ids starting "<article_id>:" are exactly those in ["<article_id>:", "<article_id>;") (';' follows
    # ':'): a range along the reviews_pair index, not a scan of every review per article (nor LIKE: ids
    # may contain % or _).
    return conn.execute(
        "SELECT r.* FROM reviews r WHERE r.id IN (SELECT MAX(id) FROM reviews"
        " WHERE pair_id >= ? AND pair_id < ? GROUP BY pair_id)"
        f" AND NOT ({carried} EXISTS (SELECT 1 FROM reviews c WHERE c.parent_id = r.id AND c.pair_id != r.pair_id))"
        " ORDER BY r.id DESC",
        (f"{article_id}:", f"{article_id};"),
    ).fetchall()


def _sources(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        for r in conn.execute(f"SELECT review_id, sentence_id FROM review_sources WHERE review_id IN"
                              f" ({','.join('?' * len(chunk))}) ORDER BY review_id, pos", chunk):
            out.setdefault(r[0], []).append(r[1])
    return {k: tuple(v) for k, v in out.items()}


def _orphans(live: list[sqlite3.Row], conn: sqlite3.Connection, article_id: str, current: dict[str, _New]
             ) -> list[_Old]:  # fmt: skip
    """Decisions of the article that no longer apply to their own pair (gone, or other content)."""
    rows = []
    for r in live:
        if r["status"] not in DECISIONS or r["source"] is None:
            continue
        own = current.get(r["pair_id"])
        if own is not None and review_applies(r, own.source, own.target):
            continue  # still the decision on its own pair
        rows.append(r)
    known = _sources(conn, [r["id"] for r in rows])
    return [_Old(r, _kind_of(r["pair_id"]), known.get(r["id"]) or tuple(_ids_from_pair_id(article_id, r["pair_id"])))
            for r in rows]


def _english(r: sqlite3.Row) -> str:
    return r["after"] if r["after"] is not None else (r["before"] or "")


def carry_reviews(store: Store, article_id: str) -> CarryResult:
    """Place the decisions of ``article_id`` after its pairs were (re)written; see the module docstring.

    Call inside the write transaction that wrote the pairs (it joins it). Carried rows keep the old
    reviewer, status and time, with ``parent_id`` the (newest) row they carry.
    """
    ensure_schema(store)
    out = CarryResult()
    with store.tx() as conn:
        structure.reapply(store, article_id)  # the reviewers' merges and splits, where the text is unchanged
        clear_waiting(conn, article_id)  # aligned again: its decisions are placed below
        live = _newest_rows(conn, article_id)  # a pair whose newest row was carried away is open again
        if not live:  # no decision to place (the usual case on a first run): only old stale links go
            conn.execute("DELETE FROM review_stale WHERE article_id = ?", (article_id,))
            return out
        pairs = _pairs(conn, article_id)
        current = {p.id: p for p in pairs}
        newest = {r["pair_id"]: r for r in live}
        orphans = _orphans(live, conn, article_id, current)
        texts = {r[0]: r[1] for r in conn.execute("SELECT id, text FROM sentences WHERE article_id = ?", (article_id,))}
        open_pairs = [p for p in pairs
                      if not (p.id in newest and review_applies(newest[p.id], p.source, p.target)
                              and newest[p.id]["status"] in DECISIONS)]
        used: set[int] = set()
        placed: set[str] = set()
        now = utcnow()

        def add(p: _New, olds: list[_Old], status: str, before: str | None, after: str | None, comment: str) -> None:
            last = max(olds, key=lambda o: o.row["id"]).row
            rid = store.add_review(p.id, last["reviewer"], status, before=before, after=after, comment=comment,
                                   source=p.source, parent_id=last["id"], pair_target=p.target, at=now)
            conn.executemany("INSERT OR REPLACE INTO review_carried(review_id, carried_to) VALUES (?, ?)",
                             [(o.row["id"], rid) for o in olds])
            used.update(o.row["id"] for o in olds)
            placed.add(p.id)
            out.carried += len(olds)
            out.rows += 1

        # 1. The same Indonesian and the same English: copy the newest such decision.
        for p in open_pairs:
            found = [o for o in orphans if o.row["id"] not in used and o.kind == p.kind
                     and review_applies(o.row, p.source, p.target)]
            if not found:
                continue
            found.sort(key=lambda o: (o.sentences != p.sentences, -o.row["id"]))  # same sentence ids first
            old = found[0].row
            add(p, [found[0]], old["status"], old["before"], old["after"], CARRY_COMMENT.format(old=old["pair_id"]))
        # 2. A merge of sentences decided alike, texts unchanged: one combined decision.
        for p in open_pairs:
            if len(p.sentences) < 2 or p.id in placed:
                continue
            parts = [o for o in orphans if o.row["id"] not in used and o.kind == p.kind and o.sentences
                     and set(o.sentences) <= set(p.sentences)]
            covered = [s for o in parts for s in o.sentences]
            if len(parts) < 2 or sorted(covered) != sorted(p.sentences):
                continue
            if any(o.row["source"] != " ".join(texts.get(s, "\0") for s in o.sentences) for o in parts):
                continue  # an Indonesian sentence changed: stale, not carried
            parts.sort(key=lambda o: p.sentences.index(o.sentences[0]))
            if not _same_english(parts, p.target):
                continue  # decided on other English than the merged bead has: stale, not carried
            statuses = {o.row["status"] for o in parts}
            olds = " + ".join(o.row["pair_id"] for o in parts)
            if statuses <= set(APPROVED):
                english = " ".join(_english(o.row) for o in parts)
                add(p, parts, EDITED if english != p.target else ACCEPTED, p.target, english,
                    MERGE_COMMENT.format(old=olds))
            elif statuses == {REJECTED}:
                add(p, parts, REJECTED, p.target, p.target, MERGE_COMMENT.format(old=olds))
        # 3. Everything else: stale on every pair that holds its sentences (or its English), else unplaced.
        conn.execute("DELETE FROM review_stale WHERE article_id = ?", (article_id,))
        links = []
        for o in orphans:
            if o.row["id"] in used:
                continue
            holders = _holders(o, pairs, texts)
            if not holders:
                out.unplaced += 1
                out.unplaced_ids.append(int(o.row["id"]))
                continue
            out.stale += 1
            links += [(p.id, o.row["id"], article_id, reason) for p, reason in holders]
        conn.executemany("INSERT OR IGNORE INTO review_stale(pair_id, review_id, article_id, reason) VALUES (?,?,?,?)",
                         links)
    return out


def _holders(o: _Old, pairs: Sequence[_New], texts: dict[str, str]) -> list[tuple[_New, str]]:
    """The current pairs that hold an old decision's sentences (or its English), with the reason."""
    src = o.row["source"]
    same_kind = [p for p in pairs if p.kind == o.kind]
    if src == "":  # a 0-1 bead: its English, now (part of) another bead's
        seen = (seen_target(o.row) or "").strip()
        return [(p, "english") for p in same_kind if seen and (seen in p.target or (p.target and p.target in seen))]
    if o.sentences:
        mine = set(o.sentences)
        out = []
        for p in same_kind:
            shared = mine & set(p.sentences)
            if not shared:
                continue
            # Ids are positions: a shared id holds the same sentence if its text is unchanged, or edited
            # (similar); a different sentence that moved into the position is not the one reviewed.
            if not (any(texts.get(i, "\0") in src for i in shared) or _similar(src, p.source)):
                continue
            same = set(p.sentences) == mine
            out.append((p, ("target" if p.source == src else "source") if same else "bead"))
        if out:
            return out
        # Sentence ids moved (re-segmentation): fall back to the text.
    return [(p, "target" if p.source == src else "bead") for p in same_kind
            if p.source and (src in p.source or p.source in src)]


def _same_english(parts: Sequence[_Old], target: str) -> bool:
    """Whether the English the parts were decided on, joined in order, is ``target`` (rows written before
    the aligned English was recorded are taken as seen)."""
    seen = [o.row["pair_target"] if "pair_target" in o.row.keys() else None for o in parts]
    if any(s is None for s in seen):
        return True
    return " ".join(target.split()) == " ".join(" ".join(x for x in seen if x).split())


def _similar(a: str, b: str) -> bool:
    """An edited sentence, not another one (character similarity, as difflib measures it)."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


@dataclass
class CarryReport:
    """Where every decision of the store stands (for ``bitext status`` and ``bitext run``).

    ``carried``: decisions carried to another pair (rows in ``review_carried``); ``stale``: decisions
    shown as stale on a pending pair; ``superseded``: stale decisions whose pairs were all decided again;
    ``unplaced``: decisions whose sentences no pair holds, listed in ``unplaced_ids`` (review ids, with
    their old pair ids in ``unplaced_pairs``). ``stale_pairs``: pending pairs that show a stale decision.
    ``waiting``: decisions of articles being re-processed (re-segmented, not aligned yet): placed when
    ``align`` runs, never counted as unplaced meanwhile. ``stale_edits``: merges and splits made in the app
    whose sentences or English changed since, so they are not made again (:mod:`bitext.review.structure`).
    """

    carried: int = 0
    stale: int = 0
    superseded: int = 0
    unplaced: int = 0
    waiting: int = 0
    stale_edits: int = 0
    stale_pairs: int = 0
    unplaced_ids: list[int] = field(default_factory=list)
    unplaced_pairs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (``bitext status --json``)."""
        return {"carried": self.carried, "stale": self.stale, "stale_pairs": self.stale_pairs,
                "superseded": self.superseded, "unplaced": self.unplaced, "waiting": self.waiting,
                "stale_edits": self.stale_edits,
                "unplaced_reviews": [{"review_id": i, "pair_id": p}
                                     for i, p in zip(self.unplaced_ids, self.unplaced_pairs, strict=True)]}

    def lines(self) -> list[str]:
        """The report as ``bitext status`` and ``bitext run`` print it (:func:`format_carry`)."""
        return format_carry(self.as_dict())


def format_carry(report: dict) -> list[str]:
    """Lines of a :meth:`CarryReport.as_dict`: one summary line, then every unplaced decision."""
    out = [f"decisions   {report['carried']} carried through re-alignment, {report['stale']} stale"
           f" ({report['stale_pairs']} pair(s) to look at again), {report['superseded']} superseded,"
           f" {report['unplaced']} could not be placed"
           + (f", {report['waiting']} waiting for alignment (run 'bitext align')" if report.get("waiting") else "")
           + (f"; {report['stale_edits']} merge/split edit(s) no longer apply (their text changed)"
              if report.get("stale_edits") else "")]
    out += [f"  unplaced: review #{u['review_id']} of {u['pair_id']}" for u in report["unplaced_reviews"]]
    return out


def carry_report(store: Store) -> CarryReport:
    """Count carried / stale / superseded / unplaced decisions over the whole store (one pass over
    ``reviews``' newest rows; not on any page's path)."""
    ensure_schema(store)
    conn = store.conn
    rep = CarryReport()
    rep.carried = conn.execute("SELECT COUNT(*) FROM review_carried").fetchone()[0]
    rep.stale_pairs = conn.execute(  # pending pairs showing an old decision on their sentences
        "SELECT COUNT(DISTINCT l.pair_id) FROM review_stale l JOIN review_pair_state s ON s.pair_id = l.pair_id"
        " WHERE s.status = 'pending'").fetchone()[0]
    # (a read-only store made by an older bitext may lack the newer tables: nothing waits, no edit there)
    rep.stale_edits = len(structure.stale_edits(store)) if has_table(conn, "review_structure") else 0
    waiting: set[str] = set()
    waiting_links: set[int] = set()
    if has_table(conn, "review_waiting"):
        waiting = {r[0] for r in conn.execute("SELECT pair_id FROM review_waiting")}
        waiting_links = {r[0] for r in conn.execute(
            "SELECT l.review_id FROM review_stale l JOIN review_waiting w ON w.pair_id = l.pair_id")}
    for r in conn.execute(
        "SELECT r.*, p.source AS p_source, p.target AS p_target,"
        " (SELECT MAX(s.status = 'pending') FROM review_stale l JOIN review_pair_state s ON s.pair_id = l.pair_id"
        "  WHERE l.review_id = r.id) AS any_pending"
        " FROM reviews r LEFT JOIN pairs p ON p.id = r.pair_id"
        " WHERE r.id IN (SELECT MAX(id) FROM reviews GROUP BY pair_id)"
        " AND r.id NOT IN (SELECT review_id FROM review_carried)"
        " AND NOT EXISTS (SELECT 1 FROM reviews c WHERE c.parent_id = r.id AND c.pair_id != r.pair_id)"
        " ORDER BY r.id"
    ):
        if r["status"] not in DECISIONS or r["source"] is None:
            continue
        if r["p_source"] is not None and review_applies(r, r["p_source"], r["p_target"]):
            continue
        if r["pair_id"] in waiting or r["id"] in waiting_links:
            rep.waiting += 1  # its article is being re-processed: placed when it is aligned
        elif r["any_pending"] is None and r["p_source"] == r["source"]:
            rep.stale += 1  # its own pair has the same Indonesian, other English: pending, shown as stale
        elif r["any_pending"] is None:
            rep.unplaced += 1
            rep.unplaced_ids.append(int(r["id"]))
            rep.unplaced_pairs.append(r["pair_id"])
        elif r["any_pending"] == 0:
            rep.superseded += 1
        else:
            rep.stale += 1
    return rep


def waiting_decisions(store: Store, article_id: str) -> list[sqlite3.Row]:
    """The pairs of an article being re-processed (deleted by re-segmentation, not aligned yet) that carry a
    decision or show a stale one, in reading order, with their newest review row's status, reviewer, time
    and English (``r_status``, ``r_reviewer``, ``r_at``, ``r_after``); empty when the article is not waiting."""
    ensure_schema(store)
    return store.conn.execute(
        "SELECT w.*, r.status AS r_status, r.reviewer AS r_reviewer, r.at AS r_at, r.after AS r_after,"
        " (SELECT COUNT(*) FROM review_stale l WHERE l.pair_id = w.pair_id) AS n_stale"
        " FROM review_waiting w LEFT JOIN reviews r ON r.id = w.review_id WHERE w.article_id = ?"
        " ORDER BY w.kind, w.bead_idx", (article_id,)).fetchall()


def waiting_article(store: Store, pair_id: str) -> str | None:
    """The article of ``pair_id`` if that pair is waiting for alignment (see :func:`waiting_decisions`)."""
    ensure_schema(store)
    row = store.conn.execute("SELECT article_id FROM review_waiting WHERE pair_id = ?", (pair_id,)).fetchone()
    return None if row is None else row[0]


def stale_decisions(store: Store, pair_id: str) -> list[tuple[sqlite3.Row, str]]:
    """The old decisions shown as stale on a pair, newest first, with what the page says about each."""
    ensure_schema(store)
    rows = store.conn.execute(
        "SELECT r.*, l.reason AS stale_reason FROM review_stale l JOIN reviews r ON r.id = l.review_id"
        " WHERE l.pair_id = ? ORDER BY r.id DESC", (pair_id,)).fetchall()
    return [(r, REASONS.get(r["stale_reason"], r["stale_reason"])) for r in rows]
