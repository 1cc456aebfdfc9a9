"""Scores as data: evidence stored with each row, thresholds re-applied without measuring, length bounds
calibrated on the corpus."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from bitext import flags as F
from bitext.flags import scores
from bitext.flags.base import CorpusCheck
from bitext.flags.calibration import CalibratedCheck, fit
from bitext.flags.checks.length import LengthZ
from bitext.flags.context import use_glossary, use_lexicon
from bitext.lang.glossary import Glossary, Term
from bitext.model import MetaKey
from bitext.store import Store, flag_tuples
from tests.factories import CorpusBuilder, dies_on_call, flags_count
from tests.flags.helpers import pv
from tests.lexicon.helpers import small_lexicon

WORDS = ("pemerintah membangun jembatan baru di desa warga mengatakan harga beras naik pada hari Senin polisi "
         "menangkap tiga orang tersangka").split()
ENGLISH = ("the government builds a new bridge in the village residents said rice prices rose on Monday police "
           "arrested three suspects yesterday").split()


def corpus(tmp_path: Path, n: int = 80, seed: int = 3) -> Store:
    """MT pairs of close length and reference pairs whose English is freer (wider length spread), a few
    with numbers, names and quotes, so that most checks have rows of both outcomes."""
    rng = random.Random(seed)
    b = CorpusBuilder(tmp_path / "corpus", signature="sig")
    b.article("a1")
    for i in range(n):
        k = rng.randint(4, 20)
        src = " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."
        for kind, spread in (("mt", 0.15), ("reference", 0.6)):
            m = max(1, round(k * rng.lognormvariate(0, spread)))
            tgt = " ".join(rng.choice(ENGLISH) for _ in range(m)).capitalize() + "."
            if i % 7 == 0:
                src2, tgt2 = f"{src[:-1]} Rp{i},5 miliar.", f"{tgt[:-1]} Rp{i + 1}.5 billion."
            elif i % 11 == 0:
                src2, tgt2 = f'Kata "{src[:-1]}" di Jakarta.', f"{tgt[:-1]} in Surabaya?"
            else:
                src2, tgt2 = src, tgt
            b.pair(f"a1:{kind}:{i}", src2, tgt2, kind=kind, bead_idx=i, mt=tgt2 if kind == "mt" else None,
                   align_score=rng.random())
    return b.store


def rows(store: Store) -> dict[tuple[str, str], tuple]:
    """Every stored row; scores to 12 digits (lingua's P(English) of a short text varies in its last bit
    from one process to the next)."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM pairs")]
    return {(r[0], r[1]): (round(r[2], 12), *r[3:]) for r in flag_tuples(store.conn, ids, reasons=True, evidence=True)}


def forbid_measuring(monkeypatch) -> None:
    """No check may measure a pair (the duplicate check's refresh of stored rows from corpus state, which
    reads no text, runs on every flag run as before)."""
    def boom(*a, **kw):
        raise AssertionError("measured")

    for cls in F.CHECKS.values():
        monkeypatch.setattr(cls, "measure", boom)
    monkeypatch.setattr(CorpusCheck, "measure", boom)


THRESHOLDS = """
[numbers]
severity = "error"
[quotes]
threshold = 1
[low_alignment]
threshold = 0.6
[length_z]
threshold = [-1.5, 1.5]
prior_pairs = 20
[length_ratio]
calibrate = false
[question_mark]
enabled = false
"""


def review_state(store: Store) -> dict[str, tuple]:
    return {r[0]: tuple(r[1:]) for r in store.conn.execute(
        "SELECT pair_id, sev_rank, needs_review, flagged FROM review_pair_state")}


def test_a_threshold_change_measures_nothing_and_equals_a_full_recompute(tmp_path: Path, monkeypatch):
    from bitext.review.schema import ensure_schema

    store = corpus(tmp_path)
    ensure_schema(store)  # the review state the triggers (stood down while re-deciding) keep
    F.flag_corpus(store, quiet=True, workers=0)
    state_before = review_state(store)
    before = rows(store)
    cfg = tmp_path / "t.toml"
    cfg.write_text(THRESHOLDS)
    # The same corpus flagged from scratch under the new config, for comparison.
    shutil.copytree(tmp_path / "corpus", tmp_path / "fresh")
    fresh = Store.open(tmp_path / "fresh")
    fresh.clear_flags()
    fresh.delete_meta(MetaKey.FLAGS_SIGNATURE, MetaKey.FLAGS_CHECKS, MetaKey.FLAGS_CALIBRATION)
    full = F.flag_corpus(fresh, config_path=cfg, quiet=True, workers=0)
    assert full.flagged == 160

    with monkeypatch.context() as m:
        forbid_measuring(m)
        report = F.flag_corpus(store, config_path=cfg, quiet=True, workers=0)
    assert report.flagged == 0 and report.skipped == 160 and report.redecided > 0
    after = rows(store)
    assert after == rows(fresh)
    assert review_state(store) == review_state(fresh) != state_before
    assert after != before and not any(c == "question_mark" for _, c in after)
    assert any(r[2] == "error" and r[1] for (_, c), r in after.items() if c == "numbers")
    assert store.get_meta(MetaKey.FLAGS_CALIBRATION) == fresh.get_meta(MetaKey.FLAGS_CALIBRATION)
    assert report.needs_review == F.blocking_count(fresh)
    # Back to the defaults: re-decided again (question_mark, turned on again, is measured).
    back = F.flag_corpus(store, config_path="default", quiet=True, workers=0)
    assert back.flagged == 160 and rows(store) == before
    fresh.close()
    store.close()


def test_a_measuring_option_change_measures_again(tmp_path: Path):
    store = corpus(tmp_path, n=10)
    F.flag_corpus(store, quiet=True, workers=0)
    cfg = tmp_path / "m.toml"
    cfg.write_text("[repetition]\nmax_ngram = 3\n")
    assert F.flag_corpus(store, config_path=cfg, quiet=True, workers=0).flagged == 20
    # A store flagged without the per-check record (an older bitext) is measured again, once.
    store.delete_meta(MetaKey.FLAGS_CHECKS)
    assert F.flag_corpus(store, quiet=True, workers=0).flagged == 20
    assert F.flag_corpus(store, quiet=True, workers=0).flagged == 0
    store.close()


def killed_while_redeciding(monkeypatch, store: Store, cfg: Path, window: int) -> None:
    """Flag ``store`` under ``cfg`` with re-decisions by windows of ``window`` rowids, killed at the second."""
    monkeypatch.setattr(scores, "WINDOW", window)
    real = dies_on_call(monkeypatch, Store, "write_flags", 2)
    with pytest.raises(KeyboardInterrupt):
        F.flag_corpus(store, config_path=cfg, quiet=True, workers=0)
    monkeypatch.setattr(Store, "write_flags", real)


def test_interrupted_redecide_is_finished_by_the_next_run(tmp_path: Path, monkeypatch):
    store = corpus(tmp_path, n=30)
    F.flag_corpus(store, quiet=True, workers=0)
    cfg = tmp_path / "t.toml"
    cfg.write_text("[low_alignment]\nthreshold = 0.6\n")
    killed_while_redeciding(monkeypatch, store, cfg, window=5)
    F.flag_corpus(store, quiet=True, workers=0)  # the stored (new) config, re-decided to the end
    fired = store.conn.execute("SELECT COUNT(*) FROM pair_flags f JOIN pairs p ON p.id = f.pair_id WHERE"
                               " check_name = 'low_alignment' AND fired = 1").fetchone()[0]
    assert fired == store.count("pairs", "align_score < 0.6")
    store.close()


SAMPLES = [
    pv("Kucing punya dua telinga.", "A cat has two ears."),
    pv("Harganya Rp1,5 miliar.", "It costs Rp2.5 billion.", logprob=-2.0, n_tokens=5, n_unk=1),
    pv('Presiden Joko Widodo berkata "ya" di Jakarta?', "The president said it.", bead_type="2-1", align_score=0.1,
       mt="Something else entirely.", first_seen="p0", article_confidence=0.2),
    pv("Ini rumah.", "Ini rumah.", hit_max_length=True, n_tokens=3, retried=True),
    pv("Dia datang.", "<b>He</b> came â€™ came came came came.\u200b"),
    pv("Dia datang.", ""),
    pv("Dia datang.", "He came.", kind="reference", model_score=-3.1),
    pv("Petani itu membeli rumah besar.", "The teacher saw the small dog."),  # adequacy (with a lexicon)
]


def test_every_check_writes_its_reason_alike_from_stored_evidence():
    """A re-decided row must read exactly as a measured one: reasons from JSON evidence (lists for
    tuples) equal the reasons from the measurement itself, for every registered check."""
    checks = F.build_checks()
    seen = set()
    use_lexicon(small_lexicon())  # adequacy and missing_names read the corpus lexicon
    use_glossary(Glossary([Term("kucing", ("cat",)), Term("rumah", ("house",))]))  # the glossary check
    for view in SAMPLES:
        for c in checks:
            m = c.measure(view)
            if m is None:
                continue
            seen.add(c.name)
            back = F.Measurement(m.score, scores.decode_evidence(scores.encode_evidence(m.evidence)))
            assert c.reason(back) == c.reason(m) and c.fires(back) == c.fires(m), c.name
    use_lexicon(None)
    use_glossary(None)
    assert seen == set(F.CHECKS)


def test_measure_and_decide_signatures_split_the_options():
    z = LengthZ()
    wider = LengthZ(LengthZ.Options(threshold=(-3.0, 3.0), prior_pairs=5))
    assert scores.measure_signature(z) == scores.measure_signature(wider)
    assert scores.decide_signature(z) != scores.decide_signature(wider)
    rep = F.build_checks({"repetition": {"max_ngram": 3}})
    assert scores.measure_signature(next(c for c in rep if c.name == "repetition")) != scores.measure_signature(
        next(c for c in F.build_checks() if c.name == "repetition"))


# -- calibration ---------------------------------------------------------------------------------------

def test_fit_widens_for_free_translations_and_keeps_the_prior_on_small_corpora():
    z = LengthZ()
    prior = z.prior
    rng = random.Random(1)
    free = [rng.gauss(prior.centre, 2.5 * prior.scale) for _ in range(20000)]
    low, high = fit(z, {"reference": free})["reference"]
    # 2.5x the clean spread: the bounds sit 2.5x as far from the centre (quantised, shrunk a little).
    assert low == pytest.approx(prior.centre + (-2.2 - prior.centre) * 2.45, abs=0.15)
    assert high == pytest.approx(prior.centre + (2.5 - prior.centre) * 2.45, abs=0.15)
    assert fit(z, {"reference": free[:10]}) == {}  # 10 pairs against a prior of 1000: the configured bounds
    tight = [rng.gauss(prior.centre, 0.1 * prior.scale) for _ in range(20000)]
    low, high = fit(z, {"mt": tight})["mt"]
    assert (low, high) == pytest.approx((prior.centre + (-2.2 - prior.centre) * 0.5,
                                         prior.centre + (2.5 - prior.centre) * 0.5), abs=0.01)  # never below half
    off = LengthZ(LengthZ.Options(calibrate=False))
    off.set_calibration({"reference": [-9.0, 9.0]})
    assert off.bounds("reference") == (-2.2, 2.5)


def test_the_stage_calibrates_length_bounds_per_kind(tmp_path: Path):
    store = corpus(tmp_path)
    cfg = tmp_path / "c.toml"
    cfg.write_text("[length_z]\nprior_pairs = 10\n[length_ratio]\nprior_pairs = 10\n")
    F.flag_corpus(store, config_path=cfg, quiet=True, workers=0)
    import json

    cal = json.loads(store.get_meta(MetaKey.FLAGS_CALIBRATION))
    z_ref, z_mt = cal["length_z"]["reference"], cal["length_z"]["mt"]
    assert z_ref[1] - z_ref[0] > z_mt[1] - z_mt[0]  # free references: wider than the close MT
    # A reference pair is judged by the reference bounds and says so.
    checks = F.build_checks(F.load_config(cfg), cal)
    lz = next(c for c in checks if c.name == "length_z")
    assert isinstance(lz, CalibratedCheck) and lz.bounds("reference") == tuple(z_ref)
    text = F.explain(store, "a1:reference:1", cfg)
    assert "calibrated on this corpus's reference pairs" in text
    # Flagging again changes nothing.
    before = rows(store)
    assert F.flag_corpus(store, quiet=True, workers=0).redecided == 0 and rows(store) == before
    store.close()


def test_checks_that_store_no_evidence_write_reasons_without_threshold_or_severity():
    """A check that says its reason names no threshold keeps its stored reason on a re-decision: its reason
    must read the same under any threshold and severity (else it would have to store its evidence)."""
    quiet = [cls for cls in F.CHECKS.values() if not cls.reason_names_threshold]
    assert {c.name for c in quiet} >= {"numbers", "quotes", "markup", "duplicate", "truncation"}
    for cls in quiet:
        assert cls.direction != "outside", cls.name
        variants = [cls(cls.Options(threshold=t, severity=s)) for t in (-5.0, 0, 0.5, 7.0)
                    for s in ("info", "warning", "error")]
        for view in SAMPLES:
            m = variants[0].measure(view)
            if m is None:
                continue
            assert len({v.reason(m) for v in variants}) == 1, cls.name


def test_calibration_reads_a_spread_sample_on_big_corpora(tmp_path: Path, monkeypatch):
    from bitext.flags import calibration

    store = corpus(tmp_path, n=60)
    F.flag_corpus(store, quiet=True, workers=0)
    names = ["length_z", "length_ratio"]
    full = calibration.corpus_scores(store, names, names)
    monkeypatch.setattr(calibration, "SAMPLE", 40)  # 120 rows per check: every 3rd
    part = calibration.corpus_scores(store, names, names)
    for name in names:
        n_full = sum(len(v) for v in full[name].values())
        n_part = sum(len(v) for v in part[name].values())
        assert 0 < n_part < n_full / 2 and set(part[name]) == {"mt", "reference"}
        for kind, values in part[name].items():
            assert set(values) <= set(full[name][kind])
    store.close()


def test_interrupted_calibration_is_finished_by_the_next_run(tmp_path: Path, monkeypatch):
    """The bounds fitted after measuring are re-applied by windows; a kill in between leaves the calibrated
    checks marked pending, and the next run (nothing new to measure) re-decides them."""
    cfg = tmp_path / "c.toml"
    cfg.write_text("[length_z]\nprior_pairs = 10\n[length_ratio]\nprior_pairs = 10\n")
    store = corpus(tmp_path)
    shutil.copytree(tmp_path / "corpus", tmp_path / "clean")
    killed_while_redeciding(monkeypatch, store, cfg, window=50)
    again = F.flag_corpus(store, quiet=True, workers=0)
    assert again.flagged == 0 and again.redecided > 0
    clean = Store.open(tmp_path / "clean")
    F.flag_corpus(clean, config_path=cfg, quiet=True, workers=0)
    assert rows(store) == rows(clean)
    clean.close()
    store.close()


def test_a_check_turned_on_or_changed_is_the_only_one_measured(tmp_path: Path, monkeypatch):
    from bitext.flags.checks.text import QuestionMark, Repetition

    store = corpus(tmp_path, n=30)
    cfg = tmp_path / "off.toml"
    cfg.write_text("[question_mark]\nenabled = false\n")
    F.flag_corpus(store, config_path=cfg, quiet=True, workers=0)
    assert flags_count(store, "check_name = 'question_mark'") == 0
    # A new pair arrives meanwhile: it gets every check.
    CorpusBuilder(store, signature="sig").pair("a1:mt:99", "Siapa datang?", "Who came?", bead_idx=99, mt="Who came?")
    changed = tmp_path / "on.toml"
    changed.write_text("[repetition]\nmax_ngram = 3\n")
    measured: dict[str, set] = {}
    for cls in F.CHECKS.values():
        real = cls.measure

        def spy(self, pair, real=real):
            measured.setdefault(self.name, set()).add(pair.id)
            return real(self, pair)

        monkeypatch.setattr(cls, "measure", spy)
    report = F.flag_corpus(store, config_path=changed, quiet=True, workers=0)
    monkeypatch.undo()
    assert report.flagged == 61
    assert measured[QuestionMark.name] == measured[Repetition.name] and len(measured[Repetition.name]) == 61
    assert all(ids == {"a1:mt:99"} for name, ids in measured.items() if name not in ("question_mark", "repetition"))
    # The same rows as measuring everything from scratch under that config.
    shutil.copytree(tmp_path / "corpus", tmp_path / "fresh")
    fresh = Store.open(tmp_path / "fresh")
    fresh.clear_flags()
    fresh.delete_meta(MetaKey.FLAGS_CHECKS)
    F.flag_corpus(fresh, quiet=True, workers=0)
    assert rows(store) == rows(fresh)
    assert F.flag_corpus(store, quiet=True, workers=0).flagged == 0
    fresh.close()
    store.close()
