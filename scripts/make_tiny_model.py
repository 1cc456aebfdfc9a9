#!/usr/bin/env python
"""Build a random-weight Marian model folder for tests and demos (no download).

    python scripts/make_tiny_model.py OUT_DIR                                   # tiny, ~5 s
    python scripts/make_tiny_model.py OUT_DIR --like ../shared/models/opus-mt-id-en   # full size

The tiny model (d_model 32, 1 layer, 64 positions) has its own sentencepiece tokenizers trained
on built-in Indonesian/English lines and is briefly trained to reproduce them; ``--like DIR``
gives the real architecture and tokenizer with random weights (real speed and memory, noise text).
Then e.g. ``bitext translate CORPUS --model OUT_DIR``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bitext.testing import make_tiny_model  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--like", type=Path, help="model folder whose config and tokenizer to copy (full size)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    path = make_tiny_model(args.out_dir, like=args.like, seed=args.seed)
    print(f"wrote {path} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
