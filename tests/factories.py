"""One corpus builder for every test: small stores written through the Store's own writers."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bitext.store import Store, translation_key, utcnow

SIGNATURE = "model:tiny@test|backend:test|beams:1"
"""Translation signature the builder uses unless told otherwise."""


class CorpusBuilder:
    """Build a store row by row: ``CorpusBuilder(tmp_path).article("a1", ["Satu.", "Dua."])``.

    Every method writes at once (through :class:`Store`'s writers) and returns the builder or the ids it
    made, so tests read top to bottom. Defaults are the smallest valid rows.
    """

    def __init__(self, where: Path | Store, signature: str = SIGNATURE) -> None:
        self.store = where if isinstance(where, Store) else Store.open(where)
        self.signature = signature
        self._beads: dict[tuple[str, str], int] = {}

    def article(
        self,
        article_id: str,
        paragraphs: Sequence[Sequence[str]] | Sequence[str] = (),
        *,
        title: str | None = None,
        url: str | None = None,
        date: str | None = None,
        source_path: str | None = None,
        segmenter: str = "test-seg",
        raw_text: str | None = None,
    ) -> list[str]:
        """An article with sentences; ``paragraphs`` is a list of paragraphs (lists of sentences) or a
        flat list of sentences (one paragraph). Returns the sentence ids ('{article}:{para}:{sent}')."""
        paras = [list(p) if not isinstance(p, str) else [p] for p in paragraphs]
        if paragraphs and all(isinstance(p, str) for p in paragraphs):
            paras = [list(paragraphs)]  # type: ignore[arg-type]
        raw = raw_text if raw_text is not None else "\n".join(" ".join(p) for p in paras)
        rows, ids, pos = [], [], 0
        for pi, sents in enumerate(paras):
            for si, text in enumerate(sents):
                sid = f"{article_id}:{pi}:{si}"
                rows.append((sid, article_id, pi, si, text, pos, pos + len(text)))
                ids.append(sid)
                pos += len(text) + 1
        self.store.write_article(
            (article_id, source_path or f"{article_id}.txt", None, title, url, date, "id", None, raw,
             f"hash-{article_id}-{len(raw)}", segmenter, utcnow()),
            rows,
        )
        return ids

    def translation(
        self,
        source: str,
        text: str,
        *,
        signature: str | None = None,
        logprob: float | None = None,
        n_tokens: int | None = None,
        n_unk: int = 0,
        hit_max_length: bool = False,
        source_split: bool = False,
    ) -> CorpusBuilder:
        """A cached machine translation of ``source`` under ``signature`` (default: the builder's)."""
        sig = signature or self.signature
        self.store.add_translations([(translation_key(sig, source), sig, source, text, logprob, n_tokens, n_unk,
                                      int(hit_max_length), int(source_split), utcnow())])
        return self

    def pair(
        self,
        pair_id: str,
        source: str,
        target: str,
        *,
        article_id: str | None = None,
        kind: str = "mt",
        bead_idx: int | None = None,
        src_ids: Sequence[str] = (),
        tgt_idx: Sequence[int] = (),
        mt: str | None = None,
        bead_type: str = "1-1",
        align_score: float | None = None,
        signature: str | None = None,
        created_at: str = "2024-01-01T00:00:00+00:00",
    ) -> str:
        """A pair (its article must exist); ``article_id`` defaults to the part of the id before ':'."""
        aid = article_id or pair_id.split(":", 1)[0]
        if bead_idx is None:
            bead_idx = self._beads.get((aid, kind), 0)
        self._beads[(aid, kind)] = max(self._beads.get((aid, kind), 0), bead_idx + 1)
        self.store.add_pairs([(pair_id, aid, kind, bead_idx, json.dumps(list(src_ids)), json.dumps(list(tgt_idx)),
                               source, target, mt, bead_type, align_score, signature, created_at)])
        return pair_id

    def flag(
        self,
        pair_id: str,
        check: str,
        *,
        fired: bool = True,
        severity: str = "warning",
        score: float | None = 1.0,
        reason: str | None = None,
    ) -> CorpusBuilder:
        """A stored flag row of ``check`` on ``pair_id``."""
        self.store.write_flags([(pair_id, check, score, int(fired), severity, reason or f"{check} fired")])
        return self

    def review(self, pair_id: str, status: str, *, reviewer: str = "tester", **fields: object) -> int:
        """A raw review row (fields: before, after, comment, source, parent_id, pair_target, at); for
        decisions as the app makes them use :func:`bitext.review.decide`."""
        return self.store.add_review(pair_id, reviewer, status, **fields)  # type: ignore[arg-type]


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped: what a killed run leaves in a lease or a
    temporary folder's name."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


# -- stored flags as one row per (pair, check), whatever the store's layout (packed scores since core v3) --

_FLAG_ROW_COLUMNS = "pair_id TEXT, check_name TEXT, score REAL, fired INTEGER, severity TEXT, reason TEXT"


def flags_query(store: Store, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Run ``sql`` against a TEMP table ``pair_flags`` holding every stored check as one row (``reason`` kept for
    fired checks only), as the one-row-per-check ``pair_flags`` of an older store was: for tests that count
    or read raw rows. The TEMP table shadows the real one while ``sql`` runs and is dropped afterwards."""
    from bitext.store import flag_tuples

    conn = store.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM pairs")]
    rows = flag_tuples(conn, ids, reasons=True)
    conn.execute(f"CREATE TEMP TABLE pair_flags ({_FLAG_ROW_COLUMNS})")
    try:
        conn.executemany("INSERT INTO temp.pair_flags VALUES (?, ?, ?, ?, ?, ?)", rows)
        return [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]
    finally:
        conn.execute("DROP TABLE temp.pair_flags")


def flags_count(store: Store, where: str = "", params: Sequence[object] = ()) -> int:
    """``store.count("pair_flags", where)`` over every stored check (see :func:`flags_query`)."""
    return flags_query(store, "SELECT COUNT(*) FROM pair_flags" + (f" WHERE {where}" if where else ""), params)[0][0]


def set_fired(store: Store, pair_ids: Sequence[str], fired: int = 1) -> None:
    """Mark every stored check of ``pair_ids`` fired (or not), through the store's writer."""
    from bitext.store import FLAG_COLUMNS, flag_tuples

    rows = [(*r[:3], fired, r[4], r[5] if fired else None) for r in flag_tuples(store.conn, pair_ids, reasons=True)]
    store.write_flags(rows, FLAG_COLUMNS)


def dies_on_call(monkeypatch, owner: object, name: str, n: int) -> object:
    """Make method ``name`` of ``owner`` raise KeyboardInterrupt (a kill) on its ``n``-th call; returns the real
    method, to put back with ``monkeypatch.setattr(owner, name, real)``."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def dying(self, *args):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(owner, name, dying)
    return real
