"""Before any work: what a run will do (the presets, its inputs and their formats, the output folder) and the
facts about its inputs that the manifest and the report state (files with sha256, raw sources, attribution).

Prefect-free: the command line calls ``prepare_run`` before it starts a Prefect API, so that a bad option fails in a
second; the flow calls it again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tasks.core.hashing import sha256_file
from tasks.data.canonical import read_snapshot_meta
from tasks.data.creators import creators_file
from tasks.data.ingest import adapter, detect_format, members, unused_files
from tasks.data.ingest.common import SourceError
from tasks.data.ingest.reading import check_input
from tasks.data.parsing import slugify
from tasks.study.presets import bundled_presets, load_preset
from tasks.files.catalog import CleanTables
from tasks.files.folders import NAME_PATTERN, check_name, check_output_folder
from tasks.files.settings import PROJECT_ROOT, corrections_file, crosswalk_file, snapshots_dir


@dataclass(frozen=True)
class RunInput:
    """One snapshot of the run: a bundled snapshot folder, or raw sources merged by entity resolution."""

    name: str  # the snapshot name used in the outputs
    parts: tuple[tuple[Path, str], ...]  # (path, format); the first one's models are the snapshot's models

    @property
    def path(self) -> Path:
        return self.parts[0][0]

    @property
    def format(self) -> str:
        return self.parts[0][1] if len(self.parts) == 1 else "merged"


OUTSIDE = "<outside the project>"


def display_path(path: Path, follow: bool = True) -> str:
    """A path as the run's outputs show it: inside the project relative to it (stable across clones), outside it
    as ``<outside the project>/NAME``, so that no output holds an absolute path of the machine (the home folder,
    the user's name, a temporary folder). The sha256 beside it identifies the file. ``follow=False``: a link is
    shown as itself (its folder resolved), not as its target: a dangling link or a link loop has none."""
    path = Path(path)
    try:
        path = path.resolve() if follow else path.parent.resolve() / path.name
    except (OSError, RuntimeError):
        path = Path(os.path.abspath(path))
    try:
        return path.relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return f"{OUTSIDE}/{path.name}"


def display_value(text: str) -> str:
    """A value of the command line or the configuration with every absolute path in it (the value, each part of a
    comma-separated list, the value of ``--option=PATH``) shown as ``display_path`` shows it; relative paths stay
    as given (they name nothing of the machine)."""
    option, equals, value = text.partition("=") if text.startswith("-") else ("", "", text)
    parts = [display_path(Path(part)) if os.path.isabs(part) else part for part in value.split(",")]
    return option + equals + ",".join(parts)


def display_command(argv: list[str]) -> str:
    """The command line of a run, as its manifest records it: the program by its name (``python -m flows`` for
    ``flows/__main__.py``), every absolute path in an argument as ``display_value`` shows it."""
    if not argv:
        return ""
    program = Path(argv[0])
    head = f"python -m {program.parent.name}" if program.name == "__main__.py" else program.name
    return " ".join([head, *(display_value(arg) for arg in argv[1:])])


def display_config(config: dict) -> dict:
    """A run's configuration (``EstimateConfig`` as JSON) with its path values as ``display_value`` shows them."""
    shown = dict(config)
    for key in ("input", "out", "corrections", "preset"):
        if isinstance(shown.get(key), str):
            shown[key] = display_value(shown[key])
    shown["extra_inputs"] = [display_value(str(v)) for v in shown.get("extra_inputs") or []]
    return shown


def resolve_inputs(config, presets: list | None = None) -> list[RunInput]:
    """The run's inputs: ``--input`` (and its extra inputs) as one input; else, for one preset that names its study's
    own snapshot (``snapshot = ...`` in its TOML), that bundled snapshot alone; else every bundled snapshot."""
    if config.input:
        paths = [Path(p).expanduser().resolve() for p in [config.input, *config.extra_inputs]]
        if config.input_format and len(paths) > 1:
            raise ValueError("--format applies to a single input; formats of several inputs are detected")
        formats = [config.input_format or detect_format(p) for p in paths]
        for fmt in formats:
            adapter(fmt)  # an unknown forced format fails here, before any work
        for path, fmt in zip(paths, formats):  # the reading gate, before any work (and before any file is hashed):
            for file in members(fmt, path):  # regular files within the byte limit, never a FIFO or a device
                check_input(file)
        first = paths[0]
        if config.snapshot_name:
            name = check_name(config.snapshot_name, "--snapshot-name")
        else:  # the input's own name, made safe for a file name (it names analysis/<name>.parquet, figures/<name>/)
            derived = first.name if formats[0] == "snapshot" else first.stem
            name = derived if re.fullmatch(NAME_PATTERN, derived) else (slugify(derived)[:100] or "input")
        return [RunInput(name, tuple(zip(paths, formats)))]
    folders = sorted(p for p in snapshots_dir().iterdir() if p.is_dir() and (p / "models.csv").exists())
    if not folders:
        raise FileNotFoundError(f"no bundled snapshot in {snapshots_dir()}; pass --input or run `make snapshots`")
    own = study_snapshot(presets or [])
    if own is not None:
        folders = [p for p in folders if p.name == own]
        if not folders:
            raise FileNotFoundError(f"preset {presets[0].name}'s own snapshot {own} is not in {snapshots_dir()}; "
                                    "run `make snapshots`, or pass --input")
    return [RunInput(check_name(p.name, "bundled snapshot"), ((p, "snapshot"),)) for p in folders]


def study_snapshot(presets: list) -> str | None:
    """The bundled snapshot a run uses without input: that of its one preset, when the preset names one."""
    return presets[0].snapshot if len(presets) == 1 and presets[0].snapshot else None


def rejected_inputs(inputs: list[RunInput], shown: bool = True) -> list[dict]:
    """Files in the input folders that no adapter read: listed with the reason, never as inputs. Entries that are
    not regular files (a FIFO, a link to a device, a dangling link, a link loop) are among them, with what they are;
    ``--strict`` makes any of them an error. ``shown``: each path, and a link's target in the reason, as the run's
    outputs show them (``display_path``); otherwise as they are (for the error the user reads)."""
    entries = [entry for item in inputs for path, fmt in item.parts for entry in unused_files(fmt, path)]
    if not shown:
        return entries
    return [{**entry, "path": display_path(Path(entry["path"]), follow=False),
             "reason": re.sub(r"(?<=['(])/[^')]*(?=[')])", lambda m: display_path(Path(m[0]), follow=False),
                              entry["reason"])}
            for entry in entries]


def preset_names(ref: str) -> list[str]:
    """``all`` (every bundled preset but those with ``in_all = false``), one name or path, or a comma-separated list
    of them."""
    if ref.strip() == "all":
        return [name for name in bundled_presets() if load_preset(name).in_all]
    return [part.strip() for part in ref.split(",") if part.strip()]


def combined_preset_meta(presets: list) -> dict:
    """What the report needs of the run's presets: names, titles, references, published values (all of them)."""
    if len(presets) == 1:
        return presets[0].model_dump(mode="json")
    return {"name": ", ".join(p.name for p in presets),
            "title": "every method side by side (" + ", ".join(p.name for p in presets) + ")",
            "reference": "; ".join(f"{p.name}: {p.reference}" for p in presets if p.reference),
            "published": [v for p in presets for v in p.model_dump(mode="json")["published"]],
            "hardware_factor_per_year": presets[0].hardware_factor_per_year,
            "hardware_source": presets[0].hardware_source}


def input_records(inputs: list[RunInput], corrections: Path, preset_ref: str) -> list[dict]:
    records = []
    for item in inputs:
        for path, fmt in item.parts:
            for file in members(fmt, path):
                records.append({"path": display_path(file), "role": f"{fmt} input ({item.name})",
                                "sha256": sha256_file(file)})
    records.append({"path": display_path(corrections), "role": "data corrections", "sha256": sha256_file(corrections)})
    if creators_file().exists():  # the hedonic regression's creator clusters (tasks/data/creators.py)
        records.append({"path": display_path(creators_file()), "role": "creator mapping",
                        "sha256": sha256_file(creators_file())})
    crosswalk = crosswalk_file()
    if any(len(i.parts) > 1 for i in inputs) and crosswalk.exists():
        records.append({"path": display_path(crosswalk), "role": "entity-resolution crosswalk",
                        "sha256": sha256_file(crosswalk)})
    for ref in preset_names(preset_ref):
        preset_path = Path(ref) if Path(ref).exists() else bundled_presets().get(ref)
        if preset_path is not None:
            records.append({"path": display_path(preset_path), "role": "preset", "sha256": sha256_file(preset_path)})
    return records


def snapshot_sources(item: RunInput) -> list[dict]:
    """The raw files a snapshot was built from (its snapshot.json), or the raw inputs themselves."""
    if item.format == "snapshot":
        return read_snapshot_meta(item.path).get("sources", [])
    return [{"file": p.name, "format": fmt, "origin": display_path(p), "sha256": sha256_file(p)}
            for path, fmt in item.parts for p in members(fmt, path)]


@dataclass(frozen=True)
class RunPlan:
    """What ``prepare_run`` found: the presets, the inputs, the corrections file and the files not read."""

    presets: list
    inputs: list[RunInput]
    corrections: Path
    not_read: list[dict]


def prepare_run(config) -> RunPlan:
    """Everything a run checks before any work: the presets, the inputs and their formats, the files of input
    folders that would not be read (an error with ``strict``), and the output folder (never one the tool did not
    write). Cheap and Prefect-free: the command line calls it before it starts a Prefect API, the flow again."""
    presets = [load_preset(name) for name in preset_names(config.preset)]
    if config.bootstrap_resamples is not None:
        presets = [p.model_copy(update={"uncertainty": p.uncertainty.model_copy(
            update={"bootstrap_resamples": config.bootstrap_resamples})}) for p in presets]
    inputs = resolve_inputs(config, presets)
    corrections = Path(config.corrections).resolve() if config.corrections else corrections_file()
    not_read = rejected_inputs(inputs)
    if not_read and config.strict:
        first = rejected_inputs(inputs, shown=False)[0]  # the user's own paths, in the error
        raise SourceError(f"--strict: {len(not_read)} file(s) in the input folder(s) would not be read, e.g. "
                          f"{first['path']} ({first['reason']})")
    if config.out:
        check_output_folder(config.out, "run", [path for item in inputs for path, _ in item.parts] + [corrections])
    return RunPlan(presets, inputs, corrections, not_read)


@dataclass
class Snapshot:
    """One snapshot of the run after ingest and clean: where its tables are, and what the report says of it."""

    item: RunInput
    canonical: dict[str, Path]  # its canonical tables (merged, when several sources)
    clean: CleanTables  # analysis, quarantine, summary, corrections, warnings, runs, run_prices
    as_published: Path | None = None  # the analysis table without corrections (published values on it)
    resolution: dict[str, Path] | None = None  # matches and conflicts of a merge
    attribution: list[str] | None = None
    as_published_clean: CleanTables | None = None  # every table of the cleaning as published (runs included)

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def analysis(self) -> Path:
        return self.clean.analysis
