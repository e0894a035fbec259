# Two commands for a new user: `make run` and `make test`. Each creates .venv on first
# use from the pinned versions in requirements/lock.txt.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# python3.12 from PATH, else from pyenv's versions folder (the shim alone may refuse).
PYTHON312 ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert sys.version_info[:2]==(3,12)' 2>/dev/null; then echo $$p; break; fi; done)
export NUMBA_CACHE_DIR := $(CURDIR)/.numba_cache
export MPLBACKEND := Agg

.PHONY: run test test-slow browser bench bench-sweep docs golden clean app screenshots validation calibrate sensitivity

$(VENV)/.installed: requirements/lock.txt pyproject.toml
	@test -n "$(PYTHON312)" || { echo "error: Python 3.12 not found (tried python3.12 and ~/.pyenv/versions/3.12*); install it, or pass PYTHON312=/path/to/python3.12" >&2; exit 2; }
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

## run: the default 40-year run of the krachtwijk neighbourhood, results in results/krachtwijk
run: $(VENV)/.installed
	$(PY) run.py run --scenario krachtwijk --out results/krachtwijk --overwrite

## browser: the browser tests' Chromium (Debian's, installed when missing; or VEERKRACHT_CHROMIUM=/path)
browser:
	@bash tests/ensure_browser.sh

## test: the default test suite (under 10 minutes on 2 cores), browser tests included
test: $(VENV)/.installed browser
	NUMBA_NUM_THREADS=1 $(PY) -m pytest -q

## test-slow: the slower tests (many seeds, large populations)
test-slow: $(VENV)/.installed browser
	NUMBA_NUM_THREADS=1 $(PY) -m pytest -q -m slow

## bench: kernel and model throughput, written to results/bench.json
bench: $(VENV)/.installed
	$(PY) run.py bench --out results/bench.json

## bench-sweep: 200 default runs through the sweep engine against serial runs -> results/bench_sweep.json
bench-sweep: $(VENV)/.installed
	$(PY) run.py bench --sweep --out results/bench_sweep.json

## app: the browser view on http://127.0.0.1:8765 (works offline)
app: $(VENV)/.installed
	$(PY) run.py app

## screenshots: pictures of each view for the README -> docs/screenshots/
screenshots: $(VENV)/.installed
	$(PY) -m viz.screenshots

## docs: regenerate the parameter table in docs/ODD.md from the schema
docs: $(VENV)/.installed
	$(PY) -m abm.odd --write

## validation: the three presets against the calibration targets (experiments/targets/*.toml), 8 replicates of
## 120 months each -> results/validation (report, plot, provenance), and the tables into docs/ODD.md and README.md;
## starts afresh each time, so run it after a model change
validation: $(VENV)/.installed
	rm -rf results/validation
	$(PY) run.py validate krachtwijk mixed average_nl --replicates 8 --months 120 --out results/validation --docs

## calibrate: fit the presets' shared behavioural parameters to the targets (experiments/calibration/presets.toml):
## Morris screening, then the Optuna study -> results/calibration, and the calibrated values the presets read
## (experiments/calibration/calibrated.toml); resumes when interrupted (the same command again); about an hour on 2 cores
calibrate: $(VENV)/.installed
	$(PY) run.py calibrate experiments/calibration/presets.toml --out results/calibration --presets experiments/calibration/calibrated.toml
	$(PY) -m experiments.calibrate --write

## sensitivity: Morris, Sobol and link ablation on the calibrated krachtwijk (about 45 min on 2 cores) -> docs/ODD.md
sensitivity: $(VENV)/.installed
	$(PY) run.py analyse experiments/sweeps/calibrated_sensitivity.toml --out results/calibrated_sensitivity --sobol-samples 32 --morris-trajectories 10 --ablation-replicates 2
	$(PY) -m experiments.calibrate --sensitivity results/calibrated_sensitivity

## golden: regenerate the stored golden run (only on purpose, after a model change)
golden: $(VENV)/.installed
	$(PY) -m tests.golden --write

clean:
	rm -rf $(VENV) .numba_cache .pytest_cache .hypothesis
