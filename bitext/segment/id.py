"""Indonesian sentence segmentation for news text, and ANTARA-style dateline detection.

The segmenter is rule based and written for Indonesian news prose. It scans a paragraph once for
runs of sentence-final marks (``.``, ``!``, ``?``, ``…``) with any closing quotes or brackets after
them, and decides each candidate from the token before it and the word after it:

* known abbreviations come in classes: titles that always precede a name (``Dr.``, ``Jl.``, ``No.``)
  never end a sentence; abbreviations that may end one (``dll.``, ``Tbk.``, ``S.H.``) end it when a
  capitalised word follows; initials (``W.``, ``U.S.``) end it only before a closed-class word that
  typically opens a sentence (``Ia``, ``Namun``, ``Pada`` ...), so ``H. M. Said`` stays whole;
* numbers, times, URLs and e-mail addresses are never split inside (a candidate needs whitespace,
  except for the missing-space typos ``tersebut."Pada`` and ``Bioeasy.80%``);
* ``?`` / ``!`` / ``...`` followed by a lowercase word continue the sentence (``"Apa?" tanyanya.``);
  a plain word plus ``.`` followed by lowercase is a boundary (a sentence with a lowercase typo),
  except for a speech verb right after a closing quote (``"... selesai." kata dia``);
* closing quotes and brackets after the mark belong to the sentence before, and so does a lone
  straight quote standing between spaces (``selesai. " Berikutnya``), an artifact of scraped text.

The scan is linear: one ``finditer`` over the paragraph, with look-behind and look-ahead windows of
bounded size; a 2 MB single line of news text takes about half a second (pathological inputs such as
a million ``". "`` a few seconds). Bump ``SEGMENTER_VERSION`` whenever a rule or list changes output.
"""

from __future__ import annotations

import re

__all__ = ["SEGMENTER_VERSION", "find_dateline", "split_sentences"]

SEGMENTER_VERSION = "bitext-id-seg/2"  # 2: glued sentences, company forms, dialogue, labels

# ---------------------------------------------------------------------------------------------
# Datelines

_DASH = r"(?:-{1,2}|[\u2013\u2014\u2012\u2212])"
# A place: one to six capitalised words ("Kota Bogor", "Tanjung Selor", "JAKARTA", "Washington D.C.").
_WORDS = r"[A-Z][\w'.\u2019-]{0,40}(?: (?:[A-Z][\w'.\u2019-]{0,40}|di|dan|de|da|van|al|el)){0,5}"
_PLACE = rf"{_WORDS}(?:, {_WORDS})?"  # "Tanjung Selor, Kalimantan Utara (ANTARA) -"
# Optional date between place and agency: "Jakarta, 5/1 (ANTARA) -", "Jakarta, 12 Januari (ANTARA) -".
_DATE = r"(?:,? ?\d{1,2}(?:/\d{1,2}(?:/\d{2,4})?| [A-Z][a-z]{2,9}(?: \d{4})?))?"
_AGENCY = r"(?:ANTARA|Antara|antara)(?: ?News| ?news)?(?: ?/ ?[\w .]{1,30}?)?"
_DATELINE_RE = re.compile(rf"\s*{_PLACE}{_DATE}\s*(?:\(\s*{_AGENCY}\s*\)|,\s*{_AGENCY})\s*{_DASH}\s*")


def find_dateline(text: str) -> int:
    """Return the length of an ANTARA-style dateline at the start of ``text``, or 0 if there is none.

    Recognised shapes include ``Mamuju (ANTARA) - ``, ``Kota Bogor (ANTARA) - ``,
    ``JAKARTA, ANTARA -``, ``Jakarta (ANTARA News) -`` and the en/em-dash variants. The returned
    offset is where the body starts: after the dash and the spaces that follow it.
    """
    # Only the head can hold a dateline; bounding the window keeps this O(1) on huge inputs.
    m = _DATELINE_RE.match(text[:200])
    return m.end() if m else 0


# ---------------------------------------------------------------------------------------------
# Abbreviation classes (keys without the final period; dotted keys keep their inner periods)

# Always followed by a name, number or place: never sentence-final.
_PREFIX = frozenset(
    """
    Dr dr drg Drs Dra Prof prof Ir ir H Hj hj Sdr Sdri Sdra sdr Bpk Bp bpk Ny ny Nn Tn Yth yth
    Jl Jln jl jln Gg Kab kab Kec kec Kel kel Ds Dsn Kp Kmp Prov prov Kep Ns
    No no Nmr Vol vol hlm Hlm tgl Tgl Gbr gbr Fig fig Tab Telp telp Tel tel Fax
    PT Pt CV UD St Sta Mt Ft Rp rp US$ Moh Mohd Muh Moch Mochd Mochamad Abd Ach Tgk Tb Rd Kgs Pdt Ust
    Kol Letkol Kapt Lettu Letda Jend Brigjen Mayjen Letjen Laksda Laksma Laksdya Marsda Marsma Marsdya
    Komjen Irjen Kombes Serka Sertu Pratu Bripka Brigpol
    Mr Mrs Ms Messrs Rev Capt Lt Col Sgt Gen Gov Sen Rep
    a.n u.p d.a s.d s/d u.b c.q q.q e.g i.e cf vs Vs v mis spt dg dgn yg utk krn sbg tdk ttg kpd
    ca approx Ket ket Lamp Bag bag Hub hub Ref ref Sek Sekr
    """.split()
)

# May end a sentence: a boundary when a capitalised word follows.
_AMBIGUOUS = frozenset(
    """
    dll dsb dst dkk tsb sda sdm dlsb dl Dll Dsb Dst Dkk Tsb DLL
    Tbk tbk TBK Persero Jr Sr Co Inc Ltd Corp Bros Pte Bhd LLC Plc
    al etc ibid Ibid et
    S.H M.H S.E M.M M.Si S.Si S.Pd M.Pd S.Kom M.Kom S.T M.T S.Sos M.Sos S.Ag M.Ag S.Hut S.P M.P
    S.Psi M.Psi S.Ked S.Farm Apt S.Kep S.Ip S.IP S.I.P S.I.Kom M.I.Kom M.A M.Sc B.Sc B.A Ph.D PhD
    S.Th M.Th S.S M.Hum S.Sn S.Tr A.Md Amd Lc M.Ed M.Kes S.KM S.Stat M.Stat S.Gz S.Pt S.Pi S.Ds
    M.Ds S.Akt M.Ak M.Acc S.IKom M.IKom S.AP M.AP M.Eng M.Phil Sp.A Sp.OG Sp.PD Sp.B Sp.JP Sp.M
    Sp.THT Sp.KK Sp.An Sp.S Sp.P Sp.Rad Sp.KJ Sp.N Sp.U Sp.BS Sp.OT Sp.PK Sp.F M.Kn S.HI M.HI
    S.Fil M.Fil S.Sy M.Sy S.Pt M.Pt S.Tp S.Mb
    """.split()
)

# Company forms: before a parenthesis ("Co. Ltd. (Jiangsu)", "Tbk. (BBNI)") the name goes on.
_CORPORATE = frozenset("Tbk tbk TBK Persero Co Inc Ltd Corp Bros Pte Bhd LLC Plc".split())

# Lower-case words that open a new sentence after '?' or '!' in dialogue and transcripts
# ("... nyeri dada tersebut? apakah Anda ..."); speech verbs ('"Apa?" tanyanya') never do.
_LOWER_OPENERS = frozenset(
    """
    apakah apa bagaimana mengapa kenapa siapa kapan dimana di mana berapa bisakah bolehkah adakah
    saya aku anda kamu kami kita tolong jangan mohon silakan coba ayo mari baiklah
    """.split()
)
_ROMAN_RE = re.compile(r"(?=[IVXLC])X{0,3}(?:IX|IV|V?I{0,3})|L?X{0,3}(?:IX|IV|V?I{0,3})")

# Post-nominals that can follow another abbreviation without starting a sentence ("Co. Ltd.").
_POSTNOMINAL = frozenset(w for w in _AMBIGUOUS if "." in w or w[:1].isupper()) - {"Persero"}

# Usually followed by a number ("Jan. 2020", "Km. 57", "RT. 05"); otherwise treated as ambiguous.
_BEFORE_NUMBER = frozenset(
    """
    Jan Feb Mar Apr Jun Jul Agu Agt Ags Aug Sep Sept Okt Oct Nov Des Dec
    Km KM RT RW Rt Rw Kav kav Blk Psl psl Ayt
    """.split()
)

# Closed-class words that typically open an Indonesian (or English) sentence and are not names:
# after an initial ("vitamin C. Selain itu") they mark a boundary, while a name ("H. Ahmad") does not.
_STARTERS = frozenset(
    """
    Ia Dia Mereka Kami Kita Saya Aku Anda Beliau Engkau Kamu Ini Itu Hal Namun Tetapi Tapi Akan
    Sedangkan Sementara Selain Pada Di Dari Ke Dalam Untuk Dengan Oleh Karena Sebab Jika Bila Kalau
    Apabila Meski Meskipun Walaupun Walau Setelah Sesudah Sebelum Saat Ketika Sejak Selama Hingga
    Sampai Kemudian Lalu Selanjutnya Akhirnya Bahkan Juga Adapun Sehingga Maka Menurut Berdasarkan
    Terkait Sebagai Sebanyak Sekitar Para Sang Seorang Sebuah Salah Beberapa Banyak Semua Seluruh
    Setiap Tiap Tidak Tak Belum Sudah Telah Masih Yang Apa Siapa Mengapa Kenapa Bagaimana Kapan
    Dimana Apakah Ada Begitu Demikian Diketahui Dikatakan Sebelumnya Kini Sekarang Kemarin Bagi
    Tentang Atas Secara Sedang Kendati Padahal Justru Hanya Jadi Atau Serta Nah Mari Ayo Seperti
    Misalnya Contohnya Pertama Kedua Ketiga Terakhir Usai Seusai Jelang Menjelang Selasa Rabu
    Kamis Jumat Sabtu Minggu Senin Hari Tahun Bulan Pekan Pukul
    The This That These Those It He She They We You In On At But However Then There Its His Her
    """.split()
)

# Words after which a capital letter is a label, not an initial ("grup A. Tim", "dari A ke B. Maskapai").
_LABEL_NOUNS = frozenset(
    """
    ke grup Grup kelas Kelas tipe Tipe golongan Golongan vitamin Vitamin huruf Huruf kategori Kategori
    blok Blok zona Zona poin opsi pilihan nilai level tingkat seri kode model varian versi rencana Plan
    plan skenario gelombang pintu gerbang terminal Terminal tribun Tribun sektor Sektor paket Paket
    sel protein antigen antibodi reseptor limfosit hepatitis virus gen faktor rantai domain subunit
    strain galur isotop sinyal struktur Sel Protein
    """.split()
)

# Speech verbs that follow a closing quote in an attribution ('"... selesai." kata dia').
_SPEECH_RE = re.compile(
    r"(?:kata|ujar|tutur|jelas|ungkap|tambah|lanjut|tegas|sebut|tanya|pinta|seru|imbuh|papar|terang"
    r"|ucap|harap|akui|aku|bilang|sambung|timpal|katakan|kilah|pungkas|tukas|cetus"
    r"|menurut|demikian|begitu|sahut|jawab|teriak|bisik|seperti|sebagaimana|dikutip|dilansir)(?:nya)?$"
)

_VOWELS = frozenset("aeiouAEIOU")
_TERMS = ".!?\u2026"
_CLOSERS = "\"\u201d\u2019')]}\u00bb\u203a"
_OPENERS = "\"\u201c\u2018'([{\u00ab\u2039"
_STRAY_QUOTES = "\"\u201d\u2019'"

# A candidate: a sentence mark, then any further marks and closers ('?!', '...', '."', '!).').
_CAND_RE = re.compile(r"[.!?\u2026][.!?\u2026\"\u201d\u2019')\]}\u00bb\u203a]*")
_WS_RE = re.compile(r"\s*")
_NEXT_WORD_RE = re.compile(r"[\"\u201c\u2018'(\[{\u00ab\u2039]*(\w[\w'\u2019-]{0,40})")
_DOTTED_RE = re.compile(r"(?:[A-Za-z]{1,4}\.)+[A-Za-z]{1,4}")
_INITIALS_RE = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_URL_HINT_RE = re.compile(r"://|@|www\.|\.(?:com|id|net|org|co|go|ac|or|io|gov|edu|info|biz|my)\b", re.I)
_LIST_NUM_RE = re.compile(r"\d{1,3}")

_LOOKBACK = 80  # longest token we look at before a mark; longer runs are not abbreviations


def _prev_token(text: str, pos: int) -> str:
    """The whitespace-delimited token ending at ``pos``, without leading quotes/brackets."""
    window = text[max(0, pos - _LOOKBACK) : pos]
    if not window or window[-1].isspace():
        return ""
    tok = window.rsplit(None, 1)[-1]  # C-speed scan; a Python char loop is too slow on huge lines
    return tok.lstrip(_OPENERS + _CLOSERS + ",;:-\u2013\u2014*")


def _prev_word(text: str, pos: int) -> str:
    """The word before the whitespace that precedes ``pos`` (empty if there is none)."""
    j = pos
    while j > 0 and text[j - 1].isspace() and pos - j < 4:
        j -= 1
    return _prev_token(text, j) if j < pos else ""


def _classify(tok: str) -> str:
    """Class of the token before a period: prefix, ambiguous, numeric, initial, number, url, word."""
    if not tok:
        return "word"
    if tok in _PREFIX:
        return "prefix"
    if tok in _AMBIGUOUS:
        return "ambiguous"
    if tok in _BEFORE_NUMBER:
        return "numeric"
    if _URL_HINT_RE.search(tok):
        return "url"
    if "/" in tok:
        # 'RT. 05/RW.', 'km/jam.', 'dan/atau.': the part after the slash decides
        return _classify(tok.rsplit("/", 1)[1])
    if tok[-1].isdigit():
        return "number"
    if _INITIALS_RE.fullmatch(tok):
        return "initial"  # W, H, T, U.S, J.K, a.n
    if _DOTTED_RE.fullmatch(tok):
        return "initial"  # an unknown dotted abbreviation such as a rare degree (S.Hum)
    if "." in tok:
        return "ambiguous"  # other dotted tokens, e.g. 'Sp.PD-KGEH': end a sentence only before a capital
    if len(tok) <= 4 and tok.isalpha() and not tok.isupper() and not (_VOWELS & set(tok)):
        return "ambiguous"  # vowelless shorthand such as 'yg', 'dgn', 'Pk': abbreviation-like
    return "word"


def _at_sentence_start(text: str, start: int, tok_start: int) -> bool:
    """True when only whitespace/openers, or a ':'/';' just before, precede ``tok_start`` in its sentence."""
    if tok_start - start <= 4 and not text[start:tok_start].strip(_OPENERS + " "):
        return True
    return text[max(start, tok_start - 3) : tok_start].rstrip().endswith((":", ";"))


def _word_after(text: str, pos: int) -> str:
    """The first word at ``pos`` after any opening quotes/brackets ('' if none)."""
    m = _NEXT_WORD_RE.match(text, pos, min(len(text), pos + 48))
    return m.group(1) if m else ""


def _is_boundary_spaced(
    text: str, kind: str, tok: str, cls: str, closers: str, nxt: int, sent_start: int, mark_start: int
) -> bool:
    """Decide a candidate followed by whitespace; ``nxt`` is where the next sentence would start."""
    word = _word_after(text, nxt)
    if not word:
        return False  # '. ,' or '. -' or a lone opener: not a new sentence
    first = word[0]
    lower = first.islower()
    upper = first.isupper()
    if kind == "q" and lower:
        # Dialogue: '? apakah', '! jangan' open a sentence; not after a closing quote ('"Apa?" tanyanya').
        return word in _LOWER_OPENERS and not any(c in _STRAY_QUOTES + "\u201d" for c in closers)
    if kind in ("q", "ellipsis"):
        return not lower
    # kind == "period"
    if cls == "prefix":
        return False
    if cls == "numeric":
        return upper
    if cls == "ambiguous":
        if tok in _CORPORATE and text[nxt] in "([":
            return False  # 'PT BNI (Persero) Tbk. (BBNI) mencatat', 'Co. Ltd. (Jiangsu)'
        return upper and word not in _POSTNOMINAL
    if _ROMAN_RE.fullmatch(tok) and (word.isdigit() or (len(word) == 1 and text[nxt + 1: nxt + 2] == ".")):
        return False  # a numbered rule: 'Peraturan Bapepam No. XI. B. 02.00'
    if cls == "number" and re.fullmatch(r"\d{1,2}\.\d{2}|\d{1,3}", tok) and (
        len(word) == 1 and word.isupper() and text[nxt + 1: nxt + 2] == "."
    ):
        return False  # '... No. 2. A. 3'-style rule numbers: a letter with a period follows
    if cls == "initial":
        if len(tok) == 1 and upper:
            if tok.islower():
                # 'a. Pendahuluan' is a list item; '3,50 m. Ruang' is a unit ending a sentence.
                return not _at_sentence_start(text, sent_start, mark_start - 1)
            if _prev_word(text, mark_start - 1) in _LABEL_NOUNS:
                return True
        return word in _STARTERS
    if cls == "number":
        if lower:
            return False
        tok_start = mark_start - len(tok)
        if _LIST_NUM_RE.fullmatch(tok) and _at_sentence_start(text, sent_start, tok_start):
            return False  # "1. Pendahuluan": a list marker, not a sentence
        return True
    if lower:
        if any(c in "\"\u201d'\u2019" for c in closers) and _SPEECH_RE.match(word):
            return False  # '"... selesai." kata dia' (attribution after a period typo)
        # A plain word ending a sentence before a lowercase start (a typo, but still a boundary);
        # one-letter lowercase list markers ('a. dan') are handled by the 'initial' class above.
        return len(tok) >= 2
    return True


def _is_boundary_tight(text: str, kind: str, tok: str, cls: str, closers: str, e: int, s: int) -> bool:
    """Decide a candidate followed directly by a non-space character (missing-space typos)."""
    c = text[e]
    if cls == "url" or "/" in tok or "@" in tok:
        return False
    if closers:
        # 'tersebut."Pada', '!)Ia': the closers end the sentence; a new one starts right after.
        if not (c.isalnum() or c in _OPENERS):
            return False
        if c.islower():
            return False
        if kind == "period" and cls in ("prefix", "initial", "ambiguous", "numeric"):
            return False
        return True
    nxt_word = _word_after(text, e)
    if kind in ("q", "ellipsis"):
        # 'Apa?Saya', 'sidang...Saya'; never inside numbers or URLs ('1...5', '?q=').
        return bool(nxt_word) and nxt_word[0].isupper() and text[s - 1 : s].isalpha()
    # kind == "period": after a number or a closing quote/bracket glued to a capitalised word
    # ('2020.Per', 'COVID-19.Beredar', 'masyarakat".Pada', 'tumbuhan).Sebuah').
    before = text[s - 1 : s]
    if (before.isdigit() or (before in _CLOSERS and text[s - 2 : s - 1].isalnum())) and "." not in tok.rstrip(
        _CLOSERS
    ):
        return c.isupper() and len(nxt_word) >= 3 and nxt_word[1:].islower()
    # otherwise only after a plain word that ends in a letter ('Bioeasy.80%', 'Jakarta.Pada').
    if not before.isalpha() or cls != "word" or len(tok) < 2 or "." in tok:
        return False
    if c.isdigit():
        # 'Bioeasy.80%' but not a code name with inner capitals ('ARCoV.2', 'SARS-CoV.2')
        return tok[1:].islower()
    if c in _OPENERS:
        return bool(nxt_word) and (nxt_word[0].isupper() or nxt_word[0].isdigit())
    # 'Indonesia.Pada' but not 'ASP.NET' or 'Node.JS': the next word must look like a word.
    return c.isupper() and len(nxt_word) >= 2 and nxt_word[1].islower()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split one normalised paragraph into sentences.

    Returns ``[start, end)`` character spans into ``text`` in order, each stripped of surrounding
    whitespace, so ``text[start:end]`` is the sentence. A paragraph without final punctuation
    (a headline, a list item) is one span; an empty or all-space ``text`` gives ``[]``.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    sent_start = 0
    for m in _CAND_RE.finditer(text):
        s, e = m.start(), m.end()
        if e >= n:
            break
        run = m.group()
        last_mark = max(run.rfind(ch) for ch in _TERMS)
        marks, closers = run[: last_mark + 1], run[last_mark + 1 :]
        if "?" in marks or "!" in marks:
            kind = "q"
        elif "\u2026" in marks or marks.count(".") >= 3:
            kind = "ellipsis"
        else:
            kind = "period"
        ws_end = _WS_RE.match(text, e).end()
        if ws_end >= n:
            break
        if ws_end == e:
            # Cheap rejections first: most tight candidates are inside numbers, URLs and dotted
            # abbreviations ('1.500', 'x.id', 'S.Kom'), and a huge line may hold millions of them.
            c = text[e]
            if c.islower() or not (c.isalnum() or c in _OPENERS):
                continue
            before = text[s - 1 : s]
            if not closers and not (before.isalnum() or (before in _CLOSERS and text[s - 2 : s - 1].isalnum())):
                continue
            if before.isdigit() and not c.isupper():
                continue  # '1.500', '2.0': inside a number
        tok = _prev_token(text, s)
        cls = _classify(tok) if kind == "period" else "word"
        if ws_end == e:
            if not _is_boundary_tight(text, kind, tok, cls, closers, e, s):
                continue
            end, nxt = e, e
        else:
            end, nxt = e, ws_end
            # A lone straight/closing quote between spaces after the mark closes this sentence.
            if text[nxt] in _STRAY_QUOTES and (nxt + 1 >= n or text[nxt + 1].isspace()):
                end = nxt + 1
                nxt = _WS_RE.match(text, end).end()
                if nxt >= n:
                    break
            if not _is_boundary_spaced(text, kind, tok, cls, closers, nxt, sent_start, s):
                continue
        _append(spans, text, sent_start, end)
        sent_start = nxt
    _append(spans, text, sent_start, n)
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    """Append ``[start, end)`` stripped of surrounding whitespace, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
