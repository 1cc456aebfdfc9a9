"""A recorded post-editing session in a real Chromium: MT vs reference, MQM errors, an unedited confirm with
its reason, a discussion a lead resolves, the guidelines panel, and the stats page's error typology.

Through the real server (``bitext review CORPUS --users FILE --guidelines FILE`` in a subprocess), with two
people signed in by their personal URLs, everything by keyboard:

1. budi (reviewer) opens the reference pairs first (the kind label says so) and accepts one (``a``);
   ``k`` switches the queue to the MT pairs;
2. on an MT pair with a wrong number he marks accuracy/mistranslation as critical (``m 1 3 Esc``) and
   fixes the English (``e``, Ctrl+Enter);
3. on a flagged pair whose English is cut short he marks accuracy/omission as major (``m 2 2``) and accepts
   it unedited (``a``): the app asks why; he types his own reason (``5``, text, Enter);
4. on the next pair he asks for a discussion (``d``, text, Ctrl+Shift+Enter) and opens the guidelines
   (``g``);
5. ana (lead) finds it in the "needs discussion" queue and resolves it (``d``, text, Ctrl+Shift+Enter); she
   decides two of budi's pairs again with her own annotations (agreement per category);
6. ana reads the stats page: MT vs reference, errors per category, model and article, agreement.

Every step is printed; ``--shots DIR`` saves postedit-mqm.png, postedit-discussion.png and
postedit-stats-typology.png. Usage: python scripts/postedit_mqm_session.py [--shots docs] [--keep DIR]
The same session runs as a browser test (tests/web/test_postedit_session.py), without screenshots.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from team_session import TeamServer  # noqa: E402

from bitext.store import Store, utcnow  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIGNATURE = "model:Helsinki-NLP/opus-mt-id-en@main|backend:ctranslate2-int8|beams:4"
ARTICLE = ("berita-c", "Harga beras naik di 34 provinsi")
MT_PAIRS = [  # (Indonesian, MT English, flag fired: (check, severity, reason) or None)
    ("Harga beras naik 10 persen pada bulan Maret.", "Rice prices rose 15 percent in March.",
     ("number_mismatch", "error", "10 in the Indonesian, 15 in the English")),
    ("Kenaikan itu terjadi di 34 provinsi dan paling tinggi di Papua.", "The rise happened in 34 provinces.",
     ("length_ratio", "warning", "English is 0.45x the expected length")),
    ("Pemerintah akan menambah pasokan beras dari gudang Bulog.",
     "The government will add rice supplies from the Bulog warehouse.", None),
    ("Pedagang di pasar induk mengeluhkan sepinya pembeli.", "Traders at the main market complained of few buyers.",
     None),
]
REFERENCES = [
    ("Harga beras naik 10 persen pada bulan Maret.", "The price of rice went up by 10 percent in March."),
    ("Pemerintah akan menambah pasokan beras dari gudang Bulog.",
     "The government will release more rice from Bulog's warehouses."),
]
TEAM = """[[person]]
name = "ana"
role = "lead"

[[person]]
name = "budi"
role = "reviewer"
"""
GUIDELINES = """# Post-editing guidelines

## Numbers and names
- Every number, date and unit **as in the Indonesian**; a wrong number is `accuracy/mistranslation`, critical.
- Names of people and places as written; institutions in their English name where one exists (*Bulog* stays).

## Error typology (MQM)
1. **Omission**: content of the Indonesian missing in the English.
2. **Addition**: content the Indonesian does not have.
3. **Fluency**, **terminology**, **style**, **locale** as in the [MQM core](https://themqm.org/).

> Accepting a flagged pair unedited needs a reason: say why the flag is wrong.
"""


def build_corpus(folder: Path) -> Path:
    """The article above: MT pairs (two flagged) and two human reference pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    with Store.open(folder) as store:
        aid, title = ARTICLE
        now = utcnow()
        sents = [(f"{aid}:0:{i}", aid, 0, i, s, 0, len(s)) for i, (s, _, _) in enumerate(MT_PAIRS)]
        store.write_article((aid, f"{aid}.txt", None, title, None, None, "id", None,
                             " ".join(s for s, _, _ in MT_PAIRS), f"h-{aid}", "session", now), sents)
        pairs = [(f"{aid}:0.{i}", aid, "mt", i, f'["{aid}:0:{i}"]', f"[{i}]", s, t, t, "1-1", 0.9, SIGNATURE, now)
                 for i, (s, t, _) in enumerate(MT_PAIRS)]
        pairs += [(f"{aid}:ref-0.{i}", aid, "reference", i, f'["{aid}:0:{2 * i}"]', f"[{i}]", s, t, None, "1-1",
                   0.8, None, now) for i, (s, t) in enumerate(REFERENCES)]
        store.add_pairs(pairs)
        flags = []
        for i, (_, _, flag) in enumerate(MT_PAIRS):
            for check in ("number_mismatch", "length_ratio"):
                fired = flag is not None and flag[0] == check
                flags.append((f"{aid}:0.{i}", check, 1.0, int(fired), flag[1] if fired else "warning",
                              flag[2] if fired else f"{check} passed"))
        for i in range(len(REFERENCES)):
            flags.append((f"{aid}:ref-0.{i}", "length_ratio", 1.0, 0, "warning", "length_ratio passed"))
        store.write_flags(flags)
    return folder


def run_session(corpus: Path, shots: Path | None = None, log: list[str] | None = None) -> list[str]:
    """Run the session over a corpus built by :func:`build_corpus`; returns the log lines."""
    from playwright.sync_api import sync_playwright

    log = [] if log is None else log

    def say(line: str) -> None:
        log.append(line)
        print(line, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="postedit_session_"))
    (tmp / "team.toml").write_text(TEAM, encoding="utf-8")
    (tmp / "guidelines.md").write_text(GUIDELINES, encoding="utf-8")
    srv = TeamServer(corpus, tmp / "team.toml", ("--guidelines", str(tmp / "guidelines.md")), people=2)
    say("$ bitext review CORPUS --users team.toml --guidelines guidelines.md")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
            pages = {}
            for name in ("budi", "ana"):
                ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
                pages[name] = ctx.new_page()
                pages[name].goto(srv.urls[name])
            budi, ana = pages["budi"], pages["ana"]

            def arm(pg) -> None:
                pg.evaluate("window.__painted = false; document.addEventListener('bitext:painted',"
                            " function () { window.__painted = true; }, {once: true})")

            def press(pg, key: str) -> None:
                # review.js saves and shows the next pair in place (no page load): wait for its paint
                arm(pg)
                pg.keyboard.press(key)
                pg.wait_for_function("() => window.__painted === true")

            def keys(pg, *seq: str) -> None:
                for k in seq:
                    pg.keyboard.press(k)

            def shown(pg) -> str:
                return pg.get_attribute("#pair", "data-pair-id")

            def label(pg) -> str:
                return pg.inner_text("#kind").lower()

            # 1. The reference pairs come first; k switches to the MT pairs.
            budi.goto(srv.base + "/review?kind=reference")
            pid = shown(budi)
            say(f"budi sees {pid} ({label(budi)})")
            press(budi, "a")
            say(f"budi accepted {pid}")
            press(budi, "k")
            say(f"budi pressed k: the queue shows {budi.input_value('#kind-filter')} pairs, first {shown(budi)}"
                f" ({label(budi)})")

            # 2. A wrong number: accuracy/mistranslation, critical; the English fixed.
            pid = shown(budi)
            keys(budi, "m", "1", "3", "Escape")
            say(f"budi marked {pid}: {budi.inner_text('#mqm-summary')}")
            keys(budi, "e", "Control+a")
            budi.keyboard.type("Rice prices rose 10 percent in March.")
            press(budi, "Control+Enter")
            say(f"budi edited {pid}")

            # 3. A flagged pair confirmed unedited: the reason is asked first.
            pid = shown(budi)
            keys(budi, "m", "2", "2", "Escape", "a")
            say(f"budi marked {pid}: {budi.inner_text('#mqm-summary')} and pressed a: the app asks why"
                if budi.is_visible("#reason-prompt") else f"budi pressed a on {pid}: nothing asked")
            if shots:
                budi.screenshot(path=str(shots / "postedit-mqm.png"))
            budi.keyboard.press("5")
            budi.keyboard.type("The desk shortens it; the omission is noted as an error")
            press(budi, "Enter")
            say(f"budi accepted {pid} unedited with his reason")

            # 4. A question for the team, and the guidelines.
            pid = shown(budi)
            budi.keyboard.press("d")
            budi.keyboard.type("'gudang Bulog': Bulog's warehouses, or the Bulog warehouse?")
            press(budi, "Control+Shift+Enter")
            say(f"budi asked for a discussion on {pid}: {budi.inner_text('#discussion-state').lower()}")
            budi.keyboard.press("g")
            say("budi opened the guidelines: " + budi.inner_text("#guidelines h3"))
            if shots:
                budi.screenshot(path=str(shots / "postedit-discussion.png"))

            # 5. The lead resolves the discussion, and decides two pairs again with her own annotations.
            ana.goto(srv.base + "/review?discuss=1")
            pid = shown(ana)
            say(f"ana's needs-discussion queue opens on {pid}")
            ana.keyboard.press("d")
            ana.keyboard.type("Bulog's warehouses: it has many; keep the name.")
            press(ana, "Control+Shift+Enter")
            thread = [li.inner_text().split("\n")[0] for li in ana.query_selector_all("#thread li")]
            say("thread: " + " | ".join(" ".join(t.split()) for t in thread))
            for i, marks in ((0, ("1", "3")), (1, ("2", "1", "6", "1"))):
                ana.goto(f"{srv.base}/pair?id={ARTICLE[0]}:0.{i}&status=all")
                keys(ana, "m", *marks, "Escape")
                summary = ana.inner_text("#mqm-summary")
                arm(ana)
                ana.keyboard.press("a")
                if ana.is_visible("#reason-prompt"):  # flagged, its English unedited: a preset reason
                    ana.keyboard.press("1")
                ana.wait_for_function("() => window.__painted === true")
                say(f"ana decided {ARTICLE[0]}:0.{i} again: {summary}")

            # 6. The stats page.
            ana.goto(srv.base + "/stats")
            for table in ("#kind-progress", "#typology", "#typology-models", "#typology-agreement"):
                for row in ana.query_selector_all(f"{table} tbody tr"):
                    cells = [c.inner_text() for c in row.query_selector_all("td")]
                    if any(c.strip() not in ("0", "–") for c in cells[1:]):
                        say(f"stats {table[1:]}: " + " | ".join(cells))
            if shots:
                ana.locator("#typology-section").screenshot(path=str(shots / "postedit-stats-typology.png"))
            browser.close()
    finally:
        srv.stop()
    return log


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shots", type=Path, help="save the screenshots in this folder")
    ap.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build_corpus(args.keep or Path(tmp) / "corpus")
        run_session(corpus, args.shots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
