# Two commands do all setup on a fresh clone:  `make run` (install, migrate, build the shipped bank, serve with
# gunicorn, the production server, on SQLite in WAL mode)
# and `make test` (install, run the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test check clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(BIN)/quizapp db upgrade
	$(BIN)/quizapp content build content/
	$(BIN)/quizapp serve --bind $(HOST):$(PORT)

# `make test` runs the suite on every core (pytest-xdist); a test file stays on one worker, so the kernel labs
# and the Docker Engine are built once per file, as in a serial run. PYTEST_PARALLEL= runs it in one process.
PYTEST_PARALLEL ?= -n auto --dist loadfile

test: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

check: install
	$(BIN)/quizapp content check content/

clean:
	rm -rf $(VENV) instance .pytest_cache
