"""Done-when: ``bitext fetch`` on a local mirror of a small site (feed + sitemap index + 50 articles,
some republished) gives the right articles, duplicates and provenance; a re-run fetches nothing again."""

from __future__ import annotations

import pytest

from bitext.cli import main
from bitext.store import Store

from .server import Site, serve
from .site import build_site


@pytest.fixture
def news_site(shared_dir):
    flores = shared_dir / "data" / "flores200-devtest"
    with serve(Site()) as site:
        exp = build_site(site, flores / "devtest.id", flores / "devtest.en")
        yield site, exp


def fetch_args(site: Site, out, *extra: str) -> list[str]:
    return ["fetch", site.url("/rss.xml"), site.url("/sitemap.xml"), "--out", str(out), "--rate", "0",
            "--quiet", *extra]


def test_site_articles_duplicates_provenance_then_rerun_fetches_nothing(news_site, tmp_path, capsys):
    site, exp = news_site
    out = tmp_path / "corpus"
    assert main(fetch_args(site, out, "--user-agent", "bitext-test/1")) == 1  # the PDF is a problem
    err = capsys.readouterr().err
    assert f"{site.url(exp.pdf)}: not an HTML page (Content-Type 'application/pdf'); skipped" in err
    assert set(site.agents) == {"bitext-test/1"}
    with Store.open(out) as store:
        log = {r["url"].removeprefix(site.base): r for r in store.conn.execute("SELECT * FROM fetch_log")}
        articles = {r["url"].removeprefix(site.base): r for r in store.conn.execute("SELECT * FROM articles")}
        assert sorted(articles) == sorted(exp.originals)
        by_id = {r["id"]: u for u, r in articles.items()}
        for copies, kind in ((exp.exact, "text"), (exp.near, "near"), (exp.syndicated, "url")):
            for copy, original in copies.items():
                row = log[copy]
                assert (row["outcome"], row["duplicate_kind"], by_id[row["duplicate_of"]]) == (
                    "duplicate", kind, original), copy
        assert log[exp.english]["outcome"] == "skipped" and "not Indonesian" in log[exp.english]["reason"]
        assert log[exp.disallowed]["outcome"] == "skipped" and "robots.txt" in log[exp.disallowed]["reason"]
        assert site.hits[exp.disallowed] == 0
        assert log[exp.pdf]["outcome"] == "skipped"
        # provenance: url, canonical, title, date, author, status, fetched-at, source, etag
        first = log[exp.originals[0]]
        assert (first["status"], first["etag"], first["title"], first["date"], first["author"]) == (
            200, '"a0"', "Artikel nomor 0", "2024-03-01", "Redaksi 0")
        assert first["source"] == site.url("/rss.xml") and first["fetched_at"]
        assert log[exp.originals[45]]["source"] == site.url("/sitemap-1.xml")
        a0 = articles[exp.originals[0]]
        assert (a0["title"], a0["date"], a0["dateline"]) == ("Artikel nomor 0", "2024-03-01", "Jakarta (ANTARA) -")
        # duplicates are never ingested: no sentences of theirs to translate
        n_sent = store.count("sentences")
        assert n_sent == store.count("sentences", "article_id IN (SELECT id FROM articles)")
        assert {r["outcome"] for r in log.values() if r["kind"] == "source"} == {"source"}
    # every page once; the utm variant of article 1 was not fetched as a page of its own
    pages = [p for p in site.hits if p.startswith(("/berita", "/daerah", "/mitra"))]
    assert all(site.hits[p] == 1 for p in pages), {p: site.hits[p] for p in pages if site.hits[p] > 1}
    assert site.hits[exp.utm_variant] == 0

    before = dict(site.hits)
    assert main(fetch_args(site, out)) == 0
    again = {p: n - before.get(p, 0) for p, n in site.hits.items() if n != before.get(p, 0)}
    # only robots.txt, the feed and the index (answered 304); no page and no child sitemap again
    assert set(again) == {"/robots.txt", "/rss.xml", "/sitemap.xml"}
    assert sorted(site.conditional) == ["/rss.xml", "/sitemap.xml"]
    with Store.open(out) as store:
        assert store.count("sentences") == n_sent
