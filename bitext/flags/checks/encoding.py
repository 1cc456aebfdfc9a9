"""Checks on damage that scraping and conversion leave in text: markup, mojibake, invisible characters."""

from __future__ import annotations

import re
import unicodedata

from bitext.flags.base import Check, Measurement, PairView
from bitext.lang.text import invisible_chars

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*\s*/?>")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,9}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def markup(text: str) -> list[str]:
    """HTML/XML tags (``<b>``, ``</a>``, ``<br/>``) and character entities (``&amp;``, ``&#39;``) in ``text``."""
    return _TAG.findall(text) + _ENTITY.findall(text)


class Markup(Check):
    name = "markup"
    reason_names_threshold = False
    description = "markup or HTML entities in the target"

    def measure(self, pair: PairView) -> Measurement | None:
        if not pair.target.strip():
            return None
        found = markup(pair.target)
        in_source = set(markup(pair.source))
        extra = [x for x in found if x not in in_source]  # markup the source has too was meant
        return Measurement(float(len(extra)), {"markup": tuple(extra[:5])})

    def reason(self, m: Measurement) -> str:
        if not m.score:
            return "no markup in the target"
        return f"target has {int(m.score)} markup item(s) the source lacks: " + ", ".join(m.evidence["markup"])


def mojibake(text: str) -> str | None:
    """The repaired text when ``text`` shows encoding damage ftfy can undo (``â€™`` -> ``’``), else None."""
    if text.isascii():
        return None  # pure ASCII cannot be UTF-8 read as Latin-1 (the cheap common case)
    import ftfy

    fixed = ftfy.fix_encoding(text)
    return fixed if fixed != text else None


class Mojibake(Check):
    name = "mojibake"
    reason_names_threshold = False
    description = "encoding damage (mojibake)"

    def measure(self, pair: PairView) -> Measurement | None:
        sides = {"source": mojibake(pair.source), "target": mojibake(pair.target)}
        damaged = {k: v for k, v in sides.items() if v is not None}
        return Measurement(float(len(damaged)), {"sides": tuple(damaged), "fixed": tuple(damaged.values())})

    def reason(self, m: Measurement) -> str:
        if not m.score:
            return "no encoding damage found"
        where = " and ".join(m.evidence["sides"])
        return f"encoding damage in the {where} (ftfy would repair it: {m.evidence['fixed'][0][:60]!r})"


def control_chars(text: str) -> list[str]:
    """Names of the bidi, zero-width and control characters in ``text`` (``'RIGHT-TO-LEFT OVERRIDE'``)."""
    return [unicodedata.name(c, f"U+{ord(c):04X}") for c in invisible_chars(text)]


class ControlChars(Check):
    name = "control_chars"
    reason_names_threshold = False
    description = "bidi or control characters"

    def measure(self, pair: PairView) -> Measurement:
        found = control_chars(pair.source) + control_chars(pair.target)
        return Measurement(float(len(found)), {"chars": tuple(dict.fromkeys(found))})

    def reason(self, m: Measurement) -> str:
        if not m.score:
            return "no bidi or control characters"
        return f"{int(m.score)} invisible character(s) in the pair: " + ", ".join(m.evidence["chars"])
