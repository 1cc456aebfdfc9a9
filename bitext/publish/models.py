"""Which translation model made the ``mt`` English, as the card names, licenses and cites it.

A model is *known* (:data:`KNOWN_MODELS`: its Hub id, licence and citation) when the store names it by
its Hub id (a Hub download, or ``bitext publish --model-name``), or when a local folder's configuration
and tokenizer have the fingerprint of a known model (``translate.settings`` ``identity``, written by
:func:`bitext.translate.models.identity_fingerprint`). Anything else is cited by nobody: the card
names the folder and asks for ``--model-name`` instead of inventing a URL. A folder made by ``bitext adapt``
is named as adapted from the Hub model it descends from (``translate.settings`` ``adapted_base``), whose
licence and citation it carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPUS_MT_BIB = """@inproceedings{tiedemann-thottingal-2020-opus,
  title = {{OPUS}-{MT} -- Building open translation services for the World},
  author = {Tiedemann, J{\\"o}rg and Thottingal, Santhosh},
  booktitle = {Proceedings of the 22nd Annual Conference of the European Association for Machine Translation},
  year = {2020},
  address = {Lisboa, Portugal},
  pages = {479--480}
}"""


@dataclass(frozen=True)
class KnownModel:
    """A published model bitext can name, license and cite."""

    hub_id: str
    license: str  # as the model's Hub card states it
    citation: str  # BibTeX of the paper the authors ask to cite
    identities: frozenset[str]  # identity fingerprints of its configuration and tokenizer


KNOWN_MODELS = (
    KnownModel(
        "Helsinki-NLP/opus-mt-id-en", "apache-2.0", OPUS_MT_BIB,
        # config.json + source.spm/target.spm/vocab.json of the Hub repository (tests/publish re-hashes a copy)
        frozenset({"5d1aa444ad07e090c1422cf6e9a211ab2a1a4e8fd9c14897b34b17789be0626a"}),
    ),
)


@dataclass(frozen=True)
class ModelFacts:
    """What the card says about the MT model."""

    name: str  # as translate.settings names it (a Hub id, or a local folder's last component)
    hub_id: str | None  # the Hub model it is (known, a Hub download, or named with --model-name)
    how: str  # 'hub' (downloaded), 'fingerprint' (local copy recognised), 'named' (--model-name),
    # 'adapted' (bitext adapt made it from the Hub model ``base``), 'local', 'unknown'
    license: str | None  # None: not known to bitext (an adapted model: its base's)
    known: KnownModel | None  # (an adapted model: its base, if known)
    base: str | None = None  # the Hub id of the model an adapted one descends from

    def citations(self, revision: str | None) -> list[str]:
        """BibTeX entries: the model's paper (if known) and the Hub model itself (if it has a Hub id; an
        adapted model: its base)."""
        out = [self.known.citation] if self.known else []
        hub = self.hub_id or self.base
        if hub:
            key = "".join(c if c.isalnum() else "_" for c in hub.rsplit("/", 1)[-1])
            note = f",\n  note = {{revision {revision}}}" if revision and self.how == "hub" else ""
            out.append(f"@misc{{{key},\n  title = {{{hub}}},\n"
                       f"  howpublished = {{\\url{{https://huggingface.co/{hub}}}}}{note}\n}}")
        return out


def known_model(hub_id: str | None) -> KnownModel | None:
    """The known model with this Hub id, if any."""
    return next((m for m in KNOWN_MODELS if m.hub_id == hub_id), None)


def identify_model(settings: Mapping[str, Any], model_name: str | None = None) -> ModelFacts:
    """The model of ``translate.settings`` (see the module docstring); ``model_name`` is ``--model-name``."""
    name = str(settings.get("model") or "unknown")
    if model_name:
        return ModelFacts(name, model_name, "named", _license(model_name), known_model(model_name))
    if settings.get("revision") and "/" in name:  # a Hub download at a commit
        return ModelFacts(name, name, "hub", _license(name), known_model(name))
    if settings.get("adapted") and settings.get("adapted_base"):  # bitext adapt made it from a Hub model
        base = str(settings["adapted_base"])
        return ModelFacts(name, None, "adapted", _license(base), known_model(base), base)
    identity = settings.get("identity")
    match = next((m for m in KNOWN_MODELS if identity in m.identities), None)
    if match:
        return ModelFacts(name, match.hub_id, "fingerprint", match.license, match)
    return ModelFacts(name, None, "unknown" if name == "unknown" else "local", None, None)


def _license(hub_id: str) -> str | None:
    known = known_model(hub_id)
    return known.license if known else None
