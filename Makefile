# Developer commands. The README's first lines are the two that matter on a fresh machine.
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install test lint typecheck bench docs
install:
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[dev]'
test:
	$(BIN)/pytest
lint:
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
typecheck:
	$(BIN)/mypy
bench:
	$(BIN)/python bench/run.py
docs:
	$(BIN)/python scripts/gen_readme.py
