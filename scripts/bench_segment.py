"""Segmentation of one huge single-line article: time and peak memory, this tree against a baseline.

    python scripts/bench_segment.py                 # 2 and 8 MB lines, baseline: git ref 'main'
    python scripts/bench_segment.py --mb 2 8 50 --base 5d99cc2

Each measurement runs ``segment_text`` in a fresh process (peak RSS of that process, so the numbers
are not polluted by earlier runs); the baseline is the package as of ``--base``, exported with
``git archive`` into a temporary folder. Prints one row per size, baseline and this tree side by side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT = "Harga beras naik 3,5 persen pada pukul 10.00 WIB kata Dr. Budi. "
CHILD = """
import json, resource, sys, time
from bitext.segment import segment_text
raw = "Jakarta (ANTARA) - " + {unit!r} * int(float(sys.argv[1]) * 1e6 / {n})
start = time.perf_counter()
n = len(segment_text(raw).sentences)
print(json.dumps({{"s": time.perf_counter() - start, "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "sentences": n}}))
"""


def measure(tree: Path, mb: float, timeout: float) -> dict[str, float] | None:
    """Time and peak RSS of segmenting an ``mb`` MB line with the package in ``tree`` (None: timed out); run in
    ``tree``, as ``python -c`` puts the working folder first on the path."""
    code = CHILD.format(unit=UNIT, n=len(UNIT))
    try:
        r = subprocess.run([sys.executable, "-c", code, str(mb)], capture_output=True, text=True, timeout=timeout,
                           env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, cwd=tree, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(r.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, nargs="+", default=[2, 8], help="line sizes in MB (default 2 8)")
    ap.add_argument("--base", default="main", help="git ref of the baseline (default main)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per measurement")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", args.base, "bitext"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        print(f"| line | {args.base}: s | {args.base}: peak MiB | this tree: s | this tree: peak MiB | time ratio |"
              " memory ratio |")
        print("|---|---|---|---|---|---|---|")
        for mb in args.mb:
            base, new = measure(Path(tmp), mb, args.timeout), measure(ROOT, mb, args.timeout)
            if base is None or new is None:
                shown = ["timeout" if m is None else "{:.1f} | {:.0f}".format(m["s"], m["mib"]) for m in (base, new)]
                print(f"| {mb:g} MB | {shown[0]} | {shown[1]} | | |")
                continue
            print(f"| {mb:g} MB | {base['s']:.1f} | {base['mib']:.0f} | {new['s']:.1f} | {new['mib']:.0f} | "
                  f"{base['s'] / new['s']:.1f}x | {base['mib'] / new['mib']:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
