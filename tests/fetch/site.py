"""A small Indonesian news site built at test time from FLORES-200 devtest sentences (read from
../shared, never copied into the repository): 50 articles, a feed, a sitemap index with a plain and a
gzipped news sitemap, robots.txt, and republished copies (exact, lightly edited, syndicated with a
canonical link), an English page, a PDF and a page robots.txt disallows."""

from __future__ import annotations

import gzip
import html
from dataclasses import dataclass, field
from pathlib import Path

from .server import Page, Site

N_ARTICLES = 50
SENTENCES_PER_ARTICLE = 6
EXACT_COPIES = (3, 11, 27, 29)  # republished word for word under another URL (after the original)
EDITED_COPIES = (5, 18, 33, 46)  # republished with one word changed and a line added
SYNDICATED = (8, 21)  # copies whose <link rel=canonical> names the original


@dataclass
class Expected:
    originals: list[str] = field(default_factory=list)  # paths of the 50 articles
    exact: dict[str, str] = field(default_factory=dict)  # copy path -> original path
    near: dict[str, str] = field(default_factory=dict)
    syndicated: dict[str, str] = field(default_factory=dict)
    english: str = "/en/world-news"
    pdf: str = "/files/report.pdf"
    disallowed: str = "/private/draft"
    utm_variant: str = ""


def article_html(base: str, path: str, title: str, paragraphs: list[str], *, canonical: str | None = None,
                 date: str = "2024-03-01", variant: int = 0) -> bytes:
    nav = "".join(f'<li><a href="{base}/{s}">{s.title()}</a></li>' for s in ("nasional", "daerah", "dunia"))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<link rel="canonical" href="{canonical or base + path}">
<meta property="og:title" content="{html.escape(title)}">
<meta name="author" content="Redaksi {variant}">
<meta property="article:published_time" content="{date}T08:00:00+07:00">
</head><body><header><div class="logo">Kabar Nusantara {variant}</div><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{html.escape(title)}</h1>{body}</article></main>
<aside><h3>Berita terkait</h3><ul><li><a href="{base}/x">Baca juga lainnya</a></li></ul></aside>
<footer>Hak cipta 2024 Kabar Nusantara. Semua hak dilindungi.</footer></body></html>""".encode()


def build_site(site: Site, flores_id: Path, flores_en: Path) -> Expected:
    """Fill ``site.routes`` (its ``base`` must be set) and return what a fetch should find."""
    lines = flores_id.read_text(encoding="utf-8").splitlines()
    english = flores_en.read_text(encoding="utf-8").splitlines()
    base, exp = site.base, Expected()
    texts: dict[int, list[str]] = {}
    for i in range(N_ARTICLES):
        sents = lines[i * SENTENCES_PER_ARTICLE:(i + 1) * SENTENCES_PER_ARTICLE]
        paras = [f"Jakarta (ANTARA) - {sents[0]} {sents[1]}", f"{sents[2]} {sents[3]}", f"{sents[4]} {sents[5]}"]
        texts[i] = paras
        path = f"/berita/{2024}/{i:03d}-artikel"
        exp.originals.append(path)
        site.routes[path] = Page(article_html(base, path, f"Artikel nomor {i}", paras, date=f"2024-03-{1 + i % 28:02d}"),
                                 headers={"ETag": f'"a{i}"'})
    for i in EXACT_COPIES:
        path = f"/daerah/salinan-{i:03d}"
        site.routes[path] = Page(article_html(base, path, f"Artikel nomor {i} (ulang)", texts[i], variant=1))
        exp.exact[path] = exp.originals[i]
    for i in EDITED_COPIES:
        paras = list(texts[i])
        words = paras[1].split()
        words[2] = "sangat"
        paras[1] = " ".join(words)
        paras.append("Berita ini telah diperbarui.")
        path = f"/daerah/suntingan-{i:03d}"
        site.routes[path] = Page(article_html(base, path, f"Artikel {i} diperbarui", paras, variant=2))
        exp.near[path] = exp.originals[i]
    for i in SYNDICATED:
        path = f"/mitra/sindikasi-{i:03d}"
        paras = [texts[i][0], "Isi lengkap hanya untuk pelanggan mitra kami di seluruh daerah Indonesia."]
        site.routes[path] = Page(article_html(base, path, f"Sindikasi {i}", paras,
                                              canonical=base + exp.originals[i] + "/", variant=3))
        exp.syndicated[path] = exp.originals[i]
    site.routes[exp.english] = Page(article_html(base, exp.english, "World news",
                                                 [" ".join(english[600:603]), " ".join(english[603:606])]))
    site.routes[exp.pdf] = Page(b"%PDF-1.4 not really", "application/pdf")
    site.routes[exp.disallowed] = Page(article_html(base, exp.disallowed, "Draf", texts[0]))
    site.routes["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")

    copies = [*exp.exact, *exp.near, *exp.syndicated]
    exp.utm_variant = exp.originals[1] + "?utm_source=rss&utm_medium=feed"
    feed_paths = [*exp.originals[:30], exp.utm_variant, *copies[:6]]
    items = "".join(f"<item><title>Berita {n}</title><link>{html.escape(base + p)}</link>"
                    f"<pubDate>Fri, 01 Mar 2024 08:00:00 +0700</pubDate></item>" for n, p in enumerate(feed_paths))
    site.routes["/rss.xml"] = Page(f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                   f"<title>Kabar</title><link>{base}/</link>{items}</channel></rss>".encode(),
                                   "application/rss+xml", headers={"ETag": '"feed1"'})
    news_ns = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'

    def urlset(paths: list[str]) -> bytes:
        urls = "".join(f"<url><loc>{html.escape(base + p)}</loc><news:news><news:title>t</news:title></news:news>"
                       "</url>" for p in paths)
        return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f"{news_ns}>{urls}</urlset>").encode()

    site.routes["/sitemap-1.xml"] = Page(urlset(exp.originals[20:]), "application/xml")
    site.routes["/sitemap-2.xml.gz"] = Page(
        gzip.compress(urlset([*copies[6:], exp.english, exp.pdf, exp.disallowed, exp.originals[1]])),
        "application/x-gzip")
    site.routes["/sitemap.xml"] = Page(
        (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f"<sitemap><loc>{base}/sitemap-1.xml</loc></sitemap><sitemap><loc>{base}/sitemap-2.xml.gz</loc></sitemap>"
         "</sitemapindex>").encode(), "application/xml", headers={"ETag": '"idx1"'})
    return exp
