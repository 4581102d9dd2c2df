"""Attribution for every source the pipeline reads (terms of use require it on every output built on them), and the
works (``tasks.data.references.WORKS``) a run that used a source cites."""

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

# source prefix -> the works (keys of tasks.data.references.WORKS) whose data it is
SOURCE_WORKS: dict[str, tuple[str, ...]] = {
    "futuretech": ("gundlach2025inference", "artificialanalysis"),
    "futuretech_runs": ("gundlach2025price", "epochai_benchmarks", "artificialanalysis", "arcprize"),
    "aa_site": ("artificialanalysis",),
    "aa_api": ("artificialanalysis",),
    "models_dev": ("modelsdev",),
    "llm_stats": ("llmstats",),
    "epoch_models": ("epochai_models",),
    "epoch_prices": ("cottier2025llm",),
}


def attributions(sources: Iterable[str]) -> list[str]:
    """Attribution lines for the ``source`` values present in a table (unknown sources are named as they are)."""
    lines = []
    for prefix in sorted({str(s).split("/", 1)[0] for s in sources if s}):
        line = ATTRIBUTION.get(prefix, f"Data: {prefix}")
        if line not in lines:
            lines.append(line)
    return lines


def cited_works(formats: Iterable[str], attribution: Iterable[str]) -> list[str]:
    """The works whose data reached a snapshot: of the formats of the files it was built from (its ``sources``),
    those whose attribution line the snapshot carries (a merged source that filled nothing carries none), each
    format's ``SOURCE_WORKS`` in turn; unknown formats cite nothing."""
    lines = set(attribution)
    works: list[str] = []
    for fmt in formats:
        if ATTRIBUTION.get(fmt, f"Data: {fmt}") in lines:
            works += [key for key in SOURCE_WORKS.get(fmt, ()) if key not in works]
    return works
