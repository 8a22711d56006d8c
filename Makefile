# Sejahtera — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := var/demo/diy
PROFILES := var/demo/profile
DEMO_HOUSEHOLDS ?= 100000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench demo demo-full clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The DI Yogyakarta demo: all 5 kabupaten/kota. `make demo-full` builds it at full size.
$(DEMO)/dataset.json: | $(STAMP)
	$(BIN)/sejahtera synth --region 34 --households $(DEMO_HOUSEHOLDS) --seed 1 --out $(DEMO) --quiet

# The needs profile of the demo, in both languages, served at /profile/id/ and /profile/en/.
$(PROFILES)/id/index.html: $(DEMO)/dataset.json
	$(BIN)/sejahtera --lang id profile $(DEMO) --out $(PROFILES)/id --overwrite
	$(BIN)/sejahtera --lang en profile $(DEMO) --out $(PROFILES)/en --overwrite

demo: $(DEMO)/dataset.json $(PROFILES)/id/index.html

demo-full: $(STAMP)
	$(BIN)/sejahtera synth --region 34 --households 1200000 --seed 1 --out var/demo/diy-full --overwrite

# The server and, beside it, the worker that runs background jobs (generating a list): Ctrl-C
# stops both, and so does the server stopping for any other reason. One secret for every
# gunicorn worker of this run (sessions survive across workers); production sets
# SEJAHTERA_ENV=production and its own SEJAHTERA_SECRET_KEY.
run: demo
	$(BIN)/sejahtera manage migrate --noinput
	$(BIN)/sejahtera manage load_regions 34
	$(BIN)/sejahtera manage register_dataset $(DEMO)
	$(BIN)/sejahtera manage demo
	$(BIN)/sejahtera manage demo_stakeholders
	$(BIN)/sejahtera manage demo_consultations
	$(BIN)/sejahtera manage demo_grievances
	SEJAHTERA_DATASET=$(DEMO) $(BIN)/sejahtera manage demo_programmes
	$(BIN)/sejahtera manage demo_monev
	$(BIN)/sejahtera manage demo_decisions
	export SEJAHTERA_SECRET_KEY=$${SEJAHTERA_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}; \
	$(BIN)/sejahtera manage worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/sejahtera serve --host $(HOST) --port $(PORT) --dataset $(DEMO) --profiles $(PROFILES)

# Style, then the layer order of pyproject.toml's [tool.importlinter] contracts.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports

# The workbench's tests run again on PostgreSQL when a server answers (DATABASE_URL).
POSTGRES_URL ?= postgres://127.0.0.1:5432/test
# The browser journeys drive Debian's chromium (Playwright, no browser download).
CHROMIUM_STAMP := $(VENV)/.chromium
$(CHROMIUM_STAMP): | $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }
	touch $(CHROMIUM_STAMP)

# The PostgreSQL run goes beside the whole suite on SQLite (one core each), its output shown
# when both have ended; each run has a data folder of its own (SEJAHTERA_DATA).
PG_LOG := $(VENV)/postgres-tests.log
test: lint $(CHROMIUM_STAMP)
	@pg=0; data=$$(mktemp -d); pgdata=$$(mktemp -d); \
	if $(BIN)/python -c "import psycopg; psycopg.connect('$(POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		pg=1; echo "workbench tests on PostgreSQL ($(POSTGRES_URL)) run beside the suite; their output follows it"; \
		( SEJAHTERA_DATA=$$pgdata DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -p no:cacheprovider \
			tests/test_workbench_*.py > $(PG_LOG) 2>&1; echo $$? > $(PG_LOG).rc ) & \
	fi; \
	SEJAHTERA_DATA=$$data $(BIN)/pytest; sqlite=$$?; \
	wait; postgres=0; rm -rf $$data $$pgdata; \
	if [ $$pg = 1 ]; then echo "workbench tests on PostgreSQL ($(POSTGRES_URL)):"; cat $(PG_LOG); postgres=$$(cat $(PG_LOG).rc); \
	else echo "PostgreSQL not reachable at $(POSTGRES_URL): workbench tests ran on SQLite only"; fi; \
	[ $$sqlite = 0 ] && [ $$postgres = 0 ]

# Measurement benchmarks make about 1.6 GB of data in var/bench/ once, and need 2 GB of temporary
# space for the out-of-core run.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/synth_throughput.py
	$(BIN)/python benchmarks/measure_indicators.py
	$(BIN)/python benchmarks/measure_outofcore.py
	$(BIN)/python benchmarks/validate_dataset.py
	$(BIN)/python benchmarks/simulate_indonesia.py
	$(BIN)/python benchmarks/simulate_scenario.py
	$(BIN)/python benchmarks/simulate_stream.py
	$(BIN)/python benchmarks/scenario_web.py
	$(BIN)/python benchmarks/policy_brief.py
	$(BIN)/python benchmarks/simulate_openfisca.py
	$(BIN)/python benchmarks/evaluate_did.py --twfe
	$(BIN)/python benchmarks/workbench_load.py
	$(BIN)/python benchmarks/workbench_soak.py
	$(BIN)/python benchmarks/workbench_export.py
	$(BIN)/python benchmarks/workbench_dataset_import.py
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/dashboard.py --postgres
	$(BIN)/python benchmarks/needs_explorer.py
	$(BIN)/python benchmarks/workbench_evaluation.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
