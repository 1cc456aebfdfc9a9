"""Card lines that depend on what the store and the options hold, each checked against them: which model
made the MT (and only then a citation and a licence), creators and source datasets by the kinds present,
the contact, the ids, and input paths that never publish a home folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

pytest.importorskip("datasets")

import pyarrow.parquet as pq  # noqa: E402
from huggingface_hub import DatasetCard  # noqa: E402

from bitext.model import MetaKey  # noqa: E402
from bitext.publish import publish_dataset  # noqa: E402
from bitext.publish.card import CardOptions  # noqa: E402
from bitext.publish.models import KNOWN_MODELS, OPUS_MT_BIB, identify_model  # noqa: E402
from bitext.publish.stage import public_path  # noqa: E402
from bitext.translate.models import identity_fingerprint  # noqa: E402
from tests.publish.test_card_facts import OPTIONS, mixed_corpus, review_some  # noqa: E402

SHARED_MODEL = Path(__file__).resolve().parents[2] / ".." / "shared" / "models" / "opus-mt-id-en"


def _card(tmp_path: Path, settings: dict | None = None, options: CardOptions = OPTIONS, *, references: bool = True,
          reviews: bool = True) -> tuple[str, dict]:
    store = mixed_corpus(tmp_path / "c")
    if settings is not None:
        store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, settings)
    if not references:
        with store.tx():
            store.conn.execute("DELETE FROM pairs WHERE kind = 'reference'")
    if reviews:
        review_some(store)
    publish_dataset(store, tmp_path / "ds", options=options, splits="60,20,20")
    store.close()
    card = DatasetCard.load(tmp_path / "ds" / "README.md")
    return card.text, card.data.to_dict()


@pytest.mark.skipif(not SHARED_MODEL.is_dir(), reason="needs ../shared/models/opus-mt-id-en")
def test_a_local_copy_of_the_hub_model_is_recognised_by_its_fingerprint(tmp_path: Path) -> None:
    identity = identity_fingerprint(SHARED_MODEL)  # hashed here, never copied
    assert identity in KNOWN_MODELS[0].identities
    text, _ = _card(tmp_path, {"model": "opus-mt-id-en", "identity": identity, "backend": "ctranslate2"})
    assert "https://huggingface.co/opus-mt-id-en" not in text  # the folder name is no Hub id
    assert "machine translation by [`Helsinki-NLP/opus-mt-id-en`](https://huggingface.co/Helsinki-NLP/opus-mt-id-en)" in text
    assert "A local folder whose configuration and tokenizer are those of `Helsinki-NLP/opus-mt-id-en`" in text
    assert "Model licence: `apache-2.0` (as its Hub card states)." in text
    assert OPUS_MT_BIB in text and "\\url{https://huggingface.co/Helsinki-NLP/opus-mt-id-en}" in text


def test_an_unknown_local_folder_is_cited_by_nobody(tmp_path: Path) -> None:
    text, _ = _card(tmp_path, {"model": "my-model", "identity": "0" * 64})
    assert "huggingface.co/my-model" not in text and OPUS_MT_BIB not in text
    assert "A local model folder not recognised as a published model (publish with `--model-name HUB_ID`" in text
    assert "Model licence: not known to bitext." in text
    assert "Please cite the references:" in text  # the references are still cited


@pytest.mark.parametrize(("name", "licence", "opus"), [
    ("Helsinki-NLP/opus-mt-id-en", "`apache-2.0` (as its Hub card states)", True),
    ("someone/custom-mt", "not known to bitext", False),
])
def test_model_name_names_the_model(tmp_path: Path, name: str, licence: str, opus: bool) -> None:
    options = dataclasses.replace(OPTIONS, model_name=name)
    text, _ = _card(tmp_path, {"model": "my-model", "identity": "0" * 64}, options)
    assert f"A local folder that the publisher of this dataset names as `{name}` (`--model-name`)." in text
    assert f"Model licence: {licence}." in text
    assert (OPUS_MT_BIB in text) is opus and f"\\url{{https://huggingface.co/{name}}}" in text


def test_identify_model_rules() -> None:
    hub = identify_model({"model": "Helsinki-NLP/opus-mt-id-en", "revision": "abc"})
    assert (hub.how, hub.hub_id, hub.license) == ("hub", "Helsinki-NLP/opus-mt-id-en", "apache-2.0")
    assert "note = {revision abc}" in hub.citations("abc")[1]
    assert identify_model({}).how == "unknown" and identify_model({}).citations(None) == []


def test_creators_and_source_datasets_follow_the_kinds(tmp_path: Path) -> None:
    _, mt_only = _card(tmp_path / "a", references=False, reviews=False)
    assert mt_only["language_creators"] == ["found", "machine-generated"]
    assert mt_only["annotations_creators"] == ["machine-generated"]
    assert mt_only["source_datasets"] == ["original"]
    options = dataclasses.replace(OPTIONS, reference_source="contoh/parallel-news")
    _, mixed = _card(tmp_path / "b", options=options)
    assert mixed["language_creators"] == ["found", "machine-generated", "expert-generated"]
    assert mixed["annotations_creators"] == ["machine-generated", "expert-generated"]
    assert mixed["source_datasets"] == ["original", "extended|contoh/parallel-news"]
    _, named = _card(tmp_path / "c")  # a reference source that is no Hub id
    assert named["source_datasets"] == ["original", "extended"]


def test_contact_is_stated_or_its_absence_said(tmp_path: Path) -> None:
    text, _ = _card(tmp_path / "a", options=dataclasses.replace(OPTIONS, contact="data@contoh.example"))
    assert "Removal requests and questions: data@contoh.example (and Berita Contoh for the articles)." in text
    text, _ = _card(tmp_path / "b")
    assert "gave no contact for removal requests (`bitext publish --contact`)" in text
    assert "maintainers" not in text


def test_cli_contact_and_model_name(tmp_path: Path) -> None:
    from bitext.cli import main

    store = mixed_corpus(tmp_path / "c")
    store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, {"model": "folder", "identity": "1" * 64})
    store.close()
    assert main(["publish", str(tmp_path / "c"), "--to", str(tmp_path / "ds"), "--contact", "me@x.example",
                 "--model-name", "Helsinki-NLP/opus-mt-id-en"]) == 0
    text = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert "Removal requests and questions: me@x.example." in text and OPUS_MT_BIB in text


def test_source_path_is_never_absolute(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    corpus = store.path.parent.resolve()
    paths = {"art00": str(corpus / "inputs" / "a.jsonl"), "art01": "/home/ana/berita/b.jsonl",
             "art02": "seeds/c.txt", "art03": "C:\\Users\\ana\\d.csv"}
    with store.tx():
        for aid, path in paths.items():
            store.conn.execute("UPDATE articles SET source_path = ? WHERE id = ?", (path, aid))
    publish_dataset(store, tmp_path / "ds")
    rows = pq.read_table(tmp_path / "ds" / "data" / "articles").to_pylist()
    published = {r["doc_id"]: r["source_path"] for r in rows if r["doc_id"] in paths}
    assert published == {"art00": "inputs/a.jsonl", "art01": "b.jsonl", "art02": "seeds/c.txt", "art03": "d.csv"}
    assert all(not (p or "").startswith("/") for p in (r["source_path"] for r in rows))
    assert public_path(None, corpus) is None and public_path("", corpus) == ""


def test_id_doc_matches_the_aligners_ids() -> None:
    """The field table documents the id the aligner writes (bitext.align.stage._row)."""
    import inspect

    from bitext.align import stage
    from bitext.publish.schema import FIELD_DOCS

    source = inspect.getsource(stage._row)
    assert 'prefix = "ref-" if kind == KIND_REFERENCE else ""' in source
    assert 'f"{article_id}:{prefix}{_src_key(sentences, src)}" if src else f"{article_id}:{prefix}t{tgt[0]}"' in source
    assert '"+".join(f"{sentences[i][\'para_idx\']}.{sentences[i][\'sent_idx\']}"' in inspect.getsource(stage._src_key)
    doc = FIELD_DOCS["id"]
    assert "`DOC:P.S`" in doc and "`+P.S`" in doc and "`ref-`" in doc and "`DOC:tN`" in doc
    assert "stable" not in doc and "re-aligning can merge or split beads" in doc


def test_an_adapted_model_is_named_by_its_base(tmp_path: Path) -> None:
    hub = KNOWN_MODELS[0].hub_id
    text, _ = _card(tmp_path, {"model": "adapted", "identity": "1" * 64, "adapted": "adapt:bitext-adapt/1|base:x",
                               "adapted_base": hub})
    assert f"machine translation by `adapted` (adapted from [`{hub}`](https://huggingface.co/{hub}))" in text
    assert f"A local folder adapted from [`{hub}`](https://huggingface.co/{hub}) by `bitext adapt`" in text
    assert "not recognised as a published model" not in text
    assert "Model licence: `apache-2.0` (as the base model's Hub card states)." in text
    assert OPUS_MT_BIB in text and f"\\url{{https://huggingface.co/{hub}}}" in text
    assert "Please cite the translation model's base and the references:" in text
    facts = identify_model({"model": "adapted", "adapted": "s", "adapted_base": "someone/custom-mt"})
    assert (facts.how, facts.hub_id, facts.base, facts.license, facts.known) == (
        "adapted", None, "someone/custom-mt", None, None)
    # Without a recorded base (an unknown local base), the adapted folder is an unrecognised local one.
    assert identify_model({"model": "adapted", "identity": "1" * 64, "adapted": "s"}).how == "local"
