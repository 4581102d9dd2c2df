"""Entry points: one module per flow (``estimate``, ``snapshot``, ``ingest``, ``history``, ``fetch``) and the
``inference-trends`` command line (``flows.cli``), which applies the project's Prefect defaults before Prefect is
imported (``tasks.files.settings.apply_environment_defaults``)."""
