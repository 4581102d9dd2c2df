"""The cost of a benchmark run's part of the report's details on one snapshot
(``tasks.methods.benchmark_cost``'s ``Method.section``): its figures, one per benchmark (its estimates are in the
report's table of every estimate and in its answer).
"""

from __future__ import annotations

from tasks.core.vocabulary import BENCHMARKS
from tasks.reporting.document import Document
from tasks.reporting.format import ReportInputs
from tasks.reporting.markup import md_code, md_escape


def benchmark_cost_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    """The cost-per-run figure of each benchmark (method benchmark_cost), in the plan's order."""
    prefix = f"figures/{snapshot}/benchmark_cost_"
    for key in [k for k in inputs.figures if k.startswith(prefix) and k.endswith(".png")]:
        benchmark = key.removeprefix(prefix).removesuffix(".png")
        doc.figure(inputs.figures, key, f"Figure: cost of one run of {md_escape(BENCHMARKS.get(benchmark, benchmark))} "
                                        f"over time on {md_code(snapshot)}, the score as colour, the Pareto points "
                                        "joined, the Pareto and unrestricted fits")
