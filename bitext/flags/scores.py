"""Scores as data, thresholds as settings: what a check measured is stored once, decisions are re-made.

Every stored check of a pair keeps, beside its score, the evidence its reason is written from (JSON; in the
pair's packed ``pair_scores`` row, or in the ``pair_flags`` row of a check that fired: see
:mod:`bitext.store`, "packed flag scores"). Only a check that fired keeps its reason: one that fires after a
change of thresholds gets it from the evidence (or, on a store converted by :func:`convert_flags`, from the
reason the older row kept in its place); ``Check.reason_names_threshold`` False says a fired row's stored
reason stays right when thresholds change. A check's settings split in two:

- the **measure signature** (:func:`measure_signature`): :data:`~bitext.flags.base.FLAGS_VERSION`, the
  check's name and every option that changes its score (``fuzz``, ``smoothing`` ...). When it changes (or
  the check is turned on) that check alone is measured again on every pair; when most checks' scores are
  stale (a FLAGS_VERSION bump), every pair is measured again with every check;
- the **decide signature** (:func:`decide_signature`): threshold, severity and, for a check calibrated on
  the corpus, its calibrated bounds (and the options marked ``decides``). When only it changes, :func:`redecide` re-applies the check to the
  stored scores and evidence (:meth:`~bitext.flags.base.Check.result`): no pair is measured again and the
  rows are the ones a full recompute would write.

Both are kept per check in meta ``flags.checks`` (:data:`~bitext.model.MetaKey.FLAGS_CHECKS`) together with
the ``flags.signature`` they were written under, so a store flagged by an older bitext (or flagged by one
since) is measured again rather than re-decided from rows that lack evidence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from bitext.flags.base import FLAGS_VERSION, Check, FlagResult, Measurement
from bitext.model import MetaKey
from bitext.store import FLAG_EVIDENCE_COLUMNS, Store, flag_tuples, need_free_space

FLAGS_MIGRATIONS: list[tuple[int, str]] = [
    (1, "ALTER TABLE pair_flags ADD COLUMN evidence TEXT"),
]
"""Migrations of the ``flags`` component (:meth:`bitext.store.Store.migrate`)."""

_DECIDE_FIELDS = ("threshold", "severity", "enabled")
WINDOW = 5_000
"""Pairs re-decided per transaction (bounded memory, a kill loses one window)."""


def encode_evidence(evidence: Mapping[str, Any] | None) -> str | None:
    """The stored form of a measurement's evidence (JSON; None when there is none).

    Tuples come back as lists: a check's :meth:`~bitext.flags.base.Check.reason` must read either alike
    (a test runs every check's reason on decoded evidence against the original)."""
    if not evidence:
        return None
    return json.dumps(evidence)  # the default settings: json's cached C encoder, ~2 us


def decode_evidence(text: str | None) -> dict[str, Any]:
    """The evidence of a stored row (:func:`encode_evidence` read back)."""
    return json.loads(text) if text else {}


def stored_row(result: FlagResult, pair_id: str, keep_evidence: bool = True) -> tuple[Any, ...]:
    """A result's ``pair_flags`` row with its evidence (:data:`bitext.store.FLAG_EVIDENCE_COLUMNS`); without it
    when ``keep_evidence`` is False (a check whose reason names no threshold: the stored reason stays right)."""
    r = result  # one tuple, built once (a row per check and pair: the stage's hottest line after measuring)
    return (pair_id, r.check, r.score, int(r.fired), r.severity, r.reason,
            encode_evidence(r.evidence) if keep_evidence else None)


def _hash(blob: Any) -> str:
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=list).encode()).hexdigest()[:16]


def measure_signature(check: Check) -> str:
    """What the check's scores depend on: FLAGS_VERSION, its name, its options other than threshold,
    severity and enabled, and what it was measured with (``check.measured_with``: a model's folder)."""
    opts = {f.name: getattr(check.options, f.name) for f in fields(check.options)
            if f.name not in _DECIDE_FIELDS and not f.metadata.get("decides")}
    blob = {"version": FLAGS_VERSION, "check": check.name, "options": opts}
    if getattr(check, "measured_with", None):  # e.g. the model a model signal comes from
        blob["with"] = check.measured_with
    return _hash(blob)


def decide_signature(check: Check) -> str:
    """What the check's decisions and reasons depend on beyond its scores: threshold, severity and the bounds
    calibrated on the corpus (``check.calibrated``, if any)."""
    opts = {f.name: getattr(check.options, f.name) for f in fields(check.options)
            if f.name in _DECIDE_FIELDS or f.metadata.get("decides")}
    return _hash({"options": opts, "calibrated": getattr(check, "calibrated", None)})


@dataclass(frozen=True)
class Plan:
    """What a flag run must do with the stored rows: ``remeasure`` every pair with every check (no record,
    or most checks' scores stale), or measure every pair with the checks in ``measure`` only (turned on, or
    an option that changes their scores), re-decide the checks in ``redecide`` and drop the rows of the
    checks in ``drop`` (turned off or gone)."""

    remeasure: bool
    redecide: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    measure: tuple[str, ...] = ()


def stored_state(store: Store) -> dict[str, Any] | None:
    """Meta ``flags.checks``: {"signature": flags.signature, "checks": {name: [measure, decide]}}; None when
    absent or written under another ``flags.signature`` than the stored one."""
    text = store.get_meta(MetaKey.FLAGS_CHECKS)
    if not text:
        return None
    try:
        state = json.loads(text)
    except ValueError:
        return None
    if not isinstance(state, dict) or state.get("signature") != store.get_meta(MetaKey.FLAGS_SIGNATURE):
        return None  # flags written since by a bitext that does not keep this record: measure again
    return state


def plan(store: Store, checks: Sequence[Check]) -> Plan:
    """Compare the stored per-check signatures with ``checks`` (the enabled checks of the config)."""
    state = stored_state(store)
    if state is None:
        return Plan(remeasure=True)
    stored: dict[str, list[str]] = state.get("checks", {})
    stale = tuple(c.name for c in checks if stored.get(c.name, [None])[0] != measure_signature(c))
    if 2 * len(stale) > len(checks):  # most scores stale (FLAGS_VERSION bumped): measure everything again
        return Plan(remeasure=True)
    redecide = tuple(c.name for c in checks if c.name not in stale and stored[c.name][1] != decide_signature(c))
    names = {c.name for c in checks}
    return Plan(remeasure=False, redecide=redecide, drop=tuple(n for n in stored if n not in names), measure=stale)


def state_of(signature: str, checks: Iterable[Check], pending: Iterable[str] = (),
             measuring: Iterable[str] = ()) -> str:
    """The meta ``flags.checks`` value for ``checks`` written under flags signature ``signature``; the
    ``pending`` checks get an empty decide signature (their rows are being re-decided), the ``measuring``
    ones an empty measure signature (being measured: an interrupted run is measured again)."""
    pending, measuring = set(pending), set(measuring)
    return json.dumps({"signature": signature,
                       "checks": {c.name: ["" if c.name in measuring else measure_signature(c),
                                           "" if c.name in pending else decide_signature(c)]
                                  for c in checks}}, sort_keys=True)


CONVERT_CHUNK = 2000
"""Pairs whose one-row-per-check ``pair_flags`` rows :func:`convert_flags` packs per transaction."""
CONVERT_FREE_BYTES = 64 * 2**20
"""Free space :func:`convert_flags` asks for: a chunk's new rows (and WAL) before the old rows' pages are free."""


def convert_flags(store: Store) -> int:
    """Pack the one-row-per-check ``pair_flags`` rows of a store older than ``flags`` v2 into ``pair_scores``
    (one row per pair; fired checks keep their ``pair_flags`` row), :data:`CONVERT_CHUNK` pairs per
    transaction; returns how many pairs were packed. In place: each chunk writes the new rows, then deletes
    the old ones, whose pages the next chunk reuses, so it needs :data:`CONVERT_FREE_BYTES` free, not a
    copy of the store (refused in one line otherwise). A kill loses at most the chunk in flight: every read
    path reads both layouts, and the next call goes on. The file keeps its size (free pages are reused by
    later writes; ``VACUUM`` would shrink it but needs a copy's worth of space).

    Rows of checks that kept no evidence keep their reason in its place (a string), so a re-decision can
    still write it."""
    from bitext.review.schema import flag_writes

    conn = store.conn
    todo = ("SELECT DISTINCT f.pair_id FROM pair_flags f WHERE f.pair_id > ? AND f.fired IN (0, 1) AND NOT EXISTS"
            " (SELECT 1 FROM pair_scores s WHERE s.pair_id = f.pair_id) ORDER BY f.pair_id LIMIT ?")
    if conn.execute(todo, ("", 1)).fetchone() is None:
        return 0
    need_free_space(store.path, CONVERT_FREE_BYTES, "packing the flag scores (flags v2)")
    done, after = 0, ""
    while True:
        ids = [r[0] for r in conn.execute(todo, (after, CONVERT_CHUNK))]
        if not ids:
            return done
        after = ids[-1]
        with store.tx(), flag_writes(store, ids):
            rows = [(*r[:6], json.dumps(r[6]) if r[6] is not None else
                     (json.dumps(r[5]) if r[5] is not None and not r[3] else None))
                    for r in flag_tuples(store.conn, ids, reasons=True, evidence=True)]
            store.write_flags(rows, FLAG_EVIDENCE_COLUMNS)
        done += len(ids)


def redecide(store: Store, checks: Sequence[Check], only_outside: Mapping[str, tuple[float, float]] | None = None
             ) -> int:
    """Re-apply ``checks`` to their stored scores and evidence; returns how many rows changed.

    ``only_outside``: check -> (low, high): of that check, only rows that fired or whose score lies outside
    [low, high] can change (a calibrated check whose bounds moved: the reason of a row that neither fired
    nor fires names no bound).

    Pairs are read and updated :data:`WINDOW` at a time, each window in its own transaction (an
    interrupted run leaves some rows decided anew; the caller records the new decide signatures only at the
    end, so the next run re-decides again, with the same outcome). Nothing is measured. A row that does not
    fire keeps no reason; one that fires now gets it from its stored evidence.
    """
    from bitext.review.schema import flag_writes

    if not checks:
        return 0
    by_name = {c.name: c for c in checks}
    narrow = dict(only_outside or {})
    changed = 0
    after = ""
    while True:
        ids = [r[0] for r in store.conn.execute(
            "SELECT id FROM pairs WHERE id > ? ORDER BY id LIMIT ?", (after, WINDOW))]
        if not ids:
            return changed
        after = ids[-1]
        updates = []
        for pair_id, name, score, fired, severity, reason, evidence in flag_tuples(
                store.conn, ids, reasons=True, evidence=True):
            check = by_name.get(name)
            if check is None:
                continue
            if name in narrow and not fired and (score is None or narrow[name][0] <= score <= narrow[name][1]):
                continue  # inside the narrowest bounds, old and new: neither fired nor fires
            m = Measurement(score, evidence if isinstance(evidence, dict) else {})
            hit = int(check.fires(m)) if score is not None else fired
            if hit and check.reason_names_threshold:
                new_reason = check.reason(m)
            elif hit:  # its reason names no threshold: the stored one, or (a row that fires now) its evidence's
                new_reason = reason if fired else evidence if isinstance(evidence, str) else check.reason(m)
            else:
                new_reason = None
            if (hit, check.severity, new_reason) != (fired, severity, reason if fired else None):
                updates.append((pair_id, name, score, hit, check.severity, new_reason,
                                None if evidence is None else json.dumps(evidence)))
        if updates:
            with store.tx(), flag_writes(store, (u[0] for u in updates)):
                store.write_flags(updates, FLAG_EVIDENCE_COLUMNS)
        changed += len(updates)
