# actlab: `make demo` (install + the main job) and `make test` (install + all tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= demo-out

.PHONY: demo test install install-dev lint bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

demo: install
	$(BIN)/actlab list
	$(BIN)/actlab show gelu
	mkdir -p $(OUT)
	$(BIN)/actlab plot sigmoid tanh relu elu swish gelu --derivatives -o $(OUT)/activations.png
	@echo "plot written to $(OUT)/activations.png"

test: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

docs: install
	$(BIN)/python -m actlab.docs > docs/activations.md

bench: install-dev
	$(BIN)/python benchmarks/bench_kernels.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
