"""The corpus stage: deduplication, the cache under the signature, resuming, CLI failures."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bitext.model import MetaKey
from bitext.store import Store, translation_key
from bitext.translate import TranslateReport, translate_corpus

from .corpora import ROOT, cli, cli_env, make_store, parse_counts, synthetic_sentences


def test_corpus_dedup_signature_and_cache(tmp_path: Path, engine) -> None:
    boiler = "Baca juga: berita lainnya di Jakarta."
    sents = synthetic_sentences(20)
    texts = [x for s in sents for x in (s, boiler)] + sents[:5]  # 45 rows, 21 distinct
    store = make_store(tmp_path / "c", texts)
    rows_sent: list[int] = []
    generate = engine.backend.generate

    def spy(batch, opts):
        if not opts.penalised:  # retries of runaway outputs are not new work
            rows_sent.append(len(batch))
        return generate(batch, opts)

    engine.backend.generate = spy
    try:
        report = translate_corpus(store, engine=engine, quiet=True)
        assert isinstance(report, TranslateReport)
        assert report.as_dict() == {"sentences": 45, "distinct": 21, "cached": 0, "translated": 21,
                                    "source_split": 0, "hit_max_length": report.hit_max_length,
                                    "left_elsewhere": 0, "retried": report.retried}
        assert list(report.as_dict()) == ["sentences", "distinct", "cached", "translated", "source_split",
                                          "hit_max_length", "left_elsewhere", "retried"]  # the order the CLI prints
        assert sum(rows_sent) == 21  # the boilerplate line went to the model once
        again = translate_corpus(store, engine=engine, quiet=True)
        assert again.cached == 21 and again.translated == 0
        assert sum(rows_sent) == 21
    finally:
        engine.backend.generate = generate
    sig = store.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    assert sig == str(engine.signature)
    assert sig.startswith("model:folder-sha256:") and "|beams:1|" in sig and "|max_new:63|" in sig
    settings = store.get_meta_json(MetaKey.TRANSLATE_SETTINGS)
    assert settings["backend"] == "transformers" and settings["beams"] == 1 and settings["shard"] is None
    row = store.conn.execute("SELECT * FROM translations WHERE source=?", (boiler,)).fetchone()
    assert row["key"] == translation_key(sig, boiler) and row["signature"] == sig
    assert row["text"] == engine.translate([boiler])[0].text
    assert store.count("translations") == 21


def test_bad_shard_is_a_usage_error(tmp_path: Path, engine) -> None:
    from bitext.errors import BitextError

    store = make_store(tmp_path / "c", ["Satu."], articles=1)
    with pytest.raises(BitextError, match="--shard 3/3") as e:
        translate_corpus(store, engine=engine, shard=(3, 3), quiet=True)
    assert e.value.exit_code == 2
    assert store.get_meta(MetaKey.TRANSLATE_SIGNATURE) is None  # refused before anything is written


def test_resume_after_sigkill(tmp_path: Path, tiny_model_dir: Path, engine) -> None:
    texts = synthetic_sentences(240) + synthetic_sentences(40)  # 280 rows, 240 distinct
    store = make_store(tmp_path / "corpus", texts)
    store.close()
    db = tmp_path / "corpus" / "bitext.sqlite"
    args = ["translate", str(tmp_path / "corpus"), "--model", str(tiny_model_dir), "--backend", "transformers",
            "--beams", "1", "--batch-tokens", "40", "--threads", "1", "--compute-type", "float32", "--quiet"]
    proc = subprocess.Popen(cli(*args), env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    n_killed = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with sqlite3.connect(db, timeout=30) as conn:
                n_killed = conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
            if n_killed >= 5:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    with sqlite3.connect(db, timeout=30) as conn:
        n_killed = conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
    assert 0 < n_killed < 240, "the run must be killed mid-way"

    args[args.index("--batch-tokens") + 1] = "2048"  # not part of the signature: resumes the same work
    done = subprocess.run(cli(*args), env=cli_env(), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("translate: sentences=280 distinct=240 cached=")
    counts = parse_counts(done.stdout)
    assert counts["distinct"] == 240 and counts["sentences"] == 280
    assert counts["cached"] == n_killed
    assert counts["translated"] == 240 - n_killed  # exactly the missing ones: nothing redone

    store = Store.open(tmp_path / "corpus")
    sig = store.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    assert sig == str(engine.signature)  # batch size and process do not change the signature
    keys = {r[0] for r in store.conn.execute("SELECT key FROM translations")}
    assert store.count("translations") == 240
    assert {translation_key(sig, t) for t in texts} == keys  # every sentence has exactly one row
    sample = texts[:3] + texts[-3:]
    rows = {r["source"]: r["text"] for r in store.conn.execute("SELECT source, text FROM translations")}
    assert [rows[t] for t in sample] == [t.text for t in engine.translate(sample)]


@pytest.mark.parametrize(
    "env, why",
    [
        ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE=1"),
        # A closed local port: unreachable for real, fast, and never downloads even where online.
        ({"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}, "Hugging Face Hub unreachable"),
    ],
)
def test_missing_model_offline_is_one_line_exit_2(tmp_path: Path, env: dict[str, str], why: str) -> None:
    Store.open(tmp_path / "c").close()
    run = subprocess.run(
        cli("translate", str(tmp_path / "c"), "--quiet"),
        env=cli_env(HF_HUB_CACHE=str(tmp_path / "no-such-cache"), HF_HOME=str(tmp_path / "no-home"), **env),
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"bitext: error: cannot download Helsinki-NLP/opus-mt-id-en ({why}) and no local copy")
    assert "--model PATH" in lines[0] and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_cli_module_imports_fast() -> None:
    code = ("import sys, bitext.cli.translate, bitext.cli.run, bitext.cli.options;"
            " print(sorted(m for m in ('torch','transformers','ctranslate2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
