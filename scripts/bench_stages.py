"""Do the stages after translation keep up? Time status, align, flag, publish and export on a synthetic
store (no model: translations are written through the store's own writers), each stage in a fresh
process so its peak memory is its own, at two corpus sizes side by side (memory flat in corpus size?).

    python scripts/bench_stages.py                      # 20,000 and 100,000 sentences
    python scripts/bench_stages.py --sizes 1000000      # the issue's 1M-sentence case (long on 2 cores)

Also the translate driver's own costs (no model): ``resume`` (a run with nothing pending: the scan a
restarted driver pays) and ``commit`` (rows/s the driver writes in per-batch transactions), and the
store's size per sentence after every stage.

Targets (issue 12, on 2 cores at 1M sentences): status <= 2 s, align >= 5,000 pairs/s, flag >= 3,000
pairs/s, publish of 1M pairs <= 60 s, memory flat in corpus size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIG = "model:synthetic@bench|backend:none|beams:1"
WORDS_ID = ["pemerintah", "membangun", "jembatan", "baru", "di", "desa", "warga", "mengatakan", "harga", "beras",
            "naik", "pada", "hari", "Senin", "polisi", "menangkap", "tiga", "orang", "tersangka", "Jakarta"]
WORDS_EN = ["government", "builds", "bridge", "new", "in", "village", "residents", "said", "price", "rice",
            "rose", "on", "day", "Monday", "police", "arrested", "three", "people", "suspects", "Jakarta"]

# The translate driver's own costs, without a model: "resume" is a translate run on a store where
# everything is translated (the pending-source scan a restarted driver pays); "commit" writes 20,000
# new translations in transactions of 256 rows, as the driver commits each returned batch.
_FAKE_ENGINE = f"""
class _Done:
    signature = {SIG!r}
    settings = {{}}
    def iter_translate(self, texts):
        raise AssertionError("nothing should be pending")
"""
_COMMIT = f"""
from bitext.store import translation_key, utcnow
sig, now = {SIG!r} + "|commit", utcnow()
rows = [(translation_key(sig, f"s{{i}}"), sig, f"Kalimat sumber nomor {{i}}.", f"Source sentence {{i}}.", -0.4, 6, 0, 0, 0,
         now) for i in range(20000)]
for i in range(0, len(rows), 256):
    with store.tx():
        store.add_translations(rows[i : i + 256])
n = len(rows)
"""
STAGE_CODE = {
    "status": "from bitext.pipeline import corpus_status; corpus_status(store)",
    "resume": _FAKE_ENGINE + "from bitext.translate import translate_corpus\n"
              "r = translate_corpus(store, engine=_Done(), quiet=True); n = r.sentences",
    "commit": _COMMIT,
    "align": "from bitext.align import align_corpus; r = align_corpus(store, quiet=True); n = r.pairs",
    "flag": "from bitext.flags import flag_corpus; r = flag_corpus(store, quiet=True); n = r.flagged",
    "publish": "from bitext.publish import publish_dataset; r = publish_dataset(store, folder / 'ds', quiet=True)",
    "export": "from bitext.formats import export_pairs; export_pairs(store, 'tsv', folder / 'x.tsv')",
}


def build(folder: Path, n_sentences: int, per_article: int = 50) -> None:
    """Articles of ``per_article`` sentences (paragraphs of 5) and one translation per distinct sentence."""
    sys.path.insert(0, str(ROOT))
    from bitext.model import MetaKey
    from bitext.store import Store, translation_key, utcnow

    store = Store.open(folder)
    now = utcnow()
    k = 0
    with store.tx():
        for a in range(-(-n_sentences // per_article)):
            sents, trans = [], []
            for i in range(min(per_article, n_sentences - k)):
                idx = [(k * 7 + j * 13) % len(WORDS_ID) for j in range(8 + k % 9)]
                src = " ".join(WORDS_ID[x] for x in idx).capitalize() + f" {k}."
                tgt = " ".join(WORDS_EN[x] for x in idx).capitalize() + f" {k}."
                pi, si = divmod(i, 5)
                sents.append((f"a{a}:{pi}:{si}", f"a{a}", pi, si, src, 0, len(src)))
                trans.append((translation_key(SIG, src), SIG, src, tgt, -0.4, len(idx) + 2, 0, 0, 0, now))
                k += 1
            raw = "\n".join(s[4] for s in sents)
            store.write_article((f"a{a}", f"a{a}.txt", None, None, None, None, "id", None, raw, f"h{a}", "bench",
                                 now), sents)
            store.add_translations(trans)
        store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.close()


def run_stage(folder: Path, stage: str) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB of the child, pairs) of one stage in a fresh process."""
    code = f"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from bitext.store import Store
folder = Path({str(folder)!r})
store = Store.open(folder)
n = store.count("pairs")
t0 = time.perf_counter()
{STAGE_CODE[stage]}
dt = time.perf_counter() - t0
n = store.count("pairs") if "{stage}" not in ("status", "resume", "commit") else n
print(json.dumps([dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, n]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dt, rss, n = json.loads(out.stdout.strip().splitlines()[-1])
    return dt, rss, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,100000", help="comma-separated sentence counts")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, tuple[float, float, int]]] = {}
    sizes_mb: dict[int, float] = {}
    for n in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"bitext-stages-{n}-"))
        t0 = time.perf_counter()
        build(folder, n)
        print(f"built {n} sentences in {time.perf_counter() - t0:.1f} s ({folder})", file=sys.stderr)
        results[n] = {stage: run_stage(folder, stage) for stage in ("align", "flag", "status", "publish", "export",
                                                                     "resume", "commit")}
        db = folder / "bitext.sqlite"
        sizes_mb[n] = sum(f.stat().st_size for f in folder.glob("bitext.sqlite*")) / 2**20 if db.exists() else 0.0
    head = "| stage | " + " | ".join(f"{n:,} sentences: s | pairs/s | peak MiB" for n in sizes) + " |"
    print(head)
    print("|---|" + "---|---|---|" * len(sizes))
    for stage in ("status", "align", "flag", "publish", "export", "resume", "commit"):
        cells = []
        for n in sizes:
            dt, rss, pairs = results[n][stage]
            rate = "" if stage == "status" else f"{pairs / dt:,.0f}"  # resume: sentences/s; commit: rows/s
            cells.append(f"{dt:.2f} | {rate} | {rss:.0f}")
        print(f"| {stage} | " + " | ".join(cells) + " |")
    print("resume = a translate run with nothing pending (the pending scan; rate in sentences/s); commit = 20,000"
          " new translations in transactions of 256 (rows/s)")
    for n in sizes:
        print(f"store after every stage, {n:,} sentences: {sizes_mb[n]:,.0f} MiB ({sizes_mb[n] * 2**20 / n:,.0f} bytes"
              " per sentence)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
