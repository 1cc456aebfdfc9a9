"""Do the stages after translation keep up? Time status, align, flag, publish and export on a synthetic
store (no model: translations are written through the store's own writers), each stage in a fresh
process so its peak memory is its own, at two corpus sizes side by side (memory flat in corpus size?),
and optionally side by side with other checkouts' code (``--code DIR``: each builds the same store with its
own schema and runs the same stages on it, one after the other), with each checkout's bytes per sentence per
table and index (SQLite's dbstat).

    python scripts/bench_stages.py                              # 20,000 and 100,000 sentences
    python scripts/bench_stages.py --code /path/to/old/checkout # before/after, ratio = ours / theirs
    python scripts/bench_stages.py --sizes 1000000              # the issue's 1M-sentence case (long on 2 cores)
    python scripts/bench_stages.py --stages align,flag          # report these (every stage before them runs)

Each checkout's copy gets the translate schema its own translate stage would leave (untimed), as a
translated store has it. Also the translate driver's own costs (no model): ``resume`` (a run with nothing pending: the scan a
restarted driver pays) and ``commit`` (rows/s the driver writes in per-batch transactions), and the
store's size per sentence after every stage. The stores are deleted at the end.

Targets (issue 12, on 2 cores at 1M sentences), printed beside each row: status <= 2 s, align >= 5,000
pairs/s, flag >= 3,000 pairs/s, publish of 1M pairs <= 60 s, memory flat in corpus size.
"""

from __future__ import annotations

import argparse
import json
import shutil
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


def synthetic_pair(k: int) -> tuple[str, str, int]:
    """Sentence ``k`` of the synthetic corpus: (Indonesian, English, English tokens + 2)."""
    idx = [(k * 7 + j * 13) % len(WORDS_ID) for j in range(8 + k % 9)]
    src = " ".join(WORDS_ID[x] for x in idx).capitalize() + f" {k}."
    tgt = " ".join(WORDS_EN[x] for x in idx).capitalize() + f" {k}."
    return src, tgt, len(idx) + 2


# Per stage: (setup, timed code). The timed code sets ``n`` when its count is not the pairs table's.
# The translate driver's own costs, without a model: "resume" is a translate run on a store where
# everything is translated (the pending-source scan a restarted driver pays); "commit" writes 20,000
# new translations in transactions of 256 rows, as the driver commits each returned batch.
_FAKE_ENGINE = f"""
class _Done:
    signature = {SIG!r}
    settings = {{}}
    def iter_translate(self, texts):
        raise AssertionError("nothing should be pending")
from bitext.translate import translate_corpus
"""
_COMMIT_ROWS = f"""
from bitext.store import translation_key, utcnow
sig, now = {SIG!r} + "|commit", utcnow()
rows = [(translation_key(sig, f"s{{i}}"), sig, f"Kalimat sumber nomor {{i}}.", f"Source sentence {{i}}.", -0.4, 6, 0, 0, 0,
         now) for i in range(20000)]
"""
_COMMIT = """
for i in range(0, len(rows), 256):
    with store.tx():
        store.add_translations(rows[i : i + 256])
n = len(rows)
"""
STAGES: dict[str, tuple[str, str]] = {
    "align": ("from bitext.align import align_corpus", "align_corpus(store, quiet=True)"),
    "flag": ("from bitext.flags import flag_corpus", "flag_corpus(store, quiet=True)"),
    "status": ("from bitext.pipeline import corpus_status", "corpus_status(store)"),
    "publish": ("from bitext.publish import publish_dataset", "publish_dataset(store, folder / 'ds', quiet=True)"),
    "export": ("from bitext.formats import export_pairs", "export_pairs(store, 'tsv', folder / 'x.tsv')"),
    "resume": (_FAKE_ENGINE, "n = translate_corpus(store, engine=_Done(), quiet=True).sentences"),
    "commit": (_COMMIT_ROWS, _COMMIT),
}
"""In the order they run: align and flag write what status, publish and export read."""

TARGETS = {"status": (2.0, "s"), "align": (5000, "/s"), "flag": (3000, "/s"), "publish": (1_000_000 / 60, "/s")}
"""Issue 12's targets at 1M sentences: seconds at most, or pairs per second at least."""

def build_with(code: Path, folder: Path, n_sentences: int) -> None:
    """:func:`build` run by checkout ``code`` (a store made by newer code would be refused by older code)."""
    child = (f"import sys; sys.path.insert(0, {str(code)!r}); sys.path.insert(0, {str(ROOT / 'scripts')!r})\n"
             f"import bench_stages; bench_stages.build_here({str(folder)!r}, {n_sentences})")
    subprocess.run([sys.executable, "-c", child], check=True)


def build_here(folder: str, n_sentences: int) -> None:
    """:func:`build` with the bitext first on ``sys.path`` (the caller's checkout)."""
    build(Path(folder), n_sentences, importable=True)


def table_bytes(folder: Path) -> list[tuple[str, int]]:
    """(table or index, bytes) of the store in ``folder``, largest first (SQLite's dbstat)."""
    import sqlite3

    conn = sqlite3.connect(folder / "bitext.sqlite")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return conn.execute("SELECT name, SUM(pgsize) AS b FROM dbstat GROUP BY name ORDER BY b DESC").fetchall()
    finally:
        conn.close()


def build(folder: Path, n_sentences: int, per_article: int = 50, importable: bool = False) -> None:
    """Articles of ``per_article`` sentences (paragraphs of 5) and one translation per distinct sentence."""
    if not importable:
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
                src, tgt, n_tokens = synthetic_pair(k)
                pi, si = divmod(i, 5)
                sents.append((f"a{a}:{pi}:{si}", f"a{a}", pi, si, src, 0, len(src)))
                trans.append((translation_key(SIG, src), SIG, src, tgt, -0.4, n_tokens, 0, 0, 0, now))
                k += 1
            raw = "\n".join(s[4] for s in sents)
            store.write_article((f"a{a}", f"a{a}.txt", None, None, None, None, "id", None, raw, f"h{a}", "bench",
                                 now), sents)
            store.add_translations(trans)
        store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.close()


def as_translated(folder: Path, code: Path = ROOT) -> None:
    """Give the built store the translate component's schema as checkout ``code``'s translate stage leaves
    it (e.g. the (signature, source) index of translate v3), as a real translated store has; untimed."""
    child = f"""
import sys
sys.path.insert(0, {str(code)!r})
from bitext.store import Store
from bitext.translate.leases import TRANSLATE_MIGRATIONS
Store.open({str(folder)!r}).migrate("translate", TRANSLATE_MIGRATIONS)
"""
    subprocess.run([sys.executable, "-c", child], check=True)
    for backup in folder.glob("bitext.sqlite.bak-*"):  # a migration's safety copy, not part of a store
        backup.unlink()


def run_stage(folder: Path, stage: str, code: Path = ROOT) -> tuple[float, float, int, float]:
    """(seconds, peak RSS MiB of the child, pairs or rows, peak RSS MiB of the child's largest worker
    process, 0 if none) of one stage in a fresh process running the bitext of checkout ``code``; only the
    stage's own call is timed, not its setup."""
    setup, timed = STAGES[stage]
    child = f"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {str(code)!r})
from bitext.store import Store
folder = Path({str(folder)!r})
store = Store.open(folder)
n = None
{setup}
t0 = time.perf_counter()
{timed}
dt = time.perf_counter() - t0
n = store.count("pairs") if n is None else n
print(json.dumps([dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, n,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))
"""
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    dt, rss, n, worker_rss = json.loads(out.stdout.strip().splitlines()[-1])
    return dt, rss, n, worker_rss


def _target(stage: str, dt: float, n: int) -> str:
    if stage not in TARGETS:
        return ""
    bound, unit = TARGETS[stage]
    if unit == "s":
        return f"<= {bound:g} s: {'met' if dt <= bound else 'missed'}"
    return f">= {bound:,.0f}/s: {'met' if n / dt >= bound else 'missed'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,100000", help="comma-separated sentence counts")
    ap.add_argument("--code", action="append", type=Path, default=[],
                    help="another checkout to run side by side (repeatable); the first column is this one")
    ap.add_argument("--stages", default=",".join(STAGES),
                    help="comma-separated stages to report; every stage up to the last one named runs (flag needs"
                         " align's pairs)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    wanted = [s for s in STAGES if s in args.stages.split(",")]
    unknown = set(args.stages.split(",")) - set(STAGES)
    if unknown or not wanted:
        ap.error(f"unknown stage(s) {', '.join(sorted(unknown))}; known: {', '.join(STAGES)}")
    run = list(STAGES)[: list(STAGES).index(wanted[-1]) + 1]
    codes = [ROOT, *(c.resolve() for c in args.code)]
    results: dict[tuple[int, Path], dict[str, tuple[float, float, int, float]]] = {}
    store_mib: dict[tuple[int, Path], float] = {}
    tables: dict[tuple[int, Path], dict[str, int]] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bitext-stages-{n}-") as tmp:
            for code in codes:  # each checkout builds the same store with its own schema, one after the other
                work = Path(tmp) / "work"
                t0 = time.perf_counter()
                build_with(code, work, n)
                print(f"built {n} sentences with {code.name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
                as_translated(work, code)
                results[n, code] = {stage: run_stage(work, stage, code) for stage in run}
                tables[n, code] = dict(table_bytes(work))
                store_mib[n, code] = sum(f.stat().st_size for f in work.glob("bitext.sqlite*")) / 2**20
                shutil.rmtree(work)
    for n in sizes:
        print(f"\n{n:,} sentences")
        print("| stage | " + " | ".join(f"{c.name}: s | pairs/s | peak MiB" for c in codes)
              + "".join(f" | ratio vs {c.name}" for c in codes[1:]) + " | issue-12 target (this checkout) |")
        print("|---|" + "---|---|---|" * len(codes) + "---|" * (len(codes) - 1) + "---|")
        for stage in wanted:
            cells = []
            for code in codes:
                dt, rss, pairs, worker_rss = results[n, code][stage]
                rate = "" if stage == "status" else f"{pairs / dt:,.0f}"  # resume: sentences/s; commit: rows/s
                workers = f" (+{worker_rss:.0f} per worker)" if worker_rss else ""
                cells.append(f"{dt:.2f} | {rate} | {rss:.0f}{workers}")
            mine = results[n, ROOT][stage][0]
            ratios = [f"{results[n, c][stage][0] / mine:.2f}x" for c in codes[1:]]  # their seconds / ours
            print(f"| {stage} | " + " | ".join(cells + ratios) + f" | {_target(stage, mine, results[n, ROOT][stage][2])} |")
    print("\nratio = their seconds / ours (above 1: this checkout is faster); resume = a translate run with nothing"
          " pending (the pending scan; rate in sentences/s); commit = 20,000 new translations in transactions of 256"
          " (rows/s)")
    for n in sizes:
        sizes_text = ", ".join(f"{c.name} {store_mib[n, c]:,.0f} MiB ({store_mib[n, c] * 2**20 / n:,.0f} bytes per"
                               " sentence)" for c in codes)
        print(f"store after every stage, {n:,} sentences: {sizes_text}")
        names = sorted({t for c in codes for t in tables[n, c]}, key=lambda t: -tables[n, ROOT].get(t, 0)
                       - sum(tables[n, c].get(t, 0) for c in codes))
        print("| table or index | " + " | ".join(f"{c.name}: bytes per sentence" for c in codes) + " |")
        print("|---|" + "---|" * len(codes))
        for t in names:
            cells = [tables[n, c].get(t, 0) / n for c in codes]
            if max(cells) >= 1:
                print(f"| {t} | " + " | ".join(f"{b:,.0f}" for b in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
