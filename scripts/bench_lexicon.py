"""How long does the corpus lexicon take to build, how big is it, and what does a refresh cost?

Synthetic translated stores with real vocabulary: each sentence pair joins two pairs drawn at random from
FLORES-200 devtest and Tatoeba id-en (../shared), so every source text is distinct (the translations table
keeps one row per distinct source) and the words are real; written straight into a store with
:func:`bitext.testing.write_sentence_pairs` (no model). Per size: the full build (``build_lexicon``), the
store rows and bytes of the lexicon tables, then 1 % more pairs and the incremental refresh, side by side
with a full rebuild of the grown store (the ratio says what the refresh rule saves).

    python scripts/bench_lexicon.py                       # 100,000 and 300,000 sentences
    python scripts/bench_lexicon.py --sizes 1000000       # the issue's 1M case (long on 2 busy cores)
    python scripts/bench_lexicon.py --no-rebuild          # skip the full rebuild after the refresh
    python scripts/bench_lexicon.py --flag 5000           # flag stage with / without the lexicon

The real corpus has a larger vocabulary than two shared test sets (the size here is a lower bound; the
vocabulary cap bounds it from above: see bitext.lexicon.build).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bitext.lexicon import build_lexicon  # noqa: E402
from bitext.store import Store  # noqa: E402
from bitext.testing import write_sentence_pairs  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def shared_pairs() -> list[tuple[str, str]]:
    out = []
    for sub in ("flores200-devtest/devtest", "tatoeba-id-en/test"):
        ids = (SHARED / f"{sub}.id").read_text(encoding="utf-8").splitlines()
        ens = (SHARED / f"{sub}.en").read_text(encoding="utf-8").splitlines()
        out += [(s.strip(), t.strip()) for s, t in zip(ids, ens, strict=True) if s.strip() and t.strip()]
    return out


def synthetic(n: int, base: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """``n`` distinct pairs, each two shared pairs joined."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out = []
    while len(out) < n:
        (s1, t1), (s2, t2) = rng.choice(base), rng.choice(base)
        src = f"{s1} {s2}"
        if src not in seen:
            seen.add(src)
            out.append((src, f"{t1} {t2}"))
    return out


def child_peak_mb() -> float:
    """Peak resident memory of the largest child so far (the eflomal binary), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench(n: int, base: list[tuple[str, str]], rebuild: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bitext-bench-lexicon-"))
    try:
        pairs = synthetic(n + n // 100, base, seed=n)
        with Store.open(folder) as store:
            write_sentence_pairs(store, pairs[:n], per_article=50)
            full = build_lexicon(store, quiet=True)
            print(f"{n:>9,}  full build     {full.seconds:8.1f} s  {n / full.seconds:8,.0f} pairs/s  "
                  f"rows {full.rows:>9,}  {full.bytes / 1e6:7.1f} MB  words id {full.words_id:,} en {full.words_en:,}"
                  f"  abbreviations {full.abbreviations:,}  eflomal peak {child_peak_mb():,.0f} MB", flush=True)
            write_sentence_pairs(store, pairs[n:], per_article=50, prefix="b")
            inc = build_lexicon(store, quiet=True)
            print(f"{n:>9,}  +1% refresh    {inc.seconds:8.1f} s  ({inc.status}, {inc.pairs_added:,} pairs aligned)"
                  f"  rows {inc.rows:>9,}  {inc.bytes / 1e6:7.1f} MB", flush=True)
            if rebuild:
                again = build_lexicon(store, rebuild=True, quiet=True)
                print(f"{n:>9,}  full rebuild   {again.seconds:8.1f} s  refresh/rebuild = "
                      f"{inc.seconds / again.seconds:.3f}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench_flag(n: int, base: list[tuple[str, str]]) -> None:
    """The flag stage on ``n`` reference pairs with the corpus lexicon and without it (the same store, the
    flags cleared between runs, measured in this process: ``workers=0``), alternately, twice each."""
    from bitext.flags import flag_corpus
    from bitext.model import MetaKey

    folder = Path(tempfile.mkdtemp(prefix="bitext-bench-lexicon-flag-"))
    try:
        with Store.open(folder) as store:
            write_sentence_pairs(store, synthetic(n, base, seed=n + 1), per_article=50, references=True)
            build_lexicon(store, quiet=True)
            signature = store.get_meta(MetaKey.LEXICON_SIGNATURE)
            flag_corpus(store, quiet=True, workers=0)  # warm: imports, language models
            took: dict[str, list[float]] = {"without": [], "with": []}
            for _ in range(2):
                for label in ("without", "with"):
                    if label == "without":
                        store.delete_meta(MetaKey.LEXICON_SIGNATURE)  # load_lexicon then finds none
                    else:
                        store.set_meta(MetaKey.LEXICON_SIGNATURE, signature)
                    store.clear_flags()
                    started = time.monotonic()
                    flag_corpus(store, quiet=True, workers=0)
                    took[label].append(time.monotonic() - started)
            pairs = store.count("pairs")
            best = {k: min(v) for k, v in took.items()}
            print(f"flag stage, {pairs:,} pairs, workers=0: without the lexicon {pairs / best['without']:,.0f} pairs/s,"
                  f" with it {pairs / best['with']:,.0f} pairs/s (ratio with/without "
                  f"{best['without'] / best['with']:.2f})", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,300000", help="comma-separated sentence counts")
    ap.add_argument("--no-rebuild", action="store_true", help="skip the full rebuild after the refresh")
    ap.add_argument("--flag", type=int, metavar="N", help="instead: the flag stage on N reference pairs with and "
                    "without the lexicon")
    args = ap.parse_args(argv)
    base = shared_pairs()
    started = time.monotonic()
    if args.flag:
        bench_flag(args.flag, base)
        return 0
    for n in (int(x) for x in args.sizes.split(",")):
        bench(n, base, rebuild=not args.no_rebuild)
    print(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
