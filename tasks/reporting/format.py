"""What every report section formats with: numbers, factors, times, bands, intervals and flags, the selections of
the trends table the sections start from, and ``ReportInputs`` (what the report is built from).

Pure (no Prefect, no rendering): the report's assembly (``tasks.render.report``) and each method's own section
(``Method.section``, in ``tasks.methods``) both use it, so a method's section formats its numbers exactly as the rest
of the report does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import pandas as pd
from pandera.typing import DataFrame

from schemas.analysis import Trends
from tasks.core.vocabulary import (BENCHMARKS, fmt_coverage, fmt_factor, fmt_interval, is_range, is_uninformative,
                                   label, status_word)
from tasks.reporting.markup import Md, md_escape
from tasks.trends import ESTIMATED

STALLED_MONTHS = 12  # a band whose last record is older than this has stalled
FEW_CLUSTERS = 10  # below this many creators no cluster-robust interval is reliable
SELECTION_P = 0.10  # a frontier trend that selection alone produces this often is not distinguishable from it


@dataclass
class ReportInputs:
    """The run's tables the report is built from: every trend, the fits' diagnostics, the cleaned snapshots, the
    run's metadata (preset(s), attribution, inputs), the figures drawn, and the optional resolution, history and
    break tables."""

    trends: pd.DataFrame
    diagnostics: pd.DataFrame
    # snapshot -> its ``tasks.data.clean.CleanResult``; not imported here: every method imports this kit for its
    # report section, and a method's fit cache key covers the code it imports (cleaning's is not the fit's)
    cleans: dict[str, Any]
    meta: dict
    # every value of the ``method`` column -> its ``tasks.trends.method.Method`` (``tasks.methods.by_row_name()``):
    # how a method's rows read (``Method.scope``, ``Method.coverage``) is the method's, not this kit's
    methods: Mapping[str, Any]
    figures: dict[str, Path] = field(default_factory=dict)
    resolution: dict[str, dict[str, Path]] = field(default_factory=dict)
    histories: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    breaks: pd.DataFrame | None = None
    # the capability scale (capability.csv's rows, and the models and benchmarks it left out), when a preset fits it
    capability: pd.DataFrame | None = None
    capability_excluded: pd.DataFrame | None = None

    def diag(self, trend_id: str, column: str):
        d = self.diagnostics
        if d.empty or column not in d:
            return None
        hit = d.loc[d["trend_id"] == trend_id, column].dropna()
        return hit.iloc[0] if len(hit) else None

    def hook(self, row, name: str):
        """The row's method's ``name`` hook (``Method.scope``, ``Method.coverage``, ...), or None."""
        found = self.methods.get(row["method"])
        return getattr(found, name, None) if found is not None else None

    def observed_on(self, snapshot: str):
        clean = self.cleans.get(snapshot)
        if clean is None or clean.analysis.empty:
            return None
        return pd.to_datetime(clean.analysis["observed_on"]).max()



# --- formatting ----------------------------------------------------------------------------------------------
def fmt_number(value, digits: int = 2) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def fmt_usd(value) -> str:
    """A price in USD per 1M tokens to three significant digits ($0.43, $8.00, $12.5)."""
    if value is None or pd.isna(value):
        return "-"
    return f"${value:#.3g}".rstrip(".")


def fmt_int(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{int(value):,}"


def fmt_date(value) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def quality_window(row) -> dict | None:
    """A trend's quality window, as the answer and ``headline.json`` give it: its measure and the first and last
    release scored on it (None where the trend has none)."""
    start, end = row.get("quality_window_start"), row.get("quality_window_end")
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return None
    return {"measure": row.get("quality_measure"), "start": fmt_date(start), "end": fmt_date(end)}


def fmt_p(value) -> str:
    """A p-value to 3 decimals; never "0.000" (a permutation p-value is at least 1/(N+1))."""
    if value is None or pd.isna(value):
        return "-"
    return f"{value:.3f}" if value >= 0.001 else "<0.001"


def months_to(factor, target: float) -> float | None:
    """Months for a price falling ``factor``-fold a year to fall ``target``-fold (2: halve, 10: tenfold)."""
    if factor is None or pd.isna(factor) or factor <= 1:
        return None
    return 12 * math.log(target) / math.log(factor)


def fmt_months(value) -> str:
    return "-" if value is None else (f"{value:.0f} mo" if value >= 10 else f"{value:.1f} mo")


def months_interval(low, high, target: float) -> str | None:
    """The months to fall ``target``-fold at the ends of a factor's interval, the faster end (``high``) first:
    "15-40"; "never" for an end at or below 1x (no decline excluded there): "15 to never"; None without both ends."""
    if any(v is None or pd.isna(v) for v in (low, high)):
        return None
    fast, slow = months_to(high, target), months_to(low, target)
    if fast is None:  # the whole interval at or below 1x
        return "never"
    fast_text = fmt_months(fast).removesuffix(" mo")
    return f"{fast_text} to never" if slow is None else f"{fast_text}-{fmt_months(slow).removesuffix(' mo')}"


def tenfold_text(factor, low, high) -> str | None:
    """``28 mo (15-40)``: the months to fall 10-fold, with the months at the ends of the factor's interval; None
    for a factor that does not fall."""
    tenfold = months_to(factor, 10)
    if tenfold is None:
        return None
    ends = months_interval(low, high, 10)
    return fmt_months(tenfold) + (f" ({ends})" if ends else "")


def fmt_band(row, half_open: bool = False) -> str:
    """``[40, 70]``, ``[40, 70)`` (half-open: the half-open-bands variant, or ``half_open``), ``>= 40``."""
    if pd.isna(row["band_low"]):
        return "-"
    low = f"{row['band_low']:g}"
    high = "" if pd.isna(row["band_high"]) else f"{row['band_high']:g}"
    closing = ")" if half_open or (row.get("variant") or "") == "half_open_bands" else "]"
    return f"[{low}, {high}{closing}" if high else f">= {low}"


def measure_text(row) -> str:
    """The row's benchmark, by its label ("" when it has none). ``row``: a Series or an ``itertuples`` row."""
    measure = row.get("quality_measure") if isinstance(row, dict) else getattr(row, "quality_measure", None)
    return label(BENCHMARKS, measure) if isinstance(measure, str) else ""


def scope(inputs: ReportInputs, row) -> str:
    """What a trend follows: its method's words (``Method.scope``), else its band on its benchmark."""
    own = inputs.hook(row, "scope")
    if own is not None:
        return own(row)
    measure = measure_text(row)
    if pd.isna(row["band_low"]) and measure:  # a trend over every score of its benchmark (benchmark_cost)
        return measure
    return f"{measure} {fmt_band(row)}".strip()


class SimulatedCoverage(NamedTuple):
    """The simulated coverage behind an interval: the lowest and highest (one value, or a geometric mean's bands'),
    the words before it, and the Monte-Carlo error of the lowest (two standard errors; None: unknown)."""
    low: float | None
    high: float | None
    words: str
    error: float | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None and is_range(self.low, self.error)

    def text(self) -> str:
        if self.low is None:
            return "-"
        if self.high is None or round(self.low * 100) == round(self.high * 100):
            return fmt_coverage(self.low, self.error)
        return f"{self.low * 100:.0f}-{self.high:.0%}"


def own_coverage(inputs: ReportInputs, row) -> SimulatedCoverage:
    """A trend's own simulated coverage, by its interval method, with its Monte-Carlo error."""
    kind = "coverage_ols" if row["ci_method"] == "ols" else "coverage_bootstrap"
    value = inputs.diag(row["trend_id"], kind)
    value = None if value is None or pd.isna(value) else float(value)
    error = inputs.diag(row["trend_id"], f"{kind}_error")
    return SimulatedCoverage(value, value, "covers", None if error is None or pd.isna(error) else float(error))


def coverage(inputs: ReportInputs, row) -> SimulatedCoverage:
    """The simulated coverage behind the row's interval. Its method's (``Method.coverage``: a geometric mean's is its
    bands'), else the row's own by its interval method."""
    own = inputs.hook(row, "coverage")
    if own is not None:
        return SimulatedCoverage(*own(inputs, row))
    return own_coverage(inputs, row)


def time_text(row) -> str:
    """``8.6 / 28 mo (15-40)``: months to halve and to fall 10-fold, the latter with the months at the ends of the
    factor's interval (``tenfold_text``); an estimate that gets dearer: "never"."""
    if not is_estimated(row):
        return "-"
    halve = months_to(row["factor_per_year"], 2)
    tenfold = tenfold_text(row["factor_per_year"], row.get("ci_low"), row.get("ci_high"))
    if tenfold is None:
        return "never" if pd.notna(row["factor_per_year"]) and row["factor_per_year"] <= 1 else "-"
    return f"{fmt_months(halve).removesuffix(' mo')} / {tenfold}"


def is_estimated(row) -> bool:
    return row["status"] in ESTIMATED


def factor_text(row, bold: bool = False) -> Md:
    """``8.77x`` (bold only for an informative headline), or the status."""
    if not is_estimated(row):
        return Md(md_escape(row["status"]))
    text = f"{fmt_factor(row['factor_per_year'])}x"
    if is_uninformative(row["status"]):
        return Md(f"{text} ({status_word(row['status'])})")
    return Md(f"**{text}**" if bold else text)


def interval_text(inputs: ReportInputs, row) -> str:
    """The interval, called a range (with its simulated coverage) where the coverage is far below nominal."""
    if not is_estimated(row):
        return "-"
    interval = fmt_interval(row["ci_low"], row["ci_high"])
    if interval == "-":
        return "-"
    simulated = coverage(inputs, row)
    if simulated.is_range:
        return f"range {interval} ({simulated.words} {simulated.text()} in simulation)"
    return interval


def flags(inputs: ReportInputs, row) -> str:
    """Short quality flags of an estimate (defined once, in the definitions section)."""
    if row["status"] in ("insufficient", "skipped"):
        return row["status"]
    found = []
    if is_uninformative(row["status"]):
        found.append(status_word(row["status"]))
    if pd.notna(row.get("null_p_value")) and row["null_p_value"] > SELECTION_P:
        found.append("selection")
    if pd.notna(row.get("loo_min_factor")) and row["loo_min_factor"] > 0 and \
            row["loo_max_factor"] / row["loo_min_factor"] > 5:
        found.append("fragile")
    if pd.notna(row.get("tie_order_min_factor")) and row["tie_order_min_factor"] > 0 and \
            row["tie_order_max_factor"] / row["tie_order_min_factor"] > 1.5:
        found.append("order")
    if coverage(inputs, row).is_range:
        found.append("range")
    months = row.get("months_since_last")
    if months is not None and pd.notna(months) and months >= STALLED_MONTHS:
        found.append(f"stalled {months:.0f} mo")
    clusters = inputs.diag(row["trend_id"], "clusters")
    if clusters is not None and clusters < FEW_CLUSTERS:
        found.append(f"{int(clusters)} clusters")
    return ", ".join(found) or "ok"



def label_subset(subset: str) -> str:
    return {"open": "open-weights models", "all": "all models (open and proprietary)"}.get(subset, subset)



# --- selections of the trends table ------------------------------------------------------------------------------
def main_rows(trends: DataFrame[Trends]) -> pd.DataFrame:
    """One row per trend: the OLS estimator with its OLS interval, or with its first interval when it has no OLS
    interval (a geometric mean has only its bootstrap's; since step 14 also a trend whose preset asked for no OLS
    interval, e.g. a hedonic fit with ``ci_methods = ["hc3"]``, which was left out of the report before). In the
    table's order."""
    rows = trends[trends["estimator"] == "ols"]
    has_ols = rows["trend_id"].isin(rows.loc[rows["ci_method"] == "ols", "trend_id"])
    return rows[(rows["ci_method"] == "ols") | ~has_ols].drop_duplicates("trend_id")


def ran(inputs: ReportInputs, snapshot: str, method: str) -> pd.DataFrame:
    """A method's main rows on one snapshot that ran (no sensitivity variant, not skipped): what its section shows."""
    rows = select(main_rows(inputs.trends), snapshot=snapshot, method=method, variant=None)
    return rows[rows["status"] != "skipped"]


def select(trends: DataFrame[Trends], **conditions) -> pd.DataFrame:
    rows = trends
    for column, value in conditions.items():
        if value is None:
            rows = rows[rows[column].isna()]
        elif isinstance(value, (list, tuple, set)):
            rows = rows[rows[column].isin(list(value))]
        else:
            rows = rows[rows[column] == value]
    return rows


# --- the answer's numbers ----------------------------------------------------------------------------------------
def number(value):
    """A number of ``headline.json``: None when missing or not finite (JSON has no NaN or Infinity; an unbounded
    interval end is null there)."""
    if value is None or pd.isna(value):
        return None
    value = float(value) if not isinstance(value, (int,)) else value
    return value if math.isfinite(value) else None


def answer_cell(entry: dict) -> Md:
    """One ``headline.json`` entry as the answer prints it: the factor (bold if informative with an interval that
    covers as it says), the interval or range, the times to halve and to fall tenfold, the bands left out."""
    if entry.get("status") not in ESTIMATED or entry.get("factor_per_year") is None:
        return Md(md_escape(entry.get("status") or "-"))
    factor = f"{fmt_factor(entry['factor_per_year'])}x"
    interval = fmt_interval(entry.get("ci_low"), entry.get("ci_high"))
    text = factor if entry["status"] == "ok" else f"{factor} ({status_word(entry['status'])})"
    selection = entry.get("selection_explains")
    if selection:  # a record low the selection alone explains: never bold, and what the selection gives beside it
        text += f" per year, of which the selection alone gives {fmt_factor(entry['selection_alone'])}x"
    if entry["status"] == "ok" and interval != "-" and not entry.get("interval_is_range") and not selection:
        text = f"**{text}**"  # bold: informative, with an interval that covers as it says in simulation
    if interval != "-" and entry.get("interval_is_range"):
        coverage = entry["interval"].split("(", 1)[1].rstrip(")").replace(" in simulation", "")
        text += f"; range {interval} ({coverage} in simulation)"
    elif interval != "-":
        text += f" [{interval}]"
    halve = months_to(entry["factor_per_year"], 2)
    tenfold = tenfold_text(entry["factor_per_year"], entry.get("ci_low"), entry.get("ci_high"))
    if tenfold is not None:
        text += f"; halves in {fmt_months(halve)}, 10x in {tenfold}"
    if entry.get("bands"):  # a geometric mean: the bands it averages
        text += f"; bands {md_escape(entry['bands'])}{' only' if entry.get('left_out') else ''}"
    if entry.get("left_out"):
        why = entry.get("left_out_why") or "little information"
        text += f"; band {md_escape(entry['left_out'])} left out ({md_escape(why)})"
    return Md(text)
