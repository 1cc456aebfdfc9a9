"""Splits are what the user asked for, or the publish says why: every config has the same splits, each
with rows, loadable with ``datasets.load_dataset``'s defaults (and streaming); a split the draw leaves
empty is filled with the smallest article groups, or publishing is refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("datasets")

import datasets  # noqa: E402
from huggingface_hub import DatasetCard  # noqa: E402

from bitext.errors import BitextError  # noqa: E402
from bitext.publish import publish_dataset  # noqa: E402
from bitext.publish.selection import SPLIT_SEED, SplitSizes, _unit, assign_splits  # noqa: E402
from bitext.review import decide  # noqa: E402
from bitext.store import Store  # noqa: E402
from tests.factories import set_fired  # noqa: E402
from tests.publish.test_card_facts import ARTICLES, OPTIONS, mixed_corpus, review_some  # noqa: E402

SPLIT_NAMES = ["train", "validation", "test"]


def _loaded(out: Path, cache: Path) -> dict[str, dict[str, int]]:
    """Rows per config and split, as load_dataset (no arguments but the config) gives them."""
    configs = [c["config_name"] for c in DatasetCard.load(out / "README.md").data.to_dict()["configs"]]
    return {cfg: {sp: ds.num_rows for sp, ds in datasets.load_dataset(str(out), cfg, cache_dir=str(cache)).items()}
            for cfg in configs}


def test_the_draw_leaving_test_empty_is_filled_and_every_config_has_every_split(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    review_some(store)
    cuts = (0.8, 0.9)
    drawn = {a: "train" if _unit(a, SPLIT_SEED) < cuts[0] else "validation" if _unit(a, SPLIT_SEED) < cuts[1]
             else "test" for a in ARTICLES}
    assert "test" not in drawn.values()  # the 17 / 3 / 0: the draw alone gives no test split
    out = tmp_path / "ds"
    res = publish_dataset(store, out, options=OPTIONS, splits="80,10,10")
    loaded = _loaded(out, tmp_path / "cache")
    assert sorted(loaded) == ["articles", "clean", "default"]
    for cfg, splits in loaded.items():
        assert list(splits) == SPLIT_NAMES and all(n > 0 for n in splits.values()), (cfg, splits)
    assert sum(loaded["default"].values()) == res.stats["default"].pairs == 72
    plan = assign_splits(store, SplitSizes.parse("80,10,10"))
    moved = [g for g, sp in plan.moved.items() if sp == "test"]
    assert len(moved) == 1 and drawn[moved[0]] != "test"
    text = (out / "README.md").read_text(encoding="utf-8")
    assert f"the group of `{moved[0]}` into `test`" in text
    for sp in SPLIT_NAMES:  # the card's table states the real sizes
        assert f"| `{sp}` | {SplitSizes.parse('80,10,10').as_dict()[sp] * 100:.1f} | " in text
        row = next(line for line in text.splitlines() if line.startswith(f"| `{sp}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert int(cells[3]) == loaded["default"][sp] and int(cells[5]) == loaded["clean"][sp]
        assert float(cells[4]) == round(100 * loaded["default"][sp] / 72, 1)
        assert int(cells[2]) == loaded["articles"][sp]
    streamed = datasets.load_dataset(str(out), "clean", split="test", streaming=True)
    assert sum(1 for _ in streamed) == loaded["clean"]["test"]


def test_clean_split_without_rows_is_filled_by_a_second_pass(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    with store.tx():  # one pair each of three `train` articles is clean: every other pair gets a fired warning
        set_fired(store, [r[0] for r in store.conn.execute("SELECT id FROM pairs WHERE id NOT IN ('art00:mt:0',"
                                                           " 'art02:mt:0', 'art03:mt:0')")])
    plan = assign_splits(store, SplitSizes.parse("60,20,20"))
    assert {plan.split_of[a] for a in ("art00", "art02", "art03")} == {"train"} and not plan.moved
    out = tmp_path / "ds"
    res = publish_dataset(store, out, splits="60,20,20")
    assert res.stats["clean"].pairs == 3
    loaded = _loaded(out, tmp_path / "cache")
    assert loaded["clean"] == {"train": 1, "validation": 1, "test": 1}
    clean_docs = {sp: ds["doc_id"] for sp, ds in datasets.load_dataset(str(out), "clean", cache_dir=str(tmp_path / "x")).items()}
    assert clean_docs == {"train": ["art03"], "validation": ["art00"], "test": ["art02"]}  # smallest ids moved first
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "the group of `art00` into `validation`; the group of `art02` into `test`" in text
    assert all(list(s) == SPLIT_NAMES and min(s.values()) > 0 for s in loaded.values())


def test_too_few_groups_for_the_asked_splits_is_refused_before_writing(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    with store.tx():
        store.conn.execute("DELETE FROM pairs WHERE article_id > 'art01'")
    out = tmp_path / "ds"
    with pytest.raises(BitextError) as exc:
        publish_dataset(store, out, splits="80,10,10")
    assert str(exc.value) == ("--splits 80,10,10: 2 article group(s) have pairs, fewer than the 3 splits asked for"
                              " (train, validation, test); ask for fewer (e.g. --splits 100,0,0) or add articles;"
                              " nothing was written")
    assert exc.value.exit_code == 2 and sorted(tmp_path.iterdir()) == [tmp_path / "c"]
    publish_dataset(store, out, splits="50,50,0")  # two splits: one group each
    loaded = _loaded(out, tmp_path / "cache")
    assert all(list(s) == ["train", "validation"] for s in loaded.values())


def test_clean_too_sparse_for_the_asked_splits_is_refused_and_the_default_sizes_do_not_split(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    with store.tx():  # clean pairs in one article only
        set_fired(store, [r[0] for r in store.conn.execute("SELECT id FROM pairs WHERE id NOT LIKE 'art03:%'")])
    out = tmp_path / "ds"
    with pytest.raises(BitextError, match=r"^--splits 60,20,20: 1 article group\(s\) have clean pairs, fewer than"):
        publish_dataset(store, out, splits="60,20,20")
    assert sorted(tmp_path.iterdir()) == [tmp_path / "c"]  # not even a temp folder
    publish_dataset(store, out)  # the default sizes: not split, and the card says why
    loaded = _loaded(out, tmp_path / "cache")
    assert all(list(s) == ["train"] for s in loaded.values())
    assert ("This corpus is not split: 1 article group(s) have clean pairs, fewer than the 3 splits; every article"
            " is in `train`") in (out / "README.md").read_text(encoding="utf-8")


def test_cli_refusal_is_one_line(tmp_path: Path, capsys) -> None:
    from bitext.cli import main

    store: Store = mixed_corpus(tmp_path / "c")
    with store.tx():
        store.conn.execute("DELETE FROM pairs WHERE article_id > 'art00'")
    assert main(["publish", str(tmp_path / "c"), "--to", str(tmp_path / "ds"), "--splits", "90,10,0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["bitext: error: --splits 90,10,0: 1 article group(s) have pairs, fewer than the 2 splits asked for"
                   " (train, validation); ask for fewer (e.g. --splits 100,0,0) or add articles; nothing was written"]
    assert not (tmp_path / "ds").exists()


def test_decisions_do_not_change_the_split_set(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    decide(store, "art00:mt:2", "accepted", reviewer="ana")
    out = tmp_path / "ds"
    publish_dataset(store, out, splits="60,20,20")
    first = _loaded(out, tmp_path / "cache")
    assert all(list(s) == SPLIT_NAMES for s in first.values())


def test_a_corpus_without_pairs_publishes_its_articles_only(tmp_path: Path) -> None:
    store = mixed_corpus(tmp_path / "c")
    with store.tx():
        store.conn.execute("DELETE FROM pairs")
    out = tmp_path / "ds"
    publish_dataset(store, out, splits="80,10,10")
    loaded = _loaded(out, tmp_path / "cache")
    assert loaded == {"articles": {"train": 20}}
    assert sorted(p.name for p in (out / "data").iterdir()) == ["articles"]
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "only the `articles` config is published" in text and "not split: no pairs yet" in text
    assert "load_dataset(\"path/to/this/folder\", split=" not in text


def test_cli_says_the_split_sizes_and_an_unpublished_clean(tmp_path: Path, capsys) -> None:
    from bitext.cli import main

    store = mixed_corpus(tmp_path / "c")
    with store.tx():
        set_fired(store, [r[0] for r in store.conn.execute("SELECT id FROM pairs")])
    store.close()
    assert main(["publish", str(tmp_path / "c"), "--to", str(tmp_path / "ds"), "--splits", "60,20,20"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == (f"wrote {tmp_path / 'ds'}: 72 pairs (default), 0 pairs (clean); pairs per split:"
                                    " train 48, validation 15, test 9")
    assert "no pair is clean yet, so 'clean' is not published as a config" in captured.err
