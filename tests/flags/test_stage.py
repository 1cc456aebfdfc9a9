"""The flag stage over a store: rows, skip/recompute, sticky config, duplicates, explain, CLI."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from bitext import flags as F
from bitext.errors import BitextError
from bitext.flags import scores, stage
from bitext.flags.checks.text import Quotes
from bitext.model import MetaKey
from bitext.store import Store
from tests.factories import CorpusBuilder, flags_count, flags_query
from tests.flags.helpers import SIG, flag_rows, make_store


def test_flag_corpus_rows_skip_and_recompute(tmp_path: Path):
    store = make_store(tmp_path)
    counts = F.flag_corpus(store, quiet=True)
    assert counts.flagged == 4 and counts.skipped == 0
    assert counts.fired["numbers"] == 1 and counts.fired["low_confidence"] == 1 and counts.fired["unk_source"] == 1
    assert counts.fired["bead_type"] == 1 and counts.fired["duplicate"] == 1
    assert counts.needs_review == 2  # a1:mt:1 (confidence, unk, bead) and a1:mt:2 (numbers)
    rows = flag_rows(store)
    ids = {"a1:mt:0", "a1:mt:1", "a1:mt:2", "a1:mt:3"}
    assert {p for p, _ in rows} == ids
    assert {c for p, c in rows if p == "a1:mt:0"} == {
        "empty_target", "untranslated", "length_ratio", "length_z", "numbers", "repetition", "truncation",
        "low_confidence", "unk_source", "not_english", "bead_type", "low_alignment", "quotes",
        "question_mark", "markup", "mojibake", "control_chars", "duplicate", "bridge_mismatch"}
    # Translation fields combined over the two source sentences: min logprob, summed <unk>.
    assert rows[("a1:mt:1", "low_confidence")] == (-2.5, 1, "warning")
    assert rows[("a1:mt:1", "unk_source")] == (1.0, 1, "warning")
    assert rows[("a1:mt:0", "low_confidence")] == (-0.4, 0, "warning")
    assert rows[("a1:mt:1", "bead_type")] == (2.0, 1, "warning")
    assert rows[("a1:mt:2", "numbers")] == (2.0, 1, "warning")
    assert rows[("a1:mt:3", "duplicate")] == (1.0, 1, "info")
    assert rows[("a1:mt:0", "duplicate")] == (0.0, 0, "info")
    reason = flags_query(store, "SELECT reason FROM pair_flags WHERE pair_id='a1:mt:3' AND check_name='duplicate'"
                         )[0][0]
    assert reason == "same source and target as pair a1:mt:0, seen earlier in the corpus"
    assert store.get_meta("flags.signature") == F.config_signature(F.load_config())

    # Re-run: everything current, nothing recomputed.
    again = F.flag_corpus(store, quiet=True)
    assert again.flagged == 0 and again.skipped == 4 and again.needs_review == 2
    assert flag_rows(store) == rows

    # A pair re-created by the aligner loses its flags by cascade and is flagged again alone.
    with store.tx() as c:  # pairs have no single-pair writer: remove it as a test of the cascade
        row = dict(c.execute("SELECT * FROM pairs WHERE id='a1:mt:2'").fetchone())
        c.execute("DELETE FROM pairs WHERE id='a1:mt:2'")
    CorpusBuilder(store, signature=SIG).pair(
        "a1:mt:2", row["source"], "It costs Rp1.5 billion.", bead_idx=row["bead_idx"],
        src_ids=json.loads(row["src_ids"]), mt=row["mt"], bead_type=row["bead_type"],
        align_score=row["align_score"], signature=row["signature"], created_at=row["created_at"])
    assert flags_count(store, "pair_id='a1:mt:2'") == 0
    third = F.flag_corpus(store, quiet=True)
    assert third.flagged == 1 and third.skipped == 3 and third.fired["numbers"] == 0
    assert flag_rows(store)[("a1:mt:2", "numbers")] == (0.0, 0, "warning")

    # A threshold change re-decides the stored scores: nothing is measured again (tests/flags/test_scores.py).
    cfg = tmp_path / "flags.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    fourth = F.flag_corpus(store, config_path=cfg, quiet=True)
    # 3 rows fire now; the fourth pair's row stays quiet and keeps no reason, so nothing of it changes
    assert fourth.flagged == 0 and fourth.skipped == 4 and fourth.redecided == 3
    assert flags_count(store, "check_name='low_confidence' AND fired=1") == 3
    assert flag_rows(store)[("a1:mt:0", "low_confidence")] == (-0.4, 1, "warning")
    assert store.get_meta("flags.signature") == F.config_signature(F.load_config(cfg))
    store.close()


def test_explain(tmp_path: Path):
    store = make_store(tmp_path)
    before = F.explain(store, "a1:mt:2")
    assert "stored flags: not flagged yet" in before
    F.flag_corpus(store, quiet=True)
    text = F.explain(store, "a1:mt:2")
    lines = text.splitlines()
    assert lines[0] == "pair a1:mt:2 (mt, bead 1-1)"
    assert "  source: Harganya Rp1,5 miliar." in lines and "  target: It costs Rp2.5 billion." in lines
    assert "stored flags: current" in lines and "NEEDS REVIEW" in lines
    assert "  [FIRED] numbers (warning): score 2, fires > 0" in lines
    assert ("          numbers differ: source has '1,5 miliar' not found in the target; "
            "target has '2.5 billion' not found in the source") in lines
    assert "  [ n/a ] missing_names: not applicable" in lines
    with pytest.raises(BitextError, match="no pair with id 'nope'"):
        F.explain(store, "nope")
    store.close()


def test_cli(tmp_path: Path, capsys):
    from bitext.cli import flag as cli_flag

    store = make_store(tmp_path)
    store.close()
    parser = argparse.ArgumentParser(prog="bitext")
    cli_flag.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["flag", str(tmp_path / "corpus")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "flagged 4 pair(s), skipped 0 already flagged; 2 pair(s) in the corpus need review" in out
    args = parser.parse_args(["flag", str(tmp_path / "corpus"), "--explain", "a1:mt:2", "--quiet"])
    assert args.func(args) == 0
    assert "[FIRED] numbers" in capsys.readouterr().out
    args = parser.parse_args(["flag", str(tmp_path / "missing")])
    with pytest.raises(BitextError) as e:
        args.func(args)
    assert e.value.exit_code == 2 and "no corpus store here" in str(e.value)




def test_bad_config_leaves_stored_flags_alone(tmp_path: Path):
    """Regression: a bad value crashed flag_corpus after it had deleted every stored flag."""
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    rows, sig = flag_rows(store), store.get_meta(MetaKey.FLAGS_SIGNATURE)
    cfg = tmp_path / "flags.toml"
    cfg.write_text('[length_ratio]\nthreshold = "x"\n')
    with pytest.raises(BitextError) as e:
        F.flag_corpus(store, config_path=cfg, quiet=True)
    assert e.value.exit_code == 2 and f"{cfg}:2: [length_ratio] threshold" in str(e.value)
    assert flag_rows(store) == rows and store.get_meta(MetaKey.FLAGS_SIGNATURE) == sig
    assert store.get_meta(MetaKey.FLAGS_CONFIG) is None
    store.close()


def test_failing_first_batch_leaves_old_config_and_flags(tmp_path: Path, monkeypatch):
    """Wiping old rows, the new signature and the first batch commit together or not at all (scores of every
    check stale, as after a FLAGS_VERSION bump: every pair is measured again)."""
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    rows, sig = flag_rows(store), store.get_meta(MetaKey.FLAGS_SIGNATURE)
    cfg = tmp_path / "flags.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    monkeypatch.setattr(scores, "FLAGS_VERSION", "bumped")

    def boom(self, pair):
        raise RuntimeError("check crashed")

    real_measure = Quotes.measure
    monkeypatch.setattr(Quotes, "measure", boom)
    with pytest.raises(RuntimeError, match="check crashed"):
        F.flag_corpus(store, config_path=cfg, quiet=True)
    assert flag_rows(store) == rows and store.get_meta(MetaKey.FLAGS_SIGNATURE) == sig
    assert store.get_meta(MetaKey.FLAGS_CONFIG) is None
    monkeypatch.setattr(Quotes, "measure", real_measure)
    assert F.flag_corpus(store, config_path=cfg, quiet=True).flagged == 4
    store.close()


def test_interrupted_recompute_resumes(tmp_path: Path, monkeypatch):
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    cfg = tmp_path / "flags.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    monkeypatch.setattr(scores, "FLAGS_VERSION", "bumped")  # every check's scores stale
    monkeypatch.setattr(stage, "BATCH", 2)
    calls = {"n": 0}
    real = stage._pair_views

    def second_batch_dies(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(stage, "_pair_views", second_batch_dies)
    with pytest.raises(KeyboardInterrupt):
        F.flag_corpus(store, config_path=cfg, quiet=True)
    # The first batch is stored under the new config; the rest is simply not flagged yet.
    assert {p for p, _ in flag_rows(store)} == {"a1:mt:0", "a1:mt:1"}
    assert store.get_meta(MetaKey.FLAGS_SIGNATURE) == F.config_signature(F.load_config(cfg))
    monkeypatch.setattr(stage, "_pair_views", real)
    resumed = F.flag_corpus(store, quiet=True)  # no config: the stored one is reused
    assert resumed.flagged == 2 and resumed.skipped == 2
    assert flag_rows(store)[("a1:mt:0", "low_confidence")] == (-0.4, 1, "warning")
    store.close()


# -- the config is sticky ----------------------------------------------------------------------------

def test_custom_config_is_kept_by_later_runs_until_default(tmp_path: Path):
    store = make_store(tmp_path)
    cfg = tmp_path / "strict.toml"
    text = "[low_confidence]\nthreshold = -0.35\n"
    cfg.write_text(text)
    first = F.flag_corpus(store, config_path=cfg, quiet=True)
    assert first.flagged == 4 and first.fired["low_confidence"] == 3
    assert store.get_meta(MetaKey.FLAGS_CONFIG) == text and store.get_meta(MetaKey.FLAGS_CONFIG_NAME) == "strict.toml"
    assert F.config_label(store) == "strict.toml (stored in the corpus)"
    rows = flag_rows(store)
    cfg.unlink()  # the stored text is what counts, not the file

    # What `bitext run` does: no config -> the stored one, nothing recomputed.
    again = F.flag_corpus(store, quiet=True)
    assert again.flagged == 0 and again.skipped == 4 and flag_rows(store) == rows
    assert store.get_meta(MetaKey.FLAGS_SIGNATURE) == F.config_signature(F.parse_config(text, "x"))
    assert "  [FIRED] low_confidence (warning): score -0.4, fires < -0.35" in F.explain(store, "a1:mt:0")
    assert "config: strict.toml (stored in the corpus)" in F.explain(store, "a1:mt:0")
    assert "stored flags: current" in F.explain(store, "a1:mt:0")
    # explain with 'default' shows the defaults without changing anything.
    text_default = F.explain(store, "a1:mt:0", "default")
    assert "  [ ok  ] low_confidence (warning): score -0.4, fires < -1.5" in text_default
    assert "stored flags: stale (run 'bitext flag')" in text_default
    assert store.get_meta(MetaKey.FLAGS_CONFIG) == text

    back = F.flag_corpus(store, config_path="default", quiet=True)  # thresholds only: re-decided, not measured
    assert back.flagged == 0 and back.redecided == 3  # a row that does not fire either way keeps no reason
    assert flags_count(store, "check_name='low_confidence' AND fired=1") == 1
    assert store.get_meta(MetaKey.FLAGS_CONFIG) is None and store.get_meta(MetaKey.FLAGS_CONFIG_NAME) is None
    assert store.get_meta(MetaKey.FLAGS_SIGNATURE) == F.config_signature(F.load_config())
    assert F.config_label(store) == "built-in defaults"
    assert F.flag_corpus(store, quiet=True).flagged == 0
    store.close()


def test_stored_config_that_became_invalid_is_a_usage_error(tmp_path: Path):
    store = make_store(tmp_path)
    store.set_meta(MetaKey.FLAGS_CONFIG, "[numbers]\nretired_option = 1\n")
    store.set_meta(MetaKey.FLAGS_CONFIG_NAME, "old.toml")
    with pytest.raises(BitextError) as e:
        F.flag_corpus(store, quiet=True)
    assert e.value.exit_code == 2
    assert "meta flags.config is not valid any more (old.toml:2: [numbers] unknown key 'retired_option'" in str(e.value)
    assert flags_count(store) == 0
    assert F.flag_corpus(store, config_path="default", quiet=True).flagged == 4
    store.close()


# -- duplicates are order-independent and follow new pairs -------------------------------------------

def add_pair(store: Store, pid: str, article: str, idx: int, source: str, target: str) -> None:
    b = CorpusBuilder(store, signature=SIG)
    if store.article(article) is None:
        b.article(article)
    b.pair(pid, source, target, article_id=article, bead_idx=idx, mt=target, align_score=0.9, signature=SIG)


def dup_rows(store: Store) -> dict[str, tuple]:
    return {r[0]: (r[2], r[5]) for r in
            flags_query(store, "SELECT * FROM pair_flags WHERE check_name='duplicate'")}


def test_new_pair_before_a_flagged_copy_reflags_the_copy(tmp_path: Path):
    store = make_store(tmp_path)
    F.flag_corpus(store, quiet=True)
    assert dup_rows(store)["a1:mt:0"][0] == 0.0 and dup_rows(store)["a1:mt:3"][0] == 1.0
    # Article 'a0' sorts before 'a1': its copy is now the first occurrence.
    add_pair(store, "a0:mt:0", "a0", 0, "Kucing  punya dua telinga.", "a cat has two ears.")
    counts = F.flag_corpus(store, quiet=True)
    assert counts.flagged == 1 and counts.refreshed == 2 and counts.fired["duplicate"] == 0
    dups = dup_rows(store)
    assert dups["a0:mt:0"] == (0.0, None)  # the first occurrence: did not fire, keeps no reason
    assert dups["a1:mt:0"] == (1.0, "same source and target as pair a0:mt:0, seen earlier in the corpus")
    assert dups["a1:mt:3"] == (1.0, "same source and target as pair a0:mt:0, seen earlier in the corpus")
    # Same rows as flagging the final corpus from scratch.
    incremental = flag_rows(store)
    F.flag_corpus(store, config_path="default", quiet=True)  # signature unchanged: nothing redone
    store.clear_flags()
    F.flag_corpus(store, quiet=True)
    assert flag_rows(store) == incremental

    # Removing the first occurrence hands "first" back to the next copy, without new pairs.
    with store.tx() as c:
        c.execute("DELETE FROM pairs WHERE id='a0:mt:0'")
    counts = F.flag_corpus(store, quiet=True)
    assert counts.flagged == 0 and counts.refreshed == 2
    assert dup_rows(store)["a1:mt:0"] == (0.0, None)
    assert dup_rows(store)["a1:mt:3"][1] == "same source and target as pair a1:mt:0, seen earlier in the corpus"
    assert F.flag_corpus(store, quiet=True).refreshed == 0
    store.close()




def test_cli_config_alias_default_and_summary(tmp_path: Path, capsys):
    from bitext.cli import flag as cli_flag

    make_store(tmp_path).close()
    corpus = str(tmp_path / "corpus")
    cfg = tmp_path / "strict.toml"
    cfg.write_text("[low_confidence]\nthreshold = -0.35\n")
    parser = argparse.ArgumentParser(prog="bitext")
    cli_flag.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["flag", corpus, "--flag-config", str(cfg)])
    assert args.config == str(cfg) and args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "flagged 4 pair(s), skipped 0 already flagged; 4 pair(s) in the corpus need review; "
        "config: strict.toml (stored in the corpus)")
    args = parser.parse_args(["flag", corpus])
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "flagged 0 pair(s), skipped 4 already flagged; 4 pair(s) in the corpus need review; "
        "config: strict.toml (stored in the corpus)")
    args = parser.parse_args(["flag", corpus, "--config", "default"])
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "flagged 0 pair(s), skipped 4 already flagged, 3 stored row(s) re-decided from their scores; "
        "2 pair(s) in the corpus need review; config: built-in defaults")


def test_flag_report_is_typed_and_gives_the_old_dict(tmp_path: Path):
    store = make_store(tmp_path)
    report = F.flag_corpus(store, quiet=True)
    assert isinstance(report, F.FlagReport)
    d = report.as_dict()
    assert list(d)[:4] == ["flagged", "skipped", "refreshed", "needs_review"]
    assert list(d)[4:-1] == list(F.CHECKS) == list(report.fired) and list(d)[-1] == "redecided"
    assert d == {"flagged": 4, "skipped": 0, "refreshed": 0, "needs_review": 2, **report.fired, "redecided": 0}
    assert report.fired["numbers"] == 1 and report.fired["empty_target"] == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.flagged = 0  # type: ignore[misc]
    cfg = tmp_path / "off.toml"
    cfg.write_text("[numbers]\nenabled = false\n")
    assert "numbers" not in F.flag_corpus(store, config_path=cfg, quiet=True).fired
    store.close()


def test_retried_translation_reaches_the_flags(tmp_path: Path):
    from bitext.flags.checks.model import RETRIED_NOTE
    from bitext.translate.leases import TRANSLATE_MIGRATIONS

    store = make_store(tmp_path)
    store.migrate("translate", TRANSLATE_MIGRATIONS)  # adds translations.retried (v2)
    with store.tx() as c:  # the engine's retry mark, as the translate stage writes it
        c.execute("UPDATE translations SET retried = 1, hit_max_length = 1 WHERE source = 'Anjing itu tidur.'")
    report = F.flag_corpus(store, quiet=True)
    rows = flag_rows(store)
    assert rows[("a1:mt:1", "retried")] == (1.0, 1, "info")  # a1:mt:1 holds that sentence (2-2 bead)
    assert {p for p, c in rows if c == "retried"} == {"a1:mt:1"}
    assert rows[("a1:mt:1", "truncation")] == (1.0, 1, "warning")
    reason = flags_query(store, "SELECT reason FROM pair_flags WHERE pair_id='a1:mt:1' AND check_name='truncation'"
                         )[0][0]
    assert reason == f"the model stopped at its max_length (the MT was {RETRIED_NOTE})"
    other = flags_query(store, "SELECT reason, fired FROM pair_flags WHERE pair_id='a1:mt:0' AND"
                        " check_name='truncation'")[0]
    assert other == (None, 0)  # a check that did not fire keeps no reason (explain writes it)
    assert "target ends like the source" in F.explain(store, "a1:mt:0")
    assert report.fired["retried"] == 1 and report.needs_review == 2  # info: not a reason to review by itself
    assert "generated twice" in F.explain(store, "a1:mt:1")


def test_store_without_the_retried_column_still_flags(tmp_path: Path):
    store = make_store(tmp_path)
    cols = {r[1] for r in store.conn.execute("PRAGMA table_info(translations)")}
    assert "retried" not in cols  # a store made before translate migration v2
    report = F.flag_corpus(store, quiet=True)
    assert report.flagged == 4 and report.fired["retried"] == 0 and report.needs_review == 2
    assert not any(c == "retried" for _, c in flag_rows(store))
    assert "retried: not applicable" in F.explain(store, "a1:mt:0")


def test_small_batches_give_the_same_flags_and_leave_no_temp_tables(tmp_path: Path, monkeypatch):
    one = make_store(tmp_path / "one")
    add_pair(one, "a0:mt:0", "a0", 0, "Kucing  punya dua telinga.", "a cat has two ears.")  # a copy, first in order
    F.flag_corpus(one, quiet=True)
    monkeypatch.setattr(stage, "BATCH", 1)  # every pair its own page of the keyset paging
    paged = make_store(tmp_path / "paged")
    add_pair(paged, "a0:mt:0", "a0", 0, "Kucing  punya dua telinga.", "a cat has two ears.")
    report = F.flag_corpus(paged, quiet=True)
    assert report.flagged == 5 and report.fired["duplicate"] == 2  # a1:mt:0 and a1:mt:3 copy a0:mt:0
    full = "SELECT pair_id, check_name, score, fired, severity, reason FROM pair_flags ORDER BY 1, 2"
    assert flags_query(paged, full) == flags_query(one, full)
    assert paged.conn.execute("SELECT name FROM sqlite_temp_master WHERE type='table'").fetchall() == []
    # explain finds the same first occurrence without the corpus-wide tables.
    assert "same source and target as pair a0:mt:0" in F.explain(paged, "a1:mt:3")


def test_worker_processes_write_the_same_rows_in_the_same_order(tmp_path: Path, monkeypatch):
    """Measuring in a pool of spawned workers (several batches in flight) changes nothing stored."""
    monkeypatch.setattr(stage, "BATCH", 1)
    here, pooled = make_store(tmp_path / "here"), make_store(tmp_path / "pooled")
    for s in (here, pooled):
        add_pair(s, "a0:mt:0", "a0", 0, "Kucing  punya dua telinga.", "a cat has two ears.")
    mine = F.flag_corpus(here, quiet=True, workers=0)
    theirs = F.flag_corpus(pooled, quiet=True, workers=2)
    assert theirs == mine and theirs.flagged == 5
    full = "SELECT pair_id, check_name, score, fired, severity, reason FROM pair_flags ORDER BY rowid"
    assert flags_query(pooled, full) == flags_query(here, full)


def test_a_dead_flag_worker_is_one_line(tmp_path: Path):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from bitext.flags.workers import _Guarded

    future: Future = Future()
    future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
    with pytest.raises(BitextError, match=r"flag worker process died .* re-run 'bitext flag'.*--workers 0"):
        _Guarded(future).result()


def test_default_workers_stay_in_process_for_small_runs(monkeypatch):
    from bitext.flags import workers

    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert workers.default_workers(workers.POOL_MIN_PAIRS - 1) == 0
    assert workers.default_workers(workers.POOL_MIN_PAIRS) == 2
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    assert workers.default_workers(10**6) == workers.MAX_DEFAULT_WORKERS
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert workers.default_workers(10**6) == 0


def test_a_script_without_a_main_guard_can_flag_with_workers(tmp_path: Path):
    """Workers must not run the caller's script again (what spawn does to an unguarded script)."""
    import subprocess
    import sys

    make_store(tmp_path).close()
    script = tmp_path / "flag_it.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from bitext.flags import flag_corpus\n"
        "from bitext.store import Store\n"
        f"store = Store.open({str(tmp_path / 'corpus')!r})\n"
        "print('flagged', flag_corpus(store, quiet=True, workers=2).flagged)\n",
        encoding="utf-8",
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout) == (0, "flagged 4\n"), out.stderr[-2000:]


def test_workers_are_spawned_where_fork_is_unsafe(monkeypatch):
    import sys
    import types

    from bitext.flags import workers

    monkeypatch.setattr(workers.sys, "platform", "linux")
    monkeypatch.setitem(sys.modules, "ray", types.SimpleNamespace(is_initialized=lambda: False))
    assert workers.start_method() == "fork"
    monkeypatch.setitem(sys.modules, "ray", types.SimpleNamespace(is_initialized=lambda: True))
    assert workers.start_method() == "spawn"
    monkeypatch.delitem(sys.modules, "ray")
    monkeypatch.setattr(workers.sys, "platform", "darwin")
    assert workers.start_method() == "spawn"
