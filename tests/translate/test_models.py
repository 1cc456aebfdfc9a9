"""Broken model folders are one line naming the file, before anything loads them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bitext.errors import EnvironmentProblem
from bitext.translate.models import resolve_model, validate_model_folder
from tests.factories import dead_pid


@pytest.fixture
def model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "model"
    shutil.copytree(tiny_model_dir, dest)
    return dest


def _bert(folder: Path) -> None:
    """The config of an encoder-only model (what a BERT folder's config.json says)."""
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(model_type="bert", architectures=["BertModel"])
    cfg.pop("is_encoder_decoder", None)
    (folder / "config.json").write_text(json.dumps(cfg))


BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "no config": (lambda d: (d / "config.json").unlink(), r"model: not a model folder \(no config.json\)"),
    "invalid config": (lambda d: (d / "config.json").write_text('{"model_type": "marian",\n  oops'),
                       r"config.json:2: invalid JSON \(Expecting property name"),
    "config not an object": (lambda d: (d / "config.json").write_text("[1, 2]"), r"config.json: not a model config"),
    "bert": (_bert, r"config.json: model_type 'bert' is not a sequence-to-sequence"),
    "no source.spm": (lambda d: (d / "source.spm").unlink(), r"model: tokenizer file source.spm is missing"),
    "no vocab": (lambda d: (d / "vocab.json").unlink(), r"model: tokenizer file vocab.json is missing"),
    "no weights": (lambda d: (d / "model.safetensors").unlink(), r"model: no model weights \(model.safetensors"),
    "random weights file": (lambda d: (d / "model.safetensors").write_bytes(bytes(range(256)) * 64),
                            r"model.safetensors: not a readable safetensors weights file"),
    "truncated bin": (lambda d: ((d / "model.safetensors").unlink(), (d / "pytorch_model.bin").write_bytes(b"xx")),
                      r"pytorch_model.bin: not a readable bin weights file"),
    "safetensors cut in half": (lambda d: _cut_in_half(d / "model.safetensors"),
                                r"model.safetensors: incomplete \([\d,]+ of [\d,]+ bytes\): an interrupted download\?"
                                r" Delete it and download the model again"),
    "torch zip cut in half": (lambda d: ((d / "model.safetensors").unlink(), _torch_zip(d / "pytorch_model.bin"),
                                         _cut_in_half(d / "pytorch_model.bin")),
                              r"pytorch_model.bin: incomplete \([\d,]+ bytes, no end record\)"),
}


def _cut_in_half(file: Path) -> None:
    """What an interrupted download leaves: the first half of the file."""
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


def _torch_zip(file: Path) -> None:
    import torch

    torch.save({"w": torch.zeros(4096)}, file)


@pytest.mark.parametrize("case", BREAKAGES)
def test_each_broken_folder_is_one_line_naming_the_file(model_copy: Path, case: str) -> None:
    breakage, message = BREAKAGES[case]
    breakage(model_copy)
    with pytest.raises(EnvironmentProblem, match=message):
        resolve_model(str(model_copy))


def test_a_sound_folder_passes(model_copy: Path) -> None:
    validate_model_folder(model_copy)
    assert resolve_model(str(model_copy)).fingerprint.startswith("folder-sha256:")


def test_the_cli_says_it_in_one_line(model_copy: Path, tmp_path: Path) -> None:
    BREAKAGES["random weights file"][0](model_copy)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Jakarta (ANTARA) - Satu kalimat.\n")
    r = subprocess.run([sys.executable, "-m", "bitext", "run", str(tmp_path / "in"), "--out", str(tmp_path / "c"),
                        "--model", str(model_copy), "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("bitext: error:")]
    assert errors == [f"bitext: error: {model_copy / 'model.safetensors'}: not a readable safetensors weights file "
                      "(damaged or incomplete download)"]


def test_an_interrupted_download_is_one_line_not_a_fallback_traceback(model_copy: Path, tmp_path: Path) -> None:
    """A model.safetensors cut in half passed the header check: CTranslate2's conversion failed, auto fell
    back to transformers, and that raised ``SafetensorError: incomplete metadata`` (issue 25)."""
    _cut_in_half(model_copy / "model.safetensors")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Jakarta (ANTARA) - Satu kalimat.\n")
    r = subprocess.run([sys.executable, "-m", "bitext", "run", str(tmp_path / "in"), "--out", str(tmp_path / "c"),
                        "--model", str(model_copy)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "SafetensorError" not in r.stderr and "using transformers" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("bitext: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"bitext: error: {model_copy / 'model.safetensors'}: incomplete (")
    assert errors[0].endswith("Delete it and download the model again (README: Offline machines)")


def test_a_killed_conversion_leaves_nothing_behind_for_long(tiny_model_dir: Path, ct2_cache: Path) -> None:
    from bitext.translate.backends.ct2 import ct2_cache_root, ct2_convert

    root = ct2_cache_root()
    dead = root / f".convert-{dead_pid()}-k1ll3d"
    (dead / "model").mkdir(parents=True)
    final = ct2_convert(resolve_model(str(tiny_model_dir)), "float32")
    assert (final / "model.bin").is_file()
    assert not dead.exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".convert-")]
