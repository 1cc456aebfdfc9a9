"""Review flags: cheap checks that mark aligned pairs needing a human look.

Each check follows the OpusFilter design: :meth:`Check.score` computes a number (or ``None`` when the
check does not apply), :meth:`Check.fires` turns it into a decision with a threshold from the config.
Keeping the two apart lets the thresholds be calibrated on clean data (``scripts/eval_flags.py
--calibrate``) and lets a reviewer see *how far* a pair is from the limit (:func:`explain`).

Defaults live in ``bitext/flags_default.toml`` (package data); a user TOML overrides them per check
and every value is validated before any stored flag is touched. The user TOML is kept in meta
``flags.config`` so later runs without one (``bitext run``) keep it; ``"default"`` returns to the defaults.
:func:`flag_corpus` writes one ``pair_flags`` row per computed check and skips pairs already flagged
with the same config + :data:`FLAGS_VERSION` (hash kept in meta ``flags.signature``); the duplicate
check of already-flagged pairs is refreshed whenever pairs are added or removed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import tomllib

from bitext.errors import BitextError
from bitext.model import BLOCKING_SEVERITIES, SEVERITIES
from bitext.store import Store

# Bump when a check's scoring changes, so stores re-flag every pair.
FLAGS_VERSION = "2"  # 2: length_z check; not_english asks lingua too on short targets
META_KEY = "flags.signature"
# The user TOML in use (sticky: later runs without a config reuse it) and its file name, for messages.
CONFIG_META_KEY = "flags.config"
CONFIG_NAME_META_KEY = "flags.config_name"
# ``config_path`` value meaning "the built-in defaults" (and forget the stored config).
DEFAULT_CONFIG = "default"
BATCH = 500


@dataclass
class PairView:
    """Everything a check may look at for one aligned pair.

    Translation fields (``logprob`` .. ``source_split``) come from the MT of the pair's source
    sentences; ``None``/0/False when unknown (e.g. a human reference pair in an evaluation).
    ``first_seen`` is filled by :func:`flag_corpus` only: the id of the first pair in the corpus with
    the same source and target (this pair's own id when it is the first); ``None`` = not computed.
    """

    id: str
    source: str
    target: str
    mt: str | None
    bead_type: str
    align_score: float | None
    logprob: float | None
    n_tokens: int | None
    n_unk: int
    hit_max_length: bool
    source_split: bool
    kind: str = "mt"
    first_seen: str | None = None


@dataclass
class FlagResult:
    """Outcome of one check on one pair (one ``pair_flags`` row)."""

    check: str
    score: float | None
    fired: bool
    severity: str
    reason: str


# -- text helpers -------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
_TERMINAL = re.compile(r"""[.!?…:;](?:["'”’»)\]]|\s)*$""")
_DQUOTES = "\"“”„«»"


def _words(text: str) -> list[str]:
    """Word tokens (letters first, inner hyphens/apostrophes kept: 'orang-orang', "don't")."""
    return _WORD.findall(text)


def _ends_sentence(text: str) -> bool:
    return bool(_TERMINAL.search(text.strip()))


def _fmt(x: float) -> str:
    return f"{x:.3g}" if isinstance(x, float) else str(x)


# -- numbers ------------------------------------------------------------------------------

_MULT = {
    "id": {"ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "milyar": 1e9, "triliun": 1e12},
    "en": {"thousand": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12},
}
# A numeral (digits with . , : groups) that is not glued to a preceding digit; letters before it are
# fine ('Rp1,5', 'COVID-19', 'G20'). An optional multiplier word follows.
_NUM = re.compile(
    r"(?<![\d.,:])(\d+(?:[.,:]\d+)*)(?:\s*(ribu|rb|juta|jt|miliar|milyar|triliun|thousand|million|mn|billion|bn|"
    r"trillion)\b)?(?:\s*([ap])\.?\s?m\b\.?)?",
    re.IGNORECASE,
)
_TIME_ID = re.compile(r"^(?:pukul|jam)\s*$", re.IGNORECASE)
_TZ_ID = re.compile(r"^\s*(?:WIB|WITA|WIT)\b")

_ID_UNITS = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
             "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
             "sejuta": 1e6}
_ID_SCALES = {"belas": None, "puluh": 10, "ratus": 100, "ribu": 1e3, "juta": 1e6, "miliar": 1e9,
              "milyar": 1e9, "triliun": 1e12}
_EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
             "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
             "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
             "dozen": 12, "a": 1}
_EN_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


@dataclass(frozen=True)
class Number:
    """A numeral found in text: its surface form and the values it may stand for."""

    text: str
    values: frozenset

    def matches(self, other: Number) -> bool:
        return bool(self.values & other.values)


def _grouped(s: str, sep: str) -> bool:
    """'1.500.000' with sep '.' -> True: every group after the first has 3 digits."""
    head, *rest = s.split(sep)
    return bool(rest) and 1 <= len(head) <= 3 and all(len(g) == 3 for g in rest)


def numeral_values(s: str, lang: str) -> set[float]:
    """Possible values of a bare numeral written in ``lang`` ('id' or 'en').

    Indonesian writes ``1.500,5`` for English ``1,500.5``; an ambiguous form ('1,500' in
    Indonesian text) yields both readings so a correct translation is never flagged for it.
    """
    thou, dec = (".", ",") if lang == "id" else (",", ".")
    if ":" in s:
        return set()  # handled as a time by the caller
    if thou in s and dec in s:
        intpart, _, frac = s.rpartition(dec)
        if _grouped(intpart, thou) and frac.isdigit():
            return {float(intpart.replace(thou, "") + "." + frac)}
        return {float(p) for p in re.split(r"[.,]", s) if p}  # odd mix: compare the pieces
    out: set[float] = set()
    for sep in (thou, dec):
        if sep not in s:
            continue
        if _grouped(s, sep):
            out.add(float(s.replace(sep, "")))  # thousands grouping in either locale
        if s.count(sep) == 1:
            out.add(float(s.replace(sep, ".")))  # decimal reading
        if not out:
            out |= {float(p) for p in s.split(sep) if p}  # '1.2.3': version numbers, dates
        if sep == thou and _grouped(s, sep) and s.count(sep) == 1:
            # In its own locale '1.500' (id) / '1,500' (en) is a thousands group, not a decimal.
            out.discard(float(s.replace(sep, ".")))
    if not out:
        out.add(float(s))
    return out


def extract_numbers(text: str, lang: str) -> list[Number]:
    """Numerals written with digits, normalised to values ('2 juta' -> 2e6, '10.00 WIB' -> 10:00).

    Times are kept as ('time', minutes after midnight or noon) so '14.30 WIB' matches '2:30 p.m.';
    a time on the hour also matches the bare hour ('10.00 WIB' vs 'at 10').
    """
    out: list[Number] = []
    for m in _NUM.finditer(text):
        raw, mult_word, ampm = m.group(1), m.group(2), m.group(3)
        values: set[Any] = set()
        is_time = False
        hm = re.fullmatch(r"(\d{1,2})[.:](\d{2})", raw)
        if hm and int(hm.group(1)) <= 24 and int(hm.group(2)) < 60 and not mult_word:
            before = text[: m.start()].split()[-1:] or [""]
            is_time = (
                ":" in raw
                or ampm is not None
                or (lang == "id" and (bool(_TIME_ID.match(before[0])) or bool(_TZ_ID.match(text[m.end():]))))
                or (lang == "id" and "." in raw)  # id decimals use ',', so 'hh.mm' is almost always a time
            )
            if is_time:
                h, mi = int(hm.group(1)), int(hm.group(2))
                if ampm and ampm.lower() == "p" and h < 12:
                    h += 12
                values.add(("time", (h % 12) * 60 + mi))
                if mi == 0:
                    values.add(float(h % 12 or 12))
                    values.add(float(h))
        if not is_time:
            if ":" in raw:
                values |= {float(p) for p in raw.split(":") if p}
            else:
                values |= numeral_values(raw, lang)
            if ampm and not mult_word:
                h = next(iter(values))
                hh = int(h) % 12 + (12 if ampm.lower() == "p" else 0)
                values = {("time", (hh % 12) * 60), float(h), float(hh)}
            if mult_word:
                factor = _MULT["id"].get(mult_word.lower()) or _MULT["en"].get(mult_word.lower(), 1)
                values = {round(v * factor, 6) for v in values if isinstance(v, float)}
        out.append(Number(m.group(0).strip(), frozenset(values)))
    return out


def extract_number_words(text: str, lang: str) -> list[Number]:
    """Numbers spelt out ('dua puluh lima', 'two million'); used only to excuse a digit on the other side."""
    units, scales = (_ID_UNITS, _ID_SCALES) if lang == "id" else (_EN_UNITS, _EN_SCALES)
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    out: list[Number] = []
    i = 0
    while i < len(words):
        if words[i] not in units or (words[i] == "a" and (i + 1 >= len(words) or words[i + 1] not in scales)):
            i += 1
            continue
        start, total, current = i, 0.0, float(units[words[i]])
        i += 1
        while i < len(words) and (words[i] in scales or words[i] in units) and words[i] != "a":
            w = words[i]
            if w == "belas":
                current += 10
            elif w in scales:
                f = scales[w]
                if f >= 1000:
                    total += current * f
                    current = 0.0
                else:
                    current *= f
            else:
                current += units[w]
            i += 1
        value = total + current
        out.append(Number(" ".join(words[start:i]), frozenset({round(value, 6)})))
    return out


def compare_numbers(source: str, target: str) -> tuple[list[Number], list[Number]]:
    """Numbers of the source missing from the target and vice versa (multiset matching)."""
    src, tgt = extract_numbers(source, "id"), extract_numbers(target, "en")

    def unmatched(a: list[Number], b: list[Number]) -> tuple[list[Number], list[Number]]:
        free = list(b)
        left = []
        for n in a:
            hit = next((k for k, o in enumerate(free) if n.matches(o)), None)
            if hit is None:
                left.append(n)
            else:
                free.pop(hit)
        return left, free

    miss_src, miss_tgt = unmatched(src, tgt)
    # A digit on one side may be spelt out on the other ('3 orang' / 'three people').
    miss_src, _ = unmatched(miss_src, extract_number_words(target, "en"))
    miss_tgt, _ = unmatched(miss_tgt, extract_number_words(source, "id"))
    return miss_src, miss_tgt


# -- names --------------------------------------------------------------------------------

# Capitalised Indonesian words that are normally translated, not passed through: titles, offices,
# geographic terms, months, days, pronouns written with a capital ('Anda'), common institutions.
_NAME_STOP = set(
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
_EXONYMS = {
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
_AFFIXED = re.compile(r"^(?:ke|pe|per|pen|pem|peng|peny|pel)[a-z]{3,}an$")


def source_names(source: str) -> list[str]:
    """Capitalised tokens and acronyms of the source that should pass through to the target.

    Sentence-initial words are skipped unless they are acronyms ('Kegiatan' is an ordinary word; in
    'Herdin Ismail menyampaikan' the name is still caught by 'Ismail').
    """
    names: list[str] = []
    for m in _WORD.finditer(source):
        tok = m.group(0)
        base = re.sub(r"(?:-?nya|'s|’s)$", "", tok)
        base = re.sub(r"[-\d]+$", "", base)  # 'Rp1' -> 'Rp', 'COVID-19' -> 'COVID'
        if not base[:1].isupper():
            continue
        acronym = len(base) >= 2 and base.isupper()
        low = base.lower()
        if low in _NAME_STOP or low.split("-")[0] in _NAME_STOP or _AFFIXED.match(low) or "Ã" in base:
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
    low = name.lower()
    if low in target_lower:
        return True
    if low in _EXONYMS:
        return any(re.search(r"\b" + re.escape(stem), target_lower) for stem in _EXONYMS[low].split())
    if fuzz >= 1:
        return False
    return any(
        abs(len(t) - len(low)) <= 3 and difflib.SequenceMatcher(None, low, t).ratio() >= fuzz
        for t in target_tokens
    )


def missing_names(source: str, target: str, fuzz: float = 0.75) -> tuple[list[str], list[str]]:
    """(names of the source, those not found in the target); a fuzzy match accepts 'Abbot'/'Abbott'."""
    names = source_names(source)
    target_tokens = [w.lower() for w in _words(target)]
    target_lower = target.lower()
    missing = [n for n in names if not _name_in(n, target_tokens, target_lower, fuzz)]
    return names, missing


# -- language identification ------------------------------------------------------------

@lru_cache(maxsize=4)
def _langid(languages: tuple[str, ...]) -> Any:
    # py3langid ships its model and beat lingua on short sentences here (see flags_default.toml).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(languages))
    return ident


def english_probability(text: str, languages: Sequence[str]) -> tuple[float, str]:
    """P(English) among ``languages`` and the most likely language."""
    ranked = _langid(tuple(languages)).rank(text)
    probs = dict(ranked)
    return float(probs.get("en", 0.0)), ranked[0][0]


@lru_cache(maxsize=4)
def _lingua(languages: tuple[str, ...]) -> Any:
    # lingua's n-gram models do better than py3langid's byte features on one- or two-word texts
    # ('Mati!', 'Oke.'), where py3langid often answers ~uniform; it is only asked about short texts.
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = []
    for code in languages:
        try:
            langs.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue  # a language lingua lacks (jv) is left to py3langid
    if len(langs) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*langs).build()


def english_probability_short(text: str, languages: Sequence[str]) -> tuple[float, str]:
    """P(English) for a short text: the mean of py3langid's and lingua's (high-accuracy mode) answers.

    Either detector alone is unsure on one or two words; averaging two different models halves the
    false alarms of py3langid alone at the same catch rate (measured in ``flags_default.toml``).
    """
    p, best = english_probability(text, languages)
    det = _lingua(tuple(languages))
    if det is None:
        return p, best
    from lingua import Language

    return (p + float(det.compute_language_confidence(text, Language.ENGLISH))) / 2, best


def _repeat_run(tokens: Sequence[str], max_n: int) -> tuple[int, str]:
    """Longest run of an n-gram repeated back to back: (times in a row, the n-gram)."""
    best, gram = 1, ""
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - 2 * n + 1):
            reps = 1
            while tokens[i + reps * n: i + (reps + 1) * n] == tokens[i: i + n]:
                reps += 1
            if reps > best:
                best, gram = reps, " ".join(tokens[i: i + n])
    return best, gram


# -- checks -------------------------------------------------------------------------------

class Check:
    """One flag. Subclasses set ``name``, ``severity``, ``description``, ``direction`` and ``score()``.

    ``direction`` says which side of the threshold fires: 'above' (score > threshold), 'below'
    (score < threshold) or 'outside' (threshold is [low, high]).
    """

    name: ClassVar[str] = ""
    severity: str = "warning"
    description: ClassVar[str] = ""
    direction: ClassVar[str] = "above"
    # Check-specific options a config may set: name -> kind (a key of _OPTION_KINDS).
    option_kinds: ClassVar[dict[str, str]] = {}

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        self.severity = self.options.get("severity", type(self).severity)
        self.threshold = self.options.get("threshold")

    def score(self, pair: PairView) -> float | None:
        """The check's number for this pair; None when it does not apply."""
        raise NotImplementedError

    def fires(self, score: float, threshold: Any) -> bool:
        """Threshold decision, kept apart from scoring so thresholds can be calibrated."""
        if self.direction == "outside":
            low, high = threshold
            return score < low or score > high
        if self.direction == "below":
            return score < threshold
        return score > threshold

    def reason(self, score: float, pair: PairView) -> str:
        """What was measured and why it matters, with the numbers."""
        return f"{self.description}: score {_fmt(score)} (threshold {self.threshold_text()})"

    def threshold_text(self) -> str:
        t = self.threshold
        if self.direction == "outside":
            return f"outside [{_fmt(t[0])}, {_fmt(t[1])}]"
        return ("> " if self.direction == "above" else "< ") + _fmt(t)


class EmptyTarget(Check):
    name = "empty_target"
    severity = "error"
    description = "the target is empty"
    direction = "below"

    def score(self, pair: PairView) -> float:
        return float(len("".join(pair.target.split())))

    def reason(self, score: float, pair: PairView) -> str:
        if score < 1:
            return "the target is empty: the source has no translation"
        return f"target has {int(score)} non-space characters"


class Untranslated(Check):
    name = "untranslated"
    severity = "error"
    description = "target copies the source"

    def score(self, pair: PairView) -> float | None:
        # Share of the target's ordinary words (not names or numbers) that also occur in the source.
        if _norm(pair.target) == _norm(pair.source) and _words(pair.target):
            return 1.0  # a verbatim copy, even of a sentence made of names
        src_words = _words(pair.source)
        src = {w.lower() for w in src_words}
        # Capitalised words are names that pass through; the target's first word counts unless the
        # source has it capitalised too ('Herdin Ismail.' -> 'Herdin Ismail.' is not untranslated).
        tgt = [w for i, w in enumerate(_words(pair.target))
               if not w[:1].isupper() or (i == 0 and w not in src_words)]
        if not tgt:
            return None
        return sum(w.lower() in src for w in tgt) / len(tgt)

    def reason(self, score: float, pair: PairView) -> str:
        verdict = "the target looks untranslated" if self.fires(score, self.threshold) else "translated"
        return (f"{score:.0%} of the target's words also occur in the Indonesian source "
                f"(fires {self.threshold_text()}): {verdict}")


class LengthRatio(Check):
    name = "length_ratio"
    severity = "warning"
    description = "target/source character length ratio"
    direction = "outside"
    option_kinds = {"smoothing": "non-negative number"}

    def score(self, pair: PairView) -> float | None:
        if not pair.source.strip() or not pair.target.strip():
            return None
        k = float(self.options.get("smoothing", 0))  # damps the noise of very short sentences
        return (len(pair.target.strip()) + k) / (len(pair.source.strip()) + k)

    def reason(self, score: float, pair: PairView) -> str:
        low, high = self.threshold
        verdict = "too short" if score < low else "too long" if score > high else "within range"
        return (f"target is {len(pair.target.strip())} chars for {len(pair.source.strip())} source chars: "
                f"ratio {score:.2f} is {verdict} (clean id->en range [{low}, {high}])")


class Numbers(Check):
    name = "numbers"
    severity = "warning"
    description = "numbers differ"

    def score(self, pair: PairView) -> float | None:
        if not pair.target.strip():
            return None
        a, b = compare_numbers(pair.source, pair.target)
        return float(len(a) + len(b))

    def reason(self, score: float, pair: PairView) -> str:
        a, b = compare_numbers(pair.source, pair.target)
        if not a and not b:
            return "numbers match"
        parts = []
        if a:
            parts.append("source has " + ", ".join(repr(n.text) for n in a) + " not found in the target")
        if b:
            parts.append("target has " + ", ".join(repr(n.text) for n in b) + " not found in the source")
        return "numbers differ: " + "; ".join(parts)


class Repetition(Check):
    name = "repetition"
    severity = "error"
    description = "repeated n-gram (MT hallucination loop)"
    option_kinds = {"max_ngram": "positive integer"}

    def _runs(self, pair: PairView) -> tuple[int, str, int]:
        n = int(self.options.get("max_ngram", 6))
        tgt, gram = _repeat_run([w.lower() for w in _words(pair.target)], n)
        src, _ = _repeat_run([w.lower() for w in _words(pair.source)], n)
        return tgt, gram, src

    def score(self, pair: PairView) -> float | None:
        if not pair.target.strip():
            return None
        tgt, _, src = self._runs(pair)
        return float(max(1, tgt - src + 1))  # a repetition the source also has is not a loop

    def reason(self, score: float, pair: PairView) -> str:
        tgt, gram, src = self._runs(pair)
        if tgt <= 1:
            return "no repeated words"
        return (f"target repeats {gram!r} {tgt} times in a row (source: {src}); "
                f"fires above {_fmt(self.threshold)} extra repeats")


class Truncation(Check):
    name = "truncation"
    severity = "warning"
    description = "target looks cut off"

    def score(self, pair: PairView) -> float | None:
        if not pair.target.strip():
            return None
        s = 0.0
        if pair.hit_max_length:
            s += 1
        if _ends_sentence(pair.source) and not _ends_sentence(pair.target):
            s += 1
        return s

    def reason(self, score: float, pair: PairView) -> str:
        why = []
        if pair.hit_max_length:
            why.append("the model stopped at its max_length")
        if _ends_sentence(pair.source) and not _ends_sentence(pair.target):
            tail = pair.target.strip()[-20:]
            why.append(f"the source ends a sentence but the target stops mid-way ('...{tail}')")
        return "; ".join(why) if why else "target ends like the source"


class LowConfidence(Check):
    name = "low_confidence"
    severity = "warning"
    description = "low model confidence"
    direction = "below"

    def score(self, pair: PairView) -> float | None:
        return pair.logprob

    def reason(self, score: float, pair: PairView) -> str:
        return (f"the model's length-normalised log-probability is {score:.2f} "
                f"(fires {self.threshold_text()})")


class UnkSource(Check):
    name = "unk_source"
    severity = "warning"
    description = "<unk> in the tokenised source"

    def score(self, pair: PairView) -> float | None:
        return float(pair.n_unk) if pair.n_tokens is not None or pair.n_unk else None

    def reason(self, score: float, pair: PairView) -> str:
        if not score:
            return "every source piece is in the model's vocabulary"
        return f"{int(score)} source piece(s) unknown to the model's vocabulary: the MT could not read them"


class NotEnglish(Check):
    name = "not_english"
    severity = "error"
    description = "target is not English"
    direction = "below"
    option_kinds = {"languages": "languages", "min_words": "non-negative integer",
                    "short_words": "non-negative integer"}

    def _langs(self) -> list[str]:
        return list(self.options.get("languages", ["en", "id", "ms"]))

    def _short(self, pair: PairView) -> bool:
        return len(_words(pair.target)) <= int(self.options.get("short_words", 0))

    def _probability(self, pair: PairView) -> tuple[float, str]:
        if self._short(pair):
            return english_probability_short(pair.target, self._langs())
        return english_probability(pair.target, self._langs())

    def score(self, pair: PairView) -> float | None:
        if len(_words(pair.target)) < int(self.options.get("min_words", 1)):
            return None
        return self._probability(pair)[0]

    def reason(self, score: float, pair: PairView) -> str:
        _, best = self._probability(pair)
        how = "py3langid + lingua (short text)" if self._short(pair) else "language ID"
        return (f"{how} gives P(English) = {score:.2f} (most likely: {best}); "
                f"fires {self.threshold_text()}")


# Length norms of clean id->en pairs by source length in characters: (bin start, median and robust sd
# (1.4826 * MAD) of log char ratio, the same of log word ratio). From the 5301 clean pairs of
# ``scripts/eval_flags.py --calibrate`` (clean pairs only). Longer sentences have steadier ratios, so one
# ratio range for all lengths (length_ratio) is too loose on long pairs and too tight on short ones.
_LENGTH_NORMS: tuple[tuple[int, float, float, float, float], ...] = (
    (0, 0.036, 0.160, 0.154, 0.229), (20, -0.054, 0.156, 0.154, 0.229), (30, -0.112, 0.147, 0.118, 0.175),
    (40, -0.164, 0.157, 0.000, 0.175), (60, -0.121, 0.164, 0.080, 0.169), (90, -0.057, 0.110, 0.105, 0.156),
    (130, -0.086, 0.110, 0.087, 0.129), (180, -0.105, 0.091, 0.065, 0.114),
)


def length_z(source: str, target: str) -> tuple[float, float] | None:
    """(char, word) z-scores of the target/source length ratio against clean pairs of the same length.

    Log ratios with add-10 chars / add-2 words smoothing, centred and scaled by :data:`_LENGTH_NORMS`;
    None when either side is empty. Negative = target shorter than usual.
    """
    s, t = source.strip(), target.strip()
    if not s or not t:
        return None
    row = next(r for r in reversed(_LENGTH_NORMS) if len(s) >= r[0])
    zc = (math.log((len(t) + 10) / (len(s) + 10)) - row[1]) / row[2]
    zw = (math.log((len(_words(t)) + 2) / (len(_words(s)) + 2)) - row[3]) / row[4]
    return zc, zw


class LengthZ(Check):
    name = "length_z"
    severity = "warning"
    description = "target length unusual for a source of this length"
    direction = "outside"

    def score(self, pair: PairView) -> float | None:
        z = length_z(pair.source, pair.target)
        # Chars and words err differently (long words vs. many short ones): their mean is steadier.
        return None if z is None else (z[0] + z[1]) / 2

    def reason(self, score: float, pair: PairView) -> str:
        zc, zw = length_z(pair.source, pair.target) or (0.0, 0.0)
        low, high = self.threshold
        verdict = ("much shorter than usual: part of the sentence may be missing" if score < low
                   else "much longer than usual: the target may hold more than the source" if score > high
                   else "usual length")
        return (f"length z-score {score:.2f} (chars {zc:.2f}, words {zw:.2f}) against clean pairs of "
                f"{len(pair.source.strip())}-char sources, fires {self.threshold_text()}: {verdict}")


class BeadType(Check):
    name = "bead_type"
    severity = "warning"
    description = "alignment is not 1-1"

    def score(self, pair: PairView) -> float | None:
        m = re.fullmatch(r"(\d+)-(\d+)", pair.bead_type or "")
        if not m:
            return None
        return float(abs(int(m.group(1)) - 1) + abs(int(m.group(2)) - 1))

    def reason(self, score: float, pair: PairView) -> str:
        s, t = (int(x) for x in pair.bead_type.split("-"))
        if s == 1 and t == 1:
            return "1-1 bead"
        return f"bead {pair.bead_type}: {s} source sentence(s) aligned to {t} target sentence(s)"


class LowAlignment(Check):
    name = "low_alignment"
    severity = "warning"
    description = "low alignment score"
    direction = "below"

    def score(self, pair: PairView) -> float | None:
        return pair.align_score

    def reason(self, score: float, pair: PairView) -> str:
        return f"the aligner scored this bead {score:.3f} (fires {self.threshold_text()})"


class MissingNames(Check):
    name = "missing_names"
    severity = "warning"
    description = "names of the source missing from the target"
    option_kinds = {"fuzz": "number in [0, 1]"}

    def _names(self, pair: PairView) -> tuple[list[str], list[str]]:
        return missing_names(pair.source, pair.target, float(self.options.get("fuzz", 0.75)))

    def score(self, pair: PairView) -> float | None:
        if not pair.target.strip():
            return None
        names, missing = self._names(pair)
        if not names:
            return None
        return float(len(missing))

    def reason(self, score: float, pair: PairView) -> str:
        names, missing = self._names(pair)
        if not missing:
            return f"all {len(names)} source name(s) found in the target"
        return (f"{len(missing)} of {len(names)} source name(s) not in the target: "
                + ", ".join(missing))


def quote_spans(text: str) -> int:
    """Quoted spans in ``text``: double quotes counted after dropping those at the very start and end
    (wrapping quotes and stray ones are common in news and in FLORES), halved and rounded up."""
    text = re.sub(r"â€.", " ", text)  # cp1252 mojibake of dashes/quotes ('â€”') is not a quote
    text = text.strip().strip(_DQUOTES + " ")
    return (sum(text.count(q) for q in _DQUOTES) + 1) // 2


class Quotes(Check):
    name = "quotes"
    severity = "warning"
    description = "quotation marks differ"

    def score(self, pair: PairView) -> float | None:
        if not pair.target.strip():
            return None
        return float(abs(quote_spans(pair.source) - quote_spans(pair.target)))

    def reason(self, score: float, pair: PairView) -> str:
        a, b = quote_spans(pair.source), quote_spans(pair.target)
        if a == b:
            return f"source and target both have {a} quoted span(s)"
        return f"source has {a} quoted span(s), target has {b}: a quotation may be lost or added"


class QuestionMark(Check):
    name = "question_mark"
    severity = "warning"
    description = "question marks differ"

    def score(self, pair: PairView) -> float | None:
        if not pair.target.strip():
            return None
        return float(abs(pair.source.count("?") - pair.target.count("?")))

    def reason(self, score: float, pair: PairView) -> str:
        a, b = pair.source.count("?"), pair.target.count("?")
        if a == b:
            return f"source and target both have {a} question mark(s)"
        return f"source has {a} question mark(s), target has {b}: a question may have become a statement or the reverse"


class Duplicate(Check):
    name = "duplicate"
    severity = "info"
    description = "same source and target seen earlier in the corpus"

    def score(self, pair: PairView) -> float | None:
        if pair.first_seen is None:
            return None
        return 0.0 if pair.first_seen == pair.id else 1.0

    def reason(self, score: float, pair: PairView) -> str:
        if score:
            return f"same source and target as pair {pair.first_seen}, seen earlier in the corpus"
        return "first occurrence of this source and target"


class BridgeMismatch(Check):
    name = "bridge_mismatch"
    severity = "warning"
    description = "target disagrees with the machine translation"
    direction = "below"

    def score(self, pair: PairView) -> float | None:
        if not pair.mt or not pair.mt.strip() or not pair.target.strip():
            return None
        from sacrebleu.metrics import CHRF

        return float(_chrf(CHRF).sentence_score(pair.target, [pair.mt]).score)

    def reason(self, score: float, pair: PairView) -> str:
        verdict = ": the target may belong to another sentence" if self.fires(score, self.threshold) else ""
        return f"chrF of the target against the machine translation is {score:.1f} (fires {self.threshold_text()}){verdict}"


@lru_cache(maxsize=1)
def _chrf(cls: Any) -> Any:
    return cls()


CHECKS: dict[str, type[Check]] = {
    c.name: c
    for c in (
        EmptyTarget, Untranslated, LengthRatio, LengthZ, Numbers, Repetition, Truncation, LowConfidence, UnkSource,
        NotEnglish, BeadType, LowAlignment, MissingNames, Quotes, QuestionMark, Duplicate, BridgeMismatch,
    )
}


# -- config -------------------------------------------------------------------------------

def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BitextError(f"{where}: invalid TOML: {e}", exit_code=2) from None


@lru_cache(maxsize=1)
def _defaults() -> dict[str, dict]:
    text = resources.files("bitext").joinpath("flags_default.toml").read_text(encoding="utf-8")
    return _read_toml(text, "bitext/flags_default.toml")


def _is_number(v: Any) -> bool:
    # TOML booleans are ints to Python; 'nan' compares false with everything and would never fire.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))


def _known_language(code: str) -> bool:
    try:
        _langid((code,))
    except ValueError:  # py3langid: 'Unknown language code(s)'
        return False
    return True


_OPTION_KINDS: dict[str, Any] = {
    "non-negative number": lambda v: _is_number(v) and v >= 0,
    "positive integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
    "non-negative integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "number in [0, 1]": lambda v: _is_number(v) and 0 <= v <= 1,
    "languages": lambda v: (isinstance(v, list) and "en" in v and all(isinstance(c, str) for c in v)
                            and all(_known_language(c) for c in v)),
}
_OPTION_HELP = {"languages": "a list of py3langid language codes that includes 'en'"}


def _key_line(text: str, table: str, key: str | None) -> int | None:
    """1-based line of ``key =`` inside ``[table]`` (or of the table header when key is None)."""
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        head = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if head:
            current = head.group(1).strip("\"'")
            if key is None and current == table:
                return n
            continue
        if key is not None and current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return n
    return None


def _validate_table(name: str, table: dict[str, Any], text: str, where: str) -> None:
    """Raise BitextError (exit 2) naming file:line, table and key for any value a check cannot use."""
    cls = CHECKS[name]

    def bad(key: str, must: str) -> BitextError:
        line = _key_line(text, name, key)
        loc = f"{where}:{line}" if line else where
        return BitextError(f"{loc}: [{name}] {key} must be {must}, got {table[key]!r}", exit_code=2)

    for key, value in table.items():
        if key == "threshold":
            if cls.direction == "outside":
                ok = (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)
                      and value[0] <= value[1])
                if not ok:
                    raise bad(key, "a range [low, high] of two numbers with low <= high")
            elif not _is_number(value):
                raise bad(key, "a number")
        elif key == "severity":
            if value not in SEVERITIES:
                raise bad(key, "one of " + ", ".join(SEVERITIES))
        elif key == "enabled":
            if not isinstance(value, bool):
                raise bad(key, "true or false")
        elif key in cls.option_kinds:
            kind = cls.option_kinds[key]
            if not _OPTION_KINDS[kind](value):
                raise bad(key, _OPTION_HELP.get(kind, "a " + kind))
        else:
            line = _key_line(text, name, key)
            loc = f"{where}:{line}" if line else where
            known = ["threshold", "severity", "enabled", *cls.option_kinds]
            raise BitextError(f"{loc}: [{name}] unknown key '{key}'; known: {', '.join(known)}", exit_code=2)


def parse_config(text: str, where: str) -> dict[str, dict]:
    """The packaged defaults overridden by the TOML ``text``; every value is checked.

    ``where`` names the text's origin in error messages (a file path, or the store's meta).
    Raises :class:`BitextError` with exit code 2 naming the file (and line), table and key.
    """
    config = copy.deepcopy(_defaults())
    user = _read_toml(text, where)
    for name, table in user.items():
        if name not in CHECKS:
            line = _key_line(text, name, None)
            loc = f"{where}:{line}" if line else where
            raise BitextError(f"{loc}: unknown check [{name}]; known: {', '.join(CHECKS)}", exit_code=2)
        if not isinstance(table, dict):
            raise BitextError(f"{where}: '{name}' must be a table like [{name}]", exit_code=2)
        _validate_table(name, table, text, where)
        config.setdefault(name, {}).update(table)
    return config


def _read_config_file(path: str | Path) -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except OSError as e:
        raise BitextError(f"{p}: cannot read flag config: {e.strerror}", exit_code=2) from None
    except UnicodeDecodeError as e:
        raise BitextError(f"{p}: flag config is not UTF-8 text: {e.reason}", exit_code=2) from None


def _is_default(config_path: str | Path | None) -> bool:
    return config_path is not None and str(config_path) == DEFAULT_CONFIG


def load_config(path: str | Path | None = None) -> dict[str, dict]:
    """Check settings: the packaged defaults, overridden per key by the tables of a user TOML file.

    Each table is named after a check: ``threshold`` (a number, or ``[low, high]`` with low <= high),
    ``severity`` (info/warning/error), ``enabled`` (bool) and the check's own options
    (:attr:`Check.option_kinds`). Any other key or a value of the wrong type is a usage error
    (:class:`BitextError`, exit code 2) naming the file, line, table and key. ``path`` None or
    ``"default"`` gives the defaults.
    """
    if path is None or _is_default(path):
        return copy.deepcopy(_defaults())
    return parse_config(_read_config_file(path), str(path))


@dataclass
class EffectiveConfig:
    """The flag config a store works under: settings, the user TOML (None = defaults) and a label."""

    config: dict[str, dict]
    text: str | None
    label: str


def effective_config(store: Store, config_path: str | Path | None = None) -> EffectiveConfig:
    """The config :func:`flag_corpus` and :func:`explain` use for ``store``; reads, never writes.

    A ``config_path`` file wins; ``"default"`` means the built-in defaults; None reuses the TOML stored
    in meta ``flags.config`` by an earlier ``flag_corpus(config_path=FILE)`` (so ``bitext run`` keeps a
    custom config), or the defaults when none is stored.
    """
    if _is_default(config_path):
        return EffectiveConfig(load_config(), None, "built-in defaults")
    if config_path is not None:
        text = _read_config_file(config_path)
        return EffectiveConfig(parse_config(text, str(config_path)), text, str(config_path))
    text = store.get_meta(CONFIG_META_KEY)
    if text is None:
        return EffectiveConfig(load_config(), None, "built-in defaults")
    name = store.get_meta(CONFIG_NAME_META_KEY) or "flags.toml"
    try:
        config = parse_config(text, name)
    except BitextError as e:  # e.g. written by an older bitext whose checks had other options
        raise BitextError(
            f"{store.path}: the flag config stored in meta {CONFIG_META_KEY} is not valid any more ({e}); "
            "run 'bitext flag CORPUS --config FILE' with a fixed file, or '--config default'",
            exit_code=2,
        ) from None
    return EffectiveConfig(config, text, f"{name} (stored in the corpus)")


def config_signature(config: dict[str, dict]) -> str:
    """Hash of the config and FLAGS_VERSION: stored flags are current only under the same one."""
    blob = json.dumps({"version": FLAGS_VERSION, "config": config}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build_checks(config: dict[str, dict] | None = None) -> list[Check]:
    """Instantiate the enabled checks of ``config`` (defaults when None), in registry order."""
    config = load_config() if config is None else config
    return [cls(config.get(name, {})) for name, cls in CHECKS.items() if config.get(name, {}).get("enabled", True)]


def run_check(check: Check, pair: PairView) -> FlagResult:
    """Score one check; ``score`` None means not applicable (never fired)."""
    s = check.score(pair)
    if s is None:
        return FlagResult(check.name, None, False, check.severity, "not applicable")
    return FlagResult(check.name, s, bool(check.fires(s, check.threshold)), check.severity, check.reason(s, pair))


def check_pair(
    pair: PairView, config: dict[str, dict] | None = None, checks: Sequence[Check] | None = None
) -> list[FlagResult]:
    """Results of every applicable check (those scoring None are left out).

    Pass ``checks`` (from :func:`build_checks`) when calling in a loop to avoid rebuilding them.
    """
    checks = build_checks(config) if checks is None else checks
    return [r for r in (run_check(c, pair) for c in checks) if r.score is not None]


def needs_review(results: Iterable[FlagResult]) -> bool:
    """True when a check of a :data:`BLOCKING_SEVERITIES` severity (warning, error) fired."""
    return any(r.fired and r.severity in BLOCKING_SEVERITIES for r in results)


# -- store wiring -------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _pair_views(store: Store, rows: Sequence[Any], first_seen: dict[str, str]) -> list[PairView]:
    """PairViews of pair rows, with translation fields combined over the pair's source sentences.

    Sentences and translations of the whole batch are read with one query per 500 keys.
    """
    src_ids = {row["id"]: json.loads(row["src_ids"] or "[]") for row in rows}
    texts = store.sentence_texts(i for ids in src_ids.values() for i in ids)
    by_sig: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["signature"] and row["signature"] not in by_sig:
            sig_texts = [texts[i] for r in rows if r["signature"] == row["signature"]
                         for i in src_ids[r["id"]] if i in texts]
            by_sig[row["signature"]] = store.translations(row["signature"], sig_texts)
    views = []
    for row in rows:
        logprobs: list[float] = []
        n_tokens: int | None = None
        n_unk, hit, split = 0, False, False
        found = by_sig.get(row["signature"], {}) if row["signature"] else {}
        for sid in src_ids[row["id"]]:
            t = found.get(texts.get(sid, ""))
            if t is None:
                continue
            if t["logprob"] is not None:
                logprobs.append(t["logprob"])
            if t["n_tokens"] is not None:
                n_tokens = (n_tokens or 0) + t["n_tokens"]
            n_unk += t["n_unk"] or 0
            hit = hit or bool(t["hit_max_length"])
            split = split or bool(t["source_split"])
        views.append(
            PairView(
                id=row["id"], source=row["source"], target=row["target"], mt=row["mt"],
                bead_type=row["bead_type"], align_score=row["align_score"],
                logprob=min(logprobs) if logprobs else None, n_tokens=n_tokens, n_unk=n_unk,
                hit_max_length=hit, source_split=split, kind=row["kind"],
                first_seen=first_seen.get(row["id"]),
            )
        )
    return views


def _dup_key(source: str, target: str) -> bytes:
    # A digest keeps memory flat on big corpora; equal normalised texts give equal keys.
    return hashlib.blake2b(f"{_norm(source)}\0{_norm(target)}".encode(), digest_size=16).digest()


def _first_seen(store: Store) -> dict[str, str]:
    """pair id -> id of the first pair with the same normalised source and target.

    "First" is the corpus order (article_id, kind, bead_idx, id), not the order pairs were added
    or flagged, so the duplicate decision is the same however the corpus was built up.
    """
    first: dict[bytes, str] = {}
    out: dict[str, str] = {}
    for r in store.conn.execute("SELECT id, source, target FROM pairs ORDER BY article_id, kind, bead_idx, id"):
        out[r["id"]] = first.setdefault(_dup_key(r["source"], r["target"]), r["id"])
    return out


def _duplicate_row(check: Check, pair_id: str, first_id: str | None) -> tuple | None:
    """The pair_flags row of the duplicate check, which needs only the pair's id and first_seen."""
    view = PairView(id=pair_id, source="", target="", mt=None, bead_type="", align_score=None, logprob=None,
                    n_tokens=None, n_unk=0, hit_max_length=False, source_split=False, first_seen=first_id)
    r = run_check(check, view)
    if r.score is None:
        return None
    return (pair_id, r.check, r.score, int(r.fired), r.severity, r.reason)


def _refresh_duplicates(conn: Any, check: Check, first: dict[str, str], skip: set[str]) -> int:
    """Rewrite the stored duplicate rows that a change of the pairs made wrong; returns how many.

    A pair added before an already-flagged copy (or the removal of a first occurrence) changes the
    decision of pairs flagged earlier; only rows whose outcome differs are written.
    """
    stale = []
    for r in conn.execute("SELECT pair_id, check_name, score, fired, severity, reason FROM pair_flags"
                          " WHERE check_name=?",
                          (check.name,)):
        if r["pair_id"] in skip:
            continue
        want = _duplicate_row(check, r["pair_id"], first.get(r["pair_id"]))
        if want is not None and tuple(r) != want:
            stale.append(want)
    conn.executemany(
        "INSERT OR REPLACE INTO pair_flags(pair_id, check_name, score, fired, severity, reason) VALUES (?,?,?,?,?,?)",
        stale,
    )
    return len(stale)


def _blocking_count(store: Store) -> int:
    marks = ",".join("?" * len(BLOCKING_SEVERITIES))
    return store.conn.execute(
        f"SELECT COUNT(DISTINCT pair_id) FROM pair_flags WHERE fired=1 AND severity IN ({marks})",
        BLOCKING_SEVERITIES,
    ).fetchone()[0]


def config_label(store: Store) -> str:
    """Which flag config the store's flags follow, for messages: 'built-in defaults' or 'FILE (stored ...)'."""
    if store.get_meta(CONFIG_META_KEY) is None:
        return "built-in defaults"
    return f"{store.get_meta(CONFIG_NAME_META_KEY) or 'flags.toml'} (stored in the corpus)"


def flag_corpus(store: Store, config_path: str | Path | None = None, quiet: bool = False) -> dict[str, int]:
    """Flag every pair not yet flagged under the effective config; recompute all when it changed.

    The config is :func:`effective_config`: a ``config_path`` file is validated, then stored in meta
    ``flags.config`` so later calls without one (``bitext run``) keep it; ``"default"`` goes back to
    the built-in defaults and forgets the stored file. A bad config raises before anything is touched.
    Removing the old flags, recording the new config and writing the first batch happen in one
    transaction; an interrupted recompute resumes with the pairs still unflagged.

    Returns counts: ``flagged`` (pairs checked now), ``skipped`` (already current), ``refreshed``
    (already-flagged pairs whose duplicate flag changed because pairs were added or removed),
    ``needs_review`` (pairs in the store with a fired warning/error flag) and, per check name, how
    many of the pairs checked now it fired on.
    """
    eff = effective_config(store, config_path)
    checks = build_checks(eff.config)
    sig = config_signature(eff.config)
    recompute = store.get_meta(META_KEY) != sig
    first = _first_seen(store)
    todo = store.conn.execute(
        "SELECT * FROM pairs p WHERE ? OR NOT EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = p.id)"
        " ORDER BY article_id, kind, bead_idx, id",
        (int(recompute),),
    ).fetchall()
    todo_ids = {r["id"] for r in todo}
    dup_check = next((c for c in checks if c.name == Duplicate.name), None)
    counts: dict[str, int] = {"flagged": 0, "skipped": store.count("pairs") - len(todo), "refreshed": 0,
                              "needs_review": 0}
    counts.update({c.name: 0 for c in checks})
    bar = None
    if not quiet and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="flag", unit="pair")
    for start in range(0, max(len(todo), 1), BATCH):
        batch = todo[start: start + BATCH]
        # Score outside the transaction (slow, may fail): nothing is written until the batch is ready.
        rows = []
        for view in _pair_views(store, batch, first):
            for r in check_pair(view, checks=checks):
                rows.append((view.id, r.check, r.score, int(r.fired), r.severity, r.reason))
                counts[r.check] += int(r.fired)
        with store.tx() as conn:
            if start == 0:
                if recompute:
                    conn.execute("DELETE FROM pair_flags")
                store.set_meta(META_KEY, sig)
                if eff.text is None:
                    conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (CONFIG_META_KEY, CONFIG_NAME_META_KEY))
                elif config_path is not None:
                    store.set_meta(CONFIG_META_KEY, eff.text)
                    store.set_meta(CONFIG_NAME_META_KEY, Path(config_path).name)
                if dup_check is not None and not recompute:
                    counts["refreshed"] = _refresh_duplicates(conn, dup_check, first, todo_ids)
            conn.executemany(
                "INSERT OR REPLACE INTO pair_flags(pair_id, check_name, score, fired, severity, reason)"
                " VALUES (?,?,?,?,?,?)",
                rows,
            )
        counts["flagged"] += len(batch)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    counts["needs_review"] = _blocking_count(store)
    return counts


def explain(store: Store, pair_id: str, config_path: str | Path | None = None) -> str:
    """A reviewer-readable account of every check on one pair: score, threshold, fired, reason.

    Scores are recomputed under the same effective config as :func:`flag_corpus` (the stored
    custom config unless ``config_path`` names another file or ``"default"``); nothing is written.
    The stored rows are reported as current or stale.
    """
    row = store.conn.execute("SELECT * FROM pairs WHERE id=?", (pair_id,)).fetchone()
    if row is None:
        raise BitextError(f"{store.path}: no pair with id {pair_id!r}")
    eff = effective_config(store, config_path)
    checks = build_checks(eff.config)
    view = _pair_views(store, [row], _first_seen(store))[0]
    stored = {
        r["check_name"]: r
        for r in store.conn.execute("SELECT * FROM pair_flags WHERE pair_id=?", (pair_id,))
    }
    current = store.get_meta(META_KEY) == config_signature(eff.config)
    lines = [
        f"pair {pair_id} ({view.kind}, bead {view.bead_type})",
        f"  source: {view.source}",
        f"  target: {view.target}",
    ]
    if view.mt is not None and view.mt != view.target:
        lines.append(f"  mt:     {view.mt}")
    lines.append(f"config: {eff.label}")
    state = "current" if stored and current else "stale (run 'bitext flag')" if stored else "not flagged yet"
    lines.append(f"stored flags: {state}")
    results = [run_check(c, view) for c in checks]
    lines.append("NEEDS REVIEW" if needs_review(results) else "no warning or error fired")
    for check, r in zip(checks, results, strict=True):
        if r.score is None:
            lines.append(f"  [ n/a ] {r.check}: not applicable")
            continue
        mark = "FIRED" if r.fired else " ok  "
        lines.append(
            f"  [{mark}] {r.check} ({r.severity}): score {_fmt(r.score)}, fires {check.threshold_text()}"
        )
        lines.append(f"          {r.reason}")
    return "\n".join(lines)
