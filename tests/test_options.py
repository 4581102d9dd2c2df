"""Each option is described once (flows/options.py): the config field, the deployment form's parameter (Prefect's
parameter schema, which the UI renders) and the command line's help carry the same text."""

from __future__ import annotations

import re

import pytest
import typer
from prefect.utilities.callables import parameter_schema

from flows import config, deployments, options
from flows.cli import app

COMMANDS = {command.name: command for command in typer.main.get_command(app).commands.values()}
# (command line command, deployment form, config model, the command's options named differently from the fields)
FLOWS = [("run", deployments.estimate, config.EstimateConfig, {}),
         ("snapshot", deployments.build_snapshot, config.SnapshotConfig, {}),
         ("history", deployments.price_history, config.HistoryConfig, {}),
         ("fetch-aa", deployments.fetch_aa, config.FetchConfig, {}),
         ("ingest", deployments.ingest, config.IngestConfig, {"preset": None})]


def words(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


@pytest.mark.parametrize("command, form, model, renamed", FLOWS, ids=[f[0] for f in FLOWS])
def test_config_form_and_help_carry_one_text(command, form, model, renamed):
    fields = {name: words(field.description) for name, field in model.model_fields.items()}
    form_help = {name: words(spec.get("description"))
                 for name, spec in parameter_schema(form.fn).model_dump()["properties"].items()}
    cli_help = {param.name: words(param.help) for param in COMMANDS[command].params}
    shared_form = [name for name in form_help if name in fields and name not in options.FORM]  # FORM: form-only
    shared_cli = [name for name in cli_help if renamed.get(name, name) in fields]
    assert shared_form and shared_cli
    for name in shared_form:
        assert fields[name] and fields[name] in form_help[name], (command, "form", name)
    for name in shared_cli:
        assert fields[name] in cli_help[name], (command, "--help", name)
    assert all(form_help.values()) and all(cli_help.values())  # every parameter and option has a help text


def test_the_texts_come_from_the_options_module():
    assert config.EstimateConfig.model_fields["bootstrap_resamples"].description == \
        options.ESTIMATE["bootstrap_resamples"]
    schema = parameter_schema(deployments.estimate.fn).model_dump()["properties"]
    assert words(schema["custom_preset"]["description"]).startswith(words(options.FORM["custom_preset"]))
    assert words(options.FORM_PATHS) in words(schema["out"]["description"])  # a form's path is confined
    ingest = parameter_schema(deployments.ingest.fn).model_dump()["properties"]
    assert words(ingest["figures"]["description"]) == words(options.OF_TRIGGERED_RUNS + options.ESTIMATE["figures"])


def test_the_rendered_help_shows_the_text():
    from typer.testing import CliRunner

    output = CliRunner().invoke(app, ["run", "--help"], terminal_width=400).output
    assert "instead of the preset's (the bundled presets use 2,000" in words(re.sub(r"[│╭╮╰╯─]", " ", output))


def test_a_form_parameter_without_a_description_is_an_error():
    def form(undocumented: str = ""):
        """A form."""

    with pytest.raises(KeyError, match="undocumented"):
        options.described_by({})(form)


def test_all_presets_leaves_out_a_preset_marked_not_in_all():
    """`--preset all` (make run) is every bundled preset but those with in_all = false: the capability preset would
    take the default run's primary estimate before its hedonic fit corrects for the scale's measurement error."""
    from tasks.stages.prepare import preset_names
    from tasks.study.presets import bundled_presets, load_preset

    names = preset_names("all")
    assert "capability" in bundled_presets() and load_preset("capability").in_all is False
    assert "capability" not in names
    assert names == [n for n in bundled_presets() if n != "capability"] and "futuretech-2025" in names
    assert preset_names("capability,futuretech-2025") == ["capability", "futuretech-2025"]  # named: it runs
