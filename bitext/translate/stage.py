"""The corpus stage: every sentence of a store without a translation under the current signature.

Work streams from the store: up to a few thousand distinct pending sources at a time (a leased chunk,
starting at 4 sources and doubling, never more than a quarter of what is left, so that a second process
started on the same corpus finds work however little there is), sorted by token length, cut into
batches by a token budget; every batch is committed in its own transaction (through
:meth:`Store.add_translations`), so a killed run resumes where it stopped and a repeated sentence
(boilerplate) is translated once.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from bitext.errors import StoreError
from bitext.model import MetaKey
from bitext.store import Store, translation_key, utcnow
from bitext.translate.backends import quiet_notes
from bitext.translate.engine import Engine, load_engine
from bitext.translate.leases import TRANSLATE_MIGRATIONS, Leases
from bitext.translate.merge import check_shard, shard_of
from bitext.translate.models import DEFAULT_MODEL

CHUNK_SOURCES = 4000  # distinct pending sources held in memory at a time
FIRST_CHUNK = 4  # the first leased chunk (its outputs come first); each next one doubles, up to CHUNK_SOURCES
_PAGE = 2000  # sentence rows read per query
COUNT_WAIT_S = 0.5
"""How long the stage waits for its counts before it starts translating without them (they go on in the
background: a big store's first outputs come within seconds, not after a scan of every sentence)."""


@dataclass(frozen=True)
class TranslateReport:
    """What one translate run did.

    ``sentences`` (in this shard), ``distinct`` sources, ``cached`` (already translated before this
    run), ``translated`` (now), ``source_split`` and ``hit_max_length`` (among those translated now),
    ``left_elsewhere`` (still pending because another live process holds their lease), ``retried``
    (among those translated now: generated twice because the first output ran away).
    """

    sentences: int
    distinct: int
    cached: int
    translated: int
    source_split: int
    hit_max_length: int
    left_elsewhere: int = 0
    retried: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a dict, in field order (the CLI prints them as ``key=value``)."""
        return asdict(self)


def translate_corpus(
    store: Store,
    *,
    model: str = DEFAULT_MODEL,
    revision: str | None = None,
    backend: str = "auto",
    beams: int | None = None,
    max_new_tokens: int | None = None,
    batch_tokens: int | None = None,
    device: str | None = None,
    shard: tuple[int, int] | None = None,
    quiet: bool = False,
    engine: Engine | None = None,
    **options: Any,
) -> TranslateReport:
    """Translate every sentence of ``store`` that has no translation under the current signature.

    ``engine`` reuses a loaded :class:`Engine` (its options win); extra ``options``
    (min_new_tokens, length_penalty, compute_type, threads) go to :func:`load_engine`.
    ``shard=(i, n)`` translates only the sources with :func:`shard_of` ``== i``.
    """
    if shard is not None:
        check_shard(*shard)
    if engine is None:
        with quiet_notes(quiet):  # "converting ... to CTranslate2 (once)"
            engine = load_engine(
                model,
                revision=revision,
                backend=backend,
                beams=beams,
                max_new_tokens=max_new_tokens,
                batch_tokens=batch_tokens,
                device=device,
                **options,
            )
    sig = str(engine.signature)
    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, sig)
    store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, {**engine.settings, "shard": list(shard) if shard else None})
    # The settings name a local folder by its last component (they are published); its full path is kept
    # privately, so 'bitext adapt' finds the model that translated the corpus without --base.
    ref = getattr(engine, "ref", None)  # (the Ray engine's workers hold the model: no folder here)
    if ref is not None:
        store.set_meta(MetaKey.TRANSLATE_MODEL_PATH, str(ref.path))

    # Migrated before the scan: a store made before translate v3 gets its (signature, source) index here, so
    # the pending scan (and ``bitext status``) probes that index instead of hashing every sentence's text.
    store.migrate("translate", TRANSLATE_MIGRATIONS)
    conn = store.conn
    where = "1"
    if shard is not None:
        i, n = shard
        conn.create_function("bitext_shard", 1, lambda text: shard_of(text, n), deterministic=True)
        where = f"bitext_shard(text) = {int(i)}"
    # The signature as an SQL string literal: the scan's queries are composed from these pieces.
    quoted = "'" + sig.replace("'", "''") + "'"
    missing = f"NOT EXISTS (SELECT 1 FROM translations t WHERE t.signature = {quoted} AND t.source = s.text)"

    count_pending = f"SELECT COUNT(*) FROM (SELECT DISTINCT text FROM sentences WHERE {where}) s WHERE {missing}"
    # The counts (seconds at 1M sentences: a DISTINCT over every text) are taken in the background, in a
    # read snapshot of the store as it is now, while the first batches already translate.
    counts = _Counts(store, [f"SELECT COUNT(*) FROM sentences WHERE {where}",
                             f"SELECT COUNT(DISTINCT text) FROM sentences WHERE {where}", count_pending],
                     shard[1] if shard else None)
    # A store of up to a few 100k sentences is counted at once: then everything is as if counted in line.
    known = counts.result(COUNT_WAIT_S)
    translated = source_split = hit_max_length = retried = 0
    from tqdm import tqdm

    bar = tqdm(total=known[2] if known else None, unit="sent", desc="translate",
               disable=quiet or (known is not None and known[2] == 0), file=sys.stderr, dynamic_ncols=True)
    leases = Leases(store, sig) if known is None or known[2] else None
    try:
        size = getattr(engine, "chunk_sources", CHUNK_SOURCES)  # a RayEngine sends bigger chunks
        for (first, _), chunk in _pending_chunks(conn, where, missing, leases, size, counts.pending) if leases else ():
            for done in engine.iter_translate(chunk):
                now = utcnow()
                keys = [translation_key(sig, t.source) for t in done]
                with store.tx():  # the batch and the renewal of its lease commit together
                    store.add_translations(
                        (key, sig, t.source, t.text, t.logprob, t.n_tokens, t.n_unk, int(t.hit_max_length),
                         int(t.source_split), now)
                        for key, t in zip(keys, done, strict=True)
                    )
                    conn.executemany("UPDATE translations SET retried = 1 WHERE key = ?",
                                     [(key,) for key, t in zip(keys, done, strict=True) if t.retried])
                    leases.renew()
                translated += len(done)
                source_split += sum(t.source_split for t in done)
                hit_max_length += sum(t.hit_max_length for t in done)
                retried += sum(t.retried for t in done)
                if bar.total is None and counts.pending() is not None:
                    bar.total = counts.pending()
                bar.update(len(done))
            leases.release(first)
    except BaseException:
        counts.cancel()  # stopped (Ctrl-C, an error): the counts are not needed, the snapshot is let go
        raise
    finally:
        bar.close()
        if leases is not None:
            with contextlib.suppress(StoreError):  # the store itself failed: the lease expires instead
                leases.release()  # interrupted: the next run (or another process) takes the rest at once
    n_sentences, n_distinct, n_pending = counts.result()
    # What is still pending now was leased by another live process (ours is done or released).
    left_elsewhere = conn.execute(count_pending).fetchone()[0] if n_pending else 0
    return TranslateReport(
        sentences=n_sentences,
        distinct=n_distinct,
        cached=n_distinct - n_pending,
        translated=translated,
        source_split=source_split,
        hit_max_length=hit_max_length,
        left_elsewhere=left_elsewhere,
        retried=retried,
    )


class _Counts:
    """The stage's counts (sentences, distinct sources, pending sources) in a background thread, on a
    second connection whose read snapshot is taken at construction: they describe the store as it was
    before this run's first commit, however long they take (WAL readers do not block the writer)."""

    def __init__(self, store: Store, queries: list[str], shards: int | None) -> None:
        self._store = store
        self._values: list[int] | None = None
        self._error: BaseException | None = None
        # Its own connection (read-only; WAL: it does not block the stage's writes), made here, in this thread.
        conn = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                               isolation_level=None, check_same_thread=False)
        if shards is not None:
            conn.create_function("bitext_shard", 1, lambda text: shard_of(text, shards), deterministic=True)
        conn.execute("BEGIN")
        conn.execute("SELECT 1 FROM sentences LIMIT 1").fetchall()  # the snapshot starts at the first read

        def run() -> None:
            try:
                self._values = [conn.execute(q).fetchone()[0] for q in queries]
            except BaseException as e:  # re-raised by result() in the stage's thread
                self._error = e
            finally:
                conn.close()

        self._conn = conn
        self._thread = threading.Thread(target=run, name="bitext-translate-counts", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop counting (the query in progress is interrupted) and wait for the thread to end."""
        if self._thread.is_alive():
            with contextlib.suppress(sqlite3.ProgrammingError):  # it finished (and closed) meanwhile
                self._conn.interrupt()
            self._thread.join()

    def pending(self) -> int | None:
        """Sources pending when the run started, or None while still counting."""
        return self._values[-1] if self._values is not None else None

    def result(self, timeout: float | None = None) -> list[int] | None:
        """(sentences, distinct, pending), waiting for the count to finish (None if ``timeout`` passed first)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            return None
        if self._error is not None:
            with self._store.errors():  # an SQLite error: one line naming the store
                raise self._error
        return self._values


def chunk_sizes(pending: int | Callable[[], int | None], size: int = CHUNK_SOURCES) -> Iterator[int]:
    """Sources per leased chunk: FIRST_CHUNK, doubling up to ``size``, and never more than a quarter of
    what this process has not taken yet of ``pending`` (at least FIRST_CHUNK): the first outputs come
    within seconds, and a second process started meanwhile finds a share of any amount of work.
    ``pending`` may be a callable that returns None while it is still being counted (no cap then)."""
    step, taken = min(size, FIRST_CHUNK), 0
    while True:
        known = pending() if callable(pending) else pending
        left = (known - taken) // 4 if known is not None else step
        n = max(1, min(step, max(FIRST_CHUNK, left)))
        taken += n
        yield n
        step = min(size, step * 2)


def _pending_chunks(
    conn: Any, where: str, missing: str, leases: Leases, size: int = CHUNK_SOURCES,
    pending: int | Callable[[], int | None] = 0,
) -> Iterator[tuple[tuple[int, int], list[str]]]:
    """Distinct untranslated sources in chunks of :func:`chunk_sizes`, reading the store by rowid pages;
    yields ((first rowid, last rowid), sources) for each chunk this process leased.

    Each page is queried after the previous chunk is committed, so a text translated in an earlier
    chunk is not pending any more when it occurs again later. Rows leased by another live process are
    skipped; a chunk whose range another process leased meanwhile is read again without them.
    """
    held: list[tuple[int, int]] = leases.held_elsewhere()
    conn.create_function("bitext_leased", 1, lambda r: any(a <= r <= b for a, b in held), deterministic=False)
    last = 0
    exhausted = False
    sizes = chunk_sizes(pending, size)
    want = next(sizes)
    while not exhausted:
        chunk: dict[str, None] = {}
        start = last
        first: int | None = None
        while len(chunk) < want:
            page = min(_PAGE, want - len(chunk))
            rows = conn.execute(
                f"SELECT s.rowid, s.text FROM sentences s WHERE s.rowid > ? AND {where} AND {missing}"
                " AND NOT bitext_leased(s.rowid) ORDER BY s.rowid LIMIT ?",
                (last, page),
            ).fetchall()
            for rowid, text in rows:
                chunk.setdefault(text)
                first = rowid if first is None else first
                last = rowid
            if len(rows) < page:
                exhausted = True
                break
        if not chunk or first is None:
            continue
        if not leases.claim(first, last):
            held[:] = leases.held_elsewhere()  # someone leased part of it meanwhile: read it again
            last, exhausted = start, False
            continue
        yield (first, last), list(chunk)
        want = next(sizes)
