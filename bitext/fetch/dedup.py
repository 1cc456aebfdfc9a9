"""Duplicate articles: the same text (exact hash of the normalised main text) and near-duplicates
(republished, lightly edited stories: MinHash over word shingles, LSH with ``datasketch``).

The first article seen is kept; later copies are recorded as its duplicates (``fetch_log.duplicate_of``)
and never ingested, so they are not translated, aligned or published.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NUM_PERM = 128
"""MinHash permutations: the Jaccard estimate's standard error is about 1/sqrt(128) = 0.09."""
SCHEME = "affine32"
"""datasketch's hashing scheme, named so that MinHashes stored by one run compare with the next's."""


def normalise_text(text: str) -> str:
    """Case-folded NFKC words only (punctuation and spacing differences do not make a new text)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def text_hash(text: str) -> str:
    """sha256 of :func:`normalise_text`."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def shingles(text: str, size: int) -> set[bytes]:
    """The word ``size``-grams of the normalised text (the whole text when it is shorter)."""
    words = normalise_text(text).split()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


@dataclass
class Deduplicator:
    """Remembers kept articles; :meth:`check` says which one a new text duplicates.

    ``threshold`` is the estimated Jaccard similarity of word ``shingle``-grams at which a text is a
    near-duplicate; ``threshold`` >= 1 turns near-duplicate detection off (exact copies are still found).
    """

    threshold: float = 0.8
    shingle: int = 5
    _exact: dict[str, str] = field(default_factory=dict)
    _order: dict[str, int] = field(default_factory=dict)
    _lsh: Any = None

    def __post_init__(self) -> None:
        if self.threshold < 1:
            from datasketch import MinHashLSH

            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM)

    def minhash(self, text: str) -> Any:
        """The MinHash of ``text`` (None when near-duplicates are off)."""
        if self._lsh is None:
            return None
        from datasketch import MinHash

        m = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
        m.update_batch(list(shingles(text, self.shingle)))
        return m

    def check(self, digest: str, mh: Any) -> tuple[str, str] | None:
        """``('text', first_id)`` for an exact copy, ``('near', first_id)`` for a near-duplicate, else None."""
        if digest in self._exact:
            return "text", self._exact[digest]
        if mh is not None and self._lsh is not None:
            hits = self._lsh.query(mh)
            if hits:
                return "near", min(hits, key=lambda k: self._order.get(k, 0))
        return None

    def add(self, article_id: str, digest: str, mh: Any) -> None:
        """Remember a kept article (its exact hash and, when on, its MinHash)."""
        self._exact.setdefault(digest, article_id)
        if article_id in self._order:
            return
        self._order[article_id] = len(self._order)
        if mh is not None and self._lsh is not None:
            self._lsh.insert(article_id, mh)

    def restore(self, article_id: str, digest: str, blob: bytes | None) -> None:
        """Remember an article kept by an earlier run, from its stored hash and MinHash bytes."""
        mh = None
        if blob and self._lsh is not None:
            from datasketch import MinHash

            mh = MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=np.frombuffer(blob, dtype=np.uint64))
        self.add(article_id, digest, mh)


def minhash_bytes(mh: Any) -> bytes | None:
    """The MinHash as bytes for the fetch log (so a later run finds near-duplicates of earlier pages)."""
    return None if mh is None else np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()
