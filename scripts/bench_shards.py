"""Per-shard stage rates: segment, align and flag of one synthetic corpus as 1 shard and as N shards, the
shards one after the other here (``--engine local``) and as Ray tasks on a local Ray (``--engine ray``).

The corpus: ``--articles`` articles of ``--sentences`` synthetic Indonesian sentences (a quarter of them
repeated across articles, as news boilerplate is). Translation is not measured here (its rate is
``scripts/bench_translate.py``'s and the GPU script's): every sentence gets a stand-in English translation
written straight into the store, so align and flag have their ordinary input. Printed per stage and layout:
wall seconds, pairs (sentences for segment) per second for the whole corpus, the same per shard (corpus
rate / shards: what one shard's task does), and the ratio to the 1-shard corpus in the same run.

    PYTHONPATH=$PWD python scripts/bench_shards.py [--articles 400] [--sentences 10] [--shards 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bitext import sharded  # noqa: E402
from bitext.model import MetaKey  # noqa: E402
from bitext.shards import store_folders  # noqa: E402
from bitext.store import Store, translation_key, utcnow  # noqa: E402

SUBJ = ["Pemerintah daerah", "Polisi", "Para siswa", "Bank Indonesia", "Menteri Keuangan", "Warga desa",
        "Tim nasional", "Wakil Gubernur", "Presiden Joko Widodo", "Badan Pusat Statistik"]
VERB = ["membangun", "menangkap", "mengikuti", "mempertahankan", "mengatakan", "mengajak", "meresmikan", "membahas"]
OBJ = ["rumah sakit baru", "tiga orang tersangka", "ujian nasional", "suku bunga acuan sebesar 6 persen",
       "jalan tol sepanjang 12 kilometer", "festival budaya", "harga beras", "program bantuan sosial"]
PLACE = ["di Jakarta", "di Maluku", "di Jawa Tengah pada hari Senin", "di sekolah", "di pasar tradisional",
         "di Surabaya pada Selasa (4/6)"]
EN = {"membangun": "built", "menangkap": "arrested", "mengikuti": "took part in", "mempertahankan": "kept",
      "mengatakan": "said", "mengajak": "invited", "meresmikan": "inaugurated", "membahas": "discussed"}


def _articles(path: Path, n: int, per: int) -> Path:
    rng = random.Random(7)
    boiler = [f"{rng.choice(SUBJ)} {rng.choice(VERB)} {rng.choice(OBJ)} {rng.choice(PLACE)}." for _ in range(30)]
    with path.open("w", encoding="utf-8") as f:
        for a in range(n):
            body = [rng.choice(boiler) if rng.random() < 0.25 else
                    f"{rng.choice(SUBJ)} {rng.choice(VERB)} {rng.choice(OBJ)} {rng.choice(PLACE)}, kata dia {a}-{k}."
                    for k in range(per)]
            f.write(json.dumps({"id": f"bench-{a:06d}", "text": " ".join(body)}) + "\n")
    return path


def _fake_english(source: str) -> str:
    words = source.split()
    return " ".join(EN.get(w, w) for w in words)


def _translate_stand_in(folders: list[Path]) -> None:
    for folder in folders:
        with Store.open(folder, create=False) as store:
            store.set_meta(MetaKey.TRANSLATE_SIGNATURE, "bench")
            texts = {r[0] for r in store.conn.execute("SELECT text FROM sentences")}
            store.add_translations((translation_key("bench", t), "bench", t, _fake_english(t), -0.3,
                                    len(t.split()) + 2, 0, 0, 0, utcnow()) for t in sorted(texts))


def _one(inputs: Path, root: Path, shards: int, engine: str) -> dict[str, Any]:
    """Wall seconds of each stage over the corpus; with the local engine also each shard's own align and
    flag task (timed one by one: the rate one shard's task has on one node)."""
    times: dict[str, Any] = {}
    t = time.perf_counter()
    report = sharded.segment_shards(root, [inputs], shards, engine=engine)
    times["segment"] = time.perf_counter() - t
    folders = store_folders(root)
    _translate_stand_in(folders)
    sizes = []
    for folder in folders:
        with Store.open(folder, read_only=True) as store:
            sizes.append((store.count("sentences"), store.count("articles")))
    if engine == "local":  # align each shard on its own: its task's rate
        per = []
        for folder, (n, _) in zip(folders, sizes, strict=True):
            t = time.perf_counter()
            sharded.align_shards([folder])
            per.append(n / (time.perf_counter() - t))
        times["align_per_shard"] = per
        times["align"] = sum(n / r for (n, _), r in zip(sizes, per, strict=True))
    else:
        t = time.perf_counter()
        sharded.align_shards(folders, engine=engine)
        times["align"] = time.perf_counter() - t
    t = time.perf_counter()
    sharded.flag_shards(folders, engine=engine)
    times["flag"] = time.perf_counter() - t
    pairs = 0
    for folder in folders:
        with Store.open(folder, read_only=True) as store:
            pairs += store.count("pairs")
    times["sentences"], times["pairs"] = report.sentences, pairs
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--sentences", type=int, default=10, help="sentences per article")
    ap.add_argument("--shards", type=int, default=3)
    ap.add_argument("--no-ray", action="store_true", help="only the local engine")
    args = ap.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                             os.environ.get("PYTHONPATH")]))
    layouts = [(1, "local"), (args.shards, "local")] + ([] if args.no_ray else [(1, "ray"), (args.shards, "ray")])
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        inputs = _articles(Path(tmp) / "articles.jsonl", args.articles, args.sentences)
        results = {}
        for n, engine in layouts:
            if engine == "ray":
                from bitext.translate.distributed import connect

                connect(num_cpus=os.cpu_count() or 1)
            results[(n, engine)] = _one(inputs, Path(tmp) / f"c{n}-{engine}", n, engine)
    print(f"{args.articles} articles, {results[(1, 'local')]['sentences']} sentences,"
          f" {results[(1, 'local')]['pairs']} pairs; {os.cpu_count()} cores")
    print(f"{'stage':8} {'layout':14} {'seconds':>8} {'items/s':>9} {'per shard/s':>12} {'vs 1 shard':>10}")
    for stage, unit in (("segment", "sentences"), ("align", "pairs"), ("flag", "pairs")):
        for n, engine in layouts:
            r = results[(n, engine)]
            base = results[(1, engine)]
            rate = r[unit] / r[stage]
            print(f"{stage:8} {f'{n} shard(s) {engine}':14} {r[stage]:8.2f} {rate:9.0f} {rate / n:12.0f}"
                  f" {base[stage] / r[stage]:10.2f}x")
    for n, engine in layouts:
        if results[(n, engine)].get("align_per_shard"):
            rates = ", ".join(f"{x:.0f}" for x in results[(n, engine)]["align_per_shard"])
            print(f"align sentences/s of each shard's own task ({n} shard(s), local): {rates}")


if __name__ == "__main__":
    main()
