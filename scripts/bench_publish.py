"""Benchmark: publishing streams, a naive in-memory export does not.

Builds a temp store of N pairs (default 100k) synthesised from the FLORES-200 devtest and
Tatoeba id-en pairs in ../shared/data (written straight into SQLite, with flags on about a
quarter of the pairs and reviews on some), then measures, each in a fresh child process:

* ``publish``  : :func:`bitext.publish.publish_dataset` (default, clean and articles configs, three
  splits, duplicates rule, MT quality, card; streamed batches)
* ``baseline`` : the same rows collected into a list, ``datasets.Dataset.from_list(rows,
  features=...).to_parquet()`` (default config only, no card)

and prints wall time and peak RSS (whole process, and above the process's RSS after imports)
side by side with ratios. Usage::

    python scripts/bench_publish.py [--pairs 100000] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIG = "Helsinki-NLP/opus-mt-id-en@rev|ct2|beams=4"
CHECKS = [("length_ratio", "warning"), ("numbers", "warning"), ("not_english", "error"), ("duplicate", "info")]


def read_pairs(shared: Path) -> list[tuple[str, str]]:
    pairs = []
    for folder, src, tgt in (("flores200-devtest", "devtest.id", "devtest.en"), ("tatoeba-id-en", "test.id", "test.en")):
        ids = (shared / "data" / folder / src).read_text(encoding="utf-8").splitlines()
        ens = (shared / "data" / folder / tgt).read_text(encoding="utf-8").splitlines()
        pairs += list(zip(ids, ens, strict=True))
    return pairs


def build_store(folder: Path, base: list[tuple[str, str]], n_pairs: int, per_article: int = 50) -> None:
    from bitext.store import Store, translation_key

    rng = random.Random(13)
    store = Store.open(folder)
    now = "2025-01-01T00:00:00+00:00"
    with store.tx() as conn:
        n_articles = (n_pairs + per_article - 1) // per_article
        conn.executemany(
            "INSERT INTO articles(id, source_path, raw_text, content_hash, segmenter, ingested_at)"
            " VALUES (?,?,?,?,?,?)",
            [(f"art{a:06d}", f"art{a:06d}.txt", "", "h", "bench-seg-1", now) for a in range(n_articles)],
        )
        sents, trans, pairs, flags, reviews = [], [], [], [], []
        for i in range(n_pairs):
            src, tgt = base[i % len(base)]
            if i >= len(base):  # distinct texts, so nothing deduplicates away
                src, tgt = f"{src} ({i})", f"{tgt} ({i})"
            aid, idx = f"art{i // per_article:06d}", i % per_article
            sid = f"{aid}:{idx // 5}:{idx % 5}"
            sents.append((sid, aid, idx // 5, idx % 5, src, 0, len(src)))
            trans.append((translation_key(SIG, src), SIG, src, tgt, -rng.random(), len(tgt.split()) + 1, now))
            pairs.append((f"{aid}-mt-{idx}", aid, "mt", idx, json.dumps([sid]), "[0]", src, tgt, tgt, "1-1",
                          round(rng.random(), 4), SIG, now))
            flagged = rng.random() < 0.25
            for name, sev in CHECKS:
                fired = int(flagged and rng.random() < 0.5)
                flags.append((f"{aid}-mt-{idx}", name, round(rng.random() * 3, 4), fired, sev, "bench"))
            if rng.random() < 0.1:
                status = rng.choice(["accepted", "edited", "rejected"])
                after = tgt + " [edited]" if status == "edited" else tgt
                reviews.append((f"{aid}-mt-{idx}", "bench", now, status, tgt, after, src))
        conn.executemany("INSERT INTO sentences VALUES (?,?,?,?,?,?,?)", sents)
        conn.executemany(
            "INSERT OR IGNORE INTO translations(key, signature, source, text, logprob, n_tokens, created_at)"
            " VALUES (?,?,?,?,?,?,?)", trans,
        )
        conn.executemany(
            "INSERT INTO pairs(id, article_id, kind, bead_idx, src_ids, tgt_idx, source, target, mt, bead_type,"
            " align_score, signature, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", pairs,
        )
        conn.executemany("INSERT INTO pair_flags VALUES (?,?,?,?,?,?)", flags)
        conn.executemany(
            "INSERT INTO reviews(pair_id, reviewer, at, status, before, after, source) VALUES (?,?,?,?,?,?,?)",
            reviews,
        )
    store.set_meta_json("translate.settings", {"model": "Helsinki-NLP/opus-mt-id-en", "num_beams": 4})
    store.close()


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _child(kind: str, corpus: str, out: str, queue: mp.Queue) -> None:
    import datasets  # noqa: F401 - import cost is not what we measure
    import pyarrow  # noqa: F401

    from bitext.formats.rows import published_row
    from bitext.publish import dataset_features, publish_dataset
    from bitext.publish.card import flag_config
    from bitext.records import check_names, iter_pairs, open_store

    store = open_store(corpus)
    base_rss = _rss_kib()
    t0 = time.perf_counter()
    if kind == "publish":
        res = publish_dataset(store, out)
        rows = res.stats["default"].pairs
    else:
        checks = check_names(store, extra=sorted(flag_config(store).checks))
        features = dataset_features(checks)
        all_rows = [published_row(rec) for rec in iter_pairs(store, checks=checks, findings=False)]  # as publish reads
        ds = datasets.Dataset.from_list(all_rows, features=features)
        ds.to_parquet(str(Path(out) / "default.parquet"))
        rows = len(ds)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    queue.put({"rows": rows, "seconds": elapsed, "peak_kib": peak, "base_kib": base_rss})


def measure(kind: str, corpus: Path, out: Path) -> dict:
    ctx = mp.get_context("spawn")  # a fresh interpreter: its peak RSS is this step's alone
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(kind, str(corpus), str(out), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=100_000)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    if not (args.shared / "data").is_dir():
        print(f"bench_publish: {args.shared}/data not found (pass --shared)", file=sys.stderr)
        return 2
    base = read_pairs(args.shared)
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        build_store(tmp_path / "corpus", base, args.pairs)
        print(f"store: {args.pairs} pairs from {len(base)} FLORES+Tatoeba pairs, built in "
              f"{time.perf_counter() - t0:.1f}s ({(tmp_path / 'corpus' / 'bitext.sqlite').stat().st_size / 2**20:.0f} MiB)")
        (tmp_path / "naive").mkdir()
        pub = measure("publish", tmp_path / "corpus", tmp_path / "ds")
        naive = measure("baseline", tmp_path / "corpus", tmp_path / "naive")
        size = sum(p.stat().st_size for p in (tmp_path / "ds").rglob("*.parquet"))
    print(f"{'':28}{'publish (stream)':>18}{'from_list baseline':>20}{'ratio':>8}")
    print(f"{'rows (default config)':28}{pub['rows']:>18}{naive['rows']:>20}")
    print(f"{'wall time (s)':28}{pub['seconds']:>18.2f}{naive['seconds']:>20.2f}"
          f"{pub['seconds'] / naive['seconds']:>8.2f}")
    print(f"{'peak RSS (MiB)':28}{pub['peak_kib'] / 1024:>18.0f}{naive['peak_kib'] / 1024:>20.0f}"
          f"{pub['peak_kib'] / naive['peak_kib']:>8.2f}")
    pub_d, naive_d = pub["peak_kib"] - pub["base_kib"], naive["peak_kib"] - naive["base_kib"]
    print(f"{'peak RSS above start (MiB)':28}{pub_d / 1024:>18.0f}{naive_d / 1024:>20.0f}"
          f"{pub_d / max(naive_d, 1):>8.2f}")
    print(f"publish wrote three configs + card ({size / 2**20:.1f} MiB Parquet); the baseline only the default config")
    return 0


if __name__ == "__main__":
    sys.exit(main())
