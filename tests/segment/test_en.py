"""Tests of English sentence splitting (bitext.segment.en)."""

from __future__ import annotations

import pytest

from bitext.segment.en import split_english, split_lines

# -- split_english ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("The U.S. economy grew 1,500.5 million. Prices rose 2.5 percent.",
         ["The U.S. economy grew 1,500.5 million.", "Prices rose 2.5 percent."]),
        ('"We will win," he said. "No doubt about it."', ['"We will win," he said.', '"No doubt about it."']),
        ('"Is it true?" she asked. Nobody answered!', ['"Is it true?" she asked.', "Nobody answered!"]),
        ("See No. 5 for details. The St. Louis team won.", ["See No. 5 for details.", "The St. Louis team won."]),
        ("It was 3 a.m. The police arrived at 4 p.m. on Monday.",
         ["It was 3 a.m.", "The police arrived at 4 p.m. on Monday."]),
        ("J. K. Rowling lives in the U.S. The U.S. Army came.",
         ["J. K. Rowling lives in the U.S.", "The U.S. Army came."]),
        ("He said it was over... and left. Then what?", ["He said it was over... and left.", "Then what?"]),
        ("Visit www.example.com today. E-mail info@x.co.id now.",
         ["Visit www.example.com today.", "E-mail info@x.co.id now."]),
        ("The firm (Acme Inc.) grew. Its rival, Foo Ltd. reported 3.5% less.",
         ["The firm (Acme Inc.) grew.", "Its rival, Foo Ltd. reported 3.5% less."]),
        ("First line\nSecond line.", ["First line", "Second line."]),
        ("  Trailing spaces.   ", ["Trailing spaces."]),
        ("", []),
    ],
)
def test_split_english(text: str, expected: list[str]):
    spans = split_english(text)
    assert [text[a:b] for a, b in spans] == expected


def test_split_lines_splits_each_line_and_drops_blank_ones():
    text = "Rice prices rose. The rise came in May.\n\n  \nA quake shook Maluku."
    assert split_lines(text) == ["Rice prices rose.", "The rise came in May.", "A quake shook Maluku."]
    assert split_lines("") == []


def test_a_line_break_always_ends_a_sentence_in_split_lines():
    assert split_lines("He met Mr.\nSmith left.") == ["He met Mr.", "Smith left."]
