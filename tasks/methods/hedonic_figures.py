"""The hedonic regression's figure (``Method.figures``, ``Method.draw``): price adjusted to the sample's mean quality
vs release date, one panel per price type."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tasks.core.stats import release_day
from tasks.trends import TrendSpec
from tasks.reporting.figures import (BAND_COLOURS, MUTED, PRICE_LABELS, RC, WIDTH, figure_footer, figure_header, log_axis,
                                     set_date_limits, set_log_limits, tidy_date_ticks, tidy_log_ticks, factor_label,
                                     has_estimate, is_uninformative)


def _adjusted(analysis: pd.DataFrame, spec: TrendSpec):
    """The regression's sample, its coefficients, and each price shifted to the sample's mean quality."""
    from tasks.methods.hedonic import hedonic_coefficients  # here: that module imports this one for its METHOD

    sample, coef = hedonic_coefficients(analysis, spec)
    score = sample[f"score_{spec.quality_measure}"]
    shift = coef[f"score_{spec.quality_measure}"] * (score - score.mean())
    adjusted = np.exp(np.log(sample["value"]) - shift) if spec.log_base == "e" else 10 ** (
        np.log10(sample["value"]) - shift)
    return sample, coef, adjusted


def _fit_ends(sample: pd.DataFrame, coef, spec: TrendSpec):
    """The fitted trend at the sample's first and last release, at the sample's mean quality (and controls)."""
    score = sample[f"score_{spec.quality_measure}"]
    x = release_day(sample["release_date"])
    span = np.array([x.min(), x.max()])
    level = coef["const"] + coef[f"score_{spec.quality_measure}"] * score.mean()
    for control in spec.controls[1:]:
        level += coef[f"score_{control}"] * sample[f"score_{control}"].mean()
    fitted = level + coef["day"] * span
    return pd.to_datetime(span, unit="D"), np.exp(fitted) if spec.log_base == "e" else 10 ** fitted


def hedonic_figure(analysis: pd.DataFrame, trends: pd.DataFrame, specs: list[TrendSpec],
                   attribution: list[str]) -> Figure:
    """One panel per price type: price adjusted to the sample's mean MMLU-Pro, and the fitted trend."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, max(len(specs), 1), figsize=(WIDTH, 2.9), sharey=True, sharex=True,
                                 squeeze=False)
        axes = axes[0]
        dates, values = [], []
        for ax, spec, colour in zip(axes, specs, BAND_COLOURS):
            row = trends[(trends["trend_id"] == spec.trend_id) & (trends["ci_method"] == "ols")].iloc[0]
            ax.set_title(f"{PRICE_LABELS.get(spec.price_type, spec.price_type)} price", fontweight="bold", pad=22)
            if not has_estimate(row):
                ax.text(0.5, 0.5, f"{row.status}: {row.note}", transform=ax.transAxes, ha="center", wrap=True)
                continue
            muted = is_uninformative(row)  # an estimate without information: grey, never highlighted
            colour = MUTED if muted else colour
            sample, coef, adjusted = _adjusted(analysis, spec)
            ax.scatter(sample["release_date"], adjusted, s=10, color=colour, alpha=0.75, linewidths=0,
                       label="open models (quality-adjusted)")
            dates += list(sample["release_date"])
            values += list(adjusted)
            ax.plot(*_fit_ends(sample, coef, spec),
                    color=MUTED if muted else "black", ls="--", lw=0.8 if muted else 1.1, label="fit")
            ax.text(0.5, 1.015, f"{factor_label(row)}\nn = {int(row.n)} · adj. R² = {row.adj_r_squared:.2f}",
                    transform=ax.transAxes, ha="center", va="bottom", fontsize=6, linespacing=1.25,
                    color=MUTED if muted else "black")
        log_axis(axes[0])
        set_date_limits(axes[0], dates)
        set_log_limits(axes[0], values)
        axes[0].set_ylabel("USD per 1M tokens at mean MMLU-Pro (log)")
        spec = specs[0] if specs else None
        first = trends[trends["trend_id"] == spec.trend_id].iloc[0] if spec else None
        window = ""  # the releases the quality measure scores: the trend ends there, whatever the price date
        if first is not None and pd.notna(first.get("quality_window_start")) and pd.notna(
                first.get("quality_window_end")):
            window = (f"models released {pd.Timestamp(first['quality_window_start']):%Y-%m-%d} to "
                      f"{pd.Timestamp(first['quality_window_end']):%Y-%m-%d} (the releases scored on MMLU-Pro)")
        scope = (f"open models with MMLU-Pro in [{spec.band_low:g}, {spec.band_high:g}] %, "
                 f"{window or 'every scored release'} · price: {spec.price_source} · snapshot {spec.snapshot}"
                 if spec else "")
        figure_header(fig, "Quality-adjusted price trend (hedonic regression)", scope)
        figure_footer(fig, attribution, "ln price = a·day + b·MMLU-Pro + c; points shifted to the mean MMLU-Pro")
        fig.subplots_adjust(left=0.075, right=0.975, bottom=0.17, top=0.74, wspace=0.12)
        tidy_log_ticks(fig, axes[0])
        tidy_date_ticks(fig, axes[0])
    return fig


# --- figure 6: summary ---------------------------------------------------------------------------------------------


# --- the method's figure job and how to draw it (Method.figures, Method.draw) -------------------------------------
def figures(rows: pd.DataFrame, points: pd.DataFrame, analysis: pd.DataFrame, common: dict,
            extra: dict | None = None) -> list[tuple[dict, dict]]:
    """One figure: the open models' regressions controlling for one quality measure, on the snapshot's main price
    source (``extra["price_source"]``), one panel per price type (``extra["specs"]``: the planned trends)."""
    extra = extra or {}
    snapshot, source = common["snapshot"], extra.get("price_source")
    specs = sorted((s for s in extra.get("specs") or [] if s.method == "hedonic" and s.snapshot == snapshot
                    and s.price_source == source
                    and len(s.controls) == 1 and s.subset == "open" and not s.variant and not s.skip_note),
                   key=lambda s: ["input", "output", "blended"].index(s.price_type))
    if not specs:
        return []
    mine = rows[rows["variant"].isna() & (rows["status"] != "skipped")]
    mine = mine[mine["trend_id"].isin([s.trend_id for s in specs])]
    return [(dict(common, name="hedonic", hedonic_specs=specs), {"trends": mine, "analysis": analysis})]


def draw(fields: dict, frames: dict) -> Figure:
    """The planned hedonic figure."""
    return hedonic_figure(frames["analysis"], frames["trends"], fields["hedonic_specs"], fields["attribution"])


def hedonic_interactive(analysis: pd.DataFrame, trends: pd.DataFrame, specs: list[TrendSpec]):
    """The hedonic figure as a Plotly figure: one panel per price type, each model's price shifted to the sample's
    mean quality and the fitted trend; hover a model for its release date, its actual price and source, its score."""
    from plotly.subplots import make_subplots

    from tasks.reporting.interactive import HOVER_TEMPLATE, axis_buttons, hover_data, text

    if not specs:
        return None
    rows = [trends[(trends["trend_id"] == s.trend_id) & (trends["ci_method"] == "ols")].iloc[0] for s in specs]
    titles = [f"{text(PRICE_LABELS.get(s.price_type, s.price_type))} price<br><span style='font-size:10px'>"
              + text(factor_label(r) if has_estimate(r) else f"{r.status}: {r.note}") + "</span>"
              for s, r in zip(specs, rows)]
    fig = make_subplots(rows=1, cols=len(specs), shared_yaxes=True, shared_xaxes=True, subplot_titles=titles,
                        horizontal_spacing=0.03)
    for i, (spec, row, colour) in enumerate(zip(specs, rows, BAND_COLOURS), start=1):
        if not has_estimate(row):
            continue
        muted = is_uninformative(row)
        sample, coef, adjusted = _adjusted(analysis, spec)
        points = sample.assign(adjusted=adjusted).sort_values("release_date")
        measure = spec.quality_measure

        custom = hover_data(points[["model_id", "name", "release_date", "adjusted"]].rename(
                                columns={"adjusted": "value"}).assign(in_fit=True), analysis,
                            price_source=spec.price_source, price_type=spec.price_type, quality_measure=measure,
                            value_label=lambda v: f"plotted: ${v:,.4g} per 1M tokens at the sample's mean score")
        custom[:, 8] = "open model in the regression"
        fig.add_scatter(x=points["release_date"].dt.strftime("%Y-%m-%d").tolist(),
                        y=points["adjusted"].astype(float).tolist(), mode="markers", customdata=custom,
                        hovertemplate=HOVER_TEMPLATE, name="open models (quality-adjusted)",
                        legendgroup="points", showlegend=i == 1,
                        marker=dict(size=6, color="#999999" if muted else colour, opacity=0.75), row=1, col=i)
        dates, values = _fit_ends(sample, coef, spec)
        fig.add_scatter(x=[f"{d:%Y-%m-%d}" for d in dates], y=[float(v) for v in values], mode="lines", name="fit",
                        legendgroup="fit", showlegend=i == 1,
                        line=dict(color="#999999" if muted else "black", dash="dash", width=1.2),
                        hovertemplate=text(factor_label(row)) + "<extra></extra>", row=1, col=i)
    fig.update_yaxes(type="log", dtick=1, showgrid=True, gridcolor="#eeeeee")  # a label per power of ten
    fig.update_yaxes(title_text="USD per 1M tokens at mean MMLU-Pro", row=1, col=1)
    fig.update_xaxes(type="date", showgrid=True, gridcolor="#eeeeee", matches="x")  # one date range, as the PNG
    fig.update_annotations(font_size=11)
    fig.update_layout(template="simple_white", hovermode="closest", margin=dict(t=70, l=70, r=20, b=40),
                      legend=dict(orientation="h", y=-0.12), updatemenus=axis_buttons(len(specs)),
                      meta=dict(title="Quality-adjusted price trend (hedonic regression)"))
    return fig


def interactive(fields: dict, frames: dict, analysis: pd.DataFrame):
    """The interactive version of the planned hedonic figure."""
    return hedonic_interactive(frames["analysis"], frames["trends"], fields["hedonic_specs"])
