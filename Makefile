# The two commands of the README: `make run` (set up + main job on the bundled data) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test setup snapshots lock clean-cache serve stop worker docs

# Create the virtual environment, install the pinned dependencies, then the project itself (editable).
# The installer is uv (pinned below, from the registry): the same wheels as pip at the versions of requirements.lock,
# unpacked and compiled to bytecode in parallel (35-45 s on 2 cores instead of 2 minutes with pip). Where uv
# cannot be installed, pip does the same work. INSTALLER=pip forces pip.
UV_VERSION ?= 0.13.9
INSTALLER  ?= uv
PIP        := $(BIN)/python -m pip --disable-pip-version-check
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@if [ "$(INSTALLER)" = uv ] && $(PIP) install --quiet uv==$(UV_VERSION); then \
	  echo "installing requirements.lock with uv $(UV_VERSION)"; \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.lock && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . ; \
	else \
	  echo "installing requirements.lock with pip"; \
	  $(PIP) install --quiet -r requirements.lock && $(PIP) install --quiet --no-deps -e . ; \
	fi
	touch $(STAMP)

setup: $(STAMP)

## Set up, then run the estimate flow on the bundled snapshot(s); prints where the results are.
run: $(STAMP)
	$(BIN)/inference-trends run $(ARGS)

## Set up, then run the test suite.
test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

## Start a local Prefect server + UI, the process work pool, every deployment of prefect.yaml and a worker
## (127.0.0.1 only; pid files and logs in .serve/). `make stop` stops exactly those.
serve: $(STAMP)
	BIN=$(abspath $(BIN)) bash scripts/serve.sh

stop:
	bash scripts/stop.sh

## (Re)start just the worker of the running service (after a code change, or if it died); `make stop` stops it too.
worker: $(STAMP)
	BIN=$(abspath $(BIN)) bash scripts/worker.sh

## Rebuild the bundled snapshots from the raw public files in ../shared/data.
SHARED ?= ../shared/data
snapshots: $(STAMP)
	$(BIN)/inference-trends snapshot --name futuretech-2025-07 \
	  --input $(SHARED)/futuretech-2025-07/art_analysis_inf_data.csv
	$(BIN)/inference-trends snapshot --name aa-2026-07 \
	  --input $(SHARED)/aa-site-scrape-daily/aa_models_2026-07-02.json \
	  --input $(SHARED)/models-dev-2026-07 \
	  --input $(SHARED)/llm-stats-2025-10 \
	  --input $(SHARED)/epoch-large-scale-models-2026-02
	$(BIN)/inference-trends snapshot --name epoch-2025-03 \
	  --input $(SHARED)/epoch-llm-price-trends-2025-03

## Build the documentation site (docs/, mkdocs.yml, the API reference from the docstrings) into site/, offline:
## nothing is fetched at build or view time; --strict turns every warning (a broken link, a docstring mkdocstrings
## cannot parse) into an error. Open site/index.html.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

## Re-resolve requirements.lock from pyproject.toml in a throwaway environment.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet ".[test,bench,docs]"
	( echo "# Exact versions of every dependency (direct and transitive), tested together on Python 3.11."; \
	  echo "# Used by \`make run\` and \`make test\`; regenerate with \`make lock\` after changing pyproject.toml."; \
	  .lock-venv/bin/python -m pip freeze --exclude inference-trends ) > requirements.lock
	rm -rf .lock-venv

## Delete cached intermediates and Prefect results (the next run recomputes everything).
clean-cache:
	rm -rf data/cache
