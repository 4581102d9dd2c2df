"""Attribution for every source the pipeline reads (terms of use require it on every output built on them)."""

from __future__ import annotations

from collections.abc import Iterable

# source prefix (the adapter's format, the part of a ``source`` value before '/') -> attribution line
ATTRIBUTION: dict[str, str] = {
    "futuretech": "Data: Artificial Analysis (via the MIT FutureTech July 2025 dataset, Gundlach et al.)",
    "futuretech_runs": "Data: Epoch AI (CC-BY) benchmark runs, Artificial Analysis and ARC Prize (via the MIT "
                       "FutureTech 2026 dataset, Gundlach et al.)",
    "aa_site": "Data: Artificial Analysis",
    "aa_api": "Data: Artificial Analysis",
    "models_dev": "Data: models.dev (MIT licence)",
    "llm_stats": "LLM-Stats (CC-BY-4.0)",
    "epoch_models": "Data: Epoch AI (CC-BY)",
    "epoch_prices": "Data: Epoch AI (CC-BY)",
}


def attributions(sources: Iterable[str]) -> list[str]:
    """Attribution lines for the ``source`` values present in a table (unknown sources are named as they are)."""
    lines = []
    for prefix in sorted({str(s).split("/", 1)[0] for s in sources if s}):
        line = ATTRIBUTION.get(prefix, f"Data: {prefix}")
        if line not in lines:
            lines.append(line)
    return lines
