"""Names of an Indonesian source and whether they reach the English target."""

from __future__ import annotations

from bitext.lang.names import missing_names, source_names


def test_source_names():
    text = ('"Kegiatan ini penting," kata Kepala Badan Kepegawaian Daerah (BKD) Provinsi Sulbar Herdin Ismail '
            "di Mamuju, Rabu.")
    assert source_names(text) == ["BKD", "Sulbar", "Herdin", "Ismail", "Mamuju"]
    # Fuzzy match and exonyms: 'Abbot'/'Abbott', 'Jepang'/'Japan'.
    assert missing_names("Ia bertemu Abbot di Jepang.", "He met Abbott in Japan.") == (["Abbot", "Jepang"], [])



def test_capitalised_ordinary_words_are_not_names_but_unknown_words_are():
    # 'Aparatur Sipil Negara', 'Hak Asasi Manusia': KBBI words; 'Mamuju', 'ANTARA', acronyms: names.
    src = ("Mamuju (ANTARA) - Pemerintah Provinsi Sulawesi Barat mendorong Aparatur Sipil Negara (ASN) "
           "menerapkan Hak Asasi Manusia (HAM).")
    assert source_names(src) == ["Mamuju", "ANTARA", "Sulawesi", "ASN", "HAM"]
    tgt = ("Mamuju (ANTARA) - The West Sulawesi provincial government is encouraging civil servants to apply "
           "human rights.")
    assert missing_names(src, tgt) == (["Mamuju", "ANTARA", "Sulawesi", "ASN", "HAM"], [])


def test_names_after_titles_and_sentence_initial_names():
    assert source_names("Dr. Ehud Ur, profesor kedokteran, mengingatkan.") == ["Ehud", "Ur"]
    assert source_names("Herdin Ismail menyampaikan apresiasi.") == ["Herdin", "Ismail"]
    assert source_names("Kegiatan itu penting. Menurut Herdin, itu baik.") == ["Herdin"]
    assert source_names("Nyonya Fatima datang pada triwulan II.") == ["Fatima"]  # not 'Nyo' + 'nya'; no 'II'
    assert missing_names("Dr. Ehud Ur mengingatkan.", "Dr. Ur cautioned.") == (["Ehud", "Ur"], ["Ehud"])


def test_acronym_with_its_expansion_rendered_in_english_is_found():
    src = "Indeks Harga Saham Gabungan (IHSG) ditutup menguat."
    assert missing_names(src, "The Jakarta Stock Exchange Composite Index closed higher.") == (["IHSG"], [])
    assert missing_names(src, "The stock market closed higher.") == (["IHSG"], ["IHSG"])  # not rendered
    src = "Badan Layanan Umum (BLU) tersebut mengelola dana."
    assert missing_names(src, "The Public Service Agency (BLU) manages funds.") == (["BLU"], [])


def test_exonyms_and_indonesian_spellings():
    assert missing_names("Ia ke Amerika Serikat dan Arktik.", "He went to the United States and the Arctic.")[1] == []
    assert missing_names("Kantor berita China Xinhua.", "The Chinese news agency Xinhua.")[1] == []
    assert missing_names("Tim SAR gabungan di Sulbar.", "The joint search and rescue team in West Sulawesi.")[1] == []
    assert missing_names("Warga Afghanistan.", "Afghan citizens.")[1] == []
