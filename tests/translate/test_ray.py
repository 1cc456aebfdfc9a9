"""``--engine ray``: Ray actors give the in-process engine's rows; a killed driver resumes; a dead
worker is retried; an unreachable cluster is one line."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bitext.translate import translate_corpus
from bitext.translate.distributed import RayEngine, _Translator, connect, translate_stage

from .corpora import ROOT, cli, cli_env, make_store, parse_counts, synthetic_sentences

ray = pytest.importorskip("ray")

_ROW = "SELECT key, signature, source, text, n_tokens, n_unk, hit_max_length, source_split, retried, logprob FROM translations"


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray of 2 CPUs for this module; workers import bitext from this checkout."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    connect(num_cpus=2)
    yield
    ray.shutdown()


def _options(model: Path) -> dict:
    return {"model": str(model), "backend": "transformers", "beams": 1, "threads": 1, "compute_type": "float32"}


def _rows(store) -> dict[str, tuple]:
    return {r[0]: tuple(r[1:]) for r in store.conn.execute(_ROW)}


def test_ray_stores_the_rows_of_the_in_process_engine(tmp_path: Path, tiny_model_dir: Path, engine,
                                                      local_ray) -> None:
    texts = synthetic_sentences(90) + synthetic_sentences(20)  # repeats are translated once
    here = make_store(tmp_path / "here", texts)
    there = make_store(tmp_path / "there", texts)
    translate_corpus(here, engine=engine, quiet=True)
    ray_engine = RayEngine(_options(tiny_model_dir), workers=2, batch_size=16, chunk_sources=50)  # 2 chunks
    report = translate_corpus(there, engine=ray_engine, quiet=True)
    assert (report.distinct, report.translated, report.cached) == (90, 90, 0)
    assert ray_engine.signature == str(engine.signature)
    ray_engine.close()  # its actors hold both CPUs of the local Ray
    a, b = _rows(here), _rows(there)
    assert a.keys() == b.keys() and len(a) == 90
    for key in a:
        assert a[key][:-1] == b[key][:-1]  # signature, source, text, counts, flags: identical
        assert a[key][-1] == pytest.approx(b[key][-1], abs=1e-4)  # padding differs by batch: float noise
    assert translate_stage(there, engine="ray", quiet=True, **_options(tiny_model_dir)).translated == 0


class _DiesOnce(_Translator):
    """An actor that kills its own process on its first batch (once: a marker file beside the model)."""

    def translate(self, sources):
        marker = Path(self.engine.ref.path).parent / "ray-worker-died"
        if not marker.exists():
            marker.write_text("died")
            os._exit(1)
        return super().translate(sources)


class _AlwaysDies(_Translator):
    """An actor that kills its own process on every batch (a batch that is out of GPU memory everywhere)."""

    def translate(self, sources):
        os._exit(1)


def test_a_dead_worker_is_retried_by_ray(tmp_path: Path, tiny_model_dir: Path, local_ray,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import bitext.translate.distributed as dist

    marker = tiny_model_dir.parent / "ray-worker-died"
    marker.unlink(missing_ok=True)
    store = make_store(tmp_path / "c", synthetic_sentences(40))
    monkeypatch.setattr(dist, "_Translator", _DiesOnce)
    ray_engine = RayEngine(_options(tiny_model_dir), workers=1, batch_size=8)
    report = translate_corpus(store, engine=ray_engine, quiet=True)
    ray_engine.close()
    assert marker.read_text() == "died"
    assert report.translated == 40 and store.count("translations") == 40


def test_a_batch_that_kills_every_worker_stops_the_run_in_one_line(tmp_path: Path, tiny_model_dir: Path,
                                                                   local_ray, monkeypatch: pytest.MonkeyPatch) -> None:
    import bitext.translate.distributed as dist
    from bitext.errors import EnvironmentProblem

    store = make_store(tmp_path / "c", synthetic_sentences(10))
    monkeypatch.setattr(dist, "_Translator", _AlwaysDies)
    ray_engine = RayEngine(_options(tiny_model_dir), workers=1, batch_size=8)
    with pytest.raises(EnvironmentProblem, match=f"died {dist.RESTARTS + 1} times"):
        translate_corpus(store, engine=ray_engine, quiet=True)
    ray_engine.close()
    assert store.count("translations") == 0  # nothing half-written; the sources are pending again


def test_a_model_a_worker_cannot_load_is_its_own_one_line(tmp_path: Path, local_ray) -> None:
    from bitext.errors import BitextError

    with pytest.raises(BitextError, match="no such model folder") as e:
        RayEngine({"model": str(tmp_path / "absent"), "backend": "transformers"}, workers=1)
    assert str(tmp_path / "absent") in str(e.value) and "\n" not in str(e.value)


def test_workers_the_cluster_has_no_room_for_are_one_line(tiny_model_dir: Path, local_ray,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import bitext.translate.distributed as dist
    from bitext.errors import EnvironmentProblem

    monkeypatch.setattr(dist, "START_TIMEOUT_S", 1.0)
    with pytest.raises(EnvironmentProblem, match=r"--workers 3: only \d of 3 ray workers \(1 CPU each\)"):
        RayEngine({**_options(tiny_model_dir), "threads": None}, workers=3, num_cpus=2)  # 2 CPUs: no room for 3
    deadline = time.time() + 20
    while ray.available_resources().get("CPU") != 2 and time.time() < deadline:
        time.sleep(0.2)
    assert ray.available_resources().get("CPU") == 2  # the ones that did start were ended


def test_a_killed_driver_resumes_with_every_sentence_translated_once(tmp_path: Path, tiny_model_dir: Path,
                                                                     engine) -> None:
    texts = synthetic_sentences(600)
    folder = tmp_path / "c"
    make_store(folder, texts, articles=5).close()
    cmd = cli("translate", str(folder), "--engine", "ray", "--workers", "1", "--ray-batch-size", "8", "-q",
              *sum(([f"--{k.replace('_', '-')}", str(v)] for k, v in _options(tiny_model_dir).items()), []))
    proc = subprocess.Popen(cmd, env=cli_env(), start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    db = folder / "bitext.sqlite"
    done = 0
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
                done = c.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
        except sqlite3.OperationalError:  # the table is not there yet
            continue
        if done >= 16:
            break
    assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and the local Ray it started
    proc.wait()
    from bitext.store import Store

    with Store.open(folder, create=False) as store:
        kept = store.count("translations")
        assert 16 <= kept < 600
        second = translate_corpus(store, engine=engine, quiet=True)  # resume (in-process: the same signature)
        assert (second.cached, second.translated) == (kept, 600 - kept)
        assert store.count("translations") == 600
        assert store.conn.execute("SELECT COUNT(DISTINCT source) FROM translations").fetchone()[0] == 600


def test_an_unreachable_ray_address_is_one_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    make_store(tmp_path / "c", ["Satu."]).close()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = subprocess.run(cli("translate", str(tmp_path / "c"), "--engine", "ray", "--model", str(tiny_model_dir),
                           "--ray-address", f"127.0.0.1:{port}"), env=cli_env(), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and f"--ray-address 127.0.0.1:{port}" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run(cli("translate", str(tmp_path / "c"), "--workers", "2"), env=cli_env(), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "--engine ray" in r.stderr
    assert parse_counts(r.stdout) == {}
