"""Tests of the translate stage on a tiny random Marian model built once per session (~5 s).

The tiny model (bitext.testing.make_tiny_model) memorises 20 sentence pairs: known sentences
end with </s> after a sentence-like length, unknown ones often run to the length limit; its
maximum input is 64 tokens, so long-input splitting is cheap to exercise.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bitext.errors import BitextError, EnvironmentProblem
from bitext.store import Store, translation_key, utcnow
from bitext.testing import _ID_TEXT
from bitext.translate import (
    load_engine,
    merge_stores,
    parse_shard,
    shard_of,
    split_for_model,
    translate_corpus,
    translate_texts,
)

ROOT = Path(__file__).resolve().parents[1]
KNOWN = _ID_TEXT.splitlines()  # sentences the tiny model memorised


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from bitext.testing import make_tiny_model

    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("bitext-cache")
    os.environ["BITEXT_CACHE"] = str(cache)  # converted CTranslate2 models go here, also for subprocesses
    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="module")
def engine(tiny_model: Path):
    """Greedy transformers engine on the tiny model, shared by the tests of this module."""
    return load_engine(str(tiny_model), backend="transformers", beams=1, threads=1, compute_type="float32")


def synthetic_sentences(n: int) -> list[str]:
    """n distinct Indonesian-looking sentences of varying length (deterministic)."""
    subj = ["Pemerintah daerah", "Polisi", "Para siswa", "Bank Indonesia", "Menteri Keuangan", "Warga desa",
            "Tim nasional", "Wakil Gubernur"]
    verb = ["membangun", "menangkap", "mengikuti", "mempertahankan", "mengatakan", "mengajak", "meresmikan"]
    obj = ["rumah sakit baru", "tiga orang tersangka", "ujian nasional", "suku bunga acuan", "jalan tol",
           "festival budaya", "harga beras"]
    place = ["di Jakarta", "di Maluku", "di Jawa Tengah pada hari Senin", "di sekolah", "di pasar tradisional"]
    out = []
    i = 0
    while len(out) < n:
        s, v, o, p = subj[i % 8], verb[(i // 8) % 7], obj[(i // 56) % 7], place[(i // 392 + i) % 5]
        out.append(f"{s} {v} {o} {p}" + (", kata dia." if i % 3 else "."))
        i += 1
    return out


def make_store(folder: Path, sentences: list[str], articles: int = 3) -> Store:
    """A store with the given sentences spread over a few articles (what the segment stage writes)."""
    store = Store.open(folder)
    per = -(-len(sentences) // articles)
    with store.tx() as c:
        for a in range(articles):
            sents = sentences[a * per : (a + 1) * per]
            raw = " ".join(sents)
            aid = f"art{a}"
            c.execute(
                "INSERT INTO articles(id, source_path, raw_text, content_hash, segmenter, ingested_at)"
                " VALUES (?,?,?,?,?,?)",
                (aid, f"in/{aid}.txt", raw, f"h{a}-{len(raw)}", "test", utcnow()),
            )
            pos = 0
            for k, s in enumerate(sents):
                c.execute(
                    "INSERT INTO sentences(id, article_id, para_idx, sent_idx, text, start, end)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (f"{aid}:0:{k}", aid, 0, k, s, pos, pos + len(s)),
                )
                pos += len(s) + 1
    return store


def cli(*args: str, env: dict[str, str] | None = None) -> list[str]:
    """Command line of the bitext CLI (the dispatcher if present, else this stage's own main)."""
    if (ROOT / "bitext" / "__main__.py").exists() and (ROOT / "bitext" / "cli" / "__init__.py").exists():
        return [sys.executable, "-m", "bitext", *args]
    return [sys.executable, "-m", "bitext.cli.translate", *args]


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **extra}
    return env


def parse_counts(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


# -- pure functions ------------------------------------------------------------------


def test_split_for_model_prefers_clause_boundaries() -> None:
    def fits(t: str) -> bool:
        return len(t.split()) <= 4

    text = "satu dua; tiga empat lima, enam tujuh dan delapan sembilan sepuluh sebelas dua belas"
    assert split_for_model(text, fits, lambda t: [t]) == [
        "satu dua;",
        "tiga empat lima,",
        "enam tujuh",
        "dan delapan sembilan sepuluh",
        "sebelas dua belas",
    ]
    # A unit that fits nowhere goes to the hard splitter.
    assert split_for_model("a b c d e f", lambda t: len(t) <= 1, lambda t: ["HARD:" + t]) == [
        "a", "b", "c", "d", "e", "f"
    ]
    assert split_for_model("abcdef", lambda t: len(t) <= 3, lambda t: [t[:3], t[3:]]) == ["abc", "def"]
    assert split_for_model("pendek", fits, lambda t: []) == ["pendek"]


def test_parse_shard_and_shard_of() -> None:
    assert parse_shard("0/4") == (0, 4)
    assert parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "1", "-1/2", "a/b", "0/0"):
        with pytest.raises(BitextError) as e:
            parse_shard(bad)
        assert e.value.exit_code == 2
    # Deterministic (a hash of the text, not Python's salted hash()).
    assert shard_of("Selamat pagi.", 7) == int.from_bytes(
        __import__("hashlib").sha256(b"Selamat pagi.").digest()[:8], "big") % 7


# -- translation behaviour -----------------------------------------------------------


def test_batched_results_in_input_order_equal_single_translation(engine) -> None:
    texts = KNOWN[:6] + synthetic_sentences(6)
    texts = texts[::2] + texts[1::2]  # mix lengths so sorting by length reorders them
    engine.batch_tokens = 60  # several batches
    try:
        before = engine.batches_run
        batched = engine.translate(texts)
        assert engine.batches_run - before > 2
    finally:
        engine.batch_tokens = 2048
    assert [t.source for t in batched] == texts
    for t in batched:
        alone = engine.translate([t.source])[0]
        assert (alone.text, alone.n_tokens, alone.hit_max_length) == (t.text, t.n_tokens, t.hit_max_length)
        assert alone.logprob == pytest.approx(t.logprob, abs=1e-5)  # padding changes the float sums only
    # The memorised sentences come out as trained (so the model really is conditioned on input).
    assert batched[0].text == "Mamuju (ANTARA) - The West Sulawesi provincial government encouraged civil servants in the region."
    assert batched[0].hit_max_length is False and batched[0].source_split is False


def test_long_input_is_split_and_joined(engine) -> None:
    long = "; ".join(s.rstrip(".") for s in KNOWN[3:7]) + "."
    assert len(engine.tokenizer(long)["input_ids"]) > engine.max_input_tokens  # 64 for the tiny model
    [t] = engine.translate([long])
    assert t.source_split is True
    pieces = split_for_model(long, engine._fits, engine._hard_split)
    assert len(pieces) >= 2 and " ".join(pieces) == long
    parts = engine.translate(pieces)
    assert t.text == " ".join(p.text for p in parts)
    assert t.n_tokens == sum(p.n_tokens for p in parts)
    assert t.hit_max_length == any(p.hit_max_length for p in parts)
    assert t.n_unk == 0


def test_hard_split_when_no_boundary(engine) -> None:
    blob = "pemerintahdaerahmenangkap" * 12  # one "word" far longer than 64 tokens
    [t] = engine.translate([blob])
    assert t.source_split is True
    assert all(engine._fits(p) for p in engine._hard_split(blob))


def test_hit_max_length_and_counts(tiny_model: Path) -> None:
    [short] = translate_texts([KNOWN[8]], model=str(tiny_model), backend="transformers", beams=1, compute_type="float32")
    assert short.text == "Bank Indonesia kept its benchmark interest rate at six percent."
    assert short.hit_max_length is False
    assert short.logprob < 0
    [cut] = translate_texts(
        [KNOWN[8]], model=str(tiny_model), backend="transformers", beams=1, max_new_tokens=3, compute_type="float32"
    )
    assert cut.hit_max_length is True
    assert cut.n_tokens == 3
    assert short.text.startswith(cut.text)
    [unk] = translate_texts(["Ωmega 日本"], model=str(tiny_model), backend="transformers", beams=1)
    assert unk.n_unk >= 2


def test_ctranslate2_float32_greedy_equals_transformers(tiny_model: Path, engine) -> None:
    texts = KNOWN[:5] + synthetic_sentences(5) + ["; ".join(s.rstrip(".") for s in KNOWN[10:14])]
    ref = engine.translate(texts)
    ct2 = load_engine(str(tiny_model), backend="ctranslate2", beams=1, compute_type="float32", threads=1)
    assert ct2.backend.name == "ctranslate2"
    got = ct2.translate(texts)
    assert any(t.hit_max_length for t in ref) and any(not t.hit_max_length for t in ref)
    assert any(t.source_split for t in ref)
    for a, b in zip(ref, got, strict=True):
        assert (a.text, a.n_tokens, a.hit_max_length, a.source_split, a.n_unk) == (
            b.text, b.n_tokens, b.hit_max_length, b.source_split, b.n_unk)
        assert a.logprob == pytest.approx(b.logprob, abs=2e-4)
    assert "backend:ctranslate2-float32" in ct2.signature and "backend:transformers-float32" in engine.signature
    # Converted once: the cache folder is reused.
    ct2_dirs = list((Path(os.environ["BITEXT_CACHE"]) / "ct2").iterdir())
    assert [d.name.endswith("-float32") for d in ct2_dirs] == [True]
    load_engine(str(tiny_model), backend="ctranslate2", beams=1, compute_type="float32")
    assert list((Path(os.environ["BITEXT_CACHE"]) / "ct2").iterdir()) == ct2_dirs


def test_beam_logprob_same_definition_in_both_backends(tiny_model: Path) -> None:
    texts = KNOWN[:3]
    a = translate_texts(texts, model=str(tiny_model), backend="transformers", beams=3, compute_type="float32")
    b = translate_texts(texts, model=str(tiny_model), backend="ctranslate2", beams=3, compute_type="float32")
    for x, y in zip(a, b, strict=True):
        assert x.text == y.text
        assert x.logprob == pytest.approx(y.logprob, abs=2e-4)



@pytest.mark.parametrize(("length_penalty", "early_stopping"), [(1.0, None), (0.6, True), (1.5, "never")])
def test_beam_search_makes_the_choices_of_generate(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch, length_penalty: float, early_stopping: bool | str | None
) -> None:
    """bitext's own beam loop returns what generate() + re-scoring returns, finished or cut at the limit."""
    eng = load_engine(str(tiny_model), backend="transformers", beams=3, compute_type="float32", threads=1,
                      max_new_tokens=34, length_penalty=length_penalty)
    backend = eng.backend
    monkeypatch.setattr(backend.generation_config, "early_stopping", early_stopping)
    batch = eng.tokenizer(KNOWN[:6] + synthetic_sentences(4) + ["Ωmega 日本 rumah"])["input_ids"]
    fast = backend.generate(batch, eng.opts)
    monkeypatch.setattr(backend, "_plain_beam_config", lambda gc: False)  # force generate()
    slow = backend.generate(batch, eng.opts)
    assert any(o.hit_max_length for o in slow) and any(not o.hit_max_length for o in slow)
    assert [(o.ids, o.hit_max_length) for o in fast] == [(o.ids, o.hit_max_length) for o in slow]
    assert [o.logprob for o in fast] == pytest.approx([o.logprob for o in slow], abs=1e-5)


def test_beam_search_falls_back_to_generate_for_other_processing(tiny_model: Path) -> None:
    eng = load_engine(str(tiny_model), backend="transformers", beams=3, compute_type="float32", threads=1)
    import copy

    gc = copy.deepcopy(eng.backend.generation_config)
    assert eng.backend._plain_beam_config(gc)
    gc.repetition_penalty = 1.2
    assert not eng.backend._plain_beam_config(gc)


def test_beam_min_new_tokens_logprob_agrees_with_ctranslate2(tiny_model: Path) -> None:
    """With min_new_tokens both backends leave </s> out of the softmax while it is banned."""
    texts = KNOWN[3:6]
    opts = dict(model=str(tiny_model), beams=3, compute_type="float32", min_new_tokens=4)
    a = translate_texts(texts, backend="transformers", **opts)
    b = translate_texts(texts, backend="ctranslate2", **opts)
    assert not any(t.hit_max_length for t in a)
    for x, y in zip(a, b, strict=True):
        assert (x.text, x.n_tokens) == (y.text, y.n_tokens)
        assert x.logprob == pytest.approx(y.logprob, abs=2e-4)

# -- the corpus stage ----------------------------------------------------------------


def test_corpus_dedup_signature_and_cache(tmp_path: Path, engine) -> None:
    boiler = "Baca juga: berita lainnya di Jakarta."
    sents = synthetic_sentences(20)
    texts = [x for s in sents for x in (s, boiler)] + sents[:5]  # 45 rows, 21 distinct
    store = make_store(tmp_path / "c", texts)
    rows_sent: list[int] = []
    generate = engine.backend.generate

    def spy(batch, opts):
        rows_sent.append(len(batch))
        return generate(batch, opts)

    engine.backend.generate = spy
    try:
        counts = translate_corpus(store, engine=engine, quiet=True)
        assert counts == {"sentences": 45, "distinct": 21, "cached": 0, "translated": 21, "source_split": 0,
                          "hit_max_length": counts["hit_max_length"]}
        assert sum(rows_sent) == 21  # the boilerplate line went to the model once
        again = translate_corpus(store, engine=engine, quiet=True)
        assert again["cached"] == 21 and again["translated"] == 0
        assert sum(rows_sent) == 21
    finally:
        engine.backend.generate = generate
    sig = store.get_meta("translate.signature")
    assert sig == engine.signature
    assert sig.startswith("model:folder-sha256:") and "|beams:1|" in sig and "|max_new:63|" in sig
    settings = store.get_meta_json("translate.settings")
    assert settings["backend"] == "transformers" and settings["beams"] == 1 and settings["shard"] is None
    row = store.conn.execute("SELECT * FROM translations WHERE source=?", (boiler,)).fetchone()
    assert row["key"] == translation_key(sig, boiler) and row["signature"] == sig
    assert row["text"] == engine.translate([boiler])[0].text
    assert store.count("translations") == 21


def test_shards_partition_and_merge(tmp_path: Path, engine) -> None:
    texts = synthetic_sentences(30) + ["Baca juga."] * 3
    shards = [make_store(tmp_path / f"s{i}", texts) for i in range(3)]
    seen: list[set[str]] = []
    for i, st in enumerate(shards):
        counts = translate_corpus(st, engine=engine, shard=(i, 3), quiet=True)
        got = {r[0] for r in st.conn.execute("SELECT source FROM translations")}
        assert counts["translated"] == len(got) and all(shard_of(t, 3) == i for t in got)
        seen.append(got)
    assert set().union(*seen) == set(texts)
    assert sum(len(s) for s in seen) == len(set(texts))  # disjoint
    assert all(seen)  # 31 texts over 3 shards: none empty

    target = make_store(tmp_path / "t", texts)
    counts = merge_stores(target, [s.path.parent for s in shards])
    assert counts == {"sources": 3, "copied": 31, "skipped": 0}
    assert target.get_meta("translate.signature") == engine.signature
    assert merge_stores(target, [shards[0]]) == {"sources": 1, "copied": 0, "skipped": len(seen[0])}
    assert translate_corpus(target, engine=engine, quiet=True)["translated"] == 0  # complete

    other = make_store(tmp_path / "o", texts[:-5])
    with pytest.raises(BitextError, match="does not hold the same articles"):
        merge_stores(target, [other])
    shards[1].set_meta("translate.signature", "model:x|backend:y")
    with pytest.raises(BitextError, match="another model or settings"):
        merge_stores(target, [shards[1]])


def test_merge_cli(tmp_path: Path, engine) -> None:
    from bitext.cli.translate import main

    texts = synthetic_sentences(6)
    a, b = make_store(tmp_path / "a", texts), make_store(tmp_path / "b", texts)
    translate_corpus(a, engine=engine, quiet=True)
    a.close()
    b.close()
    assert main(["merge", str(tmp_path / "b"), str(tmp_path / "a")]) == 0
    assert Store.open(tmp_path / "b").count("translations") == 6


def test_resume_after_sigkill(tmp_path: Path, tiny_model: Path, engine) -> None:
    texts = synthetic_sentences(240) + synthetic_sentences(40)  # 280 rows, 240 distinct
    store = make_store(tmp_path / "corpus", texts)
    store.close()
    db = tmp_path / "corpus" / "bitext.sqlite"
    args = ["translate", str(tmp_path / "corpus"), "--model", str(tiny_model), "--backend", "transformers",
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
    counts = parse_counts(done.stdout)
    assert counts["distinct"] == 240 and counts["sentences"] == 280
    assert counts["cached"] == n_killed
    assert counts["translated"] == 240 - n_killed  # exactly the missing ones: nothing redone

    store = Store.open(tmp_path / "corpus")
    sig = store.get_meta("translate.signature")
    assert sig == engine.signature  # batch size and process do not change the signature
    keys = {r[0] for r in store.conn.execute("SELECT key FROM translations")}
    assert store.count("translations") == 240
    assert {translation_key(sig, t) for t in texts} == keys  # every sentence has exactly one row
    sample = texts[:3] + texts[-3:]
    rows = {r["source"]: r["text"] for r in store.conn.execute("SELECT source, text FROM translations")}
    assert [rows[t] for t in sample] == [t.text for t in engine.translate(sample)]


# -- failures ------------------------------------------------------------------------


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


def test_bad_model_arguments(tmp_path: Path, tiny_model: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="no such model folder"):
        load_engine("./no/such/folder")
    with pytest.raises(BitextError, match="--revision") as e:
        load_engine(str(tiny_model), revision="main")
    assert e.value.exit_code == 2
    with pytest.raises(BitextError, match="--backend"):
        load_engine(str(tiny_model), backend="onnx")
    from bitext.backends import cuda_available

    if not cuda_available():
        with pytest.raises(EnvironmentProblem, match="CUDA"):
            load_engine(str(tiny_model), device="cuda")


def test_cli_module_imports_fast() -> None:
    code = "import sys, bitext.cli.translate; print(sorted(m for m in ('torch','transformers','ctranslate2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize(("amx", "expected"), [(True, "bfloat16"), (False, "float32")])
def test_cpu_default_compute_type_follows_the_hardware(tiny_model: Path, monkeypatch, amx, expected) -> None:
    import bitext.backends as backends

    monkeypatch.setattr(backends, "cpu_has_amx_bf16", lambda: amx)
    eng = load_engine(str(tiny_model), backend="transformers", beams=1, threads=1, device="cpu")
    assert eng.backend.compute_type == expected
    assert f"|backend:transformers-{expected}|" in eng.signature
    [t] = eng.translate([KNOWN[8]])
    assert t.text  # runs in that dtype
