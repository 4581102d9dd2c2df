"""Step 15, point 4: a short span is called so (``short_span``, distinct from ``wide_interval``); Epoch AI's
thresholds median is printed over all thresholds and over the long-span ones, both labelled; a geometric mean says
which bands it averages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tasks.core.vocabulary import ESTIMATED, STATUSES, is_uninformative, status_word
from tasks.trends import Estimate, Sample, TrendFit, TrendSpec, judge
from tasks.trends.geomean import GeomeanSpec
from tasks.trends.geomean import from_tables as fit_geomean


def test_two_statuses_for_the_two_reasons():
    # before: STATUSES had "uninformative" only, and the helpers did not exist
    assert {"short_span", "wide_interval"} <= set(STATUSES) and "uninformative" not in STATUSES
    assert ESTIMATED == ("ok", "short_span", "wide_interval")
    assert [is_uninformative(s) for s in ("ok", "short_span", "wide_interval", "insufficient", "skipped")] == \
        [False, True, True, False, False]
    assert status_word("short_span") == "short span" and status_word("wide_interval") == "wide interval"


def _fit(first: str, last: str, low: float, high: float) -> TrendFit:
    spec = TrendSpec(snapshot="s", preset="p", method="frontier", subset="open", quality_measure="mmlu_pro",
                     band_low=70, band_high=90, quantity="price", price_type="blended", price_source="lowest_reported")
    estimate = Estimate("ols", "ols", "ok", Sample(4, 10, pd.Timestamp(first), pd.Timestamp(last)), factor=8.77,
                        ci_low=low, ci_high=high, ci_level=0.9, slope=-0.001, log_base="10")
    return TrendFit(spec, [estimate], pd.DataFrame())


def test_judge_names_the_reason():
    # the published open [70, 90] band of futuretech-2025-07: 332 days, interval under 1000-fold
    first = pd.Timestamp("2024-01-01")
    last = first + pd.Timedelta(days=332)
    judged = judge(_fit(str(first.date()), str(last.date()), 0.95, 81.3)).main
    assert judged.status == "short_span"  # before: "uninformative"
    assert judged.note == "short span: its points span 332 days, under 12 months"
    # a span of a year or more with an interval 1001-fold: a wide interval
    judged = judge(_fit("2023-01-01", "2024-06-01", 1.0, 1001.0)).main
    assert judged.status == "wide_interval" and judged.note.startswith("wide interval: its 90% interval spans 1,001")


# --- Epoch AI's thresholds: the median of all and of the long-span ones ------------------------------------------
def _thresholds(factors: dict[str, tuple[float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"trend_id": t, "snapshot": "epoch-2025-03", "method": "threshold", "variant": None,
                          "price_source": "source_price", "factor_per_year": f, "status": s}
                         for t, (f, s) in factors.items()])


def test_the_thresholds_median_of_all_and_of_the_long_span_ones():
    from tasks.methods.threshold_report import answer_entries, answer_lines

    factors = {"a": (10.0, "ok"), "b": (20.0, "ok"), "c": (30.0, "wide_interval"), "d": (400.0, "short_span"),
               "e": (600.0, "short_span"), "f": (None, "insufficient")}
    [entry] = answer_entries(None, _thresholds(factors))
    every = [f for f, s in factors.values() if s in ("ok", "short_span", "wide_interval")]
    long_span = [f for f, s in factors.values() if s in ("ok", "wide_interval")]
    # before: the median of the ok rows alone (15.0x over 2), unlabelled as such
    assert entry["factor_per_year"] == pytest.approx(np.median(every)) == pytest.approx(30.0)
    assert entry["n_trends"] == 5
    assert entry["long_span_factor"] == pytest.approx(np.median(long_span)) == pytest.approx(20.0)
    assert entry["n_long_span"] == 3 and entry["n_short_span"] == 2
    assert entry["short_span_factor"] == pytest.approx(500.0)
    [line] = answer_lines([entry])
    assert "median of all 5 thresholds with an estimate 30.0x per year" in line
    assert "median of the 3 long-span ones (points spanning 12 months or more) 20.0x" in line
    assert "the 2 short-span ones: median 500x" in line


def test_the_thresholds_median_when_every_one_is_long():
    from tasks.methods.threshold_report import answer_entries, answer_lines

    [entry] = answer_entries(None, _thresholds({"a": (10.0, "ok"), "b": (40.0, "ok")}))
    assert entry["factor_per_year"] == pytest.approx(25.0) and entry["long_span_factor"] == pytest.approx(25.0)
    assert answer_lines([entry])[0].endswith("median of all 2 thresholds with an estimate 25.0x per year (every one "
                                             "long-span: points spanning 12 months or more).")


# --- a geometric mean says which bands it averages ----------------------------------------------------------------
def _geomean(statuses: list[str]) -> pd.Series:
    members = ("t1", "t2", "t3")
    geo = GeomeanSpec(snapshot="s", preset="p", method="frontier_geomean", subset="all", quality_measure="mmlu_pro",
                      price_type="blended", price_source="lowest_reported", members=members, ci_level=0.9)
    rows = pd.DataFrame({"trend_id": list(members), "ci_method": "ols", "status": statuses,
                         "band_low": [30, 50, 70], "band_high": [50, 70, 90],
                         "slope_per_day": [-0.02, -0.002, -0.004], "n": [4, 5, 6], "n_candidates": [10, 20, 30],
                         "first_date": pd.Timestamp("2024-01-01"), "last_date": pd.Timestamp("2025-01-01")})
    rng = np.random.default_rng(3)
    replicates = pd.concat([pd.DataFrame({"trend_id": t, "kind": "bootstrap", "replicate": np.arange(50),
                                          "slope_per_day": rng.normal(s, 1e-4, 50)})
                            for t, s in zip(members, rows["slope_per_day"])])
    return fit_geomean(geo, rows, replicates).rows.iloc[0]


def test_a_geometric_mean_names_its_bands_in_the_scope():
    from tasks.methods.frontier_report import figure_scope, scope

    # futuretech-2025-07 all / lowest_reported: 128x is the [70, 90] band alone; before: "MMLU-Pro, every band"
    alone = _geomean(["short_span", "short_span", "ok"])
    assert alone.factor_per_year == pytest.approx(10 ** (0.004 * 365.25))  # the [70, 90] band's factor
    assert scope(alone) == "MMLU-Pro, bands [70, 90] only"
    assert figure_scope(next(pd.DataFrame([alone]).itertuples())) == "MMLU-Pro, bands [70, 90] only"
    assert scope(_geomean(["ok", "wide_interval", "ok"])) == "MMLU-Pro, bands [30, 50], [70, 90] only"
    assert scope(_geomean(["ok", "ok", "ok"])) == "MMLU-Pro, bands [30, 50], [50, 70], [70, 90]"
    # every band short: the mean is of them all, and says so
    every = _geomean(["short_span"] * 3)
    assert every.status == "short_span" and scope(every) == "MMLU-Pro, bands [30, 50], [50, 70], [70, 90]"


def test_the_answer_says_which_bands_a_mean_averages():
    from tasks.render.answer import headline, headline_lines
    from tasks.reporting.format import ReportInputs, answer_cell
    from tasks.methods import by_row_name

    row = _geomean(["short_span", "short_span", "ok"]).to_dict()
    row.update(subset="open", snapshot="s", preset="p")
    band = {**row, "trend_id": "band-70", "method": "frontier", "ci_method": "ols", "band_low": 70.0,
            "band_high": 90.0, "note": None}  # the band the mean averages (a frontier row: the answer's snapshot)
    inputs = ReportInputs(trends=pd.DataFrame([row, band]), diagnostics=pd.DataFrame({"trend_id": []}), cleans={},
                          meta={}, methods=by_row_name())
    entry = next(e for e in headline(inputs)["entries"] if e["trend_id"] == row["trend_id"])
    # before: no "bands" in headline.json, and the left-out bands called "uninformative"
    assert (entry["bands"], entry["left_out"], entry["left_out_why"]) == ("[70, 90]", "[30, 50], [50, 70]",
                                                                        "short span")
    cell = str(answer_cell(entry))
    assert "; bands \\[70, 90\\] only; band \\[30, 50\\], \\[50, 70\\] left out (short span)" in cell
    assert any(line.strip().startswith("lowest_reported") and line.endswith("; bands [70, 90] only")
               for line in headline_lines(headline(inputs)))


def test_methods_side_by_side_never_drops_a_short_span_silently():
    from tasks.methods import by_row_name
    from tasks.render.report import methods_details
    from tasks.reporting.document import Document
    from tasks.reporting.format import ReportInputs

    def row(trend_id, method, factor, status, **extra):
        return {"trend_id": trend_id, "snapshot": "epoch-2025-03", "preset": "p", "method": method, "subset": "all",
                "quality_measure": "gpqa_diamond", "band_low": None, "band_high": None, "threshold_model": None,
                "quantity": "price", "price_type": "blended", "price_source": "source_price", "controls": None,
                "variant": None, "estimator": "ols", "ci_method": "ols", "factor_per_year": factor, "ci_low": None,
                "ci_high": None, "ci_level": 0.9, "n": 5, "status": status, "note": None, **extra}

    factors = [(10.0, "ok"), (30.0, "ok"), (500.0, "short_span"), (900.0, "short_span")]
    trends = pd.DataFrame([row(f"t{i}", "threshold", f, s, threshold_model=f"M{i}") for i, (f, s) in
                           enumerate(factors)] + [row("h", "hedonic", 4.0, "ok", controls="gpqa_diamond")])
    inputs = ReportInputs(trends=trends, diagnostics=pd.DataFrame({"trend_id": []}), cleans={}, meta={},
                          methods=by_row_name())
    doc = Document("t")
    methods_details(doc, inputs)
    text = " ".join(str(block.text) for block in doc.blocks)
    # before: "median 20.0x over 2 informative estimates" and nothing of the two short spans
    assert "median 20.0x over 2 informative estimates (median of all 4 estimates, 2 with a short span or a wide " \
           f"interval among them: {np.median([f for f, _ in factors]):.0f}x)" in text
