# Kinesis -> Lambda stream processing: build, test, run locally.
# `make help` lists the targets. Every target sets up .venv on first use.

PYTHON := .venv/bin/python
TF     := scripts/terraform
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help venv build check lock lock-dev test test-unit lint compat fmt docs docs-check checkov \
        demo up down send status wait redrive plan plan-check size bench release-archive clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

venv: ## Create .venv (Python 3.12, locked dev tools); no-op when up to date
	@scripts/bootstrap

build: venv ## Build every Lambda zip and layer into dist/ + dist/manifest.json
	$(PYTHON) build.py build $(ARGS)

check: venv ## Check that dist/ is built from the current sources and within the AWS limits
	$(PYTHON) build.py check $(ARGS)

lock: venv ## Re-lock functions/*/ and layers/*/ requirements.txt (pip-compile --generate-hashes)
	$(PYTHON) build.py lock $(ARGS)

lock-dev: venv ## Re-lock requirements/dev.txt
	.venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host -o requirements/dev.txt requirements/dev.in

# Four pytest-xdist workers on two cores: the root stack and the module examples mostly wait on the
# provider's fixed waiters, so the four slowest folders run side by side from the start;
# tests/conftest.py runs each folder on one worker.
test: venv lint ## Run every test: tests/unit, tests/terraform, tests/integration
	$(PYTHON) -m pytest -n 4 $(ARGS)

test-unit: venv ## The fast tier a contributor runs on every change (no emulator, no apply; < 60 s)
	$(PYTHON) -m pytest tests/unit $(ARGS)

lint: venv ## ruff, mypy --strict over tools/, terraform fmt -check and the interface-compatibility gate
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy
	$(TF) fmt -check -recursive -diff
	$(PYTHON) -m release compat

compat: venv ## Compare every module's interface with the last release tag; fail when VERSION is not bumped enough
	$(PYTHON) -m release compat

fmt: venv ## Format Terraform and fix ruff findings
	$(TF) fmt -recursive
	$(PYTHON) -m ruff check --fix .

docs: venv ## Regenerate the inputs/outputs tables of every module README
	$(PYTHON) -m terraform_tools.module_docs

docs-check: venv ## Fail when a module README is stale or its HCL examples call a module wrongly
	$(PYTHON) -m terraform_tools.module_docs --check
	$(PYTHON) -m terraform_tools.readme_examples

checkov: venv ## Security scan of all Terraform (zero failed checks)
	scripts/checkov

demo: venv ## Run the whole pipeline locally end to end, print a summary, tear down
	$(PYTHON) -m local_stack demo $(ARGS)

up: venv ## Start the local stack and keep it running (emulator, PostgreSQL, apply)
	$(PYTHON) -m local_stack up $(ARGS)

down: venv ## Stop the local stack started by `make up`
	$(PYTHON) -m local_stack down $(ARGS)

send: venv ## Send clickstream traffic into the running local stack
	$(PYTHON) -m local_stack send $(ARGS)

status: venv ## Lag per shard and function, mappings, DLQ depth, alarms: AWS or the local stack (ARGS="--json --region R")
	$(PYTHON) -m operations.status $(ARGS)

wait: venv ## Wait until the running stack has processed everything sent so far (ARGS="--timeout 60")
	$(PYTHON) -m local_stack wait $(ARGS)

redrive: venv ## Put the DLQ's records the current rules accept back into their stream (ARGS="--dry-run")
	$(PYTHON) -m operations.redrive $(ARGS)

plan: venv ## terraform plan -out + show -json (AWS, or the local stack when it is up; ARGS="--backend-config F": the S3 state)
	$(PYTHON) -m plan_check.make_plan $(ARGS)

plan-check: venv ## Check build/plan/data-loss/concurrency/network/alarm rules over plan.json
	$(PYTHON) -m plan_check build/plan.json --manifest dist/manifest.json $(ARGS)

size: venv ## Size a pipeline: measure the built function (or --measurements F), then shards, memory, batch size, cost (ARGS="--peak-records-per-second N --record-bytes B --lag-seconds S"; ARGS="validate ..." checks the model)
	$(PYTHON) -m sizing $(ARGS)

bench: venv ## Run the benchmarks under bench/
	$(PYTHON) bench/run_all.py $(ARGS)

release-archive: venv ## Build build/release/<package>-<VERSION>.tar.gz (+ .sha256): what a registry serves
	$(PYTHON) -m release archive

# dist/ through build.py (which waits for a build in progress) whenever .venv exists to run it.
clean: ## Remove build output and local state (keeps .venv and caches)
	@if [ -x $(PYTHON) ]; then $(PYTHON) build.py clean; else rm -rf dist; fi
	rm -rf build .pytest_cache
