"""The card's inputs: the packaged template, the corpus signature from the translate settings the
engine writes, and the flag config read from bitext.flags (no fallback that hides a broken one)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("datasets")

from bitext.errors import BitextError  # noqa: E402
from bitext.flags import build_checks, config_signature, effective_config  # noqa: E402
from bitext.model import MetaKey, Signature  # noqa: E402
from bitext.publish import publish_dataset  # noqa: E402
from bitext.publish.card import card_template, corpus_signature, flag_config, translate_settings  # noqa: E402
from bitext.store import Store  # noqa: E402


def test_template_is_package_data() -> None:
    text = card_template()
    assert text.startswith("---\n{{ card_data }}\n---\n\n# {{ pretty_name }}\n")
    assert "{{ signature }}" in text and text.endswith("{%- endif %}\n")


def test_corpus_signature_reads_the_engines_keys(store: Store) -> None:
    sig = corpus_signature(translate_settings(store), store)
    assert isinstance(sig, Signature)
    assert sig.keys() == ["model", "rev", "backend", "beams", "seg", "align", "flags", "version"]
    assert str(sig).startswith(
        "model:Helsinki-NLP/opus-mt-id-en|rev:abc123|backend:ctranslate2|beams:4|seg:pysbd-0.3.4+rules-1"
        "|align:bead-1|flags:flags-v1|version:bitext-"
    )
    assert Signature.parse(str(sig)) == sig
    # Only the keys bitext.translate writes are read: other spellings are not guessed at.
    store.set_meta_json(MetaKey.TRANSLATE_SETTINGS, {"model_id": "m", "num_beams": 5, "revision": None})
    assert str(corpus_signature(translate_settings(store), store)).startswith(
        "model:unknown|rev:unknown|backend:unknown|beams:unknown|"
    )
    store.set_meta(MetaKey.TRANSLATE_SETTINGS, "not json")
    assert translate_settings(store) == {}


def test_flag_config_describes_every_enabled_check(store: Store) -> None:
    store.delete_meta(MetaKey.FLAGS_CONFIG, MetaKey.FLAGS_CONFIG_NAME)
    config = effective_config(store).config
    flags = flag_config(store)
    assert flags.matches_store is False  # the sample's stored flags.signature is 'flags-v1'
    checks = build_checks(config)
    assert list(flags.checks) == [c.name for c in checks]
    for check in checks:
        info = flags.checks[check.name]
        assert (info.severity, info.description, info.fires) == (
            check.severity, check.description, check.threshold_text())
        assert "severity" not in info.settings and "enabled" not in info.settings
    store.set_meta(MetaKey.FLAGS_SIGNATURE, config_signature(config))
    assert flag_config(store).matches_store is True


def test_store_checks_only_config_disables_every_builtin_check(store: Store) -> None:
    assert flag_config(store).checks == {}


def test_broken_stored_flag_config_fails_the_publish(store: Store, tmp_path: Path) -> None:
    store.set_meta(MetaKey.FLAGS_CONFIG, "[no_such_check]\nthreshold = 1\n")
    with pytest.raises(BitextError) as exc:
        publish_dataset(store, tmp_path / "ds")
    assert exc.value.exit_code == 2 and MetaKey.FLAGS_CONFIG in str(exc.value)
    assert not (tmp_path / "ds").exists()
