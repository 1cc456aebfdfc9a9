"""The translation options are spelled once (bitext/cli/options.py) and shared by translate and run."""

from __future__ import annotations

import argparse

from bitext.cli import build_parser
from bitext.cli.options import add_translation_options, translation_kwargs
from bitext.translate.backends import BACKEND_CHOICES


def _subparser(name: str) -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _options(p: argparse.ArgumentParser) -> dict[str, tuple]:
    return {a.dest: (tuple(a.option_strings), a.default, a.choices, a.type) for a in p._actions}


def test_translate_and_run_share_the_translation_options() -> None:
    own = argparse.ArgumentParser()
    add_translation_options(own)
    shared = {k: v for k, v in _options(own).items() if k != "help"}
    for command in ("translate", "run"):
        opts = _options(_subparser(command))
        assert {k: opts[k] for k in shared} == shared, command
    assert shared["backend"][2] == BACKEND_CHOICES  # choices come from the registry
    assert shared["model"][1] == "Helsinki-NLP/opus-mt-id-en"


def test_translation_kwargs_are_the_translate_corpus_keywords() -> None:
    p = _subparser("translate")
    args = p.parse_args(["c", "--beams", "4", "--backend", "transformers", "--length-penalty", "0.6",
                         "--shard", "1/2"])
    kw = translation_kwargs(args)
    assert kw == {"model": "Helsinki-NLP/opus-mt-id-en", "revision": None, "backend": "transformers", "beams": 4,
                  "max_new_tokens": None, "max_length_factor": 3.0, "min_new_tokens": None, "length_penalty": 0.6, "batch_tokens": None,
                  "device": None, "compute_type": None, "threads": None, "retry": True}
    assert args.shard == (1, 2)
    run = _subparser("run").parse_args(["in", "--out", "c", "--beams", "2"])
    assert translation_kwargs(run)["beams"] == 2
