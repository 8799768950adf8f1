# The two commands: `make run` (registry with demo data) and `make test` (the whole suite).
# Both create the virtual environment and install what is needed first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench install compile clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Bytecode for the registry's own modules, written once (an editable install has none, and
# PYTHONDONTWRITEBYTECODE may be set): every CLI command and web worker then starts faster.
compile: $(STAMP)
	$(PY) -m compileall -q registry

run: $(STAMP) compile
	VENV=$(VENV) bash scripts/run.sh

test: $(STAMP)
	VENV=$(VENV) bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP) compile
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
