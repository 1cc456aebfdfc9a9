"""Sharded corpora (bitext.shards, bitext.sharded): the layout, routing by article id, and the issue's test:
a 3-shard corpus gives the same pairs and flags as a 1-shard one, through the read model, with and
without Ray."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from bitext.cli import main
from bitext.errors import BitextError, InputError, StoreError
from bitext.flags.checks import CHECKS
from bitext.lexicon.shared import LEXICON_DIR, install
from bitext.model import MetaKey
from bitext.records import check_names, iter_pairs
from bitext.shards import create_layout, read_layout, shard_name, shard_of, store_folders
from bitext.store import Store
from tests.translate.corpora import ROOT, synthetic_sentences

# Length checks calibrated on a corpus of a few dozen pairs: the default prior is worth 1,000 pairs, so a
# small corpus would keep the built-in bounds and the corpus-wide fit would not be exercised. The tiny
# random model's pairs nearly all have a warning, which leaves no pair to calibrate on: the other checks
# are only 'info' here. missing_names (it consults the lexicon, drawn at random by eflomal) is off.
FLAG_CONFIG = "[length_ratio]\nprior_pairs = 1\n\n[length_z]\nprior_pairs = 1\n\n[missing_names]\nenabled = false\n" + "".join(
    f"\n[{name}]\nseverity = 'info'\n" for name in CHECKS if name not in ("length_ratio", "length_z", "missing_names"))


def _articles(path: Path, n: int = 12) -> Path:
    """``n`` articles of 4 sentences; some sentences repeat across articles (duplicates across shards)."""
    sentences = synthetic_sentences(40)
    with path.open("w", encoding="utf-8") as f:
        for a in range(n):
            body = [sentences[(a * 3 + k) % 40] for k in range(3)] + [sentences[a % 4]]  # the 4th repeats
            f.write(json.dumps({"id": f"art-{a:02d}", "text": " ".join(body)}) + "\n")
    return path


def _model(model: Path) -> list[str]:
    return ["--model", str(model), "--backend", "transformers", "--beams", "1", "--max-new-tokens", "24",
            "--compute-type", "float32"]


def _run(inputs: Path, out: Path, model: Path, config: Path, *extra: str) -> None:
    args = ["run", str(inputs), "--out", str(out), *_model(model), "--flag-config", str(config), "--no-publish",
            "--quiet", *extra]
    assert main(args) == 0


def _one_store(inputs: Path, out: Path, model: Path, config: Path, lexicon_of: Path) -> None:
    """The same corpus as one store, stage by stage, judged by the sharded corpus's lexicon: eflomal samples
    its alignments from /dev/urandom, so two lexicon builds differ even on one store (and the lexicon checks
    with them); given the same lexicon, the rest must come out the same."""
    assert main(["segment", str(inputs), "--out", str(out), "--quiet"]) == 0
    assert main(["translate", str(out), *_model(model), "--quiet"]) == 0
    with Store.open(lexicon_of / LEXICON_DIR, read_only=True) as source, Store.open(out) as target:
        install(source, target)
    assert main(["align", str(out), "--quiet"]) == 0
    assert main(["flag", str(out), "--config", str(config), "--quiet"]) == 0


def _norm(value: object) -> object:
    """Floats to 10 significant digits (language identification sums probabilities in another order in
    another process: the last bits differ), inside lists, tuples and dicts."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def _records(corpus: Path, checks: list[str]) -> list[dict]:
    """Every pair of the corpus as the read model gives it, with its findings and the scores of ``checks``
    (a shard where a check applied to no pair does not name it), in id order."""
    out = []
    for folder in store_folders(corpus):
        with Store.open(folder, read_only=True) as store:
            out += [_norm(dataclasses.asdict(r)) for r in iter_pairs(store, reasons=True, checks=checks)]
    return sorted(out, key=lambda r: r["id"])


def _checks(*corpora: Path) -> list[str]:
    names: set[str] = set()
    for corpus in corpora:
        for folder in store_folders(corpus):
            with Store.open(folder, read_only=True) as store:
                names.update(check_names(store))
    return sorted(names)


def _same_but_logprob_noise(x: dict, y: dict) -> None:
    """Assert the MT log-probabilities of two records agree up to float noise (the sources are batched with
    other sentences in a shard than in one store: other padding, as tests/translate/test_ray.py allows),
    then make them equal in ``y`` for the exact comparison of everything else."""
    pairs = [(x, y, "mt_logprob"), (x.get("scores") or {}, y.get("scores") or {}, "low_confidence")]
    pairs += [(f, g, "score") for f, g in zip(x.get("findings", []), y.get("findings", []), strict=True)
              if f["name"] == g["name"] == "low_confidence"]
    for a, b, key in pairs:
        if a.get(key) is not None and b.get(key) is not None:
            assert a[key] == pytest.approx(b[key], abs=1e-4), (x["id"], key)
            b[key] = a[key]


def _assert_same_corpus(one: Path, three: Path) -> None:
    checks = _checks(one, three)
    a, b = _records(one, checks), _records(three, checks)
    assert [r["id"] for r in a] == [r["id"] for r in b] and len(a) >= 40
    for x, y in zip(a, b, strict=True):
        _same_but_logprob_noise(x, y)
        assert x == y, x["id"]
    layout = read_layout(three)
    assert layout is not None and layout.count == 3
    per_shard, calibrations = [], []
    for i, folder in enumerate(layout.folders()):
        with Store.open(folder, read_only=True) as store:
            ids = [r[0] for r in store.conn.execute("SELECT id FROM articles")]
            assert all(shard_of(x, 3) == i for x in ids)
            per_shard.append(len(ids))
            calibrations.append(store.get_meta(MetaKey.FLAGS_CALIBRATION))
    assert all(per_shard) and sum(per_shard) == 12
    with Store.open(one, read_only=True) as store:  # every shard has the corpus-wide fit, one store's
        assert calibrations == [store.get_meta(MetaKey.FLAGS_CALIBRATION)] * 3 and "length_z" in calibrations[0]
    # The duplicate check judged across shards: some pair's first occurrence is in another shard.
    article_shard = {r["id"]: shard_of(r["doc_id"], 3) for r in b}
    across = [r for r in b for f in r["findings"] if f["name"] == "duplicate" and f["fired"]
              and article_shard[r["id"]] != article_shard.get(f["reason"].split("pair ")[1].split(",")[0])]
    assert across


def _dataset_rows(folder: Path) -> dict[str, list[dict]]:
    """Every Parquet file of a published dataset (by path) as rows, floats normalised."""
    import pyarrow.parquet as pq

    return {str(f.relative_to(folder)): [_norm(r) for r in pq.read_table(f).to_pylist()]
            for f in sorted(folder.rglob("*.parquet"))}


def _assert_same_dataset(one: Path, three: Path, tmp: Path) -> None:
    """``bitext publish`` of the sharded corpus writes the dataset the one store gives: the same files, rows,
    splits and card, MT log-probabilities apart (float noise of other batches, as in the records)."""
    assert main(["publish", str(one), "--to", str(tmp / "ds-one")]) == 0
    assert main(["publish", str(three), "--to", str(tmp / "ds-three")]) == 0
    a, b = _dataset_rows(tmp / "ds-one"), _dataset_rows(tmp / "ds-three")
    assert list(a) == list(b) and any("default" in k for k in a)
    for path in a:
        assert len(a[path]) == len(b[path]), path
        for x, y in zip(a[path], b[path], strict=True):
            _same_but_logprob_noise(x, y)
            assert x == y, (path, x.get("id"))
    card_one = (tmp / "ds-one" / "README.md").read_text().splitlines()
    card_three = (tmp / "ds-three" / "README.md").read_text().splitlines()
    differ = [(x, y) for x, y in zip(card_one, card_three, strict=True) if x != y]
    noise = ("mt_logprob", "low_confidence", "download_size")  # the float bits of the log-probabilities
    assert len(card_one) == len(card_three) and differ and all(
        x.replace("(one)", "(three)") == y or any(k in x for k in noise) for x, y in differ), differ


def test_a_3_shard_corpus_equals_a_1_shard_one(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:
    inputs = _articles(tmp_path / "articles.jsonl")
    config = tmp_path / "flags.toml"
    config.write_text(FLAG_CONFIG)
    _run(inputs, tmp_path / "three", tiny_model_dir, config, "--shards", "3")
    _one_store(inputs, tmp_path / "one", tiny_model_dir, config, tmp_path / "three")
    _assert_same_corpus(tmp_path / "one", tmp_path / "three")
    _assert_same_dataset(tmp_path / "one", tmp_path / "three", tmp_path)
    # Status sums the shards and has a line per shard; it agrees with the one store's counts.
    capsys.readouterr()
    assert main(["status", str(tmp_path / "one"), "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(["status", str(tmp_path / "three"), "--json"]) == 0
    three = json.loads(capsys.readouterr().out)
    for key in ("articles", "sentences"):
        assert one[key] == three[key]
    assert one["align"] == three["align"] and one["flag"] == three["flag"] and one["review"] == three["review"]
    assert len(three["shards"]) == 3 and sum(s["articles"] for s in three["shards"]) == 12
    assert main(["status", str(tmp_path / "three")]) == 0
    text = capsys.readouterr().out
    assert f"shards      3\n  {shard_name(0, 3)}  " in text
    assert main(["doctor", str(tmp_path / "three")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("3 shards: healthy")
    # Re-running does nothing new; one shard is a normal store that every command takes.
    _run(inputs, tmp_path / "three", tiny_model_dir, config)
    _assert_same_corpus(tmp_path / "one", tmp_path / "three")
    assert main(["status", str(tmp_path / "three"), "--shard", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == three["shards"][1]["articles"]
    assert main(["export", str(read_layout(tmp_path / "three").folder(1)), "--format", "tsv",
                 "--out", str(tmp_path / "one-shard.tsv")]) == 0


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray of 2 CPUs for this module (as tests/translate/test_ray.py): workers import this checkout."""
    pytest.importorskip("ray")
    import ray

    from bitext.translate.distributed import connect

    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    connect(num_cpus=2)
    yield
    ray.shutdown()


def test_a_3_shard_corpus_on_ray_equals_a_1_shard_one(tmp_path: Path, tiny_model_dir: Path, local_ray) -> None:
    inputs = _articles(tmp_path / "articles.jsonl")
    config = tmp_path / "flags.toml"
    config.write_text(FLAG_CONFIG)
    _run(inputs, tmp_path / "three", tiny_model_dir, config, "--shards", "3", "--engine", "ray", "--threads", "1")
    _one_store(inputs, tmp_path / "one", tiny_model_dir, config, tmp_path / "three")
    _assert_same_corpus(tmp_path / "one", tmp_path / "three")


# -- the layout ----------------------------------------------------------------------------------------

def test_routing_is_a_fixed_hash_of_the_article_id() -> None:
    # Pinned: another bitext (or another machine) must route an article to the same shard.
    assert [shard_of(f"art-{a:02d}", 3) for a in range(6)] == [shard_of(f"art-{a:02d}", 3) for a in range(6)]
    assert shard_of("000_5711ccf1114075a5", 3) == int.from_bytes(
        __import__("hashlib").sha256(b"000_5711ccf1114075a5").digest()[:8], "big") % 3
    assert shard_of("x", 1) == 0
    assert shard_name(3, 16) == "03-of-16" and shard_name(7, 1000) == "0007-of-1000"


def test_layout_is_made_once_and_refuses_what_it_cannot_keep(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "c"
    layout = create_layout(corpus, 3)
    assert [p.name for p in layout.folders()] == ["00-of-03", "01-of-03", "02-of-03"]
    assert create_layout(corpus, 3) == layout == read_layout(corpus)
    assert store_folders(corpus) == layout.folders() and store_folders(corpus, 2) == [layout.folder(2)]
    with pytest.raises(BitextError, match="already a corpus of 3 shards"):
        create_layout(corpus, 4)
    with pytest.raises(BitextError, match="has shards 0 to 2"):
        store_folders(corpus, 3)
    with Store.open(tmp_path / "plain"):
        pass
    assert store_folders(tmp_path / "plain") == [tmp_path / "plain"]
    with pytest.raises(BitextError, match="not a sharded corpus"):
        store_folders(tmp_path / "plain", 0)
    with pytest.raises(BitextError, match="already holds an unsharded store"):
        create_layout(tmp_path / "plain", 2)
    for command in (["translate", "--model", str(tmp_path)], ["align"], ["flag"], ["status"]):
        assert main([command[0], str(tmp_path / "plain"), "--shard", "0", *command[1:]]) == 2
        assert "--shard 0: " in (err := capsys.readouterr().err) and "is not a sharded corpus" in err, command
    # The root of a sharded corpus holds no store: a one-store command says how to name a shard.
    with pytest.raises(StoreError, match="corpus of 3 shards: this command works on one shard"):
        Store.open(corpus)
    assert not (corpus / "bitext.sqlite").exists()


def test_a_broken_layout_file_is_one_line(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "c"
    create_layout(corpus, 2)
    (corpus / "shards.json").write_text("{not json")
    with pytest.raises(InputError, match="shards.json: not a readable shard layout"):
        read_layout(corpus)
    assert main(["status", str(corpus)]) == 1
    assert "shards.json: not a readable shard layout" in capsys.readouterr().err
    (corpus / "shards.json").write_text('{"format": 1, "shards": 0, "rule": "x"}')
    with pytest.raises(InputError, match="'shards' must be a whole number"):
        read_layout(corpus)
    assert main(["doctor", str(corpus)]) == 1
    assert "PROBLEM" in capsys.readouterr().out


# -- the lexicon: one for the corpus, the same in every shard -----------------------------------------

def test_the_lexicon_is_learned_from_every_shard_and_installed_in_each(tmp_path: Path) -> None:
    pytest.importorskip("eflomal")
    from bitext.sharded import lexicon_shards
    from bitext.store import translation_key
    from tests.lexicon.helpers import corpus as pairs

    corpus = tmp_path / "c"
    layout = create_layout(corpus, 2)
    data = pairs(120)
    shared = data[:10]  # in both shards: counted once, as in one store
    for i, folder in enumerate(layout.folders()):
        with Store.open(folder) as store:
            store.set_meta(MetaKey.TRANSLATE_SIGNATURE, "sig")
            own = data[10 + i * 55: 10 + (i + 1) * 55] + shared
            store.add_translations((translation_key("sig", s), "sig", s, t, -0.5, 5, 0, 0, 0, "2025-01-01")
                                   for s, t in own)
    report = lexicon_shards(corpus, quiet=True)
    assert report.status == "built" and report.pairs == 120
    tables = []
    for folder in layout.folders():
        with Store.open(folder, read_only=True) as store:
            assert store.get_meta(MetaKey.LEXICON_SIGNATURE) == report.signature
            tables.append([sorted(map(tuple, store.conn.execute(f"SELECT * FROM {t}")))
                           for t in ("lexicon_counts", "lexicon_words", "lexicon_abbrevs")])
    assert tables[0] == tables[1] and tables[0][0]
    with Store.open(corpus / LEXICON_DIR, read_only=True) as store:
        assert store.count("translations") == 120
    assert lexicon_shards(corpus, quiet=True).status == "current"  # nothing new gathered


def test_segment_into_shards_says_each_problem_once_and_counts_each_article_once(tmp_path: Path, capsys) -> None:
    inputs = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"a{i}", "text": f"Kalimat nomor {i} ada di sini. Dan satu lagi."}) for i in range(9)]
    lines += ['{"id": "broken", "text": ', json.dumps({"id": "en1", "text": "An English one.", "lang": "en"}),
              json.dumps({"id": "a0", "text": "Kalimat nomor 0 ada di sini. Dan satu lagi."})]  # a repeat of a0
    inputs.write_text("\n".join(lines) + "\n")
    corpus = tmp_path / "c"
    assert main(["segment", str(inputs), "--out", str(corpus), "--shards", "3"]) == 1  # the broken line
    out, err = capsys.readouterr()
    assert err.count("in.jsonl:10") == 1 and err.count("'en' is not Indonesian") == 1
    assert err.count("duplicate of article 'a0'") == 1
    assert "segment: 9 added, 0 changed, 0 unchanged, 2 skipped, 1 errors; 18 sentences in the store" in out
    ids = []
    for i, folder in enumerate(store_folders(corpus)):
        with Store.open(folder, read_only=True) as store:
            ids += [(r[0], i) for r in store.conn.execute("SELECT id FROM articles")]
            assert store.corpus_id() is not None
    assert sorted(a for a, _ in ids) == sorted(f"a{i}" for i in range(9))
    assert all(shard_of(a, 3) == i for a, i in ids)
    cids = set()
    for folder in store_folders(corpus):
        with Store.open(folder, read_only=True) as store:
            cids.add(store.corpus_id())
    assert len(cids) == 1  # one corpus identity in every shard (review files name it)
    # Again: nothing changes; the corpus keeps its shard count, another is refused in one line.
    assert main(["segment", str(inputs), "--out", str(corpus)]) == 1
    assert "0 added, 0 changed, 9 unchanged" in capsys.readouterr().out
    assert main(["segment", str(inputs), "--out", str(corpus), "--shards", "4"]) == 2
    assert "already a corpus of 3 shards" in capsys.readouterr().err
