# Every target creates the virtual environment on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
FUZZ_STAMP := $(VENV)/.installed-fuzz

.PHONY: demo test test-fast lint docs catalogue bench bench-query bench-reports bench-client bench-reset bench-seed bench-fleet bench-sync bench-emulator clean unasync fuzz

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The benchmarks' extra dependencies (python-quickbooks), on top of the dev ones.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# schemathesis, for make fuzz, on top of the dev dependencies.
$(FUZZ_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,fuzz]'
	touch $(FUZZ_STAMP)

demo: $(STAMP)
	$(BIN)/python -m qbo.cli.demo

# The suite in parallel worker processes (pytest-xdist). Some tests wait on sockets,
# subprocesses and databases rather than compute, so one worker more than the 2 cores pays;
# the count was chosen by measurement (benchmarks/RESULTS.md, "Test suite"). Session
# emulators are built once per worker. loadgroup keeps the tests of one xdist_group on one
# worker, for a module whose shared fixture is too costly to build twice (none is today).
TEST_WORKERS ?= 3
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadgroup

test: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_PARALLEL)

# Everything but the slow tier (kill -9 rounds, chaos, fleet, other clients, browser,
# subprocess and packaging tests): the quick loop while developing. CI runs `make test`.
test-fast: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_PARALLEL) -m "not slow"

# schemathesis against a fresh emulator over loopback, from its OpenAPI description, with a
# fixed seed: no 5xx, and every status, content type and body as described.
fuzz: $(FUZZ_STAMP)
	$(BIN)/python tools/fuzz_api.py

lint: $(STAMP)
	$(BIN)/ruff check src tests tools benchmarks examples
	$(BIN)/ruff format --check src tests tools benchmarks examples
	$(BIN)/mypy
	$(BIN)/lint-imports

# The documentation site, built strictly (a broken link or reference fails the build).
# The CLI reference is generated from the commands' own help first.
docs: $(STAMP)
	$(BIN)/typer qbo.cli.main utils docs --name qbo --title "CLI reference" --output docs/reference/cli.md
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# XSD_DIR: a folder holding Intuit's QuickBooks Online v3 XSD files (or set QBO_XSD_DIR).
catalogue: $(STAMP)
	$(BIN)/python tools/gen_catalogue.py $(XSD_DIR)

# The client's per-entity resources and its sync twin, generated from the async source.
unasync: $(STAMP)
	$(BIN)/python tools/gen_client_resources.py
	$(BIN)/python tools/unasync.py

# Every benchmark script in benchmarks/ in turn (each prints its own table; none is a test).
bench: $(BENCH_STAMP)
	@set -e; for script in $$(ls benchmarks/*.py | grep -v '/_'); do \
		echo "== $$script"; $(BIN)/python $$script; done

bench-query: $(STAMP)
	$(BIN)/python benchmarks/query.py

bench-reports: $(STAMP)
	$(BIN)/python benchmarks/reports.py

# Test companies: a reset restored from a snapshot vs a read by id and a seed.
bench-reset: $(STAMP)
	$(BIN)/python benchmarks/reset.py

# Seeding large:N (default 20,000; N=100000 for the recorded figure) by this tree and by
# another checkout side by side: BASE is a git worktree of the commit to compare with.
BASE ?= /work/wt-seed-base
N ?= 20000
bench-seed: $(STAMP)
	$(BIN)/python benchmarks/seed.py --base $(BASE) --n $(N)

# The sync fleet: 20 realms converging with 1, 2 and 4 worker processes (PostgreSQL).
bench-fleet: $(STAMP)
	$(BIN)/python benchmarks/fleet.py

# The emulator's front door: reads vs a bare Starlette ceiling, creates per realm
# (PostgreSQL and SQLite), then again with uvloop and httptools (the fast extra).
bench-emulator: $(BENCH_STAMP)
	$(BIN)/python benchmarks/emulator.py --fast

bench-client: $(BENCH_STAMP)
	$(BIN)/python benchmarks/client.py

bench-sync: $(BENCH_STAMP)
	$(BIN)/python benchmarks/sync.py

clean:
	rm -rf $(VENV) .qbo .pytest_cache .mypy_cache .ruff_cache
