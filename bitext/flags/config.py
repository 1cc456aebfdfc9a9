"""Flag configuration: TOML tables -> validated settings -> typed :class:`~bitext.flags.base.CheckOptions`.

The built-in defaults are the defaults of each check's ``Options`` dataclass (:func:`default_config`);
``bitext/flags/defaults.toml`` documents them with their calibration and a test keeps the two equal.
A user TOML overrides them per check and key; every value is validated, with the file, line, table
and key in the message, before any stored flag is touched.

A config is kept as a plain ``{check: {key: value}}`` dict (what :func:`config_signature` hashes and
what publishing shows); :func:`build_checks` turns it into checks with typed options.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from bitext.errors import BitextError
from bitext.flags.base import FLAGS_VERSION, Check, CheckOptions
from bitext.flags.calibration import apply_calibration
from bitext.flags.checks import CHECKS
from bitext.lang.langid import known_language
from bitext.model import SEVERITIES

DEFAULT_CONFIG = "default"
"""``config_path`` value meaning "the built-in defaults" (and forget the stored config)."""

Config = dict[str, dict[str, Any]]
_COMMON = ("threshold", "severity", "enabled")


def _is_number(v: Any) -> bool:
    # TOML booleans are ints to Python; 'nan' compares false with everything and would never fire.
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_OPTION_KINDS: dict[str, Callable[[Any], bool]] = {
    "non-negative number": lambda v: _is_number(v) and v >= 0,
    "positive integer": lambda v: _is_int(v) and v >= 1,
    "non-negative integer": lambda v: _is_int(v) and v >= 0,
    "number in [0, 1]": lambda v: _is_number(v) and 0 <= v <= 1,
    "boolean": lambda v: isinstance(v, bool),
    "languages": lambda v: (isinstance(v, list) and "en" in v and all(isinstance(c, str) for c in v)
                            and all(known_language(c) for c in v)),
}
_OPTION_HELP = {"languages": "a list of py3langid language codes that includes 'en'", "boolean": "true or false"}


def option_kinds(cls: type[Check]) -> dict[str, str]:
    """A check's own options (beyond threshold, severity, enabled): name -> kind, in field order."""
    return {f.name: f.metadata["kind"] for f in fields(cls.Options) if f.name not in _COMMON}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def default_table(cls: type[Check]) -> dict[str, Any]:
    """The built-in settings of one check, as its TOML table: severity, threshold, then its options."""
    opts = cls.Options()
    names = ["severity", "threshold"] + [f.name for f in fields(opts) if f.name not in _COMMON]
    meta = {f.name: f.metadata for f in fields(opts)}
    return {n: _plain(getattr(opts, n)) for n in names if meta[n].get("in_defaults", True)}


def default_config() -> Config:
    """The built-in settings of every registered check (fresh dicts: callers may change them)."""
    return {name: default_table(cls) for name, cls in CHECKS.items()}


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BitextError(f"{where}: invalid TOML: {e}", exit_code=2) from None


def _key_line(text: str, table: str, key: str | None) -> int | None:
    """1-based line of ``key =`` inside ``[table]`` (or of the table header when key is None)."""
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        head = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if head:
            current = head.group(1).strip("\"'")
            if key is None and current == table:
                return n
            continue
        if key is not None and current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return n
    return None


def _located(text: str, where: str, table: str, key: str | None, message: str) -> BitextError:
    line = _key_line(text, table, key)
    loc = f"{where}:{line}" if line else where
    return BitextError(f"{loc}: {message}", exit_code=2)


def _validate_table(name: str, table: dict[str, Any], text: str, where: str) -> None:
    """Raise BitextError (exit 2) naming file:line, table and key for any value a check cannot use."""
    cls = CHECKS[name]
    kinds = option_kinds(cls)

    def bad(key: str, must: str) -> BitextError:
        return _located(text, where, name, key, f"[{name}] {key} must be {must}, got {table[key]!r}")

    for key, value in table.items():
        if key == "threshold":
            if cls.direction == "outside":
                ok = (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)
                      and value[0] <= value[1])
                if not ok:
                    raise bad(key, "a range [low, high] of two numbers with low <= high")
            elif not _is_number(value):
                raise bad(key, "a number")
        elif key == "severity":
            if value not in SEVERITIES:
                raise bad(key, "one of " + ", ".join(SEVERITIES))
        elif key == "enabled":
            if not isinstance(value, bool):
                raise bad(key, "true or false")
        elif key in kinds:
            if not _OPTION_KINDS[kinds[key]](value):
                raise bad(key, _OPTION_HELP.get(kinds[key], "a " + kinds[key]))
        else:
            known = ", ".join([*_COMMON, *kinds])
            raise _located(text, where, name, key, f"[{name}] unknown key '{key}'; known: {known}")


def parse_config(text: str, where: str) -> Config:
    """The built-in defaults overridden by the TOML ``text``; every value is checked.

    ``where`` names the text's origin in error messages (a file path, or the store's meta).
    Raises :class:`BitextError` with exit code 2 naming the file (and line), table and key.
    """
    config = default_config()
    user = _read_toml(text, where)
    for name, table in user.items():
        if name not in CHECKS:
            raise _located(text, where, name, None, f"unknown check [{name}]; known: {', '.join(CHECKS)}")
        if not isinstance(table, dict):
            raise BitextError(f"{where}: '{name}' must be a table like [{name}]", exit_code=2)
        _validate_table(name, table, text, where)
        config.setdefault(name, {}).update(table)
    return config


def read_config_file(path: str | Path) -> str:
    """The text of a flag config file; a usage error (exit 2) when it cannot be read as UTF-8."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except OSError as e:
        raise BitextError(f"{p}: cannot read flag config: {e.strerror}", exit_code=2) from None
    except UnicodeDecodeError as e:
        raise BitextError(f"{p}: flag config is not UTF-8 text: {e.reason}", exit_code=2) from None


def is_default(config_path: str | Path | None) -> bool:
    """True for the ``config_path`` that names the built-in defaults (:data:`DEFAULT_CONFIG`)."""
    return config_path is not None and str(config_path) == DEFAULT_CONFIG


def load_config(path: str | Path | None = None) -> Config:
    """Check settings: the built-in defaults, overridden per key by the tables of a user TOML file.

    Each table is named after a check: ``threshold`` (a number, or ``[low, high]`` with low <= high),
    ``severity`` (info/warning/error), ``enabled`` (bool) and the check's own options (the fields of
    its ``Options``). Any other key or a value of the wrong type is a usage error
    (:class:`BitextError`, exit code 2) naming the file, line, table and key. ``path`` None or
    ``"default"`` gives the defaults.
    """
    if path is None or is_default(path):
        return default_config()
    return parse_config(read_config_file(path), str(path))


def config_signature(config: Mapping[str, Mapping[str, Any]]) -> str:
    """Hash of the config and FLAGS_VERSION: stored flags are current only under the same one."""
    blob = json.dumps({"version": FLAGS_VERSION, "config": config}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def options_of(cls: type[Check], table: Mapping[str, Any]) -> CheckOptions:
    """Typed options of ``cls`` from a (validated) config table; absent keys keep their defaults."""
    return cls.Options(**{k: tuple(v) if isinstance(v, list) else v for k, v in table.items()})


def build_checks(config: Mapping[str, Mapping[str, Any]] | None = None,
                 calibration: Mapping[str, Any] | None = None) -> list[Check]:
    """Instantiate the enabled checks of ``config`` (defaults when None), in registry order.

    ``calibration`` (check -> pair kind -> bounds, meta ``flags.calibration``) gives the checks calibrated on
    the corpus their bounds (:mod:`bitext.flags.calibration`); None: the configured ones.
    """
    config = default_config() if config is None else config
    checks = [cls(options_of(cls, config.get(name, {}))) for name, cls in CHECKS.items()]
    checks = [c for c in checks if c.options.enabled]
    apply_calibration(checks, calibration)
    return checks
