# Two commands matter: `make run` and `make test`. Both work on a fresh machine
# with nothing but Python 3.11+: they create .venv and install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export REPORTING_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test bootstrap system-deps lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

bootstrap: system-deps $(STAMP)

# Debian packages the product and its tests use (PostgreSQL server, Orthanc,
# dciodvfy, pdftotext, Chromium, sox). Installed only when missing.
system-deps:
	@./scripts/system-deps.sh

run: bootstrap
	$(BIN)/reporting migrate
	$(BIN)/reporting demo --if-empty
	$(BIN)/reporting serve --host 127.0.0.1 --port 8000

test: bootstrap
	$(BIN)/python -m pytest -q --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check reporting tests bench
	$(BIN)/reporting templates lint

clean:
	rm -rf $(VENV) var .pytest_cache
