"""The flag stage: run the checks over a store's pairs and keep one ``pair_flags`` row per check.

The user TOML in use is kept in meta ``flags.config`` so later runs without one (``bitext run``) keep
it; ``"default"`` returns to the built-in defaults. :func:`flag_corpus` skips pairs already flagged
under the same config + :data:`~bitext.flags.base.FLAGS_VERSION` (hash in meta ``flags.signature``);
the duplicate check of already-flagged pairs is refreshed whenever pairs are added or removed.
Every write goes through the store's writers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bitext.errors import BitextError
from bitext.flags.base import Check, CorpusCheck, FlagResult, PairView, fmt
from bitext.flags.checks.corpus import duplicate_key
from bitext.flags.config import (
    Config,
    build_checks,
    config_signature,
    is_default,
    load_config,
    parse_config,
    read_config_file,
)
from bitext.model import BLOCKING_SEVERITIES, MetaKey, needs_review
from bitext.store import Store

BATCH = 500
_DEFAULTS_LABEL = "built-in defaults"
_STORED_NAME = "flags.toml"  # name shown for a stored config whose file name was not kept


@dataclass(frozen=True)
class EffectiveConfig:
    """The flag config a store works under: settings, the user TOML (None = defaults) and a label."""

    config: Config
    text: str | None
    label: str


@dataclass(frozen=True)
class FlagReport:
    """What :func:`flag_corpus` did.

    ``flagged``: pairs checked now; ``skipped``: already current; ``refreshed``: already-flagged pairs
    whose duplicate flag changed because pairs were added or removed; ``needs_review``: pairs in the
    store with a fired warning/error flag; ``fired``: per enabled check, how many of the pairs checked
    now it fired on (registry order).
    """

    flagged: int = 0
    skipped: int = 0
    refreshed: int = 0
    needs_review: int = 0
    fired: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        """The counts as one flat dict: the four totals, then one entry per check."""
        return {"flagged": self.flagged, "skipped": self.skipped, "refreshed": self.refreshed,
                "needs_review": self.needs_review, **self.fired}


def check_pair(
    pair: PairView, config: Config | None = None, checks: Sequence[Check] | None = None
) -> list[FlagResult]:
    """Results of every applicable check (those that do not apply are left out).

    Pass ``checks`` (from :func:`~bitext.flags.config.build_checks`) when calling in a loop to avoid
    rebuilding them.
    """
    checks = build_checks(config) if checks is None else checks
    return [r for r in (c.run(pair) for c in checks) if r is not None]


def effective_config(store: Store, config_path: str | Path | None = None) -> EffectiveConfig:
    """The config :func:`flag_corpus` and :func:`explain` use for ``store``; reads, never writes.

    A ``config_path`` file wins; ``"default"`` means the built-in defaults; None reuses the TOML stored
    in meta ``flags.config`` by an earlier ``flag_corpus(config_path=FILE)`` (so ``bitext run`` keeps a
    custom config), or the defaults when none is stored.
    """
    if is_default(config_path):
        return EffectiveConfig(load_config(), None, _DEFAULTS_LABEL)
    if config_path is not None:
        text = read_config_file(config_path)
        return EffectiveConfig(parse_config(text, str(config_path)), text, str(config_path))
    text = store.get_meta(MetaKey.FLAGS_CONFIG)
    if text is None:
        return EffectiveConfig(load_config(), None, _DEFAULTS_LABEL)
    name = store.get_meta(MetaKey.FLAGS_CONFIG_NAME) or _STORED_NAME
    try:
        config = parse_config(text, name)
    except BitextError as e:  # e.g. written by an older bitext whose checks had other options
        raise BitextError(
            f"{store.path}: the flag config stored in meta {MetaKey.FLAGS_CONFIG} is not valid any more ({e}); "
            "run 'bitext flag CORPUS --config FILE' with a fixed file, or '--config default'",
            exit_code=2,
        ) from None
    return EffectiveConfig(config, text, f"{name} (stored in the corpus)")


def config_label(store: Store) -> str:
    """Which flag config the store's flags follow, for messages: 'built-in defaults' or 'FILE (stored ...)'."""
    if store.get_meta(MetaKey.FLAGS_CONFIG) is None:
        return _DEFAULTS_LABEL
    return f"{store.get_meta(MetaKey.FLAGS_CONFIG_NAME) or _STORED_NAME} (stored in the corpus)"


# -- reading pairs --------------------------------------------------------------------------------

def _pair_views(store: Store, rows: Sequence[Any], first_seen: dict[str, str]) -> list[PairView]:
    """PairViews of pair rows, with translation fields combined over the pair's source sentences.

    Sentences and translations of the whole batch are read with one query per 500 keys.
    """
    src_ids = {row["id"]: json.loads(row["src_ids"] or "[]") for row in rows}
    texts = store.sentence_texts(i for ids in src_ids.values() for i in ids)
    by_sig: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["signature"] and row["signature"] not in by_sig:
            sig_texts = [texts[i] for r in rows if r["signature"] == row["signature"]
                         for i in src_ids[r["id"]] if i in texts]
            by_sig[row["signature"]] = store.translations(row["signature"], sig_texts)
    confidence = _article_confidence(store, {(row["article_id"], row["kind"]) for row in rows})
    views = []
    for row in rows:
        logprobs: list[float] = []
        n_tokens: int | None = None
        n_unk, hit, split = 0, False, False
        found = by_sig.get(row["signature"], {}) if row["signature"] else {}
        for sid in src_ids[row["id"]]:
            t = found.get(texts.get(sid, ""))
            if t is None:
                continue
            if t["logprob"] is not None:
                logprobs.append(t["logprob"])
            if t["n_tokens"] is not None:
                n_tokens = (n_tokens or 0) + t["n_tokens"]
            n_unk += t["n_unk"] or 0
            hit = hit or bool(t["hit_max_length"])
            split = split or bool(t["source_split"])
        views.append(
            PairView(
                id=row["id"], source=row["source"], target=row["target"], mt=row["mt"],
                bead_type=row["bead_type"], align_score=row["align_score"],
                logprob=min(logprobs) if logprobs else None, n_tokens=n_tokens, n_unk=n_unk,
                hit_max_length=hit, source_split=split, kind=row["kind"],
                first_seen=first_seen.get(row["id"]),
                article_confidence=confidence.get((row["article_id"], row["kind"])),
            )
        )
    return views


def _article_confidence(store: Store, keys: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """(article id, kind) -> the aligner's article confidence, for those that have one."""
    try:
        rows = store.conn.execute(
            "SELECT article_id, kind, confidence FROM align_state WHERE confidence IS NOT NULL"
        ).fetchall()
    except sqlite3.OperationalError:  # a store aligned before align_state had the column, or never aligned
        return {}
    return {(r[0], r[1]): float(r[2]) for r in rows if (r[0], r[1]) in keys}


def _first_seen(store: Store) -> dict[str, str]:
    """pair id -> id of the first pair with the same normalised source and target.

    "First" is the corpus order (article_id, kind, bead_idx, id), not the order pairs were added
    or flagged, so the duplicate decision is the same however the corpus was built up.
    """
    first: dict[bytes, str] = {}
    out: dict[str, str] = {}
    for r in store.conn.execute("SELECT id, source, target FROM pairs ORDER BY article_id, kind, bead_idx, id"):
        out[r["id"]] = first.setdefault(duplicate_key(r["source"], r["target"]), r["id"])
    return out


def _row(pair_id: str, r: FlagResult) -> tuple[Any, ...]:
    return (pair_id, r.check, r.score, int(r.fired), r.severity, r.reason)


def _refresh_corpus_rows(store: Store, check: CorpusCheck, first: dict[str, str], skip: set[str]) -> int:
    """Rewrite the stored rows of a corpus check that a change of the pairs made wrong; returns how many.

    A pair added before an already-flagged copy (or the removal of a first occurrence) changes the
    decision of pairs flagged earlier; only rows whose outcome differs are written.
    """
    stale = []
    for r in store.conn.execute("SELECT pair_id, check_name, score, fired, severity, reason FROM pair_flags"
                                " WHERE check_name=?", (check.name,)):
        first_id = first.get(r["pair_id"])
        if r["pair_id"] in skip or first_id is None:
            continue
        want = check.result(check.measure_first(r["pair_id"], first_id))
        if want is not None and tuple(r) != _row(r["pair_id"], want):
            stale.append(_row(r["pair_id"], want))
    store.write_flags(stale)
    return len(stale)


def _blocking_count(store: Store) -> int:
    marks = ",".join("?" * len(BLOCKING_SEVERITIES))
    return store.conn.execute(
        f"SELECT COUNT(DISTINCT pair_id) FROM pair_flags WHERE fired=1 AND severity IN ({marks})",
        BLOCKING_SEVERITIES,
    ).fetchone()[0]


# -- the stage ------------------------------------------------------------------------------------

def flag_corpus(store: Store, config_path: str | Path | None = None, quiet: bool = False) -> FlagReport:
    """Flag every pair not yet flagged under the effective config; recompute all when it changed.

    The config is :func:`effective_config`: a ``config_path`` file is validated, then stored in meta
    ``flags.config`` so later calls without one (``bitext run``) keep it; ``"default"`` goes back to
    the built-in defaults and forgets the stored file. A bad config raises before anything is touched.
    Removing the old flags, recording the new config and writing the first batch happen in one
    transaction; an interrupted recompute resumes with the pairs still unflagged.
    """
    eff = effective_config(store, config_path)
    checks = build_checks(eff.config)
    sig = config_signature(eff.config)
    recompute = store.get_meta(MetaKey.FLAGS_SIGNATURE) != sig
    first = _first_seen(store)
    todo = store.conn.execute(
        "SELECT * FROM pairs p WHERE ? OR NOT EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = p.id)"
        " ORDER BY article_id, kind, bead_idx, id",
        (int(recompute),),
    ).fetchall()
    todo_ids = {r["id"] for r in todo}
    skipped = store.count("pairs") - len(todo)
    corpus_checks = [c for c in checks if isinstance(c, CorpusCheck)]
    fired = {c.name: 0 for c in checks}
    flagged = refreshed = 0
    bar = None
    if not quiet and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="flag", unit="pair")
    for start in range(0, max(len(todo), 1), BATCH):
        batch = todo[start: start + BATCH]
        # Measure outside the transaction (slow, may fail): nothing is written until the batch is ready.
        rows = []
        for view in _pair_views(store, batch, first):
            for r in check_pair(view, checks=checks):
                rows.append(_row(view.id, r))
                fired[r.check] += int(r.fired)
        with store.tx():
            if start == 0:
                if recompute:
                    store.clear_flags()
                store.set_meta(MetaKey.FLAGS_SIGNATURE, sig)
                if eff.text is None:
                    store.delete_meta(MetaKey.FLAGS_CONFIG, MetaKey.FLAGS_CONFIG_NAME)
                elif config_path is not None:
                    store.set_meta(MetaKey.FLAGS_CONFIG, eff.text)
                    store.set_meta(MetaKey.FLAGS_CONFIG_NAME, Path(config_path).name)
                if not recompute:
                    refreshed = sum(_refresh_corpus_rows(store, c, first, todo_ids) for c in corpus_checks)
            store.write_flags(rows)
        flagged += len(batch)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    return FlagReport(flagged=flagged, skipped=skipped, refreshed=refreshed,
                      needs_review=_blocking_count(store), fired=fired)


def explain(store: Store, pair_id: str, config_path: str | Path | None = None) -> str:
    """A reviewer-readable account of every check on one pair: score, threshold, fired, reason.

    Scores are recomputed under the same effective config as :func:`flag_corpus` (the stored
    custom config unless ``config_path`` names another file or ``"default"``); nothing is written.
    The stored rows are reported as current or stale.
    """
    row = store.conn.execute("SELECT * FROM pairs WHERE id=?", (pair_id,)).fetchone()
    if row is None:
        raise BitextError(f"{store.path}: no pair with id {pair_id!r}")
    eff = effective_config(store, config_path)
    checks = build_checks(eff.config)
    view = _pair_views(store, [row], _first_seen(store))[0]
    stored = store.count("pair_flags", "pair_id=?", (pair_id,))
    current = store.get_meta(MetaKey.FLAGS_SIGNATURE) == config_signature(eff.config)
    lines = [
        f"pair {pair_id} ({view.kind}, bead {view.bead_type})",
        f"  source: {view.source}",
        f"  target: {view.target}",
    ]
    if view.mt is not None and view.mt != view.target:
        lines.append(f"  mt:     {view.mt}")
    lines.append(f"config: {eff.label}")
    state = "current" if stored and current else "stale (run 'bitext flag')" if stored else "not flagged yet"
    lines.append(f"stored flags: {state}")
    results = [c.run(view) for c in checks]
    lines.append("NEEDS REVIEW" if needs_review(r for r in results if r is not None) else "no warning or error fired")
    for check, r in zip(checks, results, strict=True):
        if r is None:
            lines.append(f"  [ n/a ] {check.name}: not applicable")
            continue
        mark = "FIRED" if r.fired else " ok  "
        lines.append(f"  [{mark}] {r.check} ({r.severity}): score {fmt(r.score)}, fires {check.threshold_text()}")
        lines.append(f"          {r.reason}")
    return "\n".join(lines)
