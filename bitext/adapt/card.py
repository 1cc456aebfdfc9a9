"""The model card (``README.md``) of an adapted model: what it was trained on, how, and how it scores.

Every statement comes from the :class:`bitext.adapt.train.AdaptReport`: the corpus and data signatures,
pair counts by origin (accepted, edited, reference) for train and held-out, the base model with its
fingerprint and revision, the hyper-parameters, the held-out scores before and after (sacrebleu
signatures) and the learning curve.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bitext import __version__
from bitext.adapt.report import AdaptReport

_ORIGINS = ("accepted", "edited", "reference")


def _count_row(label: str, counts: dict[str, int]) -> str:
    cells = [str(counts.get(o, 0)) for o in _ORIGINS]
    return f"| {label} | {' | '.join(cells)} | {sum(counts.values())} |"


def render_card(report: AdaptReport, corpus_name: str) -> str:
    """The card's Markdown (YAML front matter for the Hub, then the documentation)."""
    r = report
    hub_base = r.base if "/" in r.base and not r.base.startswith((".", "/")) else None
    front = ["---", "language:", "- id", "- en", "library_name: transformers", "pipeline_tag: translation",
             "tags:", "- translation", "- marian", "- bitext-adapt"]
    if hub_base:
        front += [f"base_model: {hub_base}"]
    front += ["---", ""]
    curve = "\n".join(
        f"| {p.step} | {'' if p.loss is None else f'{p.loss:.4f}'} | {p.chrf:.2f} | {p.bleu:.2f} | {p.ter:.2f} |"
        + (" best |" if p.step == r.best_step and p.step else " |")
        for p in r.history)
    sigs = "\n".join(f"- {k}: `{v}`" for k, v in sorted(r.metric_signatures.items()))
    return "\n".join(front) + f"""# `{r.base}` adapted to corpus `{corpus_name}`

Made by `bitext adapt` (bitext {__version__}): continued training of `{r.base}` on the pairs of the bitext
corpus `{corpus_name}` that a person stands behind: pairs a reviewer accepted or edited (the reviewer's
English) and clean human-reference pairs.

- Adaptation signature: `{r.signature}`
- Base model: `{r.base}`, fingerprint `{r.base_fingerprint}`
- Corpus id: `{r.data.corpus_id or "unknown"}`; data signature `{r.data.signature}` (sha256 of the pairs)

Translations made with this folder record its fingerprint in their signature and this adaptation signature
in `translate.settings` (`adapted`).

## Data

| | accepted | edited | reference | total |
|---|---|---|---|---|
{_count_row("train", r.data.counts.get("train", {}))}
{_count_row("held-out", r.data.counts.get("heldout", {}))}

Held-out pairs are those of the validation and test articles under the dataset splits' rule of
`bitext publish` (articles sharing a sentence kept together), so they were never trained on, and the model
never saw the published test split.{(" " + r.data.split_note) if r.data.split_note else ""}

## Held-out scores

{len(r.data.heldout)} held-out pairs (at most {r.options.eval_max} measured), beam {r.options.eval_beams}:

| model | chrF | BLEU | TER |
|---|---|---|---|
| base | {r.before.chrf:.2f} | {r.before.bleu:.2f} | {r.before.ter:.2f} |
| adapted (update {r.best_step}) | {r.after.chrf:.2f} | {r.after.bleu:.2f} | {r.after.ter:.2f} |

sacrebleu signatures:
{sigs}

## Learning curve

{r.steps} updates{" (stopped early: no chrF gain in " + str(r.options.patience) + " evaluations)" if r.stopped_early else ""};
the weights of the best evaluation are kept.

| update | train loss | chrF | BLEU | TER | |
|---|---|---|---|---|---|
{curve}

## Hyper-parameters

Device `{r.device}`, precision `{r.precision}`; {r.train_tokens:,} tokens trained on
({r.tokens_per_second:,.0f} tokens/s).

```json
{json.dumps(asdict(r.options), indent=1)}
```

## Use

```
bitext translate CORPUS --model {Path(r.out).name}
bitext compare CORPUS --model {r.base} --model {Path(r.out).name}
```
"""


def write_card(path: Path, report: AdaptReport, corpus_name: str) -> None:
    """Write the card to ``path`` (inside the folder being assembled, which is moved into place whole)."""
    path.write_text(render_card(report, corpus_name), encoding="utf-8")
