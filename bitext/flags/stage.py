"""The flag stage: run the checks over a store's pairs and keep one ``pair_flags`` row per check.

The user TOML in use is kept in meta ``flags.config`` so later runs without one (``bitext run``) keep
it; ``"default"`` returns to the built-in defaults. :func:`flag_corpus` skips pairs already flagged
under the same config + :data:`~bitext.flags.base.FLAGS_VERSION` (hash in meta ``flags.signature``);
the duplicate check of already-flagged pairs is refreshed whenever pairs are added or removed.
Scores are data (:mod:`bitext.flags.scores`): every row keeps its evidence, so a change of thresholds or
severities re-decides the stored rows instead of measuring again, and the length checks' bounds follow
the corpus's own scores (:mod:`bitext.flags.calibration`, meta ``flags.calibration``).
Every write goes through the store's writers.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bitext.errors import BitextError
from bitext.flags import scores
from bitext.flags.base import Check, CorpusCheck, FlagResult, PairView, fmt
from bitext.flags.calibration import CalibratedCheck, apply_calibration, corpus_calibration
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
from bitext.flags.context import LEXICON_CHECKS, use_glossary, use_lexicon
from bitext.flags.workers import Measurer, Pending, default_workers
from bitext.lexicon import load_lexicon
from bitext.model import BLOCKING_SEVERITIES, MetaKey, needs_review
from bitext.review.glossary import load as load_glossary
from bitext.review.schema import ensure_schema, flag_writes, has_schema
from bitext.store import FLAG_EVIDENCE_COLUMNS, Store, flag_tuples, flagged_sql

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
    now it fired on (registry order); ``redecided``: stored rows whose decision or reason changed with the
    thresholds, severities or calibrated bounds, re-made from their stored scores without measuring.
    """

    flagged: int = 0
    skipped: int = 0
    refreshed: int = 0
    needs_review: int = 0
    fired: dict[str, int] = field(default_factory=dict)
    redecided: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as one flat dict: four totals, one entry per check, then ``redecided``."""
        return {"flagged": self.flagged, "skipped": self.skipped, "refreshed": self.refreshed,
                "needs_review": self.needs_review, **self.fired, "redecided": self.redecided}


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

_CORPUS_ORDER = "article_id, kind, bead_idx, id"
"""The corpus order of pairs ((article_id, kind, bead_idx) is unique, so ``id`` only breaks no tie)."""
_KEY_FN = "bitext_duplicate_key"
_KEYS, _FIRST = "temp.bitext_flag_keys", "temp.bitext_flag_first"


def _pair_views(store: Store, rows: Sequence[Any], first_seen: dict[str, str]) -> list[PairView]:
    """PairViews of pair rows, with translation fields combined over the pair's source sentences.

    Sentences and translations of the whole batch are read with one query per 500 keys. A store whose
    ``translations`` table predates the ``retried`` column (translate migration v2) reads it as 0.
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
        n_unk, hit, split, retried = 0, False, False, False
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
            retried = retried or bool(_retried(t))
        views.append(
            PairView(
                id=row["id"], source=row["source"], target=row["target"], mt=row["mt"],
                bead_type=row["bead_type"], align_score=row["align_score"],
                logprob=min(logprobs) if logprobs else None, n_tokens=n_tokens, n_unk=n_unk,
                hit_max_length=hit, source_split=split, kind=row["kind"],
                first_seen=first_seen.get(row["id"]),
                article_confidence=confidence.get((row["article_id"], row["kind"])),
                retried=retried,
            )
        )
    return views


def _retried(t: sqlite3.Row) -> int:
    """The ``retried`` mark of a translations row; 0 on a store made before the column existed."""
    try:
        return t["retried"] or 0
    except IndexError:
        return 0


def _article_confidence(store: Store, keys: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """(article id, kind) -> the aligner's article confidence, for those that have one."""
    articles = sorted({a for a, _ in keys})
    out: dict[tuple[str, str], float] = {}
    for start in range(0, len(articles), 500):  # only the batch's articles: a corpus has many
        part = articles[start: start + 500]
        try:
            rows = store.conn.execute(
                "SELECT article_id, kind, confidence FROM align_state WHERE confidence IS NOT NULL"
                f" AND article_id IN ({','.join('?' * len(part))})", part
            ).fetchall()
        except sqlite3.OperationalError:  # aligned before align_state had the column, or never aligned
            return {}
        out.update(((r[0], r[1]), float(r[2])) for r in rows if (r[0], r[1]) in keys)
    return out


def _with_key_function(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn`` with the SQL function ``bitext_duplicate_key(source, target)`` (:func:`duplicate_key`)."""
    conn.create_function(_KEY_FN, 2, duplicate_key, deterministic=True)
    return conn


def _first_of(store: Store, source: str, target: str) -> str | None:
    """Id of the first pair in corpus order with the same normalised source and target (None: no pair has).

    "First" is the corpus order (article_id, kind, bead_idx, id), not the order pairs were added
    or flagged, so the duplicate decision is the same however the corpus was built up. The scan follows
    the corpus-order index and stops at the first hit; nothing is kept (for :func:`explain`;
    :class:`_Duplicates` serves the whole corpus).
    """
    conn = _with_key_function(store.conn)
    row = conn.execute(
        f"SELECT id FROM pairs WHERE {_KEY_FN}(source, target) = ? ORDER BY {_CORPUS_ORDER} LIMIT 1",
        (duplicate_key(source, target),),
    ).fetchone()
    return None if row is None else row[0]


class _Duplicates:
    """Every pair's first occurrence (as :func:`_first_of` finds it), kept in TEMP tables of the store's
    connection rather than in Python: memory stays flat in corpus size. A context manager (drops them).

    ``bitext_flag_keys``: pair id -> corpus position and :func:`duplicate_key`; ``bitext_flag_first``:
    key -> id of the pair at its smallest position.
    """

    def __init__(self, store: Store, elsewhere: Mapping[bytes, str] | None = None) -> None:
        self.conn = _with_key_function(store.conn)
        self.elsewhere = elsewhere or {}  # key -> first pair id, where that pair is in another shard

    def __enter__(self) -> _Duplicates:
        self._drop()
        self.conn.execute(f"CREATE TABLE {_KEYS} (id TEXT PRIMARY KEY, pos INTEGER NOT NULL, k BLOB NOT NULL)"
                          " WITHOUT ROWID")
        self.conn.execute(f"INSERT INTO {_KEYS}(id, pos, k) SELECT id,"
                          f" row_number() OVER (ORDER BY {_CORPUS_ORDER}), {_KEY_FN}(source, target) FROM pairs")
        self.conn.execute(f"CREATE TABLE {_FIRST} (k BLOB PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID")
        # A bare column next to MIN() comes from the row holding the minimum (SQLite's documented rule).
        self.conn.execute(f"INSERT INTO {_FIRST}(k, id) SELECT k, id FROM"
                          f" (SELECT k, id, MIN(pos) FROM {_KEYS} GROUP BY k)")
        if self.elsewhere:  # a shard: the corpus-wide first occurrence wins
            self.conn.executemany(f"UPDATE {_FIRST} SET id = ? WHERE k = ?",
                                  ((first, k) for k, first in self.elsewhere.items()))
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop()

    def _drop(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {_KEYS}")
        self.conn.execute(f"DROP TABLE IF EXISTS {_FIRST}")

    def first_seen(self, pair_ids: Sequence[str]) -> dict[str, str]:
        """pair id -> id of its first occurrence, for ``pair_ids`` (those that exist)."""
        out: dict[str, str] = {}
        for start in range(0, len(pair_ids), 500):
            part = list(pair_ids[start: start + 500])
            out.update(self.conn.execute(
                f"SELECT d.id, f.id FROM {_KEYS} d JOIN {_FIRST} f ON f.k = d.k"
                f" WHERE d.id IN ({','.join('?' * len(part))})", part).fetchall())
        return out

    def stored_rows(self, check_name: str) -> Iterator[tuple[tuple[Any, ...], str]]:
        """(stored flag row, first-occurrence id) of every pair flagged by ``check_name``: the row as
        :func:`~bitext.store.flag_tuples` gives it (a reason only when it fired)."""
        after = ""
        while True:  # by pages of pair ids: the flagged pairs of a big corpus are many
            ids = [r[0] for r in self.conn.execute(f"SELECT id FROM {_KEYS} WHERE id > ? ORDER BY id LIMIT 2000",
                                                   (after,))]
            if not ids:
                return
            after = ids[-1]
            first = self.first_seen(ids)
            for row in flag_tuples(self.conn, ids, reasons=True):
                if row[1] == check_name:
                    yield row, first[row[0]]


def first_occurrences(store: Store) -> Iterator[tuple[bytes, tuple[str, str, int, str]]]:
    """(:func:`duplicate_key`, corpus position (article_id, kind, bead_idx, id)) of the first pair of each
    key in this store: what a sharded corpus merges to find the corpus-wide first occurrences (the smallest
    position over the shards), since its shards split the corpus order by article."""
    conn = _with_key_function(store.conn)
    rows = conn.execute(
        f"SELECT k, article_id, kind, bead_idx, id FROM (SELECT {_KEY_FN}(source, target) AS k, article_id, kind,"
        f" bead_idx, id, row_number() OVER (PARTITION BY {_KEY_FN}(source, target) ORDER BY {_CORPUS_ORDER}) AS n"
        " FROM pairs) WHERE n = 1")
    for k, article_id, kind, bead_idx, pair_id in rows:
        yield bytes(k), (article_id, kind, bead_idx, pair_id)


def _refresh_corpus_rows(store: Store, check: CorpusCheck, dups: _Duplicates) -> int:
    """Rewrite the stored rows of a corpus check that a change of the pairs made wrong; returns how many.

    A pair added before an already-flagged copy (or the removal of a first occurrence) changes the
    decision of pairs flagged earlier; only rows whose outcome differs are written. Called before the
    pairs flagged now have rows, so every stored row belongs to an earlier run.
    """
    stale = []
    for stored, first_id in dups.stored_rows(check.name):
        want = check.result(check.measure_first(stored[0], first_id))
        if want is not None and stored != _as_stored(want.row(stored[0])):
            stale.append(scores.stored_row(want, stored[0]))
    with flag_writes(store, (r[0] for r in stale)):
        store.write_flags(stale, FLAG_EVIDENCE_COLUMNS)
    return len(stale)


def _as_stored(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A result's row as it reads back: a check that did not fire keeps no reason."""
    return row if row[3] else (*row[:5], None)


def blocking_count(store: Store) -> int:
    """Pairs with a fired check of a blocking severity (:func:`bitext.model.needs_review`'s rule)."""
    marks = ",".join("?" * len(BLOCKING_SEVERITIES))
    return store.conn.execute(
        f"SELECT COUNT(DISTINCT pair_id) FROM pair_flags WHERE fired=1 AND severity IN ({marks})",
        BLOCKING_SEVERITIES,
    ).fetchone()[0]


# -- the stage ------------------------------------------------------------------------------------

def stored_calibration(store: Store) -> dict[str, Any] | None:
    """Meta ``flags.calibration``: check -> pair kind -> [low, high] (None when absent or unreadable)."""
    text = store.get_meta(MetaKey.FLAGS_CALIBRATION)
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _recalibrate(store: Store, checks: Sequence[Check], stored: dict[str, list[str]],
                 changed_options: Iterable[str] = (),
                 pending: Callable[[dict[str, Any], list[str]], None] | None = None,
                 found: Mapping[str, Mapping[str, Sequence[float]]] | None = None) -> tuple[dict[str, Any], int]:
    """Fit the calibrated checks' bounds on the stored scores; re-decide those whose decide signature is not
    the one their rows were written under (``stored``: check -> [measure, decide]). Returns the calibration
    and how many rows changed. ``changed_options``: checks whose threshold or severity changed too (every row
    is re-decided). ``pending(calibration, names)`` is called before re-deciding the checks ``names`` (to record
    them as not decided yet: an interrupted run leaves them for the next). ``found``: the scores to fit on
    (the whole sharded corpus's) instead of this store's."""
    fitted = corpus_calibration(store, checks, found)
    before = {c.name: c.narrowest() for c in checks if isinstance(c, CalibratedCheck)}
    apply_calibration(checks, fitted)
    stale = [c for c in checks if isinstance(c, CalibratedCheck)
             and stored.get(c.name, [None, None])[1] != scores.decide_signature(c)]
    # Only the bounds moved (same options): rows inside the narrowest old and new bounds that did not fire
    # keep decision and reason, so only the others are read.
    same_options = {c.name for c in stale if stored.get(c.name, [None, None])[1] not in ("", None)
                    and c.name not in changed_options}
    only = {c.name: (max(before[c.name][0], c.narrowest()[0]), min(before[c.name][1], c.narrowest()[1]))
            for c in stale if c.name in same_options}
    if stale and pending is not None:
        pending(fitted, [c.name for c in stale])
    return fitted, scores.redecide(store, stale, only)



def _lexicon_checks(store: Store, checks: Sequence[Check]) -> None:
    """Tie the scores of the checks that consult the corpus lexicon (``adequacy``, ``missing_names``) to the
    lexicon they were measured with (its signature, read from meta without loading it): a refreshed lexicon
    makes :func:`bitext.flags.scores.plan` measure those checks again, and only those."""
    lexicon_sig = store.get_meta(MetaKey.LEXICON_SIGNATURE)
    glossary_sig = store.get_meta(MetaKey.GLOSSARY_SIGNATURE)  # the glossary check: likewise its termbase
    for c in checks:
        if c.name in LEXICON_CHECKS:
            c.measured_with = f"lexicon:{lexicon_sig}" if lexicon_sig else None
        elif c.name == "glossary":
            c.measured_with = f"glossary:{glossary_sig}" if glossary_sig else None


def flag_corpus(store: Store, config_path: str | Path | None = None, quiet: bool = False,
                workers: int | None = None, model: str | Path | None = None, *,
                first_seen: Mapping[bytes, str] | None = None,
                corpus_scores: Mapping[str, Mapping[str, Sequence[float]]] | None = None) -> FlagReport:
    """Flag every pair not yet flagged under the effective config; recompute all when it changed.

    The config is :func:`effective_config`: a ``config_path`` file is validated, then stored in meta
    ``flags.config`` so later calls without one (``bitext run``) keep it; ``"default"`` goes back to
    the built-in defaults and forgets the stored file. A bad config raises before anything is touched.
    Removing the old flags, recording the new config and writing the first batch happen in one
    transaction; an interrupted recompute resumes with the pairs still unflagged.

    ``model``: folder of the corpus's MT model: reference pairs get the model signal (``model_score``, forced
    decoding, :mod:`bitext.translate.scoring`); kept in meta ``flags.model`` for later runs, ``"none"`` forgets
    it. Without one the check is simply not measured.

    ``workers``: processes measuring the checks (:mod:`bitext.flags.workers`) while this one reads and
    writes; None picks by corpus size and cores, 0 measures here. The rows are the same either way.

    A shard of a sharded corpus (:mod:`bitext.sharded`) is flagged as part of the whole: ``first_seen``
    (:func:`duplicate_key` -> pair id) names the corpus-wide first occurrence of the keys whose first pair is in
    another shard (:func:`first_occurrences` of every shard, merged), and ``corpus_scores`` (check -> kind ->
    scores, :func:`bitext.flags.calibration.calibration_scores` of every shard) are what the calibrated
    bounds are fitted on; given, the bounds are fitted (and the rows re-decided) even when nothing new was
    measured.
    """
    eff = effective_config(store, config_path)
    store.migrate("flags", scores.FLAGS_MIGRATIONS)  # the evidence column, packed scores
    calibration = stored_calibration(store)
    checks = build_checks(eff.config, calibration)
    scorer, model_path = _scorer(store, model, checks)
    _lexicon_checks(store, checks)
    sig = config_signature(eff.config)
    todo = scores.plan(store, checks)
    recompute = todo.remeasure
    corpus_checks = [c for c in checks if isinstance(c, CorpusCheck)]
    fired = {c.name: 0 for c in checks}
    flagged = refreshed = redecided = 0
    written = False
    if has_schema(store.conn):
        ensure_schema(store)  # up to date before the write transactions (flag_writes needs v2)
    scores.convert_flags(store)  # an older store's rows, packed in chunks (a no-op once done)
    measuring = set(todo.measure)  # checks measured on every pair this run (turned on or changed)

    def record(pending: Iterable[str], cal: dict[str, Any] | None) -> None:
        """The config, its signature, per-check signatures (``pending`` checks: not decided yet; the checks
        being measured: not measured yet) and the calibration ``cal`` in meta."""
        store.set_meta(MetaKey.FLAGS_SIGNATURE, sig)
        store.set_meta(MetaKey.FLAGS_CHECKS, scores.state_of(sig, checks, pending, measuring))
        if model_path is None:
            store.delete_meta(MetaKey.FLAGS_MODEL)
        else:
            store.set_meta(MetaKey.FLAGS_MODEL, model_path)
        _set_calibration(store, cal)
        if eff.text is None:
            store.delete_meta(MetaKey.FLAGS_CONFIG, MetaKey.FLAGS_CONFIG_NAME)
        elif config_path is not None:
            store.set_meta(MetaKey.FLAGS_CONFIG, eff.text)
            store.set_meta(MetaKey.FLAGS_CONFIG_NAME, Path(config_path).name)

    if not recompute and (todo.redecide or todo.drop or todo.measure):
        # Only thresholds, severities or the set of checks changed: re-decide the stored scores, measure
        # nothing but the pairs not flagged yet. The calibrated checks come last: their bounds are fitted on
        # the pairs the other checks leave without a finding.
        # The new config is recorded first, with the checks to re-decide marked pending: an interrupted run
        # is finished by the next one (which re-decides them again, with the same outcome).
        stored_sigs = (scores.stored_state(store) or {}).get("checks", {})
        pending = {*todo.redecide, *(c.name for c in checks if isinstance(c, CalibratedCheck))}
        gone = [*todo.drop, *todo.measure]  # turned off, or measured again below
        with store.tx(), (flag_writes(store, None) if gone else contextlib.nullcontext()):
            if gone:
                store.clear_flags(gone)
            record(pending, calibration)
        redecided = scores.redecide(store, [c for c in checks if c.name in todo.redecide
                                            and not isinstance(c, CalibratedCheck)])
        calibration, n = _recalibrate(store, checks, stored_sigs, todo.redecide, found=corpus_scores)
        redecided += n
        with store.tx():
            record((), calibration)
    # Only pairs that existed when the run began (the keys table is that snapshot): a pair added meanwhile
    # by another process is left for the next run, which also gives it its duplicate row.
    todo_where = (f"(? OR NOT {flagged_sql(store.conn, 'p.id')})"
                  f" AND EXISTS (SELECT 1 FROM {_KEYS} d WHERE d.id = p.id)")

    def batches() -> Iterator[list[sqlite3.Row]]:
        """The pairs to flag in corpus order, by keyset paging (never all at once); at least one batch."""
        after: tuple[Any, ...] | None = None
        while True:
            # Two statements, so the one with a cursor seeks the index instead of scanning from the start.
            past = " AND (article_id, kind, bead_idx) > (?, ?, ?)" if after else ""
            batch = store.conn.execute(
                f"SELECT * FROM pairs p WHERE {todo_where}{past} ORDER BY {_CORPUS_ORDER} LIMIT ?",
                (int(recompute or bool(measuring)), *(after or ()), BATCH),
            ).fetchall()
            yield batch
            if len(batch) < BATCH:  # a short batch is the last one
                return
            last = batch[-1]
            after = (last["article_id"], last["kind"], last["bead_idx"])

    def _flagged_ids(ids: Sequence[str]) -> set[str]:
        return {r[0] for r in flag_tuples(store.conn, ids)}

    def write(n: int, pending: Pending) -> None:
        nonlocal flagged, refreshed, written
        rows = pending.result()  # measured outside the transaction (slow, may fail): nothing written yet
        with store.tx():
            if not written:
                if recompute:
                    with flag_writes(store, None):
                        store.clear_flags()
                record((), calibration)
                if not recompute:
                    refreshed = sum(_refresh_corpus_rows(store, c, dups) for c in corpus_checks)
                written = True
            with flag_writes(store, (r[0] for r in rows)):
                store.write_flags(rows, FLAG_EVIDENCE_COLUMNS)
        for r in rows:
            fired[r[1]] += r[3]
        flagged += n
        if bar is not None:
            bar.update(n)

    with _Duplicates(store, first_seen) as dups:
        n_todo = store.conn.execute(f"SELECT COUNT(*) FROM pairs p WHERE {todo_where}",
                                    (int(recompute or bool(measuring)),)).fetchone()[0]
        skipped = store.count("pairs") - n_todo
        n_workers = default_workers(n_todo) if workers is None else max(0, workers)
        # Once per run, before workers fork (flags.context), and only when a check that consults it measures.
        consults = n_todo and any(c.name in LEXICON_CHECKS for c in checks)
        use_lexicon(load_lexicon(store) if consults else None)
        use_glossary(load_glossary(store))
        in_flight: deque[tuple[int, Pending]] = deque()
        with Measurer(eff.config, checks, n_workers, calibration) as measurer:  # before the bar: see bitext.flags.workers
            bar = None
            if not quiet and n_todo:
                from tqdm import tqdm

                bar = tqdm(total=n_todo, desc="flag", unit="pair")
            for batch in batches():
                views = _pair_views(store, batch, dups.first_seen([r["id"] for r in batch]))
                if scorer is not None:
                    _model_scores(scorer, views)
                # Pairs flagged before get only the checks turned on or changed; new pairs every check.
                done = _flagged_ids([v.id for v in views]) if measuring and not recompute else set()
                in_flight.append((len(batch), measurer.submit(views, measuring, done)))
                if len(in_flight) > measurer.depth:
                    write(*in_flight.popleft())
            while in_flight:
                write(*in_flight.popleft())
    if bar is not None:
        bar.close()
    if measuring and written:
        measuring = set()
        with store.tx():
            record((), calibration)
    # New scores, or the whole corpus's: the calibrated bounds may have moved (quantised: rarely, on a grown corpus).
    if flagged or corpus_scores is not None:
        decided = {c.name: scores.decide_signature(c) for c in checks}

        def mark(cal: dict[str, Any], names: list[str]) -> None:
            with store.tx():
                record(names, cal)

        calibration, n = _recalibrate(store, checks, {k: ["-", v] for k, v in decided.items()}, pending=mark,
                                      found=corpus_scores)
        redecided += n
        if any(decided[c.name] != scores.decide_signature(c) for c in checks):
            with store.tx():
                record((), calibration)
    return FlagReport(flagged=flagged, skipped=skipped, refreshed=refreshed, redecided=redecided,
                      needs_review=blocking_count(store), fired=fired)


def _scorer(store: Store, model: str | Path | None, checks: Sequence[Check]) -> tuple[Any, str | None]:
    """The forced-decoding scorer of the model signal (None without a model or without the check) and the model
    folder to record. ``model`` None: the folder recorded by an earlier run, if it still exists."""
    from bitext.flags.checks.model import ModelScore

    if model is not None and str(model) == "none":
        return None, None
    path = str(Path(model).resolve()) if model is not None else store.get_meta(MetaKey.FLAGS_MODEL)
    if path is None or (model is None and not Path(path).is_dir()):
        return None, None
    wanted = [c for c in checks if isinstance(c, ModelScore)]
    for c in wanted:
        c.measured_with = path
    if not wanted:
        return None, path
    from bitext.translate.scoring import ForcedScorer

    return ForcedScorer(path), path


def _model_scores(scorer: Any, views: Sequence[PairView]) -> None:
    """Give the reference pairs of ``views`` (non-empty source and target) their forced-decoding score."""
    from bitext.model import KIND_REFERENCE

    todo = [v for v in views if v.kind == KIND_REFERENCE and v.source.strip() and v.target.strip()]
    for v, score in zip(todo, scorer.score([v.source for v in todo], [v.target for v in todo]), strict=True):
        v.model_score = score


def _set_calibration(store: Store, calibration: dict[str, Any] | None) -> None:
    if calibration:
        store.set_meta(MetaKey.FLAGS_CALIBRATION, json.dumps(calibration, sort_keys=True))
    else:
        store.delete_meta(MetaKey.FLAGS_CALIBRATION)


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
    checks = build_checks(eff.config, stored_calibration(store))
    _lexicon_checks(store, checks)
    use_lexicon(load_lexicon(store))
    use_glossary(load_glossary(store))
    first = _first_of(store, row["source"], row["target"])
    view = _pair_views(store, [row], {} if first is None else {pair_id: first})[0]
    scorer, _ = _scorer(store, None, checks)  # the model the corpus's flags used, if any
    if scorer is not None:
        _model_scores(scorer, [view])
    stored = len(flag_tuples(store.conn, [pair_id]))
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
        when = (check.bounds_text((r.evidence or {}).get("kind")) if isinstance(check, CalibratedCheck)
                else check.threshold_text())
        lines.append(f"  [{mark}] {r.check} ({r.severity}): score {fmt(r.score)}, fires {when}")
        lines.append(f"          {r.reason}")
    return "\n".join(lines)
