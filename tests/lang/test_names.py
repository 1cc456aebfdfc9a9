"""Names of an Indonesian source and whether they reach the English target."""

from __future__ import annotations

from bitext.lang.names import missing_names, source_names


def test_source_names():
    text = ('"Kegiatan ini penting," kata Kepala Badan Kepegawaian Daerah (BKD) Provinsi Sulbar Herdin Ismail '
            "di Mamuju, Rabu.")
    assert source_names(text) == ["BKD", "Sulbar", "Herdin", "Ismail", "Mamuju"]
    # Fuzzy match and exonyms: 'Abbot'/'Abbott', 'Jepang'/'Japan'.
    assert missing_names("Ia bertemu Abbot di Jepang.", "He met Abbott in Japan.") == (["Abbot", "Jepang"], [])

