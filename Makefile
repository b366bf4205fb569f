# Every target creates/reuses .venv and installs the project into it (editable, with extras).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-large lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,bench,deploy]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m wjcrawl.demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

# bench plus the 100,000-article crawl and export (memory and export throughput); about 15 minutes more.
bench-large: $(STAMP)
	BENCH_LARGE=1 $(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build *.egg-info wjcrawl.db wjcrawl.db-* articles.jsonl .pytest_cache
