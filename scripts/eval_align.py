#!/usr/bin/env python3
"""Evaluate bitext.align on FLORES-200 devtest documents with synthetic gold beads.

Protocol (fixed seed): every FLORES document (equal consecutive URLs in metadata_devtest.tsv) is a list
of gold 1-1 pairs. Walking through it, at each position an event starts with these probabilities:

* 2-1 (two Indonesian sentences, their English joined into one), 1-2 (the reverse),
  2-2 (three pairs become [id1+id2, id3] vs [en1, en2+en3]): MERGE_RATE in all, split evenly;
* 1-0 (the English sentence is deleted) and 0-1 (the Indonesian one is deleted): DELETE_RATE in all.

The bridge simulates a machine translation of each Indonesian sentence: its gold English, with each
word dropped with probability 0.1 and each adjacent pair of words swapped with probability 0.1.

Metrics: strict bead F1 (a predicted bead counts only if a gold bead has exactly the same source and
target sentences; 1-0 and 0-1 beads included), link F1 over (source, target) sentence links, and
recall of the gold 1-0 and 0-1 beads. Systems: bitext.align without and with the bridge, bitext.align
with anchors switched off (length only), and NLTK's Gale-Church (``align_blocks`` on the character
lengths of the whole document; its links are grouped into beads, unlinked sentences become 1-0/0-1)
with its default parameters and with bitext's calibrated ones.

Usage: python scripts/eval_align.py [--shared ../shared] [--seed 13] [--calibrate] [--quick] [--code /work/main]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

# --code DIR: evaluate another checkout's bitext (e.g. the baseline) with this protocol; systems it lacks are left out.
_CODE = next((sys.argv[k + 1] for k, a in enumerate(sys.argv[:-1]) if a == "--code"), None)
sys.path.insert(0, _CODE or str(Path(__file__).resolve().parents[1]))

from bitext.align import batch as _batch  # noqa: E402
from bitext.align import dp as A  # noqa: E402
from bitext.segment.en import split_english  # noqa: E402

fit_length_model = getattr(_batch, "fit_length_model", None)  # aligner 4 and later

MERGE_RATE = 0.10
DELETE_RATE = 0.05
DROP_RATE = 0.10
SWAP_RATE = 0.10

BeadT = tuple[tuple[int, ...], tuple[int, ...]]


class ThreeWay(list):
    """A document whose merges may also join three sentences (3-1, 1-3 beads, as many as each other kind)."""


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def load_documents(shared: Path) -> list[list[tuple[str, str]]]:
    """FLORES devtest as documents: lists of (id, en) gold pairs."""
    base = shared / "data" / "flores200-devtest"
    ids, ens = read_lines(base / "devtest.id"), read_lines(base / "devtest.en")
    urls = [line.split("\t")[0] for line in read_lines(base / "metadata_devtest.tsv")[1:]]
    docs: list[list[tuple[str, str]]] = []
    prev = None
    for url, s, t in zip(urls, ids, ens, strict=True):
        if url != prev:
            docs.append([])
            prev = url
        docs[-1].append((s, t))
    return docs


def perturb(text: str, rng: random.Random) -> str:
    words = [w for w in text.split() if rng.random() >= DROP_RATE] or text.split()[:1]
    for k in range(len(words) - 1):
        if rng.random() < SWAP_RATE:
            words[k], words[k + 1] = words[k + 1], words[k]
    return " ".join(words)


def corrupt(doc: Sequence[tuple[str, str]], rng: random.Random) -> tuple[list[str], list[str], list[str], list[BeadT]]:
    """(src, tgt, bridge, gold beads) of one document after merges and deletions."""
    src: list[str] = []
    tgt: list[str] = []
    bridge: list[str] = []
    gold: list[BeadT] = []
    k = 0

    def add(s: list[str], t: list[str], b: list[str]) -> None:
        gold.append((tuple(range(len(src), len(src) + len(s))), tuple(range(len(tgt), len(tgt) + len(t)))))
        src.extend(s)
        tgt.extend(t)
        bridge.extend(b)

    def clean(k: int) -> str:  # the English the bridge simulates a translation of (see noisy_lengths)
        return doc[k][2] if len(doc[k]) > 2 else doc[k][1]  # type: ignore[misc]

    while k < len(doc):
        r = rng.random()
        (s0, t0) = doc[k][:2]
        left = len(doc) - k
        if r < DELETE_RATE / 2:
            add([], [t0], [])
            k += 1
        elif r < DELETE_RATE:
            add([s0], [], [perturb(clean(k), rng)])
            k += 1
        elif r < DELETE_RATE + MERGE_RATE and left >= 2:
            kinds = ["2-1", "1-2", "2-2"] if left >= 3 else ["2-1", "1-2"]
            kind = rng.choice(kinds + (["3-1", "1-3"] if isinstance(doc, ThreeWay) and left >= 3 else []))
            (s1, t1) = doc[k + 1][:2]
            if kind == "2-1":
                add([s0, s1], [f"{t0} {t1}"], [perturb(clean(k), rng), perturb(clean(k + 1), rng)])
                k += 2
            elif kind == "1-2":
                add([f"{s0} {s1}"], [t0, t1], [perturb(f"{clean(k)} {clean(k + 1)}", rng)])
                k += 2
            elif kind in ("3-1", "1-3"):
                (s2, t2) = doc[k + 2][:2]
                if kind == "3-1":
                    add([s0, s1, s2], [f"{t0} {t1} {t2}"], [perturb(clean(k + x), rng) for x in range(3)])
                else:
                    add([f"{s0} {s1} {s2}"], [t0, t1, t2], [perturb(f"{clean(k)} {clean(k + 1)} {clean(k + 2)}", rng)])
                k += 3
            else:
                (s2, t2) = doc[k + 2][:2]
                add([f"{s0} {s1}", s2], [t0, f"{t1} {t2}"],
                    [perturb(f"{clean(k)} {clean(k + 1)}", rng), perturb(clean(k + 2), rng)])
                k += 3
        else:
            add([s0], [t0], [perturb(clean(k), rng)])
            k += 1
    return src, tgt, bridge, gold


def beads_from_links(links: Sequence[tuple[int, int]], n: int, m: int) -> list[BeadT]:
    """Group links into connected components; unlinked sentences become 1-0 / 0-1 beads."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for i, j in links:
        parent[find(("s", i))] = find(("t", j))
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for i in range(n):
        groups.setdefault(find(("s", i)), ([], []))[0].append(i)
    for j in range(m):
        groups.setdefault(find(("t", j)), ([], []))[1].append(j)
    return [(tuple(s), tuple(t)) for s, t in groups.values()]


def nltk_system(mean: float, variance: float) -> Callable[[list[str], list[str], list[str]], list[BeadT]]:
    from nltk.translate import gale_church as gc

    class Params(gc.LanguageIndependent):
        AVERAGE_CHARACTERS = mean
        VARIANCE_CHARACTERS = variance

    def run(src: list[str], tgt: list[str], bridge: list[str]) -> list[BeadT]:
        if not src or not tgt:
            return [((i,), ()) for i in range(len(src))] + [((), (j,)) for j in range(len(tgt))]
        links = gc.align_blocks([len(s) for s in src], [len(t) for t in tgt], Params)
        return beads_from_links(links, len(src), len(tgt))

    return run


def bitext_system(use_bridge: bool) -> Callable[[list[str], list[str], list[str]], list[BeadT]]:
    def run(src: list[str], tgt: list[str], bridge: list[str]) -> list[BeadT]:
        return [(b.src, b.tgt) for b in A.align(src, tgt, bridge if use_bridge else None)]

    return run


class CalibratedSystem:
    """bitext.align with the length model of the documents being aligned (:func:`bitext.align.batch.fit_length_model`:
    a first pass, then the confident beads' lengths, shrunk towards the prior): :func:`score` calls
    :meth:`fit` with every case of a part first, as the align stage fits on the articles it aligns. No gold
    bead is used."""

    def __init__(self, use_bridge: bool) -> None:
        self.use_bridge = use_bridge
        self.length = A.PRIOR

    def fit(self, cases: Sequence[tuple[list[str], list[str], list[str], list[BeadT]]]) -> None:
        self.length = fit_length_model([(s, t, None) for s, t, _, _ in cases])

    def __call__(self, src: list[str], tgt: list[str], bridge: list[str]) -> list[BeadT]:
        return [(b.src, b.tgt) for b in A.align(src, tgt, bridge if self.use_bridge else None, length=self.length)]


class Ibm1Lexicon:
    """A word translation table (IBM model 1, a few EM iterations) learned from gold pairs of the
    calibration part only: a stand-in for the corpus lexicon (bitext.lexicon, learned from a corpus's own
    Indonesian and MT pairs) with the :class:`bitext.align.dp.WordTranslations` interface."""

    def __init__(self, pairs: Sequence[tuple[str, str]], iterations: int = 5) -> None:
        import re
        from collections import defaultdict

        word = re.compile(r"\w+")
        data = [(word.findall(s.lower()), word.findall(t.lower())) for s, t in pairs]
        t_prob: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)
        for _ in range(iterations):
            count: dict[tuple[str, str], float] = defaultdict(float)
            total: dict[str, float] = defaultdict(float)
            for src, tgt in data:
                for e in tgt:
                    norm = sum(t_prob[(f, e)] for f in src) or 1.0
                    for f in src:
                        c = t_prob[(f, e)] / norm
                        count[(f, e)] += c
                        total[f] += c
            t_prob = defaultdict(float, {(f, e): c / total[f] for (f, e), c in count.items()})
        self.table: dict[str, dict[str, float]] = defaultdict(dict)
        for (f, e), p in t_prob.items():
            self.table[f][e] = p

    def translations(self, word: str, direction: str = "id-en", top: int = 10) -> dict[str, float]:
        got = self.table.get(word, {})
        return dict(sorted(got.items(), key=lambda kv: (-kv[1], kv[0]))[:top])


class LexiconSystem:
    """bitext.align without a bridge, with a lexicon's glosses as the bridge (hunalign's second pass)."""

    def __init__(self, lexicon: Ibm1Lexicon) -> None:
        self.lexicon = lexicon

    def __call__(self, src: list[str], tgt: list[str], bridge: list[str]) -> list[BeadT]:
        return [(b.src, b.tgt) for b in A.align(src, tgt, lexicon=self.lexicon)]


def length_only_system(src: list[str], tgt: list[str], bridge: list[str]) -> list[BeadT]:
    saved = A.W_STRONG, A.W_WEAK, A.W_COGNATE
    A.W_STRONG = A.W_WEAK = A.W_COGNATE = 0.0
    try:
        return [(b.src, b.tgt) for b in A.align(src, tgt)]
    finally:
        A.W_STRONG, A.W_WEAK, A.W_COGNATE = saved


def f1(pred: set, gold: set) -> float:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def score(cases: list[tuple[list[str], list[str], list[str], list[BeadT]]], system: Callable) -> dict[str, float]:
    pred_beads: set = set()
    gold_beads: set = set()
    pred_links: set = set()
    gold_links: set = set()
    spurious_22 = 0  # 2-2 beads not in the gold alignment (counted here: the cases are aligned once)
    t0 = time.perf_counter()
    if hasattr(system, "fit"):
        system.fit(cases)  # unsupervised: the first pass over the documents being aligned
    for d, (src, tgt, bridge, gold) in enumerate(cases):
        pred = system(src, tgt, bridge)
        spurious_22 += sum(1 for b in pred if _kind(b) == "2-2" and b not in set(gold))
        pred_beads |= {(d, b) for b in pred}
        gold_beads |= {(d, b) for b in gold}
        pred_links |= {(d, i, j) for s, t in pred for i in s for j in t}
        gold_links |= {(d, i, j) for s, t in gold for i in s for j in t}
    seconds = time.perf_counter() - t0
    dels = {kind: {b for b in gold_beads if _kind(b[1]) == kind} for kind in ("1-0", "0-1")}
    return {
        "bead_f1": f1(pred_beads, gold_beads),
        "link_f1": f1(pred_links, gold_links),
        "r10": len(dels["1-0"] & pred_beads) / max(len(dels["1-0"]), 1),
        "r01": len(dels["0-1"] & pred_beads) / max(len(dels["0-1"]), 1),
        "seconds": seconds,
        "22": spurious_22,
    }


def _kind(bead: BeadT) -> str:
    return f"{len(bead[0])}-{len(bead[1])}"


TATOEBA_DOC = 8


def load_tatoeba(shared: Path, size: int) -> list[list[tuple[str, str]]]:
    """Tatoeba test pairs cut into pseudo-documents of ``size`` consecutive lines ([] if absent)."""
    base = shared / "data" / "tatoeba-id-en"
    if not (base / "test.id").exists():
        return []
    pairs = list(zip(read_lines(base / "test.id"), read_lines(base / "test.en"), strict=True))
    return [pairs[k : k + size] for k in range(0, len(pairs), size)]


NOISE_SPAN = (0.08, 0.28)
"""Share of a sentence's words a clause drop or duplication covers (noisy_lengths)."""


def noisy_lengths(docs: list[list[tuple[str, str]]], seed: int) -> list[list[tuple[str, str, str]]]:
    """The documents with free-translation length noise on the English: per sentence, a third keep their
    length, a third lose a clause-sized span of words, a third repeat one (NOISE_SPAN of the words). The
    issue says ordinary translations vary 2.5-3x more in length than FLORES/Tatoeba; the factor this gives
    is measured and printed (:func:`length_variance`). Entries are ``(id, noisy en, clean en)``: the bridge
    simulates a translation of the clean English."""
    rng = random.Random(seed)
    out = []
    for doc in docs:
        new = []
        for s_, t in doc:
            words = t.split()
            op = rng.randrange(3)
            span = max(1, round(len(words) * rng.uniform(*NOISE_SPAN)))
            at = rng.randrange(max(1, len(words) - span + 1))
            if op == 1 and len(words) > span:
                words = words[:at] + words[at + span :]
            elif op == 2:
                words = words[: at + span] + words[at : at + span] + words[at + span :]
            new.append((s_, " ".join(words), t))
        out.append(new)
    return out


def length_variance(docs: Sequence[Sequence[tuple[str, ...]]]) -> float:
    """The maximum-likelihood Gale-Church s2 of the gold pairs (as --calibrate computes it)."""
    s = np.array([len(p[0]) for d in docs for p in d], float)
    t = np.array([len(p[1]) for d in docs for p in d], float)
    c = t.sum() / s.sum()
    return float(((t - c * s) ** 2).sum() / s.sum())


def collision_table(docs: list[list[tuple[str, ...]]]) -> None:
    """Shared features of unrelated sentence spans (another pair's, same document) as the DP counts them
    (hashed bit sets: popcount of AND) against the exact count of shared features, per feature kind."""
    from bitext.align.features import _LAYOUT, Vocab, _counts, _Side, feature_bits

    class Hashed(Vocab):  # aligner 3's bits: crc32 of the feature modulo the slot's size
        def bits(self, slot: int, feats: Iterable[str]) -> list[int]:
            return feature_bits(slot, feats)

    exact = np.zeros(len(_LAYOUT))
    counted = {"hashed (align-3)": np.zeros(len(_LAYOUT)), "numbered per document (align-4)": np.zeros(len(_LAYOUT))}
    spans = 0
    for doc in docs:
        src, tgt = [p[0] for p in doc], [p[1] for p in doc]
        if len(doc) < 4:
            continue
        ft, fs = _Side(tgt, "en", tgt), _Side(src, "id", tgt)
        ht, hs = _Side(tgt, "en", tgt), _Side(src, "id", tgt)
        vocab = Vocab.of(ft.feats + fs.feats)
        ft.set_bits(vocab)
        fs.set_bits(vocab)
        ht.set_bits(Hashed())
        hs.set_bits(Hashed())
        sides = {"hashed (align-3)": (hs, ht), "numbered per document (align-4)": (fs, ft)}
        sets_s = [_kinds(t, "id", b) for t, b in zip(src, tgt, strict=True)]
        sets_t = [_kinds(t, "en", t) for t in tgt]
        for d in (1, 2):
            for i in range(d, len(doc) + 1):
                for j in range(d, len(doc) + 1):
                    if abs(i - j) < 2 * d:  # overlapping or adjacent spans may really share
                        continue
                    for name, (a, b) in sides.items():
                        counted[name] += _counts(a.bits[d][i] & b.bits[d][j])
                    exact += [len(set().union(*(sets_s[k][x] for k in range(i - d, i)))
                                  & set().union(*(sets_t[k][x] for k in range(j - d, j)))) for x in range(len(_LAYOUT))]
                    spans += 1
    names = [name for name, _ in _LAYOUT]
    print(f"\nshared features of {spans} unrelated span pairs of FLORES (1 and 2 sentences), per pair: exact / as counted")
    for label, c in counted.items():
        print(f"  {label:32s} " + "; ".join(f"{n} {e / spans:.3f} / {h / spans:.3f}"
                                            for n, e, h in zip(names, exact, c, strict=True)))


def _kinds(text: str, lang: str, bridge: str) -> list[set[str]]:
    from bitext.align.features import anchors, cognates, content_words

    strong, weak = anchors(text, lang)
    return [strong, weak, cognates(text), content_words(bridge)]


def table(cases: list, systems: list[tuple[str, Callable]]) -> None:
    print()
    print(f"{'system':44s} {'bead F1':>8s} {'link F1':>8s} {'1-0 rec':>8s} {'0-1 rec':>8s} {'time s':>7s}")
    for name, system in systems:
        r = score(cases, system)
        print(
            f"{name:44s} {r['bead_f1']:8.3f} {r['link_f1']:8.3f} {r['r10']:8.3f} {r['r01']:8.3f} "
            f"{r['seconds']:7.2f}"
        )


def calibrate(shared: Path) -> None:
    """Print the id->en character length model constants hard-coded in bitext/align/dp.py."""
    pairs = [
        ("flores200-devtest/devtest.id", "flores200-devtest/devtest.en"),
        ("tatoeba-id-en/test.id", "tatoeba-id-en/test.en"),
    ]
    ls: list[int] = []
    lt: list[int] = []
    for a, b in pairs:
        ls += [len(x) for x in read_lines(shared / "data" / a)]
        lt += [len(x) for x in read_lines(shared / "data" / b)]
    s, t = np.array(ls, float), np.array(lt, float)
    c = t.sum() / s.sum()
    s2 = ((t - c * s) ** 2).sum() / s.sum()
    print(f"calibration on {len(s)} pairs: LEN_RATIO = {c:.4f}  LEN_VARIANCE = {s2:.3f}")


def timing(docs: list[list[tuple[str, str]]], n: int, seed: int) -> None:
    """Align one synthetic document of about n sentences (FLORES documents concatenated, corrupted)."""
    flat = [p for doc in docs for p in doc]
    while len(flat) < n:
        flat = flat + flat
    src, tgt, bridge, gold = corrupt(flat[:n], random.Random(seed))
    for label, br in (("no bridge", None), ("bridge", bridge)):
        t0 = time.perf_counter()
        beads = A.align(src, tgt, br)
        dt = time.perf_counter() - t0
        acc = f1({(b.src, b.tgt) for b in beads}, set(gold))
        print(f"  {len(src)} x {len(tgt)} sentences, {label:9s}: {dt:.3f} s  (strict bead F1 {acc:.3f})")


def eval_splitter(docs: list[list[tuple[str, str]]]) -> None:
    """English splitter sanity check: FLORES English lines of a document joined with spaces, re-split."""
    boundaries = found = spans = 0
    for doc in docs:
        text = ""
        gold: set[int] = set()
        for _, en in doc:
            if text:
                text += " "
                gold.add(len(text))
            text += en
        starts = {a for a, _ in split_english(text)}
        spans += len(starts)
        boundaries += len(gold)
        found += len(gold & starts)
    print(
        f"split_english on FLORES English documents: {found}/{boundaries} line boundaries found "
        f"({found / boundaries:.3f}); {spans} sentences for {sum(len(d) for d in docs)} lines"
    )
    text = " ".join(en for doc in docs for _, en in doc)
    t0 = time.perf_counter()
    split_english(text)
    ours = time.perf_counter() - t0
    try:
        import blingfire
    except ImportError:
        print(f"split_english speed: {len(text)} characters in {ours:.3f} s")
        return
    t0 = time.perf_counter()
    blingfire.text_to_sentences_and_offsets(text)
    theirs = time.perf_counter() - t0
    print(
        f"split_english speed: {len(text)} characters in {ours:.3f} s; blingfire {theirs:.3f} s "
        f"(ratio {ours / theirs:.2f})"
    )


def split_parts(docs: list[list[tuple[str, str]]]) -> tuple[list, list]:
    """(calibration, evaluation): the even and the odd FLORES documents."""
    return docs[0::2], docs[1::2]


def seed_table(parts: dict[str, list], seeds: Sequence[int], systems: list[tuple[str, Callable]]) -> None:
    """Strict bead F1 and deletion recall per part, mean and min over seeds."""
    print(f"\nover seeds {', '.join(map(str, seeds))} (mean / min):")
    print(f"{'part':34s} {'system':24s} {'bead F1':>13s} {'1-0 rec':>13s} {'0-1 rec':>13s} {'spurious 2-2':>14s}")
    for part, docs in parts.items():
        for name, system in systems:
            rows = []
            for seed in seeds:
                rng = random.Random(seed)
                cases = [corrupt(doc, rng) for doc in docs]
                rows.append(score(cases, system))  # its "22": the spurious 2-2 beads, from the same run

            def mm(k: str, rows: list[dict] = rows) -> str:
                v = [r[k] for r in rows]
                return f"{sum(v) / len(v):.3f} / {min(v):.3f}"

            sp = str(sum(r["22"] for r in rows))
            print(f"{part:34s} {name:24s} {mm('bead_f1'):>13s} {mm('r10'):>13s} {mm('r01'):>13s} {sp:>14s}")


def offset_cases(docs: list, tatoeba: list, n: int, side: str, seed: int) -> tuple[list, list, list, list]:
    """A document of ``n`` pairs (FLORES from its 101st pair, then Tatoeba) whose ``side`` has 100 extra
    sentences at the start: the first 100 FLORES sentences, of the document's own kind but not in it."""
    flores = [p for d in docs for p in d]
    flat = flores[100:] + [p for d in tatoeba for p in d]
    body, extra = flat[:n], flores[:100]
    rng = random.Random(seed)
    src, tgt, bridge, gold = corrupt(body, rng)
    if side == "en":
        gold = [((), (j,)) for j in range(100)] + [(s, tuple(j + 100 for j in t)) for s, t in gold]
        tgt = [e for _, e in extra] + tgt
    else:
        gold = [((i,), ()) for i in range(100)] + [(tuple(i + 100 for i in s), t) for s, t in gold]
        src = [x for x, _ in extra] + src
        bridge = [perturb(e, rng) for _, e in extra] + bridge
    return src, tgt, bridge, gold


def offset_table(docs: list, tatoeba: list, seed: int) -> None:
    print("\n100 extra sentences at the start of one side (strict bead F1, article confidence, doubtful):")
    for n in (1000, 2000):
        for side in ("en", "id"):
            src, tgt, bridge, gold = offset_cases(docs, tatoeba, n, side, seed)
            out = []
            for label, br in (("no bridge", None), ("bridge", bridge)):
                al = A.align_document(src, tgt, br)
                acc = f1({(b.src, b.tgt) for b in al.beads}, set(gold))
                out.append(f"{label} F1 {acc:.3f} conf {al.confidence:.2f}{' DOUBTFUL' if al.doubtful else ''}")
            print(f"  {n} pairs, +100 {side}: " + "; ".join(out) + "   (target F1 >= 0.9)")


def bad_bridge_table(parts: dict[str, list], seed: int) -> None:
    """A bridge that is empty or belongs to another document must not make the alignment worse."""
    print("\nbridge reliability: strict bead F1 (bridge weight, mean over documents)")
    for part, docs in parts.items():
        rng = random.Random(seed)
        cases = [corrupt(doc, rng) for doc in docs]
        kinds: dict[str, list] = {"none": [], "good": [], "empty": [], "other document": []}
        for k, (src, tgt, bridge, gold) in enumerate(cases):
            other = cases[(k + 7) % len(cases)][2]
            kinds["none"].append((src, tgt, None, gold))
            kinds["good"].append((src, tgt, bridge, gold))
            kinds["empty"].append((src, tgt, [""] * len(src), gold))
            kinds["other document"].append((src, tgt, [other[x % len(other)] for x in range(len(src))], gold))
        cells = []
        for kind, cs in kinds.items():
            pred, goldset, weights = set(), set(), []
            for d, (src, tgt, br, gold) in enumerate(cs):
                al = A.align_document(src, tgt, br)
                pred |= {(d, b.src, b.tgt) for b in al.beads}
                goldset |= {(d, *b) for b in gold}
                weights.append(al.bridge_weight)
            cells.append(f"{kind} {f1(pred, goldset):.3f} (w {sum(weights) / len(weights):.2f})")
        print(f"  {part:32s} " + "; ".join(cells))


def confidence_table(parts: dict[str, list], seed: int) -> None:
    """Article confidence of correct alignments and of a wrong reference (another group's English)."""
    print(f"\narticle confidence, documents of 10 FLORES documents (doubtful = conf < {A.DOUBTFUL_BELOW} "
          f"and >= {A.DOUBTFUL_MIN_SENTENCES} sentences a side):")
    for part, docs in parts.items():
        groups = [sum(docs[k : k + 10], []) for k in range(0, len(docs), 10)]
        rng = random.Random(seed)
        cases = [corrupt(g, rng) for g in groups]
        good = [A.align_document(s, t) for s, t, _, _ in cases]
        bad = [A.align_document(s, cases[(k + 1) % len(cases)][1]) for k, (s, _, _, _) in enumerate(cases)]
        print(f"  {part:32s} correct: min conf {min(a.confidence for a in good):.2f}, doubtful "
              f"{sum(a.doubtful for a in good)}/{len(good)}; wrong reference: max conf "
              f"{max(a.confidence for a in bad):.2f}, doubtful {sum(a.doubtful for a in bad)}/{len(bad)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2, 3, 4, 5],
                    help="comma-separated seeds of the mean/min table")
    ap.add_argument("--calibrate", action="store_true", help="only print the length model constants")
    ap.add_argument("--timing-sentences", type=int, default=2000)
    ap.add_argument("--code", type=Path, help="evaluate the bitext of this checkout instead (read before the imports)")
    ap.add_argument("--quick", action="store_true", help="only the per-part tables (no offset, bridge, timing)")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "flores200-devtest").is_dir():
        print(f"eval_align: {args.shared}/data/flores200-devtest not found", file=sys.stderr)
        return 2
    if args.calibrate:
        calibrate(args.shared)
        return 0
    docs = load_documents(args.shared)
    calib, held = split_parts(docs)
    tatoeba = load_tatoeba(args.shared, TATOEBA_DOC)
    systems: list[tuple[str, Callable]] = [
        ("nltk gale_church (default params)", nltk_system(1.0, 6.8)),
        (f"nltk gale_church (c={A.LEN_RATIO}, s2={A.LEN_VARIANCE})", nltk_system(A.LEN_RATIO, A.LEN_VARIANCE)),
        ("bitext.align, length only", length_only_system),
        ("bitext.align, no bridge", bitext_system(False)),
        ("bitext.align, bridge", bitext_system(True)),
    ]
    if fit_length_model is not None:
        systems += [("bitext.align, fitted length, no bridge", CalibratedSystem(False)),
                    ("bitext.align, fitted length, bridge", CalibratedSystem(True))]
    if hasattr(A, "gloss"):
        lexicon = Ibm1Lexicon([(p[0], p[1]) for d in calib for p in d])
        systems.append(("bitext.align, IBM-1 lexicon of calib.", LexiconSystem(lexicon)))
    print(
        f"FLORES-200 devtest: {len(docs)} documents, {sum(len(d) for d in docs)} gold pairs; calibration part = "
        f"the even documents ({len(calib)}), evaluation part = the odd ones ({len(held)}) and Tatoeba; "
        f"merge rate {MERGE_RATE:.0%} (2-1/1-2/2-2 evenly), delete rate {DELETE_RATE:.0%} (1-0/0-1 evenly); "
        f"bridge = gold English with {DROP_RATE:.0%} word drops and {SWAP_RATE:.0%} adjacent swaps"
    )
    parts = {"calibration: FLORES even docs": calib, "evaluation: FLORES odd docs": held}
    if tatoeba:
        parts[f"evaluation: Tatoeba ({TATOEBA_DOC}-line docs)"] = tatoeba
    noisy_calib, noisy_held = noisy_lengths(calib, args.seed), noisy_lengths(held, args.seed + 1)
    parts["calibration: FLORES even, noisy length"] = noisy_calib
    parts["evaluation: FLORES odd, noisy length"] = noisy_held
    parts["calibration: FLORES even, 3-way merges"] = [ThreeWay(d) for d in calib]
    parts["evaluation: FLORES odd, 3-way merges"] = [ThreeWay(d) for d in held]
    print(f"noisy length: Gale-Church s2 of the gold pairs {length_variance(held):.2f} -> "
          f"{length_variance(noisy_held):.2f} (x{length_variance(noisy_held) / length_variance(held):.2f}) on the "
          f"evaluation part, {length_variance(calib):.2f} -> {length_variance(noisy_calib):.2f} on the calibration part")
    for part, part_docs in parts.items():
        rng = random.Random(args.seed)
        cases = [corrupt(doc, rng) for doc in part_docs]
        gold_types: dict[str, int] = {}
        for *_, gold in cases:
            for b in gold:
                gold_types[_kind(b)] = gold_types.get(_kind(b), 0) + 1
        print(f"\n{part}, seed {args.seed}; gold beads: " + ", ".join(f"{k} {v}" for k, v in sorted(gold_types.items())))
        table(cases, systems)
    print("\ntargets: strict bead F1 >= 0.97 without bridge; 1-0/0-1 recall >= 0.85 without bridge; no spurious 2-2")
    if hasattr(A, "Vocab"):
        collision_table(docs)
    seed_table(parts, args.seeds, systems[3:])
    if args.quick:
        return 0
    offset_table(docs, tatoeba, args.seed)
    bad_bridge_table(parts, args.seed)
    confidence_table({k: v for k, v in parts.items() if "FLORES" in k}, args.seed)
    print(f"\ntiming, one synthetic document (seed {args.seed}):")
    timing(docs, args.timing_sentences, args.seed)
    print()
    eval_splitter(docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
