"""The whole job in one call (``bitext run``) and the store's progress (``bitext status``).

Stages run in order, each skipping the work already done, so ``run`` can be repeated after an
interruption or after new articles arrive::

    ingest + segment -> translate -> lexicon -> align -> flag -> publish
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sharded
from .align import align_corpus
from .errors import BitextError
from .flags import blocking_count, config_label, flag_corpus
from .ingest import IngestReport, ingest
from .lexicon import build_lexicon
from .model import MetaKey
from .publish import publish_dataset
from .review.carry import carry_report, format_carry
from .review.schema import has_schema
from .review.worklist import review_progress
from .shards import store_folders
from .store import TRANSLATION_KEY_SQL, Store, flagged_sql
from .translate.distributed import translate_stage
from .translate.leases import has_source_index, runaway_counts


@dataclass
class RunReport:
    """What each stage of a run did: stage name -> the stage's own typed report
    (``translate``: :class:`bitext.translate.TranslateReport`, ``lexicon``, ``align``, ``align_reference``,
    ``flag``, ``publish``: what those stages return)."""

    ingest: IngestReport
    stages: dict[str, Any] = field(default_factory=dict)


def run_pipeline(
    store: Store | str | Path,
    inputs: Iterable[str | Path],
    *,
    shards: int | None = None,
    keep_dateline: bool = False,
    encoding: str | None = None,
    translate_options: dict[str, Any] | None = None,
    reference: Path | None = None,
    flag_config: Path | None = None,
    publish_to: Path | None = None,
    publish_options: dict[str, Any] | None = None,
    quiet: bool = False,
    on_ingest: Callable[[IngestReport], None] | None = None,
    max_article_mb: float | None = None,
) -> RunReport:
    """Run every stage on ``inputs`` into ``store``; each stage skips what is already done.

    ``on_ingest`` is called with the ingest report before translation starts (the CLI prints
    input problems there, so they show before a long translation).

    ``store`` a folder instead of an open store: a sharded corpus (:mod:`bitext.sharded`; made with ``shards``
    shards when it is not one yet): every stage over every shard, as Ray tasks when ``translate_options`` say
    ``engine="ray"`` (the translation on one pool of Ray actors), else one shard after the other here.
    """
    if not isinstance(store, Store):
        return _run_sharded(Path(store), inputs, shards, keep_dateline, encoding, translate_options, reference,
                            flag_config, publish_to, publish_options, quiet, on_ingest, max_article_mb)
    report = RunReport(ingest=ingest(store, inputs, keep_dateline=keep_dateline, encoding=encoding,
                                     **({} if max_article_mb is None else {"max_article_mb": max_article_mb})))
    if on_ingest is not None:
        on_ingest(report.ingest)
    report.stages["translate"] = translate_stage(store, quiet=quiet, **(translate_options or {}))
    report.stages["lexicon"] = build_lexicon(store, quiet=quiet)  # before align and flag, which read it
    report.stages["align"] = align_corpus(store, quiet=quiet)
    if reference is not None:
        report.stages["align_reference"] = align_corpus(store, reference=reference, quiet=quiet)
    report.stages["flag"] = flag_corpus(store, config_path=flag_config, quiet=quiet)
    if publish_to is not None:
        report.stages["publish"] = publish_dataset(store, publish_to, parents=True, **(publish_options or {}))
    return report


def _run_sharded(corpus: Path, inputs: Iterable[str | Path], shards: int | None, keep_dateline: bool,
                 encoding: str | None, translate_options: dict[str, Any] | None, reference: Path | None,
                 flag_config: Path | None, publish_to: Path | None, publish_options: dict[str, Any] | None,
                 quiet: bool, on_ingest: Callable[[IngestReport], None] | None,
                 max_article_mb: float | None) -> RunReport:
    """:func:`run_pipeline` on a sharded corpus (:mod:`bitext.sharded`)."""
    options = dict(translate_options or {})
    engine, address = options.get("engine") or "local", options.get("ray_address")
    report = RunReport(ingest=sharded.segment_shards(
        corpus, inputs, shards, engine=engine, ray_address=address, keep_dateline=keep_dateline, encoding=encoding,
        **({} if max_article_mb is None else {"max_article_mb": max_article_mb})))
    if on_ingest is not None:
        on_ingest(report.ingest)
    folders = store_folders(corpus)
    report.stages["translate"] = sharded.translate_shards(folders, quiet=quiet, **options)
    report.stages["lexicon"] = sharded.lexicon_shards(corpus, quiet=quiet)
    report.stages["align"] = sharded.align_shards(folders, engine=engine, ray_address=address)
    if reference is not None:
        report.stages["align_reference"] = sharded.align_shards(folders, reference=reference, engine=engine,
                                                                ray_address=address)
    report.stages["flag"] = sharded.flag_shards(folders, config_path=flag_config, engine=engine, ray_address=address)
    if publish_to is not None:
        report.stages["publish"] = publish_folders(folders, publish_to, corpus_dir=Path(corpus), parents=True,
                                                   **(publish_options or {}))
    return report


def publish_folders(folders: Sequence[Path], out: Path, corpus_dir: Path | None = None, **options: Any) -> Any:
    """``bitext publish`` of a corpus's store folders (:func:`bitext.shards.store_folders`): one dataset, the
    one a single store holding every shard's articles gives (:func:`bitext.publish.publish_dataset`)."""
    # Publishing only reads: every store opened read-only here and closed after (publish_dataset leaves the
    # stores it is given open), one store or many alike.
    with ExitStack() as stack:
        stores = [stack.enter_context(Store.open(f, read_only=True)) for f in folders]
        return publish_dataset(stores, out, corpus_dir=corpus_dir, **options)


def sharded_status(corpus: str | Path, shard: int | None = None) -> dict[str, Any]:
    """:func:`corpus_status` of a sharded corpus: the shards' counts summed, with each shard's under
    ``shards`` (:func:`bitext.sharded.sum_status`); a shard never segmented into counts as empty."""
    folders = store_folders(corpus, shard)
    statuses = []
    for folder in sharded.heads(folders):
        with Store.open(folder, read_only=True) as store:
            statuses.append(corpus_status(store))
    if not statuses:
        raise BitextError(f"{corpus}: no shard has a store yet (run 'bitext segment INPUT --out {corpus}')", 2)
    return sharded.sum_status(statuses, Path(corpus))


def corpus_status(store: Store) -> dict[str, Any]:
    """Counts per stage and what is left to do, as a plain dict (``bitext status --json``).

    Every count is one SQL query over an index or one table scan, so a corpus of millions of sentences
    takes seconds; in a store the translate stage has not migrated yet (:func:`_translated`) the translated
    count also hashes each sentence's text in Python.
    """
    conn = store.conn
    articles = store.count("articles")
    sentences = store.count("sentences")
    signature = store.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    translated = _translated(store, signature)
    # Aligned = has pairs made from the current translations (older ones are redone by align). Per article
    # along the (article_id, kind, bead_idx) UNIQUE index: a few index steps each instead of a scan of every pair
    # (pairs.article_id references articles, so no pair's article is missed).
    aligned_articles = conn.execute(
        "SELECT COUNT(*) FROM articles a WHERE EXISTS (SELECT 1 FROM pairs p WHERE p.article_id = a.id"
        " AND p.kind = 'mt' AND p.signature IS ?)", (signature,)
    ).fetchone()[0]
    if has_schema(conn):
        # The review state table has a row per pair with its bead type and whether checks ran on it (kept in
        # the writers' transactions): one scan of a narrow table instead of the pairs table and the
        # pair_flags primary key (on 1M pairs about 1.7 s less).
        per_type = conn.execute("SELECT bead_type, COUNT(*), SUM(flagged) FROM review_pair_state"
                                " GROUP BY bead_type ORDER BY bead_type").fetchall()
        bead_types = {t: n for t, n, _ in per_type}
        pairs, flagged = sum(bead_types.values()), sum(f for _, _, f in per_type)
    else:  # a store never aligned by this bitext (or read-only, from before the review tables)
        pairs = store.count("pairs")
        bead_types = dict(
            conn.execute("SELECT bead_type, COUNT(*) FROM pairs GROUP BY bead_type ORDER BY bead_type").fetchall()
        )
        # Checked = has stored checks: a packed row, or (an older store's layout) a pair_flags row.
        flagged = conn.execute(f"SELECT COUNT(*) FROM pairs p WHERE {flagged_sql(conn, 'p.id')}").fetchone()[0]
    flagged_blocking = blocking_count(store)
    fired = dict(
        conn.execute(
            "SELECT check_name, COUNT(*) FROM pair_flags WHERE fired=1 GROUP BY check_name ORDER BY check_name"
        ).fetchall()
    )
    status: dict[str, Any] = {
        "store": str(store.path),
        "articles": articles,
        "sentences": sentences,
        "translate": {
            "signature": signature,
            "translated": translated,
            "left": sentences - translated,
            "cached_translations": store.count("translations"),
        },
        "align": {"articles_aligned": aligned_articles, "left": articles - aligned_articles, "pairs": pairs,
                  "bead_types": bead_types},
        "flag": {"pairs_checked": flagged, "left": pairs - flagged, "flagged": flagged_blocking, "fired": fired,
                 "config": config_label(store)},
    }
    hit, retried = runaway_counts(conn, signature)
    if signature:  # outputs that reached their length bound
        status["translate"]["hit_max_length"] = hit
    if retried is not None:  # a store made before translations.retried (or never translated): left out
        status["translate"]["retried"] = retried
    # The corpus lexicon (bitext.lexicon): its signature names the pairs and vocabulary it was learned from.
    status["lexicon"] = {"signature": store.get_meta(MetaKey.LEXICON_SIGNATURE)}
    status["review"] = review_progress(store)
    if has_schema(store.conn):  # decisions carried / stale / unplaced through re-alignment
        status["decisions"] = carry_report(store).as_dict()
    return status


def _translated(store: Store, signature: str | None) -> int:
    """Sentences whose text has a translation under ``signature``, counted in one SQL query.

    With translate migration v3's index on translations(signature, source) that is one covering-index
    probe per sentence; a store without it (never translated since, opened read-only: status writes
    nothing) gets the same count from the key of each sentence's text
    (:data:`bitext.store.TRANSLATION_KEY_SQL`, hashed per row) probed in the primary key.
    """
    if not signature:
        return 0
    if has_source_index(store.conn):
        probe = "t.signature = ? AND t.source = s.text"
    else:
        probe = f"t.key = {TRANSLATION_KEY_SQL}(?, s.text)"
    return store.conn.execute(
        f"SELECT COUNT(*) FROM sentences s WHERE EXISTS (SELECT 1 FROM translations t WHERE {probe})", (signature,)
    ).fetchone()[0]


def format_status(status: dict[str, Any]) -> str:
    """Human-readable ``bitext status`` text."""
    t, a, f, r = status["translate"], status["align"], status["flag"], status["review"]
    lines = [
        f"store       {status['store']}",
        f"segment     {status['articles']} articles, {status['sentences']} sentences",
        f"translate   {t['translated']}/{status['sentences']} sentences translated"
        + (f" ({t['left']} left)" if t["left"] else "")
        + (f", {t['hit_max_length']} hit the length bound" if t.get("hit_max_length") else "")
        + (f", {t['retried']} retried" if t.get("retried") else "")
        + (f"  [{t['signature']}]" if t["signature"] else "  [not run yet]"),
        "lexicon     " + (f"[{status['lexicon']['signature']}]" if status.get("lexicon", {}).get("signature")
                             else "not built yet (bitext lexicon CORPUS; bitext run builds it after translating)"),
        f"align       {a['articles_aligned']}/{status['articles']} articles aligned, {a['pairs']} pairs"
        + (f" ({', '.join(f'{k}: {v}' for k, v in a['bead_types'].items())})" if a["bead_types"] else ""),
        f"flag        {f['pairs_checked']}/{a['pairs']} pairs checked, {f['flagged']} with a warning or error"
        + (f" ({', '.join(f'{k}: {v}' for k, v in f['fired'].items())})" if f["fired"] else "")
        + f"  [config: {f['config']}]",
        "review      " + ", ".join(f"{k} {v}" for k, v in r.items()),
    ]
    if status.get("decisions"):
        lines += format_carry(status["decisions"])
    if status.get("shards"):
        lines.append(f"shards      {len(status['shards'])}")
        lines += sharded.shard_lines(status)
    return "\n".join(lines)


def status_json(status: dict[str, Any]) -> str:
    """``bitext status --json`` text."""
    return json.dumps(status, indent=2, ensure_ascii=False)
