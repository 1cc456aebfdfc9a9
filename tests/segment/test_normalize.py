from bitext.segment.normalize import clean_inline, looks_like_html, normalize, raw_span


def _check_offsets(raw: str, text: str, offsets: list[int]) -> None:
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(raw)
    assert offsets[:-1] == sorted(offsets[:-1])


def test_whitespace_and_invisible_characters():
    raw = "Harga\u00a0naik\u200b  3,5\tpersen.\r\nKata\u2009dia\u00ad.\x07\n\n\nAkhir  "
    text, offsets = normalize(raw)
    assert text == "Harga naik 3,5 persen.\nKata dia.\nAkhir"
    _check_offsets(raw, text, offsets)
    a = text.index("Kata")
    s, e = raw_span(offsets, a, a + len("Kata dia."))
    assert raw[s:e] == "Kata\u2009dia\u00ad."


def test_nfc_composes_and_keeps_the_base_offset():
    raw = "Cafe\u0301 di Bandung"  # e + combining acute
    text, offsets = normalize(raw)
    assert text == "Café di Bandung"
    assert offsets[3] == 3 and offsets[4] == 5
    _check_offsets(raw, text, offsets)


def test_html_is_turned_into_text_with_paragraphs():
    raw = "<p>Jakarta (ANTARA) - Harga &amp; biaya naik.</p><p>Kata <b>dia</b>.<script>alert(1)</script></p>"
    assert looks_like_html(raw)
    text, offsets = normalize(raw)
    assert text == "Jakarta (ANTARA) - Harga & biaya naik.\nKata dia."
    _check_offsets(raw, text, offsets)
    k = text.index("Kata")
    s, e = raw_span(offsets, k, len(text))
    assert raw[s:e] == "Kata <b>dia</b>."


def test_plain_angle_brackets_are_not_html():
    raw = "Nilai a < b dan c > d."
    assert not looks_like_html(raw)
    assert normalize(raw)[0] == raw


def test_empty_and_clean_inline():
    assert normalize("") == ("", [0])
    assert normalize(" \n\u200b ") == ("", [4])
    assert clean_inline("  Judul\nberita\u00a0baru ") == "Judul berita baru"


def _reference_normalize(raw: str) -> tuple[str, list[int]]:
    """The per-character normaliser of norm/1 (before offsets became runs), kept as the oracle: the
    linear one must give the same text and offsets, or the stored sentences would move."""
    import html
    import re
    import unicodedata

    from bitext.segment.normalize import (
        _BLOCK_TAG,
        _DROP_BLOCK,
        _ENTITY,
        _HTML_COMMENT,
        _HTML_TAG,
        _LINE_BREAKS,
        _ZERO_WIDTH,
    )

    chars, src = list(raw), list(range(len(raw)))
    if looks_like_html(raw):
        chars, src, pos = [], [], 0
        pattern = re.compile("|".join(p.pattern for p in (_DROP_BLOCK, _HTML_COMMENT, _HTML_TAG, _ENTITY)),
                             re.IGNORECASE | re.DOTALL)
        for m in pattern.finditer(raw):
            chars += raw[pos:m.start()]
            src += range(pos, m.start())
            tok = m.group(0)
            add = html.unescape(tok) if tok.startswith("&") else "\n" if _BLOCK_TAG.match(tok) else ""
            chars += add
            src += [m.start()] * len(add)
            pos = m.end()
        chars += raw[pos:]
        src += range(pos, len(raw))
    mapped, prev = [], ""
    for ch, i in zip(chars, src, strict=True):
        skip = ch == "\n" and prev == "\r"
        prev = ch
        if skip or ch in _ZERO_WIDTH:
            continue
        if ch in _LINE_BREAKS or ch == "\n":
            mapped.append(("\n", i))
        elif ch.isspace():
            mapped.append((" ", i))
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"):
            mapped.append((ch, i))
    out: list[tuple[str, int]] = []
    for ch, i in mapped:
        if ch == "\n":
            while out and out[-1][0] == " ":
                out.pop()
        if ch in " \n" and (not out or out[-1][0] in " \n"):
            continue
        out.append((ch, i))
    while out and out[-1][0] in " \n":
        out.pop()
    text, offsets, k = [], [], 0
    while k < len(out):
        j = k + 1
        while j < len(out) and unicodedata.combining(out[j][0]):
            j += 1
        cluster = "".join(c for c, _ in out[k:j])
        composed = unicodedata.normalize("NFC", cluster) if (j - k > 1 or not cluster.isascii()) else cluster
        text += composed
        offsets += [out[k][1]] * len(composed)
        k = j
    return "".join(text), [*offsets, len(raw)]


def test_linear_normalize_gives_the_per_character_offsets_on_random_hostile_text():
    import random

    parts = list("abc XY.,") + ["\r", "\n", "\r\n", "\t", "\u00a0", "\u200b", "\u00ad", "\x07", "\u2028", "\ufeff",
                                "\ue000", "e\u0301", "\u0301", "\u212b", "\u0958", "x\u0301\u0302", "&amp;", "&#x1F600;",
                                "<p>", "</p>", "<b>", "<br/>", "<script>x</script>", "<!-- c -->", "&NotEqualTilde;",
                                "\u3000", "\x1c", "\u00e9", "  ", "\n\n", " \n ", "\ud800", "\x85"]
    rng = random.Random(25)
    for _ in range(3000):
        raw = "".join(rng.choice(parts) for _ in range(rng.randint(0, 30)))
        text, offsets = normalize(raw)
        assert (text, list(offsets)) == _reference_normalize(raw), raw


def test_offsets_are_runs_not_one_integer_per_character():
    raw = "Harga beras naik 3,5 persen. " * 40000 + "Akhir\u00a0 kata."
    text, offsets = normalize(raw)
    assert len(text) == len(raw) - 1 and len(offsets) == len(text) + 1
    assert len(offsets.starts) == 2  # the whole text is one run, then one after the collapsed spaces
    assert offsets[len(text) - 5] == len(raw) - 5 and offsets[-1] == len(raw)
