"""The thin Prefect layer: one module per stage of the DAG, each a few cached tasks around the pure functions of
``tasks.data``, ``tasks.methods`` and ``tasks.render``, reading and writing Parquet through ``tasks.platform``.

ingest -> (resolve) -> clean -> fit (one task per snapshot, preset and method) -> outputs -> breaks -> figures ->
report -> publish. Only this package and ``tasks.platform`` import Prefect (import-linter checks it).
"""
