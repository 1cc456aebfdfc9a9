"""Storage faults become one-line StoreErrors naming the store, and nothing committed is lost."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bitext.errors import StoreError
from bitext.store import DB_NAME, Store
from tests.factories import CorpusBuilder


def _bitext(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bitext", *args], capture_output=True, text=True, timeout=120)


def _digest(path: Path) -> str:
    """Digest of the store's content (not its bytes: a WAL checkpoint rewrites pages, not data)."""
    with sqlite3.connect(path) as c:
        return hashlib.sha256("\n".join(c.iterdump()).encode()).hexdigest()


def test_a_text_file_named_like_the_store_is_one_line(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_text("not a database, just notes\n" * 50)
    with pytest.raises(StoreError, match=r"bitext\.sqlite: the store is damaged \(file is not a database\)"):
        Store.open(tmp_path)
    r = _bitext("status", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "the store is damaged" in r.stderr and str(tmp_path / DB_NAME) in r.stderr


def test_a_store_cut_in_half_is_refused_as_damaged(tmp_path: Path) -> None:
    b = CorpusBuilder(tmp_path)
    for k in range(40):
        b.article(f"a{k}", [f"Kalimat nomor {k} yang cukup panjang untuk mengisi halaman." * 5])
    b.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    b.store.close()
    path = tmp_path / DB_NAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match="the store is damaged"):
        store = Store.open(tmp_path)
        store.count("sentences")  # the damage may only show on the first read of a lost page


def test_a_store_from_a_newer_bitext_is_refused_untouched(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as c:
        c.execute("INSERT INTO schema_migrations VALUES ('core', 99, 'later')")
    before = _digest(tmp_path / DB_NAME)
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"written by a newer bitext \(core v99, this bitext knows up to v3\); "
                                             r"upgrade bitext"):
            Store.open(tmp_path, read_only=read_only)
    r = _bitext("status", str(tmp_path))
    assert r.returncode == 2 and "written by a newer bitext" in r.stderr and "Traceback" not in r.stderr
    assert _digest(tmp_path / DB_NAME) == before


def test_opening_a_current_store_writes_nothing(tmp_path: Path) -> None:
    CorpusBuilder(tmp_path).article("a1", ["Satu."])
    store = Store.open(tmp_path)
    assert store.conn.total_changes == 0
    assert store.schema_version() == 3


def test_migrating_an_older_store_keeps_a_backup_first(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.migrate("demo", [(1, "CREATE TABLE demo (x INTEGER)")])
    with store.tx() as c:
        c.execute("INSERT INTO demo VALUES (7)")
    store.migrate("demo", [(1, "CREATE TABLE demo (x INTEGER)"), (2, "ALTER TABLE demo ADD COLUMN y TEXT")])
    backup = tmp_path / f"{DB_NAME}.bak-demo-v1"
    assert backup.is_file()
    with sqlite3.connect(backup) as c:
        assert [r[1] for r in c.execute("PRAGMA table_info(demo)")] == ["x"]
        assert c.execute("SELECT x FROM demo").fetchall() == [(7,)]
    assert [r[1] for r in store.conn.execute("PRAGMA table_info(demo)")] == ["x", "y"]
    # A failing migration leaves the store as it was (one transaction).
    with pytest.raises(StoreError, match="no such table: nowhere"):
        store.migrate("demo", [(1, ""), (2, ""), (3, "ALTER TABLE nowhere ADD COLUMN z")])
    assert store.schema_version("demo") == 2


def test_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    CorpusBuilder(tmp_path).article("a1", ["Satu.", "Dua."])
    ro = Store.open(tmp_path, read_only=True)
    assert ro.count("sentences") == 2
    with pytest.raises(StoreError, match="opened read-only"):
        ro.set_meta("x", "y")
    with pytest.raises(StoreError, match="no corpus store here"):
        Store.open(tmp_path / "elsewhere", read_only=True)
    assert not (tmp_path / "elsewhere").exists()


def test_disk_full_is_one_line_and_keeps_what_was_committed(tmpfs) -> None:
    tiny_disk = tmpfs("400k")
    b = CorpusBuilder(tiny_disk / "corpus")
    b.article("a1", ["Satu.", "Dua."])
    big = "x" * 50_000
    with pytest.raises(StoreError, match=r"(disk full: free space and re-run; nothing committed was lost"
                                         r"|disk I/O error)"):
        for k in range(100):
            b.store.add_translations([(f"k{k}", "sig", f"src{k}", big, None, None, 0, 0, 0, "now")])
    b.store.close()
    store = Store.open(tiny_disk / "corpus", read_only=True)
    assert store.count("sentences") == 2
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.fixture
def read_only_copy(tmp_path: Path) -> Iterator[Path]:
    """A corpus folder bind-mounted read-only (CI runs as root); skipped where mounting is not allowed."""
    folder = tmp_path / "ro"
    b = CorpusBuilder(folder)
    b.article("a1", ["Satu.", "Dua."])
    b.store.close()
    r = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {r.stderr.decode().strip()}")
    subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_status_works_on_a_read_only_folder(read_only_copy: Path) -> None:
    r = _bitext("status", str(read_only_copy))
    assert r.returncode == 0, r.stderr
    assert "segment     1 articles, 2 sentences" in r.stdout
    with pytest.raises(StoreError, match="cannot be written|opened read-only"):
        Store.open(read_only_copy, read_only=True).set_meta("x", "y")
    r = _bitext("segment", str(read_only_copy), "--out", str(read_only_copy))
    assert r.returncode != 0 and "Traceback" not in r.stderr and r.stderr.count("\n") <= 2


def test_a_held_write_lock_is_waited_for_visibly_then_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    import threading

    import bitext.store as store_module

    CorpusBuilder(tmp_path).article("a1", ["Satu."])
    monkeypatch.setattr(store_module, "_LOCK_POLL_MS", 50)
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 0.5)
    holder = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    store = Store.open(tmp_path)  # opening a current store needs no lock
    store.conn.execute("PRAGMA busy_timeout=50")
    with pytest.raises(StoreError, match=r"locked by another process for over 0.5 s .*nothing was lost"):
        store.set_meta("k", "v")
    assert capsys.readouterr().err.count("another process is writing to this corpus; waiting") == 1
    # Released while we wait: the write goes through.
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 10.0)
    threading.Timer(0.3, holder.execute, ("ROLLBACK",)).start()
    store.set_meta("k", "v")
    assert store.get_meta("k") == "v"
    holder.close()


def test_export_and_publish_read_a_read_only_folder(read_only_copy: Path, tmp_path: Path) -> None:
    r = _bitext("export", str(read_only_copy), "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"))
    assert r.returncode == 0, r.stderr
    r = _bitext("publish", str(read_only_copy), "--to", str(tmp_path / "ds"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ds" / "README.md").is_file()
