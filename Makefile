# mention-fleet: every command sets up what it needs (virtual environments, local stack).
VENV   := .venv
PY     := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venvs run test unit system lint package tf-check bench reliability soak clean

help:
	@echo "make run          set up, run the whole fleet locally on generated data, print a summary"
	@echo "make test         set up and run lint, unit, system and Terraform checks"
	@echo "make package      build dist/fanout.zip and dist/scorer.zip for deployment"
	@echo "make tf-check     terraform fmt, structural tests and checkov over infra/terraform"
	@echo "make bench        benchmarks (results in BENCHMARKS.md)"
	@echo "make reliability  fault scenarios (results in docs/reliability.md)"
	@echo "make soak         the fault scenarios' heavy variant, ~100k events (docs/reliability-soak.md)"

venvs:
	@bash scripts/setup-venvs.sh

run: venvs
	$(VENV)/bin/mentionfleet run

test: venvs lint unit system tf-check

lint: venvs
	$(VENV)/bin/ruff check shared functions tests bench scripts
	$(VENV)/bin/mypy
	@# Both functions are a `main` module: checked one at a time.
	$(VENV)/bin/mypy functions/fanout/main.py
	$(VENV)/bin/mypy functions/scorer/main.py

unit: venvs
	$(PY) -m pytest tests/unit -q

system: venvs
	$(PY) -m pytest tests/system -q
	@# Its own process: the fault scenarios run their own stack and environment.
	$(PY) -m pytest tests/reliability -q -m "not soak"

package: venvs
	$(PY) scripts/package.py

tf-check:
	@bash scripts/tf-check.sh

bench: venvs
	$(PY) -m bench

reliability: venvs
	MENTIONFLEET_RELIABILITY_REPORT=docs/reliability.md $(PY) -m pytest tests/reliability -q -m "not soak"

soak: venvs
	MENTIONFLEET_RELIABILITY_REPORT=docs/reliability-soak.md $(PY) -m pytest tests/reliability -q -m soak

clean:
	rm -rf dist build .localstack .pytest_cache .mypy_cache .ruff_cache
