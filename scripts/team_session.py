"""A recorded review-team session in a real Chromium: a lead and two reviewers.

What it does, through the real server (``bitext review CORPUS --users FILE`` in a subprocess) and three
browser contexts (one per person, each signed in by their personal URL):

1. the lead (ana) opens the stats page and gives article ``berita-a`` to budi and ``berita-b`` to citra;
2. budi reviews his queue with the keyboard (accept, edit with Ctrl+Enter, reject); citra reviews hers;
3. citra (approver) signs off budi's decisions with ``f``; budi is offered no sign-off (reviewer role);
4. the lead asks for a double review of ``berita-a`` by citra; citra walks it again, blind (budi's
   decisions are not shown to her), and disagrees once;
5. the lead reads per-article and per-person progress and the agreement on the stats page.

Every step is printed; ``--shots DIR`` saves three screenshots (PNG). Usage:
  python scripts/team_session.py [--shots docs] [--keep DIR] [--headed]
The same session runs as a browser test (tests/web/test_team_session.py), without screenshots.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bitext.store import Store, utcnow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTICLES = {
    "berita-a": ("Jembatan baru di Mamuju", [
        ("Pemerintah Provinsi Sulawesi Barat meresmikan jembatan baru di Mamuju pada Senin.",
         "The West Sulawesi provincial government opened a new bridge in Mamuju on Monday."),
        ("Jembatan itu sepanjang 200 meter dan menghubungkan dua kecamatan.",
         "The bridge is 200 meters long and connects two districts."),
        ("Warga menyambut baik pembangunan tersebut.", "Residents welcomed it."),
        ("Gubernur berharap jembatan itu mempercepat arus barang.",
         "The governor hopes the bridge will speed up goods."),
    ]),
    "berita-b": ("Harga beras naik", [
        ("Harga beras naik 10 persen pada bulan Maret.", "Rice prices rose 10 percent in March."),
        ("Kenaikan itu terjadi di 34 provinsi.", "The rise happened in 34 provinces."),
        ("Pemerintah akan menambah pasokan.", "The government will add supplies."),
    ]),
}
TEAM = """[[person]]
name = "ana"
role = "lead"

[[person]]
name = "budi"
role = "reviewer"

[[person]]
name = "citra"
role = "approver"
"""


def build_corpus(folder: Path) -> Path:
    """The two articles above, written through the Store's writers (aligned pairs, one check each)."""
    with Store.open(folder) as store:
        for aid, (title, pairs) in ARTICLES.items():
            raw = " ".join(s for s, _ in pairs)
            store.write_article((aid, f"{aid}.txt", None, title, None, None, "id", None, raw, f"h-{aid}", "demo",
                                 utcnow()),
                                [(f"{aid}:0:{i}", aid, 0, i, s, 0, len(s)) for i, (s, _) in enumerate(pairs)])
            store.add_pairs([(f"{aid}:0.{i}", aid, "mt", i, json.dumps([f"{aid}:0:{i}"]), json.dumps([i]), s, t, t,
                              "1-1", 0.9, "demo", utcnow()) for i, (s, t) in enumerate(pairs)])
            store.write_flags([(f"{aid}:0.{i}", "length_ratio", 1.0, int(len(t) < 0.6 * len(s)), "warning",
                                "English much shorter than expected" if len(t) < 0.6 * len(s) else None)
                               for i, (s, t) in enumerate(pairs)])
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TeamServer:
    """``bitext review CORPUS --users FILE [extra options]`` in a subprocess; ``urls`` maps each of the
    ``people`` to their URL."""

    def __init__(self, corpus: Path, team_file: Path, extra: tuple[str, ...] = (), people: int = 3) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "PYTHONUNBUFFERED": "1"}
        self.command = [sys.executable, "-m", "bitext", "review", str(corpus), "--users", str(team_file),
                        "--port", str(self.port), *extra]
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.urls: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while len(self.urls) < people:
            line = self.proc.stdout.readline() if self.proc.stdout else ""
            if not line:
                raise RuntimeError(f"the server stopped: {self.proc.stderr.read() if self.proc.stderr else ''}")
            m = re.match(r"\s+(\S+) \((\w+)\): (\S+)", line)
            if m:
                self.urls[m.group(1)] = m.group(3)
            if time.monotonic() > deadline:
                raise RuntimeError("no personal URLs printed")
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/progress", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering (401: a team signs in)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run_session(corpus: Path, shots: Path | None = None, headed: bool = False, log: list[str] | None = None
                ) -> list[str]:  # fmt: skip
    """Run the session over a corpus built by :func:`build_corpus`; returns the log lines."""
    from playwright.sync_api import sync_playwright

    log = [] if log is None else log

    def say(line: str) -> None:
        log.append(line)
        print(line, flush=True)

    team_file = corpus / "team.toml"
    team_file.write_text(TEAM, encoding="utf-8")
    srv = TeamServer(corpus, team_file)
    say("$ " + " ".join(["bitext", "review", "CORPUS", "--users", "team.toml"]))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=not headed,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            pages = {}
            for name in ("ana", "budi", "citra"):
                ctx = browser.new_context(viewport={"width": 1100, "height": 720})
                pg = ctx.new_page()
                pg.goto(srv.urls[name])  # the personal URL: the token is swapped for a session at once
                assert "token=" not in pg.url
                pages[name] = pg
                say(f"{name} signed in: {pg.inner_text('#who')}")
            ana, budi, citra = pages["ana"], pages["budi"], pages["citra"]

            # 1. The lead splits the work.
            ana.goto(srv.base + "/stats")
            for article, person in (("berita-a", "budi"), ("berita-b", "citra")):
                ana.fill("#assign-articles", article)
                ana.select_option("#assign-person", person)
                with ana.expect_navigation():
                    ana.click("#assign-button")
                say(f"ana assigned {article} to {person}")
            if shots:
                ana.screenshot(path=str(shots / "team-assign.png"))

            def press(pg, key: str) -> None:
                # review.js saves and shows the next pair in place (no page load): wait for its paint
                pg.evaluate("window.__painted = false; document.addEventListener('bitext:painted',"
                            " function () { window.__painted = true; }, {once: true})")
                pg.keyboard.press(key)
                if key == "a" and pg.is_visible("#reason-prompt"):  # flagged, unedited: accepted with a reason
                    pg.keyboard.press("1")
                pg.wait_for_function("() => window.__painted === true")

            def shown(pg) -> str:
                return pg.get_attribute("#pair", "data-pair-id")

            # 2. The reviewers work through their own queues.
            budi.goto(srv.base + "/review")
            citra.goto(srv.base + "/review")
            assert shown(budi).startswith("berita-a:") and shown(citra).startswith("berita-b:")
            def edit(pg, text: str) -> None:
                pg.keyboard.press("e")
                pg.keyboard.press("Control+a")
                pg.keyboard.type(text)
                press(pg, "Control+Enter")
                if pg.query_selector("#qa"):  # QA on save: confirmed once, for this text
                    pg.focus("#after")
                    press(pg, "Control+Enter")

            fixed = "Residents welcomed the construction of the bridge."
            for step in ("edit", "a", "r", "a"):  # the flagged pair comes first: its English is cut short
                pid = shown(budi)
                if step == "edit":
                    edit(budi, fixed)
                else:
                    press(budi, step)
                say(f"budi {'edited' if step == 'edit' else {'a': 'accepted', 'r': 'rejected'}[step]} {pid}")
            for _ in range(3):
                pid = shown(citra)
                press(citra, "a")
                say(f"citra accepted {pid}")

            # 3. Sign-off: citra (approver) signs budi's decisions off; budi is offered none.
            budi.goto(srv.base + "/pair?id=berita-b:0.0&status=all")
            assert budi.query_selector("#signoff-form") is None
            say("budi (reviewer) is offered no sign-off on citra's decision")
            for i in (0, 1, 3):
                citra.goto(f"{srv.base}/pair?id=berita-a:0.{i}&status=all")
                press(citra, "f")
                assert "signed off by" in citra.inner_text("#signoff")
                say(f"citra signed off berita-a:0.{i} ({citra.inner_text('#xliff-state')})")
            if shots:
                citra.screenshot(path=str(shots / "team-signoff.png"))

            # 4. A double review: citra walks berita-a again and disagrees on one pair.
            ana.goto(srv.base + "/stats")
            ana.fill("#assign-articles", "berita-a")
            ana.select_option("#assign-person", "citra")
            ana.check("#assign-double")
            with ana.expect_navigation():
                ana.click("#assign-button")
            say("ana asked citra for a double review of berita-a")
            citra.goto(srv.base + "/review")
            for _ in range(4):
                pid = shown(citra)
                assert "budi" not in citra.inner_text("#pair")  # blind: budi's decision is not shown
                if pid == "berita-a:0.2":
                    edit(citra, fixed)  # she fixes the cut English as budi did
                    say(f"citra edited {pid} (double review, blind)")
                    continue
                key = "r" if pid in ("berita-a:0.1", "berita-a:0.3") else "a"  # agrees on 0.1, not on 0.3
                press(citra, key)
                say(f"citra {'rejected' if key == 'r' else 'accepted'} {pid} (double review, blind)")

            # 5. The lead reads the progress.
            ana.goto(srv.base + "/stats")
            say("stats: " + ana.inner_text("#agreement"))
            for row in ana.query_selector_all("#people tbody tr"):
                say("  person: " + " | ".join(c.inner_text() for c in row.query_selector_all("td")))
            for row in ana.query_selector_all("#article-progress tbody tr"):
                say("  article: " + " | ".join(c.inner_text() for c in row.query_selector_all("td")))
            if shots:
                ana.screenshot(path=str(shots / "team-stats.png"), full_page=True)
            browser.close()
    finally:
        srv.stop()
    return log


def session_main(doc: str, build: Any, run: Any) -> int:
    """The command line of a recorded session script: ``--shots DIR``, ``--keep DIR``, ``--headed``."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--shots", type=Path, help="save the screenshots in this folder")
    ap.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    ap.add_argument("--headed", action="store_true", help="show the browser")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build(args.keep or Path(tmp) / "corpus")
        run(corpus, args.shots, args.headed)
    return 0


def main() -> int:
    return session_main(__doc__, build_corpus, run_session)


if __name__ == "__main__":
    sys.exit(main())
