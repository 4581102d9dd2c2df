"""The layers of ``tasks/`` hold (import-linter contracts of ``pyproject.toml``), and the check is not vacuous: the
same contracts break on a copy of the tree into which a forbidden import was written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tasks.files.settings import PROJECT_ROOT

LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit("
        "lint_imports_command(['--config', sys.argv[1], '--no-cache']))"]


def lint(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([*LINT, str(root / "pyproject.toml")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_layers_hold():
    result = lint(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_a_forbidden_import_breaks_a_contract(tmp_path):
    for folder in ("tasks", "schemas", "flows"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    stats = tmp_path / "tasks" / "core" / "stats.py"
    stats.write_text(stats.read_text() + "\nfrom tasks.data.parsing import slugify  # noqa: E402,F401\n")
    helper = tmp_path / "tasks" / "trends" / "spec.py"  # Prefect reached through another module counts too
    helper.write_text(helper.read_text() + "\nimport tasks.platform.tracking  # noqa: E402,F401\n")
    files = tmp_path / "tasks" / "files" / "io.py"  # the file layer may not reach up into the data layer
    files.write_text(files.read_text() + "\nfrom tasks.data.canonical import CanonicalTables  # noqa: E402,F401\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    text = " ".join(result.stdout.split())  # import-linter wraps long contract names
    assert ("Layers: entry points > stage wrappers > platform (Prefect) > render > study > methods > reporting > trends > data > files > core "
            "BROKEN") in text
    assert "tasks.core.stats -> tasks.data.parsing" in result.stdout
    assert "Only the stage wrappers and the platform import Prefect" in result.stdout
    assert "tasks.trends.spec -> tasks.platform.tracking" in result.stdout
    assert "tasks.files.io -> tasks.data.canonical" in result.stdout


# --- a method is one module: nothing outside the methods names one -------------------------------------------------
OUTSIDE_THE_METHODS = ("tasks/render", "tasks/reporting", "tasks/stages", "flows")


def method_names_in(roots: tuple[str, ...], base: Path = PROJECT_ROOT) -> list[str]:
    """Every quoted method name (``"frontier"``, ``'hedonic'``, any registered name or derived name) in the Python
    files under ``roots``: ``path:line: text``."""
    from tasks.methods import by_row_name

    quoted = re.compile(r"([\"'])(?:" + "|".join(map(re.escape, by_row_name())) + r")\1")
    found = []
    for root in roots:
        for path in sorted((base / root).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if quoted.search(line):
                    found.append(f"{path.relative_to(base)}:{number}: {line.strip()}")
    return found


def test_no_module_outside_the_methods_names_a_method(tmp_path):
    # the report, the figures, the stages and the flows ask the registry (tasks.methods) and each Method's hooks;
    # before step 14 tasks/render named methods by string 57 times
    assert method_names_in(OUTSIDE_THE_METHODS) == []
    planted = tmp_path / "tasks" / "render"  # the check finds a planted name, of any registered method
    planted.mkdir(parents=True)
    (planted / "x.py").write_text("rows = trends[trends['method'] == 'theil_sen']\nok = 'frontiers'\n")
    assert method_names_in(("tasks/render",), tmp_path) == [
        "tasks/render/x.py:1: rows = trends[trends['method'] == 'theil_sen']"]
