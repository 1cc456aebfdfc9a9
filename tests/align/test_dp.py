"""Tests of the pure aligner (bitext.align.dp): bead types, bridge, anchors, edge cases."""

from __future__ import annotations

import random

import pytest

from bitext.align import Bead, align, batch, dp
from bitext.align import dp as A
from bitext.lang.numbers import normalize_number


def beads(result: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.src, b.tgt) for b in result]

# -- align(): bead types -------------------------------------------------------------------------

SRC = [
    "Presiden Joko Widodo meresmikan jalan tol baru di Jawa Tengah pada hari Senin.",
    "Harga beras naik 10 persen.",
    "Kenaikan itu terjadi dalam sebulan terakhir.",
    "Gempa berkekuatan 5,2 mengguncang Maluku pada Selasa pagi, dan tidak ada laporan korban jiwa maupun "
    "kerusakan bangunan.",
    "Ia menambahkan bahwa program tersebut akan dilanjutkan pada tahun depan oleh pemerintah daerah.",
    "Bank Indonesia mempertahankan suku bunga acuan sebesar 6 persen.",
]
TGT = [
    "President Joko Widodo inaugurated a new toll road in Central Java on Monday.",
    "Rice prices rose 10 percent in the past month.",
    "A magnitude 5.2 earthquake shook Maluku on Tuesday morning.",
    "There were no reports of casualties or damage to buildings.",
    "Bank Indonesia kept its benchmark interest rate at 6 percent.",
    "Reporting by Ahmad; editing by Siti.",
]


def test_length_and_anchors_find_1_1_2_1_1_2_1_0_0_1():
    result = align(SRC, TGT)
    assert beads(result) == [
        ((0,), (0,)),
        ((1, 2), (1,)),
        ((3,), (2, 3)),
        ((4,), ()),
        ((5,), (4,)),
        ((), (5,)),
    ]
    assert [b.type for b in result] == ["1-1", "2-1", "1-2", "1-0", "1-1", "0-1"]
    assert all(0.0 <= b.score <= 1.0 for b in result)


def test_bridge_finds_a_2_2_bead():
    src = [
        "Menteri Keuangan mengatakan pertumbuhan ekonomi tetap kuat tahun ini.",
        "Polisi menangkap tiga tersangka pencurian sepeda motor di Jakarta Selatan pada Rabu malam, kata juru "
        "bicara.",
        "Mereka kini ditahan di kantor polisi.",
        "Banjir merendam ratusan rumah warga setelah hujan deras.",
    ]
    bridge = [
        "The finance minister said economic growth remains strong this year.",
        "Police arrested three suspects of motorcycle theft in South Jakarta on Wednesday night, the spokesman said.",
        "They are now detained at the police station.",
        "Floods submerged hundreds of houses after heavy rain.",
    ]
    tgt = [
        "The finance minister said economic growth remained strong this year.",
        "Police arrested three suspects, the spokesman said.",
        "The suspected motorcycle thieves, caught in South Jakarta on Wednesday night, are now detained at the "
        "police station.",
        "Floods submerged hundreds of homes after heavy rain.",
    ]
    result = align(src, tgt, bridge)
    assert beads(result) == [((0,), (0,)), ((1, 2), (1, 2)), ((3,), (3,))]
    assert result[1].type == "2-2"


def test_bridge_turns_a_wrong_length_decision_into_the_right_one():
    # The second Indonesian sentence has no translation; by length it looks like the English "He added ...".
    src = [
        "Para siswa mengikuti ujian dengan tertib di sekolah masing-masing.",
        "Hujan turun sepanjang hari sehingga jalan licin.",
        "Ia menambahkan bahwa kegiatan itu akan dilanjutkan tahun depan setelah dievaluasi oleh panitia.",
    ]
    tgt = ["The students took the exam in an orderly manner at their schools.", "He added that it will go on next year."]
    bridge = [
        "The students took the exam in an orderly manner at their respective schools.",
        "It rained all day so the roads were slippery.",
        "He added that the activity will go on next year after being evaluated by the committee.",
    ]
    assert beads(align(src, tgt)) == [((0,), (0,)), ((1,), (1,)), ((2,), ())]
    with_bridge = align(src, tgt, bridge)
    assert beads(with_bridge) == [((0,), (0,)), ((1,), ()), ((2,), (1,))]
    # The deleted sentence resembles nothing next to it: a confident 1-0.
    assert with_bridge[1].score == 1.0


def test_numbers_in_indonesian_and_english_formats_are_anchors():
    assert normalize_number("1.500,5", "id") == {"1500.5"}
    assert normalize_number("1,500.5", "en") == {"1500.5"}
    assert normalize_number("2,5", "id") == {"2.5"}
    assert normalize_number("1.500", "id") == {"1500", "1.5"}  # ambiguous: both readings
    assert normalize_number("2020", "en") == {"2020"}
    strong_id, weak_id = A.anchors('Harga naik 1.500,5 persen pada Senin, kata Herdin Ismail: "Benar?"', "id")
    strong_en, weak_en = A.anchors('Prices rose 1,500.5 percent on Monday, Herdin Ismail said: "Right?"', "en")
    assert strong_id == strong_en == {"n:1500.5", "d:monday", '"', "?"}
    assert weak_id == {"herdin", "ismail", "benar"}  # the first word ('Harga') is capitalised anyway
    assert weak_en == {"herdin", "ismail", "right"}


def test_numbers_decide_between_equal_lengths():
    src = ["Harganya naik 25 persen.", "Harganya turun 40 persen."]
    tgt = ["Its price fell 40 percent."]
    assert beads(align(src, tgt)) == [((0,), ()), ((1,), (0,))]
    tgt = ["Its price rose 25 percent."]
    assert beads(align(src, tgt)) == [((0,), (0,)), ((1,), ())]


def test_empty_inputs():
    assert align([], []) == []
    assert align(["Satu.", "Dua."], []) == [Bead((0,), (), 1.0), Bead((1,), (), 1.0)]
    assert align([], ["One."]) == [Bead((), (0,), 1.0)]
    assert align(["Satu."], [], bridge=["One."]) == [Bead((0,), (), 1.0)]


def test_bridge_must_match_source_length():
    with pytest.raises(ValueError, match="bridge has 1 sentences, src has 2"):
        align(["Satu.", "Dua."], ["One. Two."], bridge=["One."])


def test_bead_type_property():
    assert Bead((0, 1), (0,), 0.5).type == "2-1"
    assert Bead((), (3,), 1.0).type == "0-1"


def test_every_sentence_in_one_bead_in_order_on_a_long_document():
    # 600 random sentence pairs of which 60 in a row lost their translation: the band must widen to
    # follow a path far from the diagonal, and the beads must partition both sides in order.
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnoprstuw") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    src, tgt, bridge = [], [], []
    for k in range(600):
        sent = " ".join(rng.choice(words) for _ in range(rng.randint(3, 25))) + f" {k}."
        src.append(sent)
        bridge.append(sent)
        if not (200 <= k < 260):  # 60 source sentences in a row without a translation
            tgt.append(sent)
    result = align(src, tgt, bridge)
    assert [i for b in result for i in b.src] == list(range(len(src)))
    assert [j for b in result for j in b.tgt] == list(range(len(tgt)))
    assert sum(b.type == "1-0" for b in result) == 60
    assert all(b.type == "1-1" for b in result if b.src and b.src[0] not in range(200, 260))


@pytest.mark.parametrize("n, m", [(2, 100), (100, 2), (1, 1), (3, 40)])
def test_very_unequal_sides_still_partition(n: int, m: int):
    src = [f"Kalimat nomor {k} di sini." for k in range(n)]
    tgt = [f"Sentence number {k} here." for k in range(m)]
    result = align(src, tgt)
    assert [i for b in result for i in b.src] == list(range(n))
    assert [j for b in result for j in b.tgt] == list(range(m))
    assert ((0,), (0,)) in beads(result)  # the shared number 0 anchors the first pair


def test_alignment_is_deterministic():
    assert align(SRC, TGT) == align(SRC, TGT)


# -- the coarse pass, the article confidence and the bridge weight -----------------------------------

from bitext.align import align_document  # noqa: E402
from bitext.align.offset import band_half_width, monotone_chain  # noqa: E402

_CITIES = ["Bandung", "Medan", "Surabaya", "Makassar", "Palembang", "Semarang", "Denpasar", "Manado", "Padang"]


def _doc(k0: int, n: int) -> tuple[list[str], list[str]]:
    """n translated sentence pairs, each with its own numbers and name (sentences k0 .. k0+n-1)."""
    src, tgt = [], []
    for k in range(k0, k0 + n):
        city = _CITIES[k % len(_CITIES)] + "wati" * (k // len(_CITIES) % 3)
        src.append(f"Pada tahun {1900 + k}, kota {city} mencatat {k * 7 + 3} kasus baru dan {k + 11} korban.")
        tgt.append(f"In {1900 + k}, the city of {city} recorded {k * 7 + 3} new cases and {k + 11} victims.")
    return src, tgt


def test_monotone_chain_is_the_heaviest_increasing_subsequence():
    points = {(0, 0): 1.0, (1, 5): 1.0, (2, 1): 1.0, (3, 2): 1.0, (4, 0): 3.0, (5, 6): 1.0}
    assert monotone_chain(points) == [(0, 0), (2, 1), (3, 2), (5, 6)]
    assert monotone_chain({(0, 0): 1.0, (0, 1): 1.0}) in ([(0, 0)], [(0, 1)])  # same row never chains
    assert monotone_chain({}) == []
    assert band_half_width([(0, 100), (500, 600)], 1000, 1100, 10) == 110


@pytest.mark.parametrize("side", ["tgt", "src"])
def test_100_extra_sentences_at_the_start_align_without_a_bridge(side):
    src, tgt = _doc(200, 150)
    extra_src, extra_tgt = _doc(0, 100)
    if side == "tgt":
        tgt = extra_tgt + tgt
        expected = [((), (j,)) for j in range(100)] + [((i,), (i + 100,)) for i in range(150)]
    else:
        src = extra_src + src
        expected = [((i,), ()) for i in range(100)] + [((i + 100,), (i,)) for i in range(150)]
    result = align_document(src, tgt)
    assert beads(result.beads) == expected
    assert result.anchors >= 140 and result.half_width >= 60  # the band holds the offset (base: 10)
    assert not result.doubtful and result.confidence > 0.6


def test_a_reference_of_another_article_is_doubtful():
    src, _ = _doc(0, 30)
    # (Not "Oslo{k}" and "the {k}th": those numbers are the source's "{k + 11} korban" shifted by 11, a real
    # correspondence that exact features find.)
    other = [f"The {w} team of Oslo won {k + 4000} medals in the {k + 300}th season." for k, w in
             enumerate(["red", "blue", "green", "young", "old"] * 6)]
    result = align_document(src, other)
    assert result.confidence < A.DOUBTFUL_BELOW and result.doubtful
    short = align_document(src[:3], other[:3])  # too short to judge
    assert not short.doubtful


@pytest.mark.parametrize("bridge", ["empty", "other"])
def test_an_empty_or_unrelated_bridge_is_ignored(bridge):
    src, tgt = _doc(0, 12)
    tgt[3:5] = [tgt[3] + " " + tgt[4]]  # a 2-1 bead
    del tgt[8]  # a 1-0 bead
    plain = align_document(src, tgt)
    _, unrelated = _doc(500, 12)
    bad = [""] * len(src) if bridge == "empty" else [u.replace("victims", "dogs") for u in unrelated]
    result = align_document(src, tgt, bad)
    assert result.bridge_weight == 0.0
    assert beads(result.beads) == beads(plain.beads)
    assert align_document(src, tgt, _doc(0, 12)[1]).bridge_weight == 1.0


def test_a_fixed_bridge_weight_skips_the_estimate():
    src, tgt = _doc(0, 6)
    assert align_document(src, tgt, [""] * 6, bridge_weight=1.0).bridge_weight == 1.0
    assert align_document(src, tgt, None, bridge_weight=1.0).bridge_weight == 0.0  # no bridge, no weight


def _spans(result: list[Bead]) -> list[tuple[int, int, int, int]]:
    """The DP path ``(i0, i1, j0, j1)`` of a list of beads."""
    out, i, j = [], 0, 0
    for b in result:
        out.append((i, i + len(b.src), j, j + len(b.tgt)))
        i, j = i + len(b.src), j + len(b.tgt)
    return out


def test_align_is_align_document_without_the_confidence():
    src, tgt = _doc(0, 14)
    del tgt[5]
    bridge = [t.replace("cases", "infections") for t in _doc(0, 14)[1]]
    for br, bw in ((None, None), (bridge, None), (bridge, 0.5), ([""] * 14, None)):
        assert align(src, tgt, br, bw) == align_document(src, tgt, br, bw).beads
    assert align([], ["One."]) == align_document([], ["One."]).beads


@pytest.mark.parametrize("kind", ["good", "shifted", "empty"])
def test_the_estimated_bridge_weight_is_bridge_reliability_of_the_plain_path(kind):
    # align_document reuses its sides' bags of content words; the public function builds them from the texts
    src, tgt = _doc(0, 20)
    del tgt[7]
    bridge = {"good": _doc(0, 20)[1], "shifted": _doc(3, 20)[1], "empty": [""] * 20}[kind]
    path = _spans(align(src, tgt))
    assert align_document(src, tgt, bridge).bridge_weight == A.bridge_reliability(path, bridge, tgt)


def test_anchor_evidence_does_not_depend_on_the_string_hash_seed():
    """The evidence of a pair is a float sum over shared features; summed in set order (which changes with
    PYTHONHASHSEED) 1 + 1 + 1/3 is 2.3333333333333335 or 2.333333333333333, and a tie between two
    anchors could then break either way: the same corpus aligned differently from run to run."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from bitext.align.offset import candidate_anchors\n"
        "feats = [{'alpha', 'beta', 'gamma', 'delta', 'x1', 'x2', 'x3'}, {'gamma', 'x1'}, {'gamma', 'x2'}]\n"
        "print(repr(sorted(candidate_anchors(feats, feats).items())))\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root,
                           env={"PYTHONHASHSEED": str(seed), "PYTHONPATH": root}).stdout for seed in range(8)}
    assert len(outs) == 1, outs


# -- the length model fitted per corpus ------------------------------------------------------------------


def test_estimate_length_model_is_the_prior_without_beads_and_the_data_with_many():
    assert dp.estimate_length_model([]) == dp.PRIOR
    rng = random.Random(4)
    lengths = []
    for _ in range(5000):
        ls = rng.randint(40, 200)
        lengths.append((ls, max(1, round(1.2 * ls + rng.gauss(0, (4.0 * ls) ** 0.5)))))
    fit = dp.estimate_length_model(lengths)
    assert fit.beads == 5000 and abs(fit.ratio - 1.2) < 0.01 and 3.6 < fit.variance < 4.4
    few = dp.estimate_length_model(lengths[:50])  # as many beads as the prior weighs: half way
    assert few.beads == 50 and dp.PRIOR.ratio < few.ratio < 1.2 and dp.PRIOR.variance < few.variance < 4.4


def test_confident_beads_are_1_1_beads_between_1_1_beads():
    beads = [dp.Bead((0,), (0,), 1.0), dp.Bead((1,), (1,), 1.0), dp.Bead((2,), (), 1.0), dp.Bead((3,), (2,), 1.0),
             dp.Bead((4,), (3,), 1.0), dp.Bead((5,), (4,), 1.0)]  # fmt: skip
    src = ["a" * (10 + i) for i in range(6)]
    tgt = ["b" * (20 + j) for j in range(5)]
    # beads 0 (a document edge before it), 4 and 5 (the edge after it); not 1 and 3, next to the 1-0 bead
    assert dp.confident_lengths(beads, src, tgt) == [(10, 20), (14, 23), (15, 24)]


def test_fit_length_model_learns_free_translations_vary_more():
    rng = random.Random(8)
    docs = []
    for _ in range(40):
        src = [" ".join("kata" for _ in range(rng.randint(6, 20))) + "." for _ in range(6)]
        tgt = [" ".join("word" for _ in range(max(2, round(len(s) / 5 * rng.uniform(0.6, 1.6))))) + "." for s in src]
        docs.append((src, tgt, None))
    fit = batch.fit_length_model(docs)
    assert fit.beads > 50 and fit.variance > 1.4 * dp.PRIOR.variance and fit.ratio > dp.PRIOR.ratio


# -- lexicon evidence (hunalign's dictionary bootstrapping, second pass) ---------------------------------


class FakeLexicon:
    """A dict-backed :class:`~bitext.align.dp.WordTranslations` (the corpus lexicon's interface)."""

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.table = table

    def translations(self, word: str, direction: str = "id-en", top: int = 10) -> dict[str, float]:
        assert direction == "id-en"
        return dict(sorted(self.table.get(word, {}).items(), key=lambda kv: -kv[1])[:top])


LEXICON = FakeLexicon({"kucing": {"cat": 0.9}, "tidur": {"sleeps": 0.6, "sleep": 0.3}, "rumah": {"house": 0.8, "home": 0.2},
                       "anjing": {"dog": 0.9}, "makan": {"eats": 0.5, "eat": 0.4}, "taman": {"park": 0.7, "garden": 0.3},
                       "itu": {"the": 0.5, "that": 0.4}, "di": {"in": 0.6, "at": 0.3}})  # fmt: skip


def test_gloss_translates_word_by_word_keeps_numbers_and_leaves_unknown_words_out():
    assert dp.gloss("Anjing itu makan di Bogor 2024.", LEXICON) == "dog the that eats eat in at 2024"


@pytest.mark.parametrize("english, deleted", [("The dog eats in the park.", 0), ("The cat sleeps in the house.", 1)])
def test_the_lexicon_decides_which_sentence_of_equal_length_was_left_untranslated(english: str, deleted: int):
    src = ["Kucing itu tidur di rumah.", "Anjing itu makan di taman."]
    assert len(src[0]) == len(src[1])  # the length model cannot tell; without anchors only the lexicon can
    got = [(b.src, b.tgt) for b in align(src, [english], lexicon=LEXICON)]
    assert got == ([((0,), ()), ((1,), (0,))] if deleted == 0 else [((0,), (0,)), ((1,), ())])
    plain = [[(b.src, b.tgt) for b in align(src, [e])] for e in ("The dog eats in the park.", "The cat sleeps in the house.")]
    assert plain[0] == plain[1]  # without it both come out the same, so one of them is wrong


@pytest.mark.parametrize("side", ["en", "id"])
def test_three_sentences_joined_into_one_are_a_3_1_or_1_3_bead(side: str):
    src, tgt = _doc(0, 8)
    if side == "en":
        tgt[2:5] = [" ".join(tgt[2:5])]
        want = [((0,), (0,)), ((1,), (1,)), ((2, 3, 4), (2,)), ((5,), (3,)), ((6,), (4,)), ((7,), (5,))]
    else:
        src[2:5] = [" ".join(src[2:5])]
        want = [((0,), (0,)), ((1,), (1,)), ((2,), (2, 3, 4)), ((3,), (5,)), ((4,), (6,)), ((5,), (7,))]
    got = align(src, tgt)
    assert beads(got) == want
    assert got[2].type == ("3-1" if side == "en" else "1-3")
