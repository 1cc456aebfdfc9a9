"""Review flags: cheap checks that mark aligned pairs needing a human look.

- :mod:`bitext.flags.base`: the :class:`Check` interface (measure once -> :class:`Measurement`,
  then ``fires``/``reason``), :class:`CorpusCheck`, :class:`PairView`, :class:`FlagResult`;
- :mod:`bitext.flags.checks`: the checks, one module per family, and the :data:`CHECKS` registry;
- :mod:`bitext.flags.config`: TOML -> validated settings -> typed options; the built-in defaults are
  the checks' ``Options`` defaults, documented in ``bitext/flags/defaults.toml``;
- :mod:`bitext.flags.stage`: :func:`flag_corpus` and :func:`explain` over a store;
- :mod:`bitext.flags.scores`: scores and evidence stored once, thresholds re-applied without measuring;
- :mod:`bitext.flags.calibration`: the length checks' bounds fitted on the corpus's own scores;
- :mod:`bitext.flags.report`: ``bitext flag --report`` and the stats page's histograms, from stored scores.
"""

from __future__ import annotations

from bitext.flags.base import (
    FLAGS_VERSION,
    Check,
    CheckOptions,
    CorpusCheck,
    FlagResult,
    Measurement,
    PairView,
)
from bitext.flags.checks import CHECKS
from bitext.flags.config import DEFAULT_CONFIG, build_checks, config_signature, load_config, parse_config
from bitext.flags.stage import (
    EffectiveConfig,
    FlagReport,
    blocking_count,
    check_pair,
    config_label,
    effective_config,
    explain,
    flag_corpus,
)

__all__ = [
    "CHECKS", "DEFAULT_CONFIG", "FLAGS_VERSION", "Check", "CheckOptions", "CorpusCheck", "EffectiveConfig",
    "FlagReport", "FlagResult", "Measurement", "PairView", "blocking_count", "build_checks", "check_pair", "config_label",
    "config_signature", "effective_config", "explain", "flag_corpus", "load_config", "parse_config",
]
