"""Step 15, point 10: a run is citable, and names no absolute path of the machine.

``CITATION.bib`` holds one ``@software`` entry for the tool and one entry per study and dataset the run used (its
presets' ``cite``, its snapshots' sources); the sha256 of its inputs and outputs are in ``CITATION.hashes.json``,
which the manifest lists. The BibTeX is checked with a small parser written here (not the code's own writer): every
entry, every field's braces balanced, no unescaped LaTeX special character, hostile names round-tripped exactly.
Paths in every output are relative to the project, or ``<outside the project>/NAME``.

Before this change: ``tasks.render.citation`` did not exist (ImportError); CITATION.bib was one ``@misc`` entry
whose note carried every input's path and sha256 (the shared data's absolute path among them, and ``%`` and ``_``
unescaped), the manifest recorded the command line and ``--out``/``--preset`` with their absolute paths, and a run's
report, manifest and CITATION.bib named inputs outside the project by their absolute paths.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from tasks.data.references import WORKS, check_works
from tasks.data.sources import ATTRIBUTION, SOURCE_WORKS, attributions, cited_works
from tasks.files.bibtex import bib_entry, bib_escape
from tasks.files.settings import PROJECT_ROOT
from tasks.render.citation import SIDECAR, citation_bib
from tasks.stages.prepare import display_command, display_config, display_path, display_value
from tests.conftest import BUNDLED_SNAPSHOT, run_estimate


# --- a small BibTeX parser, independent of tasks/files/bibtex.py ----------------------------------------------------
def braced(text: str, start: int) -> int:
    """The index just past the brace group opening at ``text[start] == '{'`` (BibTeX counts every brace)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unbalanced braces from {start}: {text[start:start + 60]!r}")


def parse_bib(text: str) -> list[dict]:
    """Entries ``{type, key, fields}``; ``%`` lines outside entries are comments. Field values: ``{...}`` (the
    braces stripped), digits, or a macro name (kept as ``('macro', name)``). Anything else is an error."""
    entries, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "%":
            i = text.index("\n", i) + 1 if "\n" in text[i:] else len(text)
            continue
        head = re.compile(r"@([a-zA-Z]+)\{([^,\s{}]+),").match(text, i)
        assert head, f"not an entry at {i}: {text[i:i + 60]!r}"
        end = braced(text, head.end(1))
        body, fields = text[head.end():end - 1], {}
        j = 0
        while j < len(body):
            m = re.compile(r"\s*([a-z]+)\s*=\s*").match(body, j)
            if not m:
                assert not body[j:].strip(), f"left over in {head[2]}: {body[j:]!r}"
                break
            j = m.end()
            if body[j] == "{":
                stop = braced(body, j)
                value = body[j + 1:stop - 1]
            else:
                word = re.compile(r"[A-Za-z0-9]+").match(body, j)
                assert word, f"bad value in {head[2]}: {body[j:j + 40]!r}"
                stop, value = word.end(), (word[0] if word[0].isdigit() else ("macro", word[0]))
            assert m[1] not in fields, f"field {m[1]} twice in {head[2]}"
            fields[m[1]] = value
            rest = re.compile(r"\s*(,|$)").match(body, stop)
            assert rest, f"no comma after {m[1]} in {head[2]}: {body[stop:stop + 40]!r}"
            j = rest.end()
        entries.append({"type": head[1].lower(), "key": head[2], "fields": fields})
        i = end
    return entries


UNESCAPE = {r"\textbraceleft{}": "{", r"\textbraceright{}": "}", r"\textbackslash{}": "\\", r"\%": "%", r"\&": "&",
            r"\_": "_", r"\#": "#", r"\$": "$", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^"}


def unescape(value: str) -> str:
    return re.sub("|".join(map(re.escape, UNESCAPE)), lambda m: UNESCAPE[m[0]], value)


def unescaped_specials(value: str) -> list[str]:
    """LaTeX special characters that no backslash escapes (``%`` would start a comment, ``_`` a subscript...)."""
    stripped = re.sub("|".join(map(re.escape, UNESCAPE)), "", value)
    return re.findall(r"[%&_#$~^\\]", stripped)


def check_bib(text: str) -> list[dict]:
    """Parse, then every value: braces balanced within it, no unescaped special character (a url aside)."""
    entries = parse_bib(text)
    for entry in entries:
        for name, value in entry["fields"].items():
            if isinstance(value, str) and name != "url":
                assert not unescaped_specials(value), (entry["key"], name, value)
                assert value.count("{") == value.count("}"), (entry["key"], name, value)
    return entries


def test_the_parser_rejects_what_bibtex_would_choke_on():
    assert [e["key"] for e in parse_bib("% c\n@misc{a,\n  title = {x},\n  year = 2025, month = jul\n}\n")] == ["a"]
    for broken in ("@misc{a,\n  title = {x}}\n}\n", "@misc{a,\n  title = {x\n}\n", "@misc{a, title = x y}\n"):
        with pytest.raises((AssertionError, ValueError)):
            parse_bib(broken)
    with pytest.raises(AssertionError):
        check_bib("@misc{a,\n  note = {50% off_today}\n}\n")


# --- the writer -------------------------------------------------------------------------------------------------------
HOSTILE = "a}b{c%d&e_f#g$h~i^j\\k  l\nm"


def test_a_hostile_value_stays_inside_its_field_and_reads_back_exactly():
    entries = check_bib(bib_entry("misc", "k", {"title": HOSTILE, "note": HOSTILE, "author": [HOSTILE, (HOSTILE,)]}))
    fields = entries[0]["fields"]
    assert unescape(fields["note"]) == "a}b{c%d&e_f#g$h~i^j\\k l m"  # whitespace runs: one space
    assert unescape(fields["title"]) == "{a}b{c%d&e_f#g$h~i^j\\k l m}"  # title: in braces, keeps its capitals
    assert fields["author"] == f"{bib_escape(HOSTILE)} and {{{bib_escape(HOSTILE)}}}"
    for bad in ({"url": "https://x.org/a b"}, {"url": "https://x.org/}"}, {"month": 13}):
        with pytest.raises(ValueError):
            bib_entry("misc", "k", bad)
    with pytest.raises(ValueError):
        bib_entry("misc", "k}", {"title": "x"})


def test_citation_with_hostile_preset_and_snapshot_names_is_valid_bibtex():
    run_id = "20261208T010203Z-ab}c%d"
    presets = [{"name": "pre}set%1", "cite": ["gundlach2025price"]}, {"name": "p_2{", "cite": ["cottier2025llm"]}]
    text = citation_bib(run_id, dt.datetime(2026, 7, 4, tzinfo=dt.timezone.utc),
                        {"version": "9.9&9", "summary": "A tool_with {odd} 100% text.", "url": None},
                        {"git_commit": "abc_123", "git_dirty": True}, presets, ["snap}%_x", "s2"],
                        ["artificialanalysis", "cottier2025llm"])
    entries = check_bib(text)
    assert [(e["type"], e["key"]) for e in entries] == [
        ("software", "inference_trends_20261208T010203Z-ab_c_d"), ("misc", "gundlach2025price"),
        ("misc", "cottier2025llm"), ("misc", "artificialanalysis")]
    tool = entries[0]["fields"]
    assert unescape(tool["note"]) == (
        f"Run {run_id}: presets pre}}set%1, p_2{{; snapshots snap}}%_x, s2; code commit abc_123 with uncommitted "
        f"changes. The sha256 of every input and output of the run: {SIDECAR}, beside this file.")
    assert unescape(tool["version"]) == "9.9&9"
    assert unescape(tool["title"]) == "{inference-trends: A tool_with {odd} 100% text}"
    assert tool["year"] == "2026" and tool["month"] == ("macro", "jul") and "url" not in tool
    with_url = parse_bib(citation_bib("r", dt.datetime(2026, 1, 1), {"version": "1", "url": "https://example.org/t"},
                                      {}, [], [], []))
    assert with_url[0]["fields"]["url"] == "https://example.org/t" and len(with_url) == 1


def test_every_work_is_a_valid_entry_and_every_source_and_preset_cites_known_works():
    for key, (kind, fields) in WORKS.items():
        [entry] = check_bib(bib_entry(kind, key, fields))
        assert entry["key"] == key and {"title", "author"} <= set(entry["fields"])
    assert set(SOURCE_WORKS) == set(ATTRIBUTION)
    assert all(check_works(keys) for keys in SOURCE_WORKS.values())
    for path in sorted((PROJECT_ROOT / "presets").glob("*.toml")):
        cite = tomllib.loads(path.read_text())["cite"]
        assert cite and check_works(cite) == cite, path.name
    with pytest.raises(ValueError, match="unknown work"):
        check_works(["nobody2099"])


def test_a_preset_citing_an_unknown_work_is_refused_when_loaded(tmp_path):
    from tasks.study.presets import load_preset

    text = (PROJECT_ROOT / "presets" / "epoch-2025.toml").read_text()
    path = tmp_path / "bad.toml"
    path.write_text(re.sub(r"^cite = .*$", 'cite = ["cottier2025llm", "nobody2099"]', text, flags=re.M))
    with pytest.raises(ValueError) as caught:
        load_preset(str(path))
    assert str(caught.value) == (f"{path}: invalid preset: cite: unknown work(s) to cite: 'nobody2099'; known: "
                                 f"{', '.join(WORKS)} (given: ['cottier2025llm', 'nobody2099'])")
    path.write_text(re.sub(r"^cite = .*\n", "", text, flags=re.M))  # a preset of one's own may cite nothing
    assert load_preset(str(path)).cite == []


def test_a_snapshot_cites_the_data_of_the_sources_whose_attribution_it_carries():
    # Epoch's price file and its models list share an attribution line, not a work
    assert cited_works(["epoch_prices"], attributions(["epoch_prices"])) == list(SOURCE_WORKS["epoch_prices"])
    assert cited_works(["epoch_models"], attributions(["epoch_models"])) == ["epochai_models"]
    # a merged source that filled nothing carries no attribution line: not cited
    assert cited_works(["aa_site", "llm_stats"], attributions(["aa_site"])) == ["artificialanalysis"]
    assert cited_works(["futuretech_runs", "aa_api"], attributions(["futuretech_runs", "aa_api"])) == [
        "gundlach2025price", "epochai_benchmarks", "artificialanalysis", "arcprize"]
    assert cited_works(["unknown_format"], ["Data: unknown_format"]) == []


# --- paths in outputs -------------------------------------------------------------------------------------------------
def test_paths_show_relative_to_the_project_or_as_a_name_outside_it(tmp_path):
    inside = PROJECT_ROOT / "presets" / "futuretech-2025.toml"
    assert display_path(inside) == "presets/futuretech-2025.toml"
    assert display_path(tmp_path / "x" / "my.csv") == "<outside the project>/my.csv"
    assert display_value(f"{tmp_path}/p.toml,futuretech-2025,{inside}") == (
        "<outside the project>/p.toml,futuretech-2025,presets/futuretech-2025.toml")
    assert display_value(f"--out={tmp_path}/run") == "--out=<outside the project>/run"
    assert display_value("../shared/data/x") == "../shared/data/x" and display_value("-o") == "-o"
    assert display_command([str(PROJECT_ROOT / "flows" / "__main__.py"), "run", "--out", str(tmp_path / "r")]) == (
        "python -m flows run --out <outside the project>/r")
    assert display_command(["/usr/bin/inference-trends", "run"]) == "inference-trends run"
    shown = display_config({"input": str(inside), "extra_inputs": [str(tmp_path / "b.csv")], "out": None,
                            "corrections": str(tmp_path / "c.csv"), "preset": "all", "figures": True})
    assert shown == {"input": "presets/futuretech-2025.toml", "extra_inputs": ["<outside the project>/b.csv"],
                     "out": None, "corrections": "<outside the project>/c.csv", "preset": "all", "figures": True}


# --- a real small run -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_run(prefect_harness, tmp_path_factory, tiny_preset):
    """The light FutureTech preset (a file in the session's temporary folder) on a copy of the bundled snapshot
    outside the project, written to a temporary folder: every path of the run is a temporary one."""
    work = tmp_path_factory.mktemp("citable")
    snapshot = shutil.copytree(BUNDLED_SNAPSHOT, work / "inputs" / BUNDLED_SNAPSHOT.name)
    summary = run_estimate(input=str(snapshot), preset=str(tiny_preset), out=str(work / "run"),
                           bootstrap_resamples=20, figures=False)  # history on
    return work, Path(summary["run_dir"]), snapshot, tiny_preset


@pytest.mark.e2e
def test_the_run_cites_the_tool_and_the_works_it_used(small_run):
    work, out, snapshot, preset = small_run
    manifest = json.loads((out / "manifest.json").read_text())
    entries = check_bib((out / "CITATION.bib").read_text())
    # expected, from the preset file and the snapshot's own source list (history on: Artificial Analysis' data)
    formats = [s["format"] for s in json.loads((snapshot / "snapshot.json").read_text())["sources"]]
    expected = list(tomllib.loads(preset.read_text())["cite"])
    for key in [k for fmt in formats for k in SOURCE_WORKS[fmt]] + ["artificialanalysis"]:
        expected += [key] if key not in expected else []
    assert expected == ["gundlach2025inference", "artificialanalysis"]
    assert [e["key"] for e in entries[1:]] == expected and all(e["type"] == "misc" for e in entries[1:])
    assert entries[1]["fields"]["author"] == "Hans Gundlach and Jayson Lynch and Matthias Mertens and Neil Thompson"
    assert (entries[1]["fields"]["year"], entries[1]["fields"]["month"]) == ("2025", ("macro", "jul"))
    tool = entries[0]
    created = dt.datetime.fromisoformat(manifest["created_at"])
    assert (tool["type"], tool["key"]) == ("software", "inference_trends_" + manifest["run_id"])
    assert tool["fields"]["version"] == version("inference-trends")
    assert (tool["fields"]["year"], tool["fields"]["month"][1]) == (
        str(created.year), "jan feb mar apr may jun jul aug sep oct nov dec".split()[created.month - 1])
    note = unescape(tool["fields"]["note"])
    assert f"code commit {manifest['code']['git_commit']}" in note and SIDECAR in note and len(note) < 400
    assert "sha256:" not in (out / "CITATION.bib").read_text()  # the hashes are in the sidecar
    # the sidecar: the manifest lists it; its outputs are the run folder's files but the manifest and itself
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    sidecar = (out / SIDECAR).read_bytes()
    assert listed[SIDECAR] == hashlib.sha256(sidecar).hexdigest()
    hashes = json.loads(sidecar)
    assert (hashes["run_id"], hashes["git_commit"]) == (manifest["run_id"], manifest["code"]["git_commit"])
    assert hashes["inputs"] == manifest["inputs"] and hashes["snapshots"] == manifest["snapshots"]
    on_disk = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in out.rglob("*") if p.is_file() and p.name not in ("manifest.json", SIDECAR)}
    assert {o["path"]: o["sha256"] for o in hashes["outputs"]} == on_disk
    assert {"CITATION.bib", "report.md", "trends.csv"} <= set(on_disk)


@pytest.mark.e2e
def test_no_output_of_a_run_names_an_absolute_path_of_the_machine(small_run, session_dir):
    work, out, snapshot, preset = small_run
    forbidden = {str(p) for root in (PROJECT_ROOT, work, session_dir) for p in (root, Path(root).resolve())}
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits = sorted(root for root in forbidden if root.encode() in data)
            if hits:
                found[path.relative_to(out).as_posix()] = hits
    assert not found
    # and the paths the manifest and report do show: relative to the project, or a name outside it
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["out"] == "<outside the project>/run"
    assert manifest["config"]["preset"] == f"<outside the project>/{preset.name}"
    assert manifest["config"]["input"] == f"<outside the project>/{snapshot.name}"
    assert [p["path"] for s in manifest["snapshots"] for p in s["parts"]] == [f"<outside the project>/{snapshot.name}"]
    roles = {r["role"]: r["path"] for r in manifest["inputs"]}
    assert roles["data corrections"] == "data/corrections.csv"
    assert roles["preset"] == f"<outside the project>/{preset.name}"
    assert f"`<outside the project>/{preset.name}`" in (out / "report.md").read_text()
