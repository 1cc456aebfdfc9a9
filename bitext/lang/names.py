"""Names in Indonesian news: which capitalised words of a source should reach the English target.

Lexicons (words written with a capital but translated; Indonesian exonyms and their English stems)
and :func:`source_names` / :func:`missing_names`, used by the ``missing_names`` review flag.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from bitext.lang.loading import load_once
from bitext.lang.text import WORD, lower_words

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
    di ke dari dan yang pada untuk dengan oleh dalam itu ini para sang si atau tetapi namun juga
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
# Acronyms, regions and bodies of Indonesian news that translators render in English.
EXONYMS.update({
    "ham": "human right", "asn": "civil serv", "pns": "civil serv", "tni": "military armed forces army",
    "polri": "police", "dpr": "house parliament", "dprd": "council legislat", "mpr": "assembly",
    "bumn": "state-owned state owned soe", "apbn": "budget", "apbd": "budget", "ri": "indonesia",
    "nkri": "indonesia", "pemprov": "provincial", "pemkab": "regency", "pemkot": "city",
    "sulbar": "west sulawesi", "sulsel": "south sulawesi", "sulteng": "central sulawesi",
    "sultra": "southeast sulawesi", "sulut": "north sulawesi", "jabar": "west java", "jateng": "central java",
    "jatim": "east java", "kaltim": "east kalimantan", "kalbar": "west kalimantan", "kalsel": "south kalimantan",
    "kalteng": "central kalimantan", "kaltara": "north kalimantan", "sumut": "north sumatra",
    "sumbar": "west sumatra", "sumsel": "south sumatra", "ntt": "east nusa", "ntb": "west nusa",
    "diy": "yogyakarta", "dki": "jakarta", "wib": "western indonesia time local time",
    "wita": "central indonesia time local time", "wit": "eastern indonesia time local time",
    "ihsg": "composite index jci", "polda": "police", "polres": "police", "kabid": "head",
    "kadis": "head", "kapolda": "police chief", "kapolres": "police chief", "menkes": "health minister",
    "pilkada": "election", "pemilu": "election", "covid": "covid", "lebaran": "eid", "idul": "eid",
    "celsius": "celsius fahrenheit", "china": "chin", "sar": "search rescue", "amerika": "americ united states us u.s. usa",
    "kreta": "crete", "mekah": "mecca makkah", "spanyol": "spain spanish spaniard", "chili": "chile",
    "kongo": "congo", "hindia": "india indies", "britania": "brit", "soviet": "soviet ussr", "yahudi": "jew hebrew",
    "nordik": "nordic norse", "fenisia": "phoenic", "gangga": "ganges", "kalimantan": "kalimantan borneo",
    "olimpiade": "olymp games", "filipina": "philippin filipin", "belgia": "belgi", "austria": "austria",
    "mesopotamia": "mesopotamia", "persia": "persia", "babilonia": "babylon", "tiongkok-jepang": "sino-japanese",
    "pdii": "wwii world war", "pdi": "wwi world war", "islandia": "iceland", "swiss": "swiss switzerland", "bima": "milky", "sakti": "milky", "tbk": "tbk", "persero": "persero",
})
TITLES = {"dr", "drs", "dra", "prof", "ir", "h", "hj", "kh", "st", "sh", "se", "mr", "mrs", "ms", "mt", "jl", "no",
          "pt", "cv", "tbk", "bpk", "sdr", "ny", "tn", "gen", "lt", "col", "capt", "rev", "a", "m"}
"""Abbreviations whose full stop does not end a sentence ('Dr. Ehud Ur': 'Ehud' is not sentence-initial)."""
_ACRONYM_EXPANDED = re.compile(r"(?:[A-Z][\w'’-]*[ ,]+(?:(?:dan|dari|untuk|&)\s+)?){2,}\(([A-Z][A-Za-z0-9-]+)\)")
_RENDERED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?:\s+(?:of|and|for|the|&)?\s*[A-Z][\w'’-]+)+")


_ROMAN = re.compile(r"(?=[IVXLC])X{0,3}(?:IX|IV|V?I{0,3})|L?X{0,3}")


@load_once
def kbbi_roots() -> frozenset[str]:
    """The Indonesian root words of Sastrawi (from KBBI); empty without Sastrawi."""
    try:
        import Sastrawi
    except ImportError:  # the check then relies on NAME_STOP and AFFIXED alone
        return frozenset()
    path = Path(Sastrawi.__file__).parent / "Stemmer" / "data" / "kata-dasar.txt"
    return frozenset(path.read_text(encoding="utf-8").split())


_SUFFIXES = ("nya", "lah", "kah", "pun", "kan", "an", "i")
# prefix -> what the root may start with after it (nasal assimilation: 'menulis' = meN + tulis)
_PREFIXES = (("meny", ("s",)), ("meng", ("", "k")), ("mem", ("", "p")), ("men", ("", "t")), ("me", ("",)),
             ("peny", ("s",)), ("peng", ("", "k")), ("pem", ("", "p")), ("pen", ("", "t")), ("per", ("",)),
             ("pe", ("",)), ("ber", ("",)), ("be", ("",)), ("ter", ("",)), ("di", ("",)), ("ke", ("",)),
             ("se", ("",)))


def _roots_of(low: str) -> set[str]:
    """Candidate roots of an affixed Indonesian word: up to two suffixes and two prefixes stripped
    ('kepegawaian' -> 'pegawai', 'menyampaikan' -> 'sampai'). Much faster than Sastrawi's stemmer,
    which spends tens of milliseconds on a word it does not know (every name)."""
    forms = {low}
    for _ in range(2):
        forms |= {f[: -len(x)] for f in forms for x in _SUFFIXES if f.endswith(x) and len(f) - len(x) >= 3}
    out = set(forms)
    for _ in range(2):
        step = set()
        for f in out:
            for pre, heads in _PREFIXES:
                if f.startswith(pre) and len(f) - len(pre) >= 3:
                    step |= {h + f[len(pre):] for h in heads}
        out |= step
    return out


@lru_cache(maxsize=65536)
def common_word(low: str) -> bool:
    """True when the lower-cased word is an ordinary Indonesian word (a KBBI root, or one after
    stripping affixes), which a capital letter does not make a name that passes through
    ('Aparatur Sipil Negara')."""
    if low in NAME_STOP or AFFIXED.match(low):
        return True
    return kbbi_word(low)


@lru_cache(maxsize=65536)
def kbbi_word(low: str) -> bool:
    """True when the lower-cased word is a KBBI root, a hyphenated pair of roots, or a root after
    stripping affixes ('menyampaikan'); False without Sastrawi."""
    roots = kbbi_roots()
    if low in roots:
        return True
    parts = low.split("-")
    if len(parts) > 1:
        return all(part in roots or not part for part in parts)  # 'Undang-Undang'
    return any(r in roots for r in _roots_of(low))


def _initial(source: str, start: int) -> bool:
    """The token at ``start`` begins a sentence (not after a title such as 'Dr.')."""
    before = re.sub(r"[\s\"'“‘”’(\[«»]+$", "", source[:start])
    if not before:
        return True
    if before[-1] in "!?:;-–—":
        return True
    if before[-1] == ".":
        prev = re.search(r"([^\W\d_]+)\.$", before)
        return not (prev and (prev.group(1).lower() in TITLES or len(prev.group(1)) == 1))
    return False


_POSSESSIVE = re.compile(r"(?:-?nya|'s|’s)$")
_TRAILING = re.compile(r"[-\d]+$")


@lru_cache(maxsize=65536)
def _name_base(tok: str) -> tuple[str, bool] | None:
    """What :func:`source_names` decides from a capitalised token alone: None when it is no name wherever
    it stands, else (its name form, whether that still depends on the token starting a sentence)."""
    base = _POSSESSIVE.sub("", tok)
    if len(base) < 4 or common_word(tok.lower()):
        base = tok  # 'Nyonya' is not 'Nyo' + '-nya'
    base = _TRAILING.sub("", base)  # 'Rp1' -> 'Rp', 'COVID-19' -> 'COVID'
    if not base[:1].isupper() or len(base) < 2 or any(c in base for c in "ÃÂÅâ"):  # mojibake
        return None
    if _ROMAN.fullmatch(base):
        return None  # 'triwulan II', 'Perang Dunia II': a numeral, rendered 'second' as often as 'II'
    acronym = base.isupper()
    low = base.lower()
    if low in NAME_STOP or low.split("-")[0] in NAME_STOP:
        return None
    if not acronym and common_word(low) and low not in EXONYMS:
        return None
    return base, not acronym and low not in EXONYMS


def source_names(source: str) -> list[str]:
    """Capitalised tokens and acronyms of the source that should pass through to the target.

    A capitalised ordinary Indonesian word (:func:`common_word`: 'Kegiatan', 'Harga Saham Gabungan') is
    translated, not a name; any other capitalised word is one, sentence-initial or not ('Herdin Ismail
    menyampaikan'), as are acronyms. A word after a title ('Dr. Ehud Ur') is not sentence-initial.
    """
    names: list[str] = []
    for m in WORD.finditer(source):
        tok = m.group(0)
        if not tok[:1].isupper():
            continue  # a word starts with a letter, which stripping never removes: never a name
        found = _name_base(tok)
        if found is None:
            continue
        base, positional = found
        if positional and _initial(source, m.start()):
            # A sentence-initial word not in the lexicon may still be an ordinary word in an inflected
            # form the stemmer misses: it counts only when it looks like a name (a capital follows).
            nxt = source[m.end():].lstrip(" ")
            if not (nxt[:1].isupper() or nxt[:1] in "(,"):  # 'Herdin Ismail', 'Mamuju (ANTARA)', 'Medan, 3/5'
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
    if len(low) >= 6 and re.search(r"\b" + re.escape(low[:5]), target_lower):
        return True  # an English form with another ending ('Afghanistan' / 'Afghan', 'Filipina' / 'Filipino')
    if fuzz >= 1:
        return False
    # Indonesian spelling of loan names: k for c ('Arktik' / 'Arctic', 'Ekuador' / 'Ecuador')
    spelt = low.replace("k", "c")
    return any(
        abs(len(t) - len(low)) <= 3
        and max(difflib.SequenceMatcher(None, low, t).ratio(),
                difflib.SequenceMatcher(None, spelt, t.replace("k", "c")).ratio()) >= fuzz
        for t in target_tokens
    )


def missing_names(source: str, target: str, fuzz: float = 0.75) -> tuple[list[str], list[str]]:
    """(names of the source, those not found in the target); a fuzzy match accepts 'Abbot'/'Abbott'.

    An acronym given with its expansion in the source ('Indeks Harga Saham Gabungan (IHSG)') is found
    when the target renders the name in English instead: a run of two or more capitalised words
    ('Jakarta Stock Exchange Composite Index') that is not at the start of the target. (The
    ``missing_names`` check also excuses a name the corpus lexicon says is translated, and is.)
    """
    names = source_names(source)
    if not names:
        return names, []
    target_tokens = lower_words(target)
    target_lower = target.lower()
    missing = [n for n in names if not _name_in(n, target_tokens, target_lower, fuzz)]
    if missing:
        expanded = {m.group(1) for m in _ACRONYM_EXPANDED.finditer(source)}
        if expanded & set(missing) and _RENDERED.search(target):
            missing = [n for n in missing if n not in expanded]
    return names, missing
