"""Publishing from the stores (shards) of one corpus: the dataset equals the one-store publish byte for byte.

The corpus has what crosses stores: a sentence shared by articles in different stores (one split group),
an Indonesian sentence with an ``mt`` row in one store and a ``reference`` row in another (the
cross-kind duplicates rule), flags, reviews, model confidence and an input path inside the corpus folder.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pytest

from bitext.errors import BitextError
from bitext.formats.rows import find_duplicates
from bitext.model import MetaKey
from bitext.publish import publish_dataset
from bitext.publish.selection import SplitSizes, assign_splits
from bitext.store import Store
from tests.factories import CorpusBuilder

SIG = "model:tiny@test|backend:test|beams:1"
BOILERPLATE = "Baca juga berita lainnya."  # in several articles: they are one split group
SHARED_REF = "Harga beras naik lagi hari ini."  # mt row in a7, reference row in a20: a cross-kind duplicate
ARTICLES = [f"a{i:02d}" for i in range(30)]


def _sentences(aid: str) -> list[str]:
    n = int(aid[1:])
    sents = [f"Kalimat {k} dari artikel {n}." for k in range(2 + n % 3)]
    if n % 7 == 0:
        sents.append(BOILERPLATE)
    if n == 7:
        sents.append(SHARED_REF)
    return sents


def build(folder: Path, articles: Collection[str], corpus_dir: Path) -> Store:
    """The articles ``articles`` of the test corpus in a store at ``folder`` (inputs under ``corpus_dir``)."""
    b = CorpusBuilder(folder, signature=SIG)
    for aid in articles:
        n = int(aid[1:])
        sents = _sentences(aid)
        src = str(corpus_dir / "inputs" / f"{aid}.txt") if n % 5 == 0 else None
        ids = b.article(aid, sents, title=f"Judul {n}", url=f"https://example.id/{n}", source_path=src,
                        segmenter="seg-1")
        for k, (sid, text) in enumerate(zip(ids, sents, strict=True)):
            # One translation per text (the cache's key): the same in whichever store writes it.
            b.translation(text, f"mt {text}", logprob=-0.1 * (1 + len(text) % 7), n_tokens=len(text.split()))
            pid = b.pair(f"{aid}:0.{k}", text, f"English {n}.{k}", kind="mt", src_ids=[sid], tgt_idx=[k],
                         mt=f"mt {text}", align_score=0.5 + k / 10, signature=SIG)
            b.flag(pid, "length_ratio", fired=(n + k) % 4 == 0, severity="warning", score=1.0 + k)
            b.flag(pid, "lang_id", fired=(n + k) % 6 == 0, severity="info", score=0.9)
            if (n + k) % 4 == 0 and n % 2 == 0:
                b.review(pid, "accepted" if n % 4 == 0 else "edited", reviewer="ana", before=f"English {n}.{k}",
                         after=f"Edited {n}.{k}", source=text, at=f"2025-02-{1 + n % 27:02d}T10:00:00+00:00")
        if n % 10 == 0:  # human references for some articles; a20's holds the sentence a7 has as an mt row
            refs = [*sents[:1], *([SHARED_REF] if n == 20 else [])]
            for k, text in enumerate(refs):
                pid = b.pair(f"{aid}:ref-0.{k}", text, f"Reference {n}.{k}", kind="reference", src_ids=ids[:1],
                             tgt_idx=[k], mt=f"mt {text}", align_score=0.9, signature=SIG)
                b.flag(pid, "length_ratio", fired=False, severity="warning", score=1.0)
                b.flag(pid, "lang_id", fired=False, severity="info", score=0.95)
    store = b.store
    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, SIG)
    store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, {"model": "Helsinki-NLP/opus-mt-id-en", "revision": "abc",
                                                     "backend": "ctranslate2", "beams": 4})
    store.set_meta(MetaKey.ALIGN_VERSION, "bead-1")
    store.set_meta(MetaKey.FLAGS_SIGNATURE, "flags-v1")
    store.set_meta(MetaKey.FLAGS_CONFIG, "".join(f"[{name}]\nenabled = false\n" for name in _builtin_checks(store)))
    return store


def _builtin_checks(store: Store) -> list[str]:
    from bitext.flags import effective_config

    return list(effective_config(store, "default").config)


def shards(root: Path, n: int = 3) -> list[Path]:
    """The test corpus split over ``n`` stores under ``root/shards`` (articles dealt round-robin)."""
    folders = [root / "shards" / f"{i:03d}" for i in range(n)]
    for i, folder in enumerate(folders):
        folder.mkdir(parents=True)
        build(folder, ARTICLES[i::n], root).close()
    return folders


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_three_stores_publish_the_one_store_dataset_byte_for_byte(tmp_path: Path) -> None:
    one = tmp_path / "one" / "corpus"
    one.mkdir(parents=True)
    build(one, ARTICLES, one).close()
    many = tmp_path / "many" / "corpus"
    folders = shards(many)

    empty = many / "shards" / "003"  # a shard the hash gave no article
    empty.mkdir()
    Store.open(empty).close()

    single = publish_dataset(one, tmp_path / "ds-one", splits="60,20,20")
    sharded = publish_dataset([*folders, empty], tmp_path / "ds-many", splits="60,20,20", corpus_dir=many)

    got, expected = files(tmp_path / "ds-many"), files(tmp_path / "ds-one")
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if got[name] != expected[name]] == []
    assert sharded.stats == single.stats and sharded.checks == single.checks
    # What makes the case: a group and a duplicate across stores, rows in every split, clean drops a row.
    stats = single.stats["default"]
    assert set(stats.splits) == {"train", "validation", "test"} and stats.kinds["reference"] == 4
    assert stats.pairs - single.stats["clean"].pairs >= 1
    import pyarrow.parquet as pq

    paths = {p for f in (tmp_path / "ds-many" / "data" / "articles").glob("*.parquet")
             for p in pq.read_table(f, columns=["source_path"]).column(0).to_pylist()}
    assert {"inputs/a00.txt", "a01.txt"} <= paths  # inside the corpus folder: relative to it, in both


def test_an_articles_split_does_not_depend_on_its_store(tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    whole = build(one, ARTICLES, one)
    stores = [Store.open(f) for f in shards(tmp_path / "many")]
    sizes = SplitSizes.parse("60,20,20")
    expected, got = assign_splits(whole, sizes), assign_splits(stores, sizes)
    assert got.split_of == expected.split_of and got.group_of == expected.group_of
    # The boilerplate articles (a00, a07, a14, a21, a28: three stores) are one group.
    assert {got.group_of[a] for a in ("a00", "a07", "a14", "a21", "a28")} == {"a00"}
    # a07's mt row and a20's reference row (stores 001 and 002) share a text: the mt row is dropped.
    a07, a20 = stores[1], stores[2]
    assert "a07" in {r[0] for r in a07.conn.execute("SELECT id FROM articles")}
    assert "a20" in {r[0] for r in a20.conn.execute("SELECT id FROM articles")}
    dup = find_duplicates(stores)
    # (a00, a10, a20 also have their first sentence as a reference: duplicates inside one store.)
    assert (dup.sentences, dict(dup.rows)) == (4, {"mt": 4, "reference": 4})
    assert dup.dropped == {"a00:0.0", "a10:0.0", "a20:0.0", "a07:0.4"}
    assert find_duplicates(whole) == dup


def test_stores_sharing_an_article_are_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    build(a, ARTICLES[:12], tmp_path).close()
    build(b, ARTICLES[10:], tmp_path).close()
    with pytest.raises(BitextError, match="article 'a10' is in .* and in .*disjoint articles") as err:
        publish_dataset([a, b], tmp_path / "ds")
    assert err.value.exit_code == 2
    assert not (tmp_path / "ds").exists()


def test_an_empty_list_of_stores_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(BitextError, match="no store given") as err:
        publish_dataset([], tmp_path / "ds")
    assert err.value.exit_code == 2


def test_a_read_error_mid_stream_is_raised_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bitext.publish import stage
    from bitext.records import iter_corpus_pairs

    folder = tmp_path / "corpus"
    folder.mkdir()
    build(folder, ARTICLES, folder).close()

    def failing(stores: list[Store], **kwargs: object):
        for i, rec in enumerate(iter_corpus_pairs(stores, **kwargs)):
            if i == 5:
                raise BitextError(f"{stores[0].path}: disk I/O error", exit_code=2)
            yield rec

    monkeypatch.setattr(stage, "iter_corpus_pairs", failing)
    with pytest.raises(BitextError, match="disk I/O error"):
        publish_dataset(folder, tmp_path / "ds")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no dataset, no temp folder
