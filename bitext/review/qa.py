"""QA on save and the post-editing aids of the pair page: the flag checks re-run on a reviewer's English,
a word diff of an edit against the MT, and which other pending pairs have the same Indonesian.

The checks come from :mod:`bitext.flags` (its public API: effective config, ``build_checks``,
``PairView``, ``check_pair``), so a reviewer's English is judged by the very rules the corpus is.
Checks of the MT model (confidence, truncation, unknown pieces) and of the alignment or the corpus say
nothing about a person's text, so they are not run on it.
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, replace

from bitext.lang.text import invisible_chars, show_invisible
from bitext.model import KIND_REFERENCE, PENDING, is_blocking
from bitext.review.state import text_hash
from bitext.store import Store

NOT_FOR_HUMAN_TEXT = frozenset({"low_confidence", "truncation", "unk_source", "bead_type", "low_alignment",
                                "bridge_mismatch", "duplicate"})
"""Checks of the MT model, the alignment or the corpus: not run on English a person wrote."""
PER_SIDE_CHECKS = frozenset({"mojibake", "control_chars"})
"""Checks that judge each side on its own: on save they are run on the English alone, so damage in the
Indonesian (which no edit of the English can fix) never blocks a save; the pair's flags still show it."""
MODEL_CHECKS = frozenset({"low_confidence", "truncation", "unk_source"})
"""Checks that judge the MT model's output; they do not apply to a human reference's English."""


@dataclass(frozen=True)
class QAFinding:
    """A check that fires on the reviewer's English."""

    name: str
    severity: str
    reason: str

    @property
    def blocking(self) -> bool:
        return is_blocking(self.severity)


_CHECKS: dict[str, tuple[str, list]] = {}  # store path -> (config text, built checks)
_CHECKS_LOCK = threading.Lock()


def qa_findings(store: Store, pair_id: str, english: str) -> list[QAFinding]:
    """The checks of the store's flag config that fire on ``english`` as the pair's English, worst first."""
    from bitext.flags import PairView, build_checks, check_pair, effective_config
    from bitext.flags.context import use_glossary
    from bitext.review.glossary import load as load_glossary

    row = store.conn.execute("SELECT id, source, mt, bead_type, align_score, kind FROM pairs WHERE id = ?",
                             (pair_id,)).fetchone()
    if row is None:
        return []
    eff = effective_config(store)
    key = str(store.path)
    if key not in _CHECKS or _CHECKS[key][0] != (eff.text or ""):
        with _CHECKS_LOCK:  # built once per process, not once per concurrent first save
            if key not in _CHECKS or _CHECKS[key][0] != (eff.text or ""):
                _CHECKS[key] = (eff.text or "", [c for c in build_checks(eff.config)
                                                 if c.name not in NOT_FOR_HUMAN_TEXT])
    view = PairView(id=row["id"], source=row["source"], target=english, mt=row["mt"], bead_type=row["bead_type"],
                    align_score=row["align_score"], logprob=None, n_tokens=None, n_unk=0, hit_max_length=False,
                    source_split=False, kind=row["kind"])
    checks = _CHECKS[key][1]
    use_glossary(load_glossary(store))  # the glossary check judges the typed English by the current termbase
    english_only = replace(view, source="")
    fired = [r for r in check_pair(view, checks=[c for c in checks if c.name not in PER_SIDE_CHECKS]) if r.fired]
    fired += [r for r in check_pair(english_only, checks=[c for c in checks if c.name in PER_SIDE_CHECKS]) if r.fired]
    rank = {"error": 0, "warning": 1}
    out = [QAFinding(r.check, r.severity, r.reason)
           for r in sorted(fired, key=lambda r: (rank.get(r.severity, 2), r.check))]
    return out


def confirm_marker(english: str) -> str:
    """What the QA page's second confirm carries: a hash of the English confirmed, so a text changed after
    confirming is checked again (``english`` already cleaned)."""
    return text_hash(english)[:16]


def text_label(kind: str) -> str:
    """What the English of a pair of this kind is: 'machine translation' or 'human reference'."""
    return "human reference" if kind == KIND_REFERENCE else "machine translation"


_WORD = re.compile(r"\s+|[^\s]+")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """(op, text) segments turning ``old`` into ``new`` word by word: op '=' kept, '-' removed, '+' added.
    Rendered escaped by the templates (``<del>``/``<ins>``)."""
    a, b = _WORD.findall(old or ""), _WORD.findall(new or "")
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(b[j1:j2])))
    return out


def visible_controls(text: str) -> str:
    """``text`` with bidi and other invisible control characters written out as ⟨U+202E⟩, so a
    reviewer sees what a plain rendering hides (and they cannot reverse the text around them)."""
    return show_invisible(text)


def has_controls(text: str | None) -> bool:
    """Whether ``text`` holds a bidi or other invisible control character."""
    return bool(invisible_chars(text or ""))


def same_source_pending(store: Store, pair_id: str, limit: int = 200) -> list[str]:
    """Other pending pairs of the same kind with exactly the same Indonesian (repetitions in the news),
    in queue order: the candidates for propagating an edit. Uses the index on ``pairs.source``."""
    row = store.conn.execute("SELECT source, kind FROM pairs WHERE id = ?", (pair_id,)).fetchone()
    if row is None or not row["source"]:
        return []
    return [r[0] for r in store.conn.execute(
        "SELECT p.id FROM pairs p JOIN review_pair_state s ON s.pair_id = p.id WHERE p.source = ? AND p.kind = ?"
        " AND p.id != ? AND s.status = ? ORDER BY s.article_id, s.bead_idx LIMIT ?",
        (row["source"], row["kind"], pair_id, PENDING, limit))]
