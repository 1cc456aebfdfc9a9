"""bitext adapt: the tiny model really learns the cipher, the guard refuses a poisoned model, runs resume."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bitext.adapt.train import AdaptRefused, adapt_corpus
from bitext.cli import main
from bitext.store import Store
from bitext.translate.models import adapted_signature, identity_fingerprint, resolve_model
from tests.adapt.cipher import cipher, cipher_corpus
from tests.adapt.conftest import FAST


def test_the_tiny_model_learns_the_cipher(adapted, cipher_base: Path) -> None:
    r = adapted
    assert r.saved
    assert r.data.counts == {"train": {"edited": len(r.data.train)}, "heldout": {"edited": len(r.data.heldout)}}
    assert len(r.data.train) + len(r.data.heldout) == 240 and len(r.data.heldout) >= 24
    # Held-out articles are never trained on.
    assert not {p.article_id for p in r.data.train} & {p.article_id for p in r.data.heldout}
    assert r.before.chrf < 15  # random weights
    assert r.after.chrf >= r.before.chrf + 50, [(p.step, p.chrf) for p in r.history]
    assert [p.step for p in r.history] == [0, 25, 50, 75, 100, 125, 150, 175, 200]
    assert r.best_step == max(r.history[1:], key=lambda p: p.chrf).step
    assert r.after.chrf == max(p.chrf for p in r.history)
    assert r.history[0].loss is None and all(p.loss is not None and p.loss > 0 for p in r.history[1:])
    assert r.history[-1].loss < r.history[1].loss  # the training loss falls
    assert r.train_tokens > 0 and r.tokens_per_second > 0


def test_the_adapted_folder_is_an_ordinary_model_with_a_card(adapted, cipher_base: Path) -> None:
    out = adapted.out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["README.md", "adapt.json", "config.json", "generation_config.json", "model.safetensors", "source.spm",
         "target.spm", "tokenizer_config.json", "vocab.json"])
    assert not (out / ".checkpoints").exists()
    from transformers import AutoModelForSeq2SeqLM

    from bitext.translate.models import load_tokenizer

    model = AutoModelForSeq2SeqLM.from_pretrained(out)
    tok = load_tokenizer(out)
    src = " ".join(cipher(w) for w in "the dog sees a bird".split())
    got = tok.decode(model.generate(**tok([src], return_tensors="pt"), num_beams=1)[0], skip_special_tokens=True)
    assert got.split()[:2] == ["the", "dog"]
    # The signature: in config.json, recorded by later translations, naming base and data.
    sig = adapted_signature(out)
    assert sig == adapted.signature
    fields = dict(f.split(":", 1) for f in sig.split("|"))
    assert fields["adapt"] == "bitext-adapt/1"
    assert fields["base"] == resolve_model(str(cipher_base)).fingerprint
    assert fields["data"] == adapted.data.signature and fields["pairs"] == str(len(adapted.data.train))
    assert fields["steps"] == str(adapted.best_step)
    assert adapted_signature(cipher_base) is None
    # Its identity differs from the base's: publishing never cites the base model for it.
    assert identity_fingerprint(out) != identity_fingerprint(cipher_base)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert sig in card and adapted.data.signature in card
    assert f"| train | 0 | {len(adapted.data.train)} | 0 | {len(adapted.data.train)} |" in card
    assert f"| base | {adapted.before.chrf:.2f} |" in card
    assert f"| adapted (update {adapted.best_step}) | {adapted.after.chrf:.2f} |" in card
    assert '"learning_rate": 0.003' in card and "- chrF: `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|" in card
    assert json.loads((out / "adapt.json").read_text())["after"]["chrf"] == adapted.after.chrf


def test_translations_with_the_adapted_model_record_its_signature(adapted) -> None:
    from bitext.translate import load_engine

    engine = load_engine(str(adapted.out), backend="transformers", beams=1, threads=1)
    assert engine.settings["adapted"] == adapted.signature
    assert engine.signature.get("model") == resolve_model(str(adapted.out)).fingerprint


def test_the_adapted_model_converts_to_ctranslate2(adapted) -> None:
    from bitext.translate import load_engine

    src = " ".join(cipher(w) for w in "the dog sees a bird".split())
    hf = load_engine(str(adapted.out), backend="transformers", beams=1, threads=1).translate([src])[0].text
    ct2 = load_engine(str(adapted.out), backend="ctranslate2", beams=1, threads=1, compute_type="float32")
    assert ct2.backend.name == "ctranslate2"
    assert ct2.translate([src])[0].text == hf


def test_the_guard_refuses_a_model_trained_on_shuffled_targets(adapted, tmp_path: Path, capsys) -> None:
    """Adapting the adapted model on a corpus whose training pairs have shuffled English makes it worse on the
    held-out pairs: nothing is saved, one line says by how much, exit code 1."""
    cipher_corpus(tmp_path / "poisoned", poisoned=True).close()
    out = tmp_path / "worse"
    argv = ["adapt", str(tmp_path / "poisoned"), "--out", str(out), "--base", str(adapted.out), "--lr", "3e-3",
            "--max-steps", "100", "--epochs", "100", "--warmup-steps", "10", "--eval-every", "25", "-q"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("bitext: error: not saved: the adapted model is worse than its base on")
    assert "held-out pairs: chrF" in err and f"vs {adapted.after.chrf:.2f} (-" in err
    assert not out.exists()
    with pytest.raises(AdaptRefused) as refused:
        adapt_corpus(tmp_path / "poisoned", out, base=str(adapted.out), options=replace(FAST, max_steps=50),
                     progress=False)
    r = refused.value.report
    assert not r.saved and r.after.chrf < r.before.chrf
    assert f"({r.after.chrf - r.before.chrf:+.2f};" in str(refused.value)


def test_adapting_an_adapted_model_again(adapted, cipher_corpus_dir: Path, tmp_path: Path) -> None:
    again = adapt_corpus(cipher_corpus_dir, tmp_path / "again", base=str(adapted.out),
                         options=replace(FAST, learning_rate=1e-3, max_steps=100), progress=False)
    assert again.saved
    assert again.before.chrf == adapted.after.chrf  # the held-out set and decoding are the same
    assert again.after.chrf >= again.before.chrf and again.steps == 100
    base = dict(f.split(":", 1) for f in again.signature.split("|"))["base"]
    assert base == resolve_model(str(adapted.out)).fingerprint
    assert "cipher-adapted" in (tmp_path / "again" / "README.md").read_text(encoding="utf-8")


def _killed_at(step: int, corpus: Path, out: Path, base: Path) -> None:
    """Run the FAST adaptation and interrupt it after update ``step`` (as Ctrl-C or a kill would)."""
    def kill(done: int) -> None:
        if done == step:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        adapt_corpus(corpus, out, base=str(base), options=FAST, progress=False, on_step=kill)


def test_a_killed_run_resumes_from_its_checkpoint(adapted, cipher_base: Path, cipher_corpus_dir: Path,
                                                  tmp_path: Path) -> None:
    """Killed after update 60 (checkpoint at 50): the re-run continues from 50 and ends exactly where an
    uninterrupted run does (same batches, optimiser state and random state)."""
    out = tmp_path / "resumed"
    _killed_at(60, cipher_corpus_dir, out, cipher_base)
    assert (out / ".checkpoints" / "state.pt").is_file() and not (out / "config.json").exists()
    resumed = adapt_corpus(cipher_corpus_dir, out, base=str(cipher_base), options=FAST, progress=False)
    assert resumed.resumed_from == 50
    assert resumed.history == adapted.history
    assert resumed.signature == adapted.signature
    assert (out / "model.safetensors").read_bytes() == (adapted.out / "model.safetensors").read_bytes()


def test_other_settings_start_afresh(cipher_base: Path, cipher_corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    _killed_at(30, cipher_corpus_dir, out, cipher_base)
    other = replace(FAST, max_steps=25, seed=1)
    r = adapt_corpus(cipher_corpus_dir, out, base=str(cipher_base), options=other, progress=False)
    assert r.resumed_from == 0 and r.steps == 25


@pytest.mark.parametrize(("argv", "message"), [
    (["--base", "nowhere/at/all"], "nowhere/at/all: no such model folder"),
    ([], "no translation model is recorded (not translated yet): pass --base MODEL"),
])
def test_bad_input_is_one_line(cipher_corpus_dir: Path, tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    assert main(["adapt", str(cipher_corpus_dir), "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(message) and len(err.splitlines()) == 1


def test_a_corpus_without_reviews_or_held_out_pairs(cipher_base: Path, tmp_path: Path, capsys) -> None:
    from tests.factories import CorpusBuilder

    b = CorpusBuilder(tmp_path / "c")
    b.article("a1", ["Satu."])
    b.pair("a1:mt:0", "Satu.", "One.")
    b.store.close()
    assert main(["adapt", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "--base", str(cipher_base)]) == 1
    assert "no trusted pairs to adapt on" in capsys.readouterr().err
    with Store.open(tmp_path / "c") as store:
        store.add_review("a1:mt:0", "ana", "accepted", before="One.", after="One.", source="Satu.", pair_target="One.")
    assert main(["adapt", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "--base", str(cipher_base)]) == 1
    err = capsys.readouterr().err
    assert "no held-out trusted pairs" in err and "--splits 80,10,10" in err


def test_out_already_holding_a_model_needs_force(adapted, cipher_corpus_dir: Path, cipher_base: Path, capsys) -> None:
    assert main(["adapt", str(cipher_corpus_dir), "--out", str(adapted.out), "--base", str(cipher_base)]) == 2
    assert "already holds a model" in capsys.readouterr().err
    assert main(["adapt", str(cipher_corpus_dir), "--out", str(cipher_base / "x"), "--base", str(cipher_base)]) == 2
    assert "inside) the base model's folder" in capsys.readouterr().err


def test_the_hub_model_an_adapted_folder_descends_from_is_recorded(adapted, tmp_path: Path) -> None:
    import shutil

    from bitext.adapt.train import base_hub_id
    from bitext.translate import load_engine
    from bitext.translate.models import ADAPT_CONFIG_KEY, ModelRef, adapted_base

    # The cipher base is an unknown local folder: no Hub id to name.
    assert json.loads((adapted.out / "config.json").read_text())[ADAPT_CONFIG_KEY]["base_hub_id"] is None
    assert adapted_base(adapted.out) is None and "adapted_base" in load_engine(
        str(adapted.out), backend="transformers", beams=1, threads=1).settings
    hub = "Helsinki-NLP/opus-mt-id-en"
    assert base_hub_id(ModelRef(adapted.out, f"{hub}@abc", hub, "abc")) == hub  # a Hub download: its id
    # An adapted folder records the Hub id of its base; adapting it again inherits it.
    made = tmp_path / "from-hub"
    shutil.copytree(adapted.out, made)
    config = json.loads((made / "config.json").read_text())
    config[ADAPT_CONFIG_KEY]["base_hub_id"] = hub
    (made / "config.json").write_text(json.dumps(config))
    assert adapted_base(made) == hub
    assert base_hub_id(ModelRef(made, "folder-sha256:x", str(made), None)) == hub
    engine = load_engine(str(made), backend="transformers", beams=1, threads=1)
    assert engine.settings["adapted_base"] == hub
    # A folder adapted before base_hub_id was recorded: its base's Hub id when that was a download.
    del config[ADAPT_CONFIG_KEY]["base_hub_id"]
    config[ADAPT_CONFIG_KEY].update(base=hub, base_revision="abc")
    (made / "config.json").write_text(json.dumps(config))
    assert adapted_base(made) == hub
