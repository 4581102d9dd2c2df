"""The docs cannot drift from the code: every Python snippet of README.md and docs/**/*.md runs, every command they
show parses against the real command line (or names a make target that exists), every path a command names exists,
every relative link and anchor resolves, the command-line page lists every option and input format there is, and
``mkdocs build --strict`` succeeds.

A snippet that cannot run here (it needs the network or a server) is preceded in the Markdown by
``<!-- not run: REASON -->``; the reason is required, and such snippets are kept few. Commands are parsed, not run:
``inference-trends ...`` goes through the click context of ``flows.cli.app`` (``make_context``: every option,
value and choice checked, nothing executed).
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
import typer.main
from typer._click.exceptions import UsageError  # typer ships its own click: its errors, not click's

from flows.cli import app
from tasks.data.ingest import ADAPTERS
from tasks.files.settings import shared_data_dir

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL = {"bash", "sh", "console"}
MAX_NOT_RUN = 3  # snippets marked "not run": keep them few
# what a command may name without it existing in a fresh checkout: what runs write, and where they write it
GENERATED = ("data/runs", "data/cache", "data/raw", "data/inbox", "site", ".serve", ".prefect", ".venv")
OUTPUT_OPTIONS = {"--out", "-o", "--out-dir", "--store", "--inbox", "--run", "--site-dir"}
NOT_RUN = re.compile(r"<!--\s*not run:(?P<reason>[^>]*?)-->\s*$")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    body: str
    before: str  # the last non-blank line before the fence

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = [line for line in text[:match.start()].splitlines() if line.strip()]
        found.append(Block(page, text.count("\n", 0, match.start()) + 1, match["lang"], match["body"],
                           before[-1].strip() if before else ""))
    return found


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
PYTHON_BLOCKS = [b for b in ALL_BLOCKS if b.lang == "python"]
SHELL_BLOCKS = [b for b in ALL_BLOCKS if b.lang in SHELL]


# --- Python snippets ------------------------------------------------------------------------------------------------

def run_snippet(code: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run one snippet in a fresh interpreter (the project's), as a reader would paste it into a file."""
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_the_docs_have_python_snippets_and_commands():
    assert any(b.page.name == "python.md" for b in PYTHON_BLOCKS), "the 'Using the functions from Python' example"
    assert len(SHELL_BLOCKS) >= 5


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.where)
def test_python_snippet_runs(block: Block):
    marker = NOT_RUN.search(block.before)
    if marker:
        assert marker["reason"].strip(), f"{block.where}: 'not run' needs a reason"
        pytest.skip(f"not run: {marker['reason'].strip()}")
    result = run_snippet(block.body, ROOT)
    assert result.returncode == 0, f"{block.where} failed:\n{result.stderr[-3000:]}"


def test_not_run_markers_give_a_reason_and_are_few():
    marked = [b for b in ALL_BLOCKS if "not run" in b.before]
    for block in marked:
        marker = NOT_RUN.search(block.before)
        assert marker and marker["reason"].strip(), f"{block.where}: write <!-- not run: REASON -->"
    assert len(marked) <= MAX_NOT_RUN


def test_the_snippet_runner_fails_a_broken_snippet(tmp_path):
    """The runner can fail: a snippet importing a module that does not exist (the old README's
    ``tasks.ingest.futuretech``) exits non-zero, and so does a failing assertion."""
    assert run_snippet("from tasks.ingest.futuretech import ingest", tmp_path).returncode != 0
    assert run_snippet("assert 1 == 2", tmp_path).returncode != 0
    assert run_snippet("import tasks.core.stats", ROOT).returncode == 0


def test_fences_are_found_with_their_markers(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("intro\n\n<!-- not run: needs the AA API -->\n```python\nprint(1)\n```\n\n```text\nx\n```\n")
    found = blocks(page)
    assert [(b.line, b.lang, b.body) for b in found] == [(4, "python", "print(1)\n"), (8, "text", "x\n")]
    assert found[0].before == "<!-- not run: needs the AA API -->"
    assert NOT_RUN.search("<!-- not run: needs the AA API -->")["reason"].strip() == "needs the AA API"
    assert NOT_RUN.search("<!-- not run: -->")["reason"].strip() == ""


# --- commands -------------------------------------------------------------------------------------------------------

def commands(block: Block) -> list[list[str]]:
    """The commands of a shell block as argument lists: ``$ `` lines of a console block (output lines are not
    commands), every line of a bash/sh block; continuation lines joined, comments dropped."""
    joined, current = [], ""
    for line in block.body.splitlines():
        if block.lang == "console" and not current:  # a command starts at a prompt; other lines are its output
            if not line.startswith("$ "):
                continue
            line = line[2:]
        current += line
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        joined.append(current)
        current = ""
    return [words for words in (shlex.split(line, comments=True) for line in joined if line.strip()) if words]


def parse_cli(args: list[str]) -> None:
    """Parse ``inference-trends ARGS`` as the real command line would, without running anything: the group's context,
    then the command's (unknown options, missing values, bad choices and types raise ``UsageError``)."""
    group = typer.main.get_command(app)
    with group.make_context("inference-trends", list(args)) as ctx:
        name, command, rest = group.resolve_command(ctx, [*getattr(ctx, "_protected_args", []), *ctx.args])
        command.make_context(name, rest, parent=ctx)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", text, re.M))


def named_paths(words: list[str]) -> list[str]:
    """The arguments of a command that name a file or folder, except what the command writes."""
    paths, previous = [], ""
    for word in words[1:]:
        option, _, value = word.partition("=") if word.startswith("--") else ("", "", word)
        if option:
            previous = option
        if value and not value.startswith("-") and "/" in value and "://" not in value and "..." not in value \
                and previous not in OUTPUT_OPTIONS:
            paths.append(value)
        previous = word if word.startswith("-") else ""
    return paths


def check_path(text: str) -> str | None:
    """Why a path named in a command is wrong, or None."""
    relative = text.removeprefix("./")
    if relative.startswith(GENERATED):
        return None
    if relative.startswith("../shared/data"):
        if not shared_data_dir().is_dir():
            return None  # the shared data is absent here (tests that need it skip cleanly)
        path = shared_data_dir() / relative.removeprefix("../shared/data").lstrip("/")
    else:
        path = ROOT / relative
    return None if path.exists() else f"{text} does not exist"


def check_command(words: list[str]) -> list[str]:
    """Every problem with one documented command (empty: fine)."""
    head = words[0]
    problems = [problem for path in named_paths(words) if (problem := check_path(path))]
    if head == "make":
        targets = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
        problems += [f"make {t}: no such target in the Makefile" for t in targets if t not in make_targets()]
    elif head == "inference-trends" or words[:3] in (["python", "-m", "flows"], [".venv/bin/python", "-m", "flows"]):
        args = words[1:] if head == "inference-trends" else words[3:]
        try:
            parse_cli(args)
        except typer.Exit as stop:  # --help: printed and exited
            if stop.exit_code:
                problems.append(f"{shlex.join(words)}: exit {stop.exit_code}")
        except UsageError as err:
            problems.append(f"{shlex.join(words)}: {err.format_message()}")
    elif head.endswith("python") and len(words) > 1 and words[1].endswith(".py"):
        problems += [f"{words[1]} does not exist"] if check_path(words[1]) else []
        problems += [f"{words[0]}: not the project's interpreter"] if words[0] != ".venv/bin/python" else []
    elif head not in ("export", "source"):
        problems.append(f"{head}: a command this test does not know; check it here or mark the block not run")
    return problems


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda b: b.where)
def test_documented_commands_are_real(block: Block):
    if (marker := NOT_RUN.search(block.before)):
        assert marker["reason"].strip(), f"{block.where}: 'not run' needs a reason"
        pytest.skip(f"not run: {marker['reason'].strip()}")
    problems = [p for words in commands(block) for p in check_command(words)]
    assert not problems, f"{block.where}:\n" + "\n".join(problems)


def test_the_command_checks_can_fail():
    assert check_command(["make", "run"]) == []
    assert check_command(["make", "no-such-target"])
    assert check_command(["inference-trends", "run", "--preset", "futuretech-2025", "--no-figures"]) == []
    assert check_command(["inference-trends", "run", "--no-such-option"])
    assert check_command(["inference-trends", "run", "--bootstrap", "many"])  # not an integer
    assert check_command(["inference-trends", "no-such-command"])
    assert check_command(["inference-trends", "lineage"])  # TARGET is required
    assert check_command(["inference-trends", "run", "--input", "data/snapshots/no-such-snapshot"])
    assert check_command(["inference-trends", "run", "--out", "data/runs/new-folder"]) == []  # written, not read
    assert check_command([".venv/bin/python", "benchmarks/no_such_benchmark.py"])
    assert check_command(["rm", "-rf", "data"])
    console = Block(ROOT / "x.md", 1, "console", "$ make test \\\n  ARGS=-x  # all\noutput line\n", "")
    assert commands(console) == [["make", "test", "ARGS=-x"]]


# --- the command-line page against the command line -----------------------------------------------------------------

def cli_options() -> dict[str, list[set[str]]]:
    """Per command, the long names of each option (a switch has two: ``--figures``/``--no-figures``)."""
    group = typer.main.get_command(app)
    return {name: [names for param in command.params if param.param_type_name == "option"
                   if (names := {o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")} - {"--help"})]
            for name, command in group.commands.items()}


def test_the_cli_page_lists_every_command_and_option():
    """The synopsis of docs/cli.md names each command with every long option it has, and no other."""
    (synopsis,) = [b for b in blocks(ROOT / "docs" / "cli.md")
                   if b.lang == "text" and b.body.startswith("inference-trends run")]
    documented: dict[str, set[str]] = {}
    command = None
    for line in synopsis.body.splitlines():
        line = line.split("#")[0]
        if line.startswith("inference-trends "):
            command = next((w for w in line.split()[1:] if not w.startswith(("-", "["))), None)
        if command:
            documented.setdefault(command, set()).update(re.findall(r"--[a-z][a-z-]*", line))
    actual = cli_options()
    assert set(actual) <= set(documented), f"commands missing from docs/cli.md: {set(actual) - set(documented)}"
    for name, options in actual.items():
        missing = [sorted(names) for names in options if not names & documented[name]]
        unknown = documented[name] - set().union(*options)
        assert not missing and not unknown, f"{name}: options missing {missing}, unknown {unknown}"


def test_every_input_format_is_documented():
    """docs/cli.md's formats table names every adapter of ``tasks/data/ingest`` (``ADAPTERS``), and only those."""
    page = (ROOT / "docs" / "cli.md").read_text()
    table = set(re.findall(r"^\| `(\w+)` \|", page, re.M))
    assert table == set(ADAPTERS)


# --- what the pages list against what the code has -----------------------------------------------------------------

def test_the_output_contract_lists_the_columns_of_trends_csv():
    from schemas.analysis import TREND_COLUMNS

    page = (ROOT / "docs" / "outputs.md").read_text()
    section = page[page.index("## The output contract"):]
    listed = re.search(r"`(trend_id,[^`]+)`", section)[1]
    assert [c.strip() for c in listed.split(",")] == list(TREND_COLUMNS)


def test_every_deployment_and_preset_is_documented():
    import yaml

    deployments = [d["name"] for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]]
    service = (ROOT / "docs" / "service.md").read_text()
    table = {name for row in re.findall(r"^\| (`[^|]+`) \|", service, re.M) for name in re.findall(r"`([\w-]+)`", row)}
    assert set(deployments) <= table, f"docs/service.md's deployments table lacks {set(deployments) - table}"
    methods = (ROOT / "docs" / "methods.md").read_text()
    presets = {p.stem for p in (ROOT / "presets").glob("*.toml")}
    listed = set(re.findall(r"^\| `([\w.-]+)` \|", methods, re.M))
    assert presets <= listed, f"docs/methods.md's presets table lacks {presets - listed}"


# --- paths and names in the prose ----------------------------------------------------------------------------------

PROSE_PATH = re.compile(r"`((?:tasks|flows|schemas|scripts|benchmarks|tests|presets|data|docs)/[\w./-]*?)(?::[\w.]+)?`")
PROSE_NAME = re.compile(r"`((?:tasks|flows|schemas)(?:\.\w+)+)")


def prose(page: Path) -> str:
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def missing_names(text: str) -> list[str]:
    """Repository paths (``tasks/data/clean.py``) and dotted names (``tasks.files.tables.read_csv_output``) that a
    text mentions in code spans but that do not exist. What runs write (``data/runs/...``) need not exist."""
    problems = [f"`{m}`: no such file" for m in PROSE_PATH.findall(text)
                if not m.startswith(GENERATED) and not (ROOT / m).exists()]
    for name in sorted(set(PROSE_NAME.findall(text))):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            try:
                for attribute in parts[i:]:
                    found = getattr(found, attribute)
            except AttributeError:
                problems.append(f"`{name}`: no such module or attribute")
            break
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_paths_and_names_in_the_prose_exist(page: Path):
    assert not missing_names(prose(page))


def test_the_prose_check_can_fail():
    assert missing_names("see `tasks/data/clean.py` and `tasks.files.tables.read_csv_output`, `data/runs/latest`") == []
    assert missing_names("`tasks/methods/presets.pyx`, `tasks.io.read_csv_output`, `tasks.files.tables.nothing`") == [
        "`tasks/methods/presets.pyx`: no such file", "`tasks.files.tables.nothing`: no such module or attribute",
        "`tasks.io.read_csv_output`: no such module or attribute"]


def test_the_layers_table_follows_the_import_contract():
    """docs/architecture.md's layers table lists the layers of pyproject.toml's layers contract, top to bottom."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    page = (ROOT / "docs" / "architecture.md").read_text()
    section = page[page.index("## The layers"):page.index("## One line per module")]
    assert re.findall(r"^\| `([\w.]+)` \|", section, re.M) == layers


# --- the module layout -------------------------------------------------------------------------------------------

def layout() -> dict[str, list[str]]:
    """docs/architecture.md's one-line-per-module tree: folder -> the modules and subpackages it names."""
    (tree,) = [b for b in blocks(ROOT / "docs" / "architecture.md") if b.lang == "text" and b.body.startswith("flows/")]
    folders: dict[str, list[str]] = {}
    folder = None
    for line in tree.body.splitlines():
        if re.match(r"^[\w/]+/\s", line + " "):
            folder = line.split()[0]
            folders[folder] = []
        elif folder and (match := re.match(r"^  ([\w]+(?:\.py|/))\s", line + " ")):
            folders[folder].append(match[1])
    return folders


def test_the_module_layout_names_every_module_and_only_modules_that_exist():
    folders = layout()
    assert {"flows/", "schemas/", "tasks/core/", "tasks/stages/"} <= set(folders)
    for folder, names in folders.items():
        missing = [name for name in names if not (ROOT / folder / name).exists()]
        assert not missing, f"docs/architecture.md names {folder}{missing}, which do not exist"
        actual = {p.name for p in (ROOT / folder).glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
        assert actual <= set(names), f"docs/architecture.md lacks {folder}{sorted(actual - set(names))}"
    packages = {f"{p.parent.relative_to(ROOT)}/" for p in (ROOT / "tasks").glob("*/__init__.py")}
    assert packages <= set(folders), f"docs/architecture.md lacks the packages {sorted(packages - set(folders))}"


# --- links ----------------------------------------------------------------------------------------------------------

def slug(heading: str) -> str:
    """The anchor MkDocs gives a heading (Python-Markdown's toc ``slugify``, after the inline markup is dropped)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(m[1]) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def links(page: Path) -> list[str]:
    """The link and image targets of a page, outside code (a code span may show link syntax as text)."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def broken_links(page: Path) -> list[str]:
    problems = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            problems.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            problems.append(f"{target}: no heading with that anchor in {file.name}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    assert not broken_links(page)


def test_the_link_check_can_fail(tmp_path):
    (tmp_path / "a.md").write_text("# A page\n\n## The output contract (`trends.csv`)\n")
    page = tmp_path / "b.md"
    page.write_text("[ok](a.md) [ok](a.md#the-output-contract-trendscsv) `[code](nowhere.md)`\n"
                    "[missing](c.md) [bad anchor](a.md#nope) ![image](ui/none.png) [web](https://example.org)\n")
    assert broken_links(page) == ["c.md: no such file", "a.md#nope: no heading with that anchor in a.md",
                                  "ui/none.png: no such file"]


def test_the_readme_stays_a_readme():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    lines = text.splitlines()  # the two commands for a fresh machine, on its first lines
    assert lines[2] == "```bash" and lines[3].startswith("make run ") and lines[4].startswith("make test ")
    assert lines[5] == "```"
    assert 'Attribution: "Data: Artificial Analysis"' in text


def test_every_screenshot_is_shown_in_the_docs():
    shown = {(page.parent / target).resolve() for page in PAGES for target in links(page)}
    unshown = [p.name for p in sorted((ROOT / "docs" / "ui").glob("*.png")) if p.resolve() not in shown]
    assert not unshown


# --- the site -------------------------------------------------------------------------------------------------------

def test_every_package_has_a_reference_page():
    """One ``::: package`` page per package of the layers, each in the site's navigation."""
    pages = {m[1]: p for p in (ROOT / "docs" / "reference").glob("*.md")
             for m in re.finditer(r"^::: ([\w.]+)\s*$", p.read_text(), re.M)}
    packages = {f"tasks.{p.name}" for p in (ROOT / "tasks").iterdir() if (p / "__init__.py").exists()}
    assert packages | {"schemas", "flows"} <= set(pages)
    nav = (ROOT / "mkdocs.yml").read_text()
    assert all(f"reference/{page.name}" in nav for page in pages.values())


def test_mkdocs_builds_strict_and_offline(tmp_path):
    """``make docs``'s build (about 10-30 s on 2 cores): any warning (a broken link or anchor, a docstring
    mkdocstrings cannot parse) fails it; the pages load no font or script from the network."""
    started = time.monotonic()
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir",
                             str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert time.monotonic() - started < 120
    html = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")]
    assert len(html) > 20
    fetched = {m for page in html for m in re.findall(r'<(?:script|link|img)\b[^>]*?(?:src|href)="(https?://[^"]+)"',
                                                       page)}
    assert not fetched, fetched  # links to read are fine; fonts, scripts, styles and images from the web are not
