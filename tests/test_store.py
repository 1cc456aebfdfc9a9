import sqlite3

import pytest

from bitext.errors import BitextError
from bitext.store import CORE_MIGRATIONS, Store, StoreError, translation_key


def test_open_creates_schema_and_is_idempotent(tmp_path):
    with Store.open(tmp_path / "c") as s:
        assert s.schema_version("core") == max(v for v, _ in CORE_MIGRATIONS)
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store.open(tmp_path / "c") as s:  # second open applies nothing twice
        n = s.conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0]
        assert n == len(CORE_MIGRATIONS)


def test_open_missing_without_create_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no corpus store here") as e:
        Store.open(tmp_path / "nothing", create=False)
    assert isinstance(e.value, BitextError) and e.value.exit_code == 2


def test_transaction_rolls_back_on_error(tmp_path):
    s = Store.open(tmp_path)
    with pytest.raises(RuntimeError):
        with s.tx() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
            raise RuntimeError("boom")
    assert s.get_meta("a") is None
    with s.tx():
        with s.tx() as inner:  # nested joins the outer transaction
            inner.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
    assert s.get_meta("a") == "1"


def test_component_migrations(tmp_path):
    s = Store.open(tmp_path)
    migs = [(1, "CREATE TABLE extra (x INTEGER); -- comment; with semicolon\nCREATE INDEX extra_x ON extra(x);")]
    s.migrate("mystage", migs)
    s.migrate("mystage", migs)
    assert s.schema_version("mystage") == 1
    s.conn.execute("INSERT INTO extra VALUES (1)")
    s.migrate("mystage", migs + [(2, "ALTER TABLE extra ADD COLUMN y TEXT")])
    assert s.schema_version("mystage") == 2
    assert [r[1] for r in s.conn.execute("PRAGMA table_info(extra)")] == ["x", "y"]


def test_meta_json_and_review_states(tmp_path):
    s = Store.open(tmp_path)
    s.set_meta_json("translate.settings", {"beams": 6, "model": "m"})
    assert s.get_meta_json("translate.settings") == {"beams": 6, "model": "m"}
    with s.tx() as c:
        for pair, status in [("a", "accepted"), ("b", "edited"), ("a", "rejected")]:
            c.execute(
                "INSERT INTO reviews(pair_id, reviewer, at, status) VALUES (?, 'r', '2026-01-01', ?)", (pair, status)
            )
    states = s.review_states()
    assert {k: v["status"] for k, v in states.items()} == {"a": "rejected", "b": "edited"}


def test_sentences_cascade_with_article(tmp_path):
    s = Store.open(tmp_path)
    with s.tx() as c:
        c.execute(
            "INSERT INTO articles(id, source_path, raw_text, content_hash, segmenter, ingested_at)"
            " VALUES ('a', 'a.txt', 'X.', 'h', 'seg', 'now')"
        )
        c.execute("INSERT INTO sentences VALUES ('a:0:0', 'a', 0, 0, 'X.', 0, 2)")
    with s.tx() as c:
        c.execute("DELETE FROM articles WHERE id='a'")
    assert s.count("sentences") == 0
    with pytest.raises(sqlite3.IntegrityError):
        with s.tx() as c:
            c.execute("INSERT INTO sentences VALUES ('b:0:0', 'b', 0, 0, 'X.', 0, 2)")


def test_translation_key_depends_on_both_parts():
    assert translation_key("sig", "a") != translation_key("sig", "b")
    assert translation_key("sig1", "a") != translation_key("sig2", "a")
    assert translation_key("sig", "a") == translation_key("sig", "a")
