# pulumi-wa-webhook — developer tasks. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
# `make dist` and `make sdks`: a venv with the package installed as a user gets it (not
# editable, no dev extras) plus the `dist` extra (PyInstaller, build); reinstalled when the
# package's sources change.
DIST_VENV := .venv-dist
DIST_STAMP := $(DIST_VENV)/.installed
DIST_DIR ?= dist
PACKAGE_SOURCES := $(shell find pulumi_wa_webhook -name '*.py' -o -name py.typed)
# pytest-xdist workers for `make test`: one per core (each Pulumi CLI run keeps a core busy),
# plus one that works while the others' tests wait for a delayed answer
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
# and for `make test-languages`, whose builds (Go, tsc, PyInstaller) keep a core busy each
LANGUAGE_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

# What `make test` runs: all but the other languages and release artifacts (make
# test-languages), the random lifecycle test (make fuzz) and the engine tests that make
# test-compat runs on the oldest and the newest versions.
TEST_MARKERS := not languages and not fuzz and not (compat and engine)

.PHONY: venv dist-venv dist pulumi-cli sdks lint typecheck test test-languages test-compat bench demo mutation fuzz

## venv: create .venv with the package (editable) and its dev extras; no-op when up to date
venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

## pulumi-cli: make sure a Pulumi CLI with its Python, Node.js and Go language hosts and the
## Pulumi YAML language host are available; the last line printed is the CLI's directory
## (tools/pulumi-yaml.sh prints the YAML host's)
pulumi-cli:
	@tools/pulumi-yaml.sh >/dev/null
	@tools/pulumi-cli.sh

## dist-venv: .venv-dist, the package (not editable) and the `dist` extra only
dist-venv: $(DIST_STAMP)

$(DIST_STAMP): pyproject.toml $(PACKAGE_SOURCES)
	@test -x $(DIST_VENV)/bin/python || $(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check '.[dist]'
	$(DIST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
	  --force-reinstall .
	@touch $@

## dist: every release artifact of pyproject.toml's version into dist/ (or DIST_DIR; tools/dist.py):
## wheel, sdist, the frozen plugin archive for this OS/arch, the npm tarball, the Go module,
## the `pulumi new` template, SHA256SUMS
dist: $(DIST_STAMP)
	@dir="$${WA_WEBHOOK_PULUMI_DIR:-$$(tools/pulumi-cli.sh | tail -n 1)}" && PATH="$$dir:$$PATH" \
	  $(DIST_VENV)/bin/python tools/dist.py $(DIST_DIR)

## sdks: the TypeScript, Go and Python SDKs generated from the native plugin's schema with
## `pulumi package gen-sdk`, into sdk/nodejs, sdk/go and sdk/python (git-ignored: sdk/README.md);
## the plugin comes from .venv-dist (no dev extras needed)
sdks: $(DIST_STAMP)
	@dir="$${WA_WEBHOOK_PULUMI_DIR:-$$(tools/pulumi-cli.sh | tail -n 1)}" && PATH="$$dir:$$PATH" \
	  WA_WEBHOOK_PLUGIN="$(CURDIR)/$(DIST_VENV)/bin/pulumi-resource-wa-webhook" tools/gen-sdks.sh

## lint: ruff on everything (package, tests, examples, tools, bench)
lint: venv
	$(VENV)/bin/ruff check .

## typecheck: mypy, strict on the package
typecheck: venv
	$(VENV)/bin/mypy

## test: lint, types, unit tests and the tests that drive the real Pulumi CLI (all but the
## `languages` ones)
test: lint typecheck
	@dir="$$(tools/pulumi-cli.sh | tail -n 1)" && yaml="$$(tools/pulumi-yaml.sh | tail -n 1)" && \
	  WA_WEBHOOK_PULUMI_DIR="$$dir" WA_WEBHOOK_YAML_DIR="$$yaml" PATH="$$dir:$$PATH" \
	  $(PY) -m pytest -m "$(TEST_MARKERS)" -n $(TEST_WORKERS) --dist worksteal

## fuzz: random sequences of program edits, engine operations and changes of the world through
## the real CLI, checking the ownership, secrecy and preview promises after every step
## (tests/fuzz). FUZZ_BUDGET: seconds of new sequences (then a failure is shrunk, up to 5 more
## minutes); FUZZ_SEED: the seed (default: a new one, printed); FUZZ_REPLAY=FILE: run the steps
## a failure printed. The last line: `fuzz: seed=S sequences=N steps=M violations=V`.
FUZZ_BUDGET ?= 600
FUZZ_SEED ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fuzz: venv
	@dir="$$(tools/pulumi-cli.sh | tail -n 1)" && summary="$$(mktemp)" && \
	  WA_WEBHOOK_PULUMI_DIR="$$dir" PATH="$$dir:$$PATH" FUZZ_BUDGET="$(FUZZ_BUDGET)" \
	  FUZZ_REPLAY="$(FUZZ_REPLAY)" FUZZ_EXCLUDE="$(FUZZ_EXCLUDE)" FUZZ_SUMMARY="$$summary" \
	  $(PY) -m pytest -m fuzz tests/fuzz -p no:cacheprovider --hypothesis-seed="$(FUZZ_SEED)" \
	  --hypothesis-show-statistics -o timeout=0; status=$$?; \
	  tail -n 1 "$$summary"; rm -f "$$summary"; exit $$status

## test-languages: TypeScript and Go programs on the generated SDKs through the real engine,
## the SDKs themselves, `pulumi package add`, and the release artifacts of `make dist` used
## outside the clone as the getting-started pages say (Node.js 20+ with npm, and Go; CI runs it)
test-languages: venv $(DIST_STAMP)
	@dir="$$(tools/pulumi-cli.sh | tail -n 1)" && yaml="$$(tools/pulumi-yaml.sh | tail -n 1)" && \
	  WA_WEBHOOK_PULUMI_DIR="$$dir" WA_WEBHOOK_YAML_DIR="$$yaml" PATH="$$dir:$$PATH" \
	  $(PY) -m pytest -m languages -n $(LANGUAGE_WORKERS) --dist worksteal

## test-compat: the built wheel in venvs with the oldest (Python 3.10, every dependency at its
## floor) and the newest (Python 3.13, newest releases) supported versions; real-engine tests
test-compat: venv
	@dir="$$(tools/pulumi-cli.sh | tail -n 1)" && \
	  WA_WEBHOOK_PULUMI_DIR="$$dir" PATH="$$dir:$$PATH" $(PY) tools/compat.py

## bench: engine and API cost of Webhook operations against the emulator (prints a table)
bench: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@dir="$$(tools/pulumi-cli.sh | tail -n 1)" && \
	  WA_WEBHOOK_PULUMI_DIR="$$dir" PATH="$$dir:$$PATH" $(PY) bench/run.py

## mutation: mutmut over the core modules with the fast tests; a table and `mutation: score=...`
mutation: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,mutation]'
	nice -n 15 $(PY) tools/mutation.py

## demo: the dev stack against the local emulator: up, the account's settings, a preview --diff, one delivered message
demo: venv
	@$(PY) tools/demo.py
