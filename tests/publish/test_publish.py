"""Publishing: dataset folder (Parquet + card) loads with exact features, is deterministic and
atomic; pushing goes through a recording stand-in for HfApi."""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

import pytest

pytest.importorskip("datasets")

import datasets  # noqa: E402
from huggingface_hub import DatasetCard  # noqa: E402
from huggingface_hub.errors import HfHubHTTPError, Response  # noqa: E402
from huggingface_hub.errors import HTTPError as TransportError  # noqa: E402
from huggingface_hub.hf_api import RepoFile  # noqa: E402

from bitext.errors import BitextError  # noqa: E402
from bitext.model import MetaKey  # noqa: E402
from bitext.publish import dataset_features, push_dataset, stage  # noqa: E402
from bitext.publish import hub as publish_hub  # noqa: E402
from bitext.publish import publish_dataset as _publish_dataset  # noqa: E402
from bitext.records import iter_pairs  # noqa: E402
from bitext.store import Store  # noqa: E402
from tests.publish.conftest import sample_store  # noqa: E402
from tests.sample_corpus import EDITED_EN, SCRIPT_MT, SCRIPT_SRC  # noqa: E402

TOKEN = "hf_SECRETtoken1234567890"
CHECKS = ["lang_id", "length_ratio"]


def publish_dataset(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - one split: these tests predate splits
    kwargs.setdefault("splits", "100,0,0")
    return _publish_dataset(*args, **kwargs)


def load(folder: Path, config: str | None, cache: Path) -> datasets.Dataset:
    args = (str(folder),) if config is None else (str(folder), config)
    return datasets.load_dataset(*args, split="train", cache_dir=str(cache))


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


ROW_A1_1 = {
    "id": "a1-1", "doc_id": "a1", "para_idx": 0, "sent_idx": 1, "tgt_idx": [0], "kind": "mt",
    "translation": {"id": SCRIPT_SRC, "en": EDITED_EN}, "mt": SCRIPT_MT, "bead_type": "1-1",
    "align_score": 0.8, "needs_review": False, "review_status": "edited", "reviewed_translation": EDITED_EN,
    "reviewer": "ana", "reviewed_at": "2025-02-02T10:00:00+00:00",
    "flags_before_review": ["length_ratio"], "needs_review_before_review": True,
    "scores": {"lang_id": 0.97, "length_ratio": 2.5}, "mt_logprob": -0.5, "errors": [], "review_reason": None,
}
ROW_A2_2 = {
    "id": "a2-2", "doc_id": "a2", "para_idx": 1, "sent_idx": 0, "tgt_idx": [0], "kind": "mt",
    "translation": {"id": "baris satu\nbaris dua\tdengan tab", "en": ""}, "mt": "", "bead_type": "1-0",
    "align_score": None, "needs_review": False, "review_status": "pending", "reviewed_translation": None,
    "reviewer": None, "reviewed_at": None, "flags_before_review": [], "needs_review_before_review": False,
    "scores": {"lang_id": None, "length_ratio": None}, "mt_logprob": None, "errors": [], "review_reason": None,
}


# -- the folder -----------------------------------------------------------------------------


def test_load_dataset_round_trip_both_configs(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    res = publish_dataset(store, out)
    assert [p.relative_to(out).as_posix() for p in res.files] == [
        "README.md", "data/default/train-00000-of-00001.parquet", "data/clean/train-00000-of-00001.parquet",
        "data/articles/train-00000-of-00001.parquet",
    ]
    string, boolean = datasets.Value("string"), datasets.Value("bool")
    expected = datasets.Features({
        "id": string, "doc_id": string, "para_idx": datasets.Value("int32"), "sent_idx": datasets.Value("int32"),
        "tgt_idx": datasets.Sequence(datasets.Value("int32")), "kind": string,
        "translation": datasets.Translation(languages=["id", "en"]), "mt": string,
        "bead_type": string, "align_score": datasets.Value("float64"),
        "needs_review": boolean, "review_status": string, "reviewed_translation": string,
        "reviewer": string, "reviewed_at": string,
        "flags_before_review": datasets.Sequence(string), "needs_review_before_review": boolean,
        "scores": {"lang_id": datasets.Value("float64"), "length_ratio": datasets.Value("float64")},
        "mt_logprob": datasets.Value("float64"),
        "errors": [{"category": string, "severity": string}], "review_reason": string,
    })
    assert dataset_features(CHECKS) == expected

    ds = load(out, None, tmp_path / "cache")
    assert ds.features == expected
    assert ds["id"] == ["a1-0", "a1-1", "a1-2", "a2-0", "a2-1", "a2-2", "a2-r0"]
    assert ds[1] == ROW_A1_1
    assert ds[5] == ROW_A2_2
    assert ds[3]["review_status"] == "rejected" and ds[3]["translation"]["en"] == "The dog barks loudly today."
    assert [list(r.values()) for r in ds.select_columns(["kind", "review_status"])][-1] == ["reference", "accepted"]

    clean = load(out, "clean", tmp_path / "cache")
    assert clean.features == expected
    assert clean["id"] == ["a1-0", "a1-1", "a1-2", "a2-r0"]  # not a2-2: a 1-0 bead has no English
    assert not any(clean["needs_review"])  # post-review: every clean row is training-ready
    assert all(r["id"].strip() and r["en"].strip() for r in clean["translation"])
    assert clean[1] == ROW_A1_1
    assert clean[3]["translation"] == {"id": "Kucing tidur.", "en": "The cat sleeps."}
    assert res.stats["default"].pairs == 7 and res.stats["clean"].pairs == 4


def test_card_metadata_and_local_validation(store: Store, tmp_path: Path) -> None:
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs

    out = tmp_path / "ds"
    publish_dataset(store, out, license="cc-by-4.0", pretty_name="Test corpus", repo_id="me/test")
    card = DatasetCard.load(out / "README.md")
    data = card.data.to_dict()
    assert {"language", "license", "task_categories", "pretty_name", "size_categories", "configs",
            "dataset_info", "tags"} <= set(data)
    assert data["language"] == ["id", "en"] and data["license"] == "cc-by-4.0"
    assert data["task_categories"] == ["translation"] and data["size_categories"] == ["n<1K"]
    assert data["pretty_name"] == "Test corpus" and "bitext" in data["tags"]
    assert data["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/default/train-*"}],
         "default": True},
        {"config_name": "clean", "data_files": [{"split": "train", "path": "data/clean/train-*"}]},
        {"config_name": "articles", "data_files": [{"split": "train", "path": "data/articles/train-*"}]},
    ]
    # card.validate() posts to the Hub (no network here); validate with the parsers load_dataset uses.
    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert configs.get_default_config_name() == "default"
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    assert sorted(infos) == ["articles", "clean", "default"]
    assert infos["default"].features == dataset_features(CHECKS)
    assert infos["default"].splits["train"].num_examples == 7
    assert infos["clean"].splits["train"].num_examples == 4
    assert infos["clean"].download_size == (out / "data/clean/train-00000-of-00001.parquet").stat().st_size

    text = card.text
    assert "model:Helsinki-NLP/opus-mt-id-en|rev:abc123|backend:ctranslate2|beams:4|seg:pysbd-0.3.4+rules-1" \
           "|align:bead-1|flags:flags-v1|version:bitext-" in text
    assert 'load_dataset("me/test", "clean", split="train")' in text
    assert "| `length_ratio` | warning |  | 3 |" in text  # fired 3 times in default
    assert "| `lang_id` | error,info |  | 2 |" in text
    assert "Progress: 1 accepted, 1 edited,\n1 rejected, 4 pending." in text
    assert "| Indonesian tokens (whitespace) | 23 | 13 |" in text
    assert "| English tokens (whitespace) | 23 | 16 |" in text
    assert "| pairs of kind `reference` | 1 | 1 |" in text
    assert "machine translation" in text and "heuristics" in text
    assert "`opus-mt-id-en@abc123|ct2|beams=4`" in text and "\\|" not in text  # no table holds a pipe


def test_flag_config_from_flags_module(store: Store, tmp_path: Path) -> None:
    from bitext import flags

    store.delete_meta(MetaKey.FLAGS_CONFIG, MetaKey.FLAGS_CONFIG_NAME)  # back to the built-in config
    out = tmp_path / "ds"
    res = publish_dataset(store, out)
    config = flags.effective_config(store).config
    configured = sorted(name for name, settings in config.items() if settings.get("enabled", True))
    assert res.checks == sorted(set(configured) | set(CHECKS))
    ds = load(out, None, tmp_path / "cache")
    assert sorted(ds.features["scores"]) == res.checks
    assert ds[1]["scores"]["length_ratio"] == 2.5
    text = (out / "README.md").read_text(encoding="utf-8")
    check = next(c for c in flags.build_checks(config) if c.name == "length_ratio")
    assert f"| `length_ratio` | {check.severity} | {check.threshold_text()} | 3 | {check.description} |" in text


def test_publish_is_deterministic(store: Store, tmp_path: Path) -> None:
    publish_dataset(store, tmp_path / "a")
    publish_dataset(store, tmp_path / "b")
    first = tree_bytes(tmp_path / "a")
    assert first == tree_bytes(tmp_path / "b")
    publish_dataset(store, tmp_path / "a")  # over the previous publish
    assert tree_bytes(tmp_path / "a") == first


def test_republish_reflects_reviews_and_retranslation(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    publish_dataset(store, out)
    store.add_review("a2-1", "cici", "accepted", at="2025-03-01T00:00:00+00:00", before="Rain falls.",
                     after="Rain falls.", source="Hujan turun.")  # reviewer accepts the flagged pending pair
    with store.tx() as conn:  # re-translated (what translate's merge of new MT into pairs does)
        conn.execute("UPDATE pairs SET target='Hi, world.', mt='Hi, world.' WHERE id='a1-0'")
    res = publish_dataset(store, out)
    ds = load(out, None, tmp_path / "cache")
    assert ds[0]["translation"]["en"] == "Hi, world." and ds[0]["mt"] == "Hi, world."
    assert (ds[4]["review_status"], ds[4]["reviewer"]) == ("accepted", "cici")
    clean = load(out, "clean", tmp_path / "cache2")
    assert clean["id"] == ["a1-0", "a1-1", "a1-2", "a2-1", "a2-r0"]
    assert res.stats["clean"].pairs == 5


def test_sharding_keeps_order(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    res = publish_dataset(store, out, batch_rows=2, shard_rows=3)
    assert sorted(p.name for p in (out / "data" / "default").iterdir()) == [
        "train-00000-of-00003.parquet", "train-00001-of-00003.parquet", "train-00002-of-00003.parquet",
    ]
    assert len(res.files) == 1 + 3 + 2 + 1
    ds = load(out, None, tmp_path / "cache")
    assert ds["id"] == ["a1-0", "a1-1", "a1-2", "a2-0", "a2-1", "a2-2", "a2-r0"]


def test_empty_clean_config_and_no_checks(tmp_path: Path) -> None:
    store = sample_store(tmp_path / "corpus")
    store.clear_flags()
    with store.tx():
        for rec in iter_pairs(store):
            store.add_review(rec.id, "x", "rejected", at="t")
    out = tmp_path / "ds"
    res = publish_dataset(store, out)
    ds = load(out, None, tmp_path / "cache")
    assert "scores" not in ds.features and len(ds) == 7
    assert ds.features == dataset_features([])
    # A 0-row split cannot be loaded (datasets raises "corresponds to no data", huggingface/datasets#8401):
    # the empty clean config is not written, not declared, and the card says so.
    assert not (out / "data" / "clean").exists() and all("clean" not in p.parts for p in res.files)
    with pytest.raises(ValueError, match="BuilderConfig 'clean' not found. Available: \\['default', 'articles'\\]"):
        datasets.load_dataset(str(out), "clean", split="train", cache_dir=str(tmp_path / "c"))
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "**not published**: no pair is clean yet" in text and 'load_dataset("path/to/this/folder", "clean"' not in text
    assert [c["config_name"] for c in DatasetCard.load(out / "README.md").data.to_dict()["configs"]] == [
        "default", "articles"]
    store.close()


def test_interrupted_publish_keeps_previous_folder(store: Store, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "ds"
    publish_dataset(store, out)
    before = tree_bytes(out)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(stage, "build_card", boom)
    with store.tx() as conn:
        conn.execute("DELETE FROM pairs WHERE id='a1-0'")
    with pytest.raises(KeyboardInterrupt):
        publish_dataset(store, out)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "ds"]  # no temp folders left


def test_refuses_to_replace_foreign_folder(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(BitextError) as exc:
        publish_dataset(store, out)
    assert exc.value.exit_code == 2 and str(out) in str(exc.value)
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "precious"


def test_hidden_entries_of_previous_folder_survive(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    publish_dataset(store, out)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    publish_dataset(store, out)
    assert (out / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/main\n"


def test_streams_in_batches(store: Store, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    publish_dataset(store, tmp_path / "ds", batch_rows=2)
    meta = pq.ParquetFile(tmp_path / "ds/data/default/train-00000-of-00001.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 2, 2, 1]


# -- push -----------------------------------------------------------------------------------


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeHub:
    """Records calls and keeps remote files per branch; *.parquet are LFS like on the Hub."""

    def __init__(self, fail: BaseException | None = None, fail_on: str = "create_repo") -> None:
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str | None, dict[str, bytes]] = {None: {".gitattributes": b"*.parquet lfs\n"}}
        self.commits: list[dict] = []
        self.tokens: list[str] = []
        self.fail, self.fail_on = fail, fail_on

    def __call__(self, token: str) -> FakeHub:  # stands in for bitext.publish.hub._hf_api
        self.tokens.append(token)
        return self

    def _maybe_fail(self, name: str) -> None:
        if self.fail is not None and name == self.fail_on:
            raise self.fail

    def validate(self, card, repo_type=None):  # stands in for DatasetCard.validate (the public API)
        self.calls.append(("validate", {"repo_type": repo_type}))
        self._maybe_fail("validate")

    def install(self, monkeypatch) -> FakeHub:
        """Replace the Hub boundary and ``DatasetCard.validate`` (its network call) by this stand-in."""
        import huggingface_hub

        fake = self
        monkeypatch.setattr(publish_hub, "_hf_api", fake)
        monkeypatch.setattr(huggingface_hub.DatasetCard, "validate", lambda card, repo_type=None:
                            fake.validate(card, repo_type))
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        return fake

    def create_repo(self, repo_id, **kw):
        self.calls.append(("create_repo", {"repo_id": repo_id, **kw}))
        self._maybe_fail("create_repo")

    def create_branch(self, repo_id, **kw):
        self.calls.append(("create_branch", {"repo_id": repo_id, **kw}))
        self.files.setdefault(kw["branch"], dict(self.files[None]))

    def list_repo_tree(self, repo_id, **kw):
        self.calls.append(("list_repo_tree", {"repo_id": repo_id, **kw}))
        self._maybe_fail("list_repo_tree")
        out = []
        for path, data in sorted(self.files[kw.get("revision")].items()):
            lfs = None
            if path.endswith(".parquet"):
                lfs = {"size": len(data), "oid": hashlib.sha256(data).hexdigest(), "pointerSize": 134}
            out.append(RepoFile(path=path, size=len(data), oid=_git_sha1(b"pointer" if lfs else data), lfs=lfs))
        return out

    def create_commit(self, repo_id, operations, commit_message, repo_type, revision):
        self._maybe_fail("create_commit")
        ops = []
        files = self.files[revision]
        for op in operations:
            if hasattr(op, "path_or_fileobj"):
                files[op.path_in_repo] = Path(op.path_or_fileobj).read_bytes()
                ops.append(("add", op.path_in_repo))
            else:
                del files[op.path_in_repo]
                ops.append(("delete", op.path_in_repo))
        self.commits.append({"repo_id": repo_id, "ops": ops, "message": commit_message, "revision": revision,
                             "repo_type": repo_type})

        class Info:
            commit_url = f"https://huggingface.co/datasets/{repo_id}/commit/{len(self.commits):040d}"

        return Info()


@pytest.fixture
def hub(monkeypatch) -> FakeHub:
    return FakeHub().install(monkeypatch)


def test_push_one_commit_then_nothing_changed(store: Store, tmp_path: Path, hub: FakeHub) -> None:
    out = tmp_path / "ds"
    publish_dataset(store, out)
    res = push_dataset(out, "me/corpus", private=True)
    assert hub.tokens == [TOKEN]
    assert hub.calls[0] == ("validate", {"repo_type": "dataset"})  # the Hub's card check before anything
    assert hub.calls[1] == ("create_repo", {"repo_id": "me/corpus", "repo_type": "dataset", "private": True,
                                            "exist_ok": True})
    assert len(hub.commits) == 1
    assert hub.commits[0]["ops"] == [
        ("add", "README.md"), ("add", "data/articles/train-00000-of-00001.parquet"),
        ("add", "data/clean/train-00000-of-00001.parquet"), ("add", "data/default/train-00000-of-00001.parquet"),
    ]
    assert hub.commits[0]["repo_type"] == "dataset" and hub.commits[0]["revision"] is None
    assert res.commit_url.endswith("1".zfill(40))
    assert hub.files[None]["README.md"] == (out / "README.md").read_bytes()

    publish_dataset(store, out)  # unchanged store -> identical files -> no commit at all
    again = push_dataset(out, "me/corpus")
    assert again.commit_url is None and again.uploaded == [] and len(hub.commits) == 1

    # one review changes the card and both configs
    store.add_review("a2-1", "c", "accepted", at="t", before="Rain falls.", after="Rain falls.", source="Hujan turun.")
    publish_dataset(store, out, shard_rows=4)  # default now has 2 shards: the old single shard goes
    third = push_dataset(out, "me/corpus")
    assert len(hub.commits) == 2
    assert hub.commits[1]["ops"] == [
        ("add", "README.md"), ("add", "data/clean/train-00000-of-00002.parquet"),
        ("add", "data/clean/train-00001-of-00002.parquet"), ("add", "data/default/train-00000-of-00002.parquet"),
        ("add", "data/default/train-00001-of-00002.parquet"),
        ("delete", "data/clean/train-00000-of-00001.parquet"),
        ("delete", "data/default/train-00000-of-00001.parquet"),
    ]
    assert third.deleted == ["data/clean/train-00000-of-00001.parquet", "data/default/train-00000-of-00001.parquet"]
    assert ".gitattributes" in hub.files[None]  # never pruned


def test_push_to_branch(store: Store, tmp_path: Path, hub: FakeHub) -> None:
    publish_dataset(store, tmp_path / "ds")
    res = push_dataset(tmp_path / "ds", "me/corpus", revision="v2")
    assert ("create_branch", {"repo_id": "me/corpus", "repo_type": "dataset", "branch": "v2", "exist_ok": True}) \
        in hub.calls
    assert hub.commits[0]["revision"] == "v2" and res.revision == "v2"
    assert "README.md" not in hub.files[None]


def _http_error(status: int, message: str) -> HfHubHTTPError:
    http = importlib.import_module(Response.__module__.split(".")[0])  # the HTTP library huggingface_hub uses
    response = Response(status, request=http.Request("POST", "https://huggingface.co/api/repos/create"))
    return HfHubHTTPError(message, response=response)


class FakeConnectError(TransportError):
    pass


@pytest.mark.parametrize(
    ("error", "fail_on", "expected"),
    [
        (_http_error(401, f"401 Client Error: Unauthorized (token {TOKEN})"), "create_repo", "rejected the token"),
        (_http_error(403, "403 Forbidden"), "create_repo", "no write access"),
        (FakeConnectError("All connection attempts failed"), "create_repo", "cannot reach the Hugging Face Hub"),
        (FakeConnectError(f"timeout while sending {TOKEN}"), "list_repo_tree", "cannot reach the Hugging Face Hub"),
        (ValueError("Invalid metadata in README.md.\n- \"license\" must be one of [...]"), "validate",
         "rejects the card"),
        (_http_error(409, "409 Conflict"), "create_commit", "HTTP 409"),
        (_http_error(412, "412 Precondition Failed"), "create_commit", "HTTP 412"),
        (_http_error(400, "400 Bad Request"), "create_commit", "HTTP 400"),
    ],
)
def test_push_errors_are_one_line_and_keep_folder(
    store: Store, tmp_path: Path, monkeypatch, capsys, error, fail_on, expected
) -> None:
    from bitext.cli import main

    fake = FakeHub(fail=error, fail_on=fail_on).install(monkeypatch)
    out = tmp_path / "ds"
    code = main(["publish", str(store.path.parent), "--to", str(out), "--push", "me/corpus", "--splits", "100,0,0"])
    captured = capsys.readouterr()
    assert code == 2
    err_lines = captured.err.strip().splitlines()
    assert len(err_lines) == 1 and err_lines[0].startswith("bitext: error: ") and expected in err_lines[0]
    assert str(out) in err_lines[0]  # says the local folder is unchanged
    assert TOKEN not in captured.out + captured.err
    assert fake.commits == []
    if fail_on == "validate":  # a card the Hub rejects creates nothing
        assert [c[0] for c in fake.calls] == ["validate"]
    assert load(out, None, tmp_path / "cache").num_rows == 7  # local folder intact and loadable


def test_push_without_token_or_with_bad_repo_id(store: Store, tmp_path: Path, monkeypatch, hub: FakeHub) -> None:
    import huggingface_hub

    publish_dataset(store, tmp_path / "ds")
    with pytest.raises(BitextError) as exc:
        push_dataset(tmp_path / "ds", "not-a-repo-id")
    assert exc.value.exit_code == 2 and "USER/NAME" in str(exc.value)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(BitextError) as exc:
        push_dataset(tmp_path / "ds", "me/corpus")
    assert exc.value.exit_code == 2 and "HF_TOKEN" in str(exc.value)
    assert hub.calls == []


def test_cli_publish_and_push_output(store: Store, tmp_path: Path, hub: FakeHub, capsys) -> None:
    from bitext.cli import main

    out = tmp_path / "ds"
    argv = ["publish", str(store.path.parent), "--to", str(out), "--push", "me/corpus", "--license", "cc-by-4.0", "--splits", "100,0,0"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert f"wrote {out}: 7 pairs (default), 4 pairs (clean)" in first
    assert "pushed to me/corpus: 4 file(s) uploaded, 0 deleted" in first
    assert main(argv) == 0
    assert "me/corpus: nothing changed, no commit made" in capsys.readouterr().out
    assert len(hub.commits) == 1
    assert main(["publish", str(store.path.parent), "--private"]) == 2
    assert "--push" in capsys.readouterr().err


def test_card_json_settings_render(store: Store, tmp_path: Path) -> None:
    publish_dataset(store, tmp_path / "ds")
    text = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    block = text.split("Generation settings:\n\n```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block)["beams"] == 4
    assert "translate.settings" not in text.split("## Store metadata", 1)[1]  # shown whole above, not cut


def test_card_never_carries_private_meta(store: Store, tmp_path: Path) -> None:
    store.set_meta(MetaKey.REVIEW_SECRET, "s3cr3t-session-key")
    store.set_meta(MetaKey.TRANSLATE_SIGNATURE, "model:m|beams:1")
    out = tmp_path / "ds"
    publish_dataset(store, out)
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "model:m|beams:1" in text
    assert "s3cr3t-session-key" not in text and "review.secret_key" not in text


def test_cli_publish_warns_about_unchecked_pairs(store: Store, tmp_path: Path, capsys) -> None:
    from bitext.cli import main

    assert main(["publish", str(store.path.parent), "--to", str(tmp_path / "ds")]) == 0
    assert "not been checked" not in capsys.readouterr().err
    # a re-alignment dropped one pair's flags: it is unchecked now
    realigned = sample_store(tmp_path / "realigned", unchecked={"a2-r0"})
    assert main(["publish", str(realigned.path.parent), "--to", str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert err.strip() == ("bitext: warning: 1 pairs have not been checked yet, so they are not in 'clean'; "
                           "run 'bitext flag'")


@pytest.mark.parametrize(("argv", "expected"), [
    (["--push", "a/b/c"], "--push 'a/b/c': invalid repository id"),
    (["--push", "no-slash"], "expected USER/NAME"),
    (["--push", "me/corpus", "--revision", "bad..name"], "--revision 'bad..name': not a branch name"),
])
def test_cli_push_arguments_are_checked_before_anything_is_written(
    store: Store, tmp_path: Path, hub: FakeHub, capsys, argv: list[str], expected: str
) -> None:
    from bitext.cli import main

    out = tmp_path / "ds"
    assert main(["publish", str(store.path.parent), "--to", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0]
    assert not out.exists() and hub.calls == []


def test_cli_push_without_token_writes_nothing(store: Store, tmp_path: Path, monkeypatch, hub: FakeHub, capsys) -> None:
    import huggingface_hub

    from bitext.cli import main

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    out = tmp_path / "ds"
    assert main(["publish", str(store.path.parent), "--to", str(out), "--push", "me/corpus"]) == 2
    assert "no Hugging Face token" in capsys.readouterr().err
    assert not out.exists()
