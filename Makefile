# reactive-kernel: every target a newcomer needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= auto

.PHONY: help setup run test test-core bench lint typecheck clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m reactive_kernel.kernelspec install --sys-prefix
	@touch $@

setup: $(STAMP)  ## create .venv, install the package and the `reactive` kernelspec into it

run: setup  ## run the example notebook through a real reactive kernel, showing a cascade
	$(PY) examples/demo.py

test: setup  ## run the whole test suite (real kernels, in parallel)
	$(PY) -m pytest -n $(JOBS) -q

test-core: setup  ## run only the pure-core tests (fast, no kernels)
	$(PY) -m pytest tests/core -q

bench: setup  ## benchmarks: ratios against plain ipykernel measured in the same run
	$(PY) benchmarks/bench.py

lint: setup  ## ruff
	$(PY) -m ruff check .

typecheck: setup  ## mypy --strict on the pure core
	$(PY) -m mypy

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
