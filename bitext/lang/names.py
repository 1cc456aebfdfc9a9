"""Names in Indonesian news: which capitalised words of a source should reach the English target.

Lexicons (words written with a capital but translated; Indonesian exonyms and their English stems)
and :func:`source_names` / :func:`missing_names`, used by the ``missing_names`` review flag.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from bitext.lang.text import WORD, words

# Capitalised Indonesian words that are normally translated, not passed through: titles, offices,
# geographic terms, months, days, pronouns written with a capital ('Anda'), common institutions.
NAME_STOP = set(
    """
    anda bapak ibu pak bu kak tuan nyonya tn ny saudara beliau ia dia kami kita saya mereka engkau kamu ayah
    januari februari maret april mei juni juli agustus september oktober november desember
    senin selasa rabu kamis jumat jum'at sabtu minggu ahad
    presiden wakil menteri kementerian gubernur bupati wali walikota kota kabupaten provinsi kecamatan
    desa kelurahan kepala ketua sekretaris direktur jenderal direktorat badan dinas dewan komisi komite lembaga
    pemerintah pemerintahan pemprov pemkab pemkot negara republik kerajaan kekaisaran raja ratu pangeran
    barat timur utara selatan tengah tenggara daya laut pulau kepulauan gunung pegunungan sungai danau selat
    teluk tanjung semenanjung lembah samudra samudera taman jalan jl universitas institut akademi sekolah
    rumah sakit partai polisi kepolisian polda polres tentara angkatan bank pengadilan mahkamah agung
    perhimpunan asosiasi organisasi perusahaan kantor pusat balai majelis anggota perdana eksekutif
    dr prof ir drs hj st bahasa terbaik bumi matahari bulan surya badai abad pertengahan perjanjian
    deklarasi kemerdekaan warisan rakyat suara asli besar tinggi rendah merah kuil salib alkitab buku
    hadiah stadion bandara gempa tim pesawat tuhan allah nabi hari raya natal lebaran idul fitri adha
    ramadhan paskah tahun baru imlek perang dunia sma smp sd pr ac tbc ruu daerah wilayah nasional
    internasional umum negeri swasta rp us usd
    """.split()
)
# Indonesian names of places, peoples and bodies whose English form differs: a name is present when
# the target contains one of the English stems.
EXONYMS = {
    "amerika": "americ", "as": "us u.s. americ", "serikat": "united states us u.s. americ",
    "inggris": "brit england english uk u.k.", "jerman": "german", "prancis": "franc french",
    "perancis": "franc french", "belanda": "netherland dutch holland", "tiongkok": "chin", "cina": "chin",
    "tionghoa": "chin", "jepang": "japan", "korea": "korea", "rusia": "russia", "spanyol": "spain spanish",
    "italia": "ital", "yunani": "greece greek", "turki": "turk", "mesir": "egypt", "arab": "arab",
    "saudi": "saudi", "afrika": "africa", "eropa": "europ", "selandia": "zealand", "kanada": "canad",
    "meksiko": "mexic", "brasil": "brazil", "swedia": "swed", "norwegia": "norw", "denmark": "denmark danish",
    "finlandia": "fin", "polandia": "pol", "ukraina": "ukrain", "palestina": "palestin", "skotlandia": "scot",
    "islandia": "iceland", "eslandia": "iceland", "maroko": "morocc", "suriah": "syria", "irak": "iraq",
    "kroasia": "croat", "ceko": "czech", "hongaria": "hungar", "romawi": "roman rome", "yahudi": "jew",
    "ibrani": "hebrew", "kristen": "christ", "katolik": "catholic", "firaun": "pharaoh", "bizantium": "byzant",
    "olimpiade": "olymp", "pasifik": "pacific", "atlantik": "atlantic", "jawa": "java", "pbb": "un united nations",
    "sm": "bc b.c.", "pdb": "gdp", "mandarin": "mandarin chinese", "filipina": "philippin", "vietnam": "viet",
    "thailand": "thai", "malaysia": "malaysia", "singapura": "singapor", "aceh": "aceh",
}
# Nouns made with Indonesian affixes (Kesehatan, Pertahanan, Pemilihan) are translated, not passed through.
AFFIXED = re.compile(r"^(?:ke|pe|per|pen|pem|peng|peny|pel)[a-z]{3,}an$")


def source_names(source: str) -> list[str]:
    """Capitalised tokens and acronyms of the source that should pass through to the target.

    Sentence-initial words are skipped unless they are acronyms ('Kegiatan' is an ordinary word; in
    'Herdin Ismail menyampaikan' the name is still caught by 'Ismail').
    """
    names: list[str] = []
    for m in WORD.finditer(source):
        tok = m.group(0)
        base = re.sub(r"(?:-?nya|'s|’s)$", "", tok)
        base = re.sub(r"[-\d]+$", "", base)  # 'Rp1' -> 'Rp', 'COVID-19' -> 'COVID'
        if not base[:1].isupper():
            continue
        acronym = len(base) >= 2 and base.isupper()
        low = base.lower()
        if low in NAME_STOP or low.split("-")[0] in NAME_STOP or AFFIXED.match(low) or "Ã" in base:
            continue
        prefix = source[: m.start()]
        before = re.sub(r"[\s\"'“‘”’(\[«»]+$", "", prefix)
        initial = not before or before[-1] in ".!?:;-–—"
        if initial and not acronym:
            # Without a lexicon an initial 'Kapan' cannot be told from a name; the rest of a
            # multi-word name ('Herdin *Ismail*') still counts.
            continue
        if len(base) < 2:
            continue
        names.append(base)
    return names


def _name_in(name: str, target_tokens: Sequence[str], target_lower: str, fuzz: float) -> bool:
    """``name`` occurs in the target: as written, via an exonym stem, or fuzzily (ratio >= ``fuzz``)."""
    low = name.lower()
    if low in target_lower:
        return True
    if low in EXONYMS:
        return any(re.search(r"\b" + re.escape(stem), target_lower) for stem in EXONYMS[low].split())
    if fuzz >= 1:
        return False
    return any(
        abs(len(t) - len(low)) <= 3 and difflib.SequenceMatcher(None, low, t).ratio() >= fuzz
        for t in target_tokens
    )


def missing_names(source: str, target: str, fuzz: float = 0.75) -> tuple[list[str], list[str]]:
    """(names of the source, those not found in the target); a fuzzy match accepts 'Abbot'/'Abbott'."""
    names = source_names(source)
    if not names:
        return names, []
    target_tokens = [w.lower() for w in words(target)]
    target_lower = target.lower()
    missing = [n for n in names if not _name_in(n, target_tokens, target_lower, fuzz)]
    return names, missing
