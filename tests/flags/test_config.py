"""Flag config: defaults, overrides, validation messages with file:line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bitext import flags as F
from bitext.errors import BitextError
from bitext.model import needs_review
from tests.flags.helpers import pv, result


def test_defaults_have_every_check_with_a_threshold():
    cfg = F.load_config()
    assert set(cfg) == set(F.CHECKS)
    assert all("threshold" in t for t in cfg.values())


def test_config_override_changes_decision(tmp_path: Path):
    pair = pv("Pemerintah provinsi mendorong aparatur sipil negara.", "The government urged civil servants.")
    assert not result(pair, "length_ratio").fired
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[length_ratio]\nthreshold = [0.9, 1.5]\n\n[numbers]\nseverity = 'info'\n")
    cfg = F.load_config(cfg_file)
    assert cfg["length_ratio"]["threshold"] == [0.9, 1.5]
    assert cfg["length_ratio"]["smoothing"] == F.load_config()["length_ratio"]["smoothing"]  # kept default
    assert result(pair, "length_ratio", cfg).fired
    # Severity 'info' keeps a fired check out of needs_review.
    num = pv("Ada 5 orang di sini.", "There are 6 people.")
    assert needs_review(F.check_pair(num))
    assert not needs_review(F.check_pair(num, cfg)) and result(num, "numbers", cfg).fired


def test_config_can_disable_a_check(tmp_path: Path):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[not_english]\nenabled = false\n")
    pair = pv("Kucing punya dua telinga.", "Anjing itu tidur di bawah meja makan.")
    assert result(pair, "not_english", F.load_config(cfg_file)) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("[length_ratio\nthreshold = 1\n", "invalid TOML"),
        ("[no_such_check]\nthreshold = 1\n", "unknown check [no_such_check]"),
        ("[numbers]\nseverity = 'fatal'\n", "severity must be one of"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text, message):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text(text)
    with pytest.raises(BitextError) as e:
        F.load_config(cfg_file)
    assert message in str(e.value) and str(cfg_file) in str(e.value) and e.value.exit_code == 2


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(BitextError, match="cannot read flag config"):
        F.load_config(tmp_path / "nope.toml")



# -- config validation: every bad value is a usage error before anything is touched ----------------

@pytest.mark.parametrize(
    "text, message",
    [
        ('[length_ratio]\nthreshold = "x"\n',
         ":2: [length_ratio] threshold must be a range [low, high] of two numbers with low <= high, got 'x'"),
        ("[length_ratio]\nthreshold = [1.5, 0.5]\n", ":2: [length_ratio] threshold must be a range"),
        ("[length_ratio]\nthreshold = [0.5]\n", ":2: [length_ratio] threshold must be a range"),
        ("[length_ratio]\nthreshold = 1.2\n", ":2: [length_ratio] threshold must be a range"),
        ("# comment\n\n[numbers]\nseverity = 'info'\nthreshold = '0'\n",
         ":5: [numbers] threshold must be a number, got '0'"),
        ("[numbers]\nthreshold = true\n", ":2: [numbers] threshold must be a number, got True"),
        ("[numbers]\nthreshold = nan\n", ":2: [numbers] threshold must be a number, got nan"),
        ("[numbers]\nthreshold = [0, 1]\n", ":2: [numbers] threshold must be a number, got [0, 1]"),
        ("[numbers]\nenabled = 'no'\n", ":2: [numbers] enabled must be true or false, got 'no'"),
        ("[numbers]\nseverity = 'fatal'\n", ":2: [numbers] severity must be one of info, warning, error, got 'fatal'"),
        ("[numbers]\nthreshhold = 1\n",
         ":2: [numbers] unknown key 'threshhold'; known: threshold, severity, enabled"),
        ("[length_ratio]\nsmoothing = 'ten'\n", ":2: [length_ratio] smoothing must be a non-negative number"),
        ("[repetition]\nmax_ngram = 2.5\n", ":2: [repetition] max_ngram must be a positive integer, got 2.5"),
        ("[repetition]\nmax_ngram = 0\n", ":2: [repetition] max_ngram must be a positive integer, got 0"),
        ("[missing_names]\nfuzz = 2\n", ":2: [missing_names] fuzz must be a number in [0, 1], got 2"),
        ("[not_english]\nmin_words = -1\n", ":2: [not_english] min_words must be a non-negative integer"),
        ("[not_english]\nlanguages = ['id', 'ms']\n",
         ":2: [not_english] languages must be a list of py3langid language codes that includes 'en'"),
        ("[not_english]\nlanguages = ['en', 'xx']\n", ":2: [not_english] languages must be a list"),
        ("[numbers]\nthreshold = 0\n\n[no_such_check]\nthreshold = 1\n", ":4: unknown check [no_such_check]"),
    ],
)
def test_bad_config_values_name_file_line_table_key(tmp_path: Path, text, message):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text(text)
    with pytest.raises(BitextError) as e:
        F.load_config(cfg_file)
    assert str(e.value).startswith(str(cfg_file) + ":") and message in str(e.value), str(e.value)
    assert e.value.exit_code == 2


def test_good_config_values_are_accepted(tmp_path: Path):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[length_ratio]\nthreshold = [1, 1]\nsmoothing = 0\n[numbers]\nthreshold = 1\n"
                        "enabled = false\n[not_english]\nlanguages = ['en', 'id']\nmin_words = 3\n"
                        "[repetition]\nmax_ngram = 3\n[missing_names]\nfuzz = 1\n[low_confidence]\nthreshold = -inf\n")
    cfg = F.load_config(cfg_file)
    assert cfg["length_ratio"]["threshold"] == [1, 1] and cfg["numbers"]["enabled"] is False
    assert [c.name for c in F.build_checks(cfg)].count("numbers") == 0
    assert F.load_config("default") == F.load_config()



# -- the Options dataclasses are the one source of the defaults --------------------------------------

DEFAULTS_SIGNATURE = "ba141a9b228cf529"  # 7: the glossary check
"""config_signature of the built-in defaults (FLAGS_VERSION 4: the 'retried' check; 3: article_alignment,
markup, mojibake, control_chars, missing_names at threshold 0): it changes only on purpose, and stores then
re-flag."""


def test_defaults_toml_agrees_with_the_options_of_every_check():
    import json
    import tomllib

    documented = tomllib.loads(Path(F.__file__).with_name("defaults.toml").read_text(encoding="utf-8"))
    built_in = F.load_config()
    assert list(documented) == list(F.CHECKS) == list(built_in)
    for name in F.CHECKS:  # same keys in the same order, same values and types (1 is not 1.0 in a hash)
        assert json.dumps(documented[name]) == json.dumps(built_in[name]), name
    assert F.config_signature(built_in) == DEFAULTS_SIGNATURE
    assert F.load_config() is not F.load_config() and F.load_config() == F.load_config()


def test_a_check_built_without_config_uses_its_defaults():
    cfg = F.load_config()
    for name, cls in F.CHECKS.items():
        check = cls()
        assert check.severity == cls.severity == cfg[name]["severity"]
        assert list(check.threshold) == cfg[name]["threshold"] if cls.direction == "outside" \
            else check.threshold == cfg[name]["threshold"]
        check.threshold_text()
        check.run(pv("Kucing punya dua telinga.", "A cat has two ears.", first_seen="p1"))
    assert [c.name for c in F.build_checks()] == list(F.CHECKS)


def test_config_tables_become_typed_options(tmp_path: Path):
    cfg_file = tmp_path / "flags.toml"
    cfg_file.write_text("[not_english]\nlanguages = ['en', 'id']\nmin_words = 2\n[length_ratio]\nthreshold = [1, 2]\n")
    checks = {c.name: c for c in F.build_checks(F.load_config(cfg_file))}
    ne = checks["not_english"].options
    assert ne.languages == ("en", "id") and ne.min_words == 2 and ne.short_words == 3 and ne.severity == "error"
    assert checks["length_ratio"].threshold == (1, 2)
    assert checks["length_ratio"].threshold_text() == "outside [1, 2]"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ne.min_words = 5  # type: ignore[misc]
    # min_words was never in the default table: setting it changes the signature, leaving it out does not.
    assert "min_words" not in F.load_config()["not_english"]
