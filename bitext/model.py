"""The vocabulary every stage shares, with no I/O: severities and the one needs-review rule, review
statuses, bead types, the keys of the store's ``meta`` table, and :class:`Signature`.

It sits at the bottom of the import graph (it imports nothing from bitext), so the store, the flags,
the review rules, the exports and publishing all speak the same words and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

# -- severities -------------------------------------------------------------------------------

INFO, WARNING, ERROR = "info", "warning", "error"
SEVERITIES = (INFO, WARNING, ERROR)
"""Mildest first; a flag config names one of these per check."""
SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
"""Sort key: worst first (the review queue's order)."""
NO_FLAG_RANK = 3
"""Rank of a pair on which no flag fired (after every severity)."""
BLOCKING_SEVERITIES = (WARNING, ERROR)
"""A pair needs a human look when a check of one of these severities fired."""


class FindingLike(Protocol):
    """Anything with a fired flag and a severity (a flag result, a stored ``pair_flags`` row view)."""

    fired: bool
    severity: str


def is_blocking(severity: str | None) -> bool:
    """True for the severities that put a pair in the review queue (warning, error)."""
    return severity in BLOCKING_SEVERITIES


def needs_review(findings: Iterable[FindingLike]) -> bool:
    """The one rule: a check of a blocking severity (warning, error) fired."""
    return any(f.fired and is_blocking(f.severity) for f in findings)


def worst_severity(severities: Iterable[str]) -> str | None:
    """The worst of ``severities`` (error > warning > info), None when empty."""
    return min(severities, key=SEVERITY_RANK.__getitem__, default=None)


def severity_case(column: str = "severity") -> str:
    """SQL expression giving :data:`SEVERITY_RANK` of ``column`` (so SQL sorts as Python does)."""
    whens = " ".join(f"WHEN '{s}' THEN {r}" for s, r in SEVERITY_RANK.items() if r < SEVERITY_RANK[INFO])
    return f"CASE {column} {whens} ELSE {SEVERITY_RANK[INFO]} END"


# -- review statuses --------------------------------------------------------------------------

PENDING, ACCEPTED, EDITED, REJECTED = "pending", "accepted", "edited", "rejected"
STATUSES = (PENDING, ACCEPTED, EDITED, REJECTED)
"""Review statuses; a pair without review rows is pending."""
DECISIONS = (ACCEPTED, EDITED, REJECTED)
"""What a reviewer can decide (pending is the absence, or the undo, of a decision)."""
APPROVED = (ACCEPTED, EDITED)
"""Decisions whose English is the reviewer's text."""

# -- pairs ------------------------------------------------------------------------------------

KIND_MT, KIND_REFERENCE = "mt", "reference"
KINDS = (KIND_MT, KIND_REFERENCE)
"""``pairs.kind``: the Indonesian against the machine translation, or against a human reference."""
BEAD_TYPES = ("1-1", "2-1", "1-2", "2-2", "1-0", "0-1", "3-1", "1-3")
"""Alignment bead types, 'source sentences-target sentences'."""


# -- meta keys --------------------------------------------------------------------------------


class MetaKey:
    """Keys of the store's ``meta`` table, in one place (a typo is an AttributeError, not a new key)."""

    TRANSLATE_SIGNATURE = "translate.signature"  # signature of the current translations
    TRANSLATE_SETTINGS = "translate.settings"  # JSON: every setting of the engine that made them
    ALIGN_VERSION = "align.version"  # aligner version the pairs were made with
    FLAGS_SIGNATURE = "flags.signature"  # hash of the flag config + FLAGS_VERSION of the stored flags
    FLAGS_CONFIG = "flags.config"  # the user TOML in use (sticky), absent for the built-in defaults
    FLAGS_CONFIG_NAME = "flags.config_name"  # its file name, for messages
    LEXICON_SIGNATURE = "lexicon.signature"  # what the corpus lexicon was built from (bitext.lexicon)
    LEXICON_STATE = "lexicon.state"  # JSON: pairs counted, watermarks, pairs at the last full training
    LEXICON_SHARDS = "lexicon.shards"  # JSON: the lexicon store of a sharded corpus: per shard, rows gathered
    FLAGS_CHECKS = "flags.checks"  # JSON: per check its measure and decide signatures (bitext.flags.scores)
    FLAGS_MODEL = "flags.model"  # folder of the MT model the model_score check scores with (sticky, like the config)
    FLAGS_CALIBRATION = "flags.calibration"  # JSON: bounds of the checks calibrated on the corpus's own scores
    REVIEW_SECRET = "review.secret_key"  # the review app's session key; never published
    CORPUS_ID = "corpus.id"  # random hex made once; review exports carry it, import-review compares it
    GLOSSARY_SIGNATURE = "glossary.signature"  # hash of the glossary's terms (bitext.review.glossary)
    TRANSLATE_MODEL_PATH = "local.translate_model_path"  # full path of the translating model's folder; private

    PUBLIC_PREFIXES = ("translate.", "align.", "flags.")
    """Meta keys under these prefixes describe the corpus and may be published; the rest are private."""


# -- signatures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """A sacrebleu-style record of how something was made: ordered ``key:value`` fields joined by ``|``.

    Built from the settings themselves (``Signature.of(("model", ref), ("beams", 6))``), so the settings
    and their record cannot disagree; ``str()`` is the stored form and :meth:`parse` reads it back. A
    field with the key ``""`` is written as its bare value (``bitext-id-seg/1|norm/1|dateline:field``).
    A value may not contain ``|``: a nested signature is written with ``,`` between its fields.
    """

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, *fields: tuple[str, Any]) -> Signature:
        """A signature of ``(key, value)`` fields in this order; values are turned into text."""
        return cls(tuple((k, _value(v)) for k, v in fields))

    @classmethod
    def parse(cls, text: str) -> Signature:
        """The signature whose ``str()`` is ``text`` (fields without ``:`` get the key ``""``)."""
        out = []
        for part in text.split("|") if text else []:
            key, sep, value = part.partition(":")
            out.append((key, value) if sep and key.isidentifier() else ("", part))
        return cls(tuple(out))

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of the first field named ``key``."""
        return next((v for k, v in self.fields if k == key), default)

    def keys(self) -> list[str]:
        return [k for k, _ in self.fields if k]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.fields)

    def __str__(self) -> str:
        return "|".join(f"{k}:{v}" if k else v for k, v in self.fields)


def _value(v: Any) -> str:
    if isinstance(v, Signature):
        return str(v).replace("|", ",")
    if isinstance(v, float):
        return f"{v:g}"
    return str(v).replace("|", ",")
