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


# -- news forms, units, scale words ------------------------------------------------------------------

@pytest.mark.parametrize(
    "source, target",
    [
        ("Dana sebesar Rp690 triliun.", "Funds of Rp. 690 trillion."),
        ("Pada pukul 09.48 WIB, rupiah melemah.", "At 09.48 Western Indonesia Time, the rupiah weakened."),
        ("Sekitar pukul 12.00 GMT.", "At about 1200 GMT."),
        ("Jutaan warga mudik.", "Millions of residents went home."),
        ("Setengah dari anggaran.", "Half of the budget."),
        ("Ratusan nelayan dan jutaan warga.", "Hundreds of fishermen and millions of residents."),
        ("Beberapa juta orang.", "Several million people."),
        ("Gedung setinggi 152 meter.", "The building is 500 feet tall."),
        ("Suhu mencapai 35 derajat Celsius.", "Temperatures reached 95 degrees Fahrenheit."),
        ("Suhu mencapai 35°C.", "It reached 95°F."),
        ("Jaraknya sekitar 160 kilometer.", "It is about 100 miles away."),
        ("Diameternya 100 hingga 250 meter.", "They are 100 to 250 meters (328 to 820 feet) across."),
        ("Gedung setinggi 152 meter.", "The building is 152 meters (500 feet) tall."),
        ("Kecepatannya 100 km/jam.", "Its speed is 62 mph."),
    ],
)
def test_news_forms_units_and_scale_words_that_match(source, target):
    assert compare_numbers(source, target) == ([], [])


@pytest.mark.parametrize(
    "source, target, src_only, tgt_only",
    [
        ("Jutaan warga mudik.", "Billions of residents went home.", ["Jutaan"], ["Billions"]),
        ("Beberapa juta orang.", "Several billion people.", ["juta"], ["billion"]),
        ("Sebanyak dua juta wisatawan.", "As many as two billion tourists.", ["dua juta"], ["two billion"]),
        ("Setengah dari anggaran.", "Millions of the budget.", ["Setengah"], ["Millions"]),
        ("Gedung setinggi 152 meter.", "The building is 900 feet tall.", ["152"], ["900"]),
        ("Jaraknya sekitar 160 kilometer.", "It is about 160 miles away.", [], []),  # same value: not a conversion
        ("Setengah dari siswa tidak hadir.", "A quarter of the students are absent.", ["Setengah"], ["quarter"]),
        ("Sungai sepanjang 6.387 km. Airnya dari ribuan sungai.", "The river is 6,387 km. It drains millions of "
         "rivers.", ["ribuan"], ["millions"]),  # a digit matched on its own side does not excuse 'ribuan'
        ("Pada triwulan kedua naik.", "It rose in the second quarter.", [], []),
    ],
)
def test_contradicting_scale_words_and_wrong_conversions(source, target, src_only, tgt_only):
    a, b = compare_numbers(source, target)
    assert ([n.text for n in a], [n.text for n in b]) == (src_only, tgt_only)


def test_a_scale_word_left_out_is_not_a_contradiction():
    assert compare_numbers("Jutaan warga mudik.", "Many residents went home.") == ([], [])
    assert compare_numbers("Ribuan orang datang.", "A crowd came.") == ([], [])


def test_english_clock_times_written_the_indonesian_way():
    (n,) = extract_numbers("at 09.48 local time", "en")
    assert ("time", 588) in n.values and 9.48 in n.values
    (m,) = extract_numbers("rose 9.48 percent", "en")
    assert m.values == frozenset({9.48})  # no leading zero, no time word: a decimal


@pytest.mark.parametrize("token, lang", [("0,000", "en"), ("00,000", "en"), ("0.000", "id")])
def test_a_zero_thousands_group_is_zero_not_an_error(token, lang):
    # Both readings are 0: dropping the decimal one used to empty the set and raise ValueError.
    assert numeral_values(token, lang) == {0.0}


def test_zero_thousands_in_a_target_is_compared_not_raised():
    src_only, tgt_only = compare_numbers("Kota itu berpenduduk 40.000 orang.", "The town has 0,000 people.")
    assert [n.text for n in src_only] == ["40.000"] and [n.text for n in tgt_only] == ["0,000"]
