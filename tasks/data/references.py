"""The studies and datasets a run can cite: one BibTeX entry each (``CITATION.bib``).

A run cites a work when it used its method (a preset lists the work in its ``cite`` field: ``presets/*.toml``) or
its data (the sources of its snapshots: ``tasks.data.sources.SOURCE_WORKS``). Each entry is an entry type and its
fields as ``tasks.files.bibtex.bib_entry`` writes them; the key of this mapping is the entry's citation key.
Only what the works' own pages or their authors' repositories state is given: no URL where none is known.
"""

from __future__ import annotations

FUTURETECH_AUTHORS = ["Hans Gundlach", "Jayson Lynch", "Matthias Mertens", "Neil Thompson"]
EPOCH = ("Epoch AI",)  # a corporate author: kept whole

WORKS: dict[str, tuple[str, dict]] = {
    # The July 2025 post (text in ../shared/reference/futuretech-inference-efficiency-post.txt: authors and date;
    # the copy carries no title line, so the title is that of the authors' repository, which holds its data)
    "gundlach2025inference": ("misc", {
        "author": FUTURETECH_AUTHORS,
        "title": "Trends in Inference Efficiency",
        "howpublished": "MIT FutureTech, online post, 13 July 2025",
        "year": 2025, "month": 7,
        "note": "Data and code: github hansgundlach/Algorithmic_Progress_Inference @ 589218a",
    }),
    # The follow-up: the cost of one benchmark run (presets futuretech-2026 and aa-index-cost)
    "gundlach2025price": ("misc", {
        "author": FUTURETECH_AUTHORS,
        "title": "The Price of Progress: Algorithmic Efficiency and the Falling Cost of AI Inference",
        "howpublished": "arXiv preprint 2511.23455",
        "year": 2025, "month": 11,
        "eprint": "2511.23455", "archiveprefix": "arXiv",
        "url": "https://arxiv.org/abs/2511.23455",
        # the title of version 1 (28 November 2025); version 2 (23 March 2026), whose code and data the preset
        # follows, is headed "The Price of Progress: Price Performance and the Future of AI"
        "note": "MIT FutureTech. Version 2 (23 March 2026): The Price of Progress: Price Performance and the Future of "
                "AI. Code and data of that version: github hansgundlach/Algorithmic_Progress_Inference @ a6381e2",
    }),
    "cottier2025llm": ("misc", {
        "author": ["Ben Cottier", "Ben Snodin", "David Owen", "Tom Adamczewski"],
        "title": "LLM inference prices have fallen rapidly but unequally across tasks",
        "howpublished": "Epoch AI data insight",
        "year": 2025, "month": 3,
        "url": "https://epoch.ai/data-insights/llm-inference-price-trends",
        "note": "Data and code: github epoch-research/llm-benchmark-efficiency",
    }),
    "appenzeller2024llmflation": ("misc", {
        "author": ["Guido Appenzeller"],
        "title": "Welcome to LLMflation -- LLM inference cost is going down fast",
        "howpublished": "Andreessen Horowitz (a16z)",
        "year": 2024, "month": 11,
        "url": "https://a16z.com/llmflation-llm-inference-cost/",
    }),
    # --- datasets ---
    "artificialanalysis": ("misc", {
        "author": [("Artificial Analysis",)],
        "title": "Artificial Analysis",
        "url": "https://artificialanalysis.ai",
        "note": "Model benchmarks and API prices. Data: Artificial Analysis",
    }),
    "modelsdev": ("misc", {
        "author": [("models.dev contributors",)],
        "title": "models.dev: an open-source database of AI models",
        "url": "https://models.dev",
        "note": "MIT licence; github anomalyco/models.dev",
    }),
    "llmstats": ("misc", {
        "author": [("LLM-Stats",)],
        "title": "LLM-Stats",
        "url": "https://llm-stats.com",
        "note": "CC-BY-4.0; github JonathanChavezTamales/llm-leaderboard",
    }),
    "epochai_models": ("misc", {
        "author": [EPOCH],
        "title": "Large-Scale AI Models",
        "howpublished": "Epoch AI dataset",
        "note": "Epoch AI data (CC-BY)",
    }),
    "epochai_benchmarks": ("misc", {
        "author": [EPOCH],
        "title": "AI Benchmarking Hub: benchmark runs of AI models",
        "howpublished": "Epoch AI dataset",
        "note": "Epoch AI data (CC-BY); the runs' token counts, as the MIT FutureTech 2026 dataset holds them",
    }),
    "arcprize": ("misc", {
        "author": [("ARC Prize Foundation",)],
        "title": "ARC-AGI leaderboard",
        "url": "https://arcprize.org/leaderboard",
        "note": "scores and cost per task, as the MIT FutureTech 2026 dataset holds them",
    }),
}


def check_works(keys) -> list[str]:
    """``keys`` as a list, each a key of ``WORKS``; otherwise ``ValueError`` naming the unknown ones."""
    keys = list(keys)
    unknown = [key for key in keys if key not in WORKS]
    if unknown:
        raise ValueError(f"unknown work(s) to cite: {', '.join(map(repr, unknown))}; known: {', '.join(WORKS)}")
    return keys
