"""Does the align stage keep up with a GPU translator? Time ``align_corpus`` on synthetic stores, each run
in a fresh process on a fresh copy of the store (so its peak memory is its own), optionally side by side
with another checkout's code (``--code``), and check that both wrote the same pairs.

Cases:

* ``synthetic``: the store of ``scripts/bench_stages.py`` (articles of 50 sentences, paragraphs of 5, one
  translation per sentence), ``--sizes`` sentences;
* ``long``: ONE article of ``--long`` one-sentence paragraphs (kind ``mt``);
* ``long-ref``: the same article aligned against a human reference (its translations, one line per
  paragraph: one DP over the whole article), kind ``reference``;
* ``flores`` / ``flores-ref``: the FLORES-200 devtest documents of ``--shared`` as articles, corrupted as
  in ``scripts/eval_align.py`` (merges, deletions; the perturbed English as machine translation, some of
  it dropped; paragraphs of 1-4 sentences), aligned against the translation / the English as reference.

    python scripts/bench_align.py                                   # this checkout only
    python scripts/bench_align.py --code /work/baseline --rounds 2  # side by side, ratio = baseline / ours
    python scripts/bench_align.py --sizes 1000000 --cases synthetic --stores /tmp/align-stores  # reused

Targets (issue 12, 2 cores): align >= 5,000 pairs/s, memory flat in corpus size; the 50,000-paragraph
article in <= 5 s. ``same`` compares a digest of the ``pairs`` rows (all columns but the timestamp) and
of ``align_state``'s pair counts and confidences of the runs of one case.
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_stages import SIG, build, synthetic_pair  # noqa: E402

CHILD = """
import hashlib, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {code!r})
from bitext.align import align_corpus
from bitext.store import Store
store = Store.open(Path({folder!r}))
ref = {ref!r}
t0, c0 = time.perf_counter(), time.process_time()
r = align_corpus(store, quiet=True, reference=Path(ref) if ref else None)
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
h = hashlib.sha256()
for row in store.conn.execute("SELECT id, article_id, kind, bead_idx, src_ids, tgt_idx, source, target, mt,"
                              " bead_type, align_score, signature FROM pairs ORDER BY id"):
    h.update(json.dumps(list(row), ensure_ascii=False).encode())
# Not align_state's fingerprint: it holds ALIGNER_VERSION, so it differs between aligner versions whatever
# the pairs; its confidence only where the column exists (older checkouts have none).
extra = ", confidence" if "confidence" in {{r[1] for r in store.conn.execute("PRAGMA table_info(align_state)")}} else ""
for row in store.conn.execute(f"SELECT article_id, kind, n_pairs{{extra}} FROM align_state ORDER BY article_id, kind"):
    h.update(json.dumps(list(row), ensure_ascii=False).encode())
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps([dt, u.ru_maxrss / 1024, r.pairs, h.hexdigest(), cpu]))
"""


def build_long(folder: Path, paragraphs: int, reference: Path | None = None) -> None:
    """One article of ``paragraphs`` one-sentence paragraphs, each translated; with ``reference``, also
    write the translations there as ``<article id>.txt``, one line per paragraph."""
    from bitext.model import MetaKey
    from bitext.store import Store, translation_key, utcnow

    store = Store.open(folder)
    now = utcnow()
    sents, trans, lines = [], [], []
    pos = 0
    for k in range(paragraphs):
        src, tgt, n_tokens = synthetic_pair(k)
        sents.append((f"long:{k}:0", "long", k, 0, src, pos, pos + len(src)))
        pos += len(src) + 1
        trans.append((translation_key(SIG, src), SIG, src, tgt, -0.4, n_tokens, 0, 0, 0, now))
        lines.append(tgt)
    raw = "\n".join(s[4] for s in sents)
    with store.tx():
        store.write_article(("long", "long.txt", None, None, None, None, "id", None, raw, "hlong", "bench", now), sents)
        store.add_translations(trans)
        store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.close()
    if reference is not None:
        reference.mkdir(parents=True, exist_ok=True)
        (reference / "long.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_flores(folder: Path, shared: Path, reference: Path | None = None, seed: int = 13, copies: int = 1) -> None:
    """FLORES devtest documents as articles (see the module docstring), ``copies`` times (each copy
    corrupted anew); with ``reference``, each article's English there as ``<article id>.txt``, three
    sentences a line."""
    import random

    from eval_align import corrupt, load_documents

    from bitext.model import MetaKey
    from bitext.store import Store, translation_key, utcnow

    rng = random.Random(seed)
    store = Store.open(folder)
    now = utcnow()
    with store.tx():
        docs = load_documents(shared)
        for d, doc in enumerate(docs * copies):
            src, tgt, bridge, _ = corrupt(doc, rng)
            aid = f"fl{d:06d}"
            sents, trans, pi, si, pos = [], [], 0, 0, 0
            size = rng.randint(1, 4)
            for text, mt in zip(src, bridge, strict=True):
                if si == size:
                    pi, si, size = pi + 1, 0, rng.randint(1, 4)
                sents.append((f"{aid}:{pi}:{si}", aid, pi, si, text, pos, pos + len(text)))
                pos += len(text) + 1
                si += 1
                mt = "" if rng.random() < 0.03 else mt
                trans.append((translation_key(SIG, text), SIG, text, mt, -0.4, 10, 0, 0, 0, now))
            raw = "\n".join(s[4] for s in sents)
            store.write_article((aid, f"{aid}.txt", None, None, None, None, "id", None, raw, f"h{aid}", "bench", now),
                                sents)
            store.add_translations(trans)
            if reference is not None:
                reference.mkdir(parents=True, exist_ok=True)
                lines = [" ".join(tgt[k : k + 3]) for k in range(0, len(tgt), 3)]
                (reference / f"{aid}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.close()


def run_align(store_dir: Path, code: Path, reference: Path | None) -> tuple[float, float, int, str, float]:
    """(seconds, peak RSS MiB, pairs, digest, CPU seconds) of align_corpus with ``code``'s bitext on a copy of the store."""
    work = Path(tempfile.mkdtemp(prefix="bitext-align-run-"))
    try:
        shutil.copytree(store_dir, work / "s")
        src = CHILD.format(code=str(code), folder=str(work / "s"), ref=str(reference) if reference else "")
        out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, cwd=str(work))
        if out.returncode:
            raise RuntimeError(f"align with {code} failed:\n{out.stderr}")
        dt, rss, n, digest, cpu = json.loads(out.stdout.strip().splitlines()[-1])
        return dt, rss, n, digest, cpu
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,100000", help="comma-separated sentence counts (synthetic case)")
    ap.add_argument("--long", type=int, default=50000, help="paragraphs of the one long article")
    ap.add_argument("--cases", default="synthetic,long", help="comma-separated: synthetic, long, long-ref, flores, flores-ref")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="folder with data/flores200-devtest")
    ap.add_argument("--flores-copies", type=int, default=1, help="copies of FLORES devtest in the flores cases")
    ap.add_argument("--stores", type=Path, help="keep the built stores here and reuse them on the next run")
    ap.add_argument("--code", type=Path, action="append", default=[],
                    help="another checkout to time side by side (repeatable); this one is always timed")
    ap.add_argument("--rounds", type=int, default=1, help="runs per case and code, alternating; best is shown")
    args = ap.parse_args()
    codes = [ROOT, *[c.resolve() for c in args.code]]
    cases: list[tuple[str, Path, Path | None]] = []
    keep = args.stores is not None
    tmp = args.stores if keep else Path(tempfile.mkdtemp(prefix="bitext-bench-align-"))
    tmp.mkdir(parents=True, exist_ok=True)

    def fresh(name: str) -> bool:
        """Whether store ``name`` must be built (always, unless --stores holds it from an earlier run)."""
        return not (keep and (tmp / name / "bitext.sqlite").exists())

    try:
        for case in args.cases.split(","):
            t0 = time.perf_counter()
            if case == "synthetic":
                for n in (int(s) for s in args.sizes.split(",")):
                    if fresh(f"syn{n}"):
                        build(tmp / f"syn{n}", n)
                    cases.append((f"synthetic {n:,} sentences", tmp / f"syn{n}", None))
            elif case in ("long", "long-ref"):
                ref = tmp / f"{case}{args.long}-texts" if case == "long-ref" else None
                name = f"{case}{args.long}"
                if fresh(name):
                    build_long(tmp / name, args.long, ref)
                cases.append((f"{case}: 1 article, {args.long:,} paragraphs", tmp / name, ref))
            elif case in ("flores", "flores-ref"):
                name = f"{case}{args.flores_copies}"
                ref = tmp / f"{name}-texts" if case == "flores-ref" else None
                if fresh(name):
                    build_flores(tmp / name, args.shared, ref, copies=args.flores_copies)
                cases.append((f"{case}: FLORES devtest x{args.flores_copies}", tmp / name, ref))
            else:
                ap.error(f"unknown case {case!r}")
            print(f"built {case} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        results: dict[tuple[str, Path], list[tuple[float, float, int, str, float]]] = {}
        for name, folder, ref in cases:
            for _ in range(args.rounds):
                for code in codes:
                    r = run_align(folder, code, ref)
                    results.setdefault((name, code), []).append(r)
                    print(f"{name} | {code}: {r[0]:.2f} s ({r[4]:.2f} s CPU), {r[1]:.0f} MiB, {r[2]:,} pairs", file=sys.stderr)
        head = "| case | " + " | ".join(f"{c}: s (CPU s) | pairs/s | peak MiB" for c in codes)
        print(head + (" | speed-up | same pairs |" if len(codes) > 1 else " |"))
        print("|---|" + "---|---|---|" * len(codes) + ("---|---|" if len(codes) > 1 else ""))
        for name, _, _ in cases:
            cells, best = [], []
            for code in codes:
                runs = results[(name, code)]
                dt = min(r[0] for r in runs)
                cpu = min(r[4] for r in runs)
                rss = max(r[1] for r in runs)
                best.append(dt)
                cells.append(f"{dt:.2f} ({cpu:.2f}) | {runs[0][2] / dt:,.0f} | {rss:.0f}")
            line = f"| {name} | " + " | ".join(cells)
            if len(codes) > 1:
                digests = {r[3] for c in codes for r in results[(name, c)]}
                line += " | " + " / ".join(f"{best[k] / best[0]:.2f}x" for k in range(1, len(codes)))
                line += f" | {'yes' if len(digests) == 1 else 'NO'}"
            print(line + " |")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
