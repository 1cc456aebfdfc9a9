"""Tests of the reader family (bitext.readers): registry, records, one-line errors naming FILE:LINE."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bitext.errors import InputError
from bitext.readers import (
    READERS,
    Record,
    RecordError,
    expand_inputs,
    folder_files,
    read_file,
    reader_for,
    register,
    suffixes,
)


def test_registry_by_name_and_suffix():
    assert sorted(READERS) == ["csv", "html", "jsonl", "text"]
    assert sorted(suffixes()) == [".csv", ".htm", ".html", ".jsonl", ".md", ".ndjson", ".text", ".txt"]
    assert type(reader_for(Path("a/B.TXT"))).__name__ == "TextReader"  # suffixes are case-insensitive
    assert reader_for(Path("x.NDJSON")).name == "jsonl"
    assert reader_for(Path("x.csv")).name == "csv"
    assert reader_for(Path("x.docx")) is None


def test_register_refuses_a_taken_name_or_suffix():
    class Again:
        name = "markdown"
        suffixes = (".md",)

    with pytest.raises(ValueError, match="already registered"):
        register(Again)  # type: ignore[arg-type]
    assert "markdown" not in READERS


def test_records_carry_id_text_metadata_and_where(tmp_path: Path):
    j = tmp_path / "a.jsonl"
    j.write_text("\n" + json.dumps({"id": " j1 ", "text": "Satu.", "title": "Judul", "date": 2024, "x": 1}) + "\n",
                 encoding="utf-8")
    (rec,) = read_file(j)
    assert rec == Record("j1", "Satu.", str(j), 2, {"title": "Judul", "date": "2024"})
    assert rec.where == f"{j}:2"
    t = tmp_path / "berita.md"
    t.write_bytes("Dua.\n".encode("utf-16"))  # UTF-16 with BOM
    (rec,) = read_file(t)
    assert (rec.id, rec.text, rec.source_line, rec.where, dict(rec.metadata)) == ("berita", "Dua.\n", None, str(t), {})
    other = tmp_path / "notes.docx"  # named on purpose: read as text
    other.write_text("Tiga.", encoding="utf-8")
    assert [r.id for r in read_file(other)] == ["notes"]


def test_bad_records_are_yielded_as_one_line_errors(tmp_path: Path):
    j = tmp_path / "b.jsonl"
    j.write_text("\n".join([
        "{oops", json.dumps([1]), json.dumps({"id": "x"}), json.dumps({"text": "t", "id": "  "}),
        json.dumps({"id": "y", "text": {"a": 1}}), json.dumps({"id": "z", "text": "ok", "title": True}),
        json.dumps({"id": "w", "text": "ok"}),
    ]) + "\n", encoding="utf-8")  # fmt: skip
    out = list(read_file(j))
    assert [str(e).replace(str(tmp_path), "T") for e in out[:-1]] == [
        "T/b.jsonl:1: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "T/b.jsonl:2: expected a JSON object, got list",
        "T/b.jsonl:3: no 'text' field",
        "T/b.jsonl:4: no 'id' field",
        "T/b.jsonl:5: field 'text' must be a string, not dict",
        "T/b.jsonl:6: field 'title' must be a string, not bool",
    ]
    assert [type(e) for e in out[:-1]] == [InputError] + [RecordError] * 5
    assert out[1].where == f"{j}:2"
    assert isinstance(out[-1], Record) and out[-1].id == "w"


def test_csv_rows_lines_and_errors(tmp_path: Path):
    c = tmp_path / "c.csv"
    c.write_text('id,text,url\nc1,"Baris\nkedua.",http://x\nc2,a,b,extra\nc3,,\n', encoding="utf-8")
    out = list(read_file(c))
    assert out[0] == Record("c1", "Baris\nkedua.", str(c), 3, {"url": "http://x"})  # line where the row ends
    assert str(out[1]) == f"{c}:4: more fields than the header names"
    assert out[2] == Record("c3", "", str(c), 5, {"url": ""})
    c.write_text("title,text\nT,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.csv:1: CSV header must name the columns 'id' and 'text'"):
        list(read_file(c))


def test_whole_file_problems_are_raised(tmp_path: Path):
    b = tmp_path / "bin.txt"
    b.write_bytes(b"\x00\x01binary")
    with pytest.raises(InputError, match=r"bin\.txt: binary file"):
        read_file(b)
    u = tmp_path / "u.jsonl"
    u.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"u\.jsonl:2: not UTF-8 \(byte 0xe9\)"):
        read_file(u)
    with pytest.raises(InputError, match="cannot decode as nope"):
        read_file(u, encoding="nope")


def test_folder_files_and_expand_inputs(tmp_path: Path):
    (tmp_path / "sub" / ".git").mkdir(parents=True)
    for name in ("b.txt", "a.CSV", "README.md", "x.bin", ".h.txt", "sub/c.jsonl", "sub/.git/d.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    rel = [p.relative_to(tmp_path).as_posix() for p in folder_files(tmp_path)]
    assert rel == ["a.CSV", "b.txt", "sub/c.jsonl"]
    assert [p.name for p in folder_files(tmp_path, recursive=False)] == ["a.CSV", "b.txt"]
    assert expand_inputs([tmp_path / "x.bin", tmp_path / "sub"]) == [tmp_path / "x.bin", tmp_path / "sub/c.jsonl"]
    with pytest.raises(InputError, match="nowhere: no such file or folder") as e:
        expand_inputs([tmp_path / "nowhere"])
    assert e.value.exit_code == 2
