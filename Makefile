# reactive-kernel: every target a newcomer needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= auto

.PHONY: help setup run demo test test-core test-gateway test-lab test-lab-versions test-lab-oldest test-e2e webui labextension bench bench-gateway bench-webui bench-remote gateway lint typecheck clean

WEBUI_SRC := $(wildcard webui/src/*) webui/package.json webui/package-lock.json webui/build.mjs webui/index.html

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m reactive_kernel.kernelspec install --sys-prefix
	@touch $@

setup: $(STAMP)  ## create .venv, install the package and the `reactive` kernelspec into it

DEMO_DIR := $(VENV)/demo

# The page saves every change to its notebook: it works on a copy, refreshed
# when the shipped demo is newer, so the tracked file is never rewritten.
DEMO_FILES := $(DEMO_DIR)/demo_notebook.py $(DEMO_DIR)/widgets_demo.py
$(DEMO_DIR)/%.py: examples/%.py
	@mkdir -p $(DEMO_DIR) && cp $< $@

run: setup webui $(DEMO_FILES)  ## start the gateway on a copy of examples/ (.venv/demo: the tracked demo is never rewritten); prints the URL
	@echo "Open the URL below, then demo_notebook.py (or widgets_demo.py: a slider and a dropdown drive an SQL query; copies in $(DEMO_DIR)). Ctrl-C stops the gateway and its kernels."
	$(PY) -m gateway --root-dir $(DEMO_DIR)

demo: setup  ## run the demo notebook through a real kernel in the terminal, showing cascades
	$(PY) examples/demo.py

gateway/static/app.js: $(WEBUI_SRC)
	webui/build.sh

webui: gateway/static/app.js  ## build the web notebook (npm ci + esbuild) into gateway/static/

test: setup webui  ## run the whole test suite (real kernels, in parallel)
	$(PY) -m pytest -n $(JOBS) -q --durations=10

test-core: setup  ## run only the pure-core tests (fast, no kernels)
	$(PY) -m pytest tests/core -q

test-gateway: setup  ## run the gateway tests (real gateway, kernels and a jupyter server peer)
	$(PY) -m pytest tests/gateway -n $(JOBS) -q

test-e2e: setup webui  ## browser tests of the web notebook (Debian's chromium + playwright)
	$(PY) -m pytest tests/e2e -q

test-lab: setup  ## JupyterLab extension end-to-end tests in Chromium (screenshots in test-artifacts/lab)
	$(PY) -m pytest tests/e2e_lab -q

test-lab-versions: setup  ## the wheel in fresh venvs with the oldest and newest supported JupyterLab: labextension list says enabled OK
	REACTIVE_LAB_VERSIONS=1 $(PY) -m pytest tests/e2e_lab/test_lab_versions.py -q -s

LAB_OLDEST = $(shell sed -n 's/^lab = \["jupyterlab>=\([0-9.]*\),.*/\1/p' pyproject.toml)
test-lab-oldest:  ## the JupyterLab browser tests on the oldest supported JupyterLab (own venv: .venv-lab-oldest)
	test -x .venv-lab-oldest/bin/python || $(PYTHON) -m venv .venv-lab-oldest
	REACTIVE_SKIP_WEBUI=1 .venv-lab-oldest/bin/python -m pip install --quiet -e '.[test]' 'jupyterlab==$(LAB_OLDEST)'
	.venv-lab-oldest/bin/python -m pytest tests/e2e_lab -q

labextension:  ## rebuild the JupyterLab extension from labextension/ (Node 20 + npm)
	cd labextension && npm ci && npm run build && npm test

bench: setup  ## benchmarks: ratios against plain ipykernel measured in the same run
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/bench_notebook_file.py
	$(PY) benchmarks/bench_sql.py
	$(PY) benchmarks/bench_lean.py
	$(PY) benchmarks/bench_input_match.py
	$(PY) benchmarks/bench_cache.py

bench-gateway: setup  ## gateway latency vs direct ZMQ and jupyter server; 50-client fan-out; memory under a flood
	$(PY) benchmarks/bench_gateway.py
	$(PY) benchmarks/bench_gateway_memory.py

bench-webui: setup webui  ## the web notebook in Chromium: open 500 cells, 200-cell cascade, widget changes
	$(PY) benchmarks/bench_webui.py
	$(PY) benchmarks/bench_widgets.py

bench-remote: setup  ## kernels launched over SSH (a local sshd) vs local: start-up and round trip
	$(PY) benchmarks/bench_remote.py

gateway: setup webui $(DEMO_FILES)  ## run reactive-gateway on 127.0.0.1:8899 serving a copy of ./examples in .venv/demo (prints the URL with a token)
	$(PY) -m gateway --root-dir $(DEMO_DIR)

lint: setup  ## ruff
	$(PY) -m ruff check .

typecheck: setup  ## mypy --strict on the pure core
	$(PY) -m mypy

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .venv-lab-oldest .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist webui/node_modules
	rm -f gateway/static/app.js gateway/static/widgets.js gateway/static/app.css gateway/static/index.html gateway/static/THIRD_PARTY_LICENSES.txt
	rm -rf gateway/static/fonts gateway/static/chunks
