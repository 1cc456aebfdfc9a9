"""Units after numerals and conversions within rounding (bitext.lang.units)."""

from __future__ import annotations

import pytest

from bitext.lang.units import same_quantity, unit_after


@pytest.mark.parametrize(
    "text, unit",
    [("152 meter tinggi", "m"), ("500 feet", "ft"), ("35 derajat Celsius", "c"), ("95°F", "f"), ("3 km.", "km"),
     ("100 km/jam", "kmh"), ("62 mph", "mph"), ("5 kg", "kg"), ("10 mil", "mi"), ("10 miles", "mi"),
     ("3 orang", None), ("5 menit", None), ("2 are here", None), ("7 mangoes", None), ("4 m2", None)],
)
def test_unit_after(text, unit):
    end = next(k for k, c in enumerate(text) if not c.isdigit())
    assert unit_after(text, end) == unit


@pytest.mark.parametrize(
    "a, ua, b, ub, same",
    [
        (152, "m", 500, "ft", True), (160, "km", 100, "mi", True), (35, "c", 95, "f", True),
        (0, "c", 32, "f", True), (100, "kmh", 62, "mph", True), (2, "kg", 4.4, "lb", True),
        (152, "m", 900, "ft", False), (35, "c", 35, "f", False), (10, "km", 10, "km", False),
        (5, "kg", 11, "ft", False), (1, "ha", 2.5, "acre", True),
    ],
)
def test_same_quantity(a, ua, b, ub, same):
    assert same_quantity(a, ua, b, ub) is same
