# railgraph — `make run` builds the catalogue, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run serve test test-slow install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[serve,test]"
	touch $(STAMP)

install: $(STAMP)

## Install, then build the catalogue into dist/ and print a summary.
run: $(STAMP)
	$(BIN)/railgraph build

## Serve the built catalogue (run `make run` first) on http://127.0.0.1:8000/.
serve: $(STAMP)
	$(BIN)/railgraph serve

## Install the test extras and run the fast test suite (one worker per core, a test file per worker).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q -n 2 --dist loadfile --durations=15

## The slow suite: packaging (wheel installed offline into a fresh venv) and soak tests.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -q --durations=15

clean:
	rm -rf dist build .pytest_cache
