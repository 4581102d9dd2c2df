"""What every figure shares (the render layer's figures and the figures a method draws itself): PNG (200 dpi) and
SVG, sized for a two-column page width, log value axes, units, the data source on every figure, headers, footers,
fit lines, date and log ticks.

An estimate that carries little information (status ``short_span`` or ``wide_interval``) is drawn grey and hollow
and says which (``short span``, ``wide interval``), never as a highlighted estimate.

Files are deterministic (no creation dates, fixed SVG ids), so unchanged inputs give identical bytes.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from tasks.core.stats import release_day  # noqa: E402
from tasks.reporting.format import measure_text  # noqa: E402
from tasks.core import vocabulary  # noqa: E402
from tasks.core.vocabulary import (ESTIMATED, PRICE_SOURCES, PRICE_TYPES, headline_price_source,  # noqa: E402,F401
                                     order, status_word)
from tasks.core.vocabulary import is_uninformative as status_is_uninformative  # noqa: E402


# --- the one formatter, as figures use it: every digit (a log axis shows the scale; the report's text caps) ----
def fmt_factor(value) -> str:
    return vocabulary.fmt_factor(value, capped=False)


def fmt_interval(low, high) -> str:
    return vocabulary.fmt_interval(low, high, capped=False)


def fmt_factor_with_interval(factor, low, high, unit: str = "x / year", coverage=None, coverage_error=None) -> str:
    return vocabulary.fmt_factor_with_interval(factor, low, high, unit, coverage, capped=False,
                                               coverage_error=coverage_error)


WIDTH = 7.0  # inches: a two-column page; one panel is about a column wide
BAND_COLOURS = ["#1b6ca8", "#d1495b", "#2a9d3f", "#8e5ea2", "#e08e0b"]
RC = {
    "font.size": 7, "axes.titlesize": 7.5, "axes.labelsize": 7, "xtick.labelsize": 6.5, "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5, "figure.titlesize": 8.5, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "grid.linewidth": 0.5, "svg.hashsalt": "inference-trends",
    "svg.fonttype": "none", "font.family": "DejaVu Sans",
}
X_MIN, X_MAX = 0.1, 1e4  # the factor axis of the comparison figures (times cheaper per year)
PRICE_LABELS = PRICE_TYPES
# an estimate that carries little information (short_span, wide_interval): drawn grey and hollow, never highlighted
MUTED = "0.6"
ESTIMATE_STATUSES = ESTIMATED


# --- helpers -------------------------------------------------------------------------------------------------
def factor_label(row) -> str:
    """``8.77x / year [0.95-81.3]`` (vocabulary's formatter); prefixed with the reason ("short span: ", "wide
    interval: ") for an estimate that carries little information."""
    text = fmt_factor_with_interval(row.factor_per_year, row.ci_low, row.ci_high,
                                    coverage=getattr(row, "coverage_ols", None),
                                    coverage_error=getattr(row, "coverage_ols_error", None))
    return f"{status_word(row.status)}: {text}" if is_uninformative(row) else text


def panel_header(ax, title: str, lines: list[tuple[str, str]], text_height: float) -> None:
    """A panel's bold title above its lines of numbers ((text, colour), top to bottom), ``text_height`` inches of
    them: the header of every multi-panel trend figure."""
    ax.set_title(title, fontweight="bold", pad=8 + 72 * text_height)
    for k, (text, tone) in enumerate(lines):
        ax.annotate(text, (0.5, 1), xycoords="axes fraction", xytext=(0, 3 + 7.6 * (len(lines) - 1 - k)),
                    textcoords="offset points", ha="center", va="bottom", fontsize=6, color=tone)


def is_uninformative(row) -> bool:
    """An estimate of ``row`` that carries little information (``short_span`` or ``wide_interval``)."""
    return status_is_uninformative(getattr(row, "status", None))


def has_estimate(row) -> bool:
    """A factor to draw: an ok, short_span or wide_interval estimate."""
    return getattr(row, "status", None) in ESTIMATE_STATUSES and pd.notna(getattr(row, "factor_per_year", None))


def main_price_source(available) -> str | None:
    """The headline price source among ``available``: the vocabulary's first; a source the vocabulary does not know
    yet (a new one) only when there is no other."""
    available = [s for s in pd.unique(pd.Series(list(available), dtype=object).dropna())]
    return headline_price_source(available) or next(iter(order(available, PRICE_SOURCES)), None)


def band_label(row) -> str:
    """A figure label's part for a trend's band (``row``: an ``itertuples`` row or a Series): ``MMLU-Pro 40-70 %``,
    ``MMLU-Pro ≥ 40 %``, or the benchmark alone (a trend over every score). A method may say it otherwise
    (``Method.figure_scope``)."""
    measure = measure_text(row)
    if pd.isna(row.band_low):
        return measure
    if pd.isna(row.band_high):
        return f"{measure} ≥ {row.band_low:g} %"
    return f"{measure} {row.band_low:g}-{row.band_high:g} %"


def status_reason(row) -> str:
    """The row's note without its status prefix and without the bootstrap's own remark."""
    note = "" if pd.isna(getattr(row, "note", None)) else str(row.note)
    note = note.split("; percentile interval")[0]
    return note.removeprefix(f"{row.status}: ").removeprefix(f"{status_word(row.status)}: ")


def log_axis(ax, axis: str = "y") -> None:
    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if 1e-3 <= v <= 1e5 else f"{v:.0e}"))
    target.set_minor_formatter(NullFormatter())


def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def _inches(fig: Figure, ax) -> tuple[float, float]:
    box = ax.get_position()
    return box.width * fig.get_figwidth(), box.height * fig.get_figheight()


def set_date_limits(ax, dates) -> None:
    """The date axis over ``dates`` with a margin of 4% of the span (at least a month) either side."""
    dates = pd.to_datetime(pd.Series(list(dates))).dropna()
    if dates.empty:
        return
    low, high = dates.min(), dates.max()
    margin = max((high - low) * 0.04, pd.Timedelta(days=30))
    ax.set_xlim(mdates.date2num(low - margin), mdates.date2num(high + margin))


def tidy_date_ticks(fig: Figure, ax, edge_inches: float = 0.11) -> None:
    """Month ticks (every 3, 6, 12 or 24 months: at most about one per 0.3 inch), "Jan\n2025" / "Jul\n2025",
    and none so near the panel's edge that its label would run into the next panel or off the figure. Call once the
    limits and the margins are final (a shared axis shares these ticks)."""
    low, high = ax.get_xlim()
    width, _ = _inches(fig, ax)
    start, end = mdates.num2date(low), mdates.num2date(high)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in (3, 6, 12, 24, 48) if months / s <= max(width / 0.3, 2)), 60)
    first = pd.Timestamp(year=start.year, month=1, day=1)
    ticks = pd.date_range(first, end.replace(tzinfo=None), freq=f"{step}MS")
    values = [mdates.date2num(t) for t in ticks]
    margin = edge_inches / width * (high - low) if width > 0 else 0
    major = [v for v in values if low + margin <= v <= high - margin]
    minor_step = max(step // 2, 1) if step <= 12 else 12
    minor = [mdates.date2num(t) for t in pd.date_range(first, end.replace(tzinfo=None), freq=f"{minor_step}MS")]
    ax.xaxis.set_major_locator(FixedLocator(major))
    ax.xaxis.set_minor_locator(FixedLocator([v for v in minor if low <= v <= high and v not in major]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def set_log_limits(ax, values) -> None:
    """The log value axis over ``values`` with a margin of 6% of the span in decades (at least 0.12 decade)."""
    values = np.asarray([v for v in values if pd.notna(v) and v > 0], dtype=float)
    if not len(values):
        return
    low, high = np.log10(values.min()), np.log10(values.max())
    margin = max((high - low) * 0.06, 0.12)
    ax.set_ylim(10 ** (low - margin), 10 ** (high + margin))


def _panels_data_ranges(ax) -> list[tuple[float, float]]:
    """The value range of the data each panel sharing ``ax``'s value axis draws (positive values only)."""
    ranges = []
    for panel in ax.get_shared_y_axes().get_siblings(ax):
        values = []
        for line in panel.get_lines():
            values += list(np.asarray(line.get_ydata(), dtype=float))
        for collection in panel.collections:
            offsets = np.asarray(collection.get_offsets(), dtype=float)
            if offsets.ndim == 2 and offsets.shape[1] == 2:
                values += list(offsets[:, 1])
        values = [v for v in values if np.isfinite(v) and v > 0]
        if values:
            ranges.append((min(values), max(values)))
    return ranges


def log_ticks(low: float, high: float, margin: float = 0.0,
              data_ranges: list[tuple[float, float]] | None = None) -> list[float]:
    """Labelled ticks of a log axis from ``low`` to ``high`` (``margin`` decades kept free at either edge): the
    decades, with 2 and 5 (then every digit) added while fewer than two fall inside the axis; then, for each range of
    data (a panel's values), 2 and 5 (then every digit) of the decades it covers, the one farthest from the ticks so
    far first, until at least two ticks fall inside the data (record lows at 0.02-0.06 once showed only 0.1 and 1)."""
    lo, hi = np.log10(low) + margin, np.log10(high) - margin

    def candidates(multiples, start, end):
        return sorted(m * 10.0 ** e for e in range(int(np.floor(start)) - 1, int(np.ceil(end)) + 1)
                      for m in multiples)

    def within(values, a, b):
        return [v for v in values if a - 1e-9 <= np.log10(v) <= b + 1e-9]

    ticks = []
    for multiples in ((1,), (1, 2, 5), tuple(range(1, 10))):
        ticks = within(candidates(multiples, lo, hi), lo, hi)
        if len(ticks) >= 2:
            break
    for data_low, data_high in data_ranges or []:
        a, b = max(np.log10(data_low), lo), min(np.log10(data_high), hi)
        if a > b:
            continue
        for multiples in ((1, 2, 5), tuple(range(1, 10))):
            pool = [v for v in within(candidates(multiples, a, b), a, b) if v not in ticks]
            while len(within(ticks, a, b)) < 2 and pool:
                best = max(pool, key=lambda v: min((abs(np.log10(v) - np.log10(t)) for t in ticks), default=1.0))
                ticks.append(best)
                pool.remove(best)
        ticks = sorted(ticks)
    return sorted(ticks)


def tidy_log_ticks(fig: Figure, ax, edge_inches: float = 0.05) -> None:
    """Labelled ticks on a log value axis (``log_ticks``): the decades, with 2 and 5 (then every digit) added while
    fewer than two fall inside the axis, or inside the data of any panel sharing it; none so near the edge that its
    label would stick out of the panel. Call once the limits, the margins and the data are final."""
    low, high = ax.get_ylim()
    _, height = _inches(fig, ax)
    span = np.log10(high) - np.log10(low)
    margin = edge_inches / height * span if height > 0 else 0
    inside = log_ticks(low, high, margin, _panels_data_ranges(ax))
    ax.yaxis.set_major_locator(FixedLocator(inside))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if 1e-3 <= v <= 1e5 else f"{v:.0e}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def footer_lines(attribution: list[str]) -> str:
    """The attribution on two lines (used when one line would run into the note or off the figure)."""
    half = (len(attribution) + 1) // 2
    return " · ".join(attribution[:half]) + "\n" + " · ".join(attribution[half:])


def figure_footer(fig: Figure, attribution: list[str], note: str) -> None:
    """Attribution bottom left, the method note bottom right. When the two would overlap or the attribution would
    leave the figure (measured with the renderer, not guessed from its length), the footer's font shrinks a little,
    and if that is not enough the attribution wraps onto a second line."""
    left = fig.text(0.005, 0.005, " · ".join(attribution), fontsize=5.5, color="0.35", ha="left", va="bottom",
                    linespacing=1.3)
    right = fig.text(0.995, 0.005, note, fontsize=5.5, color="0.35", ha="right", va="bottom") if note else None
    renderer = fig.canvas.get_renderer()
    limit = right.get_window_extent(renderer).x0 - 4 if right else fig.bbox.width * 0.995
    for size in (5.2, 4.9):  # a slightly smaller font first: a second line would run into bottom legends
        if left.get_window_extent(renderer).x1 <= limit:
            return
        left.set_fontsize(size)
        if right:
            right.set_fontsize(size)
            limit = right.get_window_extent(renderer).x0 - 4
    if left.get_window_extent(renderer).x1 > limit and len(attribution) > 1:
        left.set_fontsize(5.5)
        left.set_text(footer_lines(attribution))


def fit_line(points: pd.DataFrame, slope: float, base: str):
    """The fitted line over the fit's date span (intercept from the fit's own points; slope from the row)."""
    fit = points[points["in_fit"].fillna(False).astype(bool)]
    x = release_day(fit["release_date"])
    values = fit["value"].to_numpy(dtype=float)
    logs = np.log10(values) if base == "10" else np.log(values)
    intercept = logs.mean() - slope * x.mean()
    span = np.array([x.min(), x.max()])
    values = 10 ** (intercept + slope * span) if base == "10" else np.exp(intercept + slope * span)
    return pd.to_datetime(span, unit="D"), values


def band_title(row) -> str:
    high = "" if pd.isna(row.band_high) else f"{row.band_high:g}"
    closing = ")" if (row.variant or "") == "half_open_bands" else "]"
    return f"MMLU-Pro [{row.band_low:g}, {high}{closing} %" if high else f"MMLU-Pro >= {row.band_low:g} %"


def figure_header(fig: Figure, title: str, subtitle: str) -> None:
    """Title and a subtitle wrapped to the page width, in inches from the top (so any figure height works)."""
    height = fig.get_figheight()
    fig.text(0.005, 1 - 0.05 / height, title, fontsize=8.5, fontweight="bold", ha="left", va="top")
    if subtitle:
        fig.text(0.005, 1 - 0.22 / height, textwrap.fill(subtitle, 150), fontsize=6.5, color="0.3", ha="left",
                 va="top", linespacing=1.3)


def factor_axis(ax) -> None:
    """The "times cheaper per year" axis of the comparison figures: log scale, X_MIN to X_MAX, decades labelled."""
    ax.set_xscale("log")
    ax.set_xlim(X_MIN, X_MAX)
    ax.xaxis.set_major_locator(FixedLocator([0.1, 1, 10, 100, 1000, 10000]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _info_box(ax, lines: list[str]) -> None:
    ax.text(0.03, 0.03, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom", fontsize=5.9,
            bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.8", lw=0.4, alpha=0.92), zorder=6)


def figure_bytes(fig: Figure) -> dict[str, bytes]:
    out = {}
    for fmt, options in (("png", {"dpi": 200, "metadata": {"Software": None}}),
                         ("svg", {"metadata": {"Date": None, "Creator": None}})):
        buffer = io.BytesIO()
        with plt.rc_context(RC):
            fig.savefig(buffer, format=fmt, facecolor="white", **options)
        out[fmt] = buffer.getvalue()
    plt.close(fig)
    return out
