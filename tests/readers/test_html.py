"""Saved news pages lose their boilerplate: no doctype, navigation, header or footer as sentences."""

from __future__ import annotations

from pathlib import Path

from bitext.ingest import ingest
from bitext.readers import read_file
from bitext.store import Store

PAGE = """<!DOCTYPE html>
<html lang="id"><head><title>Gempa di Mamuju</title>
<meta name="date" content="2021-01-15"><link rel="canonical" href="https://example.org/berita/gempa-mamuju">
</head><body>
<nav><a href="/">Beranda</a> | <a href="/nasional">Nasional</a> | <a href="/daerah">Daerah</a></nav>
<header>ANTARA News - Berita Terkini</header>
<article><h1>Gempa di Mamuju</h1>
<p>Mamuju (ANTARA) - Gempa bermagnitudo 6,2 mengguncang Mamuju pada Jumat dini hari. Warga berhamburan keluar rumah.</p>
<p>Badan Penanggulangan Bencana Daerah mencatat puluhan rumah rusak berat akibat gempa tersebut.</p>
</article>
<footer>Hak cipta &copy; 2021 ANTARA. Baca juga: Berita lainnya</footer>
</body></html>
"""


def test_a_news_page_gives_its_article_only(tmp_path: Path) -> None:
    page = tmp_path / "gempa.html"
    page.write_text(PAGE, encoding="utf-8")
    [rec] = list(read_file(page))
    assert rec.id == "gempa"
    assert rec.metadata == {"title": "Gempa di Mamuju", "url": "https://example.org/berita/gempa-mamuju",
                            "date": "2021-01-15"}
    assert rec.text.splitlines() == [
        "Mamuju (ANTARA) - Gempa bermagnitudo 6,2 mengguncang Mamuju pada Jumat dini hari. Warga berhamburan "
        "keluar rumah.",
        "Badan Penanggulangan Bencana Daerah mencatat puluhan rumah rusak berat akibat gempa tersebut.",
    ]
    store = Store.open(tmp_path / "c")
    report = ingest(store, [page])
    assert report.ok and report.added == 1
    texts = [r[0] for r in store.conn.execute("SELECT text FROM sentences ORDER BY para_idx, sent_idx")]
    assert texts == ["Gempa bermagnitudo 6,2 mengguncang Mamuju pada Jumat dini hari.",
                     "Warga berhamburan keluar rumah.",
                     "Badan Penanggulangan Bencana Daerah mencatat puluhan rumah rusak berat akibat gempa tersebut."]
    art = store.article("gempa")
    assert (art["title"], art["dateline"], art["date"]) == ("Gempa di Mamuju", "Mamuju (ANTARA) -", "2021-01-15")


def test_a_page_of_boilerplate_only_is_one_line(tmp_path: Path) -> None:
    page = tmp_path / "menu.html"
    page.write_text("<!DOCTYPE html><html><body><nav>Beranda | Nasional</nav></body></html>", encoding="utf-8")
    store = Store.open(tmp_path / "c")
    report = ingest(store, [page])
    assert report.problems == (f"{page}: no article text found in the page (only navigation or boilerplate?)",)
