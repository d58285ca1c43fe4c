# Practicum: the front door. `make help` lists the targets.
#
#   make run    set up everything, start the stack, run a demo practice session
#   make test   lint, type-check, proto drift and chart checks, unit and integration tests
#   make down   stop everything

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STACK := infra/scripts/stack.sh
SERVICES := infra/scripts/services.sh

SCENARIO ?= veteran-suicidal-thoughts-firearm
TURNS ?= infra/demo/trainee-lines.txt
DATA ?= ../shared/data/annomi/annomi-dev-full.csv
OUT ?= .run/grader-eval.json
GROUP_BY ?= transcript

.PHONY: help
help: ## this list
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# --- set-up ---------------------------------------------------------------------------
.PHONY: setup
setup: ## install everything missing: Python env, PostgreSQL, Redis, Kafka, the local LLM
	@infra/scripts/bootstrap-python.sh
	@infra/scripts/install-system.sh
	@infra/scripts/install-kafka.sh
	@infra/scripts/install-llm.sh

# --- running --------------------------------------------------------------------------
.PHONY: run
run: setup up demo ## set up, start the whole stack, run a demo practice session end to end

.PHONY: up
up: ## start infrastructure and the four services (after `make setup`)
	@$(STACK) up
	@$(SERVICES) up

.PHONY: demo
demo: ## a scripted trainee talks to a simulated client through the partner API
	@$(PY) infra/demo/demo.py --scenario $(SCENARIO) --turns $(TURNS)

.PHONY: down
down: ## stop the services and the infrastructure (data is kept; `make reset` deletes it)
	@$(SERVICES) down
	@$(STACK) down

.PHONY: reset
reset: down ## stop everything and delete local data (.run)
	@$(STACK) reset

.PHONY: status
status: ## what is running, where, whether it is healthy, each consumer group's lag; fails if anything is down
	@rc=0; \
	$(STACK) status || rc=$$?; \
	$(SERVICES) status || rc=$$?; \
	echo; $(PY) -m practicum_common.consumer_lag 2>/dev/null || { echo "consumer lag: Kafka is not running"; rc=3; }; \
	exit $$rc

.PHONY: logs
logs: ## follow the logs of all services (SERVICE=name for one)
	@$(SERVICES) logs $(SERVICE)

# --- tests ----------------------------------------------------------------------------
.PHONY: test
test: setup lint typecheck proto-check scenarios-check helm-lint unit integration ## everything CI runs

.PHONY: lint
lint: ## ruff lint and format check
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

.PHONY: format
format: ## apply ruff formatting and safe fixes
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

.PHONY: typecheck
typecheck: ## mypy (strict) over every service and the shared libraries
	@$(VENV)/bin/mypy services/common/src services/session/src services/simulation/src services/grading/src services/analytics/src \
	  tests conftest.py load-tests infra/demo

.PHONY: unit
unit: ## unit tests (no infrastructure)
	@$(PY) -m pytest -q -m "not integration" services

.PHONY: integration
integration: ## integration tests against the real stack (started and stopped by the tests)
	@$(PY) -m pytest -q -m integration tests services

.PHONY: red-team
red-team: ## the red-team suite through the guard against the local model; prints the in-role rate
	@$(PY) -m pytest -q -s -m integration tests/test_simulation.py -k red_team

# --- contracts ------------------------------------------------------------------------
.PHONY: proto
proto: ## regenerate Python code from protos/
	@protos/generate.sh

.PHONY: proto-check
proto-check: ## fail when the generated protobuf code differs from protos/
	@tmp=$$(mktemp -d) && protos/generate.sh "$$tmp" && \
	  if diff -r -q -x __pycache__ "$$tmp/practicum_protos" services/common/src/practicum_protos; then \
	    echo "protobuf code is up to date"; rm -rf "$$tmp"; \
	  else echo "generated protobuf code drifted from protos/: run 'make proto' and commit"; rm -rf "$$tmp"; exit 1; fi

# --- grading engine -------------------------------------------------------------------
.PHONY: train-grader
train-grader: ## retrain the turn coder from AnnoMI (seeded; rewrites the committed model)
	@$(PY) -m practicum_coder train --data "$(DATA)"

.PHONY: grader-cv
grader-cv: ## grouped 5-fold cross-validation report (GROUP_BY=transcript, or topic: stricter; AUDIT_BY=column: per-group audit)
	@$(PY) -m practicum_coder cv --data "$(DATA)" --group-by "$(GROUP_BY)" --out .run/grader-cv-$(GROUP_BY).json $(if $(AUDIT_BY),--audit-by "$(AUDIT_BY)")

.PHONY: grader-eval
grader-eval: ## evaluate the committed coder on DATA (CSV with AnnoMI columns), write OUT; AUDIT_BY=column: per-group audit
	@$(PY) -m practicum_coder eval --data "$(DATA)" --out "$(OUT)" $(if $(AUDIT_BY),--audit-by "$(AUDIT_BY)")

.PHONY: analyst-events
analyst-events: ## print the de-identified analyst stream as JSON lines (SESSION=id for one session, TRAINEE=pseudonym for one trainee)
	@$(PY) -m practicum_analytics analyst-events --from-beginning --idle-exit-s 5 $(if $(SESSION),--session "$(SESSION)") $(if $(TRAINEE),--trainee "$(TRAINEE)")

.PHONY: grader-code
grader-code: ## code JSONL from stdin to stdout
	@$(PY) -m practicum_coder code

.PHONY: bench-grader
bench-grader: ## coder throughput and latency on one core
	@$(PY) -m practicum_coder bench

# --- simulation engine ----------------------------------------------------------------
.PHONY: scenarios-check
scenarios-check: ## validate every scenario file and print a table
	@$(PY) -m practicum_simulation scenarios-check

.PHONY: simulate
simulate: ## a scripted conversation via the simulation service: SCENARIO=id TURNS=file
	@$(PY) -m practicum_simulation simulate --scenario $(SCENARIO) --turns $(TURNS)

.PHONY: bench-grading
bench-grading: ## grading tier end to end on the running stack (`make up`): capacity and delay per turn
	@$(PY) load-tests/bench_grading.py

.PHONY: bench-routing
bench-routing: ## affinity vs round-robin routing over two local llama.cpp replicas
	@$(PY) load-tests/bench_routing.py

.PHONY: bench-cohorts
bench-cohorts: ## cohort reads for a 1,000-member cohort on the running stack (`make up`), against a baseline read
	@$(PY) load-tests/bench_cohorts.py

.PHONY: bench-fairness
bench-fairness: ## one organisation's surge vs another's trainees: fair admission vs one FIFO queue
	@$(PY) load-tests/bench_fairness.py

# --- operations -----------------------------------------------------------------------
.PHONY: helm-lint
helm-lint: ## lint, render and check the chart: API types, policies, alert-rule tests (builds helm, promtool on first use)
	@charts/lint.sh

.PHONY: load-test
load-test: ## Locust: many concurrent trainees against the local stack (figures printed)
	@load-tests/run.sh
