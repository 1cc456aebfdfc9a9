"""The corpus glossary (termbase): Indonesian terms with their English, kept in the store (component
``glossary``, table ``glossary_terms``: one row per term and English rendering).

* :func:`import_file`: a TBX file (TBX-Basic / TBX v2 ``termEntry``/``langSet``/``tig``, or TBX v3
  ``conceptEntry``/``langSec``/``termSec``; parsed with defusedxml: no DTDs, no entity expansion) or a
  CSV with ``id,en`` columns (several English renderings in one cell separated by ``|``);
* :func:`add_term` / :func:`remove_term` / :func:`terms`: what ``bitext glossary add/remove/list`` and
  the pair page's "add term" form do;
* :func:`load`: the :class:`~bitext.lang.glossary.Glossary` matcher of the store, cached per process by
  the glossary's signature (meta ``glossary.signature``, written with every change in the same
  transaction), so the pair page pays one meta read for it.

The flag check ``glossary`` and QA on save read the same matcher (:mod:`bitext.flags.context`).
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from pathlib import Path

from bitext.errors import InputError
from bitext.lang.glossary import Glossary, Term, signature_of, term_key
from bitext.model import MetaKey
from bitext.store import Store, has_table, utcnow

COMPONENT = "glossary"
MIGRATIONS: list[tuple[int, str]] = [(1, """
CREATE TABLE glossary_terms (
    id       INTEGER PRIMARY KEY,
    source   TEXT NOT NULL,     -- the Indonesian term as given
    key      TEXT NOT NULL,     -- its words casefolded, space-joined: what it is matched by
    target   TEXT NOT NULL,     -- one English rendering (a term's first row is its preferred one)
    origin   TEXT NOT NULL,     -- 'import:FILE' | 'cli' | 'page'
    added_by TEXT,
    added_at TEXT NOT NULL,
    UNIQUE (key, target)
);
CREATE INDEX glossary_terms_key ON glossary_terms(key, id);
""")]
MAX_TERM = 200
"""Longest term or rendering (characters) accepted."""
LANG_ID = ("id", "in", "ind")
LANG_EN = ("en", "eng")


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_file` did: terms read from the file, rows added, rows already there."""

    path: str
    read: int
    added: int
    existing: int


def ensure_glossary(store: Store) -> None:
    """Create the glossary table if missing (no-op on a current or read-only store)."""
    if not store.read_only:
        store.migrate(COMPONENT, MIGRATIONS)


def _clean(text: str, what: str) -> str:
    text = " ".join((text or "").split())
    if not text or not term_key(text):
        raise InputError(f"the {what} is empty (give words)")
    if len(text) > MAX_TERM:
        raise InputError(f"the {what} is {len(text)} characters; at most {MAX_TERM}")
    return text


def _write(store: Store, pairs: list[tuple[str, str]], origin: str, by: str | None) -> tuple[int, int]:
    """Add (Indonesian, English) rows in one transaction with the new signature; (added, existing)."""
    ensure_glossary(store)
    now = utcnow()
    added = 0
    with store.tx() as conn:
        for source, target in pairs:
            cur = conn.execute("INSERT OR IGNORE INTO glossary_terms(source, key, target, origin, added_by, added_at)"
                               " VALUES (?, ?, ?, ?, ?, ?)", (source, " ".join(term_key(source)), target, origin, by, now))
            added += cur.rowcount
        _sign(store)
    return added, len(pairs) - added


def _sign(store: Store) -> None:
    sig = signature_of(_read_terms(store)) if _count(store) else ""
    store.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                       (MetaKey.GLOSSARY_SIGNATURE, sig))


def _count(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM glossary_terms").fetchone()[0]


def add_term(store: Store, source: str, target: str, *, origin: str = "cli", by: str | None = None) -> bool:
    """Add the rendering ``target`` of the Indonesian ``source``; False when it was there already.
    A bad term is an :class:`~bitext.errors.InputError` (one line)."""
    added, _ = _write(store, [(_clean(source, "Indonesian term"), _clean(target, "English"))], origin, by)
    return bool(added)


def remove_term(store: Store, source: str, target: str | None = None) -> int:
    """Remove ``source``'s rendering ``target`` (None: every rendering); returns the rows removed."""
    ensure_glossary(store)
    key = " ".join(term_key(source))
    with store.tx() as conn:
        if target is None:
            n = conn.execute("DELETE FROM glossary_terms WHERE key = ?", (key,)).rowcount
        else:
            n = conn.execute("DELETE FROM glossary_terms WHERE key = ? AND lower(target) = lower(?)",
                             (key, " ".join(target.split()))).rowcount
        if n:
            _sign(store)
    return n


def _read_terms(store: Store) -> list[Term]:
    grouped: dict[str, tuple[str, list[str]]] = {}
    for key, source, target in store.conn.execute("SELECT key, source, target FROM glossary_terms ORDER BY key, id"):
        grouped.setdefault(key, (source, []))[1].append(target)
    return [Term(source, tuple(targets)) for source, targets in grouped.values()]


def terms(store: Store) -> list[Term]:
    """Every term with its renderings (preferred first), by Indonesian key."""
    if not has_table(store.conn, "glossary_terms"):
        return []
    return _read_terms(store)


def term_count(store: Store) -> int:
    """Number of distinct Indonesian terms (0 without a glossary)."""
    if not has_table(store.conn, "glossary_terms"):
        return 0
    return store.conn.execute("SELECT COUNT(DISTINCT key) FROM glossary_terms").fetchone()[0]


def signature(store: Store) -> str:
    """The glossary's signature ('' when empty or absent)."""
    return store.get_meta(MetaKey.GLOSSARY_SIGNATURE) or ""


_CACHE: dict[str, Glossary] = {}  # store path -> matcher
_LOCK = threading.Lock()


def load(store: Store) -> Glossary:
    """The store's glossary as a matcher, built once per change (keyed by :func:`signature`)."""
    sig = signature(store)
    key = str(store.path)
    cached = _CACHE.get(key)
    if cached is not None and cached.signature == sig:
        return cached
    with _LOCK:
        g = Glossary(terms(store) if sig else [], sig)
        _CACHE[key] = g
    return g


# -- import ----------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _lang(el: object) -> str:
    attrib = getattr(el, "attrib", {})
    value = attrib.get("{http://www.w3.org/XML/1998/namespace}lang") or attrib.get("lang") or ""
    return value.split("-")[0].split("_")[0].lower()


def read_tbx(data: bytes, path: str) -> list[tuple[str, str]]:
    """(Indonesian, English) pairs of every entry of a TBX file: each Indonesian term of an entry with
    each English term of it, in file order."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data)
    except ParseError as e:
        raise InputError(f"{path}: not a readable TBX file ({e}); give TBX (XML) or a CSV with id,en columns") from None
    except DefusedXmlException as e:
        raise InputError(f"{path}: refused: the file declares {type(e).__name__} (DTD or entities); "
                         "export the termbase without them") from None
    out: list[tuple[str, str]] = []
    for entry in root.iter():
        if _local(entry.tag) not in ("termEntry", "conceptEntry"):
            continue
        sides: dict[str, list[str]] = {"id": [], "en": []}
        for lang_set in entry:
            if _local(lang_set.tag) not in ("langSet", "langSec"):
                continue
            lang = _lang(lang_set)
            side = "id" if lang in LANG_ID else "en" if lang in LANG_EN else None
            if side is None:
                continue
            for t in lang_set.iter():
                if _local(t.tag) == "term":
                    text = " ".join("".join(t.itertext()).split())
                    if text and text not in sides[side]:
                        sides[side].append(text)
        out += [(s, e) for s in sides["id"] for e in sides["en"]]
    return out


def read_csv(data: bytes, path: str) -> list[tuple[str, str]]:
    """(Indonesian, English) pairs of a CSV with a header naming ``id`` and ``en`` columns; an ``en`` cell
    may hold several renderings separated by ``|``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start}); save the CSV as UTF-8") from None
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    if "id" not in header or "en" not in header:
        raise InputError(f"{path}:1: the CSV needs a header with 'id' and 'en' columns (found: "
                         f"{', '.join(header) or 'nothing'})")
    i_id, i_en = header.index("id"), header.index("en")
    out: list[tuple[str, str]] = []
    for line, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(i_id, i_en):
            raise InputError(f"{path}:{line}: {len(row)} column(s); the header has {len(header)}")
        src = " ".join(row[i_id].split())
        out += [(src, " ".join(e.split())) for e in row[i_en].split("|") if e.strip() and src]
    return out


def import_file(store: Store, path: str | Path, *, by: str | None = None) -> ImportResult:
    """Add the terms of a TBX or CSV file (by its suffix: ``.tbx``/``.xml`` or ``.csv``); rows already
    in the glossary are kept once. Nothing is written when the file has a problem (one line)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{p}: cannot read it ({e.strerror})") from None
    suffix = p.suffix.lower()
    if suffix in (".tbx", ".xml"):
        pairs = read_tbx(data, str(p))
    elif suffix == ".csv":
        pairs = read_csv(data, str(p))
    else:
        raise InputError(f"{p}: unknown glossary format {suffix or '(no suffix)'}; give a .tbx or a .csv file")
    if not pairs:
        raise InputError(f"{p}: no Indonesian-English term found (TBX: langSet/langSec xml:lang 'id' and 'en';"
                         " CSV: id,en rows)")
    cleaned = []
    for s, e in pairs:
        try:
            cleaned.append((_clean(s, "Indonesian term"), _clean(e, "English")))
        except InputError as err:
            raise InputError(f"{p}: term {s!r}: {err}") from None
    added, existing = _write(store, cleaned, f"import:{p.name}", by)
    return ImportResult(str(p), len(cleaned), added, existing)
