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


def test_killed_fetch_resumes_without_fetching_a_committed_page_again(news_site, tmp_path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    site, exp = news_site
    for path in exp.originals:
        site.routes[path].delay = 0.05  # slow enough to be killed half-way
    out = tmp_path / "corpus"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "bitext", *fetch_args(site, out, "--concurrency", "2")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    committed: set[str] = set()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            try:
                with sqlite3.connect(f"file:{out / 'bitext.sqlite'}?mode=ro", uri=True, timeout=1) as conn:
                    n = conn.execute("SELECT COUNT(*) FROM fetch_log WHERE outcome='article'").fetchone()[0]
            except sqlite3.Error:
                continue
            if n >= 10:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, "the fetch finished before it could be killed"
    with sqlite3.connect(out / "bitext.sqlite") as conn:
        committed = {r[0].removeprefix(site.base) for r in conn.execute("SELECT url FROM fetch_log WHERE kind='page'")}
        n_articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert len(committed) >= 10 and n_articles >= 10
    first_hits = dict(site.hits)

    assert main(fetch_args(site, out)) == 1  # the PDF again: it was not reached before the kill
    for path in committed:
        assert site.hits[path] == first_hits[path] == 1, path  # committed before the kill: never again
    twice = [p for p in exp.originals if site.hits[p] > 1]
    assert len(twice) <= 2 * 4, twice  # at most the pages in flight at the kill (concurrency 2, window 8)
    with Store.open(out) as store:
        urls = [r[0].removeprefix(site.base) for r in store.conn.execute("SELECT url FROM articles")]
        assert sorted(urls) == sorted(exp.originals)  # no article twice, none lost
        assert store.count("fetch_log", "outcome='duplicate'") == 10


def test_bitext_run_continues_from_a_fetched_corpus(news_site, tmp_path, tiny_model_dir, capsys):
    site, exp = news_site
    urls = tmp_path / "urls.txt"
    copy = next(iter(exp.exact))  # a word-for-word copy of article 3
    urls.write_text("# four articles and a copy\n" + "".join(site.url(p) + "\n" for p in [*exp.originals[:4], copy]),
                    encoding="utf-8")
    out = tmp_path / "corpus"
    assert main(["fetch", str(urls), "--out", str(out), "--rate", "0", "--quiet"]) == 0
    assert main(["run", str(out), "--out", str(out), "--model", str(tiny_model_dir), "--backend", "transformers",
                 "--beams", "1", "--max-new-tokens", "16", "--quiet"]) == 0
    card = (out / "dataset" / "README.md").read_text(encoding="utf-8")
    assert "Fetched pages left out as duplicates of an earlier article (`bitext fetch`, never translated): " \
        "1 same text." in card
    with Store.open(out) as store:
        n = store.count("sentences")
        assert n >= 4 * 6  # six FLORES sentences each (the segmenter may split one further)
        assert store.count("translations") == store.conn.execute("SELECT COUNT(DISTINCT text) FROM sentences").fetchone()[0]
        assert store.count("pairs", "kind='mt'") >= 4
        assert store.count("articles") == 4


def test_recheck_uses_conditional_requests_and_failed_pages_are_retried_next_run(news_site, tmp_path, capsys):
    from .server import Page
    from .site import article_html

    site, exp = news_site
    paths = exp.originals[:3]
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(site.url(p) + "\n" for p in [*paths, "/down"]), encoding="utf-8")
    site.routes["/down"] = Page(b"maintenance", "text/plain", 503)
    out = tmp_path / "corpus"
    args = ["fetch", str(urls), "--out", str(out), "--rate", "0", "--retries", "0", "--quiet"]
    assert main(args) == 1
    assert capsys.readouterr().err.strip() == f"bitext: error: {site.url('/down')}: HTTP 503"
    with Store.open(out) as store:
        row = store.conn.execute("SELECT outcome, status FROM fetch_log WHERE url=?", (site.url("/down"),)).fetchone()
        assert tuple(row) == ("error", 503)
    # the page changes and the server is back; an empty source list still retries the failed page
    changed = exp.originals[1]
    site.routes[changed] = Page(article_html(site.base, changed, "Judul baru", ["Jakarta (ANTARA) - " + " ".join(
        ["Presiden meresmikan jembatan baru di kota itu pada hari Senin."] * 3)]), headers={"ETag": '"new"'})
    site.routes["/down"] = site.routes[exp.originals[3]]
    empty = tmp_path / "none.txt"
    empty.write_text("# nothing new\n", encoding="utf-8")
    before = site.hits["/down"]
    assert main(["fetch", str(empty), "--out", str(out), "--rate", "0", "--quiet"]) == 0
    assert site.hits["/down"] == before + 1
    site.conditional.clear()
    assert main([*args, "--recheck"]) == 0
    assert sorted(site.conditional) == sorted([paths[0], paths[2], "/down"])  # 304: unchanged
    with Store.open(out) as store:
        assert store.count("articles") == 4
        row = store.conn.execute("SELECT * FROM fetch_log WHERE url=?", (site.url(paths[0]),)).fetchone()
        assert (row["status"], row["outcome"], row["title"], row["author"], row["etag"]) == (
            304, "article", "Artikel nomor 0", "Redaksi 0", '"a0"')  # revalidated, provenance kept
        titles = {r["url"].removeprefix(site.base): r["title"] for r in store.conn.execute("SELECT url, title FROM articles")}
        assert titles[changed] == "Judul baru"


def test_as_reference_pairs_english_pages_with_their_articles_or_says_why_not(news_site, shared_dir, tmp_path, capsys):
    import json

    from bitext.align.references import load_references

    from .server import Page
    from .site import article_html

    site, exp = news_site
    out = tmp_path / "corpus"
    assert main(["fetch", site.url("/rss.xml"), "--out", str(out), "--rate", "0", "--quiet"]) == 0
    english = (shared_dir / "data/flores200-devtest/devtest.en").read_text(encoding="utf-8").splitlines()
    en_urls = []
    for i in range(30):  # the English edition of the feed's 30 articles, same dates
        s = english[i * 6:(i + 1) * 6]
        path = f"/en/news/{i}"
        site.routes[path] = Page(article_html(site.base, path, f"Story {i}", [f"{s[0]} {s[1]}", f"{s[2]} {s[3]}",
                                                                            f"{s[4]} {s[5]}"],
                                              date=f"2024-03-{1 + i % 28:02d}"))
        en_urls.append(site.url(path))
    site.routes["/en/news/xmas"] = Page(article_html(site.base, "/en/news/xmas", "Holiday", english[900:904],
                                                     date="2024-12-25"))
    urls = tmp_path / "english.txt"
    urls.write_text("".join(u + "\n" for u in [*en_urls, site.url("/en/news/xmas")]), encoding="utf-8")
    capsys.readouterr()
    assert main(["fetch", str(urls), "--out", str(out), "--as", "reference", "--rate", "0"]) == 0
    captured = capsys.readouterr()
    with Store.open(out) as store:
        ids = {r["url"].removeprefix(site.base): r["id"] for r in store.conn.execute("SELECT id, url FROM articles")}
        rows = store.conn.execute("SELECT * FROM fetch_log WHERE url LIKE '%/en/news/%'").fetchall()
    paired = {r["url"]: r["article_id"] for r in rows if r["outcome"] == "reference"}
    for url, aid in paired.items():  # never a wrong pair
        assert aid == ids[exp.originals[int(url.rsplit("/", 1)[1])]], url
    assert len(paired) >= 10
    unpaired = [r for r in rows if r["outcome"] != "reference"]
    assert len(unpaired) == 31 - len(paired)
    assert f"{site.url('/en/news/xmas')}: no Indonesian article dated 2024-12-25 ±1 day; not used as a reference" \
        in captured.err
    assert all(r["reason"] in captured.err for r in unpaired)  # each reported, one line
    refs = load_references(out / "references.jsonl")
    assert set(refs) == set(paired.values())
    first = json.loads((out / "references.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["lang"] == "en" and 0.3 <= first["confidence"] <= 1
    assert f"fetch: {len(paired)} English pages paired" in captured.out
