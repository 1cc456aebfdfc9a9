"""Which model: ``--model`` (a Hub id with optional revision, or a local folder) -> a folder on disk.

:func:`resolve_model` returns a :class:`ModelRef` whose *fingerprint* names exactly those
weights (it is the first field of the translation signature); :func:`load_tokenizer` loads the
model's tokenizer the way every part of bitext loads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bitext.errors import BitextError, EnvironmentProblem

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-id-en"

# Files that define a model's behaviour: hashed for the fingerprint of a local folder.
_MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "source.spm",
    "target.spm",
    "vocab.json",
    "target_vocab.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "sentencepiece.bpe.model",
    "spiece.model",
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
# What to fetch from the Hub: configs, tokenizer files and one weights format.
_HUB_SMALL_FILES = ["*.json", "*.spm", "*.model", "*.txt"]


@dataclass(frozen=True)
class ModelRef:
    """A model resolved to a folder on disk.

    ``fingerprint`` names the exact weights: ``ID@COMMIT`` for a Hub model, ``folder-sha256:HASH``
    (hash of config, tokenizer and weight files) for a local folder.
    """

    path: Path
    fingerprint: str
    name: str  # what the user asked for (Hub id or folder path)
    revision: str | None  # commit hash for a Hub model, None for a folder


# Encoder-decoder model types transformers' AutoModelForSeq2SeqLM can translate with.
SEQ2SEQ_TYPES = frozenset({"marian", "mbart", "m2m_100", "nllb-moe", "t5", "mt5", "bart", "fsmt", "pegasus",
                           "prophetnet", "led", "umt5"})
# Tokenizer files each model type needs (at least one of each tuple); other types need one of _ANY_TOKENIZER.
_TOKENIZER_FILES = {"marian": (("source.spm",), ("target.spm",), ("vocab.json",))}
_ANY_TOKENIZER = ("tokenizer.json", "spiece.model", "sentencepiece.bpe.model", "source.spm", "vocab.json")


def validate_model_folder(path: Path) -> None:
    """Check that ``path`` holds a translation model bitext can load, before anything loads it.

    One :class:`EnvironmentProblem` line naming the file for: an unreadable or invalid
    ``config.json``, a model that is not sequence-to-sequence (``model_type: bert``), missing tokenizer
    files, no weights, and weights files that are not what their suffix says (random bytes as
    ``model.safetensors``, a truncated ``pytorch_model.bin``).
    """
    cfg_path = path / "config.json"
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EnvironmentProblem(f"{path}: not a model folder (no config.json)") from None
    except OSError as e:
        raise EnvironmentProblem(f"{cfg_path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise EnvironmentProblem(f"{cfg_path}: not UTF-8 text; the model folder is damaged") from None
    except json.JSONDecodeError as e:
        raise EnvironmentProblem(f"{cfg_path}:{e.lineno}: invalid JSON ({e.msg}); the model folder is damaged") from None
    if not isinstance(config, dict):
        raise EnvironmentProblem(f"{cfg_path}: not a model config (a JSON object is expected)")
    model_type = config.get("model_type")
    if model_type not in SEQ2SEQ_TYPES and not config.get("is_encoder_decoder"):
        raise EnvironmentProblem(
            f"{cfg_path}: model_type {model_type!r} is not a sequence-to-sequence translation model; "
            f"bitext translates with MarianMT models such as {DEFAULT_MODEL}"
        )
    present = {p.name for p in path.iterdir() if p.is_file()}
    for choices in _TOKENIZER_FILES.get(str(model_type), ((_ANY_TOKENIZER),)):
        if not present & set(choices):
            raise EnvironmentProblem(f"{path}: tokenizer file {' or '.join(choices)} is missing")
    weights = sorted(n for n in present if n.endswith(_WEIGHT_SUFFIXES))
    if not weights:
        raise EnvironmentProblem(f"{path}: no model weights (model.safetensors or pytorch_model.bin)")
    for name in weights:
        _check_weights(path / name)


def _check_weights(file: Path) -> None:
    """A cheap look at a weights file: safetensors' JSON header and that the file holds every byte the
    header's tensors span; a torch zip's end record (a cut zip lacks it) or a pickle's magic."""
    try:
        with open(file, "rb") as f:
            head = f.read(8)
            size = file.stat().st_size
            if file.suffix == ".safetensors":
                n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
                ok = 0 < n <= size - 8
                if ok:
                    header = json.loads(f.read(n))
                    ok = isinstance(header, dict) and bool(header)
                if ok:
                    ends = [int(v["data_offsets"][1]) for k, v in header.items()
                            if k != "__metadata__" and isinstance(v, dict) and "data_offsets" in v]
                    expected = 8 + n + max(ends, default=0)
                    if size < expected:
                        raise _Truncated(size, expected)
            elif head[:4] == b"PK\x03\x04":
                f.seek(max(0, size - 65_558))  # a zip ends with its central directory's end record
                ok = b"PK\x05\x06" in f.read()
                if not ok:
                    raise _Truncated(size, None)
            else:
                ok = head[:1] == b"\x80"
    except OSError as e:
        raise EnvironmentProblem(f"{file}: cannot read the weights: {e.strerror}") from None
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, IndexError):
        ok = False
    except _Truncated as t:
        have = f"{t.size:,} of {t.expected:,} bytes" if t.expected else f"{t.size:,} bytes, no end record"
        raise EnvironmentProblem(
            f"{file}: incomplete ({have}): an interrupted download? Delete it and download the model again"
            " (README: Offline machines)") from None
    if not ok:
        raise EnvironmentProblem(f"{file}: not a readable {file.suffix[1:]} weights file (damaged or incomplete download)")


class _Truncated(Exception):
    """A weights file shorter than its own header says it is."""

    def __init__(self, size: int, expected: int | None) -> None:
        super().__init__(size, expected)
        self.size, self.expected = size, expected


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or os.sep + os.sep in name or name.count("/") > 1


def folder_fingerprint(path: Path) -> str:
    """sha256 over the names and contents of the files that define the model in ``path``."""
    h = hashlib.sha256()
    names = sorted(
        p.name
        for p in path.iterdir()
        if p.is_file() and (p.name in _MODEL_FILES or p.name.endswith(_WEIGHT_SUFFIXES))
    )
    for name in names:
        h.update(name.encode() + b"\0")
        with open(path / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


ADAPT_CONFIG_KEY = "bitext_adapt"
"""Key of ``config.json`` where ``bitext adapt`` records the adaptation (its signature and base): it makes an
adapted folder's identity differ from its base's (so publishing never cites the base model for it), and
translations made with it record the signature (``translate.settings`` ``adapted``)."""


def _adapt_info(path: Path) -> dict[str, Any]:
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    info = config.get(ADAPT_CONFIG_KEY) if isinstance(config, dict) else None
    return info if isinstance(info, dict) else {}


def adapted_signature(path: Path) -> str | None:
    """The adaptation signature a model folder's ``config.json`` carries (None: not made by ``bitext adapt``)."""
    info = _adapt_info(path)
    return str(info["signature"]) if info.get("signature") else None


def adapted_base(path: Path) -> str | None:
    """The Hub id of the published model an adapted folder descends from (through any number of adaptations;
    ``base_hub_id`` in its adaptation record, or its base when that was a Hub download), None when unknown or
    not adapted."""
    info = _adapt_info(path)
    if info.get("base_hub_id"):
        return str(info["base_hub_id"])
    return str(info["base"]) if info.get("base_revision") and info.get("base") else None


# Keys save_pretrained rewrites in a copy of a model (they do not change what it computes).
_VOLATILE_CONFIG_KEYS = ("transformers_version", "torch_dtype", "dtype", "architectures")


def identity_fingerprint(path: Path) -> str:
    """sha256 over the model's configuration (keys a local re-save rewrites left out) and tokenizer files:
    the same for a Hub model and any local copy of it, so publishing can recognise (and cite) the model a
    local folder holds. Weights are not hashed: a fine-tune that kept both files would match too."""
    h = hashlib.sha256()
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    if isinstance(config, dict):
        config = {k: v for k, v in config.items() if not k.startswith("_") and k not in _VOLATILE_CONFIG_KEYS}
    h.update(json.dumps(config, sort_keys=True).encode() + b"\0")
    for name in ("source.spm", "target.spm", "vocab.json", "target_vocab.json", "tokenizer.json",
                 "sentencepiece.bpe.model", "spiece.model"):
        if (path / name).is_file():
            h.update(name.encode() + b"\0" + (path / name).read_bytes() + b"\0")
    return h.hexdigest()


def resolve_model(model: str, revision: str | None = None) -> ModelRef:
    """Find ``model`` on disk: a local folder, or a Hub id downloaded into (or found in) the HF cache.

    Raises :class:`EnvironmentProblem` (exit code 2) with one actionable line when the Hub
    cannot be reached (or ``HF_HUB_OFFLINE=1``) and there is no cached copy.
    """
    local = Path(model).expanduser()
    if local.is_dir():
        if revision:
            raise BitextError(f"--revision {revision}: only for Hub models, {model} is a local folder", 2)
        validate_model_folder(local)
        return ModelRef(local.resolve(), "folder-sha256:" + folder_fingerprint(local)[:16], str(local), None)
    if _looks_like_path(model) or local.exists():
        raise EnvironmentProblem(f"{model}: no such model folder")

    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        path = Path(snapshot_download(model, revision=revision, allow_patterns=_HUB_SMALL_FILES + ["*.safetensors"]))
        if not any(p.suffix == ".safetensors" for p in path.iterdir()):
            # Older repos (opus-mt among them) ship only pytorch_model.bin on main.
            path = Path(snapshot_download(model, revision=revision, allow_patterns=["pytorch_model.bin"]))
    except (RepositoryNotFoundError, GatedRepoError) as e:
        raise EnvironmentProblem(f"{model}: no such model on the Hugging Face Hub (or no access): {e}") from None
    except RevisionNotFoundError:
        raise EnvironmentProblem(f"{model}: no revision {revision!r} on the Hugging Face Hub") from None
    except (LocalEntryNotFoundError, OSError) as e:
        why = "HF_HUB_OFFLINE=1" if constants.HF_HUB_OFFLINE else "Hugging Face Hub unreachable"
        raise EnvironmentProblem(
            f"cannot download {model} ({why}) and no local copy in the cache ({constants.HF_HUB_CACHE}):"
            f" pass --model PATH to a local model folder [{type(e).__name__}]"
        ) from None
    validate_model_folder(path)  # a partial or damaged download in the cache
    # The snapshot folder is named after the commit: that pins the weights.
    return ModelRef(path, f"{model}@{path.name}", model, path.name)


def load_tokenizer(path: Path) -> Any:
    """The model's tokenizer (MarianTokenizer for opus-mt), without the sacremoses nag."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*sacremoses.*")
        try:
            return AutoTokenizer.from_pretrained(path)
        except (OSError, ValueError, TypeError, RuntimeError) as e:  # damaged tokenizer files
            raise EnvironmentProblem(f"{path}: cannot load the tokenizer: {_first_line(e)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
