"""The model signal: forced decoding of the English under the corpus's MT model (tiny random model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext import flags as F
from bitext.errors import EnvironmentProblem
from bitext.model import MetaKey
from bitext.testing import TINY_SOURCES
from bitext.translate.scoring import ForcedScorer
from tests.factories import CorpusBuilder, flags_count, flags_query


def test_scores_are_per_token_means_and_batched_alike(tiny_model_dir: Path):
    import torch

    scorer = ForcedScorer(tiny_model_dir, batch_size=2)
    src = TINY_SOURCES[:3]
    tgt = ["A cat.", "The dog sleeps in the house all day long.", "Yes."]
    got = scorer.score(src, tgt)
    # One by one, by hand: the mean log-probability of each label token (</s> included) under teacher forcing.
    for s, t, g in zip(src, tgt, got, strict=True):
        enc = scorer.tokenizer([s], text_target=[t], return_tensors="pt")
        labels = enc.pop("labels")
        with torch.inference_mode():
            logits = scorer.model(**enc, labels=labels).logits
        want = logits.log_softmax(-1).gather(-1, labels[..., None])[..., 0].mean().item()
        assert g == pytest.approx(want, abs=1e-4) and g < 0
    assert ForcedScorer(tiny_model_dir, batch_size=32).score(src, tgt) == pytest.approx(got, abs=1e-4)


def test_a_broken_model_folder_is_one_line(tmp_path: Path):
    with pytest.raises(EnvironmentProblem, match="not a model folder"):
        ForcedScorer(tmp_path)


def test_stage_scores_reference_pairs_only_with_a_model(tmp_path: Path, tiny_model_dir: Path):
    b = CorpusBuilder(tmp_path / "corpus", signature="sig")
    b.article("a1")
    b.pair("a1:mt:0", TINY_SOURCES[0], "A cat.", mt="A cat.")
    b.pair("a1:ref:0", TINY_SOURCES[0], "A cat.", kind="reference", bead_idx=0)
    store = b.store
    F.flag_corpus(store, quiet=True, workers=0)  # no model: not measured, no error
    assert flags_count(store, "check_name='model_score'") == 0
    report = F.flag_corpus(store, quiet=True, workers=0, model=tiny_model_dir)  # the model: measured again
    assert report.flagged == 2
    (score,) = [r[0] for r in flags_query(store, "SELECT score FROM pair_flags WHERE check_name='model_score'"
                                               " AND pair_id='a1:ref:0'")]
    assert score == pytest.approx(ForcedScorer(tiny_model_dir).score([TINY_SOURCES[0]], ["A cat."])[0], abs=1e-4)
    assert flags_count(store, "check_name='model_score' AND pair_id='a1:mt:0'") == 0
    assert store.get_meta(MetaKey.FLAGS_MODEL) == str(tiny_model_dir.resolve())
    assert F.flag_corpus(store, quiet=True, workers=0).flagged == 0  # the model is kept for later runs
    assert F.flag_corpus(store, quiet=True, workers=0, model="none").flagged == 2
    assert flags_count(store, "check_name='model_score'") == 0
    store.close()
