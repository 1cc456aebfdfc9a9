"""Sentences against their own machine translation (bitext.align.mt): provenance, scored as the DP scores."""

from __future__ import annotations

import pytest

from bitext.align import dp
from bitext.align.mt import align_translations, split_translations

SRC = ["Harga beras naik 10 persen pada Maret.", "Kenaikan itu terjadi sebulan.", "Polisi menangkap tiga orang."]


def test_each_sentence_gets_the_sentences_of_its_own_translation():
    mt = ["Rice prices rose 10 percent in March.", "", "Police arrested three people. They were detained."]
    tgt, beads = align_translations(SRC, mt)
    assert tgt == ["Rice prices rose 10 percent in March.", "Police arrested three people.", "They were detained."]
    assert [(b.src, b.tgt, b.type) for b in beads] == [((0,), (0,), "1-1"), ((1,), (), "1-0"), ((2,), (1, 2), "1-2")]
    assert split_translations(mt)[1] == [(0, 1), (1, 1), (1, 3)]


def test_a_looping_translation_stays_with_its_sentence_and_scores_below_a_good_one():
    good = align_translations(SRC[:1], ["Rice prices rose 10 percent in March."])[1][0]
    loop = align_translations(SRC[:1], [" ".join(["prices"] * 60)])[1][0]
    assert (loop.src, loop.tgt) == ((0,), (0,)) and loop.score < good.score
    # The score is the DP's evidence of the same bead with the translation as bridge (weight 1).
    want = dp.align(SRC[:1], ["Rice prices rose 10 percent in March."], ["Rice prices rose 10 percent in March."], 1.0)
    assert good.score == want[0].score


def test_translations_must_match_the_sources():
    with pytest.raises(ValueError, match="2 translations for 3 source sentences"):
        align_translations(SRC, ["a", "b"])
