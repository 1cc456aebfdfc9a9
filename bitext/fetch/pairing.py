"""``bitext fetch --as reference``: an English edition's page paired with its Indonesian article.

Two ways, each with a confidence, never a silent guess:

* **url** (confidence 1.0): both URLs carry the same article number (a run of 5+ digits in the path,
  as news sites number their stories across editions);
* **date+anchors**: among the Indonesian articles dated within a day of the English page, the one whose
  title and opening share the most *anchors* with it (numbers and capitalised names, which survive
  translation: Jaccard of the two sets). It is taken only when the score reaches ``threshold`` and
  beats the runner-up by ``margin``; otherwise the page is reported with its best candidate and left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_NUMBER_IN_PATH = re.compile(r"(?<!\d)(\d{5,})(?!\d)")
_ANCHOR = re.compile(r"\d[\d.,]*\d|\d|[A-Z][\w'-]{2,}")
OPENING = 600
"""Characters of the text, after the title, whose anchors are compared."""


@dataclass(frozen=True)
class Candidate:
    """An Indonesian article as the pairing sees it."""

    id: str
    url: str
    date: str | None
    title: str
    text: str


@dataclass(frozen=True)
class Pairing:
    """The Indonesian article ``id`` (None: not paired), how, the confidence, and one line saying so."""

    id: str | None
    method: str
    confidence: float
    note: str


def anchors(title: str, text: str) -> set[str]:
    """Numbers (separators dropped) and capitalised words of the title and the text's opening."""
    out = set()
    for tok in _ANCHOR.findall(f"{title} {text[:OPENING]}"):
        out.add(re.sub(r"[.,]", "", tok) if tok[0].isdigit() else tok.casefold())
    return out


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def pair(url: str, title: str, text: str, when: str | None, candidates: list[Candidate], *,
         threshold: float = 0.3, margin: float = 0.1) -> Pairing:
    """Pair an English page with one of ``candidates`` (see the module docstring)."""
    numbers = set(_NUMBER_IN_PATH.findall(url.split("?")[0]))
    if numbers:
        hits = [c for c in candidates if numbers & set(_NUMBER_IN_PATH.findall(c.url.split("?")[0]))]
        if len(hits) == 1:
            return Pairing(hits[0].id, "url", 1.0, f"paired with {hits[0].id} by the article number in the URL")
    day = _day(when)
    near = [c for c in candidates if day is None or (_day(c.date) is not None
                                                     and abs(_day(c.date) - day) <= timedelta(days=1))]
    mine = anchors(title, text)
    scored = sorted(((len(mine & a) / len(mine | a) if mine | a else 0.0, c.id)
                     for c in near for a in [anchors(c.title, c.text)]), reverse=True)
    if not scored:
        return Pairing(None, "none", 0.0, f"no Indonesian article dated {when or '(no date)'} ±1 day")
    best, best_id = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    if best >= threshold and best - second >= margin:
        return Pairing(best_id, "date+anchors", round(best, 3),
                       f"paired with {best_id} by date and shared names/numbers (confidence {best:.2f})")
    why = "below the threshold" if best < threshold else f"too close to the runner-up ({second:.2f})"
    return Pairing(None, "none", round(best, 3),
                   f"no confident Indonesian counterpart (best {best_id} at {best:.2f}, {why})")
