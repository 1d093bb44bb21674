# Two commands matter: `make render PROFILE=ha` and `make test`. Both bootstrap the virtualenv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= high-availability
SITE ?=
SET ?=
OUT ?= output
TARGETS := high-availability durability throughput low-latency high-availability,throughput

RENDER_ARGS = $(if $(SITE),-f $(SITE)) $(foreach kv,$(SET),--set $(kv)) --out $(OUT)

.PHONY: help venv render render-all check explain test lint clean

help:
	@echo "make render PROFILE=ha [SITE=site.yaml] [SET=\"k=v ...\"]   render one target into $(OUT)/"
	@echo "make render-all                                         render every committed target"
	@echo "make check                                              exit 1 when $(OUT)/ is stale"
	@echo "make test                                               all tests (installs what they need)"
	@echo "make lint                                               ruff + mypy --strict"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

render: $(STAMP)
	$(BIN)/kafka-profiles render $(PROFILE) $(RENDER_ARGS)

render-all: $(STAMP)
	@for t in $(TARGETS); do $(BIN)/kafka-profiles render $$t --out $(OUT) || exit $$?; done

check: $(STAMP)
	$(BIN)/kafka-profiles check --out $(OUT)

explain: $(STAMP)
	$(BIN)/kafka-profiles explain $(PROFILE) $(if $(SITE),-f $(SITE)) $(foreach kv,$(SET),--set $(kv)) $(if $(FORMAT),--format $(FORMAT))

test: $(STAMP)
	@scripts/ensure-java.sh
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check generator tests
	$(BIN)/ruff format --check generator tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
