"""The analysis, in layers (import-linter contracts in ``pyproject.toml`` keep them apart):

- ``core``: pure numerics (OLS kernels, resampling, same-day orders, coverage, robust intervals, bands);
- ``data``: ingest adapters, cleaning, entity resolution, lowest prices, price-history computations, CSV tables;
- ``methods``: one module per estimation method, each a preset section, ``plan`` and a pure ``fit``;
- ``render``: the report, the figures, the methods comparison;
- ``platform``: Prefect and storage: caching, Parquet I/O, lineage, assets, artifacts, settings, the AA client;
- ``stages``: the thin Prefect task wrappers, one module per stage of the DAG.

Only ``platform`` and ``stages`` import Prefect. Importing this package has no side effects: the command line
applies the project's environment defaults explicitly (``tasks.platform.settings.apply_environment_defaults``).
"""
