"""Step 15, points 5 and 8: compare like with like (price changes on one price source; one definition that equals
another is not listed as a third)."""

from __future__ import annotations

import pandas as pd

from tasks.methods import by_row_name
from tasks.render.report import price_changes
from tasks.reporting.format import ReportInputs


class Clean:
    def __init__(self, rows: list[tuple[str, str, float, str]]):
        self.analysis = pd.DataFrame([{"model_id": m, "name": m.upper(), "price_source": s,
                                       "blended_usd_per_mtok": p, "observed_on": pd.Timestamp(d)}
                                      for m, s, p, d in rows])


def report(cleans: dict) -> ReportInputs:
    return ReportInputs(trends=pd.DataFrame(), diagnostics=pd.DataFrame(), cleans=cleans, meta={},
                        methods=by_row_name())


def test_price_changes_compare_one_price_source_where_both_snapshots_have_it():
    early = Clean([("a", "lowest_reported", 1.0, "2025-07-01"), ("a", "lowest_provider", 2.0, "2025-07-01")])
    late = Clean([("a", "lowest_provider", 3.0, "2026-07-01"), ("a", "lowest_reported", 1.5, "2026-07-01")])
    row = price_changes(report({"early": early, "late": late})).iloc[0]
    # before: "lowest_reported or lowest_provider", the later row of either (here 2.0 -> 1.5, or 1.0 -> 3.0): a
    # change of source read as a change over time; now both on lowest_provider: 2.0 -> 3.0
    assert (row.price_source_a, row.price_a, row.price_source_b, row.price_b) == ("lowest_provider", 2.0,
                                                                                  "lowest_provider", 3.0)
    assert row.change == 1.5 and bool(row.same_source)


def test_price_changes_label_a_pair_of_different_sources():
    early = Clean([("a", "lowest_reported", 1.0, "2025-07-01")])
    late = Clean([("a", "lowest_provider", 3.0, "2026-07-01")])
    row = price_changes(report({"early": early, "late": late})).iloc[0]
    assert (row.price_source_a, row.price_source_b, bool(row.same_source)) == ("lowest_reported", "lowest_provider",
                                                                               False)
