"""Articles from the web: feeds, sitemaps, URL lists and WARC/ARC files, fetched politely, extracted
with the project's HTML reader, language-checked, deduplicated and ingested with their provenance
(``fetch_log``). See :mod:`bitext.fetch.stage`."""

from .http import Fetched, Fetcher, HttpOptions
from .sources import SOURCE_KINDS
from .stage import FETCH_MIGRATIONS, FetchOptions, FetchReport, fetch_corpus
from .urls import canonical_url

__all__ = ["FETCH_MIGRATIONS", "SOURCE_KINDS", "FetchOptions", "FetchReport", "Fetched", "Fetcher", "HttpOptions",
           "canonical_url", "fetch_corpus"]
