"""Each check: one firing and one quiet pair, exact scores and reasons, measuring once."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace

import pytest

from bitext import flags as F
from bitext.flags.checks.length import length_z
from bitext.lang.langid import english_probability
from bitext.lang.text import words
from bitext.model import BLOCKING_SEVERITIES, needs_review
from tests.flags.helpers import GOOD, fired, pv, result


def test_clean_pair_fires_nothing():
    assert fired(GOOD) == set()
    assert not needs_review(F.check_pair(GOOD))


# -- one firing and one quiet pair per check ----------------------------------------------------

@pytest.mark.parametrize(
    "name, bad, ok",
    [
        ("empty_target", pv("Kucing punya dua telinga.", "  "), GOOD),
        ("untranslated", pv("Kucing punya dua telinga.", "Kucing punya dua telinga."), GOOD),
        ("length_ratio", pv("Pemerintah provinsi mendorong aparatur sipil negara menerapkan nilai itu.",
                            "The province."), GOOD),
        ("length_z", pv("Saya makan nasi goreng di rumah setiap pagi bersama keluarga saya.", "I eat fried rice."),
         pv("Saya makan nasi goreng di rumah setiap pagi bersama keluarga saya.",
            "I eat fried rice at home every morning with my family.")),
        ("numbers", pv("Harganya Rp1,5 miliar.", "It costs Rp2.5 billion."),
         pv("Harganya Rp1,5 miliar.", "It costs 1.5 billion rupiah.")),
        ("repetition", pv("Kucing punya dua telinga.", "A cat has two ears ears ears ears."), GOOD),
        ("truncation", pv("Kucing punya dua telinga.", "A cat has two"), GOOD),
        ("low_confidence", replace(GOOD, logprob=-3.0), replace(GOOD, logprob=-0.2)),
        ("unk_source", replace(GOOD, n_unk=2, n_tokens=9), replace(GOOD, n_unk=0, n_tokens=9)),
        ("not_english", pv("Kucing punya dua telinga.", "Anjing itu tidur di bawah meja makan."), GOOD),
        ("bead_type", replace(GOOD, bead_type="2-1"), GOOD),
        ("low_alignment", replace(GOOD, align_score=0.05), replace(GOOD, align_score=0.9)),
        ("missing_names", pv("Kata Kepala BKD Sulbar Herdin Ismail di Mamuju.", "He said in the city."),
         pv("Kata Kepala BKD Sulbar Herdin Ismail di Mamuju.",
            "Said the head of BKD Sulbar Herdin Ismail in Mamuju.")),
        ("quotes", pv('Ia berkata, "Saya setuju."', "He said he agreed."),
         pv('Ia berkata, "Saya setuju."', 'He said, "I agree."')),
        ("question_mark", pv("Kapan Tom akan tiba?", "Tom will arrive."),
         pv("Kapan Tom akan tiba?", "When will Tom arrive?")),
        ("article_alignment", replace(GOOD, article_confidence=0.12), replace(GOOD, article_confidence=0.8)),
        ("markup", pv("Kucing punya dua telinga.", "A cat has <b>two</b> ears."), GOOD),
        ("mojibake", pv("Kucing punya dua telinga.", "A catâ€™s two ears."),
         pv("Kucing punya dua telinga.", "A cat’s two ears.")),
        ("control_chars", pv("Kucing punya dua telinga.", "A cat has two\u202e ears."), GOOD),
        ("duplicate", replace(GOOD, id="p2", first_seen="p1"), replace(GOOD, id="p1", first_seen="p1")),
        ("bridge_mismatch", replace(GOOD, mt="The government opened a new road in the province."),
         replace(GOOD, mt="A cat has two ears.")),
    ],
)
def test_each_check_fires_and_stays_quiet(name, bad, ok):
    r_bad, r_ok = result(bad, name), result(ok, name)
    assert r_bad is not None and r_bad.fired, r_bad
    assert r_ok is not None and not r_ok.fired, r_ok
    assert r_bad.severity == F.CHECKS[name].severity


def test_length_z_scores_against_the_norm_of_its_source_length():
    src = "Saya makan nasi goreng di rumah setiap pagi bersama keluarga saya."  # 66 chars, 11 words
    tgt = "I eat fried rice."  # 17 chars, 4 words
    # Bin 60..89 of _LENGTH_NORMS: char (-0.121, 0.164), word (0.080, 0.169).
    zc = (math.log(27 / 76) + 0.121) / 0.164
    zw = (math.log(6 / 13) - 0.080) / 0.169
    assert length_z(src, tgt) == pytest.approx((zc, zw))
    r = result(pv(src, tgt), "length_z")
    assert r.score == pytest.approx((zc + zw) / 2) and r.fired
    assert "much shorter than usual" in r.reason and "66-char sources" in r.reason
    # The same ratio is normal for a short source and not for a long one: the norms depend on length.
    assert length_z("", "x") is None and result(pv("Ya.", ""), "length_z") is None
    long_src = "Pemerintah provinsi mendorong aparatur sipil negara menerapkan nilai itu setiap hari kerja."
    assert result(pv(long_src, "The province urges civil servants to apply it."), "length_z").fired
    assert not result(pv("Ayo pergi.", "Let's go."), "length_z").fired


@pytest.mark.parametrize(
    "target, fires",
    [("Mati!", True), ("Oke.", True), ("Bersiap.", True), ("Loncat.", True),
     ("Sure!", False), ("Die!", False), ("Wake up!", False), ("Tom is a very good teacher.", False)],
)
def test_not_english_asks_lingua_too_on_short_targets(target, fires):
    r = result(pv("Kucing punya dua telinga.", target), "not_english")
    assert r.fired is fires, r
    short = len(words(target)) <= 3
    assert ("py3langid + lingua" in r.reason) is short
    if short:  # the mean of both detectors
        p = english_probability(target, ["en", "id", "ms", "jv"])[0]
        assert r.score != pytest.approx(p)


def test_not_english_short_words_zero_keeps_py3langid_alone():
    cfg = F.load_config()
    cfg["not_english"]["short_words"] = 0
    r = result(pv("Kucing punya dua telinga.", "Mati!"), "not_english", cfg)
    assert r.score == pytest.approx(english_probability("Mati!", ["en", "id", "ms", "jv"])[0])
    assert r.reason.startswith("language ID")


def test_not_applicable_checks_are_left_out():
    names = {r.check for r in F.check_pair(GOOD)}
    # No logprob, no tokenisation, no align score, no MT bridge, no corpus context, no names.
    assert names.isdisjoint({"low_confidence", "unk_source", "low_alignment", "bridge_mismatch", "duplicate",
                             "missing_names"})
    assert {"empty_target", "length_ratio", "numbers", "not_english"} <= names


def test_exact_reasons():
    assert result(pv("Kucing.", ""), "empty_target").reason == "the target is empty: the source has no translation"
    r = result(pv("Harganya Rp1,5 miliar.", "It costs Rp2.5 billion."), "numbers")
    assert r.score == 2.0
    assert r.reason == ("numbers differ: source has 'Rp1,5 miliar'"[:0] + "numbers differ: source has '1,5 miliar' "
                        "not found in the target; target has '2.5 billion' not found in the source")
    r = result(pv("Kucing punya dua telinga.", "A cat has two"), "truncation")
    assert r.reason == "the source ends a sentence but the target stops mid-way ('...A cat has two')"
    r = result(replace(GOOD, bead_type="1-2"), "bead_type")
    assert r.reason == "bead 1-2: 1 source sentence(s) aligned to 2 target sentence(s)"
    r = result(pv("Kata Kepala BKD Sulbar Herdin Ismail di Mamuju.", "He said in the city."), "missing_names")
    assert r.score == 5.0
    assert r.reason == "5 of 5 source name(s) not in the target: BKD, Sulbar, Herdin, Ismail, Mamuju"


def test_repetition_in_source_is_not_a_loop():
    assert not result(pv("Ha ha ha ha, katanya.", "Ha ha ha ha, he said."), "repetition").fired
    r = result(pv("Saya suka.", "I like the the the the the the cat."), "repetition")
    assert r.score == 6.0 and "'the' 6 times in a row" in r.reason


def test_untranslated_near_copy_and_names_only():
    near = pv("Pemerintah daerah itu mendorong pelayanan publik yang lebih baik.",
              "The pemerintah daerah itu mendorong pelayanan publik.")
    assert result(near, "untranslated").fired
    # A name-only target has no ordinary word to judge (n/a), unless it is a verbatim copy.
    assert result(pv("Kata Herdin Ismail.", "Herdin Ismail."), "untranslated") is None
    assert result(pv("Herdin Ismail.", "Herdin Ismail."), "untranslated").score == 1.0


def test_truncation_on_hit_max_length():
    r = result(replace(GOOD, hit_max_length=True), "truncation")
    assert r.fired and r.reason == "the model stopped at its max_length"



def test_needs_review_uses_blocking_severities():
    assert BLOCKING_SEVERITIES == ("warning", "error")
    assert needs_review([F.FlagResult("x", 1.0, True, "warning", "")])
    assert not needs_review([F.FlagResult("x", 1.0, True, "info", ""),
                               F.FlagResult("y", 0.0, False, "error", "")])



# -- measure once: the reason is written from the evidence ------------------------------------------

@pytest.mark.parametrize(
    "module, function, name, pair",
    [
        ("bitext.flags.checks.numbers", "compare_numbers", "numbers", pv("Ada 5 orang.", "There are 6 people.")),
        ("bitext.flags.checks.names", "missing_names", "missing_names",
         pv("Kata Herdin Ismail di Mamuju.", "He said in the city.")),
        ("bitext.flags.checks.language", "english_probability", "not_english",
         pv("Kucing punya dua telinga.", "Anjing itu tidur di bawah meja makan.")),
        ("bitext.flags.checks.length", "length_z", "length_z", pv("Saya makan nasi goreng di rumah.", "I eat.")),
    ],
)
def test_each_pair_is_measured_once(monkeypatch, module, function, name, pair):
    import importlib

    mod = importlib.import_module(module)
    real, calls = getattr(mod, function), []

    def counted(*a, **kw):
        calls.append(a)
        return real(*a, **kw)

    monkeypatch.setattr(mod, function, counted)
    r = result(pair, name)
    assert r is not None and r.fired and r.reason
    assert len(calls) == 1


def test_measurement_carries_the_evidence_and_reason_only_formats_it():
    from bitext.flags.checks.numbers import Numbers

    check = Numbers()
    m = check.measure(pv("Harganya Rp1,5 miliar.", "It costs Rp2.5 billion."))
    assert m.score == 2.0 and list(m.evidence["source_only"]) == ["1,5 miliar"]
    assert check.fires(m)
    # A measurement made up by hand is explained as it is: nothing is recomputed from a pair.
    fake = F.Measurement(1.0, {"source_only": (), "target_only": ()})
    assert check.reason(fake) == "numbers match"
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.score = 0.0  # type: ignore[misc]


def test_duplicate_is_a_corpus_check_measured_from_the_first_occurrence():
    from bitext.flags.checks.corpus import Duplicate, duplicate_key

    dup = Duplicate()
    assert isinstance(dup, F.CorpusCheck)
    assert dup.result(dup.measure_first("p2", "p1")) == F.FlagResult(
        "duplicate", 1.0, True, "info", "same source and target as pair p1, seen earlier in the corpus")
    assert dup.result(dup.measure_first("p1", "p1")).reason == "first occurrence of this source and target"
    assert dup.measure(GOOD) is None  # no corpus state: not applicable
    assert duplicate_key("Kucing  punya.", "A cat.") == duplicate_key("kucing punya.", "a  CAT.")
    assert duplicate_key("Kucing.", "A cat.") != duplicate_key("Kucing.", "A dog.")


def test_registry_order_and_directions():
    assert list(F.CHECKS) == [
        "empty_target", "untranslated", "length_ratio", "length_z", "numbers", "repetition", "truncation",
        "retried", "low_confidence", "unk_source", "not_english", "bead_type", "low_alignment", "article_alignment",
        "missing_names", "quotes", "question_mark", "markup", "mojibake", "control_chars", "duplicate",
        "bridge_mismatch", "adequacy", "model_score", "glossary"]
    assert all(c.direction in ("above", "below", "outside") and c.description for c in F.CHECKS.values())


@pytest.mark.parametrize("text", ["A cat has two ears.", "a", "?", "Ok.", "  x  ", "1 2", "é", "Hi!\u200b", "x" * 300])
def test_bridge_of_a_target_identical_to_its_mt_is_chrf_100(text):
    from sacrebleu.metrics import CHRF

    from bitext.flags.checks.alignment import IDENTICAL_CHRF

    assert CHRF().sentence_score(text, [text]).score == IDENTICAL_CHRF
    assert result(pv("Kucing.", text, mt=text), "bridge_mismatch").score == IDENTICAL_CHRF


# -- the checks of encoding damage and of the article's alignment -------------------------------------

def test_markup_reasons_and_markup_the_source_has_too():
    from bitext.flags.checks.encoding import markup

    assert markup('A <a href="x.html">link</a> &amp; a<br/> &#39;q&#39; &nbsp;') == [
        '<a href="x.html">', "</a>", "<br/>", "&amp;", "&#39;", "&#39;", "&nbsp;"]
    assert markup("2 < 3 and 5 > 4; Tom & Jerry; x<y") == []
    r = result(pv("Kucing.", "A cat &amp; <i>dog</i>."), "markup")
    assert (r.score, r.reason) == (3.0, "target has 3 markup item(s) the source lacks: <i>, </i>, &amp;")
    assert not result(pv("Lihat <b>ini</b>.", "See <b>this</b>."), "markup").fired  # the source has it


def test_mojibake_either_side_with_the_repair_in_the_reason():
    r = result(pv("Kata SÅ‚ania.", "Słania said."), "mojibake")
    assert (r.score, r.fired) == (1.0, True)
    assert r.reason == "encoding damage in the source (ftfy would repair it: 'Kata Słania.')"
    r = result(pv("KafÃ© itu.", "The cafÃ© â€” closed."), "mojibake")
    assert r.score == 2.0 and r.reason.startswith("encoding damage in the source and target")
    assert not result(pv("Kafé itu.", "The café – closed."), "mojibake").fired


def test_control_chars_names_each_kind_once():
    r = result(pv("Kucing\u200b.", "A\u200b cat\u202e\x07."), "control_chars")
    assert r.score == 4.0
    assert r.reason == ("4 invisible character(s) in the pair: ZERO WIDTH SPACE, RIGHT-TO-LEFT OVERRIDE, U+0007")
    assert not result(pv("Kucing\tpunya.", "A cat\nhas."), "control_chars").fired


def test_article_alignment_not_applicable_without_a_confidence():
    assert result(GOOD, "article_alignment") is None
    r = result(replace(GOOD, article_confidence=0.12), "article_alignment")
    assert r.reason == ("article alignment confidence 0.12 (fires < 0.4): the article alignment is doubtful "
                        "(wrong reference, or an offset missed?)")


def test_not_english_ignores_names_copied_from_the_source():
    from bitext.flags.checks.language import without_source_names

    src = "Bank Indonesia (BI) mempertahankan suku bunga acuan BI-Rate sebesar 6 persen."
    tgt = "Bank Indonesia (BI) kept its benchmark BI-Rate at 6 percent."
    assert without_source_names(tgt, src) == "() kept its benchmark at 6 percent."
    assert without_source_names("Tom Jackson.", "Tom Jackson.") == "Tom Jackson."  # too little left
    assert not result(pv(src, tgt), "not_english").fired


def test_model_checks_do_not_judge_human_references() -> None:
    from bitext.flags import CHECKS, PairView

    mt = PairView(id="p", source="Satu dua.", target="One two", mt="One two", bead_type="1-1", align_score=0.9,
                  logprob=-9.0, n_tokens=4, n_unk=2, hit_max_length=True, source_split=False, kind="mt")
    ref = PairView(**{**mt.__dict__, "kind": "reference"})
    for name in ("low_confidence", "unk_source"):
        check = CHECKS[name]()
        assert check.run(mt).fired and check.run(ref) is None
    trunc = CHECKS["truncation"]()
    assert trunc.run(mt).score == 2.0 and trunc.run(ref).score == 1.0  # the cut end still counts


# -- retried translations (translations.retried) ------------------------------------------------------

def test_truncation_reason_says_when_the_mt_was_retried():
    from bitext.flags.checks.model import RETRIED_NOTE

    plain = result(replace(GOOD, hit_max_length=True), "truncation")
    again = result(replace(GOOD, hit_max_length=True, retried=True), "truncation")
    assert (again.score, again.fired, again.severity) == (plain.score, plain.fired, plain.severity) == (1.0, True,
                                                                                                      "warning")
    assert again.reason == f"{plain.reason} (the MT was {RETRIED_NOTE})"
    assert "generated twice" in again.reason and "length limit or looped" in again.reason
    ok = result(replace(GOOD, retried=True), "truncation")
    assert not ok.fired and ok.reason == f"target ends like the source (the MT was {RETRIED_NOTE})"
    # A human reference never went through the model: nothing about retries.
    assert "generated twice" not in result(replace(GOOD, retried=True, kind="reference"), "truncation").reason
    assert result(GOOD, "truncation").reason == "target ends like the source"


def test_retried_is_an_info_finding_that_does_not_block():
    from bitext.model import needs_review

    r = result(replace(GOOD, retried=True), "retried")
    assert (r.score, r.fired, r.severity) == (1.0, True, "info")
    assert "generated twice" in r.reason and r.reason.endswith("the retry ends within the limit")
    assert not needs_review(F.check_pair(replace(GOOD, retried=True)))  # visible, not in the queue by itself
    still = result(replace(GOOD, retried=True, hit_max_length=True), "retried")
    assert still.reason.endswith("still stopped at the length limit (see truncation)")
    assert result(GOOD, "retried") is None  # generated once: no row
    assert result(replace(GOOD, retried=True, kind="reference"), "retried") is None
