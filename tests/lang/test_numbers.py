"""Indonesian/English numbers: values for the flags, canonical anchors for alignment."""

from __future__ import annotations

import pytest

from bitext.lang.numbers import compare_numbers, extract_numbers, normalize_number, numeral_values


@pytest.mark.parametrize(
    "text, lang, values",
    [
        ("1.500,5", "id", {1500.5}),
        ("1,500.5", "en", {1500.5}),
        ("Rp1,5 miliar", "id", {1.5e9}),
        ("Rp1.5 billion", "en", {1.5e9}),
        ("2 juta orang", "id", {2e6}),
        ("20 ribu", "id", {20000.0}),
        ("3,5 persen", "id", {3.5}),
        ("1.500.000", "id", {1.5e6}),
        ("5 triliun", "id", {5e12}),
    ],
)
def test_number_normalisation(text, lang, values):
    (n,) = extract_numbers(text, lang)
    assert set(n.values) == values


def test_time_normalisation():
    (n,) = extract_numbers("pukul 10.00 WIB", "id")
    assert ("time", 600) in n.values and 10.0 in n.values
    (m,) = extract_numbers("at 10:00 a.m.", "en")
    assert n.matches(m)
    (a,) = extract_numbers("pukul 14.30 WIB", "id")
    (b,) = extract_numbers("2:30 p.m.", "en")
    assert a.matches(b)


@pytest.mark.parametrize(
    "source, target",
    [
        ("Harganya Rp1,5 miliar.", "It costs Rp1.5 billion."),
        ("Harganya Rp1,5 miliar.", "It costs 1.5 billion rupiah."),
        ("Sebanyak 2 juta orang.", "As many as 2 million people."),
        ("Naik 3,5 persen.", "Up 3.5 percent."),
        ("Ada 1.500,5 ton.", "There are 1,500.5 tons."),
        ("Ada 20 ribu warga.", "There are 20,000 residents."),
        ("Pada 12 Maret 2020 pukul 10.00 WIB.", "On March 12, 2020 at 10:00 a.m. WIB."),
        ("Ada 3 orang.", "There were three people."),
        ("Sebanyak dua juta orang.", "As many as 2 million people."),
        ("Pada tahun 1990-an.", "In the 1990s."),
    ],
)
def test_numbers_that_match(source, target):
    assert compare_numbers(source, target) == ([], [])


def test_numbers_that_differ_are_reported_both_ways():
    miss_src, miss_tgt = compare_numbers("Pada 12 Maret 2020.", "On March 12, 2021.")
    assert [n.text for n in miss_src] == ["2020"] and [n.text for n in miss_tgt] == ["2021"]
    # Multisets: one 5 is not two.
    miss_src, miss_tgt = compare_numbers("Ada 5 dan 5.", "There are 5.")
    assert [n.text for n in miss_src] == ["5"] and miss_tgt == []



# -- the two readers share one core but keep their own policies ------------------------------------

@pytest.mark.parametrize(
    "token, lang, forms",
    [
        ("1.500,5", "id", {"1500.5"}),
        ("1,500.5", "en", {"1500.5"}),
        ("1.500", "id", {"1500", "1.5"}),  # ambiguous: the text may follow the other convention
        ("1,500", "en", {"1500", "1.5"}),
        ("1.5", "id", {"15"}),
        ("1.5", "en", {"1.5"}),
        ("007", "en", {"7"}),
        ("2,50", "id", {"2.5"}),
        ("1.2.3", "en", set()),
        ("1.500.000", "id", {"1500000"}),
    ],
)
def test_normalize_number_gives_canonical_anchor_forms(token, lang, forms):
    assert normalize_number(token, lang) == forms


@pytest.mark.parametrize(
    "token, lang, values",
    [
        ("1.500", "id", {1500.0}),  # in its own locale only a thousands group
        ("1,500", "id", {1500.0, 1.5}),  # the other locale's grouping, or a decimal
        ("1.5", "id", {1.5}),
        ("1.2.3", "en", {1.0, 2.0, 3.0}),
        ("1.000,5.3", "id", {1.0, 0.0, 5.0, 3.0}),  # odd mix: the pieces
    ],
)
def test_numeral_values_policy(token, lang, values):
    assert numeral_values(token, lang) == values


def test_no_numbers_no_work():
    assert compare_numbers("Kucing itu tidur.", "The cat sleeps.") == ([], [])
    (n,) = compare_numbers("Ada 3 orang.", "There were four people.")[0]
    assert n.text == "3"
