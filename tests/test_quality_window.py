"""Step 15, point 1: the quality-data window. A trend at constant MMLU-Pro ends where the MMLU-Pro scores end (AA
retired the benchmark in early 2026), however late the prices were observed; "stalled" counts from the last scored
release."""

from __future__ import annotations


import pandas as pd
import pytest

from tasks.data.quality import quality_window
from tasks.trends import Estimate, Sample, TrendFit, TrendSpec, judge


def table(rows: list[tuple[str, str, float | None]]) -> pd.DataFrame:
    """An analysis table: (model, release date, MMLU-Pro score or None), two price rows per model."""
    frame = pd.DataFrame([{"model_id": m, "release_date": pd.Timestamp(d), "score_mmlu_pro": s}
                          for m, d, s in rows for _ in range(2)])
    return frame


def test_the_window_is_the_scored_releases():
    analysis = table([("a", "2024-04-23", 70.0), ("b", "2025-12-30", 80.0), ("c", "2026-05-01", None),
                      ("d", "2023-01-01", None)])
    window = quality_window(analysis, "mmlu_pro")
    assert (window.start, window.end, window.models) == (pd.Timestamp("2024-04-23"), pd.Timestamp("2025-12-30"), 2)
    assert window.text() == "models released 2024-04-23 to 2025-12-30"
    # 2026-07-02 is 184 days after 2025-12-30: 184 / (365.25 / 12) = 6.045 months
    assert window.months_before("2026-07-02") == 6.0 and window.months_before("2025-01-01") == 0.0
    assert quality_window(analysis, "gpqa_diamond") is None  # no such score column
    assert quality_window(analysis.assign(score_mmlu_pro=None), "mmlu_pro") is None


def test_stalled_counts_from_the_last_scored_release_not_from_the_price_date():
    spec = TrendSpec(snapshot="s", preset="p", method="frontier", subset="open", quality_measure="mmlu_pro",
                     band_low=30, band_high=50, quantity="price", price_type="blended", price_source="x")
    sample = Sample(5, 9, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30"))
    fit = TrendFit(spec, [Estimate("ols", "ols", "ok", sample, factor=3.0, ci_low=2.0, ci_high=4.0, ci_level=0.9)],
                   pd.DataFrame())
    window = quality_window(table([("a", "2024-01-01", 60.0), ("b", "2025-12-30", 45.0)]), "mmlu_pro")
    judged = judge(fit, as_of=pd.Timestamp("2026-07-02"), window=window)
    row = judged.main.row(spec)
    # before step 15: (2026-07-02 - 2025-06-30) = 367 days = 12.1 months, "stalled 12 mo"; the scores end 2025-12-30:
    # 183 days = 6.0 months
    assert row["months_since_last"] == 6.0
    assert (row["quality_window_start"], row["quality_window_end"]) == (pd.Timestamp("2024-01-01"),
                                                                       pd.Timestamp("2025-12-30"))
    assert judge(fit, as_of=pd.Timestamp("2026-07-02")).main.months_since_last == 12.1  # no window: the price date


def test_on_aa_2026_07_the_mmlu_pro_window_ends_in_january_2026():
    from tasks.data.canonical import read_snapshot
    from tasks.data.clean import clean, read_corrections
    from tasks.files.settings import corrections_file, snapshots_dir

    analysis = clean(read_snapshot(snapshots_dir() / "aa-2026-07"), read_corrections(corrections_file())).analysis
    window = quality_window(analysis, "mmlu_pro")
    assert window.end == pd.Timestamp("2026-01-04")  # the reviewer's count: every MMLU-Pro trend ends by then
    assert window.months_before(analysis["observed_on"].max()) == pytest.approx(5.9, abs=0.05)
    scored = analysis.drop_duplicates("model_id")
    late = scored[pd.to_datetime(scored["release_date"]) >= "2026-04-01"]
    assert len(late) > 50 and late["score_mmlu_pro"].isna().all()  # 2026Q2 releases: none scored


def test_the_hedonic_figure_prints_the_quality_window_not_all_release_dates():
    from tasks.methods.hedonic import fit as fit_hedonic
    from tasks.methods.hedonic_figures import hedonic_figure
    from tests.test_figures import all_texts
    from tests.test_frontier import analysis
    from tests.test_hedonic import hedonic_spec

    rows = [(f"m{i}", f"2024-{i + 1:02d}-15", 10.0 / (1.3 ** i), 0.45 + 0.02 * i, True) for i in range(9)]
    table = analysis(rows)
    spec = hedonic_spec(price_source="lowest_reported", band_low=40, band_high=70, price_type="blended")
    fitted = judge(fit_hedonic(table, spec), window=quality_window(table, "mmlu_pro"))
    fig = hedonic_figure(table, fitted.rows, [spec], ["Data: test"])
    text = " ".join(all_texts(fig))
    # before: "all release dates", while every MMLU-Pro trend ends where the scores end
    assert "all release dates" not in text
    assert "models released 2024-01-15 to 2024-09-15 (the releases scored on MMLU-Pro)" in text
