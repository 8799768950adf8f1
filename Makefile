# The two commands: `make run` (registry with demo data) and `make test` (the whole suite).
# Both create the virtual environment and install what is needed first, from the hashed lock
# files in requirements/ (`make lock` writes them from pyproject.toml): `make run` only what
# running needs (dev.txt: run.txt, what the wheel needs, and the local mail catcher), `make test`
# the test extras too (test.txt) and the pipeline client.
# The installer is uv, bootstrapped with pip (requirements/uv.txt); where uv cannot be had, pip
# installs the same locks. Nothing is removed (an inexact sync): run.txt, dev.txt and test.txt
# each hold the one before, with the same pins.
# uv does not read pip's configuration: set UV_DEFAULT_INDEX if pip uses a mirror here.
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
RUN_STAMP  := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp
CLIENT := $(if $(wildcard clients/python/pyproject.toml),-e clients/python)
LOCK_ARGS ?=
LOCK := --universal --python-version 3.11 --generate-hashes --no-emit-index-url \
	--no-emit-find-links --quiet --custom-compile-command 'make lock' $(LOCK_ARGS)

.PHONY: run test lint bench install lock compile clean tour

# $(call locked,LOCK_FILE,EDITABLES): the lock with its hashes checked (and compiled to bytecode,
# as pip does: test.sh sets PYTHONDONTWRITEBYTECODE), then the editable projects without
# dependencies (the lock has them all).
locked = if test -x $(UV); then \
	  $(UV) pip install --python $(PY) --quiet --compile-bytecode --require-hashes -r $(1) \
	  $(if $(2),&& $(UV) pip install --python $(PY) --quiet --no-deps $(2)); \
	else \
	  $(PY) -m pip install --quiet --require-hashes -r $(1) \
	  $(if $(2),&& $(PY) -m pip install --quiet --no-deps $(2)); \
	fi

# A venv without ensurepip's copy of pip (slow to lay down); the system pip puts the pinned uv
# and pip into it. Where that pip is too old for --python, ensurepip and the venv's own pip do.
$(VENV)/.uv-stamp: requirements/uv.txt
	test -x $(PY) || python3 -m venv --without-pip $(VENV)
	export PIP_DISABLE_PIP_VERSION_CHECK=1; \
	python3 -m pip --python $(PY) install --quiet --require-hashes -r requirements/uv.txt \
	  || { $(PY) -m ensurepip --default-pip >/dev/null \
	       && $(PY) -m pip install --quiet --require-hashes -r requirements/uv.txt; } \
	  || echo "uv could not be installed: pip installs the locks instead" >&2
	touch $@

$(RUN_STAMP): $(VENV)/.uv-stamp requirements/dev.txt pyproject.toml
	@$(call locked,requirements/dev.txt,-e .)
	touch $@

# test.txt holds dev.txt (same pins): one install (and one bytecode pass) serves both stamps.
$(TEST_STAMP): $(VENV)/.uv-stamp requirements/test.txt pyproject.toml \
		$(wildcard clients/python/pyproject.toml)
	@$(call locked,requirements/test.txt,-e . $(CLIENT))
	touch $(RUN_STAMP) $@

install: $(TEST_STAMP)

# The lock files, from pyproject.toml (`make lock LOCK_ARGS=--upgrade` moves every pin).
lock: $(VENV)/.uv-stamp
	$(UV) pip compile pyproject.toml $(LOCK) -o requirements/run.txt
	$(UV) pip compile pyproject.toml --extra dev -c requirements/run.txt $(LOCK) \
	  -o requirements/dev.txt
	$(UV) pip compile pyproject.toml --extra dev --extra test -c requirements/dev.txt $(LOCK) \
	  -o requirements/test.txt
	$(UV) pip compile requirements/uv.in $(LOCK) -o requirements/uv.txt

# Bytecode for the registry's own modules, written once (an editable install has none, and
# PYTHONDONTWRITEBYTECODE may be set): every CLI command and web worker then starts faster.
compile: $(RUN_STAMP)
	$(PY) -m compileall -q registry

run: $(RUN_STAMP) compile
	VENV=$(VENV) bash scripts/run.sh

test: $(TEST_STAMP)
	VENV=$(VENV) bash scripts/test.sh

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(TEST_STAMP) compile
	$(PY) benchmarks/run.py

# The README's tour: six screenshots from the demo data into docs/tour/ (Chromium, gunicorn).
tour: $(TEST_STAMP) compile
	bash scripts/ensure-chromium.sh
	$(PY) scripts/tour.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache build dist
