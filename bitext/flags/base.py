"""The interface of a review flag: a :class:`Check` measures a pair once, then decides and explains.

Following OpusFilter, scoring and deciding are apart: :meth:`Check.measure` computes the score and
the evidence behind it (the numbers missing, P(English), the names not found ...) once;
:meth:`Check.fires` compares the score with the configured threshold in the check's
:attr:`Check.direction`; :meth:`Check.reason` only formats the evidence. Thresholds are therefore
data (calibrated with ``scripts/eval_flags.py --calibrate``) and a reviewer sees how far a pair is
from the limit.

A check's settings are its :attr:`Check.Options`, a frozen dataclass whose defaults are the single
source of the built-in configuration (``bitext/flags/defaults.toml`` documents them; a test keeps
the two equal).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from bitext.model import WARNING

FLAGS_VERSION = "7"  # 2: length_z check; not_english asks lingua too on short targets; 3: article_alignment,
# markup, mojibake, control_chars checks; names/numbers read news forms; 4: truncation says when the MT was
# retried, 'retried' check (info); 5: rows keep their evidence (bitext.flags.scores), length checks calibrated
# on the corpus; 6: adequacy check (corpus lexicon), missing_names excuses what the corpus lexicon says a name
# is translated as; 7: glossary check (the corpus glossary)
"""Bump when a check's scoring changes, so stores re-flag every pair."""

Direction = Literal["above", "below", "outside"]


@dataclass
class PairView:
    """Everything a check may look at for one aligned pair.

    Translation fields (``logprob`` .. ``source_split``) come from the MT of the pair's source
    sentences; ``None``/0/False when unknown (e.g. a human reference pair in an evaluation).
    ``first_seen`` is the corpus-wide state of :class:`CorpusCheck`: the id of the first pair in the
    corpus with the same source and target (this pair's own id when it is the first); ``None`` = not
    computed (only :func:`bitext.flags.flag_corpus` computes it). ``article_confidence``: the aligner's
    confidence in the whole article's alignment (``align_state.confidence``; None when not judged).
    ``retried``: the engine generated the MT of (one of) the source sentences a second time, with
    repetition penalties, because the first output ran to its length bound or looped
    (``translations.retried``); False on stores made before that column.
    """

    id: str
    source: str
    target: str
    mt: str | None
    bead_type: str
    align_score: float | None
    logprob: float | None
    n_tokens: int | None
    n_unk: int
    hit_max_length: bool
    source_split: bool
    kind: str = "mt"
    first_seen: str | None = None
    article_confidence: float | None = None
    retried: bool = False
    model_score: float | None = None
    """Forced-decoding score of the target under the corpus's MT model (mean log-probability per token;
    :mod:`bitext.translate.scoring`), for reference pairs when a model was given; None otherwise."""


@dataclass(frozen=True)
class FlagResult:
    """Outcome of one check on one pair (one ``pair_flags`` row)."""

    check: str
    score: float | None
    fired: bool
    severity: str
    reason: str
    evidence: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The measurement's evidence (stored beside the row so the decision can be re-made without measuring)."""

    def row(self, pair_id: str) -> tuple[Any, ...]:
        """Its ``pair_flags`` row (:data:`bitext.store.FLAG_COLUMNS`) for pair ``pair_id``."""
        return (pair_id, self.check, self.score, int(self.fired), self.severity, self.reason)


@dataclass(frozen=True)
class Measurement:
    """A check's score for one pair and the evidence its reason is written from."""

    score: float
    evidence: Mapping[str, Any] = field(default_factory=dict)


def option(default: Any, kind: str | None = None, *, in_defaults: bool = True, decides: bool = False) -> Any:
    """A field of a check's :class:`CheckOptions`.

    ``kind`` names the validator a config value must pass (see :mod:`bitext.flags.config`); the
    common fields have their own rules and no kind. ``in_defaults=False`` keeps the field out of the
    built-in config table (and so out of the defaults' :func:`~bitext.flags.config.config_signature`):
    ``defaults.toml`` has never listed it, and listing it now would make every store re-flag.
    ``decides=True``: the field changes decisions only, never scores (like threshold and severity), so a
    change re-decides the stored scores instead of measuring again (:mod:`bitext.flags.scores`).
    """
    return field(default=default, metadata={"kind": kind, "in_defaults": in_defaults, "decides": decides})


@dataclass(frozen=True)
class CheckOptions:
    """Options every check has; a check subclasses this with its own defaults and extra fields.

    ``threshold`` is a number, or ``(low, high)`` for a check whose direction is 'outside';
    ``severity`` is one of :data:`bitext.model.SEVERITIES`; ``enabled`` False leaves the check out.
    """

    threshold: Any = option(0)
    severity: str = option(WARNING)
    enabled: bool = option(True, in_defaults=False)


def fmt(x: Any) -> str:
    """A score or threshold as reviewers read it: 3 significant digits for floats."""
    return f"{x:.3g}" if isinstance(x, float) else str(x)


class Check(ABC):
    """One review flag. A subclass sets ``name``, ``description``, ``direction`` and ``Options``,
    and implements :meth:`measure` and (usually) :meth:`reason`.

    ``direction`` says which side of the threshold fires: 'above' (score > threshold), 'below'
    (score < threshold) or 'outside' (threshold is (low, high)). ``severity`` on the class is the
    default of its Options; on an instance it is the configured one.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    direction: ClassVar[Direction] = "above"
    reason_names_threshold: ClassVar[bool] = True
    """False when :meth:`reason` reads neither threshold nor severity: the stored reason then stays right when
    they change, so the row's evidence need not be stored (:mod:`bitext.flags.scores`; a test holds every
    check that says False to it)."""
    Options: ClassVar[type[CheckOptions]] = CheckOptions
    severity: str = WARNING

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.severity = cls.Options().severity  # one source: the Options default

    def __init__(self, options: CheckOptions | None = None) -> None:
        self.options = type(self).Options() if options is None else options
        self.severity = self.options.severity
        self.threshold = self.options.threshold

    @abstractmethod
    def measure(self, pair: PairView) -> Measurement | None:
        """The score of this pair and its evidence; None when the check does not apply."""

    def fires(self, m: Measurement) -> bool:
        """Threshold decision, kept apart from measuring so thresholds can be calibrated."""
        if self.direction == "outside":
            low, high = self.threshold
            return m.score < low or m.score > high
        if self.direction == "below":
            return m.score < self.threshold
        return m.score > self.threshold

    def reason(self, m: Measurement) -> str:
        """What was measured and why it matters, from the measurement alone (never re-measures)."""
        return f"{self.description}: score {fmt(m.score)} (threshold {self.threshold_text()})"

    def threshold_text(self) -> str:
        """When the check fires, for people: '> 0', '< 0.33', 'outside [0.595, 1.43]'."""
        t = self.threshold
        if self.direction == "outside":
            return f"outside [{fmt(t[0])}, {fmt(t[1])}]"
        return ("> " if self.direction == "above" else "< ") + fmt(t)

    def result(self, m: Measurement | None) -> FlagResult | None:
        """The flag row of a measurement (None when the check did not apply)."""
        if m is None:
            return None
        return FlagResult(self.name, m.score, bool(self.fires(m)), self.severity, self.reason(m), m.evidence)

    def run(self, pair: PairView) -> FlagResult | None:
        """Measure ``pair`` once and decide: its flag row, or None when the check does not apply."""
        return self.result(self.measure(pair))


class CorpusCheck(Check):
    """A check decided by corpus-wide state rather than by the pair's texts: the first pair of the
    corpus with the same source and target (:attr:`PairView.first_seen`).

    :meth:`measure_first` needs only the pair's id and that first id, so the stage can refresh the
    stored rows of already-flagged pairs when the corpus changes, without rebuilding their views.
    """

    def measure(self, pair: PairView) -> Measurement | None:
        if pair.first_seen is None:
            return None
        return self.measure_first(pair.id, pair.first_seen)

    @abstractmethod
    def measure_first(self, pair_id: str, first_id: str) -> Measurement | None:
        """The score of pair ``pair_id`` whose first occurrence in the corpus is ``first_id``."""
