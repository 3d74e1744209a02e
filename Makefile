# Two commands on a fresh machine: `make run` and `make test`.
# Only Python 3.11, pip and make are assumed; everything else is installed into .venv here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TRIALS ?= 8192
# Test processes (pytest-xdist): one per core of the 2-core CI machine. Tests are grouped by module, so a
# module's fixtures are computed once; each notebook kernel of a simulate peaks at a few GB, hence not more.
TEST_WORKERS ?= 2

.PHONY: run test lint bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's metadata changed (editable install picks up code changes).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dask,notebook,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/riskmodel run scenarios/ --trials $(TRIALS) --out results/main --report

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) results .pytest_cache
