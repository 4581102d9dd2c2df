"""``CITATION.bib`` and its sidecar ``CITATION.hashes.json``: how to cite a run, and what exactly it was.

The BibTeX file holds one ``@software`` entry for the tool (title, version, the code commit in a short note, the
URL if the package declares one, the year and month of the run) and one entry per study and dataset the run used:
the studies whose method its presets follow (a preset's ``cite``) and the datasets its snapshots were built from
(``tasks.data.sources.cited_works``), each once, from ``tasks.data.references.WORKS``. The sha256 of every input and
output are in the sidecar, which the tool entry's note names; ``manifest.json`` lists both files.
"""

from __future__ import annotations

import datetime as dt

from tasks.data.references import WORKS
from tasks.files.bibtex import bib_entry, bib_key

SIDECAR = "CITATION.hashes.json"
TOOL = "inference-trends"


def tool_entry(run_id: str, created: dt.datetime, tool: dict, code: dict, presets: list[str],
               snapshots: list[str]) -> str:
    """The ``@software`` entry of the tool, keyed by the run. ``tool``: version, summary, url (or None);
    ``code``: git_commit, git_dirty."""
    commit = code.get("git_commit") or "unknown"
    note = (f"Run {run_id}: presets {', '.join(presets)}; snapshots {', '.join(snapshots)}; code commit {commit}"
            f"{' with uncommitted changes' if code.get('git_dirty') else ''}. The sha256 of every input and output "
            f"of the run: {SIDECAR}, beside this file.")
    title = TOOL + (f": {tool['summary'].rstrip('.')}" if tool.get("summary") else "")
    return bib_entry("software", bib_key(f"inference_trends_{run_id}"), {
        "author": [(f"{TOOL} contributors",)], "title": title, "version": tool.get("version") or "unknown",
        "year": created.year, "month": created.month, "url": tool.get("url"), "note": note})


def run_works(presets: list[dict], data_works: list[str]) -> list[str]:
    """The works a run cites: its presets' (their order), then its snapshots' data (``data_works``), each once."""
    works: list[str] = []
    for key in [key for preset in presets for key in preset.get("cite", [])] + list(data_works):
        if key not in works:
            works.append(key)
    return works


def citation_bib(run_id: str, created: dt.datetime, tool: dict, code: dict, presets: list[dict],
                 snapshots: list[str], data_works: list[str]) -> str:
    """``CITATION.bib``: the tool's entry, then one entry per work the run used (``run_works``)."""
    entries = [tool_entry(run_id, created, tool, code, [p["name"] for p in presets], snapshots)]
    for key in run_works(presets, data_works):
        kind, fields = WORKS[key]
        entries.append(bib_entry(kind, key, fields))
    header = (f"% Cite the tool with the first entry and the studies and datasets this run used with the others.\n"
              f"% The sha256 of the run's inputs and outputs: {SIDECAR}.\n\n")
    return header + "\n".join(entries)


def citation_hashes(run_id: str, tool: dict, code: dict, inputs: list[dict], snapshots: list[dict],
                    outputs: list[dict]) -> dict:
    """``CITATION.hashes.json``: the run, the tool's version and code commit, every input (path, role, sha256), the
    raw files each snapshot was built from, and every output of the run folder (path, sha256) but the manifest and
    this file."""
    return {"run_id": run_id, "tool": TOOL, "version": tool.get("version") or "unknown",
            "git_commit": code.get("git_commit"), "git_dirty": code.get("git_dirty"),
            "inputs": inputs, "snapshots": snapshots, "outputs": outputs}
