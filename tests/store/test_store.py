import sqlite3

import pytest

from bitext.errors import BitextError
from bitext.model import MetaKey
from bitext.store import CORE_MIGRATIONS, Store, StoreError, translation_key
from tests.factories import CorpusBuilder


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
        with s.tx():
            s.set_meta("a", "1")  # a writer joins the open transaction
            raise RuntimeError("boom")
    assert s.get_meta("a") is None
    with s.tx():
        with s.tx():  # nested joins the outer transaction
            s.set_meta("a", "1")
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
    corpus = CorpusBuilder(tmp_path)
    s = corpus.store
    s.set_meta_json(MetaKey.TRANSLATE_SETTINGS, {"beams": 6, "model": "m"})
    assert s.get_meta_json(MetaKey.TRANSLATE_SETTINGS) == {"beams": 6, "model": "m"}
    for pair, status in [("a", "accepted"), ("b", "edited"), ("a", "rejected")]:
        corpus.review(pair, status, reviewer="r", at="2026-01-01")
    states = s.review_states()
    assert {k: v["status"] for k, v in states.items()} == {"a": "rejected", "b": "edited"}


def test_sentences_cascade_with_article(tmp_path):
    corpus = CorpusBuilder(tmp_path)
    s = corpus.store
    assert corpus.article("a", ["X."]) == ["a:0:0"]
    assert s.count("sentences") == 1
    with s.tx() as c:
        c.execute("DELETE FROM articles WHERE id='a'")
    assert s.count("sentences") == 0
    # The foreign key itself (no writer makes an orphan sentence): raw SQL on purpose.
    with pytest.raises(sqlite3.IntegrityError):
        with s.tx() as c:
            c.execute("INSERT INTO sentences VALUES ('b:0:0', 'b', 0, 0, 'X.', 0, 2)")


def test_add_translations_keeps_the_first_row_of_a_key(tmp_path):
    corpus = CorpusBuilder(tmp_path)
    corpus.translation("Satu.", "One.").translation("Satu.", "Uno.")
    row = corpus.store.conn.execute("SELECT text, signature, key FROM translations").fetchone()
    assert tuple(row) == ("One.", corpus.signature, translation_key(corpus.signature, "Satu."))
    assert corpus.store.add_translations([]) == 0


def test_translation_key_depends_on_both_parts():
    assert translation_key("sig", "a") != translation_key("sig", "b")
    assert translation_key("sig1", "a") != translation_key("sig2", "a")
    assert translation_key("sig", "a") == translation_key("sig", "a")
