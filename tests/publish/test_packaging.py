"""Packaging that installs anywhere: every package bitext imports is declared (a dependency or an extra),
dependencies are ranges (no pin), and requires-python is the Python whose features the code uses."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _imports(folder: Path) -> dict[str, str]:
    """Top-level modules imported anywhere under ``folder`` -> a file importing it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_declared() -> None:
    declared = {_name(r) for r in PROJECT["dependencies"]}
    extras = {_name(r) for reqs in PROJECT["optional-dependencies"].values() for r in reqs}
    dists = packages_distributions()
    missing = []
    for module, where in _imports(ROOT / "bitext").items():
        if module in sys.stdlib_module_names or module == "bitext":
            continue
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not names & (declared | extras):
            missing.append(f"{module} ({where}; distribution {sorted(names)})")
    assert missing == []


def test_dependencies_are_ranges_not_pins() -> None:
    every = PROJECT["dependencies"] + [r for reqs in PROJECT["optional-dependencies"].values() for r in reqs]
    assert [r for r in every if "==" in r or not re.search(r">=|~=", r)] == []
    torch = next(r for r in PROJECT["dependencies"] if _name(r) == "torch")
    assert re.fullmatch(r"torch>=2\.\d+,<3", torch)


def test_requires_python_is_the_lowest_python_the_code_runs_on() -> None:
    floor = PROJECT["requires-python"]
    assert floor == ">=3.11"  # bitext.flags.config imports tomllib (3.11)
    assert "tomllib" in _imports(ROOT / "bitext")
    ruff = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["target-version"]
    assert ruff == "py311"
