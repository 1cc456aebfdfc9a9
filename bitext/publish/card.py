"""The dataset card: YAML metadata the Hub and ``load_dataset`` read, and the documentation of how the
corpus was made (template ``card.md.j2`` beside this module).

Everything on the card comes from the store (meta, counts), the flag configuration the stored flags
were computed under (:func:`bitext.flags.effective_config`) and the statistics of the rows written.
Only public meta keys (:attr:`bitext.model.MetaKey.PUBLIC_PREFIXES`) are shown: meta also holds private
values (the review app's session secret) that must never reach a published card.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bitext.flags import build_checks, config_signature, effective_config
from bitext.formats.base import tool_version
from bitext.model import MetaKey, Signature
from bitext.publish.parquet import ShardWriter
from bitext.publish.schema import CONFIGS, FIELD_DOCS, SPLIT, feature_type
from bitext.records import PairRecord
from bitext.store import Store

if TYPE_CHECKING:
    import datasets
    from huggingface_hub import DatasetCard

# "unknown" rather than "other": the news articles belong to their publishers and bitext cannot
# know the terms; "other" tells the Hub a custom licence is described, which we cannot do.
DEFAULT_LICENSE = "unknown"
SIZE_CATEGORIES = [
    (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"),
]
UNKNOWN = "unknown"


@cache
def card_template() -> str:
    """The Jinja template of the card (package data ``card.md.j2``)."""
    return files("bitext.publish").joinpath("card.md.j2").read_text(encoding="utf-8")


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
        """Count one row (records come sorted by doc_id)."""
        self.pairs += 1
        if rec.doc_id != self._last_doc:
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


# -- flag configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInfo:
    """One enabled check as the card describes it."""

    severity: str
    description: str
    fires: str  # when it fires, e.g. 'outside [0.595, 1.43]'
    settings: dict[str, Any]  # its options (threshold and the check's own), severity/enabled left out


@dataclass(frozen=True)
class FlagConfig:
    """The enabled checks of the flag config the store works under."""

    checks: dict[str, CheckInfo]
    matches_store: bool  # the stored flags were computed with exactly these settings


def flag_config(store: Store) -> FlagConfig:
    """The flag config of ``store`` (its stored TOML, else the defaults) and whether its flags used it."""
    config = effective_config(store).config
    checks = {}
    for check in build_checks(config):
        settings = config.get(check.name, {})
        checks[check.name] = CheckInfo(
            severity=settings.get("severity", check.severity),
            description=str(check.description),
            fires=str(check.threshold_text()),
            settings={k: v for k, v in settings.items() if k not in ("severity", "enabled")},
        )
    return FlagConfig(checks, config_signature(config) == store.get_meta(MetaKey.FLAGS_SIGNATURE))


# -- helpers --------------------------------------------------------------------------------


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


def _setting(settings: Mapping[str, Any], key: str) -> str:
    """A translate setting (the keys :class:`bitext.translate.Engine` writes) as text, 'unknown' if unset."""
    value = settings.get(key)
    return UNKNOWN if value in (None, "") else str(value)


def translate_settings(store: Store) -> dict[str, Any]:
    """Meta ``translate.settings`` as a dict ({} when absent or unreadable)."""
    try:
        settings = store.get_meta_json(MetaKey.TRANSLATE_SETTINGS, {})
    except ValueError:
        return {}
    return settings if isinstance(settings, dict) else {}


def corpus_signature(settings: Mapping[str, Any], store: Store) -> Signature:
    """sacrebleu-style one-line description of how the corpus was made."""
    segs = sorted({r[0] for r in store.conn.execute("SELECT DISTINCT segmenter FROM articles")})
    return Signature.of(
        ("model", _setting(settings, "model")),
        ("rev", _setting(settings, "revision")),
        ("backend", _setting(settings, "backend")),
        ("beams", _setting(settings, "beams")),
        ("seg", "+".join(segs) or UNKNOWN),
        ("align", store.get_meta(MetaKey.ALIGN_VERSION) or UNKNOWN),
        ("flags", store.get_meta(MetaKey.FLAGS_SIGNATURE) or UNKNOWN),
        ("version", f"bitext-{tool_version()}"),
    )


def _card_data(name: str, license: str, n_pairs: int) -> Any:
    from huggingface_hub import DatasetCardData

    configs = [
        {"config_name": cfg, "data_files": [{"split": SPLIT, "path": f"data/{cfg}/{SPLIT}-*"}],
         **({"default": True} if cfg == "default" else {})}
        for cfg in CONFIGS
    ]
    return DatasetCardData(
        language=["id", "en"],
        license=license,
        task_categories=["translation"],
        multilinguality=["translation"],
        language_creators=["found", "machine-generated"],
        annotations_creators=["machine-generated", "expert-generated"],
        pretty_name=name,
        size_categories=[_size_category(n_pairs)],
        tags=["bitext", "parallel-corpus", "machine-translation", "news"],
        configs=configs,
    )


def _add_infos(card_data: Any, features: datasets.Features, writers: dict[str, ShardWriter], folder: Path) -> None:
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict

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


def _check_rows(store: Store, checks: list[str], flags: FlagConfig, fired: Counter[str]) -> list[dict[str, Any]]:
    # Checks not in the config (stored by an earlier config) get their severities from the stored rows.
    severities = {
        r[0]: r[1]
        for r in store.conn.execute(
            "SELECT check_name, GROUP_CONCAT(DISTINCT severity) FROM pair_flags GROUP BY check_name"
        )
    }
    rows = []
    for c in checks:
        info = flags.checks.get(c)
        rows.append({
            "name": _cell(c),
            "severity": _cell((info.severity if info else None) or severities.get(c) or UNKNOWN),
            "fired": fired[c],
            "what": _cell(info.description if info else ""),
            "fires": _cell(info.fires if info else ""),
            "settings": _cell(json.dumps(info.settings, sort_keys=True, ensure_ascii=False))
            if info and info.settings else "—",
        })
    return rows


def _public_meta(store: Store) -> list[dict[str, str]]:
    return [{"name": _cell(k), "value": _cell(v)}
            for k, v in store.conn.execute("SELECT key, value FROM meta ORDER BY key")
            if k.startswith(MetaKey.PUBLIC_PREFIXES) and k != MetaKey.FLAGS_CONFIG  # shown as thresholds
            and not any(w in k for w in ("secret", "token", "key"))]


def build_card(
    store: Store,
    features: datasets.Features,
    checks: list[str],
    flags: FlagConfig,
    stats: dict[str, ConfigStats],
    writers: dict[str, ShardWriter],
    folder: Path,
    *,
    license: str,
    pretty_name: str | None,
    repo_id: str | None,
) -> DatasetCard:
    """The dataset card: YAML metadata (configs, dataset_info, ...) and documentation."""
    from huggingface_hub import DatasetCard

    settings = translate_settings(store)
    name = pretty_name or f"bitext Indonesian-English parallel corpus ({store.path.parent.name})"
    card_data = _card_data(name, license, stats["default"].pairs)
    _add_infos(card_data, features, writers, folder)

    def counted(sql: str) -> list[dict[str, Any]]:
        return [{"name": _cell(r[0] if r[0] is not None else "none"), "count": r[1]}
                for r in store.conn.execute(sql)]

    return DatasetCard.from_template(
        card_data,
        template_str=card_template(),
        pretty_name=name,
        repo_ref=repo_id or "path/to/this/folder",
        n_articles=store.count("articles"),
        signature=str(corpus_signature(settings, store)),
        stats={cfg: s.as_dict() for cfg, s in stats.items()},
        kinds=sorted(stats["default"].kinds),
        fields=[{"name": n, "type": feature_type(f), "doc": FIELD_DOCS.get(n, "")} for n, f in features.items()],
        segmenters=counted("SELECT segmenter, COUNT(*) FROM articles GROUP BY segmenter ORDER BY segmenter"),
        pair_signatures=counted("SELECT signature, COUNT(*) FROM pairs GROUP BY signature ORDER BY signature"),
        bead_types=[{"name": k, "count": v} for k, v in sorted(stats["default"].bead_types.items())],
        model=_setting(settings, "model"),
        revision=_setting(settings, "revision"),
        backend=_setting(settings, "backend"),
        beams=_setting(settings, "beams"),
        translate_signature=store.get_meta(MetaKey.TRANSLATE_SIGNATURE) or UNKNOWN,
        translate_settings=json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=False) if settings else "",
        align_version=store.get_meta(MetaKey.ALIGN_VERSION) or UNKNOWN,
        flags_signature=store.get_meta(MetaKey.FLAGS_SIGNATURE) or UNKNOWN,
        flag_config_matches=flags.matches_store,
        checks=_check_rows(store, checks, flags, stats["default"].fired),
        meta=_public_meta(store),
    )
