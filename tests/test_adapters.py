"""Every adapter on its real file and on small broken variants written here: each breakage is a clear error naming
file, record and field, or a quarantined / flagged row with its reason."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from tasks.data.ingest import detect_format
from tasks.data.ingest.aa import ingest_api, ingest_site
from tasks.data.ingest.common import ArchiveError, SourceError, read_archive
from tasks.data.ingest.epoch_models import active_params
from tasks.data.ingest.epoch_models import ingest as ingest_epoch
from tasks.data.ingest.llm_stats import ingest as ingest_llm_stats
from tasks.data.ingest.models_dev import ingest as ingest_models_dev
from tasks.data.ingest.user_csv import ingest as ingest_user
from tasks.files.settings import shared_data_dir

SHARED = shared_data_dir()
SITE = SHARED / "aa-site-scrape-daily" / "aa_models_2026-07-02.json"
API = SHARED / "aa-api-v2" / "llms_models_2026-07-31.json"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not available ({path})")
    return path


def issues(tables, rule_part: str) -> pd.DataFrame:
    frame = tables.ingest_issues
    return frame[frame["rule"].str.contains(rule_part, regex=False)]


# --- AA site scrape --------------------------------------------------------------------------------------------
def test_aa_site_real_file():
    tables = ingest_site(need(SITE)).validated("site")
    assert len(tables.models) == 537 and tables.ingest_issues.empty
    gpt = tables.models.set_index("model_id").loc["gpt-oss-120b"]
    assert (gpt.total_params_b, gpt.active_params_b, bool(gpt.open_weights), bool(gpt.reasoning)) == (117, 5.1,
                                                                                                     True, True)
    assert gpt.release_date == pd.Timestamp("2025-08-05") and gpt.license == "Apache 2.0"
    score = tables.benchmarks.set_index(["model_id", "benchmark"]).score
    assert score[("gpt-oss-120b", "mmlu_pro")] == pytest.approx(0.807928856382979)
    assert score[("gpt-oss-120b", "aa_intelligence_index")] == pytest.approx(23.8309678073278)
    price = tables.prices.set_index("model_id").loc["gpt-oss-120b"]
    assert (price.provider, price.input_usd_per_mtok, price.output_usd_per_mtok, price.blended_usd_per_mtok) == (
        "aa_headline", 0.15, 0.6, 0.2625)
    assert set(tables.prices.observed_on) == {pd.Timestamp("2026-07-02")}
    assert "gpt-oss-120b-low" in set(tables.models.model_id)  # effort variants stay separate models


def write_site(tmp_path: Path, records, name: str = "aa_models_2026-07-02.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records) if not isinstance(records, str) else records)
    return path


SITE_RECORD = {"slug": "m-one", "name": "M One", "creator": "Lab", "params": 7, "active": 7, "open": True,
               "openness": "Open Weights", "license": "MIT", "reasoning": False, "release": "2025-01-10",
               "mmlu_pro": 0.55, "gpqa": 0.3, "ii": 20.5, "price": 0.25, "price_in": 0.2, "price_out": 0.4}


def test_aa_site_truncated_json(tmp_path):
    path = write_site(tmp_path, json.dumps([SITE_RECORD])[:-15])
    with pytest.raises(SourceError, match=r"aa_models_2026-07-02\.json: not valid JSON .* line 1, column"):
        ingest_site(path)


def test_aa_site_renamed_required_field(tmp_path):
    renamed = [{("model_slug" if k == "slug" else k): v for k, v in SITE_RECORD.items()}]
    with pytest.raises(SourceError, match=r"record 1: required field 'slug' is missing from every record"):
        ingest_site(write_site(tmp_path, renamed))


def test_aa_site_renamed_optional_field_is_flagged(tmp_path):
    renamed = [{("mmluPro" if k == "mmlu_pro" else k): v for k, v in SITE_RECORD.items()}]
    tables = ingest_site(write_site(tmp_path, renamed))
    assert len(issues(tables, "field 'mmlu_pro' is absent from every record")) == 1
    assert "mmlu_pro" not in set(tables.benchmarks.benchmark)


def test_aa_site_prices_as_strings_and_scores_in_percent(tmp_path):
    record = dict(SITE_RECORD, price_in="0.20", price_out="$0.40", mmlu_pro=55.0, gpqa="abc")
    tables = ingest_site(write_site(tmp_path, [record, dict(SITE_RECORD, slug="", name="Nameless")]))
    price = tables.prices.iloc[0]
    assert (price.input_usd_per_mtok, price.output_usd_per_mtok) == (0.2, 0.4)
    assert len(issues(tables, "number given as a string")) == 2
    assert tables.benchmarks.set_index("benchmark").score["mmlu_pro"] == 0.55
    converted = issues(tables, "score in percent converted to a fraction")
    assert list(converted.column) == ["mmlu_pro"] and list(converted.record) == [1]
    bad = issues(tables, "not a number")
    assert list(bad.column) == ["gpqa"] and list(bad.action) == ["rejected_value"]
    nameless = tables.ingest_issues[tables.ingest_issues.action == "rejected_record"]
    assert list(nameless.record) == [2] and "missing model slug" in nameless.rule.iloc[0]


def test_aa_site_needs_a_dated_name(tmp_path):
    with pytest.raises(SourceError, match="no YYYY-MM-DD observation date"):
        ingest_site(write_site(tmp_path, [SITE_RECORD], name="aa_models.json"))


# --- AA API --------------------------------------------------------------------------------------------------------
def test_aa_api_real_files():
    tables = ingest_api(need(API)).validated("api")
    assert len(tables.models) == 589 and tables.ingest_issues.empty
    scores = tables.benchmarks.set_index(["model_id", "benchmark"]).score
    assert scores[("gpt-oss-120b", "mmlu_pro")] == 0.808 and scores[("gpt-oss-120b", "gpqa_diamond")] == 0.782
    assert tables.prices.set_index("model_id").loc["gpt-oss-120b"].blended_usd_per_mtok == 0.262
    # another tool's wrapper {fetched_at, models}: its retrieval time is the observation date
    wrapped = ingest_api(need(SHARED / "aa-api-v2" / "llms_models_2026-03-25.json")).validated("wrapped")
    assert len(wrapped.models) == 450 and set(wrapped.prices.observed_on) == {pd.Timestamp("2026-03-25")}
    assert detect_format(API) == "aa_api" and detect_format(SITE) == "aa_site"


def test_aa_api_broken(tmp_path):
    path = tmp_path / "llms_models_2026-08-01.json"
    path.write_text('{"status": 200, "data": [{"slug": "x", "name": "X", "pricing": {')
    with pytest.raises(SourceError, match=r"llms_models_2026-08-01\.json: not valid JSON"):
        ingest_api(path)
    path.write_text(json.dumps({"status": 200, "results": []}))
    with pytest.raises(SourceError, match="not an AA API v2 response"):
        ingest_api(path)
    record = {"slug": "x", "name": "X", "release_date": "2025-13-01", "model_creator": {"name": "Lab"},
              "evaluations": {"mmlu_pro": "0.7"}, "pricing": {"price_1m_input_tokens": "cheap"}}
    path.write_text(json.dumps({"data": [record]}))
    tables = ingest_api(path)
    by_column = tables.ingest_issues.set_index("column")
    assert by_column.loc["release_date"].rule == "not an ISO date (YYYY-MM-DD)"
    assert by_column.loc["pricing.price_1m_input_tokens"].action == "rejected_value"
    assert by_column.loc["evaluations.mmlu_pro"].action == "warning"  # a quoted number, accepted
    assert tables.benchmarks.score.iloc[0] == 0.7


# --- archives -------------------------------------------------------------------------------------------------------
def make_tar(path: Path, entries: list[tuple[str, str | None, str | None]]) -> Path:
    """entries: (name, text or None, symlink target or None)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, text, link in entries:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                archive.addfile(info)
            else:
                data = (text or "").encode()
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


PROVIDER = 'name = "Model A"\nrelease_date = "2025-05-01"\nopen_weights = true\n[cost]\ninput = 0.1\noutput = 0.3\n'


def test_archive_reading_is_safe(tmp_path):
    good = make_tar(tmp_path / "good.tar.gz", [
        ("providers/acme/models/model-a.toml", PROVIDER, None),
        ("providers/mirror/models/model-a.toml", None, "../../acme/models/model-a.toml"),  # stays inside: kept
        ("providers/gone/models/model-b.toml", None, "../../nowhere/model-b.toml"),  # dangling: reported
    ])
    dangling: list[str] = []
    files = read_archive(good, dangling)
    assert files["providers/mirror/models/model-a.toml"] == PROVIDER.encode()
    assert dangling == ["providers/gone/models/model-b.toml"]
    for name, entries, message in [
        ("dotdot", [("providers/../../etc/passwd", "x", None)], r"'\.\.' component leaves the archive"),
        ("absolute", [("/etc/passwd", "x", None)], "absolute path refused"),
        ("escape", [("providers/x/models/a.toml", None, "../../../../etc/passwd")], "leaves the archive"),
        ("abslink", [("providers/x/models/a.toml", None, "/etc/passwd")], "leaves the archive"),
    ]:
        with pytest.raises(ArchiveError, match=message) as err:
            read_archive(make_tar(tmp_path / f"{name}.tar.gz", entries))
        assert f"{name}.tar.gz" in str(err.value)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[:60])
    with pytest.raises(ArchiveError, match="truncated|damaged|not a readable"):
        read_archive(truncated)


def test_models_dev_small_archive(tmp_path):
    path = make_tar(tmp_path / "catalogue.tar.gz", [
        ("models/openai/gpt-x.toml", 'name = "GPT-X"\nrelease_date = "2026-01"\nopen_weights = false\n', None),
        ("providers/openai/models/gpt-x.toml", 'base_model = "openai/gpt-x"\n[cost]\ninput = 2.0\noutput = 8.0\n',
         None),
        ("providers/amazon-bedrock/models/openai.gpt-x.toml",
         'base_model = "openai/gpt-x"\n[cost]\ninput = 2.2\noutput = 8.8\n', None),
        ("providers/acme/models/model-a.toml", PROVIDER, None),
        ("providers/acme/models/broken.toml", "name = [unclosed", None),
        ("providers/acme/models/stringy.toml", 'name = "S"\n[cost]\ninput = "0.5"\noutput = "free"\n', None),
    ])
    tables = ingest_models_dev(path).validated("catalogue")
    prices = tables.prices.set_index(["model_id", "provider"])
    # Bedrock's openai.gpt-x is the catalogue's openai/gpt-x: one model, two providers
    assert prices.loc[("gpt-x", "amazon-bedrock")].input_usd_per_mtok == 2.2
    assert prices.loc[("gpt-x", "openai")].output_usd_per_mtok == 8.0
    gpt = tables.models.set_index("model_id").loc["gpt-x"]
    assert gpt["name"] == "GPT-X" and gpt.release_date == pd.Timestamp("2026-01-01") and not gpt.open_weights
    rejected = tables.ingest_issues.set_index("column")
    assert rejected.loc["providers/acme/models/broken.toml"].action == "rejected_record"
    assert rejected.loc["providers/acme/models/stringy.toml:cost.output"].rule == "not a number"
    assert prices.loc[("stringy", "acme")].input_usd_per_mtok == 0.5


def test_models_dev_real_archive():
    tables = ingest_models_dev(need(SHARED / "models-dev-2026-07")).validated("models.dev")
    assert tables.prices.provider.nunique() > 100
    assert set(tables.prices.observed_on) == {pd.Timestamp("2026-07-01")}
    dangling = issues(tables, "link target is not in the archive")
    assert len(dangling) == 31 and set(dangling.action) == {"warning"}
    # one model however a provider files it: Bedrock's and OpenAI's GPT-5.4 share the id of models/openai/gpt-5.4
    gpt = tables.prices[tables.prices.model_id == "gpt-5.4"]
    assert {"openai", "amazon-bedrock"} <= set(gpt.provider)


# --- LLM-Stats ---------------------------------------------------------------------------------------------------
def test_llm_stats_real_archive():
    tables = ingest_llm_stats(need(SHARED / "llm-stats-2025-10")).validated("llm-stats")
    llama = tables.models.set_index("model_id").loc["llama-3.1-405b-instruct"]
    assert llama.total_params_b == 405 and bool(llama.open_weights)
    assert llama.license == "Llama 3.1 Community License"
    prices = tables.prices.set_index(["model_id", "provider"])
    assert prices.loc[("deepseek-r1", "deepinfra")].input_usd_per_mtok == 0.85  # 85 cents per million tokens
    assert tables.ingest_issues.empty


def test_llm_stats_broken_member(tmp_path):
    model = {"model_id": "m", "name": "M", "organization_id": "lab", "release_date": "2025-02-30",
             "license_id": "proprietary", "param_count": "many"}
    path = make_tar(tmp_path / "llm.tar.gz", [
        ("data/organizations/lab/models/m/model.json", json.dumps(model), None),
        ("data/organizations/lab/models/m/benchmarks.json", '[{"benchmark_id": "mmlu-pro", "normalized_score": 81}]',
         None),
        ("data/organizations/lab/models/n/model.json", '{"model_id": "n", ', None),
        ("data/providers/acme/models.json", '[{"model_id": "m", "input_cents_per_million_tokens": 30, '
                                            '"output_cents_per_million_tokens": 90, "updated_at": "2025-09-01"}]',
         None),
    ])
    tables = ingest_llm_stats(path)
    by_column = tables.ingest_issues.set_index("column")
    assert by_column.loc["data/organizations/lab/models/n/model.json"].action == "rejected_record"
    assert "not an ISO date" in by_column.loc["data/organizations/lab/models/m/model.json:release_date"].rule
    assert by_column.loc["data/organizations/lab/models/m/model.json:param_count"].rule == "not a number"
    assert tables.benchmarks.score.iloc[0] == 0.81  # 81 (percent) -> 0.81, with a warning
    assert tables.prices.iloc[0].input_usd_per_mtok == pytest.approx(0.30)
    assert not bool(tables.models.set_index("model_id").loc["m"].open_weights)


# --- Epoch AI models --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("note, expected", [
    ("671B total, 37B active", 37.0),
    ("3B activated parameters and 48B total parameters", 3.0),
    ("1 trillion total parameters with 50 billion activated parameters", 50.0),
    ("MoE\ntotal parameters: 300B\nactive parameters: 47B", 47.0),
    ("from the base model:\nTotal Parameters: 456B\nActivated Parameters per Token: 45.9B", 45.9),
    ("a large-scale MoE model that activates 14\nbillion parameters out of a total of 142 billion parameters", 14.0),
    ("It has 16B total parameters, but only 1.4B are activated per input token", 1.4),
    ("108 total, 12 B active", 12.0),
    ("dense 70B model", None),
])
def test_active_parameters_from_notes(note, expected):
    assert active_params(note)[0] == expected


def test_active_parameter_ranges_are_not_guessed():
    value, problem = active_params("activates 18.6B∼31.3B parameters (averaging∼27B)")
    assert value is None and "range" in problem


def test_epoch_models_real_and_broken(tmp_path):
    tables = ingest_epoch(need(SHARED / "epoch-large-scale-models-2026-02")).validated("epoch")
    deepseek = tables.models.set_index("model_id").loc["deepseek-v3"]
    assert (deepseek.total_params_b, deepseek.active_params_b, bool(deepseek.open_weights)) == (671, 37, True)
    assert set(issues(tables, "range").action) == {"rejected_value"}
    broken = tmp_path / "models.csv"
    broken.write_text("Model,Domain,Parameters\nX,Language,7e9\n")
    with pytest.raises(SourceError, match=r"models\.csv: not an Epoch AI models export; missing column\(s\): "
                                          r"Publication date, Model accessibility"):
        ingest_epoch(broken)


# --- a user's CSV with a mapping ---------------------------------------------------------------------------------
MAPPING = """file = "survey.csv"
source = "my survey"
observed_on = 2026-07-15
score_unit = "percent"

[columns]
model = "Model"
release_date = "Released"
open_weights = "Open"
total_params_b = "Params (B)"
input_usd_per_mtok = "In $/M"
output_usd_per_mtok = "Out $/M"

[scores]
mmlu_pro = "MMLU-Pro"
"""


def test_user_csv_with_mapping(tmp_path):
    (tmp_path / "survey.csv").write_text(
        "Model,Released,Open,Params (B),In $/M,Out $/M,MMLU-Pro\n"
        "Alpha 7B,2025-03-01,yes,7,$0.10,$0.30,52.5\n"
        "Beta,2025-13-01,no,n/a,0.5,1.5,61\n"
        ",2025-01-01,yes,1,1,1,40\n")
    mapping = tmp_path / "survey.mapping.toml"
    mapping.write_text(MAPPING)
    assert detect_format(mapping) == "user_csv" and detect_format(tmp_path / "survey.csv") == "user_csv"
    tables = ingest_user(mapping).validated("user")
    alpha = tables.models.set_index("model_id").loc["alpha-7b"]
    assert bool(alpha.open_weights) and alpha.total_params_b == 7 and alpha.release_date == pd.Timestamp("2025-03-01")
    assert tables.benchmarks.set_index("model_id").score["alpha-7b"] == pytest.approx(0.525)
    price = tables.prices.set_index("model_id").loc["alpha-7b"]
    assert (price.provider, price.input_usd_per_mtok, price.observed_on) == ("source_price", 0.1,
                                                                             pd.Timestamp("2026-07-15"))
    assert set(tables.models.source) == {"my-survey/survey.csv"}
    problems = tables.ingest_issues.set_index(["record", "column"])
    assert "not an ISO date" in problems.loc[(2, "Released")].rule
    assert problems.loc[(2, "Params (B)")].action == "rejected_value"
    assert problems.loc[(3, "Model")].action == "rejected_record"


def test_user_csv_mapping_errors(tmp_path):
    (tmp_path / "survey.csv").write_text("Model,Released\nA,2025-01-01\n")
    mapping = tmp_path / "survey.mapping.toml"
    mapping.write_text(MAPPING)
    with pytest.raises(SourceError, match=r"survey\.csv: column\(s\) named in the mapping are not in the file: "
                                          r"In \$/M, MMLU-Pro"):
        ingest_user(mapping)
    mapping.write_text(MAPPING.replace("[scores]", "[scores]\nmmlu_pr0 = \"X\""))
    with pytest.raises(SourceError, match=r"invalid column mapping:[\s\S]*mmlu_pr0"):
        ingest_user(mapping)
