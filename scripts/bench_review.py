"""Review app speed at 1k, 20k and 200k pairs, measured through the real HTTP app (Flask's test client).

Each store is written straight through the Store's writers (no model): articles of 20 one-sentence pairs,
three checks per pair (about 12% fired, 2% as errors), 10% of pairs already decided. Then, per size:

  pair page    GET /pair?id=... of a pending pair
  save         POST /decide (accept), the save alone
  save->next   POST /decide and GET of the page it redirects to (what the reviewer waits for)
  queue        GET /review (picks the first pair of the pending queue)
  search       GET /review?q=<a word in 1 of 20 articles> (all statuses)
  filter       GET /review?flag=<a check> and ?article=<id>, alternately

and prints median and p95 (ms) per size side by side with the ratio of the largest to the smallest. The
sizes are measured interleaved (one round of every operation on each size in turn), so a busy moment of a
shared machine hits them alike. A save is fsynced (the app's durable commit): its time is mostly the disk's.
Usage: python scripts/bench_review.py [--sizes 1000,20000,200000] [--repeat 40] [--keep DIR]

--browser: the same stores served by the real server (``bitext review``, a subprocess), driven by
Debian's Chromium through Playwright, timing what the reviewer waits for: from the key press (or click)
to the next pair painted (review.js's "bitext:painted" after the in-place update; with a page load, the
new page's first frame after its load event), both read from the page's own clock. Per view:

  queue a->next      accept in the default queue (pending)
  flag a->next       accept inside a flag filter (?flag=length_ratio)
  article a->next    accept inside an article filter (?article=...&status=all)
  search submit      Enter in the search box (a text in ~0.05% of pairs), first match painted
  search a->next     accept inside that search
  common search      Enter in the search box (a word in ~30% of pairs), first match painted
  next (s)           skip to the next pair of the default queue
  previous (p)       back to the pair before
  counts             a filter change (status: all): the page with its "N in this queue" and header counts
  mqm a->next        an MQM annotation by keyboard (m 2 2 Esc, not timed) then accept: the save and next pair
  discussion queue   a filter change to "needs discussion" (1 pair in 500 has an open discussion)
  discussion post    Ctrl+Enter in the thread (d, typed text, not timed): the comment saved, the pair again
  stats (typology)   the stats link: reviewers, agreement, MT vs reference, the error typology (3 in 10
                     seeded decisions carry an MQM error)

A flagged pair accepted unedited asks for a reason first: an accept step presses a (the prompt) and 1 (a
preset reason), timed from the first key.

in place (review.js + /api/*), and with a page load per step (the same server, review.js's in-place
navigation off: the old path), and with --baseline REF also with the code of git REF (a page load per
step, as that code does). Usage: --browser [--sizes ...] [--repeat 25] [--baseline 5d99cc2]

--postedit: the stores get the post-editing load too (issue 21): a 5,000-term glossary (imported from a CSV
through ``bitext.review.glossary``; the 20 words of the texts and their pairs are terms, so every Indonesian
is marked) and 2,000 decided repeats (200 sentences with two Englishes each: the consistency view's groups);
the pair pages then carry the TM panel (the 10% decided pairs are the memory: 20,000 at 200k pairs) and the
glossary marks. Without --browser it adds the ops "consistency" (GET /consistency) and "concordance" (GET
/concordance?cq=<a word in ~30% of pairs>); with --browser, the in-place tab also times:

  TM insert (Alt+1)    Alt+1 on a pair page: the match's English in the box, painted
  consistency (Alt+Y)  from a pair page to the consistency page, painted
  concordance (Alt+K)  the selected (common) Indonesian word looked up, painted
  concordance search   Enter in the concordance box (a text in ~0.05% of pairs), painted

--ab: the blind A/B page (issue 22) on the largest store, 2,000 A/B items: key 1 or 2 -> the next item painted
(a page load per step), interleaved with the queue's accept -> next pair with a page load on the same server
(the reference, ratio beside it). Usage: --ab --sizes 20000 [--repeat 20]

--load: the server under load on the largest store: N concurrent GETs of pair pages (default 1,000),
each with a 60 s timeout, and 20 concurrent first edits (QA on save) right after a restart; prints
answered / timed out, p50/p95/max and the server's peak memory. With --baseline REF, the same for that code.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bitext.review.schema import ensure_schema  # noqa: E402
from bitext.review.typology import CATEGORY_NAMES, SEVERITIES, ensure_notes, record_notes  # noqa: E402
from bitext.store import Store, utcnow  # noqa: E402

WORDS = ("pemerintah jembatan warga harga beras pasar presiden kota desa sekolah rumah sakit banjir jalan "
         "listrik air petani nelayan pelabuhan bandara").split()
EN = ("government bridge residents price rice market president city village school house hospital flood road "
      "electricity water farmers fishermen port airport").split()
PER_ARTICLE = 20


def build(folder: Path, n_pairs: int, seed: int = 1) -> tuple[Store, float]:
    """A store of ``n_pairs`` pairs; returns it and the seconds the build took."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    store = Store.open(folder)
    ensure_schema(store)  # the triggers run on every write below, as in a real corpus
    ensure_notes(store)
    now = utcnow()
    with store.tx():
        for a in range(n_pairs // PER_ARTICLE):
            aid = f"art{a:06d}"
            sents, pairs, flags = [], [], []
            pos = 0
            for k in range(PER_ARTICLE):
                words = rng.sample(WORDS, 6)
                src = " ".join(words).capitalize() + f" {a}-{k}."
                tgt = " ".join(EN[WORDS.index(w)] for w in words).capitalize() + f" {a}-{k}."
                sid = f"{aid}:0:{k}"
                sents.append((sid, aid, 0, k, src, pos, pos + len(src)))
                pos += len(src) + 1
                pid = f"{aid}:0.{k}"
                pairs.append((pid, aid, "mt", k, json.dumps([sid]), json.dumps([k]), src, tgt, tgt, "1-1",
                              round(rng.random(), 3), "bench", now))
                r = rng.random()
                fired = [("length_ratio", r < 0.10, "warning"), ("untranslated", r > 0.98, "error"),
                         ("number_mismatch", 0.10 <= r < 0.12, "info")]
                flags += [(pid, name, rng.random(), int(f), sev, f"{name} reason") for name, f, sev in fired]
            raw = " ".join(s[4] for s in sents)
            store.write_article((aid, f"{aid}.txt", None, f"Title {a}", None, None, "id", None, raw, f"h{a}",
                                 "bench", now), sents)
            store.add_pairs(pairs)
            store.write_flags(flags)
            for p in pairs:
                if rng.random() < 0.10:
                    rid = store.add_review(p[0], "seed", "accepted", before=p[7], after=p[7], source=p[6],
                                           pair_target=p[7])
                    if rng.random() < 0.3:  # an MQM annotation on 3 in 10 decisions (the stats page's typology)
                        record_notes(store.conn, rid, ((rng.choice(CATEGORY_NAMES), rng.choice(SEVERITIES)),), None)
                if rng.random() < 0.002:  # a discussion asked for on 1 pair in 500
                    store.conn.execute("INSERT INTO review_comments(pair_id, author, at, event, body)"
                                       " VALUES (?, 'seed', ?, 'open', 'which term?')", (p[0], now))
    return store, time.perf_counter() - t0


N_TERMS = 5000
REPEATS, REPEAT_SOURCES = 2000, 200


def add_postedit(store: Store, folder: Path, n_terms: int = N_TERMS) -> None:
    """The glossary (``n_terms`` terms, through a CSV import) and the decided repeats (see --postedit);
    nothing when the store has them already."""
    from bitext.review import glossary

    if glossary.term_count(store):
        return
    rows = [(w, e) for w, e in zip(WORDS, EN, strict=True)]
    rows += [(f"{a} {b}", f"{EN[WORDS.index(a)]} {EN[WORDS.index(b)]}") for a in WORDS for b in WORDS if a != b]
    rows += [(f"istilah{i} khusus", f"special term {i}") for i in range(n_terms - len(rows))]
    csv_path = folder / "glossary.csv"
    csv_path.write_text("id,en\n" + "".join(f"{s},{e}\n" for s, e in rows), encoding="utf-8")
    glossary.import_file(store, csv_path)
    now = utcnow()
    with store.tx():
        for a in range(REPEATS // PER_ARTICLE):
            aid = f"rep{a:04d}"
            sents, pairs = [], []
            for k in range(PER_ARTICLE):
                n = (a * PER_ARTICLE + k) % REPEAT_SOURCES
                src = f"Pernyataan resmi nomor {n} disampaikan juru bicara."
                tgt = f"Official statement number {n} was delivered by the spokesperson."
                sid = f"{aid}:0:{k}"
                sents.append((sid, aid, 0, k, src, 0, len(src)))
                pairs.append((f"{aid}:0.{k}", aid, "mt", k, json.dumps([sid]), json.dumps([k]), src, tgt, tgt, "1-1",
                              0.9, "bench", now))
            store.write_article((aid, f"{aid}.txt", None, f"Repeats {a}", None, None, "id", None,
                                 " ".join(s[4] for s in sents), f"r{a}", "bench", now), sents)
            store.add_pairs(pairs)
            for p in pairs:
                # 2 of a sentence's 10 copies (a // 10: which copy) decided with another English
                other = p[7].replace("spokesperson", "spokesman") if (a // 10) % 5 == 0 else None
                store.add_review(p[0], "seed", "edited" if other else "accepted", before=p[7], after=other or p[7],
                                 source=p[6], pair_target=p[7])


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


class Bench:
    """The operations on one store through the app; :meth:`step` runs each once and records its time (ms)."""

    def __init__(self, store: Store, repeat: int, seed: int = 2, postedit: bool = False) -> None:
        from bitext.web.app import create_app

        self.rng = random.Random(seed)
        app = create_app(store, reviewer="bench")
        app.testing = True
        self.client = app.test_client()
        self.pending = [r[0] for r in store.conn.execute(
            "SELECT pair_id FROM review_pair_state WHERE status = 'pending' ORDER BY random() LIMIT ?",
            (repeat * 6,))]
        self.n_articles = store.count("articles")
        self.times: dict[str, list[float]] = {k: [] for k in ("pair page", "save", "save->next", "queue", "search",
                                                              "filter")}
        if postedit:
            self.times.update({"consistency": [], "concordance": []})
        self.postedit = postedit
        self.client.get("/review")  # warm-up: session, CSRF, caches
        self.i = 0

    def _timed(self, key: str, fn):  # noqa: ANN001, ANN202
        t = time.perf_counter()
        resp = fn()
        self.times[key].append((time.perf_counter() - t) * 1000)
        assert resp.status_code < 400, (key, resp.status_code, resp.get_data(as_text=True)[:300])
        return resp

    def step(self) -> None:
        c, rng = self.client, self.rng
        pid = self.pending.pop()
        page = self._timed("pair page", lambda: c.get("/pair", query_string={"id": pid})).get_data(as_text=True)
        data = _form(page, pid)
        self._timed("save", lambda: c.post("/decide", data=data))
        pid2 = self.pending.pop()
        data2 = _form(c.get("/pair", query_string={"id": pid2}).get_data(as_text=True), pid2)
        t = time.perf_counter()
        resp = c.post("/decide", data=data2)
        nxt = c.get(resp.headers["Location"])
        self.times["save->next"].append((time.perf_counter() - t) * 1000)
        assert nxt.status_code == 200
        self._timed("queue", lambda: c.get("/review"))
        word = f"{rng.randrange(self.n_articles)}-{rng.randrange(PER_ARTICLE)}."
        self._timed("search", lambda: c.get("/review", query_string={"q": word}))
        if self.i % 2:
            self._timed("filter", lambda: c.get("/review", query_string={"flag": "untranslated"}))
        else:
            aid = f"art{rng.randrange(self.n_articles):06d}"
            self._timed("filter", lambda: c.get("/review", query_string={"article": aid, "status": "all"}))
        if self.postedit:
            self._timed("consistency", lambda: c.get("/consistency"))
            word = rng.choice(WORDS)
            self._timed("concordance", lambda: c.get("/concordance", query_string={"cq": word}))
        self.i += 1


def _form(page: str, pid: str) -> dict[str, str]:
    def field(name: str) -> str:
        m = re.search(rf'action="/decide">.*?name="{name}" value="([^"]*)"', page, re.S)
        assert m, name
        return m.group(1)

    return {"csrf": field("csrf"), "id": pid, "parent_id": field("parent_id"), "seen": field("seen"),
            "action": "accept", "status": "pending", "flag": "", "article": "", "q": ""}


def _stores(base: Path, sizes: list[int], postedit: bool = False) -> dict[int, Store]:
    out = {}
    for n in sizes:
        folder = base / f"n{n}"
        if (folder / "bitext.sqlite").exists():
            store, took = Store.open(folder), 0.0
        else:
            store, took = build(folder, n)
        if postedit:
            t = time.perf_counter()
            add_postedit(store, folder)
            took += time.perf_counter() - t
        print(f"{n:>7} pairs: store built in {took:.1f} s", file=sys.stderr, flush=True)
        out[n] = store
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,20000,200000")
    ap.add_argument("--repeat", type=int, default=None, help="rounds (default 40; 25 with --browser)")
    ap.add_argument("--keep", type=Path, help="build the stores in this folder (reused if there)")
    ap.add_argument("--browser", action="store_true", help="time key press -> next pair painted in Chromium")
    ap.add_argument("--load", type=int, nargs="?", const=1000, help="N concurrent GETs (default 1000), then"
                    " 20 concurrent first edits after a restart")
    ap.add_argument("--baseline", help="git ref whose code is timed too (--browser, --load)")
    ap.add_argument("--ab", action="store_true", help="the blind A/B page in Chromium on the largest store: pick ->"
                    " next item painted beside the queue's accept -> next pair (both with a page load)")
    ap.add_argument("--postedit", action="store_true", help="a 5,000-term glossary and decided repeats in the"
                    " stores, and the post-editing views timed (TM, glossary, consistency, concordance)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_review_"))
    if args.browser or args.load or args.ab:
        from bench_review_browser import run_ab, run_browser, run_load

        stores = _stores(base, sizes, args.postedit)
        for s in stores.values():
            s.close()
        folders = {n: base / f"n{n}" for n in sizes}
        if args.load:
            return run_load(folders[sizes[-1]], args.load, args.baseline)
        if args.ab:
            return run_ab(folders[sizes[-1]], args.repeat or 20)
        return run_browser(folders, args.repeat or 25, args.baseline, args.postedit)
    args.repeat = args.repeat or 40
    benches = {n: Bench(store, args.repeat, postedit=args.postedit)
               for n, store in _stores(base, sizes, args.postedit).items()}
    for _ in range(args.repeat):  # interleaved: a busy moment of the machine hits every size alike
        for n in sizes:
            benches[n].step()
    results = {n: b.times for n, b in benches.items()}
    ops = list(next(iter(results.values())))
    head = "".join(f"{f'{n:,} pairs':>20}" for n in sizes)
    print(f"{'ms (median / p95)':<14}{head}{'p95 ratio':>12}")
    for op in ops:
        cells = "".join(f"{statistics.median(results[n][op]):>11.1f} /{_pct(results[n][op], 0.95):>6.1f}" for n in sizes)
        ratio = _pct(results[sizes[-1]][op], 0.95) / max(_pct(results[sizes[0]][op], 0.95), 1e-9)
        print(f"{op:<14}{cells}{ratio:>11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
