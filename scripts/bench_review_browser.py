"""The browser and load modes of scripts/bench_review.py (see its docstring); run through that script."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
        "--disable-renderer-backgrounding", "--disable-background-timer-throttling"]
VIEWS = ("queue a->next", "flag a->next", "article a->next", "search submit", "search a->next", "common search",
         "next (s)", "previous (p)", "counts", "mqm a->next", "discussion queue", "discussion post",
         "stats (typology)")
POSTEDIT_VIEWS = ("TM insert (Alt+1)", "consistency (Alt+Y)", "concordance (Alt+K)", "concordance search")
"""Timed with --postedit, in the in-place tab of code that has them (a page with #postedit)."""
# Set before any page script: the start of a step (the first key press or click after the harness
# cleared it) and the moment the next pair is painted, on the page's own clock (survives a page load).
INIT = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const start = () => { if (!sessionStorage.getItem('bench_t0')) sessionStorage.setItem('bench_t0', String(now())); };
  window.addEventListener('keydown', start, true);
  window.addEventListener('click', start, true);
  document.addEventListener('bitext:painted', () => { window.__painted = now(); });
  window.addEventListener('load', () => requestAnimationFrame(() => setTimeout(() => { window.__loadPainted = now(); }, 0)));
  %s
})();
"""


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def _cell(xs: list[float]) -> str:
    return f"{statistics.median(xs):>10.0f} /{_pct(xs, 0.95):>5.0f}" if xs else f"{'-':>18}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_of(ref: str | None) -> Path:
    """The folder whose ``bitext`` package the server runs: this tree, or git ``ref`` extracted."""
    if ref is None:
        return ROOT
    dest = Path(tempfile.mkdtemp(prefix="bench_review_code_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "bitext"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


class Server:
    """``bitext review`` (bitext.web.app.serve) in a subprocess, running the code in ``code``."""

    def __init__(self, corpus: Path, code: Path) -> None:
        self.corpus, self.code, self.port = corpus, code, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        call = f"from bitext.web.app import serve; serve({str(corpus)!r}, host='127.0.0.1', port={self.port}, reviewer='bench')"
        env = {**os.environ, "PYTHONPATH": str(code)}
        if (code / "bitext" / "review" / "index.py").exists():  # the review indexes made and the search
            # index caught up first (the app does it in the background), so the timing is the steady state
            prep = ("from bitext.store import Store; from bitext.review import index;"
                    f" s = Store.open({str(corpus)!r}); index.ensure_index(s); index.catch_up(s)")
            subprocess.run([sys.executable, "-c", prep], cwd=code, env=env, check=True)
        self.proc = subprocess.Popen([sys.executable, "-c", call], cwd=code, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 600  # the first open of a large store builds the review indexes
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server over {corpus} exited")
            try:
                urllib.request.urlopen(self.url + "/review", timeout=60).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def peak_rss_mb(self) -> float:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Tab:
    """One browser tab on one server, timing steps in one mode: 'in place' (review.js's in-place
    navigation) or 'reload' (a page load per step)."""

    def __init__(self, browser: object, server: Server, inplace: bool, n_articles: int, seed: int,
                 postedit: bool = False) -> None:
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        self.ctx.add_init_script(INIT % ("" if inplace else "window.BITEXT_NO_INPLACE = true;"))
        self.page = self.ctx.new_page()
        self.server, self.inplace, self.n_articles = server, inplace, n_articles
        self.rng = random.Random(seed)
        self.times: dict[str, list[float]] = {v: [] for v in VIEWS + POSTEDIT_VIEWS}
        self.unchanged = self.skipped = 0
        self.postedit = postedit and inplace

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path, wait_until="load")

    def pair(self) -> str | None:
        return self.page.evaluate("() => { const p = document.getElementById('pair');"
                                  " return p ? p.getAttribute('data-pair-id') : null; }")

    def step(self, view: str, action: Callable[[], None], need: str, moves: bool = True) -> None:
        """Time ``action`` if the page has ``need`` (a filter's queue may have run out: then not)."""
        page, before = self.page, self.pair()
        if page.query_selector(need) is None:
            self.skipped += 1
            return
        page.evaluate("() => { sessionStorage.removeItem('bench_t0'); window.__painted = 0; }")
        if self.inplace:
            action()
            page.wait_for_function("() => window.__painted > 0", polling=5, timeout=120_000)
            t0, t1 = page.evaluate("() => [Number(sessionStorage.getItem('bench_t0')), window.__painted]")
        else:
            with page.expect_navigation(wait_until="load"):
                action()
            page.wait_for_function("() => window.__loadPainted > 0", polling=5, timeout=120_000)
            t0, t1 = page.evaluate("() => [Number(sessionStorage.getItem('bench_t0')), window.__loadPainted]")
        if moves and self.pair() == before:
            self.unchanged += 1
        self.times[view].append(t1 - t0)

    def accept(self) -> None:
        """``a``, and ``1`` when a flagged pair's unedited confirm asks for a reason (a preset one)."""
        self.page.keyboard.press("a")
        if self.page.is_visible("#reason-prompt"):
            self.page.keyboard.press("1")

    def round(self) -> None:
        page, rng = self.page, self.rng
        key = page.keyboard.press
        self.goto("/review")
        self.step("queue a->next", self.accept, "#btn-accept")
        self.step("next (s)", lambda: key("s"), "#skip")
        self.step("previous (p)", lambda: key("p"), "#prev")
        self.goto("/review?flag=length_ratio")
        self.step("flag a->next", self.accept, "#btn-accept")
        self.goto(f"/review?article=art{rng.randrange(self.n_articles):06d}&status=all")
        self.step("article a->next", self.accept, "#btn-accept")
        self.goto("/review")
        key("/")
        page.keyboard.type(f"{rng.randrange(self.n_articles)}-1")  # ~ 0.05% of pairs
        self.step("search submit", lambda: key("Enter"), "#q", moves=False)
        self.step("search a->next", self.accept, "#btn-accept")
        self.goto("/review")
        key("/")
        page.keyboard.type(rng.choice(("pemerintah", "jembatan", "listrik", "nelayan")))  # ~30% of pairs
        self.step("common search", lambda: key("Enter"), "#q", moves=False)
        self.goto("/review?flag=length_ratio")
        page.select_option("select[name=status]", "all")
        self.step("counts", lambda: page.click(".filters button[type=submit]"), ".filters", moves=False)
        if self.postedit:
            self.postedit_round()
        self.step("stats (typology)", lambda: page.click("a.stats-link[href='/stats']"), ".stats-link", moves=False)
        self.goto("/review")
        if self.page.query_selector("#mqm") is None:  # code without the MQM picker (a baseline): not timed
            return
        self.goto("/review")
        for k in ("m", "2", "2", "Escape"):  # accuracy/omission: major
            key(k)
        self.step("mqm a->next", self.accept, "#btn-accept")
        self.goto("/review")
        page.check("#discuss-filter")
        self.step("discussion queue", lambda: page.click(".filters button[type=submit]"), ".filters", moves=False)
        key("d")
        page.keyboard.type("Which term do we use here?")
        self.step("discussion post", lambda: key("Control+Enter"), "#discuss-body", moves=False)

    def postedit_round(self) -> None:
        page, rng = self.page, self.rng
        key = page.keyboard.press
        self.goto("/review")
        if page.query_selector("#postedit") is None:
            return  # code without the post-editing views
        self.step("TM insert (Alt+1)", lambda: key("Alt+1"), "#tm-1", moves=False)
        self.goto("/review")  # (the box holds an unsaved edit now: leaving would ask first)
        self.step("consistency (Alt+Y)", lambda: key("Alt+Y"), "#postedit", moves=False)
        self.goto("/review")
        page.evaluate("() => { const el = document.querySelector('#source mark') || document.getElementById('source');"
                      " const r = document.createRange(); r.selectNodeContents(el); const s = getSelection();"
                      " s.removeAllRanges(); s.addRange(r); }")  # a glossary word: in ~30% of pairs
        self.step("concordance (Alt+K)", lambda: key("Alt+K"), "#postedit", moves=False)
        key("Alt+K")
        key("Control+a")
        page.keyboard.type(f"{rng.randrange(self.n_articles)}-1")  # ~ 0.05% of pairs
        self.step("concordance search", lambda: key("Enter"), "#cq", moves=False)


def run_browser(folders: dict[int, Path], repeat: int, baseline: str | None, postedit: bool = False) -> int:
    """Time every view in Chromium at each size, in place and with page loads (and the baseline's code)."""
    from playwright.sync_api import sync_playwright

    sizes = list(folders)
    codes = {"in place": ROOT, "reload": ROOT}
    if baseline:
        codes[f"{baseline} (reload)"] = code_of(baseline)
    servers: dict[tuple[int, Path], Server] = {}
    tabs: dict[tuple[int, str], Tab] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for n in sizes:
                for mode, code in codes.items():
                    if (n, code) not in servers:
                        print(f"{n:>7} pairs: starting the server ({code})", file=sys.stderr, flush=True)
                        servers[(n, code)] = Server(folders[n], code)
                    tabs[(n, mode)] = Tab(browser, servers[(n, code)], mode == "in place",
                                          max(1, n // 20), seed=hash((n, mode)) & 0xFFFF, postedit=postedit)
            for r in range(repeat):  # interleaved: a busy moment of the machine hits every size and mode alike
                for tab in tabs.values():
                    tab.round()
                print(f"round {r + 1}/{repeat}", file=sys.stderr, flush=True)
        finally:
            browser.close()
            for srv in servers.values():
                srv.stop()
    for mode in codes:
        print(f"\n{mode}: key press -> next pair painted, ms (p50 / p95), {repeat} rounds")
        print(f"{'view':<18}" + "".join(f"{f'{n:,} pairs':>18}" for n in sizes))
        for view in VIEWS + (POSTEDIT_VIEWS if postedit and mode == "in place" else ()):
            cells = "".join(_cell(tabs[(n, mode)].times[view]) for n in sizes)
            print(f"{view:<18}{cells}")
        odd = sum(tabs[(n, mode)].unchanged for n in sizes)
        skipped = sum(tabs[(n, mode)].skipped for n in sizes)
        if odd or skipped:
            print(f"({odd} steps showed the same pair again, {skipped} not timed: the end of a filter's queue)")
    print("\njson:", json.dumps({mode: {n: {v: [round(_pct(tabs[(n, mode)].times[v], 0.5), 1),
                                                 round(_pct(tabs[(n, mode)].times[v], 0.95), 1)]
                                             for v in VIEWS + POSTEDIT_VIEWS if tabs[(n, mode)].times[v]}
                                         for n in sizes} for mode in codes}))
    return 0


def _burst(n: int, fn: Callable[[int], object]) -> tuple[list[float], list[str]]:
    """``fn(i)`` in ``n`` threads released at once: the seconds each took, and the errors."""
    gate = threading.Barrier(n)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        gate.wait()
        t = time.perf_counter()
        try:
            fn(i)
            with lock:
                times.append(time.perf_counter() - t)
        except Exception as e:  # noqa: BLE001 - counted and reported
            with lock:
                errors.append(type(e).__name__ + ": " + str(e)[:80])

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def _opener() -> urllib.request.OpenerDirector:
    import http.cookiejar

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _post(opener: urllib.request.OpenerDirector, url: str, data: bytes) -> int:
    """POST a form; a save held by QA on save (422) is an answer too (the checks ran)."""
    try:
        return opener.open(url, data=data, timeout=120).status
    except urllib.error.HTTPError as e:
        if e.code == 422:
            return e.code
        raise


def run_load(folder: Path, n: int, baseline: str | None) -> int:
    """``n`` concurrent GETs of pair pages, then 20 concurrent first edits after a restart (per code)."""
    import sqlite3

    sys.setswitchinterval(0.001)
    codes = {"this tree": ROOT}
    if baseline:
        codes[baseline] = code_of(baseline)
    conn = sqlite3.connect(folder / "bitext.sqlite")
    pending = [r for r in conn.execute(
        "SELECT p.id, p.target FROM pairs p JOIN review_pair_state s ON s.pair_id = p.id WHERE s.status = 'pending'"
        " ORDER BY random() LIMIT ?", (n + 40 * len(codes),))]
    conn.close()
    print(f"{'':<22}{'answered':>9}{'timed out':>10}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'wall s':>8}{'peak MB':>9}")
    for name, code in codes.items():
        srv = Server(folder, code)
        try:
            ids = [pid for pid, _ in pending[:n]]
            t = time.perf_counter()
            times, errors = _burst(n, lambda i, url=srv.url, ids=ids: urllib.request.urlopen(
                f"{url}/pair?id={urllib.parse.quote(ids[i])}", timeout=60).read())
            wall = time.perf_counter() - t
            print(f"{name[:12] + ': ' + str(n) + ' GETs':<22}{len(times):>9}{len(errors):>10}{_pct(times, .5):>8.2f}"
                  f"{_pct(times, .95):>8.2f}{max(times or [0]):>8.2f}{wall:>8.1f}{srv.peak_rss_mb():>9.0f}", flush=True)
        finally:
            srv.stop()
        edits = pending[n:n + 20]
        pending = pending[:n] + pending[n + 20:]
        srv = Server(folder, code)  # a restart: the QA checks are not built yet
        try:
            opener = _opener()
            forms = []
            for pid, target in edits:
                page = opener.open(f"{srv.url}/pair?id={urllib.parse.quote(pid)}", timeout=60).read().decode()

                def field(k: str, page: str = page) -> str:
                    return re.search(rf'action="/decide">.*?name="{k}" value="([^"]*)"', page, re.S).group(1)

                forms.append(urllib.parse.urlencode({
                    "csrf": field("csrf"), "id": pid, "parent_id": field("parent_id"), "seen": field("seen"),
                    "action": "edit", "after": target + " The edit adds a sentence.", "status": "pending",
                    "flag": "", "article": "", "q": ""}).encode())
            rss0 = srv.peak_rss_mb()
            t = time.perf_counter()
            times, errors = _burst(20, lambda i, url=srv.url, opener=opener, forms=forms: _post(
                opener, f"{url}/decide", forms[i]))
            wall = time.perf_counter() - t
            print(f"{name[:12] + ': 20 first edits':<22}{len(times):>9}{len(errors):>10}{_pct(times, .5):>8.2f}"
                  f"{_pct(times, .95):>8.2f}{max(times or [0]):>8.2f}{wall:>8.1f}{srv.peak_rss_mb():>9.0f}"
                  f"  (peak {rss0:.0f} MB before the edits)", flush=True)
            for e in sorted(set(errors))[:3]:
                print("   ", e)
        finally:
            srv.stop()
    return 0


AB_ITEMS = 2000


def run_ab(folder: Path, repeat: int) -> int:
    """--ab: the blind A/B page's pick (1 or 2) -> next item painted (a page load per step), interleaved with
    the queue's accept -> next pair with a page load on the same server (the reference), both in Chromium."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from bitext.review import ab
    from bitext.store import Store

    with Store.open(folder, create=False) as store:  # both Englishes of the first pending pairs, as compare would
        rows = [(r[0], r[1], f"{r[2]} (a)", f"The {r[2]}") for r in store.conn.execute(
            "SELECT id, source, target FROM pairs ORDER BY id LIMIT ?", (AB_ITEMS,))]
        ab.add_items(store, rows, model_a="model:a|beams:4", model_b="model:b|beams:4", label_a="a", label_b="b",
                     rng=random.Random(1))
    server = Server(folder, ROOT)
    views = ("queue a->next", "ab pick->next")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            queue = Tab(browser, server, False, 1, seed=1)
            pick = Tab(browser, server, False, 1, seed=2)
            for tab in (queue, pick):
                tab.times.update({v: [] for v in views})
            queue.goto("/review")
            pick.goto("/ab")
            for r in range(repeat):  # interleaved: a busy moment of the machine hits both alike
                queue.step("queue a->next", queue.accept, "#btn-accept")
                key = "1" if r % 2 else "2"
                pick.step("ab pick->next", lambda k=key: pick.page.keyboard.press(k), "#ab-form", moves=False)
            print(f"{repeat} rounds", file=sys.stderr, flush=True)
        finally:
            browser.close()
            server.stop()
    with Store.open(folder, create=False) as store:
        n = store.count("pairs")
    ref, got = queue.times["queue a->next"], pick.times["ab pick->next"]
    print(f"\nkey press -> next painted, ms (p50 / p95), {repeat} rounds, {n:,} pairs, {AB_ITEMS:,} A/B items,"
          " a page load per step")
    print(f"{'view':<22}{'ms':>18}{'p50 ratio':>12}")
    for view, xs in (("queue a->next", ref), ("ab pick->next", got)):
        print(f"{view:<22}{_cell(xs)}{statistics.median(xs) / statistics.median(ref):>11.2f}x")
    print("\njson:", json.dumps({v: [round(_pct(xs, 0.5), 1), round(_pct(xs, 0.95), 1)]
                                 for v, xs in (("queue a->next", ref), ("ab pick->next", got))}))
    return 0
