"""End-to-end review in headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

The real server runs in a subprocess so it can be killed (SIGKILL) and restarted over the same store.
Set BITEXT_UPDATE_SCREENSHOT=1 to rewrite docs/review.png.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bitext import review
from bitext.store import Store
from tests.factories import CorpusBuilder

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

ARTICLE = "000_5711ccf1114075a5"
# A real ANTARA article (seeds/) with hand translations; bead 2 drops a clause (flagged).
PAIRS = [
    ("Mamuju (ANTARA) - Pemerintah Provinsi Sulawesi Barat mendorong Aparatur Sipil Negara (ASN) di daerah itu "
     "menginternalisasikan perspektif Hak Asasi Manusia (HAM) pada setiap pelayanan publik.",
     "Mamuju (ANTARA) - The West Sulawesi Provincial Government is encouraging civil servants (ASN) in the region "
     "to internalise a human rights perspective in every public service."),
    ("\"Penerapan nilai-nilai HAM harus menjadi fondasi bagi setiap ASN dalam memberikan pelayanan,\" kata Kepala "
     "Badan Kepegawaian Daerah (BKD) Provinsi Sulbar Herdin Ismail, pada dialog isu-Isu Hak Asasi Manusia, di "
     "Mamuju, Rabu.",
     "\"Applying human rights values must be the foundation for every civil servant in providing services,\" said "
     "Herdin Ismail, head of the West Sulawesi Regional Civil Service Agency (BKD), at a dialogue on human rights "
     "issues in Mamuju on Wednesday."),
    ("Herdin Ismail menyampaikan apresiasi atas terselenggaranya dialog tersebut sebagai bentuk keseriusan dalam "
     "memperkuat tata kelola pemerintahan yang baik dan akuntabel, serta mewujudkan pelayanan dasar yang "
     "berkualitas bagi seluruh masyarakat.",
     "Herdin Ismail expressed his appreciation for the dialogue."),
    ("Kegiatan itu menurut Herdin Ismail menjadi wadah strategis untuk memperkuat pemahaman serta memperkokoh "
     "komitmen bersama dalam pemajuan dan perlindungan HAM di tingkat daerah.",
     "According to Herdin Ismail, the event is a strategic forum to deepen understanding and strengthen a shared "
     "commitment to promoting and protecting human rights at the regional level."),
    ("Dialog itu juga kata dia, menjadi ruang kolaborasi bagi berbagai pihak, mulai dari instansi pemerintah, "
     "organisasi masyarakat sipil, hingga para pemangku kepentingan lainnya.",
     "The dialogue, he said, is also a space for collaboration between government agencies, civil society "
     "organisations and other stakeholders."),
    ("Ia berharap, melalui dialog isu-Isu HAM tersebut tercipta sinergi yang kuat dalam memperkuat ekosistem "
     "pelayanan publik yang lebih humanis dan berorientasi pada pemenuhan hak-hak warga.",
     "He hoped the dialogue would create strong synergy in building a more humane public service ecosystem "
     "oriented towards fulfilling citizens' rights."),
    ("Ia menegaskan bahwa ASN memegang peran krusial dalam menciptakan layanan yang adil, inklusif, dan "
     "menghormati hak-hak dasar masyarakat.",
     "She stressed that civil servants play a crucial role in creating services that are fair, inclusive and "
     "respectful of people's basic rights."),
    ("Upaya pemajuan HAM menurut dia, bukan hanya tanggung jawab lembaga tertentu, melainkan kerja bersama "
     "seluruh elemen pemerintahan dan masyarakat.",
     "Promoting human rights, she said, is not only the responsibility of certain institutions but a joint effort "
     "of all parts of government and society."),
]
SCRIPT_SOURCE = "Peretas menyisipkan <script>alert('xss')</script> ke situs itu."
SCRIPT_TARGET = "Hackers inserted <script>alert('xss')</script> into the site."
FLAG = ("length_ratio", 1, "error", 0.41,
        "English is 0.41x the expected length: the clause about good governance and basic services is missing")


def build_store(folder: Path, filler: int = 0) -> Store:
    """The article above, one pair with a <script> in a second article, and ``filler`` plain pairs."""
    b = CorpusBuilder(folder)
    for aid, title in ((ARTICLE, "Pemprov Sulbar dorong ASN internalisasikan perspektif HAM"), ("z_web", "Situs")):
        b.article(aid, title=title, source_path=f"seeds/{aid}.txt", segmenter="test")
    rows = [(f"{ARTICLE}:{i}", ARTICLE, i, s, t) for i, (s, t) in enumerate(PAIRS)]
    rows.append(("z_web:0", "z_web", 0, SCRIPT_SOURCE, SCRIPT_TARGET))
    rows += [(f"z_web:{i}", "z_web", i, f"Kalimat nomor {i}.", f"Sentence number {i}.") for i in range(1, filler + 1)]
    for pid, aid, idx, src, tgt in rows:
        b.pair(pid, src, tgt, article_id=aid, bead_idx=idx, mt=tgt, align_score=0.87)
    name, fired, severity, score, reason = FLAG
    b.flag(f"{ARTICLE}:2", name, fired=bool(fired), severity=severity, score=score, reason=reason)
    b.flag(f"{ARTICLE}:2", "untranslated", fired=False, severity="error", score=0.0)
    return b.store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`bitext review` in a subprocess (via bitext.web.app.serve)."""

    def __init__(self, corpus: Path, port: int, guidelines: Path | None = None) -> None:
        self.corpus, self.port, self.guidelines = corpus, port, guidelines
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        code = (f"from bitext.web.app import serve; serve({str(self.corpus)!r}, host='127.0.0.1', port={self.port},"
                f" reviewer='ana', guidelines={str(self.guidelines) if self.guidelines else None!r})")
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode())
            try:
                urllib.request.urlopen(self.url + "/api/progress", timeout=2).read()
                return
            except urllib.error.HTTPError:
                return  # up: a team's server refuses a request without a token
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    build_store(tmp_path / "corpus", filler=3).close()
    srv = Server(tmp_path / "corpus", free_port())
    srv.start()
    yield srv
    srv.kill()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = ctx.new_page()
    pg.dialogs = []  # any alert/confirm would land here
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    ctx.close()


@contextmanager
def serving(browser: object, corpus: Path, width: int = 1280, height: int = 800) -> Iterator[tuple[Server, object]]:
    """The server over ``corpus`` and a fresh page in a context of that size; both closed after."""
    srv = Server(corpus, free_port())
    srv.start()
    ctx = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield srv, ctx.new_page()
    finally:
        ctx.close()
        srv.kill()


def shown_pair(page: object) -> str:
    return page.get_attribute("#pair", "data-pair-id")


@contextmanager
def updated(page: object) -> Iterator[None]:
    """Wait for the page an action leads to, put in place by review.js (no page load: its
    "bitext:painted" event)."""
    page.evaluate("window.__painted = false; document.addEventListener('bitext:painted',"
                  " function () { window.__painted = true; }, {once: true})")
    yield
    page.wait_for_function("() => window.__painted === true")


def press_and_wait(page: object, key: str) -> None:
    """Press a shortcut that saves and wait for the next page to be shown."""
    with updated(page):
        page.keyboard.press(key)


def state(corpus: Path, pair_id: str) -> tuple[str, str] | None:
    with Store.open(corpus, create=False) as s:
        row = s.review_states().get(pair_id)
        return None if row is None else (row["status"], row["after"])


def test_keyboard_review_survives_a_killed_server(server: Server, page: object) -> None:
    corpus = server.corpus
    page.goto(server.url + "/")
    first = shown_pair(page)
    assert first == f"{ARTICLE}:2"  # the flagged pair comes first
    assert "clause about good governance" in page.inner_text("#flags")

    page.keyboard.press("a")  # accept: flagged and unedited, so it asks why first
    assert page.is_visible("#reason-prompt")
    press_and_wait(page, "1")  # the first preset reason
    assert state(corpus, first) == ("accepted", PAIRS[2][1])
    second = shown_pair(page)
    assert second == f"{ARTICLE}:0"
    assert "accepted" in page.inner_text("#last").lower()

    page.keyboard.press("e")  # edit the English inline
    assert page.evaluate("document.activeElement.id") == "after"
    page.keyboard.press("Control+a")
    page.keyboard.type("Mamuju (ANTARA) - West Sulawesi urges civil servants to put human rights first.")
    press_and_wait(page, "Control+Enter")
    assert "length" in page.inner_text("#qa")  # QA on save: much shorter than expected; saved on a second confirm
    page.focus("#after")
    press_and_wait(page, "Control+Enter")
    assert state(corpus, second) == ("edited", "Mamuju (ANTARA) - West Sulawesi urges civil servants to put human "
                                               "rights first.")
    third = shown_pair(page)
    press_and_wait(page, "r")  # reject
    assert state(corpus, third)[0] == "rejected"
    fourth = shown_pair(page)

    # Kill the server while this page is open, start it again, and save from the old page.
    server.kill()
    server.start()
    press_and_wait(page, "a")
    assert (third, fourth) == (f"{ARTICLE}:1", f"{ARTICLE}:3")
    assert state(corpus, fourth) == ("accepted", PAIRS[3][1])
    page.goto(server.url + "/review?status=all")
    counts = page.inner_text("#progress")
    assert "4/12 reviewed" in counts and "2 accepted" in counts and "1 edited" in counts and "1 rejected" in counts
    page.goto(f"{server.url}/history?id={second}")
    assert "West Sulawesi urges civil servants" in page.inner_text("table.hist")

    # u undoes the last decision shown in the banner
    page.goto(server.url + "/review")
    press_and_wait(page, "a")
    with Store.open(corpus, create=False) as s:
        assert [r["status"] for r in s.review_states().values()].count("accepted") == 3
    last_id = page.get_attribute("#undo-form input[name=id]", "value")
    press_and_wait(page, "u")
    assert state(corpus, last_id) == ("pending", None)
    assert shown_pair(page) == last_id
    assert page.dialogs == []


def test_script_in_text_is_shown_as_text(server: Server, page: object) -> None:
    page.goto(f"{server.url}/pair?id=z_web:0")
    assert page.inner_text("#source") == SCRIPT_SOURCE
    assert page.input_value("#after") == SCRIPT_TARGET
    assert page.evaluate("[...document.scripts].map(s => new URL(s.src).pathname)") == [
        "/static/review.js", "/static/postedit.js", "/static/notes.js"]  # only our own scripts
    press_and_wait(page, "a")
    assert page.dialogs == []
    assert state(server.corpus, "z_web:0") == ("accepted", SCRIPT_TARGET)


def test_stale_save_gets_a_conflict(server: Server, page: object) -> None:
    pid = f"{ARTICLE}:5"
    page.goto(f"{server.url}/pair?id={pid}")
    # another reviewer saves the same pair while this page is open
    with Store.open(server.corpus, create=False) as s:
        review.decide(s, pid, "edited", reviewer="budi", after="Budi's English.", parent_id=0)
    page.keyboard.press("e")
    page.keyboard.type(" (checked)")
    press_and_wait(page, "Control+Enter")
    assert "changed while you had it open" in page.inner_text("#conflict")
    assert page.inner_text("#theirs") == "Budi's English."
    assert page.input_value("#mine") == PAIRS[5][1] + " (checked)"
    assert state(server.corpus, pid) == ("edited", "Budi's English.")


def test_decision_speed(browser: object, tmp_path: Path) -> None:
    """Not an assertion: how many pairs a minute the page lets a reviewer decide (machine time only)."""
    build_store(tmp_path / "speed", filler=30).close()
    srv = Server(tmp_path / "speed", free_port())
    srv.start()
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = ctx.new_page()
        pg.goto(srv.url + "/review?article=z_web")
        times = []
        for _ in range(21):
            before = shown_pair(pg)
            t0 = time.perf_counter()
            press_and_wait(pg, "a")
            times.append(time.perf_counter() - t0)
            assert shown_pair(pg) != before
        times = times[1:]  # the first one warms up caches
        avg = sum(times) / len(times)
        print(f"\nreview speed: keypress -> next pair loaded: mean {avg * 1000:.1f} ms, "
              f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {len(times)} accepts "
              f"= {60 / avg:.0f} pairs/minute of machine time")
    finally:
        ctx.close()
        srv.kill()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def shoot(pg: object, tmp_path: Path, name: str, size: tuple[int, int]) -> None:
    """Screenshot the page; with BITEXT_UPDATE_SCREENSHOT=1 also into docs/NAME."""
    out = tmp_path / name
    pg.screenshot(path=str(out))
    assert png_size(out) == size
    if os.environ.get("BITEXT_UPDATE_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        (ROOT / "docs" / name).write_bytes(out.read_bytes())


def test_screenshot(tmp_path: Path, browser: object) -> None:
    store = build_store(tmp_path / "shot")
    review.decide(store, f"{ARTICLE}:0", "accepted", reviewer="ana")
    review.decide(store, f"{ARTICLE}:1", "edited", reviewer="ana", after=PAIRS[1][1].replace("Applying", "Upholding"))
    rid = review.decide(store, f"{ARTICLE}:4", "accepted", reviewer="ana")
    store.close()
    srv = Server(tmp_path / "shot", free_port())
    srv.start()
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = ctx.new_page()
        pg.goto(f"{srv.url}/pair?id={ARTICLE}:2&last={rid}")
        shoot(pg, tmp_path, "review.png", (1280, 800))
    finally:
        ctx.close()
        srv.kill()


def _edge_store(folder: Path) -> Store:
    """A 1-0 pair, a 0-1 pair and another 1-0 pair, each with an error flag (the top of the queue)."""
    b = CorpusBuilder(folder)
    b.article("e", title="Edge beads")
    b.pair("e:0.0", "Jembatan itu sepanjang 200 meter.", "", bead_idx=0, bead_type="1-0")
    b.pair("e:t1", "", "The mayor attended the ceremony.", bead_idx=1, bead_type="0-1")
    b.pair("e:0.1", "Warga menyambut baik.", "", bead_idx=2, bead_type="1-0")
    b.pair("e:0.2", "Pasar ramai.", "The market is busy.", bead_idx=3)
    for pid in ("e:0.0", "e:t1", "e:0.1"):
        b.flag(pid, "empty_side", severity="error", reason="one side is empty")
    return b.store


def test_1_0_and_0_1_pairs_are_decided_by_keyboard(browser: object, tmp_path: Path) -> None:
    _edge_store(tmp_path / "edge").close()
    with serving(browser, tmp_path / "edge") as (srv, pg):
        pg.goto(srv.url + "/")
        assert shown_pair(pg) == "e:0.0" and "No English (1-0)" in pg.inner_text("#hint")
        press_and_wait(pg, "r")  # reject the 1-0 pair
        assert state(srv.corpus, "e:0.0") == ("rejected", "")
        assert shown_pair(pg) == "e:t1" and "0-1" in pg.inner_text("#hint")
        assert "Accept as extra" in pg.inner_text("#btn-accept")
        pg.keyboard.press("a")  # accept the English-only pair as an extra: flagged, so with a reason
        press_and_wait(pg, "1")
        assert state(srv.corpus, "e:t1") == ("accepted", "The mayor attended the ceremony.")
        assert shown_pair(pg) == "e:0.1"
        pg.keyboard.press("e")
        pg.keyboard.type("Residents welcomed it.")
        press_and_wait(pg, "Control+Enter")  # the missing English, typed
        assert state(srv.corpus, "e:0.1") == ("edited", "Residents welcomed it.")
        assert shown_pair(pg) == "e:0.2"  # nothing flagged is left that no key resolves


def test_realignment_while_reviewing_keeps_every_decision(browser: object, tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path / "re")
    texts = ["Satu kalimat di sini.", "Kalimat kedua panjang sekali.", "Kalimat ketiga.", "Kalimat keempat."]
    ids = b.article("r", [texts])
    for k, t in enumerate(texts):
        b.pair(f"r:0.{k}", t, f"Sentence {k}.", bead_idx=k, src_ids=[ids[k]])
    b.store.close()
    with serving(browser, tmp_path / "re") as (srv, pg):
        pg.goto(srv.url + "/")
        for _ in range(3):
            press_and_wait(pg, "a")  # r:0.0, r:0.1, r:0.2 accepted; r:0.3 is open in the browser
        assert shown_pair(pg) == "r:0.3"
        # The aligner rewrites the article while the server runs: 0.1 and 0.2 merge, 0.0 and 0.3 move.
        with Store.open(tmp_path / "re", create=False) as s, s.tx():
            s.replace_pairs("r", "mt", [])
            bb = CorpusBuilder(s)
            bb.pair("r:0.0", texts[0], "Sentence 0, again.", article_id="r", bead_idx=0, src_ids=[ids[0]])
            bb.pair("r:0.1+0.2", f"{texts[1]} {texts[2]}", "Sentences 1 and 2.", article_id="r", bead_idx=1,
                    bead_type="2-1", src_ids=[ids[1], ids[2]])
            bb.pair("r:0.3", texts[3], "Sentence 3, again.", article_id="r", bead_idx=2, src_ids=[ids[3]])
            review.carry_reviews(s, "r")
        press_and_wait(pg, "a")  # the open page saw other English: refused, nothing decided blindly
        assert "re-aligned since it was opened" in pg.inner_text("#why")
        assert "Sentence 3, again." in pg.inner_text("#conflict")
        with Store.open(tmp_path / "re", create=False) as s:
            # Every pair got English nobody decided on: each decision is stale beside its sentences (bound to
            # both sides), none is lost or unplaced.
            rep = review.carry_report(s)
            assert (rep.carried, rep.stale, rep.unplaced, rep.stale_pairs) == (0, 3, 0, 2)
            assert (review.get_item(s, "r:0.0").status, review.get_item(s, "r:0.0").stale) == ("pending", True)
            assert len(review.stale_decisions(s, "r:0.1+0.2")) == 2
        pg.goto(srv.url + "/pair?id=r:0.1%2B0.2")
        assert pg.inner_text("#stale").upper().count("ACCEPTED BY ANA") == 2


def test_phone_width_has_no_sideways_scrolling(browser: object, tmp_path: Path) -> None:
    store = build_store(tmp_path / "phone")
    review.decide(store, f"{ARTICLE}:1", "edited", reviewer="ana", after=PAIRS[1][1].replace("Applying", "Upholding"))
    store.close()
    srv = Server(tmp_path / "phone", free_port())
    srv.start()
    try:
        for width, height in ((390, 844), (820, 1180)):
            ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            pg = ctx.new_page()
            pg.goto(f"{srv.url}/pair?id={ARTICLE}:2")
            assert pg.evaluate("document.documentElement.scrollWidth") <= width, width
            if width == 390:
                shoot(pg, tmp_path, "review-phone.png", (390, 844))
            ctx.close()
    finally:
        srv.kill()


def test_diff_propagation_with_undo_and_qa_on_save(browser: object, tmp_path: Path) -> None:
    repeat = "Demikian disampaikan juru bicara itu."
    b = CorpusBuilder(tmp_path / "pe")
    for aid in ("p1", "p2", "p3"):
        b.article(aid)
        b.pair(f"{aid}:0.0", repeat, "Thus conveyed by the spokesman.", article_id=aid, mt="Thus conveyed by the spokesman.")
    b.pair("p3:0.1", "Harga naik 10 persen.", "Prices rose 10 percent.", article_id="p3", bead_idx=1,
           mt="Prices rose 10 percent.")
    b.store.close()
    with serving(browser, tmp_path / "pe") as (srv, pg):
        pg.goto(srv.url + "/pair?id=p1:0.0")
        pg.keyboard.press("e")
        pg.keyboard.press("Control+a")
        pg.keyboard.type("Thus said the spokesman.")
        press_and_wait(pg, "Control+Enter")
        assert state(srv.corpus, "p1:0.0") == ("edited", "Thus said the spokesman.")
        # The next page offers the same edit for the two other pending pairs with this Indonesian.
        assert "2 other pending pairs have the same Indonesian" in pg.inner_text("#propagate")
        with updated(pg):
            pg.click("#propagate-form button")
        assert "Edit applied to 2 pairs" in pg.inner_text("#propagated")
        assert state(srv.corpus, "p2:0.0") == state(srv.corpus, "p3:0.0") == ("edited", "Thus said the spokesman.")
        pg.goto(srv.url + "/pair?id=p2:0.0&status=all")
        assert pg.inner_text("#mt-diff") == "vs MT: Thus conveyed bysaid the spokesman."
        assert pg.inner_text("#mt-diff del") == "conveyed by" and pg.inner_text("#mt-diff ins") == "said"
        pg.go_back()
        with updated(pg):
            pg.click("#undo-propagation-form button")
        assert state(srv.corpus, "p2:0.0") == state(srv.corpus, "p3:0.0") == ("pending", None)
        assert state(srv.corpus, "p1:0.0") == ("edited", "Thus said the spokesman.")
        # QA on save: a wrong number is shown and needs a second save; the typed text stays in the box.
        pg.goto(srv.url + "/pair?id=p3:0.1")
        pg.keyboard.press("e")
        pg.keyboard.press("Control+a")
        pg.keyboard.type("Prices rose 15 percent.")
        press_and_wait(pg, "Control+Enter")
        assert "numbers" in pg.inner_text("#qa") and state(srv.corpus, "p3:0.1") is None
        assert pg.input_value("#after") == "Prices rose 15 percent."
        pg.focus("#after")
        press_and_wait(pg, "Control+Enter")
        assert state(srv.corpus, "p3:0.1") == ("edited", "Prices rose 15 percent.")
