# Trustmirror: the two commands of the README, and a few helpers.
#   make demo   - virtualenv, install, SQLite database, demo organisation, served on 127.0.0.1:8000
#   make test   - installs what the tests need (Chromium included) and runs the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: demo test lint format system-deps bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trustmirror demo $(ARGS)

system-deps:
	bash scripts/install-system-deps.sh

test: $(STAMP) system-deps
	bash scripts/run-tests.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run_analysis.py

messages: $(STAMP)
	cd src/trustmirror && ../../$(BIN)/django-admin makemessages -l nl --no-obsolete --ignore="demo/*" --settings=trustmirror.settings && ../../$(BIN)/django-admin compilemessages --settings=trustmirror.settings

clean:
	rm -rf $(VENV) .trustmirror .pytest_cache .ruff_cache
