"""`bitext flag --report`: counts, histograms, examples and what-if thresholds from the stored scores only;
the review app's stats page draws the same histograms."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pytest

from bitext import flags as F
from bitext.errors import BitextError
from bitext.flags.report import bins_of, check_stats, histograms, parse_what_if, report
from tests.factories import flags_query
from tests.flags.test_scores import corpus, forbid_measuring


@pytest.fixture
def flagged(tmp_path: Path):
    store = corpus(tmp_path, n=60)
    F.flag_corpus(store, quiet=True, workers=0)
    yield store
    store.close()


def count(store, sql: str, *args) -> int:
    """``sql``'s count, ``pair_flags`` read as one row per stored check (whatever the store's layout)."""
    return flags_query(store, sql, args)[0][0]


def test_stats_agree_with_the_stored_rows_and_measure_nothing(flagged, monkeypatch):
    forbid_measuring(monkeypatch)
    stats = {s.name: s for s in check_stats(flagged, what_if={"low_alignment": [0.5], "length_z": [(-1.0, 1.0)]})}
    assert list(stats) == [c.name for c in F.build_checks()]
    la = stats["low_alignment"]
    assert la.measured == count(flagged, "SELECT COUNT(*) FROM pair_flags WHERE check_name='low_alignment'")
    assert la.fired == {"warning": count(flagged, "SELECT COUNT(*) FROM pair_flags WHERE check_name='low_alignment'"
                                                  " AND fired=1")}
    assert sum(b.count for b in la.bins) == la.measured
    asked = [w for w in la.what_if if w.asked]
    assert [(w.threshold, w.fired) for w in asked] == [(0.5, count(flagged, "SELECT COUNT(*) FROM pairs WHERE"
                                                                            " align_score < 0.5"))]
    # Pairs needing review at 0.5: those blocked by another check, plus those under 0.5.
    assert asked[0].needs_review == count(
        flagged, "SELECT COUNT(*) FROM pairs p WHERE p.align_score < 0.5 OR EXISTS (SELECT 1 FROM pair_flags f WHERE"
        " f.pair_id = p.id AND f.fired = 1 AND f.severity IN ('warning', 'error') AND f.check_name != 'low_alignment')")
    # The offered thresholds fire on about 0.5 %, 1 %, 2 %, 5 % of the scores, counted exactly.
    x = np.array([r[0] for r in flags_query(flagged, "SELECT score FROM pair_flags WHERE check_name='low_alignment'")])
    for w in la.what_if:
        assert w.fired == int((x < w.threshold).sum())
    lz = stats["length_z"]
    (w,) = [w for w in lz.what_if if w.asked]
    assert w.threshold == (-1.0, 1.0) and w.fired == count(
        flagged, "SELECT COUNT(*) FROM pair_flags WHERE check_name='length_z' AND (score < -1 OR score > 1)")
    # Examples straddle the threshold.
    assert any(e.fired for e in la.examples) and any(not e.fired for e in la.examples)
    assert all(e.score < 0.3 for e in la.examples if e.fired)


def test_bins_are_chosen_from_the_data():
    assert [(b.label, b.count) for b in bins_of(np.array([0.0, 0, 0, 1, 3, 3]))] == [("0", 3), ("1", 1), ("3", 2)]
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, 5000), [50.0, -40.0]])
    bins = bins_of(x)
    assert 2 < len(bins) <= 16 and sum(b.count for b in bins) == len(x)
    assert bins[0].label.startswith("<=") and bins[-1].label.startswith(">=")  # the outliers, not 40 empty bins
    assert bins_of(np.array([])) == []
    assert [b.count for b in bins_of(np.array([0.5, 0.5]))] == [2]


def test_what_if_values_are_checked():
    dirs = {"low_alignment": "below", "length_z": "outside"}
    assert parse_what_if(["low_alignment=0.5", "length_z=-3,3"], dirs) == {"low_alignment": [0.5],
                                                                           "length_z": [(-3.0, 3.0)]}
    for bad in ("low_alignment", "nope=1", "length_z=1", "low_alignment=x", "length_z=3,-3", "low_alignment=nan"):
        with pytest.raises(BitextError) as e:
            parse_what_if([bad], dirs)
        assert e.value.exit_code == 2 and bad in str(e.value)


def test_cli_report(flagged, capsys):
    from bitext.cli import flag as cli_flag

    parser = argparse.ArgumentParser(prog="bitext")
    cli_flag.register(parser.add_subparsers(dest="command"))
    before = count(flagged, "SELECT COUNT(*) FROM pair_flags")
    args = parser.parse_args(["flag", str(flagged.path.parent), "--report", "--check", "numbers",
                              "--what-if", "numbers=2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    fired = count(flagged, "SELECT COUNT(*) FROM pair_flags WHERE check_name='numbers' AND fired=1")
    assert out.startswith("== numbers: numbers differ (warning; fires > 0)\n")
    assert f"   measured on 120 of 120 pair(s); fired on {fired} " in out
    assert re.search(rf"^   0 \| #+ {120 - fired}$", out, re.M) and re.search(rf"^   2 \| #+ {fired}$", out, re.M)
    assert re.search(r"2 \(asked\): fires on 0 \(0\.00%\); \d+ pair\(s\) of the corpus would need review", out)
    assert "== length_z" not in out and count(flagged, "SELECT COUNT(*) FROM pair_flags") == before
    assert "== length_z" in report(flagged)


def test_stats_page_draws_the_histograms(flagged):
    from bitext.web.app import create_app

    hist = {h["name"]: h for h in histograms(flagged)}
    numbers = hist["numbers"]
    assert [(b["label"], b["fires"]) for b in numbers["bins"]] == [("0", False), ("2", True)]
    app = create_app(flagged, reviewer="ana")
    app.testing = True
    page = app.test_client().get("/stats").get_data(as_text=True)
    assert 'id="flag-histograms"' in page and 'id="hist-numbers"' in page and "<svg" in page
    assert page.count('<figure class="histogram"') == len(hist)
    assert "style=" not in page.split('id="flag-histograms"')[1]  # the CSP allows no inline styles


def test_histograms_are_kept_until_the_flags_change(flagged, tmp_path, monkeypatch):
    from bitext.flags import report as R

    first = histograms(flagged)
    calls = {"n": 0}
    real = R._histograms

    def counted(store):
        calls["n"] += 1
        return real(store)

    monkeypatch.setattr(R, "_histograms", counted)
    assert histograms(flagged) is first and calls["n"] == 0
    cfg = tmp_path / "t.toml"
    cfg.write_text("[numbers]\nthreshold = 2\n")
    F.flag_corpus(flagged, config_path=cfg, quiet=True, workers=0)  # re-decided in place: same rowids
    again = histograms(flagged)
    assert calls["n"] == 1 and [b["fires"] for b in {h["name"]: h for h in again}["numbers"]["bins"]] == [False, False]
