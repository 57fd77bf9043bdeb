# advisor: `make demo` and `make test` each create .venv if missing and install what they need.
# CI installs the known-good pins in constraints.txt; pyproject.toml keeps wide ranges.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt
# uv installs the rest (about 4x faster than pip from an empty cache); torch stays with pip, which
# takes the CPU build on this disk, and uv keeps that installed torch (constraints pin 2.13.0)
UV := $(PY) -m uv pip install --python $(PY) -q --compile-bytecode -c constraints.txt
CORE := $(VENV)/.core-installed
FULL := $(VENV)/.full-installed

.PHONY: demo test setup browser bytecode readme clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(CORE): pyproject.toml constraints.txt | $(PY)
	$(PIP) uv
	$(UV) -e .
	touch $@

# torch first and alone: the CPU build pinned in constraints.txt, so that nothing pulls a CUDA build
$(FULL): $(CORE)
	$(PIP) torch==2.13.0
	$(UV) -e ".[mjx,rllib,brax,app,test,trainers]"
	touch $@

setup: $(FULL)

browser:
	@bash tests/setup-browser.sh

# advisor's own modules compiled ahead, as --compile-bytecode does for its dependencies: where
# PYTHONDONTWRITEBYTECODE is set, every advisor process would otherwise compile them from source
# (about 0.1 s of each command's start); only changed sources are compiled again
bytecode: | $(PY)
	@$(PY) -m compileall -q advisor profiler models

demo: $(CORE) bytecode
	$(VENV)/bin/advisor recommend --profile h200-humanoid --target 100M

# three pytest-xdist workers on two cores, one test file at a time each (module fixtures run once):
# many tests wait on real processes (sleeps, Ray, timeouts), so a third worker fills the idle CPU
# (13 min against 17 with two on the 2-core machine CI runs on, 2026-12-05)
test: $(FULL) browser bytecode
	$(PY) -m ruff check advisor profiler models app.py benchmarks tests examples
	$(PY) -m pytest -n 3 --dist loadfile --durations=25

# the README's examples, run again and written in (tests/test_readme.py fails until they match); review the diff
readme: $(FULL) bytecode
	$(PY) -m tests.readme_blocks --write

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/artifacts
