"""Units of measure after a number, so that a conversion by the translator is not a number mismatch.

News translators convert: ``152 meter`` becomes ``500 feet``, ``160 kilometer`` ``100 miles``,
``35 derajat Celsius`` ``95 degrees Fahrenheit``. :func:`unit_after` reads the unit written right after
a numeral; :func:`same_quantity` says whether two (value, unit) pairs are one quantity within the
rounding a translator applies (:data:`TOLERANCE`).
"""

from __future__ import annotations

import re

# canonical unit -> (dimension, factor to the dimension's base unit); temperatures are handled apart.
UNITS: dict[str, tuple[str, float]] = {
    "mm": ("length", 0.001), "cm": ("length", 0.01), "m": ("length", 1.0), "km": ("length", 1000.0),
    "in": ("length", 0.0254), "ft": ("length", 0.3048), "yd": ("length", 0.9144), "mi": ("length", 1609.344),
    "g": ("mass", 0.001), "kg": ("mass", 1.0), "t": ("mass", 1000.0), "lb": ("mass", 0.45359237),
    "oz": ("mass", 0.028349523), "l": ("volume", 1.0), "gal": ("volume", 3.785411784),
    "ha": ("area", 1e4), "km2": ("area", 1e6), "acre": ("area", 4046.8564), "sqmi": ("area", 2589988.1),
    "kmh": ("speed", 1.0), "mph": ("speed", 1.609344), "c": ("temperature", 1.0), "f": ("temperature", 1.0),
}  # fmt: skip

# Surface forms (lower case) -> canonical unit; longer forms first in the pattern below.
_FORMS: dict[str, str] = {
    "milimeter": "mm", "millimeter": "mm", "millimetre": "mm", "millimeters": "mm", "millimetres": "mm", "mm": "mm",
    "sentimeter": "cm", "centimeter": "cm", "centimetre": "cm", "centimeters": "cm", "centimetres": "cm", "cm": "cm",
    "meter": "m", "metre": "m", "meters": "m", "metres": "m", "m": "m",
    "kilometer": "km", "kilometre": "km", "kilometers": "km", "kilometres": "km", "km": "km",
    "inci": "in", "inch": "in", "inches": "in", "kaki": "ft", "foot": "ft", "feet": "ft", "ft": "ft",
    "yard": "yd", "yards": "yd", "mil": "mi", "mile": "mi", "miles": "mi", "mi": "mi",
    "gram": "g", "grams": "g", "g": "g", "kilogram": "kg", "kilograms": "kg", "kg": "kg",
    "ton": "t", "tons": "t", "tonnes": "t", "tonne": "t", "pon": "lb", "pound": "lb", "pounds": "lb", "lb": "lb",
    "lbs": "lb", "ons": "oz", "ounce": "oz", "ounces": "oz", "oz": "oz",
    "liter": "l", "litre": "l", "liters": "l", "litres": "l", "galon": "gal", "gallon": "gal", "gallons": "gal",
    "hektare": "ha", "hektar": "ha", "hectare": "ha", "hectares": "ha", "ha": "ha",
    "km2": "km2", "km²": "km2", "kilometer persegi": "km2", "square kilometers": "km2", "square kilometres": "km2",
    "acre": "acre", "acres": "acre", "are": "acre", "square miles": "sqmi", "square mile": "sqmi",
    "km/jam": "kmh", "km/h": "kmh", "kph": "kmh", "kilometer per jam": "kmh", "kilometers per hour": "kmh",
    "kilometres per hour": "kmh", "mph": "mph", "miles per hour": "mph", "mil per jam": "mph",
    "°c": "c", "° c": "c", "derajat celsius": "c", "derajat celcius": "c", "degrees celsius": "c",
    "degree celsius": "c", "celsius": "c", "°f": "f", "° f": "f", "derajat fahrenheit": "f",
    "degrees fahrenheit": "f", "degree fahrenheit": "f", "fahrenheit": "f",
}  # fmt: skip
_FORMS.pop("are")  # 'are' is a verb far more often than a unit
_UNIT = re.compile(
    r"\s*(?:-\s*)?(" + "|".join(re.escape(f) for f in sorted(_FORMS, key=len, reverse=True)) + r")(?![\w²])",
    re.IGNORECASE,
)

TOLERANCE = 0.05
"""Relative difference allowed between a converted quantity and the other side's (translators round
152 m to 500 ft, 160 km to 100 miles); at least 1 unit of the larger side's value."""


def unit_after(text: str, end: int) -> str | None:
    """The canonical unit written right after position ``end`` (the end of a numeral), or None."""
    m = _UNIT.match(text, end)
    return _FORMS[m.group(1).lower()] if m else None


def _base(value: float, unit: str) -> tuple[str, float]:
    dim, factor = UNITS[unit]
    if dim == "temperature":
        return dim, value if unit == "c" else (value - 32.0) * 5.0 / 9.0
    return dim, value * factor


def same_quantity(a: float, unit_a: str, b: float, unit_b: str) -> bool:
    """True when ``a unit_a`` and ``b unit_b`` are the same quantity within rounding (different units)."""
    if unit_a == unit_b:
        return False  # not a conversion: the values themselves must match
    dim_a, x = _base(a, unit_a)
    dim_b, y = _base(b, unit_b)
    if dim_a != dim_b:
        return False
    if dim_a == "temperature":
        fa = a * 9 / 5 + 32 if unit_a == "c" else a  # compare in Fahrenheit, the rounded side
        fb = b * 9 / 5 + 32 if unit_b == "c" else b
        return abs(fa - fb) <= max(TOLERANCE * abs(max(fa, fb, key=abs)), 1.5)
    # tolerance in the units of the side with the larger number (the one that was rounded)
    return abs(x - y) <= TOLERANCE * max(abs(x), abs(y)) + 1e-9
