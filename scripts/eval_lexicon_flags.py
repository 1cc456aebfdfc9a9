"""How well do the lexicon checks (adequacy, missing_names) separate clean pairs from wrong ones, with a
corpus lexicon learned from the calibration part only?

Data (../shared): FLORES-200 devtest, split by document (calibration = the first half of the documents,
evaluation = the second half), and Tatoeba id-en (calibration = the first half of the lines, evaluation =
the second). A lexicon is built (eflomal, ``bitext.lexicon.build_lexicon``) in a temporary store from the
calibration pairs only, written as translations and as reference pairs, as a corpus would hold them; the
evaluation pairs are never seen by it. Each part is reported apart: clean pairs (false alarms) and three
corruptions of each pair (recall): the English of the neighbouring sentence (same document / next line),
the English of a random other pair of the same part, the English with a half dropped.

Before = no lexicon (adequacy does not apply; missing_names as in FLAGS_VERSION 4); after = with it.
``all checks`` = any warning/error check fired (the reviewer's queue), with the default config.

    python scripts/eval_lexicon_flags.py               # the table
    python scripts/eval_lexicon_flags.py --calibrate   # what each adequacy threshold fires on (calibration part)
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bitext import flags as F  # noqa: E402
from bitext.flags.context import use_lexicon  # noqa: E402
from bitext.lexicon import build_lexicon, load_lexicon  # noqa: E402
from bitext.model import needs_review  # noqa: E402
from bitext.store import Store  # noqa: E402
from bitext.testing import write_sentence_pairs  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SEED = 19
Pair = tuple[str, str, str]  # (document id, Indonesian, English)


def load() -> dict[str, list[Pair]]:
    """Parts 'flores-cal', 'flores-eval', 'tatoeba-cal', 'tatoeba-eval', each in text order."""
    base = SHARED / "flores200-devtest"
    urls = [ln.split("\t")[0] for ln in (base / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    ids = (base / "devtest.id").read_text(encoding="utf-8").splitlines()
    ens = (base / "devtest.en").read_text(encoding="utf-8").splitlines()
    docs = list(dict.fromkeys(urls))
    first = set(docs[: len(docs) // 2])
    parts: dict[str, list[Pair]] = {"flores-cal": [], "flores-eval": [], "tatoeba-cal": [], "tatoeba-eval": []}
    for url, s, t in zip(urls, ids, ens, strict=True):
        parts["flores-cal" if url in first else "flores-eval"].append((url, s.strip(), t.strip()))
    tid = (SHARED / "tatoeba-id-en" / "test.id").read_text(encoding="utf-8").splitlines()
    ten = (SHARED / "tatoeba-id-en" / "test.en").read_text(encoding="utf-8").splitlines()
    half = len(tid) // 2
    for k, (s, t) in enumerate(zip(tid, ten, strict=True)):
        if s.strip() and t.strip():
            parts["tatoeba-cal" if k < half else "tatoeba-eval"].append(("tatoeba", s.strip(), t.strip()))
    return parts


def neighbour(rng: random.Random, i: int, data: list[Pair]) -> str | None:
    for j in (i + 1, i - 1):
        if 0 <= j < len(data) and data[j][0] == data[i][0] and data[j][2] != data[i][2]:
            return data[j][2]
    return None


def other(rng: random.Random, i: int, data: list[Pair]) -> str | None:
    while True:
        j = rng.randrange(len(data))
        if data[j][2] != data[i][2] and data[j][0] != data[i][0] or (data[i][0] == "tatoeba" and j != i
                                                                     and data[j][2] != data[i][2]):
            return data[j][2]


def half_dropped(rng: random.Random, i: int, data: list[Pair]) -> str | None:
    words = data[i][2].split()
    if len(words) < 4:
        return None
    keep = len(words) - len(words) // 2
    text = " ".join(words[:keep] if rng.random() < 0.5 else words[-keep:])
    end = re.search(r"[.!?\"”']+$", words[-1])
    if end and not text.endswith(end.group(0)):
        text = text.rstrip(".,;:!?\"”'") + end.group(0)
    return text


CORRUPTIONS = {"neighbour": neighbour, "other pair": other, "half dropped": half_dropped}


def view(i: int, source: str, target: str) -> F.PairView:
    return F.PairView(id=str(i), source=source, target=target, mt=None, bead_type="1-1", align_score=None,
                      logprob=None, n_tokens=None, n_unk=0, hit_max_length=False, source_split=False,
                      kind="reference")


def lexicon_from(pairs: list[Pair]):
    """The corpus lexicon of a temporary store holding ``pairs`` as translations and reference pairs."""
    with tempfile.TemporaryDirectory(prefix="bitext-eval-lexicon-") as tmp, Store.open(tmp) as store:
        write_sentence_pairs(store, [(s, t) for _, s, t in pairs], references=True)
        started = time.monotonic()
        report = build_lexicon(store, quiet=True)
        print(f"lexicon from {len(pairs)} calibration pairs: {report.words_id} id / {report.words_en} en words, "
              f"{report.abbreviations} abbreviations, {report.seconds:.1f} s ({time.monotonic() - started:.1f} s)")
        return load_lexicon(store)


def rates(data: list[Pair], checks: list[F.Check]) -> dict[str, dict[str, tuple[int, int]]]:
    """condition -> check name (and 'all checks') -> (fired, pairs)."""
    rng = random.Random(SEED)
    out: dict[str, dict[str, tuple[int, int]]] = {}
    names = ["adequacy", "missing_names"]
    for cond in ("clean", *CORRUPTIONS):
        counts = {n: [0, 0] for n in [*names, "all checks"]}
        for i, (_, src, tgt) in enumerate(data):
            target = tgt if cond == "clean" else CORRUPTIONS[cond](rng, i, data)
            if target is None:
                continue
            results = [r for r in (c.run(view(i, src, target)) for c in checks) if r is not None]
            fired = {r.check for r in results if r.fired}
            for n in names:
                counts[n][0] += n in fired
                counts[n][1] += 1
            counts["all checks"][0] += needs_review(results)
            counts["all checks"][1] += 1
        out[cond] = {n: (a, b) for n, (a, b) in counts.items()}
    return out


def table(parts: dict[str, list[Pair]], lexicon) -> None:
    checks = F.build_checks()
    print(f"\n{'part':13} {'condition':13} {'check':14} {'before':>8} {'after':>8}   (fired / pairs; before = no lexicon)")
    for name, data in parts.items():
        use_lexicon(None)
        before = rates(data, checks)
        use_lexicon(lexicon)
        after = rates(data, checks)
        for cond in before:
            for check in before[cond]:
                b, a = before[cond][check], after[cond][check]
                print(f"{name:13} {cond:13} {check:14} {100 * b[0] / max(1, b[1]):7.1f}% {100 * a[0] / max(1, a[1]):7.1f}%"
                      f"   n={a[1]}")
    use_lexicon(None)


def _fold(data: list[Pair], k: int) -> list[Pair]:
    """Half ``k`` (0 or 1) of a part: alternate documents (FLORES) or alternate lines (Tatoeba)."""
    docs = list(dict.fromkeys(d for d, _, _ in data))
    if len(docs) > 1:
        keep = set(docs[k::2])
        return [p for p in data if p[0] in keep]
    return data[k::2]


def _scores(data: list[Pair], check: F.Check) -> dict[str, list[float]]:
    """condition -> adequacy scores of the pairs it applies to."""
    rng = random.Random(SEED)
    out: dict[str, list[float]] = {}
    for cond in ("clean", *CORRUPTIONS):
        got = []
        for i, (_, src, tgt) in enumerate(data):
            target = tgt if cond == "clean" else CORRUPTIONS[cond](rng, i, data)
            m = None if target is None else check.measure(view(i, src, target))
            if m is not None:
                got.append(m.score)
        out[cond] = got
    return out


def calibrate(parts: dict[str, list[Pair]]) -> None:
    """Cross-fitted on the calibration part only: a lexicon from one half scores the other half, both ways,
    so the scores are out-of-sample as the evaluation part's are. Prints what each threshold would fire on."""
    check = F.CHECKS["adequacy"]()
    cal = {name: parts[name] for name in ("flores-cal", "tatoeba-cal")}
    scores: dict[str, dict[str, list[float]]] = {name: {} for name in cal}
    for k in (0, 1):
        lexicon = lexicon_from([p for data in cal.values() for p in _fold(data, k)])
        use_lexicon(lexicon)
        for name, data in cal.items():
            for cond, got in _scores(_fold(data, 1 - k), check).items():
                scores[name].setdefault(cond, []).extend(got)
    use_lexicon(None)
    thresholds = (0.2, 0.25, 0.3, 0.34, 0.4, 0.45, 0.5, 0.55, 0.6)
    print(f"\n{'part':12} {'condition':13} {'n':>5} " + " ".join(f"<{t:<5g}" for t in thresholds)
          + "   (share of pairs whose adequacy is below the threshold; cross-fitted)")
    for name, per in scores.items():
        for cond, got in per.items():
            print(f"{name:12} {cond:13} {len(got):5d} "
                  + " ".join(f"{100 * sum(x < t for x in got) / max(1, len(got)):5.1f}%" for t in thresholds))


def speed(parts: dict[str, list[Pair]], lexicon) -> None:
    """Microseconds per pair of the two checks, with the lexicon."""
    views = [view(i, s, t) for i, (_, s, t) in enumerate(parts["flores-eval"] + parts["tatoeba-eval"])]
    checks = F.build_checks()
    for v in views[:300]:  # warm up: language models, caches
        for c in checks:
            c.run(v)
    for name in ("adequacy", "missing_names", "all checks"):
        took = []
        for lex in (None, lexicon):
            use_lexicon(lex)
            run = checks if name == "all checks" else [c for c in checks if c.name == name]
            started = time.perf_counter()
            for v in views:
                for c in run:
                    c.run(v)
            took.append(1e6 * (time.perf_counter() - started) / len(views))
        print(f"{name:14} {took[0]:7.1f} µs/pair without the lexicon, {took[1]:7.1f} with it")
    use_lexicon(None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibrate", action="store_true", help="what each adequacy threshold fires on, cross-fitted on the calibration part")
    args = ap.parse_args(argv)
    parts = load()
    if args.calibrate:
        calibrate(parts)
        return 0
    lexicon = lexicon_from(parts["flores-cal"] + parts["tatoeba-cal"])
    speed(parts, lexicon)
    table(parts, lexicon)
    return 0


if __name__ == "__main__":
    sys.exit(main())
