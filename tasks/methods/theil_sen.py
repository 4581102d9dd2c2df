"""A Theil-Sen slope of log price on release date per quality band (``method = theil_sen``): the demonstration that
a method is one module (its options, fit, labels, report section and figure here; one line in ``tasks.methods``).

For each band of a quality measure (closed, as the frontier's), every model of the subset priced on the first price
source of the section the snapshot has, its score in the band: the median of the slopes of every pair of models
released on different days (Theil 1950, Sen 1968; ``scipy.stats.theilslopes``) of log10 price on the day. Unlike the
frontier it selects nothing on the outcome (every model of the band counts, as in the hedonic regression) and unlike
OLS one extreme price cannot pull the line. Its interval is Sen's (1968) rank interval at the preset's level, from the
ordered pairwise slopes; slope and interval become "x per year" at the endpoints as every method's do
(``factor = 10^(-slope x 365.25)``, the steepest decline the largest factor).

Models of one lab and one release wave are not independent, so the interval is descriptive, as the OLS ones are.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from pandera.typing import DataFrame
from matplotlib.figure import Figure
from scipy import stats

from schemas.analysis import AnalysisTable
from tasks.core.vocabulary import ESTIMATED
from tasks.core.bands import in_band
from tasks.core.stats import SlopeFit, log_values, release_day
from tasks.core.vocabulary import BENCHMARKS, fmt_factor, fmt_interval
from tasks.data.quantities import model_values
from tasks.trends import (Estimate, LogBase, PriceSource, PriceType, Sample, Subset, TrendFit, TrendSpec,
                          points_frame)
from tasks.trends.sections import BandedSection
from tasks.reporting.figures import tidy_log_ticks
from tasks.trends.method import Method

NAME = "theil_sen"


class TheilSenSection(BandedSection):
    """Theil-Sen slopes per quality band (``[theil_sen]``)."""

    bands: list[tuple[float, float]] = [(40, 60), (60, 80)]  # in band units: percent for fraction benchmarks
    subsets: list[Subset] = ["all"]
    price_type: PriceType = "blended"
    # the first of these the snapshot has
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider", "aa_headline", "source_price"]
    log_base: LogBase = "10"



def plan(preset, snapshot: str, analysis: DataFrame[AnalysisTable], common: dict, price_sources: set[str]
         ) -> list[TrendSpec]:
    """One trend per subset and band, on the first price source of the section that the snapshot has."""
    section = preset.theil_sen
    source = next((s for s in section.price_sources if s in price_sources), None)
    return [TrendSpec(**common, method=NAME, subset=subset, quality_measure=section.quality_measure, band_low=low,
                      band_high=high, quantity="price", price_type=section.price_type, price_source=source,
                      ci_methods=(NAME,), log_base=section.log_base,
                      skip_note=None if source else f"no price from {', '.join(section.price_sources)} in this "
                                                    "snapshot")
            for subset in section.subsets for low, high in section.bands]


def theil_sen_fit(x: np.ndarray, y: np.ndarray, ci_level: float) -> SlopeFit:
    """The Theil-Sen slope of y on x with Sen's interval at ``ci_level`` (no standard error or R²: not a
    least-squares fit)."""
    result = stats.theilslopes(y, x, alpha=ci_level)
    return SlopeFit(slope=float(result.slope), se=None, ci_low=float(result.low_slope),
                    ci_high=float(result.high_slope), ci_level=ci_level, n=len(x), r_squared=None,
                    adj_r_squared=None, ci_method=NAME)


def band_models(analysis: DataFrame[AnalysisTable], spec: TrendSpec) -> pd.DataFrame:
    """The models of the subset with a price on the spec's source, their score in the band, by release date."""
    frame = model_values(analysis, spec.quantity, spec.subset, spec.price_type, spec.price_source)
    frame = frame[in_band(frame[f"score_{spec.quality_measure}"], spec.quality_measure, spec.band_low,
                          spec.band_high, spec.band_edges)]
    return frame[["model_id", "name", "release_date", "value"]].sort_values(
        ["release_date", "model_id"], kind="mergesort").reset_index(drop=True)


def fit(analysis: DataFrame[AnalysisTable], spec: TrendSpec, context: dict | None = None) -> TrendFit:
    """One band's Theil-Sen trend (pure)."""
    if spec.skip_note:
        sample = Sample(0, 0)
        return TrendFit(spec, [Estimate.of(spec, NAME, NAME, None, sample, "skipped", spec.skip_note)],
                        points_frame(pd.DataFrame(columns=["model_id", "name", "release_date", "value", "is_record",
                                                           "in_fit"]), spec.trend_id))
    models = band_models(analysis, spec)
    days = release_day(models["release_date"])
    enough = len(models) >= max(spec.min_points, 2) and len(np.unique(days)) > 1
    models = models.assign(is_record=False, in_fit=enough)
    sample = Sample.of(models, len(models))
    if not enough:
        note = f"{len(models)} model(s) on {len(np.unique(days))} release date(s): too few for a slope"
        estimate = Estimate.of(spec, NAME, NAME, None, sample, "insufficient", note)
    else:
        estimate = Estimate.of(spec, NAME, NAME, theil_sen_fit(days, log_values(models["value"], spec.log_base),
                                                              spec.ci_level), sample)
    return TrendFit(spec, [estimate], points_frame(models, spec.trend_id))


# --- the report section and the figure ---------------------------------------------------------------------------
def _main(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[(rows["method"] == NAME) & rows["variant"].isna()].drop_duplicates("trend_id").sort_values(
        ["subset", "band_low"], kind="mergesort")


def _band(row) -> str:
    return f"[{row.band_low:g}, {row.band_high:g}]"


def section(doc, inputs, snapshot: str) -> None:
    """Its part of the report's details on one snapshot: what it measures, a table of its bands, its figure."""
    rows = _main(inputs.trends[inputs.trends["snapshot"] == snapshot])
    doc.heading(f"Theil-Sen slopes by quality band: `{snapshot}`", 3)
    doc.text(f"**{METHOD.label}** measures {METHOD.what}.")
    levels = "/".join(sorted({f"{float(v):.0%}" for v in rows["ci_level"].dropna()})) or "no"
    doc.table(["subset", "band", "price", "models", "x / year", f"{levels} interval"],
              [[r.subset, f"{BENCHMARKS.get(r.quality_measure, r.quality_measure)} {_band(r)}",
                f"{r.price_type}, {r.price_source}" if pd.notna(r.price_source) else "-",
                "-" if pd.isna(r.n) else f"{int(r.n):,}",
                f"{fmt_factor(r.factor_per_year)}x" if r.status in ESTIMATED else r.status,
                fmt_interval(r.ci_low, r.ci_high)] for r in rows.itertuples()], "lllrrr")
    doc.figure(inputs.figures, f"figures/{snapshot}/{NAME}.png",
               f"Figure: Theil-Sen lines per quality band on `{snapshot}`, every model of the band a point")


def figures(rows: pd.DataFrame, points: pd.DataFrame, analysis: DataFrame[AnalysisTable], common: dict,
            extra: dict | None = None) -> list[tuple[dict, dict]]:
    """One figure: a panel per band with an estimate."""
    main = _main(rows)
    main = main[main["status"].isin(ESTIMATED)]
    if main.empty:
        return []
    return [(dict(common, name=NAME), {"trends": main, "points": points[points["trend_id"].isin(main["trend_id"])]})]


def draw(fields: dict, frames: dict) -> Figure:
    """Log price against release date per band, the Theil-Sen line through the median point (Sen's intercept)."""
    trends, points = frames["trends"], frames["points"]
    fig = Figure(figsize=(7.0, 3.0), dpi=100)
    axes = fig.subplots(1, len(trends), squeeze=False, sharey=True)[0]
    for ax, row in zip(axes, trends.itertuples()):
        mine = points[points["trend_id"] == row.trend_id]
        dates = pd.to_datetime(mine["release_date"])
        ax.scatter(dates, mine["value"], s=7, color="0.55", linewidths=0)
        days = release_day(dates)
        logs = log_values(mine["value"], str(row.log_base))
        intercept = float(np.median(logs - row.slope_per_day * days))
        ends = np.array([days.min(), days.max()])
        base = 10.0 if str(row.log_base) == "10" else np.e
        ax.plot(pd.to_datetime(ends, unit="D"), base ** (intercept + row.slope_per_day * ends), color="#1b6ca8",
                lw=1.1)
        ax.set_yscale("log")
        ax.set_title(f"{row.subset} · {_band(row)}\n{fmt_factor(row.factor_per_year, capped=False)}x / year "
                     f"[{fmt_interval(row.ci_low, row.ci_high, capped=False)}]", fontsize=7)  # a figure: every digit
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.tick_params(labelsize=6)
    axes[0].set_ylabel("USD per 1M tokens (log)", fontsize=7)
    fig.suptitle(f"Theil-Sen slope of log price on release date per band · {fields['snapshot']}", fontsize=8)
    fig.text(0.005, 0.005, " · ".join(fields["attribution"]), fontsize=5.5, color="0.35", ha="left", va="bottom")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.17, top=0.78, wspace=0.1)
    tidy_log_ticks(fig, axes[0])  # ticks where the data is, not only the decades
    return fig


METHOD = Method(
    name=NAME,
    sections={"theil_sen": TheilSenSection},
    plan=plan,
    fit=fit,
    label="Theil-Sen slope per quality band (demonstration)",
    what="the median of the pairwise slopes of log price on release date of every model in a quality band: no "
         "selection on the outcome, and robust to a few extreme prices",
    estimators=(NAME,),
    ci_methods=(NAME,),
    section=section,
    figures=figures,
    draw=draw,
)
