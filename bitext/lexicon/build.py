"""Building the corpus lexicon from the corpus's own sentence pairs, and reading it back.

Data: every translation of the current translation signature (the Indonesian sentence and its MT; an
output that ran to its length bound is left out: it loops) and every aligned reference pair (kind
'reference', beads with text on both sides). Both sides are tokenised (:mod:`bitext.lexicon.tokens`) and
word-aligned by eflomal in both directions; the links are counted: ``id-en`` counts how often an
Indonesian word's links reach each English word (p(en | id) = count / the word's links), ``en-id`` the
other way. Abbreviation-shaped tokens also count the English span they are linked to, and long forms spelt
out in the text (:mod:`bitext.lexicon.abbrev`) count as expansions.

Storage (component ``lexicon``, its own tables): ``lexicon_counts`` (direction, word, translation, count),
``lexicon_words`` (direction, word, links of the word: the denominator, kept before pruning, so pruning
never inflates a probability; 'abbrev:en' / 'abbrev:id' rows hold an abbreviation's expansion total),
``lexicon_abbrevs`` (abbreviation, lang, expansion, count). Meta ``lexicon.signature`` records what it was
built from; ``lexicon.state`` the watermarks.

Bounded: per word the :data:`TOP_K` most frequent translations whose share is at least :data:`FLOOR`,
at most :data:`VOCAB_CAP` words per direction (the most frequent), :data:`ABBREV_TOP` expansions per
abbreviation.

Refresh rule (no retraining per article at 1M sentences): new data is what lies past the watermarks (the
largest ``translations`` rowid and reference ``pairs`` rowid counted; both only grow as rows are added).
Only the new pairs are aligned, with the stored counts of their words given to eflomal as priors (Dirichlet
pseudo-counts: the small batch is aligned as the whole corpus would align it), and their link counts are
added to the stored ones. A full training runs instead when there is no lexicon yet, on ``rebuild``, when
what it depends on changed (translation signature, :data:`LEXICON_VERSION`, eflomal's version, the bounds),
or when the corpus has doubled since the last full training (the counts of words pruned or aligned with
a young model are then redone). A reference article re-aligned after it was counted counts again until
that next full training.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from bitext.errors import EnvironmentProblem
from bitext.lexicon.abbrev import aligned_span, english_long_forms, indonesian_long_forms
from bitext.lexicon.model import DIRECTIONS, Lexicon, from_rows
from bitext.lexicon.tokens import TOKEN, is_abbreviation
from bitext.model import MetaKey, Signature
from bitext.store import Store, has_table

LEXICON_VERSION = "1"
"""Bump when tokenisation, counting or pruning changes: the next build trains from scratch."""
TOP_K = 10
FLOOR = 0.01
VOCAB_CAP = 30_000
"""Words kept per direction (the most frequent). A lexicon of 50,000 words a direction with 10 translations each
measured 1.1M rows, 34 MB in the store and about 500 MB of Python objects once loaded, which every flag run
pays; 30,000 words bound it at about 600,000 rows. A rarer word is simply not judged by coverage."""
ABBREV_TOP = 5
ABBREV_MIN_COUNT = 2
"""An expansion seen fewer times is noise and is not loaded."""
SAMPLERS = 1
MAX_ITERATIONS = 16
SMALL_BATCH = 200_000
"""eflomal's own default runs 3 samplers and 5000/sqrt(sentences) iterations (70 at 5,000 sentences): about
ten times the time of 1 sampler and at most 16 iterations, which are plenty for counts summed over a large
corpus. A small first training (sentences x iterations under :data:`SMALL_BATCH`: a new corpus)
keeps eflomal's defaults: they cost under a second or two there and converge better on little data."""


def sampling(n_sentences: int, with_priors: bool = False) -> tuple[tuple[int, int, int], int]:
    """((IBM1, HMM, fertility) iterations, samplers) for aligning ``n_sentences``: eflomal's rule, capped
    at :data:`MAX_ITERATIONS` and :data:`SAMPLERS` unless the run is small and has no priors (an
    incremental batch starts from the corpus's counts: it needs few iterations)."""
    n = max(4, round(5000 / max(1, n_sentences) ** 0.5))
    if with_priors or n * n_sentences > SMALL_BATCH:
        return (max(2, min(n, MAX_ITERATIONS) // 4), max(2, min(n, MAX_ITERATIONS) // 4), min(n, MAX_ITERATIONS)), SAMPLERS
    return (max(2, n // 4), max(2, n // 4), n), 3


PRIOR_SCALE = 0.5
"""Stored counts given to eflomal as priors for an incremental batch are scaled by this (both directions'
counts summed, so about one link's worth per occurrence)."""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE lexicon_counts (
            direction  TEXT NOT NULL,     -- 'id-en' | 'en-id'
            word       TEXT NOT NULL,
            trans      TEXT NOT NULL,
            count      REAL NOT NULL,
            PRIMARY KEY (direction, word, trans)
        ) WITHOUT ROWID;
        CREATE TABLE lexicon_words (
            direction  TEXT NOT NULL,     -- 'id-en' | 'en-id' | 'abbrev:en' | 'abbrev:id'
            word       TEXT NOT NULL,
            count      REAL NOT NULL,     -- links of the word (before pruning): the denominator
            PRIMARY KEY (direction, word)
        ) WITHOUT ROWID;
        CREATE TABLE lexicon_abbrevs (
            abbrev     TEXT NOT NULL,     -- as written: 'BPBD', 'Kemenlu'
            lang       TEXT NOT NULL,     -- 'en': its English; 'id': its long form in the articles
            expansion  TEXT NOT NULL,
            count      REAL NOT NULL,
            PRIMARY KEY (abbrev, lang, expansion)
        ) WITHOUT ROWID;
        """,
    ),
]
_TABLES = ("lexicon_counts", "lexicon_words", "lexicon_abbrevs")


@dataclass(frozen=True)
class LexiconReport:
    """What :func:`build_lexicon` did. ``status``: 'built' (full training), 'refreshed' (new pairs added),
    'current' (nothing new), 'no-translations' or 'no-usable-pairs' (every translation ran to its length
    bound, and there is no reference pair). ``pairs_added``: pairs aligned now; ``pairs``: pairs
    counted in all; ``words_id`` / ``words_en``: words per direction; ``rows``: rows of the lexicon tables;
    ``bytes``: their size in the store; ``seconds``: time taken."""

    status: str
    pairs_added: int = 0
    pairs: int = 0
    words_id: int = 0
    words_en: int = 0
    abbreviations: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    signature: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def aligner_version() -> str:
    """'eflomal-<version>'; :class:`EnvironmentProblem` when eflomal is not installed."""
    try:
        return f"eflomal-{metadata.version('eflomal')}"
    except metadata.PackageNotFoundError:
        raise EnvironmentProblem("the corpus lexicon needs eflomal: pip install 'eflomal>=2'") from None


# -- reading the corpus's pairs -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Marks:
    translation: int = 0  # largest translations rowid counted
    reference: int = 0  # largest reference pairs rowid counted


def _sources(store: Store, after: _Marks, signature: str | None) -> Iterator[tuple[str, str, str, int]]:
    """(kind, Indonesian, English, rowid) of the pairs past ``after``: translations, then references."""
    for rowid, src, tgt in store.conn.execute(
        "SELECT rowid, source, text FROM translations WHERE rowid > ? AND hit_max_length = 0"
        " AND (? IS NULL OR signature = ?) ORDER BY rowid", (after.translation, signature, signature)
    ):
        yield "t", src, tgt, rowid
    for rowid, src, tgt in store.conn.execute(
        "SELECT rowid, source, target FROM pairs WHERE kind = 'reference' AND rowid > ? AND source != ''"
        " AND target != '' ORDER BY rowid", (after.reference,)
    ):
        yield "r", src, tgt, rowid


def _data_fingerprint(store: Store, signature: str | None) -> tuple[str, int]:
    """(fingerprint of the data the lexicon is made from, number of pairs): counts and largest rowids, one
    indexed query each (not a hash of every text: cheap at 1M sentences)."""
    t = store.conn.execute(
        "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM translations WHERE hit_max_length = 0"
        " AND (? IS NULL OR signature = ?)", (signature, signature)).fetchone()
    r = store.conn.execute(
        "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM pairs WHERE kind = 'reference' AND source != ''"
        " AND target != ''").fetchone()
    raw = json.dumps([signature, tuple(t), tuple(r)])
    return hashlib.sha256(raw.encode()).hexdigest()[:16], int(t[0]) + int(r[0])


# -- training ---------------------------------------------------------------------------------------------

class _Counts:
    """Link counts and abbreviation evidence of one training run."""

    def __init__(self) -> None:
        self.pairs: dict[str, Counter[tuple[str, str]]] = {d: Counter() for d in DIRECTIONS}
        self.words: dict[str, Counter[str]] = {d: Counter() for d in DIRECTIONS}
        self.abbrevs: Counter[tuple[str, str, str]] = Counter()
        self.abbrev_totals: Counter[tuple[str, str]] = Counter()

    def add_abbrev(self, abbrev: str, lang: str, expansion: str) -> None:
        self.abbrevs[(abbrev, lang, expansion)] += 1
        self.abbrev_totals[(abbrev, lang)] += 1


def _split(text: str) -> tuple[list[str], list[str]]:
    """(lower-cased tokens, the same as written) of ``text``."""
    written = [w for w in TOKEN.findall(text) if len(w) > 1]
    return [w.lower() for w in written], written


def _read_links(path: str) -> Iterator[list[tuple[int, int]]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield [(int(a), int(b)) for a, b in (x.split("-") for x in line.split())]


def _train(store: Store, after: _Marks, signature: str | None,
           priors: dict[str, dict[tuple[str, str], float]] | None) -> tuple[_Counts, _Marks, int]:
    """Align the pairs past ``after`` with eflomal and count; (counts, new watermarks, pairs aligned)."""
    import eflomal  # imported here: only building needs it

    counts = _Counts()
    marks = after
    n = 0
    abbrev_at: dict[int, list[tuple[int, str]]] = {}  # line -> (source position, abbreviation as written)
    with tempfile.TemporaryDirectory(prefix="bitext-lexicon-") as tmp:
        src_path, tgt_path = os.path.join(tmp, "src"), os.path.join(tmp, "tgt")
        with open(src_path, "w", encoding="utf-8") as fs, open(tgt_path, "w", encoding="utf-8") as ft:
            for kind, src, tgt, rowid in _sources(store, after, signature):
                marks = (_Marks(rowid, marks.reference) if kind == "t" else _Marks(marks.translation, rowid))
                s_low, s_written = _split(src)
                t_low, _ = _split(tgt)
                if not s_low or not t_low:
                    continue
                for a, long_form in indonesian_long_forms(src):
                    counts.add_abbrev(a, "id", long_form)
                # A capitalised word opening the sentence is capitalised for that reason: acronyms only there.
                found = [(i, w) for i, w in enumerate(s_written) if (i > 0 or w.isupper()) and is_abbreviation(w)]
                if found:
                    abbrev_at[n] = found
                    for a, long_form in english_long_forms(tgt, {w for _, w in found}):
                        counts.add_abbrev(a, "en", long_form)
                fs.write(" ".join(s_low) + "\n")
                ft.write(" ".join(t_low) + "\n")
                n += 1
        if n == 0:
            return counts, marks, 0
        fwd, rev = os.path.join(tmp, "fwd"), os.path.join(tmp, "rev")
        prior_lines = None
        if priors:
            prior_lines = [f"LEX\t{s}\t{t}\t{a:g}" for (s, t), a in priors["lex"].items()]
        with open(src_path, encoding="utf-8") as fs, open(tgt_path, encoding="utf-8") as ft:
            iters, samplers = sampling(n, with_priors=bool(priors))
            aligner = eflomal.Aligner(n_iterations=iters, n_samplers=samplers)
            aligner.align(fs, ft, links_filename_fwd=fwd, links_filename_rev=rev, priors_input=prior_lines,
                          quiet=True)
        with open(src_path, encoding="utf-8") as fs, open(tgt_path, encoding="utf-8") as ft:
            for line, (s_line, t_line, f_links, r_links) in enumerate(
                    zip(fs, ft, _read_links(fwd), _read_links(rev), strict=True)):
                s_tok, t_tok = s_line.split(), t_line.split()
                fwd_pairs, rev_pairs = counts.pairs["id-en"], counts.pairs["en-id"]
                for i, j in f_links:
                    fwd_pairs[(s_tok[i], t_tok[j])] += 1
                for i, j in r_links:
                    rev_pairs[(t_tok[j], s_tok[i])] += 1
                counts.words["id-en"].update(s_tok[i] for i, _ in f_links)
                counts.words["en-id"].update(t_tok[j] for _, j in r_links)
                for i, written in abbrev_at.get(line, ()):
                    span = aligned_span(i, f_links + r_links, t_tok)
                    if span:
                        counts.add_abbrev(written, "en", span)
    return counts, marks, n


def _priors(store: Store, src_words: set[str], tgt_words: set[str]) -> dict[str, dict[tuple[str, str], float]]:
    """eflomal lexical priors for an incremental batch: the stored counts (both directions) of the pairs of
    its words, scaled by :data:`PRIOR_SCALE`, keyed (Indonesian, English)."""
    lex: dict[tuple[str, str], float] = {}
    for direction, words, others in (("id-en", src_words, tgt_words), ("en-id", tgt_words, src_words)):
        ordered = sorted(words)
        for start in range(0, len(ordered), 500):
            part = ordered[start: start + 500]
            for w, t, c in store.conn.execute(
                f"SELECT word, trans, count FROM lexicon_counts WHERE direction=? AND word IN"
                f" ({','.join('?' * len(part))})", (direction, *part)):
                if t in others:
                    key = (w, t) if direction == "id-en" else (t, w)
                    lex[key] = lex.get(key, 0.0) + c * PRIOR_SCALE
    return {"lex": lex}


def _batch_vocab(store: Store, after: _Marks, signature: str | None) -> tuple[set[str], set[str]]:
    src: set[str] = set()
    tgt: set[str] = set()
    for _, s, t, _ in _sources(store, after, signature):
        src.update(_split(s)[0])
        tgt.update(_split(t)[0])
    return src, tgt


# -- writing and pruning ------------------------------------------------------------------------------------

def _write(store: Store, counts: _Counts, full: bool) -> None:
    """Add ``counts`` to the stored ones (``full``: replace them), then prune to the bounds."""
    conn = store.conn
    if full:
        for table in _TABLES:
            conn.execute(f"DELETE FROM {table}")
    add = " ON CONFLICT DO UPDATE SET count = count + excluded.count"
    for d in DIRECTIONS:
        conn.executemany(f"INSERT INTO lexicon_words(direction, word, count) VALUES ('{d}', ?, ?){add}",
                         counts.words[d].items())
        conn.executemany(f"INSERT INTO lexicon_counts(direction, word, trans, count) VALUES ('{d}', ?, ?, ?){add}",
                         ((w, t, c) for (w, t), c in counts.pairs[d].items()))
    conn.executemany(f"INSERT INTO lexicon_words(direction, word, count) VALUES (?, ?, ?){add}",
                     ((f"abbrev:{lang}", a, c) for (a, lang), c in counts.abbrev_totals.items()))
    conn.executemany(f"INSERT INTO lexicon_abbrevs(abbrev, lang, expansion, count) VALUES (?, ?, ?, ?){add}",
                     ((a, lang, e, c) for (a, lang, e), c in counts.abbrevs.items()))
    _prune(store, None if full else {w for d in DIRECTIONS for w in counts.words[d]} | {
        w for d in DIRECTIONS for w, _ in counts.pairs[d]})


def _prune(store: Store, touched: set[str] | None) -> None:
    """Keep the bounds: the :data:`VOCAB_CAP` most frequent words per direction, per word the :data:`TOP_K`
    translations with a share of at least :data:`FLOOR`, :data:`ABBREV_TOP` expansions per abbreviation.
    ``touched``: the only words whose translations can have changed (an incremental refresh); None: all."""
    conn = store.conn
    for d in DIRECTIONS:
        n = conn.execute("SELECT COUNT(*) FROM lexicon_words WHERE direction=?", (d,)).fetchone()[0]
        if n > VOCAB_CAP:
            conn.execute("DELETE FROM lexicon_words WHERE direction=? AND word NOT IN (SELECT word FROM"
                         " lexicon_words WHERE direction=? ORDER BY count DESC, word LIMIT ?)", (d, d, VOCAB_CAP))
            conn.execute("DELETE FROM lexicon_counts WHERE direction=? AND word NOT IN (SELECT word FROM"
                         " lexicon_words WHERE direction=?)", (d, d))
    scope = ""
    if touched is not None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS lexicon_touched (word TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute("DELETE FROM temp.lexicon_touched")
        conn.executemany("INSERT OR IGNORE INTO temp.lexicon_touched(word) VALUES (?)", ((w,) for w in touched))
        scope = " AND c.word IN (SELECT word FROM temp.lexicon_touched)"
    conn.execute(
        "DELETE FROM lexicon_counts WHERE (direction, word, trans) IN (SELECT direction, word, trans FROM"
        " (SELECT c.direction, c.word, c.trans, c.count, w.count AS total, row_number() OVER (PARTITION BY"
        " c.direction, c.word ORDER BY c.count DESC, c.trans) AS rank FROM lexicon_counts c JOIN lexicon_words w"
        f" ON w.direction = c.direction AND w.word = c.word WHERE 1{scope})"
        " WHERE rank > ? OR count < ? * total)", (TOP_K, FLOOR))
    conn.execute(
        "DELETE FROM lexicon_abbrevs WHERE (abbrev, lang, expansion) IN (SELECT abbrev, lang, expansion FROM"
        " (SELECT abbrev, lang, expansion, row_number() OVER (PARTITION BY abbrev, lang ORDER BY count DESC,"
        " expansion) AS rank FROM lexicon_abbrevs) WHERE rank > ?)", (ABBREV_TOP,))
    if touched is not None:
        conn.execute("DROP TABLE IF EXISTS temp.lexicon_touched")


# -- the stage ----------------------------------------------------------------------------------------------

def _basis(signature: str | None) -> dict[str, Any]:
    """What a full training depends on: when any of it changes, the next build trains from scratch."""
    return {"version": LEXICON_VERSION, "aligner": aligner_version(), "translate": signature,
            "bounds": [TOP_K, FLOOR, VOCAB_CAP, ABBREV_TOP], "sampling": [SAMPLERS, MAX_ITERATIONS, SMALL_BATCH]}


def lexicon_size(store: Store) -> tuple[int, int]:
    """(rows, bytes) of the lexicon tables in the store (bytes: SQLite's dbstat, pages of the tables)."""
    conn = store.conn
    if not has_table(conn, "lexicon_counts"):
        return 0, 0
    rows = sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in _TABLES)
    try:
        size = conn.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'lexicon%'"
                            " OR name LIKE 'sqlite_autoindex_lexicon%'").fetchone()[0]
    except Exception:  # an SQLite built without dbstat: the size is unknown, not an error
        size = 0
    return rows, int(size)


def build_lexicon(store: Store, rebuild: bool = False, quiet: bool = False) -> LexiconReport:
    """Build or refresh the corpus lexicon (see the module docstring for the refresh rule).

    ``rebuild``: train from scratch whatever is stored. The store is written in one transaction: an
    interrupted build leaves the previous lexicon as it was.
    """
    started = time.monotonic()
    basis = _basis(store.get_meta(MetaKey.TRANSLATE_SIGNATURE))
    signature = basis["translate"]
    fingerprint, total = _data_fingerprint(store, signature)
    if total == 0:
        # Nothing to learn from: no translations yet, or every one ran to its length bound (loops).
        any_mt = store.conn.execute("SELECT 1 FROM translations LIMIT 1").fetchone() is not None
        return LexiconReport("no-usable-pairs" if any_mt else "no-translations")
    store.migrate("lexicon", MIGRATIONS)
    state = store.get_meta_json(MetaKey.LEXICON_STATE) or {}
    full = (rebuild or state.get("basis") != basis or total >= 2 * int(state.get("full_pairs", 0)))
    after = _Marks() if full else _Marks(**state["marks"])
    if not full and fingerprint == state.get("fingerprint"):
        return _report("current", store, 0, int(state.get("pairs", 0)), started)
    priors = None
    if not full:
        priors = _priors(store, *_batch_vocab(store, after, signature))
    counts, marks, n = _train(store, after, signature, priors)
    pairs = n if full else int(state.get("pairs", 0)) + n
    with store.tx():
        _write(store, counts, full)
        sizes = _word_counts(store)
        sig = str(Signature.of(("lexicon", LEXICON_VERSION), ("aligner", basis["aligner"]), ("data", fingerprint),
                               ("pairs", pairs), ("words_id", sizes[0]), ("words_en", sizes[1]),
                               ("top", TOP_K), ("floor", FLOOR), ("cap", VOCAB_CAP)))
        store.set_meta(MetaKey.LEXICON_SIGNATURE, sig)
        store.set_meta_json(MetaKey.LEXICON_STATE, {
            "basis": basis, "fingerprint": fingerprint, "pairs": pairs, "marks": asdict(marks),
            "full_pairs": pairs if full else int(state["full_pairs"]),
        })
    return _report("built" if full else "refreshed", store, n, pairs, started)


def _word_counts(store: Store) -> tuple[int, int, int]:
    rows = dict(store.conn.execute("SELECT direction, COUNT(*) FROM lexicon_words GROUP BY direction").fetchall())
    n_abbrev = store.conn.execute("SELECT COUNT(DISTINCT abbrev) FROM lexicon_abbrevs").fetchone()[0]
    return rows.get("id-en", 0), rows.get("en-id", 0), n_abbrev


def _report(status: str, store: Store, added: int, pairs: int, started: float) -> LexiconReport:
    words_id, words_en, n_abbrev = _word_counts(store)
    rows, size = lexicon_size(store)
    return LexiconReport(status, added, pairs, words_id, words_en, n_abbrev, rows, size,
                         round(time.monotonic() - started, 3), store.get_meta(MetaKey.LEXICON_SIGNATURE) or "")


def load_lexicon(store: Store) -> Lexicon | None:
    """The corpus lexicon as stored, or None when the corpus has none (never built, or nothing to build
    from). Reads only; safe on a read-only store."""
    conn = store.conn
    if not has_table(conn, "lexicon_counts") or store.get_meta(MetaKey.LEXICON_SIGNATURE) is None:
        return None
    counts = conn.execute(
        "SELECT c.direction, c.word, c.trans, c.count, w.count FROM lexicon_counts c JOIN lexicon_words w"
        " ON w.direction = c.direction AND w.word = c.word")
    abbrevs = conn.execute(
        "SELECT a.abbrev, a.lang, a.expansion, a.count, w.count FROM lexicon_abbrevs a JOIN lexicon_words w"
        " ON w.direction = 'abbrev:' || a.lang AND w.word = a.abbrev WHERE a.count >= ?", (ABBREV_MIN_COUNT,))
    return from_rows(counts, abbrevs, store.get_meta(MetaKey.LEXICON_SIGNATURE) or "", TOP_K)

