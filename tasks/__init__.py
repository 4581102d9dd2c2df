"""The analysis: pure functions (DataFrame in, DataFrame out) beside thin Prefect task wrappers.

Importing this package first applies the project's environment defaults (Prefect home, result storage,
telemetry off), because Prefect reads its settings once, when it is first imported.
"""

from tasks.settings import apply_environment_defaults

apply_environment_defaults()
