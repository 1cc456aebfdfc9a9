"""Splitting a source longer than the model's maximum input, at clause boundaries first."""

from __future__ import annotations

import re
from collections.abc import Callable

SPLIT_POLICY = "clause-v1"  # bump when split_for_model changes what it produces (part of the signature)

_CONJUNCTIONS = (
    "dan|atau|tetapi|tapi|namun|sedangkan|serta|sehingga|karena|sebab|bahwa|yang|ketika|saat|"
    "meskipun|walaupun|agar|supaya|lalu|kemudian|hingga|sementara|jika|apabila|bila|maka"
)
_SPLIT_LEVELS = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(rf"\s+(?=(?:{_CONJUNCTIONS})\b)", re.IGNORECASE),
    re.compile(r"\s+"),
)


def split_for_model(
    text: str, fits: Callable[[str], bool], hard_split: Callable[[str], list[str]], level: int = 0
) -> list[str]:
    """Split ``text`` into consecutive pieces that each ``fits`` the model's input.

    Tries clause boundaries first (after ``;``/``:``, after ``,``, before a conjunction), then
    word boundaries, then ``hard_split`` (by tokens); consecutive units are packed greedily.
    The pieces joined with single spaces give ``text`` up to whitespace.
    """
    if fits(text):
        return [text]
    for lvl in range(level, len(_SPLIT_LEVELS)):
        units = [u for u in _SPLIT_LEVELS[lvl].split(text.strip()) if u]
        if len(units) < 2:
            continue
        pieces: list[str] = []
        cur = ""
        for unit in units:
            cand = f"{cur} {unit}" if cur else unit
            if fits(cand):
                cur = cand
                continue
            if cur:
                pieces.append(cur)
            if fits(unit):
                cur = unit
            else:
                pieces.extend(split_for_model(unit, fits, hard_split, lvl + 1))
                cur = ""
        if cur:
            pieces.append(cur)
        return pieces
    return hard_split(text)
