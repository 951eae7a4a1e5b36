# Two commands for a new machine: `make demo` (the demo county) and `make test` (the tests).
# Each installs what it needs on first use: a virtual environment with the pinned packages.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
export FLASK_APP := webapp:create_app()

.PHONY: demo test test-fast bench worker clean-demo frontend

$(STAMP): requirements.txt requirements-dev.txt
	# A half-made venv (interrupted before pip was installed) is made again from scratch.
	test -x $(VENV)/bin/pip || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/flask demo run

test: $(STAMP)
	$(VENV)/bin/pytest -q

# The quick loop while developing: everything but the slow tests (worker processes, browsers,
# big generated files), in two processes (pytest-xdist; a test file stays in one process, so
# its module fixtures are built once). CI runs `make test`, which runs them all in one process.
# On PostgreSQL each process takes a database and a Redis database of its own (tests/parallel.py).
test-fast: $(STAMP)
	$(VENV)/bin/pytest -q -m "not slow and not browser" -n 2 --dist loadfile

worker: $(STAMP)
	$(VENV)/bin/python -m workers

bench: $(STAMP)
	$(VENV)/bin/python bench/bench_cases.py

clean-demo:
	rm -rf instance

# The browser bundles are committed; this rebuilds them from the lockfile when node is present.
frontend:
	sh scripts/build_frontend.sh
