"""Shared fixtures: the tiny random Marian model (built once per session) and the location of ../shared."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the project; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random-weight Marian model folder (:func:`bitext.testing.make_tiny_model`), built once
    per test session; it memorises :data:`bitext.testing.TINY_SOURCES`."""
    import torch

    from bitext.testing import make_tiny_model

    torch.set_num_threads(1)
    return make_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def runaway_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with ``</s>`` suppressed (``make_tiny_model(never_end=True)``): every output runs
    to its length limit, whatever the machine, for the tests of bounded decoding and its retry."""
    import torch

    from bitext.testing import make_tiny_model

    torch.set_num_threads(1)
    return make_tiny_model(tmp_path_factory.mktemp("runaway-model"), never_end=True)


@pytest.fixture
def tmpfs(tmp_path: Path):
    """``tmpfs(size)`` -> a fresh tmpfs of that size (``'400k'``) under tmp_path, unmounted afterwards.

    For disk-full tests: CI runs as root; skipped with the reason where mounting is not allowed."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        mnt = tmp_path / f"tmpfs{len(mounted)}"
        mnt.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounted.append(mnt)
        return mnt

    yield mount
    for mnt in mounted:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
