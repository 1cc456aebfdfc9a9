"""Publishing on a full disk is one line and leaves nothing behind; killed publishes' folders go away."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.factories import CorpusBuilder, dead_pid


def _corpus(folder: Path, articles: int, per: int = 60) -> Path:
    b = CorpusBuilder(folder)
    for a in range(articles):
        sents = [f"Kalimat nomor {a}-{k} tentang pembangunan jembatan di desa yang jauh dari kota." for k in range(per)]
        b.article(f"a{a}", sents)
        for k, s in enumerate(sents):
            b.pair(f"a{a}:0.{k}", s, f"Sentence {a}-{k} about a bridge in a village far from town {k * 7919}.",
                   mt="x")
    b.store.close()
    return folder


def _publish(corpus: Path, to: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bitext", "publish", str(corpus), "--to", str(to)],
                          capture_output=True, text=True, timeout=300)


def test_too_little_space_is_said_before_writing(tmp_path: Path, tmpfs) -> None:
    corpus = _corpus(tmp_path / "c", 50)
    mnt = tmpfs("16k")
    r = _publish(corpus, mnt / "ds")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"bitext: error: {mnt / 'ds'}: not enough free space for the dataset (needs at least ")
    assert list(mnt.iterdir()) == []


def test_a_disk_filling_up_mid_write_is_one_line_and_keeps_the_old_dataset(tmp_path: Path, tmpfs) -> None:
    # Between what the pre-flight check asks for and what the dataset really takes, so the check passes
    # and the disk fills up while the shards are written.
    big = _corpus(tmp_path / "big", 50)
    assert _publish(big, tmp_path / "probe").returncode == 0
    real = sum(p.stat().st_size for p in (tmp_path / "probe").rglob("*") if p.is_file())
    with sqlite3.connect(big / "bitext.sqlite") as c:
        need = c.execute("SELECT SUM(length(source) + length(target) + length(mt)) FROM pairs").fetchone()[0] // 4
    assert need < real
    small = _corpus(tmp_path / "small", 1, per=3)
    assert _publish(small, tmp_path / "probe-small").returncode == 0
    room = sum(p.stat().st_size + 4096 for p in (tmp_path / "probe-small").rglob("*")) + (need + real) // 2
    mnt = tmpfs(str(-(-room // 4096) * 4096))
    assert _publish(small, mnt / "ds").returncode == 0
    before = sorted(p.relative_to(mnt) for p in (mnt / "ds").rglob("*"))
    r = _publish(big, mnt / "ds")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"bitext: error: {mnt / 'ds'}: cannot write the dataset: "), line
    assert "No space left on device" in line and line.endswith(
        "free space and re-run; the previous dataset folder (if any) is untouched")
    assert sorted(p.relative_to(mnt) for p in (mnt / "ds").rglob("*")) == before  # untouched
    assert [p.name for p in mnt.iterdir()] == ["ds"]  # no temp folder left


def test_a_killed_publish_leaves_no_folder_for_long(tmp_path: Path) -> None:
    pid = dead_pid()
    stale = tmp_path / f".ds.tmp-{pid}-0a1b2c3d"
    other = tmp_path / f".other.tmp-{pid}-0a1b2c3d"  # not this dataset's: left alone
    (stale / "data").mkdir(parents=True)
    other.mkdir()
    assert _publish(_corpus(tmp_path / "c", 1, per=2), tmp_path / "ds").returncode == 0
    assert not stale.exists() and other.exists()


def test_a_missing_parent_folder_is_an_error_unless_asked_for(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", 1, per=2)
    r = _publish(corpus, tmp_path / "nope" / "ds")
    assert r.returncode == 2 and not (tmp_path / "nope").exists()
    assert r.stderr.strip() == (f"bitext: error: {tmp_path / 'nope' / 'ds'}: folder {tmp_path / 'nope'} does not exist "
                                "(create it, or pass --parents)")
    r = subprocess.run([sys.executable, "-m", "bitext", "publish", str(corpus), "--to", str(tmp_path / "nope" / "ds"),
                        "--parents"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and (tmp_path / "nope" / "ds" / "README.md").is_file()
