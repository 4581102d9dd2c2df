"""Entry points: one module per flow (``estimate``, ``snapshot``) and the ``inference-trends`` command line."""

import tasks  # noqa: F401  (applies the project's Prefect environment defaults before Prefect is imported)
