"""The dataset card: YAML metadata the Hub and ``load_dataset`` read, and the documentation of how the
corpus was made (template ``card.md.j2`` beside this module).

Everything on the card comes from the store (meta, counts), the flag configuration the stored flags
were computed under (:func:`bitext.flags.effective_config`) and the statistics of the rows written.
Only public meta keys (:attr:`bitext.model.MetaKey.PUBLIC_PREFIXES`) are shown: meta also holds private
values (the review app's session secret) that must never reach a published card.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from itertools import chain, groupby
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bitext.flags import build_checks, config_signature, effective_config
from bitext.formats.base import tool_version
from bitext.formats.rows import needs_review_after
from bitext.model import DECISIONS, KIND_MT, KIND_REFERENCE, MetaKey, Signature
from bitext.publish.models import ModelFacts, identify_model
from bitext.publish.parquet import ShardWriter
from bitext.publish.quality import Comparison
from bitext.publish.schema import FIELD_DOCS, feature_type
from bitext.publish.selection import SPLIT_SEED, Duplicates, SplitPlan, SplitSizes
from bitext.records import PairRecord, check_names
from bitext.review.glossary import signature as glossary_signature
from bitext.review.glossary import term_count as glossary_terms
from bitext.store import Store, has_table, iter_flag_scores, store_list

if TYPE_CHECKING:
    import datasets
    from huggingface_hub import DatasetCard

# "unknown" rather than "other": the news articles belong to their publishers and bitext cannot
# know the terms; "other" tells the Hub a custom licence is described, which we cannot do.
DEFAULT_LICENSE = "unknown"
SIZE_CATEGORIES = [
    (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"),
    (10**10, "1B<n<10B"), (10**11, "10B<n<100B"), (10**12, "100B<n<1T"),
]
"""The Hub's size categories (upper bound, name); above the last one: ``n>1T``."""
UNKNOWN = "unknown"


@cache
def card_template() -> str:
    """The Jinja template of the card (package data ``card.md.j2``)."""
    return files("bitext.publish").joinpath("card.md.j2").read_text(encoding="utf-8")


# -- statistics -----------------------------------------------------------------------------


@dataclass
class ConfigStats:
    """Counts over one config's rows (all splits together; ``splits`` per split)."""

    pairs: int = 0
    docs: int = 0
    tokens_id: int = 0
    tokens_en: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    bead_types: Counter[str] = field(default_factory=Counter)
    fired: Counter[str] = field(default_factory=Counter)
    needs_review_before: int = 0  # a warning/error check fired, whatever the review says
    needs_review: int = 0  # ... and no review decision resolved it (the published ``needs_review``)
    review: Counter[str] = field(default_factory=Counter)
    review_by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    splits: Counter[str] = field(default_factory=Counter)
    split_docs: Counter[str] = field(default_factory=Counter)
    annotated: int = 0  # rows whose ``errors`` list is not empty
    errors: Counter[str] = field(default_factory=Counter)  # MQM errors per category
    reasons: int = 0  # rows with a ``review_reason``
    _last_doc: str | None = None

    def add(self, rec: PairRecord, split: str = "train") -> None:
        """Count one row (records come sorted by doc_id)."""
        self.pairs += 1
        self.splits[split] += 1
        if rec.doc_id != self._last_doc:
            self.docs += 1
            self.split_docs[split] += 1
            self._last_doc = rec.doc_id
        # Whitespace tokens: model- and tokenizer-independent, comparable across corpora.
        self.tokens_id += len(rec.source.split())
        self.tokens_en += len(rec.target.split())
        self.kinds[rec.kind] += 1
        self.bead_types[rec.bead_type] += 1
        for name in rec.flags:  # (Counter.update's Mapping check costs more than the counting)
            self.fired[name] += 1
        self.needs_review_before += rec.needs_review
        self.needs_review += needs_review_after(rec)
        self.review[rec.review_status] += 1
        by_kind = self.review_by_kind.get(rec.kind)
        if by_kind is None:
            by_kind = self.review_by_kind[rec.kind] = Counter()
        by_kind[rec.review_status] += 1
        if rec.errors:
            self.annotated += 1
            for category, _ in rec.errors:
                self.errors[category] += 1
        self.reasons += rec.review_reason is not None

    def add_all(self, recs: Sequence[PairRecord], split: str = "train") -> None:
        """Count rows as :meth:`add` does, a list at a time (C-level counting, no Python step per row for
        most counts)."""
        self.pairs += len(recs)
        self.splits[split] += len(recs)
        for doc, _ in groupby(map(_DOC_ID, recs)):
            if doc != self._last_doc:
                self.docs += 1
                self.split_docs[split] += 1
                self._last_doc = doc
        self.tokens_id += sum(map(len, map(str.split, map(_SOURCE, recs))))
        self.tokens_en += sum(map(len, map(str.split, map(_TARGET, recs))))
        kinds = list(map(_KIND, recs))
        self.kinds.update(kinds)
        self.bead_types.update(map(_BEAD_TYPE, recs))
        self.fired.update(chain.from_iterable(map(_FLAGS, recs)))
        self.needs_review_before += sum(map(_NEEDS_REVIEW, recs))
        self.needs_review += sum(map(needs_review_after, recs))
        statuses = list(map(_STATUS, recs))
        self.review.update(statuses)
        for (kind, status), n in Counter(zip(kinds, statuses, strict=True)).items():
            by_kind = self.review_by_kind.get(kind)
            if by_kind is None:
                by_kind = self.review_by_kind[kind] = Counter()
            by_kind[status] += n
        for rec in recs:  # the MQM annotations and unedited-confirm reasons, as add() counts them
            if rec.errors:
                self.annotated += 1
                for category, _ in rec.errors:
                    self.errors[category] += 1
            self.reasons += rec.review_reason is not None

    @property
    def reviewed(self) -> int:
        """Pairs with a current review decision (accepted, edited or rejected)."""
        return sum(self.review[s] for s in DECISIONS)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (Counters as sorted dicts) for the card template."""
        out = {
            k: dict(sorted(v.items())) if isinstance(v, Counter) else v
            for k, v in vars(self).items()
            if not k.startswith("_")
        }
        out["review_by_kind"] = {k: dict(v) for k, v in sorted(self.review_by_kind.items())}
        out["reviewed"] = self.reviewed
        return out


_DOC_ID, _SOURCE, _TARGET, _KIND, _BEAD_TYPE, _FLAGS, _NEEDS_REVIEW, _STATUS = map(attrgetter, (
    "doc_id", "source", "target", "kind", "bead_type", "flags", "needs_review", "review_status"))


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


def corpus_meta(stores: Store | Sequence[Store], key: str) -> str | None:
    """Meta ``key`` of a corpus of one or more stores: the value they hold (stores that differ: their
    distinct values in store order, joined by `` + ``, so the card never states one shard's value for all)."""
    values = [v for s in store_list(stores) if (v := s.get_meta(key))]
    return " + ".join(dict.fromkeys(values)) or None


def _counts(stores: Sequence[Store], sql: str) -> Counter:
    """``sql`` (rows of key columns then a count) summed over ``stores``; keys of one column are plain."""
    out: Counter = Counter()
    for s in stores:
        for *key, n in s.conn.execute(sql):
            out[key[0] if len(key) == 1 else tuple(key)] += n
    return out


def flag_config(stores: Store | Sequence[Store]) -> FlagConfig:
    """The flag config of the corpus (the first store's stored TOML, else the defaults) and whether the
    flags of every store used it."""
    stores = store_list(stores)
    config = effective_config(stores[0]).config
    checks = {}
    for check in build_checks(config):
        settings = config.get(check.name, {})
        checks[check.name] = CheckInfo(
            severity=settings.get("severity", check.severity),
            description=str(check.description),
            fires=str(check.threshold_text()),
            settings={k: v for k, v in settings.items() if k not in ("severity", "enabled")},
        )
    signature = config_signature(config)
    # A store without flags (an empty shard) computed nothing under any config: it does not count.
    flagged = [s for s in stores if check_names(s)]  # (through the read model: flag storage is its business)
    return FlagConfig(checks, all(signature == s.get_meta(MetaKey.FLAGS_SIGNATURE) for s in flagged or stores[:1]))


# -- helpers --------------------------------------------------------------------------------


def _cell(value: object, limit: int = 300) -> str:
    """A Markdown table cell: one line, pipes as an entity (never a literal backslash), long values cut."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "&#124;").replace("<", "&lt;")


def _line(value: object) -> str:
    """Text for a code span outside tables: one line, backticks dropped (pipes need no escape there)."""
    return " ".join(str(value).split()).replace("`", "'")


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` value for ``n`` rows."""
    for bound, name in SIZE_CATEGORIES:
        if n < bound:
            return name
    return "n>1T"


def _setting(settings: Mapping[str, Any], key: str) -> str:
    """A translate setting (the keys :class:`bitext.translate.Engine` writes) as text, 'unknown' if unset."""
    value = settings.get(key)
    return UNKNOWN if value in (None, "") else str(value)


def translate_settings(stores: Store | Sequence[Store]) -> dict[str, Any]:
    """Meta ``translate.settings`` as a dict ({} when absent or unreadable; of several stores, the first
    that has them)."""
    shards = store_list(stores)
    store = next((s for s in shards if s.get_meta(MetaKey.TRANSLATE_SETTINGS)), shards[0])
    try:
        settings = store.get_meta_json(MetaKey.TRANSLATE_SETTINGS, {})
    except ValueError:
        return {}
    return settings if isinstance(settings, dict) else {}


def corpus_signature(settings: Mapping[str, Any], stores: Store | Sequence[Store]) -> Signature:
    """sacrebleu-style one-line description of how the corpus (one store or several) was made; splits on
    ``|`` into its fields (nested signatures, such as a segmenter's, are written with ``,``)."""
    stores = store_list(stores)
    segs = sorted({r[0] for s in stores for r in s.conn.execute("SELECT DISTINCT segmenter FROM articles")})
    return Signature.of(
        ("model", _setting(settings, "model")),
        ("rev", _setting(settings, "revision")),
        ("backend", _setting(settings, "backend")),
        ("beams", _setting(settings, "beams")),
        ("seg", "+".join(segs) or UNKNOWN),
        ("align", corpus_meta(stores, MetaKey.ALIGN_VERSION) or UNKNOWN),
        ("flags", corpus_meta(stores, MetaKey.FLAGS_SIGNATURE) or UNKNOWN),
        ("version", f"bitext-{tool_version()}"),
    )


@dataclass(frozen=True)
class CardOptions:
    """What the user tells the card that the store cannot know (licences, where references came from)."""

    license: str = DEFAULT_LICENSE
    license_name: str | None = None
    license_link: str | None = None
    pretty_name: str | None = None
    repo_id: str | None = None
    source: str | None = None  # publisher of the Indonesian articles (all inputs, for now)
    source_license: str | None = None
    reference_source: str | None = None  # who made the human translations of `reference` rows
    reference_license: str | None = None
    contact: str | None = None  # where removal requests and questions go (--contact)
    model_name: str | None = None  # the Hub id of the MT model when the store names a local folder (--model-name)


@dataclass
class CardFacts:
    """Everything the publish stage measured while writing the rows."""

    stats: dict[str, ConfigStats]
    writers: dict[str, dict[str, ShardWriter]]  # config -> split -> writer (empty splits left out)
    sizes: SplitSizes
    split_articles: Counter[str]
    duplicates: Duplicates
    quality: list[Comparison]
    example: dict[str, Any] | None
    plan: SplitPlan | None = None  # the splits: why the sizes were not applied, groups moved to fill a split


def _card_data(options: CardOptions, name: str, facts: CardFacts) -> Any:
    from huggingface_hub import DatasetCardData

    default = facts.stats["default"]
    configs = [
        {"config_name": cfg,
         "data_files": [{"split": sp, "path": f"data/{cfg}/{sp}-*"} for sp in splits],
         **({"default": True} if cfg == "default" else {})}
        for cfg, splits in facts.writers.items()  # published configs only (an empty one is not)
    ]
    extra = {"license_name": options.license_name, "license_link": options.license_link} \
        if options.license == "other" else {}
    return DatasetCardData(
        language=["id", "en"],
        license=options.license,
        task_categories=["translation"],
        multilinguality=["translation"],
        **creators(default, options),
        pretty_name=name,
        size_categories=[size_category(default.pairs)],
        tags=["bitext", "parallel-corpus", "machine-translation", "news"],
        configs=configs,
        **extra,
    )


def creators(stats: ConfigStats, options: CardOptions) -> dict[str, list[str]]:
    """``language_creators``, ``annotations_creators`` and ``source_datasets`` from the kinds and reviews
    present: Indonesian news is ``found``; ``mt`` English is ``machine-generated``; ``reference`` English
    is human translation (``expert-generated``) taken from elsewhere (``extended``, with the dataset id
    when ``--reference-source`` is one); flags are ``machine-generated`` annotations, review decisions
    ``expert-generated`` ones."""
    language = ["found"]
    if stats.kinds.get(KIND_MT):
        language.append("machine-generated")
    if stats.kinds.get(KIND_REFERENCE):
        language.append("expert-generated")
    sources = ["original"]
    if stats.kinds.get(KIND_REFERENCE):
        ref = options.reference_source or ""
        sources.append(f"extended|{ref}" if _HUB_ID.fullmatch(ref) else "extended")
    return {
        "language_creators": language,
        "annotations_creators": ["machine-generated", *(["expert-generated"] if stats.reviewed else [])],
        "source_datasets": sources,
    }


_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def _add_infos(card_data: Any, features: dict[str, datasets.Features], facts: CardFacts, folder: Path) -> None:
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict

    infos = DatasetInfosDict()
    for cfg in facts.writers:
        download = sum(p.stat().st_size for p in (folder / "data" / cfg).glob("*.parquet"))
        splits = SplitDict()
        for sp, w in facts.writers[cfg].items():
            splits.add(SplitInfo(name=sp, num_bytes=w.num_bytes, num_examples=w.num_examples))
        infos[cfg] = DatasetInfo(
            features=features[cfg], splits=splits, download_size=download,
            dataset_size=sum(w.num_bytes for w in facts.writers[cfg].values()), config_name=cfg,
        )
    infos.to_dataset_card_data(card_data)


def _check_rows(stores: Sequence[Store], checks: list[str], flags: FlagConfig, fired: Counter[str]) -> list[dict[str, Any]]:
    # Checks not in the config (stored by an earlier config) get their severities from the stored rows;
    # that query reads every flag row, so it runs only when there is such a check.
    severities = {}
    if any(c not in flags.checks or not flags.checks[c].severity for c in checks):
        found: dict[str, dict[str, None]] = {}
        for s in stores:
            for _, name, _, _, severity in iter_flag_scores(s.conn):
                found.setdefault(name, {})[severity] = None
        severities = {name: ",".join(sorted(sevs)) for name, sevs in found.items()}
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


def _public_meta(stores: Sequence[Store]) -> list[dict[str, str]]:
    # translate.settings is shown whole as JSON, flags.config as the check table: not repeated (or cut) here.
    shown_elsewhere = (MetaKey.FLAGS_CONFIG, MetaKey.TRANSLATE_SETTINGS)
    keys = sorted({k for s in stores for (k,) in s.conn.execute("SELECT key FROM meta")})
    return [{"name": _line(k), "value": _line(corpus_meta(stores, k) or "")}
            for k in keys
            if k.startswith(MetaKey.PUBLIC_PREFIXES) and k not in shown_elsewhere
            and not any(w in k for w in ("secret", "token", "key"))]


def _kind_rows(stores: Sequence[Store], stats: ConfigStats) -> list[dict]:
    """Per kind: how its English was made, and its review numbers."""
    sigs: dict[str, list[tuple[str, int]]] = {}
    counts = _counts(stores, "SELECT kind, COALESCE(signature, 'none'), COUNT(*) FROM pairs GROUP BY kind, signature")
    for (kind, sig), n in sorted(counts.items()):
        sigs.setdefault(kind, []).append((_line(sig), n))
    rows = []
    for kind in sorted(stats.kinds):
        review = stats.review_by_kind.get(kind, Counter())
        rows.append({
            "kind": kind, "pairs": stats.kinds[kind], "signatures": sigs.get(kind, []),
            "reviewed": sum(review[s] for s in DECISIONS), "review": dict(review),
        })
    return rows


def _citations(model: ModelFacts, revision: str, options: CardOptions) -> list[str]:
    out = model.citations(None if revision == UNKNOWN else revision)
    if options.reference_source:
        note = f",\n  note = {{licence: {options.reference_license}}}" if options.reference_license else ""
        out.append(f"@misc{{references,\n  title = {{{options.reference_source}}}{note}\n}}")
    return out


def build_card(
    stores: Store | Sequence[Store],
    features: dict[str, datasets.Features],
    checks: list[str],
    flags: FlagConfig,
    facts: CardFacts,
    folder: Path,
    options: CardOptions,
    corpus_dir: Path | None = None,
) -> DatasetCard:
    """The dataset card: YAML metadata (configs, dataset_info, ...) and documentation, every statement
    computed from the stores (one, or the shards of one corpus: their totals), the facts the stage measured
    and the user's options. ``corpus_dir``: the corpus folder, whose name the default title shows (default:
    the first store's folder)."""
    from huggingface_hub import DatasetCard

    stores = store_list(stores)
    settings = translate_settings(stores)
    corpus_name = (corpus_dir or stores[0].path.parent).name
    name = options.pretty_name or f"bitext Indonesian-English parallel corpus ({corpus_name})"
    card_data = _card_data(options, name, facts)
    _add_infos(card_data, features, facts, folder)
    stats = facts.stats
    model = _setting(settings, "model")
    revision = _setting(settings, "revision")
    model_facts = identify_model(settings, options.model_name)
    dup = facts.duplicates
    plan = facts.plan
    declared = plan.splits if plan else tuple(next(iter(facts.writers.values())))
    total_pairs = stats["default"].pairs or 1

    return DatasetCard.from_template(
        card_data,
        template_str=card_template(),
        pretty_name=name,
        repo_ref=options.repo_id or "path/to/this/folder",
        n_articles=sum(s.count("articles") for s in stores),
        signature=str(corpus_signature(settings, stores)),
        stats={cfg: s.as_dict() for cfg, s in stats.items()},
        kinds=_kind_rows(stores, stats["default"]),
        options=options,
        splits=[{"name": sp, "size": round(getattr(facts.sizes, sp) * 100, 1),
                 "articles": facts.split_articles.get(sp, 0),
                 "share": round(100 * stats["default"].splits.get(sp, 0) / total_pairs, 1),
                 "default": stats["default"].splits.get(sp, 0), "clean": stats["clean"].splits.get(sp, 0)}
                for sp in declared],
        requested=[sp for sp in facts.sizes.wanted],
        split_seed=SPLIT_SEED,
        split_note=plan.note if plan else None,
        moved=sorted(plan.moved.items()) if plan else [],
        configs=list(facts.writers),
        snippets=read_snippets(list(facts.writers), declared[0],
                               next(iter(facts.writers.values()))[declared[0]].names()),
        quality_snippet=QUALITY_SNIPPET,
        model_facts=model_facts,
        duplicates={"rule": dup.rule, "sentences": dup.sentences, "mt": dup.rows.get(KIND_MT, 0),
                    "reference": dup.rows.get(KIND_REFERENCE, 0), "dropped": len(dup.dropped),
                    "fetched": fetched_duplicates(stores)},
        quality=facts.quality,
        example=json.dumps(facts.example, indent=2, ensure_ascii=False) if facts.example else "",
        citations=_citations(model_facts, revision, options),
        fields=[{"name": n, "type": feature_type(f), "doc": _cell(FIELD_DOCS.get(n, ""))}
                for n, f in features["default"].items()],
        segmenters=[{"name": _line(seg), "count": n} for seg, n in sorted(
            _counts(stores, "SELECT segmenter, COUNT(*) FROM articles GROUP BY segmenter").items())],
        bead_types=[{"name": k, "count": v} for k, v in sorted(stats["default"].bead_types.items())],
        model=model,
        revision=revision,
        backend=_setting(settings, "backend"),
        beams=_setting(settings, "beams"),
        adapted=_line(str(settings["adapted"])) if settings.get("adapted") else None,
        translate_signature=_line(corpus_meta(stores, MetaKey.TRANSLATE_SIGNATURE) or UNKNOWN),
        translate_settings=json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=False) if settings else "",
        align_version=corpus_meta(stores, MetaKey.ALIGN_VERSION) or UNKNOWN,
        flags_signature=corpus_meta(stores, MetaKey.FLAGS_SIGNATURE) or UNKNOWN,
        glossary=next((g for g in map(glossary_provenance, stores) if g), None),
        flag_config_matches=flags.matches_store,
        checks=_check_rows(stores, checks, flags, stats["default"].fired),
        meta=_public_meta(stores),
    )


def glossary_provenance(store: Store) -> dict[str, Any] | None:
    """The corpus glossary the reviewers and the ``glossary`` check used: its term count and signature."""
    n = glossary_terms(store)
    return {"terms": n, "signature": glossary_signature(store)} if n else None


LOCAL_DS = "path/to/this/folder"
"""The value of ``DS`` in the card's snippets (tests run them with the published folder put in)."""


def read_snippets(configs: list[str], split: str, shards: list[str]) -> dict[str, str]:
    """Per tool, code reading each published config from its own folder (``DS`` = the dataset folder),
    and the ``split`` of the first one (``default``; its files: ``shards``).

    Each config has its own folder and schema, so a read of ``data/<config>/*.parquet`` is one table;
    ``**/*.parquet`` would mix the ``articles`` schema in and count ``clean`` (a subset of ``default``)
    twice. ``tests/publish`` runs these snippets as the card prints them."""
    head = f'DS = "{LOCAL_DS}"  # or "hf://datasets/USER/NAME" for the Hub copy'
    files = ", ".join(f'"{s}"' for s in shards)
    first = configs[0]
    return {
        "pandas": "\n".join([
            "import pandas as pd", "", head,
            *(f'{cfg} = pd.read_parquet(f"{{DS}}/data/{cfg}")  # every split of `{cfg}`' for cfg in configs),
            f"{split} = pd.concat([pd.read_parquet(f\"{{DS}}/data/{first}/{{name}}\") for name in [{files}]])",
        ]),
        "polars": "\n".join([
            "import polars as pl", "", head,
            *(f'{cfg} = pl.scan_parquet(f"{{DS}}/data/{cfg}/*.parquet").collect()' for cfg in configs),
            f'{split} = pl.scan_parquet(f"{{DS}}/data/{first}/{split}-*.parquet").collect()',
        ]),
        "duckdb": "\n".join([
            "import duckdb", "", head,
            *(f'n_{cfg} = duckdb.sql(f"SELECT COUNT(*) FROM \'{{DS}}/data/{cfg}/*.parquet\'").fetchall()[0][0]'
              for cfg in configs),
            f'{split} = duckdb.sql(f"SELECT * FROM \'{{DS}}/data/{first}/{split}-*.parquet\'").df()',
        ]),
    }


QUALITY_SNIPPET = f"""import pandas as pd
from sacrebleu.metrics import BLEU, CHRF, TER

DS = "{LOCAL_DS}"
rows = pd.read_parquet(f"{{DS}}/data/default")  # every split
src = rows["translation"].map(lambda t: t["id"].strip())
en = rows["translation"].map(lambda t: t["en"].strip())
mt = rows["mt"].fillna("").str.strip()
post = rows["reviewed_translation"].fillna("").str.strip()
usable = (src != "") & (mt != "")
reference = usable & (rows["kind"] == "reference") & (en != "")
postedit = usable & (rows["kind"] == "mt") & rows["review_status"].isin(["accepted", "edited"]) & (post != "")
for name, hyp, ref in (("mt-vs-reference", mt[reference], en[reference]),
                       ("mt-vs-postedit", mt[postedit], post[postedit])):
    if len(hyp):
        scores = [round(m.corpus_score(list(hyp), [list(ref)]).score, 2) for m in (CHRF(), BLEU(), TER())]
        print(name, len(hyp), *scores)"""
"""Recomputes the card's MT-quality table from published columns only (the card prints it)."""


def fetched_duplicates(stores: Store | Sequence[Store]) -> str:
    """Pages ``bitext fetch`` left out as duplicates of an earlier article, by kind ('' when none)."""
    names = {"url": "same URL", "text": "same text", "near": "near-duplicate"}
    with_log = [s for s in store_list(stores) if has_table(s.conn, "fetch_log")]
    rows = _counts(with_log, "SELECT duplicate_kind, COUNT(*) FROM fetch_log WHERE outcome='duplicate' "
                             "GROUP BY duplicate_kind")
    return ", ".join(f"{n} {names.get(k, k)}" for k, n in sorted(rows.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")))
