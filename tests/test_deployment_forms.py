"""The deployments' flat run forms (flows/deployments.py) map onto the same configs as the command line."""

from __future__ import annotations

import inspect

from flows.config import (PRESET_CHOICES, EstimateConfig, estimate_config, estimate_parameters, preset_ref,
                          project_path)
from tasks.study.presets import bundled_presets
from tasks.files.settings import PROJECT_ROOT


def test_the_default_form_is_the_default_config():
    assert estimate_config() == EstimateConfig(bootstrap_resamples=2000)
    assert PRESET_CHOICES == (*bundled_presets(), "all")


def test_paths_are_relative_to_the_project_and_empty_means_default():
    assert project_path("") is None and project_path("  ") is None
    assert project_path("data/inbox/x.csv") == str(PROJECT_ROOT / "data" / "inbox" / "x.csv")
    assert project_path("/abs/x.csv") == "/abs/x.csv"
    assert preset_ref("epoch-2025") == "epoch-2025"
    assert preset_ref("all", "mine.toml,epoch-2025") == f"{PROJECT_ROOT / 'mine.toml'},epoch-2025"


def test_parameters_sent_by_ingest_rebuild_the_same_config(tmp_path):
    custom = tmp_path / "mine.toml"
    for config in (EstimateConfig(preset="futuretech-2025", input=str(tmp_path / "a.csv"), bootstrap_resamples=0,
                                  figures=False, history=False, snapshot_name="a", input_format="futuretech"),
                   EstimateConfig(preset=str(custom), input=str(tmp_path / "b.csv"), bootstrap_resamples=60)):
        assert estimate_config(**estimate_parameters(config)) == config


def test_every_form_parameter_is_described_and_has_a_default():
    from flows import deployments

    for flow in (deployments.estimate, deployments.ingest, deployments.build_snapshot, deployments.price_history,
                 deployments.fetch_aa):
        schema = flow.parameters.model_dump()
        for name, spec in schema["properties"].items():
            assert spec.get("description"), (flow.name, name)
            assert "anyOf" not in spec, (flow.name, name)
        required = set(schema.get("required", []))
        defaults = {n for n, p in inspect.signature(flow.fn).parameters.items() if p.default is not p.empty}
        assert required | defaults == set(schema["properties"]), flow.name


def test_an_estimate_run_triggered_by_the_inbox_is_named_from_its_submission():
    """Issue 28: a triggered run carried Prefect's random two words until it started; it is submitted under the name
    it gives itself (``<presets> on <snapshot>``), with the content tag, not as a subflow."""
    from flows.ingest import estimate_submission

    config = EstimateConfig(input="/x/aa_models_2026-08-01.json", snapshot_name="aa_models_2026-08-01",
                            bootstrap_resamples=200)
    submitted = estimate_submission(config, "ab" * 32)
    assert submitted["flow_run_name"] == "all presets on aa_models_2026-08-01"
    assert submitted["parameters"] == estimate_parameters(config)
    assert submitted["tags"] == ["ingest", "content:" + "ab" * 6] and submitted["as_subflow"] is False
    assert set(submitted) <= set(inspect.signature(__import__("prefect.deployments", fromlist=["x"]).run_deployment
                                                   ).parameters)
