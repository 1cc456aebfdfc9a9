"""Publish the corpus as a Hugging Face dataset repository, and push it to the Hub.

Layout written by :func:`publish_dataset` (a folder ``datasets.load_dataset(DIR)`` loads)::

    README.md                                  dataset card (YAML metadata + documentation)
    data/default/train-00000-of-00001.parquet  every pair
    data/clean/train-00000-of-00001.parquet    pairs without unresolved flags, never rejected ones

The Parquet files are written with pyarrow, streaming record batches from
:func:`bitext.export.iter_pairs`, with the exact Arrow schema of :func:`dataset_features`.
Output is deterministic (no dates, fixed row groups, sorted everything), so publishing an
unchanged store gives byte-identical files and :func:`push_dataset` makes no commit.

Per-check scores are one struct column ``scores`` with a nullable float64 per check: one
column that reads as ``row["scores"]["length_ratio"]``, whose shape follows the checks of the
corpus without spreading them over the top-level schema (and without clashing with field names).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bitext.errors import BitextError, EnvironmentProblem
from bitext.export import tool_version
from bitext.records import PairRecord, check_names, iter_pairs, open_store
from bitext.store import Store

if TYPE_CHECKING:
    import datasets
    from huggingface_hub import DatasetCard

CONFIGS = ("default", "clean")
SPLIT = "train"
# "unknown" rather than "other": the news articles belong to their publishers and bitext cannot
# know the terms; "other" tells the Hub a custom licence is described, which we cannot do.
DEFAULT_LICENSE = "unknown"
BATCH_ROWS = 10_000  # rows per record batch = per Parquet row group
SHARD_ROWS = 500_000  # rows per Parquet file (keeps files well under the Hub's ~500 MB advice)
# Same content-defined chunking as `datasets` uses for the Hub: unchanged data re-uploads cheaply.
CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}
SIZE_CATEGORIES = [
    (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"),
]


def dataset_features(checks: Sequence[str]) -> datasets.Features:
    """The published features; ``scores`` has one nullable float64 per check (omitted if none)."""
    from datasets import Features, Sequence, Translation, Value

    feats: dict[str, Any] = {
        "id": Value("string"),
        "doc_id": Value("string"),
        "para_idx": Value("int32"),
        "sent_idx": Value("int32"),
        "kind": Value("string"),
        "translation": Translation(languages=["id", "en"]),
        "mt": Value("string"),
        "bead_type": Value("string"),
        "align_score": Value("float64"),
        "flags": Sequence(Value("string")),
    }
    if checks:
        feats["scores"] = {name: Value("float64") for name in checks}
    feats.update(
        {
            "needs_review": Value("bool"),
            "mt_logprob": Value("float64"),
            "review_status": Value("string"),
            "reviewed_translation": Value("string"),
            "reviewer": Value("string"),
            "reviewed_at": Value("string"),
        }
    )
    return Features(feats)


FIELD_DOCS = {
    "id": "pair id (stable across re-publishing)",
    "doc_id": "article the pair comes from",
    "para_idx": "paragraph index of the pair's first Indonesian sentence (null for 0-1 beads)",
    "sent_idx": "sentence index within that paragraph",
    "kind": "`mt`: Indonesian vs. machine translation; `reference`: vs. a human translation",
    "translation": "`{id, en}`; `en` is the reviewer's text when a reviewer accepted or edited the pair",
    "mt": "raw machine translation of the Indonesian text",
    "bead_type": "alignment bead (`1-1`, `1-2`, `2-1`, `2-2`, `1-0`, `0-1`)",
    "align_score": "alignment score of the bead",
    "flags": "checks that fired on the pair (any severity)",
    "scores": "per-check scores (struct, one nullable float per check)",
    "needs_review": "a check of severity warning or error fired",
    "mt_logprob": "model confidence: token-weighted mean length-normalised log-probability of the MT (≤ 0)",
    "review_status": "`accepted`, `edited`, `rejected` or `pending`",
    "reviewed_translation": "text the reviewer approved or wrote (null if not accepted/edited)",
    "reviewer": "who made the review decision",
    "reviewed_at": "when (ISO 8601, UTC)",
}


# -- flag configuration (bitext.flags is optional) --------------------------------------------


def _plain(obj: Any) -> Any:
    """Config objects -> plain dicts/lists for the card (dataclasses, mappings, objects)."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return _plain(asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if hasattr(obj, "to_dict"):
        return _plain(obj.to_dict())
    if hasattr(obj, "__dict__"):
        return _plain({k: v for k, v in vars(obj).items() if not k.startswith("_")})
    return str(obj)


PUBLIC_META_PREFIXES = ("translate.", "align.", "flags.")


def load_flag_config(signature: str | None = None, store: Store | None = None) -> FlagConfig | None:
    """The flag checks' settings from ``bitext.flags`` (defaults), or None when unavailable.

    bitext.flags is another stage's module; publishing must work without it (check names and
    severities then come from ``pair_flags`` alone), so any failure to load it degrades to None.
    ``signature`` (meta ``flags.signature``) tells whether the stored flags were computed with
    these defaults or with a user config file.
    """
    try:
        from bitext import flags

        # The config the stored flags were computed with: a custom one kept in the store, or the defaults.
        raw = flags.effective_config(store).config if store is not None else flags.load_config()
        cfg = _plain(raw)
    except Exception:  # noqa: BLE001 - an optional module: missing or broken means "no config"
        return None
    if isinstance(cfg, dict) and isinstance(cfg.get("checks"), (dict, list)):
        cfg = cfg["checks"]
    if isinstance(cfg, list) and all(isinstance(c, dict) and "name" in c for c in cfg):
        cfg = {str(c["name"]): {k: v for k, v in c.items() if k != "name"} for c in cfg}
    if not (isinstance(cfg, dict) and all(isinstance(v, dict) for v in cfg.values())):
        return None
    checks = {str(k): dict(v) for k, v in cfg.items() if v.get("enabled", True)}
    try:  # richer details when the module offers them: class severity, description, threshold text
        for check in flags.build_checks(raw):
            entry = checks.setdefault(check.name, {})
            entry.setdefault("severity", check.severity)
            entry["_description"] = str(check.description)
            entry["_fires"] = str(check.threshold_text())
    except Exception:  # noqa: BLE001
        pass
    try:
        matches = signature is not None and flags.config_signature(raw) == signature
    except Exception:  # noqa: BLE001
        matches = False
    return FlagConfig(checks, matches)


@dataclass
class FlagConfig:
    """Enabled checks -> settings (plus ``_description``/``_fires`` when known)."""

    checks: dict[str, dict[str, Any]]
    matches_store: bool  # the stored flags were computed with exactly these settings


# -- streaming Parquet writer -------------------------------------------------------------------


class _ShardWriter:
    """Writes rows of one config as record batches into numbered Parquet shards."""

    def __init__(self, folder: Path, features: datasets.Features, batch_rows: int, shard_rows: int) -> None:
        self.folder = folder
        self.schema = features.arrow_schema
        self.batch_rows = batch_rows
        self.shard_rows = shard_rows
        self.rows: list[dict[str, Any]] = []
        self.writer: Any = None
        self.shards: list[Path] = []
        self.shard_count = 0
        self.num_examples = 0
        self.num_bytes = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_rows:
            self._flush()

    def _open(self) -> None:
        import pyarrow.parquet as pq

        path = self.folder / f"shard-{len(self.shards):05d}.parquet"
        self.shards.append(path)
        self.writer = pq.ParquetWriter(
            path, self.schema, use_content_defined_chunking=CDC_OPTIONS, write_page_index=True
        )
        self.writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
        self.shard_count = 0

    def _flush(self) -> None:
        import pyarrow as pa

        if self.writer is None or (self.rows and self.shard_count >= self.shard_rows):
            if self.writer is not None:
                self.writer.close()
            self._open()
        if not self.rows:
            return
        # Split at the shard boundary so shard sizes do not depend on batch boundaries.
        take = min(len(self.rows), self.shard_rows - self.shard_count)
        batch, self.rows = self.rows[:take], self.rows[take:]
        table = pa.Table.from_pylist(batch, schema=self.schema)
        self.writer.write_table(table, row_group_size=self.batch_rows)
        self.shard_count += len(batch)
        self.num_examples += len(batch)
        self.num_bytes += table.nbytes
        if self.rows:
            self._flush()

    def close(self) -> list[Path]:
        """Flush, close and rename shards to ``train-XXXXX-of-NNNNN.parquet``; returns them."""
        self._flush()  # also creates an (empty) file for an empty config, so it still loads
        self.writer.close()
        n = len(self.shards)
        final = []
        for i, path in enumerate(self.shards):
            target = path.with_name(f"{SPLIT}-{i:05d}-of-{n:05d}.parquet")
            path.rename(target)
            final.append(target)
        return final


# -- statistics -----------------------------------------------------------------------------


@dataclass
class ConfigStats:
    """Counts over one config's rows."""

    pairs: int = 0
    docs: int = 0
    tokens_id: int = 0
    tokens_en: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    bead_types: Counter[str] = field(default_factory=Counter)
    fired: Counter[str] = field(default_factory=Counter)
    needs_review: int = 0
    review: Counter[str] = field(default_factory=Counter)
    _last_doc: str | None = None

    def add(self, rec: PairRecord) -> None:
        self.pairs += 1
        if rec.doc_id != self._last_doc:  # records come sorted by doc_id
            self.docs += 1
            self._last_doc = rec.doc_id
        # Whitespace tokens: model- and tokenizer-independent, comparable across corpora.
        self.tokens_id += len(rec.source.split())
        self.tokens_en += len(rec.target.split())
        self.kinds[rec.kind] += 1
        self.bead_types[rec.bead_type] += 1
        self.fired.update(rec.flags)
        self.needs_review += rec.needs_review
        self.review[rec.review_status] += 1

    def as_dict(self) -> dict[str, Any]:
        """Plain values (Counters as sorted dicts) for the card template."""
        return {
            k: dict(sorted(v.items())) if isinstance(v, Counter) else v
            for k, v in vars(self).items()
            if not k.startswith("_")
        }


@dataclass
class PublishResult:
    """What :func:`publish_dataset` wrote."""

    folder: Path
    files: list[Path]
    stats: dict[str, ConfigStats]
    checks: list[str]


# -- publish --------------------------------------------------------------------------------


def publish_dataset(
    corpus: str | Path | Store,
    out_dir: str | Path,
    *,
    license: str = DEFAULT_LICENSE,
    pretty_name: str | None = None,
    repo_id: str | None = None,
    batch_rows: int = BATCH_ROWS,
    shard_rows: int = SHARD_ROWS,
    quiet: bool = True,
) -> PublishResult:
    """Write the corpus as a Hub-ready dataset folder at ``out_dir`` (replaced atomically).

    ``repo_id`` only fills the usage snippet of the card; ``quiet=False`` shows a progress bar
    on stderr. Configured flag checks (``bitext.flags.load_config()``, enabled ones) are part of the
    ``scores`` struct even before they ran, so the schema does not depend on the data. The folder is built in a temp dir
    beside ``out_dir`` and swapped in at the end, so an interrupted publish leaves the
    previous folder (or none) and never a half-written one.
    """
    from tqdm import tqdm

    store = open_store(corpus)
    out_dir = Path(out_dir)
    _check_target(out_dir)
    flag_config = load_flag_config(store.get_meta("flags.signature"), store)
    checks = check_names(store, extra=sorted(flag_config.checks) if flag_config else ())
    features = dataset_features(checks)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # A plain mkdir (not mkdtemp) so the folder gets the umask's permissions, not 0700.
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        writers = {cfg: _ShardWriter(tmp / "data" / cfg, features, batch_rows, shard_rows) for cfg in CONFIGS}
        stats = {cfg: ConfigStats() for cfg in CONFIGS}
        progress = tqdm(total=store.count("pairs"), unit="pair", desc="publish", disable=quiet)
        for rec in iter_pairs(store, checks=checks):
            progress.update()
            row = rec.to_row()
            if not checks:
                del row["scores"]
            writers["default"].add(row)
            stats["default"].add(rec)
            if rec.clean:
                writers["clean"].add(row)
                stats["clean"].add(rec)
        progress.close()
        files = {cfg: w.close() for cfg, w in writers.items()}
        card = build_card(
            store, features, checks, flag_config, stats, writers, tmp,
            license=license, pretty_name=pretty_name, repo_id=repo_id,
        )
        card.save(tmp / "README.md")
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    rel = [out_dir / p.relative_to(tmp) for cfg in CONFIGS for p in files[cfg]]
    return PublishResult(out_dir, [out_dir / "README.md", *rel], stats, checks)


def _is_published_folder(folder: Path) -> bool:
    readme = folder / "README.md"
    if not readme.is_file():
        return False
    from huggingface_hub import metadata_load

    try:
        meta = metadata_load(readme) or {}
    except Exception:  # noqa: BLE001 - unparsable YAML: not ours
        return False
    return "bitext" in (meta.get("tags") or [])


def _check_target(out_dir: Path) -> None:
    """Refuse to replace anything that is not an earlier publish (or an empty folder)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise BitextError(f"{out_dir}: exists and is not a folder", exit_code=2)
    visible = [p for p in out_dir.iterdir() if not p.name.startswith(".")]
    if visible and not _is_published_folder(out_dir):
        raise BitextError(
            f"{out_dir}: folder is not empty and holds no bitext dataset card; refusing to replace it"
            " (choose another --to)",
            exit_code=2,
        )


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace ``dest`` by ``tmp``: two renames, so ``dest`` is always complete or briefly absent."""
    if not dest.exists():
        os.replace(tmp, dest)
        return
    # Keep hidden entries of the old folder (a .git clone of the Hub repo, caches).
    for entry in dest.iterdir():
        if entry.name.startswith(".") and not (tmp / entry.name).exists():
            os.replace(entry, tmp / entry.name)
    old = dest.parent / f".{dest.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


# -- dataset card ---------------------------------------------------------------------------

CARD_TEMPLATE = """---
{{ card_data }}
---

# {{ pretty_name }}

Indonesian–English sentence pairs built with **bitext** from {{ n_articles }} Indonesian news
article(s): the Indonesian text was segmented into sentences, machine-translated into English,
aligned, checked with heuristic flags and partly reviewed by people.

Corpus signature: `{{ signature }}`

## Configurations

| config | pairs | documents | contents |
|---|---:|---:|---|
| `default` | {{ stats.default.pairs }} | {{ stats.default.docs }} | every pair, with its flags, scores and review state |
| `clean` | {{ stats.clean.pairs }} | {{ stats.clean.docs }} | pairs checked by every flag with no warning/error, or accepted/edited by a reviewer; never rejected ones |
{% if stats.clean.pairs == 0 %}
`clean` is empty for now: load it with `streaming=True` (`datasets` cannot build an empty split otherwise).
{% endif %}
## Usage

```python
from datasets import load_dataset

pairs = load_dataset("{{ repo_ref }}", split="train")           # every pair
clean = load_dataset("{{ repo_ref }}", "clean", split="train")  # training-ready subset
print(clean[0]["translation"])  # {'id': '...', 'en': '...'}
```

## Fields

| field | type | meaning |
|---|---|---|
{% for f in fields -%}
| `{{ f.name }}` | {{ f.type }} | {{ f.doc }} |
{% endfor %}
## How it was made

**Segmentation.** Articles are split into paragraphs and sentences; segmenter(s) used:
{% for s in segmenters %}
- `{{ s.name }}` ({{ s.count }} article(s))
{%- else %}
- unknown (no articles)
{%- endfor %}

**Translation.** Model `{{ model }}`, revision `{{ revision }}`, backend `{{ backend }}`,
beams `{{ beams }}`. Translation signature: `{{ translate_signature }}`.
{%- if translate_settings %}
Generation settings:

```json
{{ translate_settings }}
```
{%- endif %}
{%- if pair_signatures|length > 1 %}

Pairs come from more than one translation signature:
{% for s in pair_signatures %}
- `{{ s.name }}`: {{ s.count }} pair(s)
{%- endfor %}
{%- endif %}

**Alignment.** Aligner version `{{ align_version }}`. Bead types in `default`:
{% for b in bead_types %}
- `{{ b.name }}`: {{ b.count }}
{%- endfor %}

**Flags.** Heuristic checks; a pair needs review when a check of severity warning or error
fires. Flags signature: `{{ flags_signature }}`.
{%- if not flag_config_known %} The checks' configuration was not available when publishing:
names and severities below come from the stored results.
{%- elif not flag_config_matches %} The settings below are bitext's defaults; the stored flags were
computed with a different configuration (see the flags signature).
{%- endif %}

| check | severity | fires when score | fired (default) | what it measures | settings |
|---|---|---|---:|---|---|
{% for c in checks -%}
| `{{ c.name }}` | {{ c.severity }} | {{ c.fires }} | {{ c.fired }} | {{ c.what }} | {{ c.settings }} |
{% endfor %}
Pairs needing review (a warning or error fired): {{ stats.default.needs_review }}.

**Review.** People accept, edit or reject pairs in the bitext review tool; the newest decision
counts. Progress: {{ stats.default.review.accepted or 0 }} accepted, {{ stats.default.review.edited or 0 }} edited,
{{ stats.default.review.rejected or 0 }} rejected, {{ stats.default.review.pending or 0 }} pending.

## Statistics

| | default | clean |
|---|---:|---:|
| articles in the corpus | {{ n_articles }} | |
| documents | {{ stats.default.docs }} | {{ stats.clean.docs }} |
| pairs | {{ stats.default.pairs }} | {{ stats.clean.pairs }} |
{% for k in kinds -%}
| pairs of kind `{{ k }}` | {{ stats.default.kinds[k] or 0 }} | {{ stats.clean.kinds[k] or 0 }} |
{% endfor -%}
| Indonesian tokens (whitespace) | {{ stats.default.tokens_id }} | {{ stats.clean.tokens_id }} |
| English tokens (whitespace) | {{ stats.default.tokens_en }} | {{ stats.clean.tokens_en }} |
| needing review | {{ stats.default.needs_review }} | {{ stats.clean.needs_review }} |

## Limitations

- Unless a reviewer accepted or edited a pair, its English side is **machine translation**
  (`{{ model }}`): fluent-looking errors, mistranslated names and numbers and dropped clauses
  occur. Do not use the unreviewed English as a human reference for evaluation.
- Flags are **heuristics** with thresholds: an unflagged pair can still be wrong and a flagged
  one can be fine. `clean` means "no unresolved flag", not "verified".
- The source texts are news articles; their copyright belongs to the publishers. Check the
  licence (`{{ license }}`) and the sources' terms before redistributing.
{%- if meta %}

## Store metadata

| key | value |
|---|---|
{% for m in meta -%}
| `{{ m.name }}` | {{ m.value }} |
{% endfor -%}
{%- endif %}
"""


def _cell(value: object, limit: int = 300) -> str:
    """A Markdown table cell: one line, pipes escaped, long values cut."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("<", "&lt;")


def _size_category(n: int) -> str:
    for bound, name in SIZE_CATEGORIES:
        if n < bound:
            return name
    return "n>1B"


def _first(settings: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        if settings.get(key) not in (None, ""):
            return str(settings[key])
    return "unknown"


def _feature_type(feature: Any) -> str:
    from datasets import Translation, Value

    if isinstance(feature, Value):
        return f"`{feature.dtype}`"
    if isinstance(feature, Translation):
        return "translation(id, en)"
    if isinstance(feature, dict):
        return "struct of float64"
    return "list of string"


def corpus_signature(settings: Mapping[str, Any], store: Store) -> str:
    """sacrebleu-style one-line description of how the corpus was made."""
    segs = sorted({r[0] for r in store.conn.execute("SELECT DISTINCT segmenter FROM articles")})
    parts = [
        ("model", _first(settings, "model", "model_id", "model_name")),
        ("rev", _first(settings, "revision", "model_revision")),
        ("backend", _first(settings, "backend")),
        ("beams", _first(settings, "num_beams", "beams", "beam_size")),
        ("seg", "+".join(segs) or "unknown"),
        ("align", store.get_meta("align.version") or "unknown"),
        ("flags", store.get_meta("flags.signature") or "unknown"),
        ("version", f"bitext-{tool_version()}"),
    ]
    return "|".join(f"{k}:{v}" for k, v in parts)


def build_card(
    store: Store,
    features: datasets.Features,
    checks: list[str],
    flag_config: dict[str, dict[str, Any]] | None,
    stats: dict[str, ConfigStats],
    writers: dict[str, _ShardWriter],
    folder: Path,
    *,
    license: str,
    pretty_name: str | None,
    repo_id: str | None,
) -> DatasetCard:
    """The dataset card: YAML metadata (configs, dataset_info, ...) and documentation."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard, DatasetCardData

    settings_raw = store.get_meta("translate.settings")
    try:
        settings = json.loads(settings_raw) if settings_raw else {}
    except ValueError:
        settings = {}
    if not isinstance(settings, dict):
        settings = {}
    name = pretty_name or f"bitext Indonesian-English parallel corpus ({store.path.parent.name})"

    configs = [
        {"config_name": cfg, "data_files": [{"split": SPLIT, "path": f"data/{cfg}/{SPLIT}-*"}],
         **({"default": True} if cfg == "default" else {})}
        for cfg in CONFIGS
    ]
    card_data = DatasetCardData(
        language=["id", "en"],
        license=license,
        task_categories=["translation"],
        multilinguality=["translation"],
        language_creators=["found", "machine-generated"],
        annotations_creators=["machine-generated", "expert-generated"],
        pretty_name=name,
        size_categories=[_size_category(stats["default"].pairs)],
        tags=["bitext", "parallel-corpus", "machine-translation", "news"],
        configs=configs,
    )
    infos = DatasetInfosDict()
    for cfg in CONFIGS:
        w = writers[cfg]
        download = sum(p.stat().st_size for p in (folder / "data" / cfg).glob("*.parquet"))
        splits = SplitDict()
        splits.add(SplitInfo(name=SPLIT, num_bytes=w.num_bytes, num_examples=w.num_examples))
        infos[cfg] = DatasetInfo(
            features=features, splits=splits, download_size=download, dataset_size=w.num_bytes, config_name=cfg
        )
    infos.to_dataset_card_data(card_data)

    severities = {
        r[0]: r[1]
        for r in store.conn.execute(
            "SELECT check_name, GROUP_CONCAT(DISTINCT severity) FROM pair_flags GROUP BY check_name"
        )
    }
    check_rows = []
    for c in checks:
        cfg = flag_config.checks.get(c, {}) if flag_config else {}
        sev = cfg.get("severity") or severities.get(c) or "unknown"
        options = {k: v for k, v in cfg.items() if k not in ("severity", "enabled") and not k.startswith("_")}
        check_rows.append({
            "name": _cell(c), "severity": _cell(sev), "fired": stats["default"].fired[c],
            "what": _cell(cfg.get("_description", "")), "fires": _cell(cfg.get("_fires", "")),
            "settings": _cell(json.dumps(options, sort_keys=True, ensure_ascii=False)) if options else "—",
        })

    def counted(sql: str) -> list[dict[str, Any]]:
        return [{"name": _cell(r[0] if r[0] is not None else "none"), "count": r[1]}
                for r in store.conn.execute(sql)]

    # Only the settings that say how the corpus was made: meta also holds private values
    # (the review app's session secret) that must never reach a published card.
    meta_rows = [{"name": _cell(k), "value": _cell(v)}
                 for k, v in store.conn.execute("SELECT key, value FROM meta ORDER BY key")
                 if k.startswith(PUBLIC_META_PREFIXES) and k != "flags.config"  # shown as thresholds
                 and not any(w in k for w in ("secret", "token", "key"))]
    fields = [{"name": n, "type": _feature_type(f), "doc": FIELD_DOCS.get(n, "")} for n, f in features.items()]

    return DatasetCard.from_template(
        card_data,
        template_str=CARD_TEMPLATE,
        pretty_name=name,
        repo_ref=repo_id or "path/to/this/folder",
        n_articles=store.count("articles"),
        signature=corpus_signature(settings, store),
        stats={cfg: s.as_dict() for cfg, s in stats.items()},
        kinds=sorted(stats["default"].kinds),
        fields=fields,
        segmenters=counted("SELECT segmenter, COUNT(*) FROM articles GROUP BY segmenter ORDER BY segmenter"),
        pair_signatures=counted("SELECT signature, COUNT(*) FROM pairs GROUP BY signature ORDER BY signature"),
        bead_types=[{"name": k, "count": v} for k, v in sorted(stats["default"].bead_types.items())],
        model=_first(settings, "model", "model_id", "model_name"),
        revision=_first(settings, "revision", "model_revision"),
        backend=_first(settings, "backend"),
        beams=_first(settings, "num_beams", "beams", "beam_size"),
        translate_signature=store.get_meta("translate.signature") or "unknown",
        translate_settings=json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=False) if settings else "",
        align_version=store.get_meta("align.version") or "unknown",
        flags_signature=store.get_meta("flags.signature") or "unknown",
        flag_config_known=flag_config is not None,
        flag_config_matches=bool(flag_config and flag_config.matches_store),
        checks=check_rows,
        meta=meta_rows,
    )


# -- push -----------------------------------------------------------------------------------


@dataclass
class PushResult:
    """Outcome of :func:`push_dataset`; ``commit_url`` is None when nothing changed."""

    repo_id: str
    revision: str | None
    commit_url: str | None
    uploaded: list[str]
    deleted: list[str]


def _hf_api(token: str) -> Any:
    """The one boundary to the Hub (tests replace it with a recording stand-in)."""
    from huggingface_hub import HfApi

    return HfApi(token=token)


def _local_files(folder: Path) -> list[str]:
    """Paths (POSIX, relative) the dataset repo is made of: README.md and data/**."""
    files = ["README.md"] if (folder / "README.md").is_file() else []
    data = folder / "data"
    if data.is_dir():
        files += sorted(
            p.relative_to(folder).as_posix()
            for p in data.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
    return files


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git_blob_sha1(path: Path) -> str:
    """Git's object id of a file: sha1(b'blob <size>\\0' + content), what the Hub reports for non-LFS files."""
    h = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _unchanged(local: Path, remote: Any) -> bool:
    lfs = getattr(remote, "lfs", None)
    if lfs is not None:  # LFS/Xet files: the pointer's sha256 is the content's sha256
        sha = lfs.get("sha256") if isinstance(lfs, Mapping) else getattr(lfs, "sha256", None)
        return sha == _sha256(local)
    return getattr(remote, "blob_id", None) == _git_blob_sha1(local)


def push_dataset(
    folder: str | Path,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    commit_message: str = "Publish corpus with bitext",
) -> PushResult:
    """Upload a published folder to the dataset repo ``repo_id`` in one commit.

    Creates the repo (and branch ``revision``) if needed. Files whose content equals the
    remote's (LFS sha256 or git blob id) are not sent; stale files under ``data/`` are
    deleted in the same commit; if nothing differs no commit is made. The token comes from
    HF_TOKEN or the saved login and is never printed. Hub and network failures raise one-line
    errors; the local folder is only read.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, get_token
    from huggingface_hub.utils import validate_repo_id

    folder = Path(folder)
    files = _local_files(folder)
    if "README.md" not in files:
        raise BitextError(f"{folder}: not a published dataset folder (no README.md); run bitext publish", 2)
    try:
        if repo_id.count("/") != 1:
            raise ValueError("expected USER/NAME")
        validate_repo_id(repo_id)
    except ValueError as exc:
        raise BitextError(f"--push {repo_id!r}: invalid repository id ({_first_line(exc)})", 2) from None
    token = get_token()
    if not token:
        raise EnvironmentProblem(
            f"cannot push to {repo_id}: no Hugging Face token (set HF_TOKEN or run 'hf auth login')"
        )
    branch = revision if revision not in (None, "main") else None
    try:
        api = _hf_api(token)
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if branch:
            api.create_branch(repo_id, repo_type="dataset", branch=branch, exist_ok=True)
        remote = {
            f.path: f
            for f in api.list_repo_tree(repo_id, repo_type="dataset", revision=branch, recursive=True)
            if hasattr(f, "blob_id")  # files, not folders
        }
        uploads = [p for p in files if p not in remote or not _unchanged(folder / p, remote[p])]
        # Only data/ is ours to prune: .gitattributes and anything added by hand stay.
        deletes = sorted(p for p in remote if p.startswith("data/") and p not in set(files))
        if not uploads and not deletes:
            return PushResult(repo_id, branch, None, [], [])
        operations = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(folder / p)) for p in uploads]
        operations += [CommitOperationDelete(path_in_repo=p) for p in deletes]
        info = api.create_commit(
            repo_id, operations=operations, commit_message=commit_message, repo_type="dataset", revision=branch
        )
    except BitextError:
        raise
    except Exception as exc:
        err = _hub_error(exc, repo_id, folder, token)
        if err is None:
            raise
        raise err from None  # no chained traceback: nothing of the request leaks into output
    return PushResult(repo_id, branch, getattr(info, "commit_url", None) or str(info), uploads, deletes)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _hub_error(exc: Exception, repo_id: str, folder: Path, token: str) -> BitextError | None:
    """Map a Hub/network exception to a one-line error (None: not ours, re-raise)."""
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, RepositoryNotFoundError

    try:
        from huggingface_hub.errors import HTTPError as TransportBase  # httpx(2).HTTPError
    except ImportError:  # pragma: no cover - older layouts
        TransportBase = OSError  # noqa: N806

    def scrub(text: str) -> str:
        return text.replace(token, "***") if token else text

    tail = f"the local dataset in {folder} is unchanged"
    if isinstance(exc, HfHubHTTPError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status == 401:
            msg = f"Hugging Face Hub rejected the token for {repo_id} (HTTP 401): set HF_TOKEN or run 'hf auth login'"
        elif status == 403:
            msg = f"no write access to {repo_id} (HTTP 403): use a token with write permission"
        elif isinstance(exc, RepositoryNotFoundError):
            msg = f"{repo_id}: repository not found or not accessible with this token"
        else:
            msg = f"Hugging Face Hub error for {repo_id} (HTTP {status}): {_first_line(exc)}"
        return EnvironmentProblem(scrub(f"{msg}; {tail}"))
    if isinstance(exc, HFValidationError):
        return BitextError(scrub(f"--push {repo_id!r}: {_first_line(exc)}"), 2)
    if isinstance(exc, (TransportBase, ConnectionError, TimeoutError, OSError)):
        return EnvironmentProblem(
            scrub(f"cannot reach the Hugging Face Hub to push {repo_id} ({type(exc).__name__}: {_first_line(exc)}); {tail}")
        )
    return None
