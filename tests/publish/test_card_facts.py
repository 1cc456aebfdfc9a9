"""The card of a corpus with MT pairs, reference pairs and some reviews reads true line by line;
every config and split loads; the licence is checked before anything is written or created."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("datasets")

import datasets  # noqa: E402

from bitext.errors import BitextError  # noqa: E402
from bitext.model import MetaKey, Signature  # noqa: E402
from bitext.publish import publish_dataset  # noqa: E402
from bitext.publish.card import CardOptions, corpus_signature, size_category, translate_settings  # noqa: E402
from bitext.publish.licenses import check_license  # noqa: E402
from bitext.publish.selection import SplitSizes, assign_splits  # noqa: E402
from bitext.review import decide  # noqa: E402
from bitext.store import Store  # noqa: E402
from tests.factories import CorpusBuilder  # noqa: E402

SIG = "model:Helsinki-NLP/opus-mt-id-en|rev:r1|beams:4"
ARTICLES = [f"art{i:02d}" for i in range(20)]  # 20: every split gets an article at 60/20/20


def mixed_corpus(folder: Path) -> Store:
    """20 articles of 3 sentences, MT pairs for all, reference pairs for the first 4, 3 reviews."""
    b = CorpusBuilder(folder, signature=SIG)
    for aid in ARTICLES:
        sents = [f"Kalimat {aid} nomor {k}." for k in range(3)]
        ids = b.article(aid, sents, title=f"Judul {aid}", url=f"https://berita.example/{aid}", date="2025-03-01")
        for k, (sid, text) in enumerate(zip(ids, sents, strict=True)):
            b.pair(f"{aid}:mt:{k}", text, f"Sentence {aid} number {k}.", article_id=aid, kind="mt", bead_idx=k,
                   src_ids=[sid], tgt_idx=[k], mt=f"Sentence {aid} number {k}.", align_score=0.9, signature=SIG)
            b.flag(f"{aid}:mt:{k}", "length_ratio", fired=k == 2, severity="warning", score=1.0)
            if aid in ARTICLES[:4]:
                b.pair(f"{aid}:ref:{k}", text, f"Sentence {k} of {aid}.", article_id=aid, kind="reference",
                       bead_idx=k, src_ids=[sid], tgt_idx=[k], mt=f"Sentence {aid} number {k}.", align_score=0.8,
                       signature=SIG)
                b.flag(f"{aid}:ref:{k}", "length_ratio", fired=False, severity="warning", score=1.0)
    store = b.store
    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, {"model": "Helsinki-NLP/opus-mt-id-en", "revision": "r1",
                                                     "backend": "ctranslate2", "beams": 4,
                                                     "segmenter": "bitext-id-seg/1|norm/1"})
    return store


def review_some(store: Store) -> None:
    decide(store, "art05:mt:2", "edited", reviewer="ana", after="Sentence five, number two.")
    decide(store, "art06:mt:2", "accepted", reviewer="ana")
    decide(store, "art07:mt:2", "rejected", reviewer="budi")


OPTIONS = CardOptions(license="cc-by-4.0", source="Berita Contoh", source_license="CC BY 4.0",
                      reference_source="Contoh Translation Project", reference_license="CC BY-SA 4.0")


def test_card_of_mt_reference_and_reviewed_pairs_reads_true(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    review_some(store)
    out = tmp_path / "ds"
    res = publish_dataset(store, out, options=OPTIONS, splits="60,20,20")
    text = (out / "README.md").read_text(encoding="utf-8")
    meta = text.split("---\n")[1]
    assert "annotations_creators:\n- machine-generated\n- expert-generated\n" in meta
    assert "license: cc-by-4.0" in meta
    # 60 mt + 12 reference rows; 3 decisions
    assert "3 of 72 pairs (4.2 %) have a review decision by a person." in text
    assert ("| `mt` | 60 | machine translation by [`Helsinki-NLP/opus-mt-id-en`]"
            "(https://huggingface.co/Helsinki-NLP/opus-mt-id-en) (revision `r1`) | 3 |") in text
    assert ("| `reference` | 12 | human translation from Contoh Translation Project (licence: CC BY-SA 4.0) | 0 |"
            in text)
    # 20 mt rows fired a warning; 3 of them were decided on
    assert "Before review, 20 pair(s) had a warning or error flag" in text
    assert "20 pair(s) had a warning or error flag\n(`needs_review_before_review`, flags in `flags_before_review`);" \
           " after review decisions,\n17 still need review (`needs_review`)." in text
    assert "Progress: 1 accepted, 1 edited,\n1 rejected, 69 pending." in text
    # 12 Indonesian sentences have mt and reference rows; the 8 clean mt ones among them leave clean
    assert ("12 Indonesian sentence(s) have both an `mt` row (12) and a\n`reference` row (12). `default` keeps both;"
            " `clean` follows the rule\n`prefer-reference` and leaves out 8 row(s).") in text
    assert res.stats["clean"].pairs == 72 - 17 - 1 - 8  # unresolved, rejected, duplicates
    assert "| `mt-vs-reference` | 12 |" in text and "| `mt-vs-postedit` | 2 |" in text
    assert "mt-vs-postedit TER: `nrefs:1|case:lc|tok:tercom|" in text
    assert "personal data" in text.lower() and "Berita Contoh" in text
    assert "title = {Contoh Translation Project},\n  note = {licence: CC BY-SA 4.0}" in text
    assert "@inproceedings{tiedemann-thottingal-2020-opus" in text
    assert "\\|" not in text
    assert "`translate.signature`: `model:Helsinki-NLP/opus-mt-id-en|rev:r1|beams:4`" in text
    (out.parent / "closing-card.md").write_text(text, encoding="utf-8")  # for the report


def test_unreviewed_corpus_says_so(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    publish_dataset(store, tmp_path / "ds", splits="60,20,20")
    text = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert "annotations_creators:\n- machine-generated\nlanguage_creators:" in text
    assert "The corpus is **not reviewed**: no pair has a review decision." in text
    assert "Not reviewed: 72 pending." in text and "partly reviewed" not in text
    assert "human translation (source not named: publish with `--reference-source`)" in text


def test_every_config_and_split_loads(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    review_some(store)
    out = tmp_path / "ds"
    publish_dataset(store, out, options=OPTIONS, splits="60,20,20")
    split_of = assign_splits(store, SplitSizes.parse("60,20,20")).split_of
    assert set(split_of.values()) == {"train", "validation", "test"}
    seen: dict[str, set[str]] = {}
    for config in ("default", "clean", "articles"):
        for split in ("train", "validation", "test"):
            ds = datasets.load_dataset(str(out), config, split=split, cache_dir=str(tmp_path / "cache"))
            assert ds.num_rows > 0, (config, split)
            assert {split_of[d] for d in ds["doc_id"]} == {split}
            if config == "default":
                for row in ds:
                    seen.setdefault(row["translation"]["id"], set()).add(split)
            if config == "articles":
                assert ds[0]["url"].startswith("https://berita.example/") and ds[0]["source"] == "Berita Contoh"
                assert ds[0]["source_license"] == "CC BY 4.0"
    assert all(len(s) == 1 for s in seen.values())  # no Indonesian sentence in two splits
    default = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert default[0]["tgt_idx"] == [0]
    streamed = next(iter(datasets.load_dataset(str(out), "clean", split="test", streaming=True)))
    assert set(streamed) >= {"id", "translation", "needs_review", "flags_before_review"}


def test_shared_sentence_keeps_articles_in_one_split(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path / "c")
    for aid in ARTICLES:
        b.article(aid, ["Baca juga: berita lain.", f"Isi {aid}."])
        b.pair(f"{aid}:mt:0", "Baca juga: berita lain.", "Read also.", article_id=aid, bead_idx=0)
    assert len(set(assign_splits(b.store, SplitSizes(0.34, 0.33, 0.33)).split_of.values())) == 1
    with pytest.raises(BitextError, match=r"^--splits 34,33,33: 1 article group\(s\) have pairs, fewer than the 3"
                       r" splits asked for \(train, validation, test\); ask for fewer"):
        assign_splits(b.store, SplitSizes.parse("34,33,33"))


def test_a_tiny_corpus_is_not_split_and_says_so(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    store.conn.execute("DELETE FROM articles WHERE id > 'art03'")  # 4 articles left
    store.conn.commit()
    plan = assign_splits(store, SplitSizes())
    assert set(plan.split_of.values()) == {"train"} and plan.groups == 4
    publish_dataset(store, tmp_path / "ds")
    text = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert ("This corpus is not split: 4 article group(s), fewer than 10; every article is in `train` (ask for"
            " splits with --splits to split it anyway).") in text
    assert datasets.load_dataset(str(tmp_path / "ds"), split="train", cache_dir=str(tmp_path / "cache")).num_rows


def test_split_sizes_and_size_categories() -> None:
    assert SplitSizes.parse("8,1,1") == SplitSizes(0.8, 0.1, 0.1)
    for bad in ("80,10", "0,50,50", "a,b,c", "-1,1,1"):
        with pytest.raises(BitextError, match="--splits"):
            SplitSizes.parse(bad)
    assert size_category(10**9) == "1B<n<10B" and size_category(999) == "n<1K"
    assert size_category(10**12) == "n>1T"


def test_licence_is_checked_before_anything_is_written(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    with pytest.raises(BitextError, match=r"'CC BY-SA 4.0': not a Hugging Face Hub licence id.*'cc-by-sa-4.0'") as e:
        publish_dataset(store, tmp_path / "ds", license="CC BY-SA 4.0")
    assert e.value.exit_code == 2 and not (tmp_path / "ds").exists()
    with pytest.raises(BitextError, match="--license-name"):
        check_license("other")
    assert check_license("other", name="Custom", link="https://x.example/l") == "other"


def test_corpus_signature_splits_on_pipes(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    store.conn.execute("UPDATE articles SET segmenter = 'bitext-id-seg/1|norm/1|dateline:field'")
    store.conn.commit()
    sig = str(corpus_signature(translate_settings(store), store))
    assert [p.split(":", 1)[0] for p in sig.split("|")] == [
        "model", "rev", "backend", "beams", "seg", "align", "flags", "version"]
    assert Signature.parse(sig).get("seg") == "bitext-id-seg/1,norm/1,dateline:field"


@pytest.mark.parametrize(("rule", "dropped_kind", "clean"), [
    ("prefer-reference", "mt", 72 - 17 - 1 - 8), ("prefer-mt", "reference", 72 - 17 - 1 - 8),
    ("keep-both", None, 72 - 17 - 1)])
def test_cli_duplicates_rule_and_provenance_options(tmp_path: Path, capsys, rule: str, dropped_kind: str | None,
                                                     clean: int) -> None:
    from bitext.cli import main

    store = mixed_corpus(tmp_path / "c")
    review_some(store)
    out = tmp_path / "ds"
    assert main(["publish", str(store.path.parent), "--to", str(out), "--duplicates", rule, "--splits", "60,20,20",
                 "--source", "Berita Contoh", "--reference-source", "Contoh TP", "--license", "odc-by"]) == 0
    assert f"{clean} pairs (clean)" in capsys.readouterr().out
    rows = datasets.load_dataset(str(out), "clean", cache_dir=str(tmp_path / "cache"))
    kinds = [k for split in rows.values() for k in split["kind"]]
    assert len(kinds) == clean
    if dropped_kind == "mt":  # the 8 clean mt rows of articles with references left clean
        assert kinds.count("mt") == 60 - 17 - 1 - 8 and kinds.count("reference") == 12
    elif dropped_kind == "reference":
        assert kinds.count("reference") == 12 - 8
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "human translation from Contoh TP |" in text and "license: odc-by" in text


def test_the_card_records_the_glossary(tmp_path: Path) -> None:
    from bitext.review import glossary

    store = mixed_corpus(tmp_path / "c")
    glossary.add_term(store, "jembatan", "bridge")
    glossary.add_term(store, "jembatan", "overpass")
    glossary.add_term(store, "pasar", "market")
    publish_dataset(store, tmp_path / "ds", splits="60,20,20")
    text = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert (f"Glossary: 2 term(s), signature `{glossary.signature(store)}` (the reviewers'\ntermbase, enforced by "
            "the `glossary` check and by QA on save).") in text
