"""Tests for the Indonesian sentence segmenter and dateline detection (bitext.segment.id)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bitext.segment.id import SEGMENTER_VERSION, find_dateline, split_sentences

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


def sents(text: str) -> list[str]:
    """Segment ``text`` and check the span invariants on the way."""
    spans = split_sentences(text)
    prev_end = 0
    for start, end in spans:
        assert prev_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip(), f"span not stripped: {piece!r}"
        assert text[prev_end:start].strip() == ""  # only whitespace lies between spans
        prev_end = end
    assert text[prev_end:].strip() == ""  # nothing is dropped after the last span
    return [text[s:e] for s, e in spans]


CASES: list[tuple[str, list[str]]] = [
    # titles before names never end a sentence
    (
        "Acara itu dihadiri Dr. Budi Santoso, Prof. Dr. Ir. H. Ahmad, dan Hj. Siti Aminah. Mereka datang pagi.",
        [
            "Acara itu dihadiri Dr. Budi Santoso, Prof. Dr. Ir. H. Ahmad, dan Hj. Siti Aminah.",
            "Mereka datang pagi.",
        ],
    ),
    (
        "Hadir Drs. H. Joko dan dr. Tirta. Mereka memberi sambutan.",
        ["Hadir Drs. H. Joko dan dr. Tirta.", "Mereka memberi sambutan."],
    ),
    # degrees after names: inside the sentence, and ending it before a capitalised word
    (
        "Sambutan disampaikan Drs. H. Joko, M.Si. Ia menjelaskan program itu.",
        ["Sambutan disampaikan Drs. H. Joko, M.Si.", "Ia menjelaskan program itu."],
    ),
    (
        "Hadir Andi Wijaya, S.H., M.H., dan Rina, S.Pd., M.Pd. Mereka mendukung.",
        ["Hadir Andi Wijaya, S.H., M.H., dan Rina, S.Pd., M.Pd.", "Mereka mendukung."],
    ),
    (
        "Kepala dinas, Budi, S.E., M.M. mengatakan hal itu kepada Rudi, S.Kom. di kantornya.",
        ["Kepala dinas, Budi, S.E., M.M. mengatakan hal itu kepada Rudi, S.Kom. di kantornya."],
    ),
    # abbreviations inside sentences
    (
        "Alamatnya di Jl. Sudirman No. 5, Kel. Menteng, Kec. Menteng, Kab. Bogor. Kantor itu baru.",
        ["Alamatnya di Jl. Sudirman No. 5, Kel. Menteng, Kec. Menteng, Kab. Bogor.", "Kantor itu baru."],
    ),
    (
        "Kepada Yth. Bapak Gubernur, a.n. Kepala Dinas, u.p. Sekretaris. Surat itu dikirim.",
        ["Kepada Yth. Bapak Gubernur, a.n. Kepala Dinas, u.p. Sekretaris.", "Surat itu dikirim."],
    ),
    (
        "Sdr. Ahmad, Bpk. Hasan dan Ny. Ratna hadir pada tgl. 5 Mei, lihat hlm. 12. Acara selesai.",
        ["Sdr. Ahmad, Bpk. Hasan dan Ny. Ratna hadir pada tgl. 5 Mei, lihat hlm. 12.", "Acara selesai."],
    ),
    (
        "Ia tinggal di St. Louis. Saham PT. Bank Mandiri Tbk. naik.",
        ["Ia tinggal di St. Louis.", "Saham PT. Bank Mandiri Tbk. naik."],
    ),
    (
        "Pertemuan pada Jan. 2020 itu berhasil. Hokuriku Electric Power Co. melaporkan tidak ada kerusakan.",
        [
            "Pertemuan pada Jan. 2020 itu berhasil.",
            "Hokuriku Electric Power Co. melaporkan tidak ada kerusakan.",
        ],
    ),
    # abbreviations that end a sentence: decided by the capitalisation of the next word
    (
        "Ia membeli buku, pena, dll. Kemudian ia pulang.",
        ["Ia membeli buku, pena, dll.", "Kemudian ia pulang."],
    ),
    ("Ia membeli buku, pena, dll. dari toko itu.", ["Ia membeli buku, pena, dll. dari toko itu."]),
    ("Ada meja, kursi, dsb. Semua baru.", ["Ada meja, kursi, dsb.", "Semua baru."]),
    (
        "Penelitian Santoso dkk. (2019) menunjukkan hal itu.",
        ["Penelitian Santoso dkk. (2019) menunjukkan hal itu."],
    ),
    (
        "Penelitian itu dilakukan Santoso dkk. Hasilnya dimuat di jurnal.",
        ["Penelitian itu dilakukan Santoso dkk.", "Hasilnya dimuat di jurnal."],
    ),
    (
        "Emiten PT Bank Rakyat Indonesia Tbk. Direksi baru dilantik. Perusahaan Co. Ltd. itu tutup.",
        ["Emiten PT Bank Rakyat Indonesia Tbk.", "Direksi baru dilantik.", "Perusahaan Co. Ltd. itu tutup."],
    ),
    (
        "Kepala NASA N. Wayne Hale Jr. mengatakan itu. Riset Smith et al. menunjukkan hal serupa.",
        ["Kepala NASA N. Wayne Hale Jr. mengatakan itu.", "Riset Smith et al. menunjukkan hal serupa."],
    ),
    # abbreviations usually followed by a number, slashes, and dotted tokens that are not in the lists
    (
        "Kantornya di Jl. Jend. Sudirman Kav. 52-53, RT. 05/RW. 03, Km. 57. Ia datang.",
        ["Kantornya di Jl. Jend. Sudirman Kav. 52-53, RT. 05/RW. 03, Km. 57.", "Ia datang."],
    ),
    (
        "Jaraknya 20 km. Lajunya 70 km/jam. Ia membeli HP. Ia tinggal di Kepri. Ia nelayan.",
        ["Jaraknya 20 km.", "Lajunya 70 km/jam.", "Ia membeli HP.", "Ia tinggal di Kepri.", "Ia nelayan."],
    ),
    (
        "Diperiksa dr. Budi, Sp.PD-KGEH. Ia menjelaskan. Kata dr. Budi, Sp.PD-KGEH. di sana.",
        ["Diperiksa dr. Budi, Sp.PD-KGEH.", "Ia menjelaskan.", "Kata dr. Budi, Sp.PD-KGEH. di sana."],
    ),
    # initials, and one-letter labels
    (
        "Presiden AS George W. Bush tiba. Dinosaurus seperti T. rex punah. Ia kuliah di U.S. Army College.",
        [
            "Presiden AS George W. Bush tiba.",
            "Dinosaurus seperti T. rex punah.",
            "Ia kuliah di U.S. Army College.",
        ],
    ),
    (
        "Ketua MUI K.H. Ma'ruf Amin dan H. M. Said hadir.",
        ["Ketua MUI K.H. Ma'ruf Amin dan H. M. Said hadir."],
    ),
    (
        "Pemenang grup A. Tim itu lolos. Ia minum vitamin C. Selain itu ia berolahraga.",
        ["Pemenang grup A.", "Tim itu lolos.", "Ia minum vitamin C.", "Selain itu ia berolahraga."],
    ),
    (
        "Lebarnya 3,50 m. Ruang di bawahnya 15 m. Terbang dari A ke B. Maskapai tahu itu.",
        ["Lebarnya 3,50 m.", "Ruang di bawahnya 15 m.", "Terbang dari A ke B.", "Maskapai tahu itu."],
    ),
    # numbers, money, times, dates
    (
        "Harganya Rp1,5 miliar atau 1.500.000 dolar, naik 3,5 persen. Rp 2.000 per lembar.",
        ["Harganya Rp1,5 miliar atau 1.500.000 dolar, naik 3,5 persen.", "Rp 2.000 per lembar."],
    ),
    (
        "Acara dimulai pukul 10.00 WIB. Proklamasi pada 17.08.1945 dibacakan.",
        ["Acara dimulai pukul 10.00 WIB.", "Proklamasi pada 17.08.1945 dibacakan."],
    ),
    (
        "Jumlah korban mencapai 1.500. 80 persen di antaranya anak-anak. Skornya 3:1. Tim itu menang.",
        [
            "Jumlah korban mencapai 1.500.",
            "80 persen di antaranya anak-anak.",
            "Skornya 3:1.",
            "Tim itu menang.",
        ],
    ),
    ("1. Siapkan bahan. 2. Campur semua bahan.", ["1. Siapkan bahan.", "2. Campur semua bahan."]),
    (
        "Yaitu: a. membaca, b. menulis. Perang Dunia II. Setelah itu damai.",
        ["Yaitu: a. membaca, b. menulis.", "Perang Dunia II.", "Setelah itu damai."],
    ),
    ("Langkahnya: 1. Siapkan bahan.", ["Langkahnya: 1. Siapkan bahan."]),
    # URLs and e-mail addresses
    (
        "Info di antaranews.com. Kirim surel ke nama@domain.co.id atau buka https://x.id/a.b sekarang.",
        ["Info di antaranews.com.", "Kirim surel ke nama@domain.co.id atau buka https://x.id/a.b sekarang."],
    ),
    (
        "Kirim ke www.contoh.go.id. Lihat https://x.id/A.Bcd?Q=1 juga.",
        ["Kirim ke www.contoh.go.id.", "Lihat https://x.id/A.Bcd?Q=1 juga."],
    ),
    # ellipses
    (
        "Ia diam... lalu pergi. Ia menunggu… Kemudian ia pulang. Tunggu… lalu lari.",
        ["Ia diam... lalu pergi.", "Ia menunggu…", "Kemudian ia pulang.", "Tunggu… lalu lari."],
    ),
    (
        "Ia pergi [...] lalu pulang. Lalu [...] Kemudian tidur.",
        ["Ia pergi [...] lalu pulang.", "Lalu [...]", "Kemudian tidur."],
    ),
    ("Ia bicara selama sidang...Saya bersiap.", ["Ia bicara selama sidang...", "Saya bersiap."]),
    # quotations and attributions
    (
        '"Kami siap memberikan pelayanan," kata Herdin. "Apakah sudah siap?" tanyanya. "Ayo!" ujarnya.',
        [
            '"Kami siap memberikan pelayanan," kata Herdin.',
            '"Apakah sudah siap?" tanyanya.',
            '"Ayo!" ujarnya.',
        ],
    ),
    ('"Mengapa begitu...?" tanyanya. Ia pergi.', ['"Mengapa begitu...?" tanyanya.', "Ia pergi."]),
    (
        '"Saya lelah." kata dia. "Kami siap." ujarnya. "Kami lapar." seperti dikutip Antara.',
        ['"Saya lelah." kata dia.', '"Kami siap." ujarnya.', '"Kami lapar." seperti dikutip Antara.'],
    ),
    ('Doanya "berhasil." ia lalu pergi.', ['Doanya "berhasil."', "ia lalu pergi."]),
    (
        '"Ini bukan perpisahan. Ini awal yang baru," kata dia.',
        ['"Ini bukan perpisahan.', 'Ini awal yang baru," kata dia.'],
    ),
    ("“Kami siap. Ayo mulai,” kata dia.", ["“Kami siap.", "Ayo mulai,” kata dia."]),
    ('"Ia pergi." "Kami tinggal." Semua diam.', ['"Ia pergi."', '"Kami tinggal."', "Semua diam."]),
    ('Ia berkata: "Kami menang!" Semua bersorak.', ['Ia berkata: "Kami menang!"', "Semua bersorak."]),
    ("Lalu ia berkata, 'Pergi!' Ia pun pergi.", ["Lalu ia berkata, 'Pergi!'", "Ia pun pergi."]),
    # closing quotes and brackets after the mark belong to the sentence before
    ("Ia berkata (dalam bahasa Jawa.) Lalu pergi.", ["Ia berkata (dalam bahasa Jawa.)", "Lalu pergi."]),
    ("Itu aturannya (lihat Pasal 5.) Ia setuju.", ["Itu aturannya (lihat Pasal 5.)", "Ia setuju."]),
    (
        'Ia tiba di Carolina Selatan. " Bachmann menang.',
        ['Ia tiba di Carolina Selatan. "', "Bachmann menang."],
    ),
    ("Lihat (Gbr. 2).2). Selanjutnya dibahas.", ["Lihat (Gbr. 2).2).", "Selanjutnya dibahas."]),
    # missing-space typos
    (
        'Hal itu dibenarkan pejabat tersebut."Pada hari Senin kami berangkat," katanya.',
        ['Hal itu dibenarkan pejabat tersebut."', 'Pada hari Senin kami berangkat," katanya.'],
    ),
    ("Alat tes cepat Bioeasy.80% hasilnya akurat.", ["Alat tes cepat Bioeasy.", "80% hasilnya akurat."]),
    ("Ia lahir di Jakarta.Pada 1990 ia pindah.", ["Ia lahir di Jakarta.", "Pada 1990 ia pindah."]),
    ("Ia memakai ASP.NET dan Node.JS di S.Kom.", ["Ia memakai ASP.NET dan Node.JS di S.Kom."]),
    # a complete sentence followed by a lowercase start (a typo, still a boundary)
    (
        "Tarifnya di Amerika Tengah. kami memperlakukanmu.",
        ["Tarifnya di Amerika Tengah.", "kami memperlakukanmu."],
    ),
    # question and exclamation marks
    (
        "Apa? Saya tidak tahu! Benarkah?! Hidup!!! Kita menang.",
        ["Apa?", "Saya tidak tahu!", "Benarkah?!", "Hidup!!!", "Kita menang."],
    ),
    # headlines and list items without final punctuation stay whole
    (
        "Pemprov Sulbar dorong ASN terapkan perspektif HAM",
        ["Pemprov Sulbar dorong ASN terapkan perspektif HAM"],
    ),
    ("Rapat dimulai pukul 10.00 WIB di Jl. Merdeka", ["Rapat dimulai pukul 10.00 WIB di Jl. Merdeka"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sents(text) == expected


def test_empty_and_blank() -> None:
    assert split_sentences("") == []
    assert split_sentences("   ") == []


def test_spans_are_stripped_offsets() -> None:
    text = "  Ia datang.   Ia pergi.  "
    assert split_sentences(text) == [(2, 12), (15, 24)]
    assert [text[s:e] for s, e in split_sentences(text)] == ["Ia datang.", "Ia pergi."]


def test_offsets_round_trip_on_real_paragraph() -> None:
    text = (
        '"Penerapan nilai-nilai HAM harus menjadi fondasi," kata Kepala BKD Provinsi Sulbar Dr. Herdin '
        "Ismail, S.H., M.Si., di Mamuju, Rabu (5/1). Ia berharap tercipta sinergi, dll. Anggarannya "
        "Rp1,5 miliar... naik 3,5 persen! Info: antaranews.com."
    )
    got = sents(text)
    assert got == [
        '"Penerapan nilai-nilai HAM harus menjadi fondasi," kata Kepala BKD Provinsi Sulbar Dr. Herdin '
        "Ismail, S.H., M.Si., di Mamuju, Rabu (5/1).",
        "Ia berharap tercipta sinergi, dll.",
        "Anggarannya Rp1,5 miliar... naik 3,5 persen!",
        "Info: antaranews.com.",
    ]
    # re-joining the spans with the gaps between them gives the text back
    spans = split_sentences(text)
    rebuilt = text[: spans[0][0]]
    for i, (s, e) in enumerate(spans):
        rebuilt += text[s:e] + text[e : spans[i + 1][0] if i + 1 < len(spans) else len(text)]
    assert rebuilt == text


def test_huge_single_line_is_linear() -> None:
    unit = "Harga naik 3,5 persen menjadi Rp1.500.000 pada pukul 10.00 WIB, kata Dr. Budi. "
    text = (unit * (2_000_000 // len(unit) + 1))[:2_000_000]
    spans = split_sentences(text)
    assert len(spans) == 2_000_000 // len(unit) + 1
    assert text[slice(*spans[0])] == unit.strip()
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    # pathological shapes: runs of marks, no spaces, marks between spaces
    for weird in ("." * 2_000_000, "a." * 1_000_000, "x" * 2_000_000, ". " * 1_000_000):
        out = split_sentences(weird)
        assert len(out) == 1 and out[0][0] == 0


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("Mamuju (ANTARA) - Pemerintah Provinsi", "Pemerintah Provinsi"),
        ("Jakarta (ANTARA) - Harga", "Harga"),
        ("Kota Bogor (ANTARA) - Wali Kota", "Wali Kota"),
        ("JAKARTA, ANTARA - Harga emas", "Harga emas"),
        ("Jakarta (ANTARA News) - Harga", "Harga"),
        ("Jakarta (ANTARA) \u2013 Harga", "Harga"),
        ("Jakarta (ANTARA) \u2014 Harga", "Harga"),
        ("Jakarta (ANTARA) -Harga", "Harga"),
        ("Tanjung Selor, Kalimantan Utara (ANTARA) - Harga", "Harga"),
        ("Labuan Bajo (Antara) - Harga", "Harga"),
        ("Washington (ANTARA/Reuters) - Harga", "Harga"),
    ],
)
def test_find_dateline(text: str, body: str) -> None:
    assert text[find_dateline(text) :] == body


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Pemerintah Jakarta mengumumkan hasilnya.",
        "Jakarta - Pemerintah",
        "ANTARA - Harga",
        "kata dia (ANTARA) - x",
    ],
)
def test_no_dateline(text: str) -> None:
    assert find_dateline(text) == 0


def test_version_is_a_signature() -> None:
    assert SEGMENTER_VERSION.startswith("bitext-id-seg/")


@pytest.mark.skipif(
    not (SHARED / "data/flores200-devtest/devtest.id").is_file(), reason="../shared not present"
)
def test_flores_devtest_f1(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("eval_segment", ROOT / "scripts" / "eval_segment.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "eval_segment", mod)  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    docs = mod.load_docs(SHARED)
    assert len(docs) == 281
    assert sum(len(d.gold) for d in docs) == 879
    p, r, f, _ = mod.score(docs, mod.seg_bitext).row()
    assert f >= 0.995, (p, r, f)


# -- patterns of scraped news (issue 13): exact output ------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kasus meningkat pada Maret 2020.Per hari ini ada 50 kasus.",
         ["Kasus meningkat pada Maret 2020.", "Per hari ini ada 50 kasus."]),
        ("Ia terkena COVID-19.Beredar kabar bahwa ia sembuh.",
         ["Ia terkena COVID-19.", "Beredar kabar bahwa ia sembuh."]),
        ('Ia menyebut hal itu "sangat meresahkan masyarakat".Pada hari itu polisi datang.',
         ['Ia menyebut hal itu "sangat meresahkan masyarakat".', "Pada hari itu polisi datang."]),
        ("Daun itu berasal dari tumbuhan).Sebuah penelitian menunjukkan hal itu.",
         ["Daun itu berasal dari tumbuhan).", "Sebuah penelitian menunjukkan hal itu."]),
        ("Vaksin ARCoV.2 dikembangkan di Tiongkok.", ["Vaksin ARCoV.2 dikembangkan di Tiongkok."]),
        ("Harga naik 1.500 rupiah.Pada versi 2.0 tidak.", ["Harga naik 1.500 rupiah.", "Pada versi 2.0 tidak."]),
        ("Perusahaan Jiangsu Hengrui Co. Ltd. (Jiangsu) menandatangani kontrak.",
         ["Perusahaan Jiangsu Hengrui Co. Ltd. (Jiangsu) menandatangani kontrak."]),
        ("Ia membeli saham Encore Energy Pte. Ltd. (Encore Energy) tahun lalu.",
         ["Ia membeli saham Encore Energy Pte. Ltd. (Encore Energy) tahun lalu."]),
        ("PT Bank Negara Indonesia (Persero) Tbk. (BBNI) mencatat laba.",
         ["PT Bank Negara Indonesia (Persero) Tbk. (BBNI) mencatat laba."]),
        ("Laba PT Astra Tbk. Sementara itu saham naik.", ["Laba PT Astra Tbk.", "Sementara itu saham naik."]),
        ("Hal itu diatur dalam Peraturan Bapepam No. XI. B. 02.00 tentang saham.",
         ["Hal itu diatur dalam Peraturan Bapepam No. XI. B. 02.00 tentang saham."]),
        ("Ini Bab II. Pada bab ini dibahas.", ["Ini Bab II.", "Pada bab ini dibahas."]),
        ("Apakah Anda merasakan nyeri dada tersebut? apakah Anda juga sesak napas?",
         ["Apakah Anda merasakan nyeri dada tersebut?", "apakah Anda juga sesak napas?"]),
        ("Tolong! jangan pergi dulu.", ["Tolong!", "jangan pergi dulu."]),
        ('"Apa?" tanyanya. "Kenapa?" dia bertanya.', ['"Apa?" tanyanya.', '"Kenapa?" dia bertanya.']),
        ("Masa? masih ada lagi.", ["Masa? masih ada lagi."]),
        ("Virus itu menyerang sel T. Imunitas tubuh pun menurun.",
         ["Virus itu menyerang sel T.", "Imunitas tubuh pun menurun."]),
        ("Virus itu memakai protein S. Umumnya protein itu menempel.",
         ["Virus itu memakai protein S.", "Umumnya protein itu menempel."]),
        ("Ia bertemu H. M. Said di Jakarta.", ["Ia bertemu H. M. Said di Jakarta."]),
    ],
)
def test_scraped_news_patterns(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected
