"""The loop: translate with the base model, review, adapt, re-translate with the adapted model, publish.

Decisions stay attached where the aligned English did not change and go stale (pending again, the old
decision shown) where it did, as :func:`bitext.review.state.review_applies` says; no review row is lost.
The dataset card names the adapted model and the signatures its ``mt`` rows were made under.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bitext.adapt.data import trusted_pairs
from bitext.adapt.train import adapt_corpus, base_model
from bitext.align.stage import align_corpus
from bitext.errors import BitextError
from bitext.model import EDITED, PENDING
from bitext.publish.stage import publish_dataset
from bitext.records import iter_pairs
from bitext.translate.models import resolve_model
from bitext.translate.stage import translate_corpus
from tests.adapt.cipher import sentences
from tests.adapt.conftest import FAST
from tests.factories import CorpusBuilder


def test_retranslating_with_the_adapted_model_keeps_every_decision(cipher_base: Path, tmp_path: Path) -> None:
    pairs = sentences(30 * 8, seed=3)
    b = CorpusBuilder(tmp_path / "c")
    for a in range(30):
        b.article(f"a{a:02d}", [src for src, _ in pairs[a * 8:(a + 1) * 8]])
    store = b.store
    english = dict(pairs)
    options = {"backend": "transformers", "beams": 1, "threads": 1, "quiet": True}
    translate_corpus(store, model=str(cipher_base), **options)
    align_corpus(store, quiet=True)
    # Reviewers edit every pair of the first 27 articles; the last three stay pending.
    reviewed = [rec for rec in iter_pairs(store) if rec.doc_id < "a27" and rec.bead_type == "1-1"]
    for rec in reviewed:
        b.review(rec.id, EDITED, before=rec.target, after=english[rec.source], source=rec.source,
                 pair_target=rec.target)
    n_reviews = store.count("reviews")
    before = {rec.id: rec for rec in iter_pairs(store)}

    report = adapt_corpus(store, tmp_path / "adapted", base=str(cipher_base), options=FAST, progress=False)
    assert report.saved and report.after.chrf > report.before.chrf + 50
    translate_corpus(store, model=str(tmp_path / "adapted"), **options)
    align_corpus(store, quiet=True)

    assert store.count("reviews") == n_reviews  # nothing lost
    after = {rec.id: rec for rec in iter_pairs(store)}
    stale = kept = 0
    for rec in reviewed:
        now = after[rec.id]
        if now.aligned_target == before[rec.id].aligned_target:  # the adapted model made the same English
            assert (now.review_status, now.target) == (EDITED, english[rec.source])
            kept += 1
        else:  # other English now: pending again, the old decision shown as stale
            assert now.review_status == PENDING and now.review_stale
            assert now.target == now.aligned_target == now.mt
            stale += 1
    assert stale > 0 and kept + stale == len(reviewed)
    # Stale or not, every reviewed pair still trains the next adaptation, with the reviewer's English.
    trusted = {p.pair_id: (p.target, p.origin) for p in trusted_pairs(store)}
    assert {rec.id: trusted.get(rec.id) for rec in reviewed} == {rec.id: (english[rec.source], EDITED)
                                                                for rec in reviewed}
    # The pending pairs now carry the adapted model's (better) English.
    pending = [r for r in after.values() if r.doc_id >= "a27"]
    right = sum(r.target == english[r.source] for r in pending)
    assert right > sum(before[r.id].target == english[r.source] for r in pending)
    sig = store.get_meta("translate.signature")
    assert sig.startswith(f"model:{resolve_model(str(tmp_path / 'adapted')).fingerprint}|")
    assert {r.kind for r in after.values()} == {"mt"}
    assert store.get_meta_json("translate.settings")["adapted"] == report.signature

    # The adapted folder made these translations: adapting again without --base starts from it, found by the
    # full path the corpus keeps privately (the settings name its last component only).
    assert base_model(store, None).path == (tmp_path / "adapted").resolve()
    assert store.get_meta_json("translate.settings")["model"] == "adapted"

    publish_dataset(store, tmp_path / "ds")
    card = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert str(tmp_path) not in card  # the private path is never published
    assert f"adaptation signature `{report.signature}`" in card
    assert f"aligned under translation signature `{sig}`" in card

    # A changed or vanished folder is one line, never another model silently.
    config = tmp_path / "adapted" / "config.json"
    config.write_text(config.read_text(encoding="utf-8").replace("{", '{"note": 1, ', 1), encoding="utf-8")
    with pytest.raises(BitextError, match="changed since it translated the corpus"):
        base_model(store, None)
    (tmp_path / "adapted").rename(tmp_path / "moved")
    with pytest.raises(BitextError, match="which is gone: pass --base PATH"):
        base_model(store, None)
