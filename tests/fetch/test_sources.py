"""Sources and bad input through ``bitext fetch``: WARC files (and a truncated one), a feed that is not
XML, a sitemap with entities, URL files, canonical URLs, duplicates; one line each, nothing stored lost."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bitext.cli import main
from bitext.fetch.dedup import Deduplicator, text_hash
from bitext.fetch.sources import kind_for_path, root_tag
from bitext.fetch.urls import article_id_for, canonical_url
from bitext.store import Store

from .server import Page, Site, serve
from .site import article_html


@pytest.mark.parametrize(("url", "canon"), [
    ("HTTP://Example.COM:80/Berita/a/?utm_source=x&b=2&a=1#top", "http://example.com/Berita/a?a=1&b=2"),
    ("https://example.com:443/", "https://example.com/"),
    ("https://example.com:8443//x//y/", "https://example.com:8443/x/y"),
    ("https://example.com/a?fbclid=1&gclid=2", "https://example.com/a"),
    ("mailto:a@b", "mailto:a@b"),
])
def test_canonical_url(url, canon):
    assert canonical_url(url) == canon


def test_article_id_is_stable_readable_and_has_no_colon():
    aid = article_id_for("https://www.antaranews.com/berita/4012345/gempa-di-mamuju")
    assert aid.startswith("www-antaranews-com-") and ":" not in aid and len(aid) <= 70
    assert aid == article_id_for("https://www.antaranews.com/berita/4012345/gempa-di-mamuju")


def test_dedup_exact_near_and_distinct(shared_dir):
    lines = (shared_dir / "data/flores200-devtest/devtest.id").read_text(encoding="utf-8").splitlines()
    a, b = " ".join(lines[100:106]), " ".join(lines[200:206])
    d = Deduplicator(0.8)
    d.add("a", text_hash(a), d.minhash(a))
    assert d.check(text_hash(a.upper() + " !"), None) == ("text", "a")  # case and punctuation do not count
    edited = a.replace(a.split()[7], "sangat", 1) + " Berita ini telah diperbarui."
    assert d.check(text_hash(edited), d.minhash(edited)) == ("near", "a")
    assert d.check(text_hash(b), d.minhash(b)) is None
    off = Deduplicator(1.0)
    off.add("a", text_hash(a), off.minhash(a))
    assert off.check(text_hash(edited), off.minhash(edited)) is None


def test_root_tag_and_local_kinds(tmp_path):
    assert root_tag(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c --><rss version="2.0">') == "rss"
    assert root_tag(b"<!DOCTYPE html><html>") == "html"
    assert root_tag(b"<atom:feed xmlns:atom='x'>") == "feed"
    urls = tmp_path / "list"
    urls.write_text("# c\nhttps://a/b\n")
    assert kind_for_path(urls) == "urls"


def write_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


@pytest.fixture
def flores(shared_dir) -> list[str]:
    return (shared_dir / "data/flores200-devtest/devtest.id").read_text(encoding="utf-8").splitlines()


def pages(flores: list[str], n: int, start: int = 300) -> list[tuple[str, bytes]]:
    out = []
    for i in range(n):
        s = flores[start + 4 * i:start + 4 * i + 4]
        url = f"https://arsip.example/berita/{start}-{i}"
        out.append((url, article_html("https://arsip.example", f"/berita/{start}-{i}", f"Judul {i}",
                                      [f"{s[0]} {s[1]}", f"{s[2]} {s[3]}"])))
    return out


def test_warc_records_become_articles_and_a_truncated_warc_keeps_what_was_read(tmp_path, flores, capsys):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, pages(flores, 4))
    out = tmp_path / "corpus"
    assert main(["fetch", str(warc), "--out", str(out), "--quiet"]) == 0
    with Store.open(out) as store:
        assert store.count("articles") == 4
        row = store.conn.execute("SELECT * FROM fetch_log WHERE url='https://arsip.example/berita/300-0'").fetchone()
        assert (row["source"], row["status"], row["outcome"], row["title"]) == (str(warc), 200, "article", "Judul 0")
        assert row["fetched_at"].startswith("20")
    # a second WARC, cut in the middle of its third record: the first two are kept, one line says why
    cut = tmp_path / "cut.warc.gz"
    write_warc(cut, pages(flores, 3, start=400))
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) - 900])
    capsys.readouterr()
    assert main(["fetch", str(cut), str(warc), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"bitext: error: {cut}: truncated or damaged after 2 response records (")
    with Store.open(out) as store:
        assert store.count("articles") == 6  # 4 before (nothing lost), 2 from the cut file
        assert store.count("fetch_log", "outcome='article'") == 6


def test_bad_sources_are_one_line_each_and_nothing_stored_is_lost(tmp_path, flores, capsys):
    with serve(Site()) as site:
        good = pages(flores, 1, start=500)[0][1]
        site.routes["/ok"] = Page(good)
        site.routes["/feed.xml"] = Page(b"this is not xml at all", "application/rss+xml")
        site.routes["/sitemap.xml"] = Page(b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaa">]>'
                                           b"<urlset><url><loc>&a;</loc></url></urlset>", "application/xml")
        site.routes["/laughs.xml"] = Page(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                                          b'<rss version="2.0"><channel><title>&b;</title></channel></rss>',
                                          "application/rss+xml")
        site.routes["/data.json"] = Page(b"{}", "application/json")
        out = tmp_path / "corpus"
        assert main(["fetch", site.url("/ok"), "--out", str(out), "--rate", "0", "--quiet"]) == 0
        capsys.readouterr()
        args = ["fetch", site.url("/feed.xml"), "--kind", "feed", "--out", str(out), "--rate", "0", "--quiet"]
        assert main(args) == 1
        assert main(["fetch", site.url("/sitemap.xml"), site.url("/laughs.xml"), site.url("/data.json"), str(tmp_path / "missing.txt"),
                     "--out", str(out), "--rate", "0", "--quiet"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            f"bitext: error: {site.url('/feed.xml')}: not a feed: not RSS/Atom XML (starts with b'this is not xml at "
            "all'); skipped",
            f"bitext: error: {site.url('/sitemap.xml')}: not a sitemap: DTDForbidden(name='urlset', system_id=None, "
            "public_id=None); skipped",
            f"bitext: error: {site.url('/laughs.xml')}: not a feed: it declares XML entities (refused: entity "
            "expansion); skipped",
            f"bitext: error: {site.url('/data.json')}: neither a feed, a sitemap nor an HTML page (Content-Type "
            "'application/json', starts with b'{}'); skipped",
            f"bitext: error: {tmp_path / 'missing.txt'}: no such file, and not an http(s) URL",
        ]
    with Store.open(out) as store:
        assert store.count("articles") == 1


def test_a_redirect_to_a_stored_article_is_a_same_url_duplicate(tmp_path, flores):
    with serve(Site()) as site:
        body = pages(flores, 1, start=600)[0][1].replace(b'rel="canonical"', b'rel="x-none"')
        site.routes["/berita/a"] = Page(body)
        site.routes["/lama/a"] = Page(b"", status=301, headers={"Location": "/berita/a"})
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{site.url('/berita/a')}\n{site.url('/lama/a')}\n", encoding="utf-8")
        out = tmp_path / "corpus"
        assert main(["fetch", str(urls), "--out", str(out), "--rate", "0", "--quiet"]) == 0
    with Store.open(out) as store:
        row = store.conn.execute("SELECT * FROM fetch_log WHERE url=?", (site.url("/lama/a"),)).fetchone()
        assert (row["outcome"], row["duplicate_kind"], row["final_url"]) == ("duplicate", "url", site.url("/berita/a"))
        assert store.count("articles") == 1


def test_an_extractor_crash_on_one_page_is_one_line_and_the_run_goes_on(tmp_path, flores, monkeypatch, capsys):
    import bitext.fetch.stage as stage

    real = stage._extract

    def flaky(got):
        if got.url.endswith("/odd"):
            raise RuntimeError("lxml choked")
        return real(got)
    monkeypatch.setattr(stage, "_extract", flaky)
    with serve(Site()) as site:
        a, b = pages(flores, 2, start=700)
        site.routes["/odd"] = Page(a[1])
        site.routes["/fine"] = Page(b[1])
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{site.url('/odd')}\n{site.url('/fine')}\n", encoding="utf-8")
        out = tmp_path / "corpus"
        assert main(["fetch", str(urls), "--out", str(out), "--rate", "0", "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == (f"bitext: error: {site.url('/odd')}: cannot extract the article "
                                               "(RuntimeError: lxml choked); skipped")
    with Store.open(out) as store:
        assert store.count("articles") == 1


def test_pairing_by_article_number_in_the_url_and_never_silently():
    from bitext.fetch.pairing import Candidate, pair

    cands = [Candidate("a", "https://id.example/berita/4012345/gempa", "2024-03-01", "Gempa", "Gempa di Mamuju."),
             Candidate("b", "https://id.example/berita/4012399/banjir", "2024-03-01", "Banjir", "Banjir di Bekasi.")]
    p = pair("https://en.example/news/4012345/quake", "Quake", "An earthquake hit Mamuju.", "2024-03-01", cands)
    assert (p.id, p.method, p.confidence) == ("a", "url", 1.0)
    p = pair("https://en.example/news/7/x", "Mamuju Bekasi", "Mamuju and Bekasi.", "2024-03-01", cands)
    assert p.id is None and "too close to the runner-up" in p.note  # a tie is reported, not guessed
    p = pair("https://en.example/news/8/x", "Quake", "An earthquake hit Mamuju.", "2024-03-01", cands)
    assert (p.id, p.method) == ("a", "date+anchors")


def test_the_corpus_folder_as_an_input_means_the_articles_already_stored(tmp_path, flores):
    from bitext.ingest import ingest

    out = tmp_path / "corpus"
    with Store.open(out) as store:
        assert ingest(store, [out]).problems == (f"no articles read from {out}",)  # an empty corpus: say so
    warc = tmp_path / "a.warc.gz"
    write_warc(warc, pages(flores, 1, start=800))
    assert main(["fetch", str(warc), "--out", str(out), "--quiet"]) == 0
    with Store.open(out) as store:
        fetched = store.count("sentences")
        report = ingest(store, [out])
        assert fetched > 0  # the fetched article's sentences, kept as they were
        assert (report.ok, report.added, report.unchanged, report.sentences) == (True, 0, 0, fetched)


def test_the_html_reader_gives_a_page_the_same_text_however_often_it_is_read(flores):
    from bitext.readers.html import HtmlReader

    page = pages(flores, 1, start=900)[0][1].decode("utf-8")
    texts = [next(iter(HtmlReader().read(page, Path("p.html")))).text for _ in range(5)]
    assert len(set(texts)) == 1 and texts[0].count("\n") == 1  # both paragraphs, every time
