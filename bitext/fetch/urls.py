"""URL canonicalisation: one spelling per page, so the same article under two URLs is fetched once.

Scheme and host are lower-cased, a default port dropped, the fragment and tracking parameters
(``utm_*``, ``fbclid``…) left out, the remaining query sorted, and a trailing slash dropped from any
path but ``/`` (news sites serve ``/berita/x`` and ``/berita/x/`` as one page).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
                             "_ga", "ref_src", "cmpid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url`` (see the module docstring); a non-HTTP URL comes back stripped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: keep the URL as written
        return url.strip()
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_PARAMS)
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def host_of(url: str) -> str:
    """``host[:port]`` of ``url`` (lower case), the unit of politeness (rate, concurrency, robots.txt)."""
    return urlsplit(url).netloc.lower()


def article_id_for(url: str) -> str:
    """A stable article id for a canonical URL: a readable slug of host and path plus 8 hex of its hash
    (no ``:``, which separates the parts of sentence ids)."""
    parts = urlsplit(url)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.hostname or ''}{parts.path}").strip("-").lower()
    if len(slug) > 60:
        slug = slug[:20].rstrip("-") + "-" + slug[-39:].lstrip("-")
    return f"{slug or 'page'}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"
