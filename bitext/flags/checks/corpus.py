"""Corpus-level checks: decided by the whole corpus, not by one pair's texts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bitext.flags.base import CheckOptions, CorpusCheck, Measurement, option
from bitext.lang.text import norm
from bitext.model import INFO


def duplicate_key(source: str, target: str) -> bytes:
    """Equal for pairs with the same source and target up to whitespace and case."""
    # A digest keeps memory flat on big corpora; equal normalised texts give equal keys.
    return hashlib.blake2b(f"{norm(source)}\0{norm(target)}".encode(), digest_size=16).digest()


class Duplicate(CorpusCheck):
    name = "duplicate"
    reason_names_threshold = False
    description = "same source and target seen earlier in the corpus"

    @dataclass(frozen=True)
    class Options(CheckOptions):
        severity: str = option(INFO)

    def measure_first(self, pair_id: str, first_id: str) -> Measurement:
        return Measurement(0.0 if first_id == pair_id else 1.0, {"first_seen": first_id})

    def reason(self, m: Measurement) -> str:
        if m.score:
            return f"same source and target as pair {m.evidence['first_seen']}, seen earlier in the corpus"
        return "first occurrence of this source and target"
