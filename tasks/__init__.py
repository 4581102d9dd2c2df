"""The analysis, in layers (import-linter contracts in ``pyproject.toml`` keep them apart):

- ``core``: pure numerics (OLS kernels, resampling, same-day orders, coverage, robust intervals, bands);
- ``files``: where things live, atomic deterministic writes (Parquet, CSV, JSON), run folders replaced only when
  this tool wrote them, the optional shared result storage;
- ``data``: ingest adapters, cleaning, entity resolution, lowest prices, price-history computations;
- ``trends``: what every method shares: the trend specification, the typed result of a fit and its judgement, the
  preset-section building blocks, the output tables, the method plugin type, the geometric mean across bands;
- ``reporting``: the report's building blocks (the document, escaping, formatting numbers and flags, selecting
  rows of the trends table), below the methods so that each method writes its own report section;
- ``methods``: one module per estimation method, each a preset section, ``plan`` and a pure ``fit``;
- ``study``: what a run does with the methods: presets, planning a preset's trends, the run's trends table, the
  structural-break test of its trends;
- ``render``: the report's assembly and rendering, the figures, the methods comparison;
- ``platform``: Prefect and the service: caching, cached intermediates and their lineage, assets, artifacts,
  tracking, the inbox and the price-history store, the AA client (above ``render``: it may use every layer below);
- ``stages``: the thin Prefect task wrappers, one module per stage of the DAG.

Layers, top to bottom: flows > stages > platform > render > study > methods > reporting > trends > data > files >
core. Only ``platform`` and ``stages`` import Prefect. Importing this package has no side effects: the command line
applies the project's environment defaults explicitly (``tasks.files.settings.apply_environment_defaults``).
"""
