"""Fit the capability scale on the AA API vintages and write its tables, checks and figure into a folder.

    .venv/bin/python scripts/capability.py [--out FOLDER] [--bootstrap N] [--input ../shared/data/aa-api-v2]

Writes capability.csv (model_id, name, release_date, capability, ci_low, ci_high, n_benchmarks, benchmarks),
capability_benchmarks.csv (difficulty, discrimination, observed vs predicted), capability_excluded.csv,
capability_stability.csv (drop each benchmark), capability_vintages.csv (each vintage alone, before/after MMLU-Pro),
eci_correlation.csv and capability.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.core.irt import fit_capability  # noqa: E402
from tasks.data.capability import (DEFAULT_ANCHORS, assemble, capability_table, eci_rank_correlation,  # noqa: E402
                                   fit_vintages, stability)
from tasks.reporting.capability_figure import capability_figure  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default=str(ROOT / ".." / "shared" / "data" / "aa-api-v2"))
    parser.add_argument("--out", default="capability-out")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261208)
    parser.add_argument("--min-scores", type=int, default=3)
    parser.add_argument("--models", default=str(ROOT / "data" / "snapshots" / "aa-2026-07" / "models.csv"),
                        help="a models table with open_weights (the AA API has no open flag)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    options = {"min_scores": args.min_scores, "seed": args.seed}
    matrix = assemble(Path(args.input))
    fit = fit_capability(matrix.scores, DEFAULT_ANCHORS, n_bootstrap=args.bootstrap, **options)
    table = capability_table(fit, matrix.models)
    table.to_csv(out / "capability.csv", index=False)
    fit.benchmarks.to_csv(out / "capability_benchmarks.csv", index=False)
    fit.excluded.to_csv(out / "capability_excluded.csv", index=False)
    stab = stability(matrix.scores, fit, DEFAULT_ANCHORS, **options)
    stab.to_csv(out / "capability_stability.csv", index=False)
    vint = fit_vintages(Path(args.input), fit, DEFAULT_ANCHORS, **options)
    vint.to_csv(out / "capability_vintages.csv", index=False)
    summary = {"models": len(table), "cells": len(fit.cells), "bootstrap": args.bootstrap,
               "anchors": vars(DEFAULT_ANCHORS) if hasattr(DEFAULT_ANCHORS, "__dict__") else str(DEFAULT_ANCHORS)}
    eci_path = ROOT / "data" / "eci_published.csv"
    if eci_path.is_file():
        corr = eci_rank_correlation(table, pd.read_csv(eci_path))
        corr.pop("pairs").to_csv(out / "eci_correlation.csv", index=False)
        summary["eci"] = corr
    models = pd.read_csv(args.models, usecols=["model_id", "open_weights"]) if Path(args.models).is_file() else \
        pd.DataFrame(columns=["model_id", "open_weights"])
    scrapes = sorted((ROOT / ".." / "shared" / "data" / "aa-site-scrape-daily").glob("aa_models_*.json"))
    if scrapes:  # newer models than the snapshot's: the newest daily scrape's open flag
        newest = pd.DataFrame([{"model_id": r.get("slug"), "open_scrape": r.get("open")}
                               for r in json.loads(scrapes[-1].read_text()) if isinstance(r, dict)])
        models = models.merge(newest, on="model_id", how="outer")
        models["open_weights"] = models["open_weights"].astype(object).where(models["open_weights"].notna(),
                                                                             models["open_scrape"])
        models = models[["model_id", "open_weights"]]
    drawn = table.merge(models, on="model_id", how="left")
    drawn["release_date"] = pd.to_datetime(drawn["release_date"])
    capability_figure(drawn, out / "capability.png",
                      f"Capability of {len(table)} models (AA API, 12 benchmarks) by release date")
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    print(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
