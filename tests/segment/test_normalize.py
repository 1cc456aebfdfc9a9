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
