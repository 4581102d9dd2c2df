"""Step 15, points 5 and 8: compare like with like (price changes on one price source; one definition that equals
another is not listed as a third)."""

from __future__ import annotations

import pandas as pd
import pytest

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


# --- point 5: the hedonic regression's price definitions on the same models ---------------------------------------
def test_the_common_sample_variant_fits_each_definition_on_the_models_every_definition_prices():
    import numpy as np

    from tasks.methods.hedonic import COMMON_PRICE_SAMPLE, fit as fit_hedonic
    from tests.test_frontier import analysis
    from tests.test_hedonic import hedonic_spec

    rows = [(f"m{i}", f"2024-{i + 1:02d}-15", 10.0 / (1.3 ** i) * (1 + 0.1 * (i % 3)), 0.45 + 0.02 * i, True)
            for i in range(9)]
    first = analysis(rows)
    second = analysis(rows).assign(price_source="aa_headline", blended_usd_per_mtok=lambda f: f.blended_usd_per_mtok * 2)
    second = second[~second["model_id"].isin(["m0", "m4"])]  # two models the second definition does not price
    table = pd.concat([first, second], ignore_index=True)
    base = dict(price_source="lowest_reported", band_low=40, band_high=70)
    full = fit_hedonic(table, hedonic_spec(**base)).main
    common = fit_hedonic(table, hedonic_spec(**base, variant=COMMON_PRICE_SAMPLE,
                                             common_sources=("lowest_reported", "aa_headline"))).main
    assert (full.sample.n, common.sample.n) == (9, 7)  # before: no such variant; each definition its own sample
    kept = first[~first["model_id"].isin(["m0", "m4"])]
    x = (kept["release_date"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(kept)), x, kept["score_mmlu_pro"].to_numpy() * 100])
    coef = np.linalg.lstsq(design, np.log(kept["blended_usd_per_mtok"].to_numpy()), rcond=None)[0]
    assert common.slope == pytest.approx(coef[1], rel=1e-9)  # OLS on the 7 common models, computed independently


def test_composition_and_range_edges_are_planned_for_the_answers_regression_only():
    from tasks.methods.hedonic import COMPOSITION, SCORE_RANGE, plan
    from tasks.study.presets import load_preset
    from tests.test_frontier import analysis

    preset = load_preset("futuretech-2025")
    table = analysis([("m", "2025-01-01", 1.0, 0.5, True)])
    specs = plan(preset, "s", table, {"snapshot": "s", "preset": preset.name, "min_points": 4, "ci_level": 0.9},
                 {"lowest_reported", "lowest_provider", "aa_headline"})
    composition = [s for s in specs if s.variant == COMPOSITION]
    ranges = [s for s in specs if s.variant == SCORE_RANGE]
    # before step 15: neither variant existed; now one per main price source (lowest_reported, lowest_provider)
    assert sorted((s.price_source, s.subset) for s in composition) == [("lowest_provider", "all"),
                                                                       ("lowest_reported", "all")]
    assert len(ranges) == 2 * 8 and {(s.band_low, s.band_high) for s in ranges} == {
        (35, 65), (35, 70), (35, 75), (40, 65), (40, 75), (45, 65), (45, 70), (45, 75)}
    assert all(s.price_type == "blended" and s.controls == ("mmlu_pro",) and s.ci_methods == ("ols",)
               for s in composition + ranges)
