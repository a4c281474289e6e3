# actlab: `make demo` (install + the main job) and `make test` (install + all tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= demo-out

.PHONY: demo test install install-dev lint bench bench-mlp bench-compare docs clean fashion-mnist

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

demo: install
	$(BIN)/actlab list
	mkdir -p $(OUT)
	$(BIN)/actlab plot sigmoid tanh relu elu swish gelu --derivatives -o $(OUT)/activations.png
	@echo "plot written to $(OUT)/activations.png"
	$(BIN)/actlab compare --data moons --out $(OUT)/compare

test: install-dev fashion-mnist
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

FASHION_MNIST := /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz

# Fashion-MNIST is Debian's dataset-fashion-mnist (31 MB), fetched only where it is missing
# and apt-get exists; elsewhere its tests are skipped and actlab.data says how to get it.
fashion-mnist:
	@if [ ! -f $(FASHION_MNIST) ] && command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  ( $$SUDO apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist ) || \
	  echo "warning: could not install dataset-fashion-mnist; its tests will be skipped"; \
	fi

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

docs: install
	$(BIN)/python -m actlab.docs > docs/activations.md

bench: install-dev
	$(BIN)/python benchmarks/bench_kernels.py

bench-mlp: install-dev
	$(BIN)/python benchmarks/bench_mlp.py

bench-compare: install-dev
	$(BIN)/python benchmarks/bench_compare.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
