"""The geometric mean of a preset's bands (``method = frontier_geomean``), with a bootstrap interval.

The point estimate is the factor of the mean of the bands' log slopes. Bands share models (a model at exactly
50.0% sits in two closed bands; one model can set records in several), so their intervals cannot be combined as if
independent. Because every frontier trend of a run resamples the *same* joint draw of models
(``tasks.core.uncertainty.joint_counts``), replicate r of every band comes from one resampled data set: averaging the
bands' slopes replicate by replicate gives the geometric mean's bootstrap distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.analysis import POINT_COLUMNS
from tasks.core.stats import DAYS_PER_YEAR, LOG_BASES
from tasks.core.uncertainty import factors, summarise
from tasks.core.vocabulary import is_uninformative, status_word
from tasks.trends import (COMMON_SAMPLE, ESTIMATED, REPLICATE_COLUMNS, Diagnostics, Estimate, Sample, TrendFit,
                          TrendSpec, hardware_adjusted)

NAME = "frontier_geomean"


class GeomeanSpec(TrendSpec):
    """A geometric mean across bands: the trend ids it averages."""

    members: tuple[str, ...] = ()


def plan(specs: list[TrendSpec]) -> list[TrendSpec]:
    """One ``frontier_geomean`` trend per group of frontier trends that differ only by band (two bands or more),
    when the bootstrap is on (its interval is the point of the row)."""
    groups: dict[tuple, list[TrendSpec]] = {}
    for spec in specs:
        if spec.method == "frontier" and spec.variant != COMMON_SAMPLE and spec.bootstrap_resamples:
            key = (spec.snapshot, spec.subset, spec.quantity, spec.price_type, spec.price_source, spec.variant)
            groups.setdefault(key, []).append(spec)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        first = members[0]
        shared = {name: getattr(first, name) for name in TrendSpec.model_fields}  # what every trend has
        out.append(GeomeanSpec(**{**shared, "method": NAME, "band_low": None, "band_high": None},
                               members=tuple(m.trend_id for m in sorted(members, key=lambda m: m.band_low))))
    return out


def fit(spec: TrendSpec, members: list[TrendFit]) -> TrendFit:
    """The geometric mean of the member bands' trends (``members``: their fits, in band order)."""
    boot = [m.replicates for m in members if m.replicates is not None]
    return from_tables(spec, pd.concat([m.rows for m in members], ignore_index=True),
                       pd.concat(boot, ignore_index=True) if boot else pd.DataFrame(columns=REPLICATE_COLUMNS))


AVERAGED = "mean of the log slopes of bands"  # the note names the bands a mean averages after these words


def averaged_bands(note) -> str | None:
    """The bands a geometric mean averaged, as its note names them (``[50, 70], [70, 90]``), or None."""
    if not isinstance(note, str) or AVERAGED not in note:
        return None
    return note.split(AVERAGED, 1)[1].split(";", 1)[0].strip()


def from_tables(spec: TrendSpec, member_rows: pd.DataFrame, member_replicates: pd.DataFrame) -> TrendFit:
    """The same from the members' rows and replicate slopes (as in ``trends.csv`` and ``replicates.parquet``)."""
    main = member_rows[member_rows["ci_method"] == "ols"].set_index("trend_id").loc[list(spec.members)]
    sample = Sample(int(main["n"].sum()), int(main["n_candidates"].sum()), main["first_date"].min(),
                    main["last_date"].max())
    if (main["status"] == "skipped").all():
        return TrendFit(spec, [Estimate.of(spec, "ols", "bootstrap", None, sample, "skipped", main["note"].iloc[0])],
                        pd.DataFrame(columns=POINT_COLUMNS))
    if (~main["status"].isin(ESTIMATED)).any():
        bad = ", ".join(f"[{r.band_low:g}, {r.band_high:g}]" for r in main.itertuples() if r.status not in ESTIMATED)
        return TrendFit(spec, [Estimate.of(spec, "ols", "bootstrap", None, sample, "insufficient",
                                           f"bands {bad} have no estimate")], pd.DataFrame(columns=POINT_COLUMNS))
    # a band that carries no information (``judge``) carries none into the mean: the mean is over the others, and
    # the note names the bands left out; if no band is informative, neither is the mean
    weak = main[main["status"].map(is_uninformative)]
    used = main if len(weak) == len(main) else main[~main["status"].map(is_uninformative)]
    label = ", ".join(f"[{r.band_low:g}, {r.band_high:g}]" for r in used.itertuples())
    left_out = ", ".join(f"[{r.band_low:g}, {r.band_high:g}]" for r in weak.itertuples())
    if len(used) < len(main):
        sample = Sample(int(used["n"].sum()), int(used["n_candidates"].sum()), used["first_date"].min(),
                        used["last_date"].max())
    slope = float(used["slope_per_day"].mean())
    boot = member_replicates[member_replicates["kind"] == "bootstrap"]
    table = boot.pivot(index="replicate", columns="trend_id", values="slope_per_day").reindex(
        columns=list(used.index))
    replicate_slopes = table.mean(axis=1, skipna=False).to_numpy()
    summary = summarise(factors(replicate_slopes, spec.log_base), spec.ci_level)
    factor = float(LOG_BASES[spec.log_base] ** (-slope * DAYS_PER_YEAR))
    reasons = (status_word(weak["status"].iloc[0]) if weak["status"].nunique() == 1 else
               ", ".join(f"[{r.band_low:g}, {r.band_high:g}] {status_word(r.status)}" for r in weak.itertuples()))
    if len(weak) == len(main):  # a short span in any band makes the mean's a short span; else its intervals are wide
        status = "short_span" if (weak["status"] == "short_span").any() else "wide_interval"
        lead = f"{status_word(status)}: every band carries little information ({reasons}); "
    elif len(weak):
        status, lead = "ok", f"band(s) {left_out} left out ({reasons}); "
    else:
        status, lead = "ok", ""
    estimate = Estimate(
        "ols", "bootstrap", status, sample,
        note=lead + f"{AVERAGED} {label}; percentile interval of {summary.valid} of "
                    f"{summary.total} joint resamples in which every band had an estimate",
        factor=factor, ci_low=summary.low, ci_high=summary.high, ci_level=spec.ci_level, slope=slope,
        log_base=spec.log_base, hardware_adjusted_factor=hardware_adjusted(spec, factor))
    replicates = pd.DataFrame({"trend_id": spec.trend_id, "kind": "bootstrap",
                               "replicate": np.arange(len(replicate_slopes)), "slope_per_day": replicate_slopes})
    return TrendFit(spec, [estimate], pd.DataFrame(columns=POINT_COLUMNS),
                    Diagnostics(bootstrap_valid=summary.valid, bootstrap_total=summary.total), replicates)
