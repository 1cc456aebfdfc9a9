"""The dataset as consumers read it with default arguments: the card's code blocks (datasets, pandas,
polars, duckdb, the MT-quality recomputation) run as printed, with only the folder put in for
``path/to/this/folder``, and give the numbers the card states."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("datasets")
duckdb = pytest.importorskip("duckdb")
pytest.importorskip("polars")
pytest.importorskip("pandas")

from bitext.publish import publish_dataset  # noqa: E402
from bitext.publish.card import LOCAL_DS  # noqa: E402
from tests.publish.test_card_facts import OPTIONS, mixed_corpus, review_some  # noqa: E402


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    tmp = tmp_path_factory.mktemp("consumers")
    store = mixed_corpus(tmp / "c")
    review_some(store)
    out = tmp / "ds"
    res = publish_dataset(store, out, options=OPTIONS, splits="60,20,20")
    store.close()
    stats = {k: v.pairs for k, v in res.stats.items()} | {"train": res.stats["default"].splits["train"]}
    return out, (out / "README.md").read_text(encoding="utf-8"), stats


def _blocks(text: str) -> dict[str, str]:
    """The card's python blocks by their first import."""
    out = {}
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        if "sacrebleu" in block:  # the MT-quality block (its own test)
            continue
        first = block.splitlines()[0]
        out[first.split()[1] if first.startswith(("import", "from")) else first] = block
    return out


def _run(block: str, folder: Path) -> tuple[dict, str]:
    assert block.count(LOCAL_DS) >= 1
    namespace: dict = {}
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(compile(block.replace(LOCAL_DS, str(folder)), "<card>", "exec"), namespace)  # noqa: S102
    return namespace, stdout.getvalue()


def test_card_has_a_block_per_tool(published) -> None:
    _, text, _ = published
    assert sorted(_blocks(text)) == ["datasets", "duckdb", "pandas", "polars"]


def test_load_dataset_block_runs(published) -> None:
    out, text, stats = published
    ns, printed = _run(_blocks(text)["datasets"], out)
    assert ns["pairs"].num_rows == stats["train"] and ns["clean"].num_rows > 0 and ns["articles"].num_rows == 13
    assert printed == "{'en': 'Sentence art00 number 0.', 'id': 'Kalimat art00 nomor 0.'}\n"
    assert "print(pairs[0][\"translation\"])  # {'en': '...', 'id': '...'}" in text  # the order load_dataset gives


def test_pandas_polars_duckdb_blocks_read_every_config_once(published) -> None:
    out, text, stats = published
    blocks = _blocks(text)
    pandas, _ = _run(blocks["pandas"], out)
    polars, _ = _run(blocks["polars"], out)
    duck, _ = _run(blocks["duckdb"], out)
    expected = {"default": stats["default"], "clean": stats["clean"], "articles": 20}
    for cfg, n in expected.items():
        assert len(pandas[cfg]) == n and polars[cfg].height == n and duck[f"n_{cfg}"] == n, cfg
    assert len(pandas["train"]) == polars["train"].height == len(duck["train"]) == stats["train"]
    assert sorted(pandas["default"]["id"]) == sorted(polars["default"]["id"].to_list())


def test_the_whole_folder_glob_the_card_warns_about_is_wrong(published) -> None:
    import polars as pl

    out, text, stats = published
    assert "(`**/*.parquet`) mixes the `articles` columns in and counts `clean`" in text
    with pytest.raises(pl.exceptions.PolarsError):  # polars: the schemas differ
        pl.scan_parquet(f"{out}/**/*.parquet").collect()
    # duckdb (2.x takes the first file's columns, 1.x fails on the mismatch): never the pairs
    try:
        n = duckdb.sql(f"SELECT COUNT(*) FROM '{out}/**/*.parquet'").fetchall()[0][0]
    except duckdb.Error:
        n = None
    assert n in (None, stats["default"] + stats["clean"] + 20)


def test_quality_table_recomputes_from_published_columns(published) -> None:
    out, text, _ = published
    block = re.search(r"This recomputes the overall rows from the dataset:\n\n```python\n(.*?)```", text, re.S)[1]
    _, printed = _run(block, out)
    recomputed = [line.split() for line in printed.strip().splitlines()]
    assert [r[0] for r in recomputed] == ["mt-vs-reference", "mt-vs-postedit"]
    for name, segments, chrf, bleu, ter in recomputed:
        assert f"| `{name}` | {segments} | {chrf} | {bleu} | {ter} |" in text


def test_every_config_and_split_loads_and_streams_with_defaults(published, tmp_path: Path) -> None:
    import datasets

    out, _, stats = published
    for config, n in (("default", stats["default"]), ("clean", stats["clean"]), ("articles", 20)):
        loaded = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "cache"))
        streamed = datasets.load_dataset(str(out), config, streaming=True)
        assert list(loaded) == list(streamed) == ["train", "validation", "test"]
        assert sum(ds.num_rows for ds in loaded.values()) == n
        assert {sp: sum(1 for _ in ds) for sp, ds in streamed.items()} == {sp: ds.num_rows for sp, ds in loaded.items()}


# Pythons with other `datasets` versions, space-separated (.ci/run sets one with datasets 3.6): consumers
# of a published dataset need not have the versions bitext itself needs.
OTHER_PYTHONS = os.environ.get("BITEXT_CONSUMER_PYTHONS", "").split()
LOAD = """import datasets, json, sys
folder, config, cache = sys.argv[1:]
loaded = datasets.load_dataset(folder, config, cache_dir=cache)
streamed = datasets.load_dataset(folder, config, streaming=True)
print(json.dumps([datasets.__version__, {k: [v.num_rows, sum(1 for _ in streamed[k])] for k, v in loaded.items()}]))
"""


@pytest.mark.skipif(not OTHER_PYTHONS, reason="set BITEXT_CONSUMER_PYTHONS to pythons with other datasets versions")
@pytest.mark.parametrize("python", OTHER_PYTHONS or [None])
def test_other_datasets_versions_load_and_stream_every_config(published, python: str, tmp_path: Path) -> None:
    out, _, stats = published
    for config, n in (("default", stats["default"]), ("clean", stats["clean"]), ("articles", 20)):
        # one process per config: datasets 3.6 can abort at interpreter exit after several streamed loads
        run = subprocess.run([python, "-c", LOAD, str(out), config, str(tmp_path / config)], capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        version, splits = json.loads(run.stdout.strip().splitlines()[-1])
        assert list(splits) == ["train", "validation", "test"], (version, config)
        assert all(a == b > 0 for a, b in splits.values()) and sum(a for a, _ in splits.values()) == n
