"""The small corpus the format and publishing tests share, built with :class:`tests.factories.CorpusBuilder`.

2 articles, 7 pairs (one of kind 'reference'), 2 checks on every pair, 4 review rows.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bitext.model import MetaKey
from bitext.store import Store
from tests.factories import CorpusBuilder

SIG = "opus-mt-id-en@abc123|ct2|beams=4"
NOW = "2025-01-01T00:00:00+00:00"

SCRIPT_SRC = 'Dia menulis <script>alert("x")</script> & "kutipan" di situs.'
SCRIPT_MT = 'He wrote <script>alert("x")</script> & "quotes" on the site.'
EDITED_EN = "He wrote <b>bold</b> & 'quotes' on the website."

# Paragraphs (lists of sentences) per article; sentence ids are 'article:para:sent'.
ARTICLES = {
    "a1": [["Halo dunia.", SCRIPT_SRC], ["Satu.", "Dua."]],
    "a2": [["Kucing tidur.", "Hujan turun."], ["baris satu\nbaris dua\tdengan tab"]],
}
# (pair id, article, kind, bead_idx, src sentence ids, source, target, bead_type, align_score)
PAIRS = [
    ("a1-0", "a1", "mt", 0, ["a1:0:0"], "Halo dunia.", "Hello world.", "1-1", 0.9),
    ("a1-1", "a1", "mt", 1, ["a1:0:1"], SCRIPT_SRC, SCRIPT_MT, "1-1", 0.8),
    ("a1-2", "a1", "mt", 2, ["a1:1:0", "a1:1:1"], "Satu. Dua.", "One and two.", "2-1", 0.5),
    ("a2-0", "a2", "mt", 0, ["a2:0:0"], "Kucing tidur.", "The dog barks loudly today.", "1-1", 0.2),
    ("a2-1", "a2", "mt", 1, ["a2:0:1"], "Hujan turun.", "Rain falls.", "1-1", 0.7),
    ("a2-2", "a2", "mt", 2, ["a2:1:0"], "baris satu\nbaris dua\tdengan tab", "", "1-0", None),
    ("a2-r0", "a2", "reference", 0, ["a2:0:0"], "Kucing tidur.", "The cat sleeps.", "1-1", 0.95),
]
# (sentence text) -> (logprob, n_tokens)
TRANSLATIONS = {
    "Halo dunia.": (-0.25, 4), SCRIPT_SRC: (-0.5, 20), "Satu.": (-0.2, 2), "Dua.": (-0.8, 6),
    "Kucing tidur.": (-1.5, 5), "Hujan turun.": (-0.1, 4),
}
# (pair, check, score, fired, severity)
FLAGS = [
    ("a1-0", "length_ratio", 1.0, 0, "warning"), ("a1-0", "lang_id", 0.99, 0, "error"),
    ("a1-1", "length_ratio", 2.5, 1, "warning"), ("a1-1", "lang_id", 0.97, 0, "error"),
    ("a1-2", "length_ratio", 1.1, 0, "warning"), ("a1-2", "lang_id", 0.6, 1, "info"),
    ("a2-0", "length_ratio", 0.4, 1, "warning"), ("a2-0", "lang_id", 0.1, 1, "error"),
    ("a2-1", "length_ratio", 3.0, 1, "warning"), ("a2-1", "lang_id", None, 0, "error"),
    # The checks ran on every pair (a pair without rows is not clean; see test_unchecked_pairs_are_not_clean).
    ("a2-2", "length_ratio", None, 0, "warning"), ("a2-r0", "length_ratio", None, 0, "warning"),
]
# (pair, reviewer, status, before, after, source)
REVIEWS = [
    ("a1-1", "ana", "accepted", SCRIPT_MT, SCRIPT_MT, SCRIPT_SRC),
    ("a1-1", "ana", "edited", SCRIPT_MT, EDITED_EN, SCRIPT_SRC),  # newest row wins
    ("a2-0", "budi", "rejected", "The dog barks loudly today.", "The dog barks loudly today.", "Kucing tidur."),
    ("a2-r0", "budi", "accepted", "The cat sleeps.", "The cat sleeps.", "Kucing tidur."),
]
# Meta translate.settings with the keys bitext.translate's Engine writes.
SETTINGS = {"model": "Helsinki-NLP/opus-mt-id-en", "revision": "abc123", "backend": "ctranslate2",
            "compute_type": "int8", "beams": 4}


def build_store(folder: Path, targets: dict[str, str] | None = None, unchecked: Collection[str] = ()) -> Store:
    """The sample corpus in ``folder``; ``targets`` replaces the English of some pairs, and the checks
    never ran on the pairs in ``unchecked`` (killed between align and flag)."""
    b = CorpusBuilder(folder, signature=SIG)
    for aid, paragraphs in ARTICLES.items():
        b.article(aid, paragraphs, segmenter="pysbd-0.3.4+rules-1", raw_text="raw")
    for text, (lp, n) in TRANSLATIONS.items():
        b.translation(text, "mt of " + text, logprob=lp, n_tokens=n)
    for pid, aid, kind, idx, src_ids, src, tgt, bead, score in PAIRS:
        tgt = (targets or {}).get(pid, tgt)
        b.pair(pid, src, tgt, article_id=aid, kind=kind, bead_idx=idx, src_ids=src_ids, tgt_idx=[0],
               mt=tgt if kind == "mt" else "MT " + src, bead_type=bead, align_score=score, signature=SIG,
               created_at=NOW)
    for pid, check, score, fired, severity in FLAGS:
        if pid in unchecked:
            continue
        b.flag(pid, check, fired=bool(fired), severity=severity, score=score, reason="r")
    for i, (pid, who, status, before, after, src) in enumerate(REVIEWS):
        b.review(pid, status, reviewer=who, at=f"2025-02-0{i + 1}T10:00:00+00:00", before=before, after=after,
                 source=src)
    store = b.store
    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, SETTINGS)
    store.set_meta(MetaKey.ALIGN_VERSION, "bead-1")
    store.set_meta(MetaKey.FLAGS_SIGNATURE, "flags-v1")
    return store
