"""Published vs reproduced: every value a study published (the preset's ``published`` entries) beside ours, on
this project's data and method and on the data and method as published, with a verdict."""

from __future__ import annotations

import pandas as pd

from tasks.core.stats import geometric_mean
from tasks.core.vocabulary import fmt_factor, fmt_interval
from tasks.reporting.format import ReportInputs
from tasks.reporting.markup import md_code
from tasks.study.presets import PublishedValue
from tasks.trends import ESTIMATED


def published_values(inputs: ReportInputs) -> list[PublishedValue]:
    """Every value the run's preset(s) say a study published."""
    return [PublishedValue.model_validate(p) for preset in inputs.meta.get("presets", [inputs.meta["preset"]])
            for p in preset.get("published", [])]


def _published_ours(rows: pd.DataFrame, entry: PublishedValue):
    if rows.empty:
        return None, None
    if entry.aggregate is None:
        return rows.iloc[0], rows.iloc[0]["factor_per_year"]
    ok = rows[rows["status"].isin(ESTIMATED)]["factor_per_year"]
    if len(ok) != len(rows):
        return None, None
    if entry.aggregate == "range":
        return None, (ok.min(), ok.max())
    return None, geometric_mean(list(ok))


def _close(ours, published, rounded_to: float | None) -> bool:
    """Equal up to the published precision (rounded text), else within 0.5% (365 vs 365.25 days, printing)."""
    if ours is None or published is None:
        return False
    if isinstance(ours, tuple):
        return all(_close(x, y, rounded_to) for x, y in zip(ours, published))
    if rounded_to:
        return abs(ours - published) <= rounded_to / 2
    return abs(ours / published - 1) <= 0.005


def fmt_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return fmt_interval(*value)
    return fmt_factor(value)


def reproductions(inputs: ReportInputs) -> list[dict]:
    """Every published value beside ours: on our data and method, and on the data and method as published."""
    as_published_run = inputs.meta.get("as_published", False)
    snap_rows = inputs.trends[(inputs.trends["estimator"] == "ols") & (inputs.trends["ci_method"] == "ols")]
    out = []
    for entry in published_values(inputs):
        snap = snap_rows[snap_rows["snapshot"] == entry.snapshot]
        if snap.empty:
            continue

        def choose(variant: str | None) -> pd.DataFrame:
            part = snap[snap["variant"].isna()] if variant is None else snap[snap["variant"] == variant]
            mask = [entry.matches(r.method, r.subset, r.quantity, r.price_type, r.price_source, r.band_low,
                                  r.band_high, r.controls, r.quality_measure, r.threshold_model,
                                  r.variant if isinstance(r.variant, str) else None)
                    for r in part.itertuples()]
            return part[mask] if len(part) else part

        # a published value of a variant (e.g. the unrestricted fit beside a Pareto one) is set beside that variant
        main_row, ours = _published_ours(choose(entry.variant or None), entry)
        if as_published_run:
            pub_row, ours_published = main_row, ours
        else:
            pub_row, ours_published = _published_ours(choose("as_published"), entry)
            if ours_published is None:
                pub_row, ours_published = main_row, ours
        value = entry.value if entry.value is not None else tuple(entry.value_range)
        rounding = f" (the source rounds to the nearest {entry.rounded_to:g})" if entry.rounded_to else ""
        if _close(ours, value, entry.rounded_to) and _close(ours_published, value, entry.rounded_to):
            verdict, status = "reproduced" + rounding, "reproduced"
        elif _close(ours_published, value, entry.rounded_to):
            verdict, status = ("reproduced on the data and method as published" + rounding + "; the difference is "
                               "this project's documented corrections and one model per set of weights"), "reproduced"
        elif _close(ours, value, entry.rounded_to):
            verdict, status = "reproduced with this project's corrections" + rounding, "reproduced"
        elif pub_row is not None and pd.notna(pub_row.get("tie_order_min_factor")) and \
                not isinstance(value, tuple) and (pub_row["tie_order_min_factor"] * 0.995 <= value
                                                  <= pub_row["tie_order_max_factor"] * 1.005):
            verdict = (f"explained: every order of same-day releases gives "
                       f"{fmt_interval(pub_row['tie_order_min_factor'], pub_row['tie_order_max_factor'])}x, the "
                       "published value among them; we take the cheapest first, the study's code its file's order")
            status = "explained"
        elif entry.aggregate is not None:
            verdict, status = "follows from the per-band differences", "explained"
        else:
            verdict, status = "differs", "differs"
        out.append(dict(entry=entry, ours=ours, ours_published=ours_published, main_row=main_row, value=value,
                        verdict=verdict, status=status))
    return out


def reproduction_summary(found: list[dict]) -> list[str]:
    """One line per published study: how many of its values we reproduce."""
    lines = []
    by_source: dict[str, list[dict]] = {}
    for item in found:
        by_source.setdefault(item["entry"].snapshot, []).append(item)
    for snapshot, items in by_source.items():
        reproduced = sum(i["status"] == "reproduced" for i in items)
        explained = sum(i["status"] == "explained" for i in items)
        lines.append(f"on {md_code(snapshot)}: {reproduced} of {len(items)} published values reproduced"
                     + (f", {explained} more explained (same-day order, aggregates)" if explained else "")
                     + (f", {len(items) - reproduced - explained} differ" if len(items) - reproduced - explained else ""))
    return lines
