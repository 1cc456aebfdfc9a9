"""bitext compare: the base and the adapted cipher model on the same held-out pairs, with significance."""

from __future__ import annotations

import json
from pathlib import Path

from bitext.adapt.compare import compare_models, render_text
from bitext.cli import main
from bitext.store import Store


def test_compare_reports_the_gain_and_its_significance(adapted, cipher_base: Path, cipher_corpus_dir: Path) -> None:
    with Store.open(cipher_corpus_dir, read_only=True) as store:
        r = compare_models(store, str(cipher_base), str(adapted.out), backend="transformers", beams=1, threads=1,
                           samples=200)
    assert [p.pair_id for p in r.pairs] == [p.pair_id for p in adapted.data.heldout]
    assert r.a.label == cipher_base.name and r.b.label == adapted.out.name
    assert r.b.scores.chrf > r.a.scores.chrf + 50
    sig = {s.metric: s for s in r.significance}
    assert set(sig) == {"chrF", "BLEU", "TER"}
    assert sig["chrF"].significant and sig["chrF"].p_value < 0.05
    assert sig["TER"].significant and r.b.scores.ter < r.a.scores.ter
    assert set(r.metric_signatures) == {"chrF", "BLEU", "TER"}
    assert sorted(row["article"] for row in r.per_article) == sorted({p.article_id for p in r.pairs})
    assert sum(row["pairs"] for row in r.per_article) == len(r.pairs)
    assert all(row["delta"] == round(row["chrf_b"] - row["chrf_a"], 2) for row in r.per_article)
    assert len(r.differences) == 20
    deltas = [abs(d["delta"]) for d in r.differences]
    assert deltas == sorted(deltas, reverse=True) and all(d["a"] != d["b"] for d in r.differences)
    text = render_text(r)
    assert "chrF" in text and "significant (B better)" in text and r.differences[0]["pair_id"] in text


def test_compare_cli_json(adapted, cipher_base: Path, cipher_corpus_dir: Path, capsys) -> None:
    argv = ["compare", str(cipher_corpus_dir), "--model", str(adapted.out), "--model", str(adapted.out),
            "--on", "reviewed", "--backend", "transformers", "--beams", "1", "--samples", "50", "--top", "3", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["on"] == "reviewed" and out["pairs"] == 240
    assert out["a"]["label"] == "A:cipher-adapted" and out["b"]["label"] == "B:cipher-adapted"
    assert out["a"]["scores"] == out["b"]["scores"]  # the same model twice: no difference
    assert out["differences"] == []
    assert [m["significant"] for m in out["paired_bootstrap"]["metrics"]] == [False, False, False]


def test_compare_needs_two_models_and_pairs(cipher_base: Path, cipher_corpus_dir: Path, capsys) -> None:
    assert main(["compare", str(cipher_corpus_dir), "--model", "x"]) == 2
    assert "give exactly two models" in capsys.readouterr().err
    # A missing model B is found before model A translates anything.
    assert main(["compare", str(cipher_corpus_dir), "--model", str(cipher_base), "--model", "no/such/dir"]) == 2
    assert capsys.readouterr().err.strip() == "bitext: error: no/such/dir: no such model folder"
    base = str(cipher_base)
    assert main(["compare", str(cipher_corpus_dir), "--model", base, "--model", base, "--on", "references"]) == 1
    assert "no references pairs to compare on" in capsys.readouterr().err


def test_compare_to_review_stores_blind_ab_items(adapted, cipher_base: Path, cipher_corpus_dir: Path, tmp_path: Path,
                                                 capsys) -> None:
    import shutil

    from bitext.review import ab

    corpus = tmp_path / "corpus"
    shutil.copytree(cipher_corpus_dir, corpus)
    argv = ["compare", str(corpus), "--model", str(cipher_base), "--model", str(adapted.out), "--backend",
            "transformers", "--beams", "1", "--samples", "20", "--top", "0", "--to-review"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    with Store.open(corpus, create=False) as store:
        rows = store.conn.execute("SELECT * FROM review_ab ORDER BY id").fetchall()
        assert rows and f"blind A/B: {len(rows)} pairs added for review" in out
        assert {r["label_a"] for r in rows} == {cipher_base.name} and {r["label_b"] for r in rows} == {adapted.out.name}
        assert all(r["text_a"] != r["text_b"] for r in rows)
        assert {r["pair_id"] for r in rows} <= {p.pair_id for p in adapted.data.heldout}
        assert ab.next_item(store, "ana") is not None
    assert main(argv) == 0  # again: nothing new
    assert "blind A/B: 0 pairs added" in capsys.readouterr().out
