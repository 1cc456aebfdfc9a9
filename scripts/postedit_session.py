"""A recorded post-editing session in a real Chromium: translation memory, glossary, consistency, concordance.

Through the real CLI and server (``bitext glossary import``, ``bitext review CORPUS`` in a subprocess), by
keyboard only:

1. the glossary is imported from a CSV (``bitext glossary import glossary.csv``);
2. a pair that differs from a decided one only in a number: Alt+1 inserts the match's English with the
   number carried over; Ctrl+Enter saves it;
3. an edit that drops a glossary term's English: QA on save holds it with the glossary warning; the
   reviewer puts the term's English in and saves;
4. Alt+Y opens the consistency page: one Indonesian sentence decided with two Englishes; the odd pair is
   one link away; the reviewer fixes it and the page is clear again;
5. Alt+K looks the selected Indonesian word up in the concordance (both sides of the decided pairs).

Every step is printed; ``--shots DIR`` saves docs/postedit-tm.png, postedit-glossary.png,
postedit-consistency.png and postedit-concordance.png. Usage:
  python scripts/postedit_session.py [--shots docs] [--keep DIR] [--headed]
The same session runs as a browser test (tests/web/test_postedit_session.py), without screenshots.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bitext import review
from bitext.store import Store, utcnow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SPOKESPERSON = "Hal itu disampaikan juru bicara Kementerian Pertanian di Jakarta."
ARTICLES = {
    "beras-maret": ("Harga beras naik", [
        ("Harga beras di Pasar Induk Cipinang naik 10 persen pekan ini.",
         "Rice prices at the Cipinang Main Market rose 10 percent this week.", "edited"),
        ("Pemerintah akan menambah pasokan beras dari gudang Bulog.",
         "The government will add rice supplies from Bulog warehouses.", "accepted"),
        (SPOKESPERSON, "This was conveyed by the Ministry of Agriculture spokesperson in Jakarta.", "accepted"),
    ]),
    "beras-april": ("Harga beras naik lagi", [
        ("Harga beras di Pasar Induk Cipinang naik 12 persen pekan ini.",
         "Rice price in Cipinang Main Market up 12 percent this week.", None),
        ("Pemerintah akan menambah pasokan beras dari gudang daerah.",
         "The government will increase rice supply from regional storehouses.", None),
        (SPOKESPERSON, "It was said by the spokesman of the Agriculture Ministry in Jakarta.", "accepted"),
    ]),
    "beras-mei": ("Pasokan beras", [
        (SPOKESPERSON, "This was conveyed by the Ministry of Agriculture spokesperson in Jakarta.", "accepted"),
        ("Pedagang di Pasar Induk Cipinang menyambut baik tambahan pasokan.",
         "Traders at the Cipinang Main Market welcomed the extra supply.", "accepted"),
    ]),
}
MT_OF_FIRST = "Rice price in Cipinang Main Market up 10 percent this week."
GLOSSARY = "id,en\ngudang,warehouse\npasokan,supply|supplies\nPasar Induk,Main Market\njuru bicara,spokesperson\n"


def build_corpus(folder: Path) -> Path:
    """The three articles above (aligned pairs written through the Store's writers) with their decisions."""
    with Store.open(folder) as store:
        for aid, (title, pairs) in ARTICLES.items():
            raw = " ".join(s for s, _, _ in pairs)
            store.write_article((aid, f"{aid}.txt", None, title, None, None, "id", None, raw, f"h-{aid}", "demo",
                                 utcnow()),
                                [(f"{aid}:0:{i}", aid, 0, i, s, 0, len(s)) for i, (s, _, _) in enumerate(pairs)])
            store.add_pairs([(f"{aid}:0.{i}", aid, "mt", i, json.dumps([f"{aid}:0:{i}"]), json.dumps([i]), s,
                              MT_OF_FIRST if st == "edited" else t, MT_OF_FIRST if st == "edited" else t, "1-1", 0.9,
                              "demo", utcnow()) for i, (s, t, st) in enumerate(pairs)])
        for aid, (_, pairs) in ARTICLES.items():
            for i, (_, t, st) in enumerate(pairs):
                if st:
                    review.decide(store, f"{aid}:0.{i}", st, reviewer="sari", after=t if st == "edited" else None)
    (folder / "glossary.csv").write_text(GLOSSARY, encoding="utf-8")
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def bitext(*args: str) -> str:
    """Run the CLI; its output."""
    done = subprocess.run([sys.executable, "-m", "bitext", *args], cwd=ROOT, env=_env(), text=True,
                          capture_output=True, check=True)
    return done.stdout.strip()


def run_session(corpus: Path, shots: Path | None = None, headed: bool = False) -> list[str]:
    """Run the session over a corpus built by :func:`build_corpus`; returns the log lines."""
    from playwright.sync_api import sync_playwright

    log: list[str] = []

    def say(line: str) -> None:
        log.append(line)
        print(line, flush=True)

    say("$ bitext glossary import glossary.csv --corpus CORPUS")
    say(bitext("glossary", "import", str(corpus / "glossary.csv"), "--corpus", str(corpus)).replace(str(corpus) + "/", ""))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "bitext", "review", str(corpus), "--port", str(port),
                             "--reviewer", "dewi"], cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    say("$ bitext review CORPUS --reviewer dewi")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/api/progress", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=not headed,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            pg = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()

            def painted(press: str) -> None:
                pg.evaluate("window.__painted = false; document.addEventListener('bitext:painted',"
                            " () => { window.__painted = true; }, {once: true})")
                pg.keyboard.press(press)
                pg.wait_for_function("() => window.__painted === true")

            def shown() -> str:
                return (pg.get_attribute("#pair", "data-pair-id") or "") if pg.query_selector("#pair") else "(none)"

            def retype(text: str) -> None:
                pg.keyboard.press("e")
                pg.keyboard.press("Control+a")
                pg.keyboard.type(text)

            # 2. A TM match that differs in a number.
            pg.goto(base + "/pair?id=beras-april:0.0")
            m = pg.inner_text("#tm-1").splitlines()[0]
            say(f"dewi opens beras-april:0.0: TM match {m.split()[0]} from {pg.get_attribute('#tm-1 a', 'href')}")
            painted("Alt+1")
            say(f"Alt+1 inserts: {pg.input_value('#after')}  ({pg.inner_text('#tm-1 .tm-carried')})")
            if shots:
                pg.screenshot(path=str(shots / "postedit-tm.png"))
            painted("Control+Enter")
            say(f"saved; next pair {shown()}")

            # 3. The glossary: terms marked, QA on save warns.
            marks = [(e.inner_text(), e.get_attribute("title")) for e in pg.query_selector_all("#source mark.term")]
            say(f"{shown()}: glossary terms marked: {', '.join(f'{s} ({e})' for s, e in marks)}")
            retype("The government will increase rice supplies from regional storehouses.")
            painted("Control+Enter")
            say("QA on save: " + " ".join(pg.inner_text("#qa").split("\n")[1:]))
            if shots:
                pg.screenshot(path=str(shots / "postedit-glossary.png"))
            retype("The government will increase rice supplies from regional warehouses.")
            painted("Control+Enter")
            say(f"fixed and saved; next pair {shown()}")

            # 4. Consistency.
            painted("Alt+Y")
            groups = pg.inner_text("#groups")
            say("consistency: " + " / ".join(line for line in groups.splitlines() if line.strip()))
            if shots:
                pg.screenshot(path=str(shots / "postedit-consistency.png"))
            odd = pg.query_selector_all("#groups li.group ul li")[-1].query_selector("a.fix")
            odd.focus()
            painted("Enter")
            say(f"opens the odd one: {shown()}")
            retype("This was conveyed by the Ministry of Agriculture spokesperson in Jakarta.")
            painted("Control+Enter")
            painted("Alt+Y")
            say("consistency after the fix: " + pg.inner_text("#groups-none"))

            # 5. Concordance of a selected word.
            pg.goto(base + "/pair?id=beras-mei:0.1&status=all")
            pg.evaluate("() => { const r = document.createRange(); r.selectNodeContents(document.querySelector("
                        "'#source mark.term')); getSelection().removeAllRanges(); getSelection().addRange(r); }")
            painted("Alt+K")
            rows = pg.query_selector_all("tr.cq-line")
            say(f"Alt+K on “{pg.input_value('#cq')}”: {len(rows)} decided pairs: "
                + ", ".join(r.inner_text().split()[0] for r in rows))
            if shots:
                pg.screenshot(path=str(shots / "postedit-concordance.png"))
            browser.close()
    finally:
        proc.kill()
        proc.wait()
    return log


def main() -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from team_session import session_main

    return session_main(__doc__, build_corpus, run_session)


if __name__ == "__main__":
    sys.exit(main())
