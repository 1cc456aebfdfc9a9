"""The corpus lexicon of a sharded corpus: learned once from every shard's pairs, the same in every shard.

A lexicon learned per shard would be a different lexicon in each (a word common in the corpus is rare in
a shard), and the flags and reference alignments that consult it would differ from one store's. So a
sharded corpus keeps one *lexicon store* (``CORPUS/lexicon/bitext.sqlite``, an ordinary store holding only
what the lexicon learns from): :func:`gather` copies each shard's new translations (keyed by signature and
source text, so a sentence in two shards counts once, as in one store) and reference pairs past a
per-shard watermark (meta ``lexicon.shards``) into it, :func:`bitext.lexicon.build.build_lexicon` builds or
refreshes it there by its ordinary rule, and :func:`install` writes the result into every shard.

The counts equal one store's only in distribution: eflomal samples its alignments from ``/dev/urandom``,
so two builds of the same store differ too. Given one lexicon, every shard judges by it exactly as one
store would (tests: ``tests/test_shards.py``).
"""

from __future__ import annotations

from bitext.lexicon.build import _TABLES, MIGRATIONS
from bitext.model import MetaKey
from bitext.store import ARTICLE_COLUMNS, PAIR_COLUMNS, TRANSLATION_COLUMNS, Store, has_table

LEXICON_DIR = "lexicon"
"""The lexicon store's folder inside a sharded corpus."""
_BATCH = 5_000


def gather(target: Store, shard: Store, name: str) -> int:
    """Copy the translations and reference pairs of ``shard`` (called ``name``) added since the last gather
    into the lexicon store ``target``; returns the rows copied. Raises nothing for a shard with no
    translations yet (nothing to copy)."""
    marks = target.get_meta_json(MetaKey.LEXICON_SHARDS) or {}
    mark = marks.get(name) or {"translation": 0, "reference": 0}
    signature = shard.get_meta(MetaKey.TRANSLATE_SIGNATURE)
    copied = 0
    if signature is not None:
        target.set_meta(MetaKey.TRANSLATE_SIGNATURE, signature)
    cols = ", ".join(TRANSLATION_COLUMNS)
    while True:  # in batches by rowid: memory flat, each batch committed with its watermark
        rows = shard.conn.execute(f"SELECT rowid, {cols} FROM translations WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                  (mark["translation"], _BATCH)).fetchall()
        if not rows:
            break
        mark = {**mark, "translation": rows[-1][0]}
        with target.tx():
            copied += target.add_translations(tuple(r)[1:] for r in rows)
            target.set_meta_json(MetaKey.LEXICON_SHARDS, {**marks, name: mark})
    pcols = ", ".join(PAIR_COLUMNS)
    refs = shard.conn.execute(f"SELECT rowid, {pcols} FROM pairs WHERE kind = 'reference' AND rowid > ?"
                              " ORDER BY rowid", (mark["reference"],)).fetchall()
    if refs:
        articles = sorted({r["article_id"] for r in refs})
        with target.tx():
            for article_id in articles:  # the pairs' articles (without sentences): the pairs refer to them
                row = shard.article(article_id)
                target.write_article(tuple(row[c] for c in ARTICLE_COLUMNS), ())
            for article_id in articles:
                target.replace_pairs(article_id, "reference",
                                     (tuple(r)[1:] for r in refs if r["article_id"] == article_id))
            mark = {**mark, "reference": refs[-1][0]}
            target.set_meta_json(MetaKey.LEXICON_SHARDS, {**marks, name: mark})
        copied += len(refs)
    return copied


def install(source: Store, shard: Store) -> None:
    """Write the lexicon of ``source`` (the lexicon store) into ``shard``, replacing the shard's, with its
    signature; the shard's own build state is dropped (a build on the shard alone starts from scratch)."""
    signature = source.get_meta(MetaKey.LEXICON_SIGNATURE)
    if signature is None or not has_table(source.conn, "lexicon_counts"):
        return
    if shard.get_meta(MetaKey.LEXICON_SIGNATURE) == signature:
        return  # already this lexicon: nothing written (a re-run leaves the shard untouched)
    shard.migrate("lexicon", MIGRATIONS)
    with shard.tx() as conn:
        for table in _TABLES:
            conn.execute(f"DELETE FROM {table}")
            cols = [r[1] for r in source.conn.execute(f"PRAGMA table_info({table})")]
            cursor = source.conn.execute(f"SELECT {', '.join(cols)} FROM {table}")
            insert = f"INSERT INTO {table}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            while batch := cursor.fetchmany(_BATCH):
                conn.executemany(insert, batch)
        shard.set_meta(MetaKey.LEXICON_SIGNATURE, signature)
        shard.delete_meta(MetaKey.LEXICON_STATE)
