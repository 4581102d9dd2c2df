"""The demonstration method (tasks/methods/theil_sen.py): its slope and interval against an independent computation
(every pairwise slope by brute force, Sen's 1968 rank interval by hand), and a run with its example preset
(docs/examples/theil-sen.toml) producing its trends, its report section and its figure."""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from tasks.core.vocabulary import ESTIMATED
from tasks.files.settings import PROJECT_ROOT
from tasks.methods.theil_sen import theil_sen_fit
from tests.conftest import BUNDLED_SNAPSHOT, run_estimate

PRESET = PROJECT_ROOT / "docs" / "examples" / "theil-sen.toml"


def pairwise_slopes(x, y) -> np.ndarray:
    """Every pair released on different days, one by one."""
    return np.sort([(y[j] - y[i]) / (x[j] - x[i]) for i, j in combinations(range(len(x)), 2) if x[i] != x[j]])


def sen_interval(x, y, level: float) -> tuple[float, float]:
    """Sen (1968), eq. 2.6: the ordered pairwise slopes at ranks (N -/+ z sigma) / 2, sigma^2 from n and the ties."""
    slopes, n = pairwise_slopes(x, y), len(x)
    ties = sum(k * (k - 1) * (2 * k + 5) for values in (x, y) for k in pd.Series(values).value_counts() if k > 1)
    sigma = math.sqrt((n * (n - 1) * (2 * n + 5) - ties) / 18)
    z = norm.ppf(1 - (1 - level) / 2)
    low = max(int(round((len(slopes) - z * sigma) / 2)) - 1, 0)
    high = min(int(round((len(slopes) + z * sigma) / 2)), len(slopes) - 1)
    return slopes[low], slopes[high]


def test_slope_and_interval_match_brute_force_and_sens_ranks():
    rng = np.random.default_rng(7)
    x = np.array([0, 30, 30, 95, 180, 260, 300, 420, 555, 610, 700, 800, 950, 1000], dtype=float)  # days, one tie
    y = 1.5 - 0.0011 * x + rng.normal(0, 0.25, len(x))  # log10 price: about 2.5x cheaper per year, noisy
    y[5] += 3.0  # one extreme price: the median of slopes barely moves
    result = theil_sen_fit(x, y, 0.9)
    assert result.slope == pytest.approx(np.median(pairwise_slopes(x, y)), rel=1e-12)
    low, high = sen_interval(x, y, 0.9)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert low < result.slope < high
    # "x per year" at the endpoints, the steepest decline the largest factor
    assert result.factor("10") == pytest.approx(10 ** (-result.slope * 365.25))
    assert result.factor_interval("10") == pytest.approx((10 ** (-high * 365.25), 10 ** (-low * 365.25)))


@pytest.mark.e2e
def test_a_run_with_the_example_preset_has_its_trends_section_and_figure(tmp_path):
    out = tmp_path / "run"
    run_estimate(input=str(BUNDLED_SNAPSHOT), preset=str(PRESET), out=str(out), history=False)
    trends = pd.read_csv(out / "trends.csv")
    points = pd.read_csv(out / "points.csv", parse_dates=["release_date"])
    mine = trends[trends["method"] == "theil_sen"]
    assert set(mine["estimator"]) == {"theil_sen"} and set(mine["ci_method"]) == {"theil_sen"}
    assert len(mine) == 4  # two subsets x two bands
    estimated = mine[mine["status"].isin(ESTIMATED)]
    assert len(estimated) >= 2
    for row in estimated.itertuples():  # every estimate recomputed from its own points
        used = points[(points["trend_id"] == row.trend_id) & points["in_fit"]]
        assert len(used) == row.n
        x = ((used["release_date"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy()
        y = np.log10(used["value"].to_numpy(dtype=float))
        low, high = sen_interval(x, y, 0.9)
        assert row.slope_per_day == pytest.approx(np.median(pairwise_slopes(x, y)), rel=1e-8)
        assert row.factor_per_year == pytest.approx(10 ** (-row.slope_per_day * 365.25), rel=1e-8)
        assert (row.ci_low, row.ci_high) == pytest.approx((10 ** (-high * 365.25), 10 ** (-low * 365.25)), rel=1e-8)
    report = (out / "report.md").read_text()
    snapshot = Path(BUNDLED_SNAPSHOT).name
    assert f"### Theil-Sen slopes by quality band: `{snapshot}`" in report
    assert f"![Figure: Theil-Sen lines per quality band on `{snapshot}`" in report
    assert (out / "figures" / snapshot / "theil_sen.png").stat().st_size > 10_000
    # the figure of every trend takes its rows and groups from the registry: the new method is in it, under its label
    from tasks.methods import method
    from tasks.render.figures.summary import summary_groups, summary_rows

    shown = summary_rows(trends, snapshot)[0]
    assert set(shown["trend_id"]) == set(mine.loc[mine["status"] != "skipped", "trend_id"])
    assert [g.title for g in summary_groups() if g.select(shown).any()] == [method("theil_sen").label]
    assert (out / "figures" / snapshot / "summary.png").stat().st_size > 10_000
