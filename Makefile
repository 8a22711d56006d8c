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

run: demo
	$(BIN)/sejahtera serve --host $(HOST) --port $(PORT) --dataset $(DEMO) --profiles $(PROFILES)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

test: lint
	$(BIN)/pytest

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
	$(BIN)/python benchmarks/simulate_indonesia.py
	$(BIN)/python benchmarks/simulate_openfisca.py
	$(BIN)/python benchmarks/evaluate_did.py --twfe

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
