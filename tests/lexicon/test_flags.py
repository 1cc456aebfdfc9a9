"""The checks that read the corpus lexicon: adequacy (lexical coverage both ways) and missing_names (a name
the corpus translates is not missing). Lexicons here are built from rows, so every number is exact."""

from __future__ import annotations

import pytest

from bitext import flags as F
from bitext.flags.context import current_lexicon, use_lexicon
from bitext.store import Store
from bitext.testing import write_sentence_pairs
from tests.factories import flags_query
from tests.flags.helpers import pv, result
from tests.lexicon.helpers import corpus, small_lexicon


@pytest.fixture
def lexicon():
    use_lexicon(small_lexicon())
    yield current_lexicon()
    use_lexicon(None)


def test_adequacy_is_no_op_without_a_lexicon():
    use_lexicon(None)
    assert result(pv("Petani itu membeli rumah besar.", "The teacher saw a dog."), "adequacy") is None


def test_adequacy_scores_the_lower_coverage_of_both_directions(lexicon):
    good = result(pv("Petani itu membeli rumah besar.", "The farmer bought the big house."), "adequacy")
    assert (good.score, good.fired) == (1.0, False)
    other = result(pv("Petani itu membeli rumah besar.", "The teacher saw the small dog."), "adequacy")
    assert (other.score, other.fired) == (0.0, True)
    assert other.reason == (
        "0 % of the Indonesian words known to the corpus lexicon have a translation in the English: petani, "
        "membeli, rumah, besar; 0 % of the English words known to the corpus lexicon have a translation in the "
        "Indonesian: teacher, saw, small, dog (fires < 0.2)")
    # A dropped half: the English side is fully covered, the Indonesian is not; min of the two.
    half = result(pv("Petani itu membeli rumah besar dan guru itu melihat mobil merah.",
                     "The farmer bought the big house."), "adequacy")
    assert half.score == pytest.approx(4 / 8) and not half.fired
    assert result(pv("Petani itu membeli rumah besar dan guru itu melihat mobil merah.",
                     "The farmer bought."), "adequacy").score == pytest.approx(2 / 8)


def test_adequacy_needs_enough_known_words(lexicon):
    # Two known words on each side: below min_words (3), not judged.
    assert result(pv("Rumah besar.", "A small dog."), "adequacy") is None
    assert result(pv("Rumah besar.", "A small dog."), "adequacy", {"adequacy": {"min_words": 2}}).fired


def test_missing_names_excuses_what_the_corpus_translates(lexicon):
    r = result(pv("Kata Dinkes Mamuju, warga sehat.", "The health office in Mamuju said residents are healthy."),
               "missing_names")
    assert (r.score, r.fired) == (0.0, False)
    assert r.reason == "all 2 source name(s) found in the target (Dinkes as the corpus translates it)"
    # A word translation of the name (kemenlu -> ministry, p = 0.3) present in the English.
    assert result(pv("Kata Kemenlu di Jakarta.", "The ministry in Jakarta said."), "missing_names").score == 0
    # The long form of BPBD given in the articles, its words' translations present.
    assert result(pv("Kata BPBD di Jakarta.", "The disaster management agency in Jakarta said."),
                  "missing_names").score == 0
    # Absent: still missing.
    r = result(pv("Kata Dinkes Mamuju, warga sehat.", "Doctors in Mamuju said residents are well."),
               "missing_names")
    assert (r.score, r.fired) == (1.0, True) and r.reason.endswith(": Dinkes")


def test_missing_names_without_a_lexicon_as_before():
    use_lexicon(None)
    r = result(pv("Kata Dinkes Mamuju, warga sehat.", "The health office in Mamuju said residents are healthy."),
               "missing_names")
    assert (r.score, r.fired) == (1.0, True)


def test_flag_stage_loads_no_lexicon_when_no_check_consults_it(tmp_path, monkeypatch):
    from bitext.flags import stage
    from bitext.lexicon import build_lexicon

    cfg = tmp_path / "flags.toml"
    cfg.write_text("[adequacy]\nenabled = false\n\n[missing_names]\nenabled = false\n")
    with Store.open(tmp_path / "c") as store:
        write_sentence_pairs(store, corpus(40), references=True)
        build_lexicon(store, quiet=True)
        use_lexicon(small_lexicon())
        loads = []
        monkeypatch.setattr(stage, "load_lexicon", lambda s: loads.append(s) or None)
        F.flag_corpus(store, cfg, quiet=True, workers=0)
        assert loads == [] and current_lexicon() is None  # none loaded, and none left over from before
        F.flag_corpus(store, "default", quiet=True, workers=0)
        assert len(loads) == 1  # the checks that consult it are back on: loaded once for the run
    use_lexicon(None)


def test_flag_stage_loads_the_lexicon_for_itself_and_its_workers(tmp_path):
    from bitext.lexicon import build_lexicon

    # Pair a0:r20 gets the English of another sentence with no word in common.
    pairs = corpus(200)
    pairs[20] = ("Petani itu membeli rumah besar 99999.", "The farmer bought the big house 99999.")
    rows = {}
    for workers in (0, 2):
        folder = tmp_path / f"c{workers}"
        with Store.open(folder) as store:
            write_sentence_pairs(store, pairs, references=True)
            store.conn.execute("UPDATE pairs SET target = 'The teacher saw the small dog.' WHERE id = 'a0:r20'")
            build_lexicon(store, quiet=True)
            use_lexicon(None)
            F.flag_corpus(store, quiet=True, workers=workers)
            rows[workers] = flags_query(store, "SELECT pair_id, fired FROM pair_flags WHERE check_name='adequacy'"
                                               " ORDER BY pair_id")
            assert "adequacy" in F.explain(store, "a0:r20")
    assert len(rows[0]) == len(rows[2]) > 150  # measured in the workers too
    fired = {pid for pid, f in rows[0] if f}
    assert "a0:r20" in fired and len(fired) <= 5
    use_lexicon(None)


def test_a_refreshed_lexicon_measures_again_only_the_checks_that_read_it(tmp_path):
    """The lexicon's signature is part of adequacy's and missing_names' measure signatures: a refreshed
    lexicon makes the next flag run measure those two again on every pair, and nothing else."""
    from bitext.flags import scores
    from bitext.flags.config import build_checks
    from bitext.flags.stage import _lexicon_checks, effective_config
    from bitext.model import MetaKey
    from tests.factories import CorpusBuilder

    b = CorpusBuilder(tmp_path / "corpus")
    b.article("a1")
    b.pair("a1:0.0", "Petani itu membeli rumah besar.", "The farmer bought the big house.")
    store = b.store
    store.set_meta(MetaKey.LEXICON_SIGNATURE, "lexicon:1|data:first")
    F.flag_corpus(store, quiet=True, workers=0)

    def todo() -> scores.Plan:
        checks = build_checks(effective_config(store).config, F.stage.stored_calibration(store))
        _lexicon_checks(store, checks)
        return scores.plan(store, checks)

    assert todo() == scores.Plan(remeasure=False)
    store.set_meta(MetaKey.LEXICON_SIGNATURE, "lexicon:1|data:second")
    plan = todo()
    assert not plan.remeasure and sorted(plan.measure) == ["adequacy", "missing_names"] and not plan.redecide
    F.flag_corpus(store, quiet=True, workers=0)
    assert todo() == scores.Plan(remeasure=False)


def test_the_aligner_glosses_references_with_the_corpus_lexicon(tmp_path):
    """The reference aligner's lexicon evidence (bitext.align.dp.gloss) is the corpus lexicon, once built."""
    from bitext.align import stage as align_stage
    from bitext.lexicon import build_lexicon

    with Store.open(tmp_path / "c") as store:
        write_sentence_pairs(store, corpus(200), references=True)
        assert align_stage._lexicon_for(store) is None  # no lexicon yet
        build_lexicon(store, quiet=True)
        lexicon = align_stage._lexicon_for(store)
        assert lexicon is not None and max(lexicon.translations("rumah"), key=lexicon.translations("rumah").get) == "house"


def test_status_names_the_corpus_lexicon(tmp_path):
    """`bitext status` says whether the corpus has a lexicon, and which (its signature)."""
    from bitext.lexicon import build_lexicon
    from bitext.pipeline import corpus_status, format_status

    with Store.open(tmp_path / "c") as store:
        write_sentence_pairs(store, corpus(60), references=True)
        assert "lexicon     not built yet" in format_status(corpus_status(store))
        report = build_lexicon(store, quiet=True)
        status = corpus_status(store)
        assert status["lexicon"]["signature"] == report.signature
        assert f"lexicon     [{report.signature}]" in format_status(status)
