"""The small corpus the review tests share, built through the Store's writers (tests.factories)."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path

from bitext import review
from bitext.errors import BitextError
from bitext.formats.xliff import XLIFF_NS
from bitext.records import pair_records
from bitext.store import FLAG_COLUMNS, PAIR_COLUMNS, Store
from tests.factories import CorpusBuilder

X = f"{{{XLIFF_NS}}}"

# (pair id, article, bead, source, target, align score)
PAIRS = [
    ("a1:mt:0", "a1", 0, "Pemerintah membangun jembatan baru.", "The government builds a new bridge.", 0.91),
    ("a1:mt:1", "a1", 1, "Jembatan itu sepanjang 200 meter.", "The bridge is 200 meters long and very wide.", 0.55),
    ("a1:mt:2", "a1", 2, "Warga menyambut baik.", "Residents welcomed it.", 0.88),
    ("a2:mt:0", "a2", 0, "Harga beras naik 10 persen.", "Harga beras naik 10 persen.", 0.20),
    ("a2:mt:1", "a2", 1, "Kode <script>alert(1)</script> dan 50%_diskon.", "Code <script>alert(1)</script> and 50%_off.",
     0.80),
    ("a2:mt:2", "a2", 2, "Pasar ramai.", "The market is busy.", None),
]
# (pair id, check, fired, severity, score, reason)
FLAGS = [
    ("a1:mt:1", "length_ratio", 1, "warning", 1.6, "target 1.6x longer than expected"),
    ("a1:mt:2", "number_mismatch", 1, "info", 0.0, "no numbers"),
    ("a2:mt:0", "untranslated", 1, "error", 1.0, "target equals source"),
    ("a2:mt:0", "length_ratio", 1, "warning", 1.0, "ok-ish"),
    ("a2:mt:2", "length_ratio", 0, "warning", 1.0, None),
    # Checks ran on every pair: a pair without pair_flags rows is never clean (not checked yet).
    ("a1:mt:0", "length_ratio", 0, "warning", 1.0, None),
    ("a2:mt:1", "length_ratio", 0, "warning", 1.0, None),
]


def make_store(folder: Path) -> Store:
    """A tiny corpus: two articles, six pairs (MT equal to the target), some flags."""
    b = CorpusBuilder(folder)
    for aid in ("a1", "a2"):
        b.article(aid, title=f"Article {aid}")
    for pid, aid, idx, src, tgt, score in PAIRS:
        b.pair(pid, src, tgt, article_id=aid, bead_idx=idx, mt=tgt, align_score=score)
    for pid, check, fired, severity, score, reason in FLAGS:
        b.flag(pid, check, fired=bool(fired), severity=severity, score=score, reason=reason)
    return b.store


def rows(store: Store) -> list[tuple]:
    """Every review row, oldest first."""
    return [tuple(r) for r in store.conn.execute("SELECT * FROM reviews ORDER BY id")]


def rewrite_pair(store: Store, pair_id: str, **changes: object) -> None:
    """Give one pair new content (``source=``, ``target=``, even ``id=``) as re-alignment does: its
    article's pairs of its kind are replaced (:meth:`Store.replace_pairs`), their flags written back."""
    aid, kind = store.conn.execute("SELECT article_id, kind FROM pairs WHERE id = ?", (pair_id,)).fetchone()
    pairs = [dict(r) for r in store.conn.execute(
        "SELECT * FROM pairs WHERE article_id = ? AND kind = ? ORDER BY bead_idx", (aid, kind))]
    flags = [dict(r) for r in store.conn.execute(
        "SELECT f.* FROM pair_flags f JOIN pairs p ON p.id = f.pair_id WHERE p.article_id = ? AND p.kind = ?",
        (aid, kind))]
    for p in pairs:
        if p["id"] == pair_id:
            p.update(changes)
    for f in flags:
        if f["pair_id"] == pair_id:
            f["pair_id"] = changes.get("id", pair_id)
    with store.tx():
        store.replace_pairs(aid, kind, [tuple(p[c] for c in PAIR_COLUMNS) for p in pairs])
        store.write_flags([tuple(f[c] for c in FLAG_COLUMNS) for f in flags])


def realign(store: Store, aid: str, pairs: list[tuple[str, str, str]], kind: str = "mt") -> int:
    """Replace an article's pairs of ``kind`` by (id, source, target) beads as bitext.align does, and carry
    reviews over in the same transaction; returns the reviews carried."""
    b = CorpusBuilder(store)
    with store.tx():
        store.replace_pairs(aid, kind, [])
        for i, (pid, src, tgt) in enumerate(pairs):
            b.pair(pid, src, tgt, article_id=aid, kind=kind, bead_idx=i, mt=tgt, bead_type="1-1" if src else "0-1")
        return review.carry_reviews(store, aid).rows


def set_target(path: Path, unit_id: str, text: str) -> None:
    """Edit the target of one unit of an exported XLIFF file, as a CAT tool would."""
    tree = ET.parse(path)
    for unit in tree.getroot().iter(f"{X}unit"):
        if unit.get("id") == unit_id:
            unit.find(f"{X}segment/{X}target").text = text
            break
    else:
        raise AssertionError(unit_id)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def state_table(store: Store) -> dict[str, tuple]:
    """review_pair_state as the triggers and bulk writers keep it: pair id -> (status, stale, sev_rank,
    needs_review, flagged, reviewer)."""
    return {r[0]: tuple(r[1:]) for r in store.conn.execute(
        "SELECT pair_id, status, stale, sev_rank, needs_review, flagged, reviewer FROM review_pair_state")}


def python_state(store: Store) -> dict[str, tuple]:
    """The same columns computed in Python from the read model (the rule the table must agree with)."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM pairs")]
    out = {}
    for rec in pair_records(store.conn, ids):
        sev = min((f for f in rec.findings if f.fired), key=lambda f: {"error": 0, "warning": 1}.get(f.severity, 2),
                  default=None)
        rank = 3 if sev is None else {"error": 0, "warning": 1}.get(sev.severity, 2)
        out[rec.id] = (rec.review_status, int(rec.review_stale), rank, int(rec.needs_review), int(rec.flagged),
                       rec.reviewer)
    return out


def state_counts(store: Store) -> dict[tuple, int]:
    return {tuple(r[:3]): r[3] for r in store.conn.execute("SELECT * FROM review_counts WHERE n != 0")}


def recounted(store: Store) -> dict[tuple, int]:
    return {tuple(r[:3]): r[3] for r in store.conn.execute(
        "SELECT status, needs_review, stale, COUNT(*) FROM review_pair_state GROUP BY 1, 2, 3")}


def run_cli(argv: list[str]) -> int:
    """``bitext review`` / ``bitext import-review`` through the CLI parser; a BitextError printed as the
    dispatcher does, its exit code returned."""
    from bitext.cli import review as cli

    parser = argparse.ArgumentParser(prog="bitext")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BitextError as e:  # what the dispatcher does
        print(f"bitext: error: {e}")
        return e.exit_code
