# Noriai: the two commands are `make demo` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint bench clean lock

LOCK := requirements.lock
PIP_TOOLS := pip-tools==7.6.2

# Every package, with its hash, comes from the lock; the project itself is installed
# on top without resolving anything (refresh the lock with `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/noriai demo --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check maps optimizer dispatch notify fares feeds booking_api driver_app bench tests
	$(BIN)/mypy maps optimizer dispatch notify fares feeds booking_api driver_app bench
	$(BIN)/lint-imports

# The suite runs in parallel processes (pytest-xdist); --dist loadfile keeps each test
# file in one process, as its fixtures (a live server, a database schema) expect.
# On 2 cores 3 workers keep the CPU busy while browser and database tests wait.
TEST_WORKERS ?= 3

test: lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: install
	$(BIN)/noriai bench all

# Pin the whole dependency tree again (after a change to pyproject.toml's dependencies,
# or to take newer releases); needs the package index. Commit requirements.lock.
lock:
	@test -x $(VENV)-lock/bin/pip-compile || \
		{ $(PY) -m venv $(VENV)-lock && $(VENV)-lock/bin/python -m pip install -q $(PIP_TOOLS); }
	$(VENV)-lock/bin/pip-compile -q --upgrade --extra dev --generate-hashes --allow-unsafe \
		--strip-extras --no-emit-index-url --no-emit-find-links \
		-o $(LOCK) pyproject.toml requirements-build.in

clean:
	rm -rf $(VENV) $(VENV)-lock build *.egg-info .pytest_cache .mypy_cache .ruff_cache
