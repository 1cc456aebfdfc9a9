"""End to end: ``bitext run`` on the seed article with the tiny model, then re-run and status."""

from __future__ import annotations

import json
from pathlib import Path

from bitext.cli import main
from bitext.model import MetaKey
from bitext.store import Store
from tests.factories import flags_count

ROOT = Path(__file__).resolve().parents[2]


def test_run_end_to_end_then_rerun_is_a_no_op(tmp_path, tiny_model_dir, capsys):
    out = tmp_path / "corpus"
    args = ["run", str(ROOT / "seeds"), "--out", str(out), "--model", str(tiny_model_dir),
            "--backend", "transformers", "--beams", "1", "--max-new-tokens", "24", "--quiet"]
    assert main(args) == 0
    with Store.open(out) as store:
        n_sent = store.count("sentences")
        assert n_sent == 14
        assert store.count("translations") == 14
        assert store.count("pairs", "kind='mt'") >= 1
        assert flags_count(store) > 0
        first = store.conn.execute("SELECT * FROM sentences ORDER BY para_idx, sent_idx LIMIT 1").fetchone()
        assert first["id"] == "000_5711ccf1114075a5:0:0"
        assert store.article("000_5711ccf1114075a5")["dateline"] == "Mamuju (ANTARA) -"
        snapshot = [tuple(r) for r in store.conn.execute("SELECT id, target, bead_type FROM pairs ORDER BY id")]

    import datasets

    ds = datasets.load_dataset(str(out / "dataset"), split="train")
    assert len(ds) == len(snapshot)
    assert set(ds[0]["translation"]) == {"id", "en"}

    capsys.readouterr()
    assert main(["status", str(out), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["translate"]["left"] == 0 and status["align"]["left"] == 0 and status["flag"]["left"] == 0

    # Re-running changes nothing: same pairs, nothing translated again.
    assert main(args) == 0
    with Store.open(out) as store:
        assert store.count("translations") == 14
        assert [tuple(r) for r in store.conn.execute("SELECT id, target, bead_type FROM pairs ORDER BY id")] == snapshot

    # The Python API: each stage's typed report.
    from bitext.pipeline import run_pipeline
    from bitext.translate import TranslateReport

    options = {"model": str(tiny_model_dir), "backend": "transformers", "beams": 1, "max_new_tokens": 24}
    with Store.open(out) as store:
        report = run_pipeline(store, [ROOT / "seeds"], translate_options=options, quiet=True)
    assert report.stages["translate"] == TranslateReport(sentences=14, distinct=14, cached=14, translated=0,
                                                         source_split=0, hit_max_length=0)
    assert set(report.stages) == {"translate", "lexicon", "align", "flag"}
    # The tiny random model's outputs all run to their length bound: nothing to learn a lexicon from.
    assert report.stages["lexicon"].status == "no-usable-pairs"


def test_status_of_a_store_before_translation(tmp_path):
    from bitext.pipeline import corpus_status, format_status
    from tests.factories import CorpusBuilder

    corpus = CorpusBuilder(tmp_path / "c")
    corpus.article("a1", ["Satu.", "Dua."])
    status = corpus_status(corpus.store)
    assert (status["articles"], status["sentences"]) == (1, 2)
    assert status["translate"] == {"signature": None, "translated": 0, "left": 2, "cached_translations": 0}
    assert "translate   0/2 sentences translated (2 left)  [not run yet]" in format_status(status)
    corpus.translation("Satu.", "One.")
    corpus.store.set_meta(MetaKey.TRANSLATE_SIGNATURE, corpus.signature)
    assert corpus_status(corpus.store)["translate"]["translated"] == 1


def test_run_without_the_hub_is_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    code = main(["run", str(ROOT / "seeds"), "--out", str(tmp_path / "c"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("bitext: error: ") and "--model" in err
    with Store.open(tmp_path / "c") as store:  # segmentation was kept
        assert store.count("sentences") == 14


def test_public_api_names_resolve_without_loading_torch():
    import subprocess
    import sys

    code = (
        "import sys, bitext\n"
        "from bitext import Store, ingest, translate_corpus, align_corpus, flag_corpus, publish_dataset\n"
        "assert all(callable(f) and not isinstance(f, type(sys)) for f in (ingest, translate_corpus,\n"
        "           align_corpus, flag_corpus, publish_dataset))\n"
        "assert 'torch' not in sys.modules\n"
        "for name in bitext.__all__:\n"
        "    assert not isinstance(getattr(bitext, name), type(sys)), name\n"
        "print(len(bitext.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(__import__("bitext").__all__)
