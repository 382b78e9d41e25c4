# picker-kiosk: `make demo` and `make test` each set up a venv from nothing.
# `make demo` installs only the runtime dependencies; `make test` adds the test tools (pyproject's [test]).
# One venv per interpreter: e.g. `make test PYTHON=python3.13 VENV=.venv-3.13`.
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
HASH    := $(shell cksum < pyproject.toml | cut -d' ' -f1)
RUNTIME := $(VENV)/.runtime-$(HASH)
DEV     := $(VENV)/.dev-$(HASH)

.PHONY: demo test lint typecheck bench install-service clean

$(RUNTIME): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.runtime-*
	@touch $@

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.dev-*
	@touch $@

demo: $(RUNTIME)
	$(BIN)/picker-kiosk demo

test: $(DEV)
	$(BIN)/ruff check $(wildcard core device tests bench)
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(DEV)
	$(BIN)/ruff check $(wildcard core device tests bench)
	$(BIN)/ruff format --check $(wildcard core device tests bench)

typecheck: $(DEV)
	$(BIN)/mypy

bench: $(DEV)
	$(BIN)/python -m bench

install-service:
	sudo_or_root() { if [ "$$(id -u)" = 0 ]; then "$$@"; else sudo "$$@"; fi; }; \
	sudo_or_root ./systemd/install.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
