"""The frontier's figures (``Method.figures``, ``Method.draw``): record lows per quality band (price, parameters, price
per parameter), the fit labelled; and the permutation null of the price bands (``frontier_null_figure``)."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tasks.core.vocabulary import status_word
from tasks.data.quantities import UNITS
from tasks.methods.frontier_null_figure import null_figure
from tasks.reporting.figures import (BAND_COLOURS, MUTED, RC, WIDTH, band_title, fit_line, figure_footer, figure_header,
                                     log_axis, panel_header, set_date_limits, set_log_limits, tidy_date_ticks,
                                     tidy_log_ticks, factor_label, fmt_factor_with_interval, has_estimate,
                                     fmt_interval, is_uninformative, main_price_source, status_reason)

RECORDS_LABEL = "record lows (each holds until the next)"
FIT_LABEL = "OLS fit on the record lows"
MUTED_FIT_LABEL = "OLS fit, uninformative"
TYPICAL_LABEL = "all models in the band (typical, at constant score)"
# the open-models figure's typical trend is over the band's open models only (its subset), never "all models"
TYPICAL_LABELS = {"open": "all open models in the band (typical, at constant score)"}
TYPICAL_PANEL = {"open": "all open models (typical, constant score)"}
TYPICAL = "typical"
# what identifies a band's trend apart from its variant: a typical row belongs to the main row that shares these
BAND_KEYS = ["method", "subset", "quality_measure", "band_low", "band_high", "quantity", "price_type", "price_source"]


def _same_band(rows: pd.DataFrame, row) -> pd.DataFrame:
    match = pd.Series(True, index=rows.index)
    for key in BAND_KEYS:
        if key not in rows:
            continue
        value = getattr(row, key, None)
        match &= rows[key].isna() if pd.isna(value) else (rows[key] == value)
    return rows[match]


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("boolean").fillna(False).astype(bool)


def _panel_lines(row, typical) -> list[tuple[str, str]]:
    """The lines above a panel: (text, colour)."""
    if has_estimate(row):
        colour = MUTED if is_uninformative(row) else "black"
        # a long label (an uninformative range with its coverage) on two lines: it must not run into the next panel
        lines = [(text, colour) for text in textwrap.wrap(factor_label(row), 46)]
        counts = f"n = {int(row.n)} records" if pd.notna(row.n) else ""
        if pd.notna(getattr(row, "n_candidates", None)):
            counts += f" of {int(row.n_candidates)}"
        if pd.notna(getattr(row, "r_squared", None)):
            counts += f" · R² = {row.r_squared:.2f}"
        lines.append((counts, colour))
        if is_uninformative(row):
            lines += [(text, MUTED) for text in textwrap.wrap(status_reason(row), 50)[:2]]
        elif pd.notna(getattr(row, "tie_order_min_factor", None)):
            same_day = (f"any same-day order: {fmt_interval(row.tie_order_min_factor, row.tie_order_max_factor)}x"
                        " / year")
            lines.append((same_day, colour))
    else:  # no estimate: the status and why, wrapped to the panel's width
        lines = [(str(row.status), "0.35")] + [(text, "0.35") for text in textwrap.wrap(status_reason(row), 50)[:2]]
    if typical is not None:
        text = fmt_factor_with_interval(typical.factor_per_year, typical.ci_low, typical.ci_high)
        if is_uninformative(typical):
            text = f"{status_word(typical.status)}: {text}"
        who = TYPICAL_PANEL.get(getattr(typical, "subset", None), "all models (typical, constant score)")
        # wrapped like the lines above: an uninformative typical range ran into the next panel's text and off the
        # figure (futuretech-2025-07, frontier_open)
        lines += [(line, "0.3") for line in textwrap.wrap(f"{who}: {text}", 46)]
    return lines


def frontier_figure(trends: pd.DataFrame, points: pd.DataFrame, *, title: str, subtitle: str, ylabel: str,
                    attribution: list[str]) -> Figure:
    """One panel per band: candidates faint, the record lows as a step line (a record holds until the next one),
    the OLS fit labelled; ``trends`` holds one row per band (no variant), and may hold each band's ``typical``
    row (the OLS over every model of the band), drawn as a thin dotted line when it has an estimate."""
    variant = trends["variant"] if "variant" in trends else pd.Series(None, index=trends.index, dtype=object)
    typical_rows = trends[variant == TYPICAL]
    rows = trends[variant.isna()].sort_values("band_low").reset_index(drop=True)
    panels = []
    for row in rows.itertuples():
        match = _same_band(typical_rows, row)
        typical = next((t for t in match.itertuples() if has_estimate(t) and pd.notna(t.slope_per_day)), None)
        panels.append((row, typical, _panel_lines(row, typical)))
    n_lines = max([len(lines) for _, _, lines in panels] + [3])
    text_height = 0.125 * n_lines  # inches: the lines above each panel
    with plt.rc_context(RC):
        height = 3.3 + max(text_height - 0.375, 0)
        fig, axes = plt.subplots(1, max(len(rows), 1), figsize=(WIDTH, height), sharey=True, sharex=True,
                                 squeeze=False)
        axes = axes[0]
        all_dates, all_values = [], []
        for i, (row, typical, lines) in enumerate(panels):
            ax, colour = axes[i], BAND_COLOURS[i % len(BAND_COLOURS)]
            pts = points[points["trend_id"] == row.trend_id].sort_values(["release_date", "value"])
            record = _flag(pts, "is_record")
            records, others = pts[record], pts[~record]
            all_dates += list(pts["release_date"])
            all_values += list(pts["value"])
            ax.scatter(others["release_date"], others["value"], s=7, color="0.72", linewidths=0, zorder=2,
                       label="other models in the band")
            if not records.empty:
                ax.plot(records["release_date"].to_numpy(), records["value"].to_numpy(dtype=float),
                        drawstyle="steps-post", color=colour, lw=0.9, marker="o", ms=4, mfc=colour, mec="white",
                        mew=0.4, zorder=4, label=RECORDS_LABEL)
                # the last record still holds: to the last release scored on the band's measure, or its last model
                last = records["release_date"].max()
                months = getattr(row, "months_since_last", np.nan)
                end = last + pd.Timedelta(days=float(months) * 30.4375) if pd.notna(months) else (
                    pts["release_date"].max())
                if end > last:
                    ax.plot([last, end], [records["value"].iloc[-1]] * 2, color=colour, lw=0.7, ls=":", zorder=3)
                    all_dates.append(end)
            if has_estimate(row) and pd.notna(row.slope_per_day) and pts["in_fit"].fillna(False).astype(bool).any():
                dates, values = fit_line(pts, row.slope_per_day, row.log_base)
                all_values += list(values)
                if is_uninformative(row):
                    ax.plot(dates, values, color=MUTED, lw=0.8, ls="--", zorder=3, label=MUTED_FIT_LABEL)
                else:
                    ax.plot(dates, values, color="black", lw=1.1, ls="--", zorder=5, label=FIT_LABEL)
            if typical is not None:
                typical_points = points[points["trend_id"] == typical.trend_id]
                if not _flag(typical_points, "in_fit").any():  # its points not at hand: the band's models
                    typical_points = pts.assign(in_fit=True)
                if not typical_points.empty:
                    dates, values = fit_line(typical_points, typical.slope_per_day, typical.log_base)
                    all_values += list(values)
                    ax.plot(dates, values, color="0.25", lw=0.8, ls=":", zorder=4,
                            label=TYPICAL_LABELS.get(getattr(typical, "subset", None), TYPICAL_LABEL))
            panel_header(ax, band_title(row), lines, text_height)
            if pts.empty:
                ax.text(0.5, 0.5, "no models in this band", transform=ax.transAxes, ha="center", color="0.4")
        log_axis(axes[0])
        set_log_limits(axes[0], all_values)
        set_date_limits(axes[0], all_dates)
        axes[0].set_ylabel(ylabel)
        found = {}
        for ax in axes:
            handles, labels = ax.get_legend_handles_labels()
            found.update({label: handle for label, handle in zip(labels, handles) if label not in found})
        legend_order = ["other models in the band", RECORDS_LABEL, FIT_LABEL, MUTED_FIT_LABEL, TYPICAL_LABEL,
                        *TYPICAL_LABELS.values()]
        unique = {label: found[label] for label in legend_order if label in found}
        legend_rows = 1 if len(unique) <= 3 else 2
        fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=3, frameon=False,
                   bbox_to_anchor=(0.5, 0.15 / height), handletextpad=0.3, columnspacing=1.5)
        figure_header(fig, title, subtitle)
        figure_footer(fig, attribution, "Record: at most every earlier model's lowest value; same day: cheapest first")
        # fixed margins in inches (tight_layout would measure every tick: most of the drawing time): below, the
        # footer, the legend and the two-line date labels; above, the titles and the lines over each panel
        bottom = (0.15 + 0.15 * legend_rows + 0.38) / height
        top = 1 - (0.55 + 0.16 + text_height) / height
        fig.subplots_adjust(left=0.085, right=0.975, bottom=bottom, top=top, wspace=0.12)
        tidy_log_ticks(fig, axes[0])
        tidy_date_ticks(fig, axes[0])
    return fig


# --- the method's figure jobs and how to draw them (Method.figures, Method.draw) ----------------------------------
def figures(rows: pd.DataFrame, points: pd.DataFrame, analysis: pd.DataFrame, common: dict,
            extra: dict | None = None) -> list[tuple[dict, dict]]:
    """The record-low figures of one snapshot (all and open models, the decomposition's quantities) on its main
    price source, and the permutation null of the price bands (``extra["replicates"]``: the fits' resamples)."""
    replicates = (extra or {}).get("replicates")
    snapshot = common["snapshot"]
    frontier = rows[rows["variant"].isna() & (rows["status"] != "skipped") & (rows["method"] == "frontier")
                    & (rows["ci_method"] == "ols")]
    # each band's typical trend (the OLS over every model of the band), drawn beside its record lows when present
    typical = rows[(rows["method"] == "frontier") & (rows["variant"] == "typical") & (rows["ci_method"] == "ols")
                   & (rows["status"] != "skipped")]
    source = main_price_source(frontier.loc[frontier["quantity"] == "price", "price_source"].dropna())
    jobs: list[tuple[dict, dict]] = []

    def with_points(rows: pd.DataFrame) -> dict:
        keys = ["subset", "quantity", "price_type", "price_source", "quality_measure"]
        same = typical.merge(rows[keys].drop_duplicates(), on=keys, how="inner")["trend_id"]
        rows = pd.concat([rows, typical[typical["trend_id"].isin(same)]]) if len(same) else rows
        return {"trends": rows, "points": points[points["trend_id"].isin(rows["trend_id"])]}

    price = frontier[(frontier["quantity"] == "price") & (frontier["price_type"] == "blended")
                     & (frontier["price_source"] == source)]
    names = {"all": ("frontier_all", "all models (open and proprietary)"),
             "open": ("frontier_open", "open-weights models")}
    for subset, (name, who) in names.items():
        chosen = price[price["subset"] == subset]
        if not chosen.empty:
            jobs.append((dict(common, name=name, ylabel="USD per 1M tokens, blended 3:1 (log)",
                              title=f"Lowest price at constant quality: {who}",
                              subtitle=f"Record-low blended price per MMLU-Pro band · price: {source} · snapshot "
                                       f"{snapshot}"), with_points(chosen)))
    per_quantity = {
        "active_params": ("Fewest active parameters at each quality level (open-weights models)",
                          f"{UNITS['active_params']} (log)"),
        "price_per_active_param": ("Lowest blended price per active parameter (open-weights models)",
                                   "USD per 1M tokens per\nbillion active parameters (log)"),
    }
    for quantity, (title, ylabel) in per_quantity.items():
        chosen = frontier[(frontier["quantity"] == quantity) & (frontier["subset"] == "open")]
        if quantity.startswith("price_per_"):
            chosen = chosen[chosen["price_source"] == source]
        if not chosen.empty:
            jobs.append((dict(common, name=quantity, ylabel=ylabel, title=title,
                              subtitle=f"Record lows per MMLU-Pro band (same method as the price frontier) · "
                                       f"snapshot {snapshot}"), with_points(chosen)))
    if replicates is not None and not price.empty and (replicates["kind"] == "null").any():
        null = replicates[(replicates["kind"] == "null") & replicates["trend_id"].isin(price["trend_id"])]
        jobs.append((dict(common, name="null", title="Could selection alone produce the trend? The permutation null",
                          subtitle=f"Grey: factors from record lows after shuffling release dates among the band's "
                                   f"models (no trend), as shares of the usable shuffles (those with enough records "
                                   f"for a slope); red: observed (grey dashed: short span or wide interval); "
                                   f"dotted: null median · "
                                   f"blended price, {source} · {snapshot}"),
                     {"trends": price, "replicates": null}))
    return jobs


def draw(fields: dict, frames: dict) -> Figure:
    """One planned record-low or permutation-null figure."""
    if fields["name"] == "null":
        return null_figure(frames["trends"], frames["replicates"], fields["attribution"], fields["title"],
                           fields["subtitle"])
    return frontier_figure(frames["trends"], frames["points"], title=fields["title"], subtitle=fields["subtitle"],
                           ylabel=fields["ylabel"], attribution=fields["attribution"])


# --- the interactive versions (Method.interactive): hover a model for its date, price and source, score -----------
def _value_label(quantity: str):
    """The plotted value in words, with its unit (the hover's line under the release date)."""
    if quantity == "price":
        return lambda value: f"plotted: ${value:,.4g} per 1M tokens"
    unit = {"active_params": UNITS.get("active_params", "billion active parameters"),
            "price_per_active_param": "USD per 1M tokens per billion active parameters"}.get(quantity, quantity)
    return lambda value: f"plotted: {value:,.4g} {unit}"


def frontier_interactive(trends: pd.DataFrame, points: pd.DataFrame, analysis: pd.DataFrame, *, title: str,
                         ylabel: str):
    """The record-low figure as a Plotly figure: one panel per band (as the PNG), the record lows as a step line, the
    other models of the band grey, the OLS fit dashed; hover any point for the model, its release date, its price
    and price source, its score; a log/linear switch."""
    from plotly.subplots import make_subplots

    from tasks.reporting.interactive import HOVER_TEMPLATE, axis_buttons, hover_data, text

    variant = trends["variant"] if "variant" in trends else pd.Series(None, index=trends.index, dtype=object)
    typical_rows = trends[variant == TYPICAL]
    rows = trends[variant.isna()].sort_values("band_low").reset_index(drop=True)
    if rows.empty:
        return None
    titles = [text(band_title(row)) + "<br><span style='font-size:10px'>"
              + text(factor_label(row) if has_estimate(row) else row.status) + "</span>" for row in rows.itertuples()]
    fig = make_subplots(rows=1, cols=len(rows), shared_yaxes=True, shared_xaxes=True, subplot_titles=titles,
                        horizontal_spacing=0.03)
    shown = set()
    for i, row in enumerate(rows.itertuples(), start=1):
        colour = BAND_COLOURS[(i - 1) % len(BAND_COLOURS)]
        pts = points[points["trend_id"] == row.trend_id].sort_values(["release_date", "value"])
        hover = _value_label(row.quantity)
        record = _flag(pts, "is_record")

        def custom(frame):
            return hover_data(frame, analysis, price_source=row.price_source if pd.notna(row.price_source) else None,
                              price_type=row.price_type if pd.notna(row.price_type) else "blended",
                              quality_measure=row.quality_measure, value_label=hover)

        for label, frame, style in (
                ("other models in the band", pts[~record], dict(mode="markers", marker=dict(size=5, color="#b8b8b8"))),
                (RECORDS_LABEL, pts[record], dict(mode="lines+markers", line=dict(shape="hv", color=colour, width=1.5),
                                                  marker=dict(size=7, color=colour, line=dict(color="white",
                                                                                              width=0.5))))):
            if frame.empty:
                continue
            fig.add_scatter(x=frame["release_date"].dt.strftime("%Y-%m-%d").tolist(),
                            y=frame["value"].astype(float).tolist(), customdata=custom(frame),
                            hovertemplate=HOVER_TEMPLATE, name=label, legendgroup=label,
                            showlegend=label not in shown, row=1, col=i, **style)
            shown.add(label)
        if has_estimate(row) and pd.notna(row.slope_per_day) and _flag(pts, "in_fit").any():
            dates, values = fit_line(pts, row.slope_per_day, row.log_base)
            label = MUTED_FIT_LABEL if is_uninformative(row) else FIT_LABEL
            fig.add_scatter(x=[f"{d:%Y-%m-%d}" for d in dates], y=[float(v) for v in values], mode="lines",
                            line=dict(color="#999999" if is_uninformative(row) else "black", dash="dash", width=1.2),
                            name=label, legendgroup=label, showlegend=label not in shown,
                            hovertemplate=text(factor_label(row)) + "<extra></extra>", row=1, col=i)
            shown.add(label)
        records = pts[record]
        months = getattr(row, "months_since_last", np.nan)
        if not records.empty and pd.notna(months) and months > 0:  # the last record still holds (as in the PNG)
            last = records["release_date"].max()
            end = last + pd.Timedelta(days=float(months) * 30.4375)
            fig.add_scatter(x=[f"{last:%Y-%m-%d}", f"{end:%Y-%m-%d}"], y=[float(records["value"].iloc[-1])] * 2,
                            mode="lines", line=dict(color=colour, dash="dot", width=1), showlegend=False,
                            hoverinfo="skip", row=1, col=i)
        typical = next((t for t in _same_band(typical_rows, row).itertuples()
                        if has_estimate(t) and pd.notna(t.slope_per_day)), None)
        if typical is not None:
            typical_points = points[points["trend_id"] == typical.trend_id]
            if not _flag(typical_points, "in_fit").any():
                typical_points = pts.assign(in_fit=True)
            if not typical_points.empty:
                dates, values = fit_line(typical_points, typical.slope_per_day, typical.log_base)
                label = TYPICAL_LABELS.get(getattr(typical, "subset", None), TYPICAL_LABEL)
                fig.add_scatter(x=[f"{d:%Y-%m-%d}" for d in dates], y=[float(v) for v in values], mode="lines",
                                line=dict(color="#404040", dash="dot", width=1), name=label, legendgroup=label,
                                showlegend=label not in shown, row=1, col=i,
                                hovertemplate=text(fmt_factor_with_interval(typical.factor_per_year, typical.ci_low,
                                                                            typical.ci_high)) + "<extra></extra>")
                shown.add(label)
    fig.update_yaxes(type="log", dtick=1, showgrid=True, gridcolor="#eeeeee")  # a label per power of ten
    fig.update_yaxes(title_text=text(ylabel.replace("\n", " ").replace(" (log)", "")), row=1, col=1)  # either axis
    fig.update_xaxes(type="date", showgrid=True, gridcolor="#eeeeee", matches="x")  # one date range, as the PNG
    fig.update_annotations(font_size=11)
    fig.update_layout(template="simple_white", hovermode="closest", margin=dict(t=70, l=70, r=20, b=40),
                      legend=dict(orientation="h", y=-0.12), updatemenus=axis_buttons(len(rows)))  # the page's heading is the title
    return fig


def interactive(fields: dict, frames: dict, analysis: pd.DataFrame):
    """The interactive version of a planned figure (None: the permutation null has none)."""
    if fields["name"] == "null":
        return None
    return frontier_interactive(frames["trends"], frames["points"], analysis, title=fields["title"],
                                ylabel=fields["ylabel"])
