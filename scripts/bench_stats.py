"""Time the review app's stats page (``/stats``) through Flask's test client on a bench_review store:
repeated views of an unchanged store, and the first view after each decision (the numbers recounted).

Usage: python scripts/bench_stats.py [--size 200000] [--repeat 20] [--keep DIR] [--baseline REF]

With ``--baseline REF`` the same runs with that git ref's code, side by side (one process per code, in
turn, on the same store). Each decision is undone afterwards, so the store ends as it began (plus the undo
rows). Prints ms p50 / p95.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(folder: Path, repeat: int) -> dict[str, list[float]]:
    """ms of GET /stats: ``repeated`` (nothing changed in between) and ``after a decision``."""
    from bitext import review
    from bitext.store import Store
    from bitext.web.app import create_app

    store = Store.open(folder, create=False)
    client = create_app(store, reviewer="bench").test_client()
    client.get("/stats")
    pending = [r[0] for r in store.conn.execute(
        "SELECT pair_id FROM review_pair_state WHERE status = 'pending' LIMIT ?", (repeat,))]
    out: dict[str, list[float]] = {"repeated": [], "after a decision": []}
    for _ in range(repeat):
        t = time.perf_counter()
        assert client.get("/stats").status_code == 200
        out["repeated"].append(1000 * (time.perf_counter() - t))
    for pid in pending:
        review.decide(store, pid, "accepted", reviewer="bench")
        t = time.perf_counter()
        assert client.get("/stats").status_code == 200
        out["after a decision"].append(1000 * (time.perf_counter() - t))
    for pid in pending:
        review.undo(store, pid, reviewer="bench")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--keep", type=Path, help="build the store in this folder (reused if there)")
    ap.add_argument("--baseline", help="git ref whose code is timed too")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one code's run (a subprocess)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return 0
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_review import _pct, build
    from bench_review_browser import code_of

    folder = (args.keep or Path(tempfile.mkdtemp(prefix="bench_stats_"))) / f"n{args.size}"
    if not (folder / "bitext.sqlite").exists():
        build(folder, args.size)[0].close()
    codes = {"this tree": ROOT} | ({args.baseline: code_of(args.baseline)} if args.baseline else {})
    results = {}
    for name, code in codes.items():
        run = subprocess.run([sys.executable, __file__, "--measure", str(folder), "--repeat", str(args.repeat)],
                             env={**os.environ, "PYTHONPATH": str(code)}, check=True, capture_output=True, text=True)
        results[name] = json.loads(run.stdout.splitlines()[-1])
    print(f"GET /stats at {args.size:,} pairs, test client, ms p50 / p95 ({args.repeat} runs)")
    print(f"{'':<18}" + "".join(f"{name:>22}" for name in codes))
    for step in ("repeated", "after a decision"):
        print(f"{step:<18}" + "".join(f"{statistics.median(r[step]):>14.0f} /{_pct(r[step], 0.95):>6.0f}"
                                      for r in results.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
