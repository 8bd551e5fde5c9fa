# Every target installs what it needs: `make test` and `make demo` work on a fresh clone.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
UPSTREAM ?= ../shared/reference/replicate-openapi.json

.PHONY: install generate update-spec check-generated drift lint typecheck pytest test demo bench clean

install: $(STAMP)

$(STAMP): requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

generate: install
	$(PY) scripts/generate.py

update-spec: install
	$(PY) scripts/update_spec.py $(UPSTREAM)

check-generated: install
	$(PY) scripts/generate.py --check
	$(PY) scripts/update_spec.py --check

drift: install
	$(PY) scripts/drift.py $(UPSTREAM)

lint: install
	$(VENV)/bin/ruff check facade scripts tests
	$(VENV)/bin/ruff format --check facade scripts tests

typecheck: install
	$(VENV)/bin/mypy --strict facade/replicate_trainings scripts tests

pytest: install
	$(PY) -m pytest

test: lint typecheck check-generated pytest

# The demo needs only the runtime dependencies (requirements-demo.txt), not the dev tools;
# it imports the package from the checkout.
$(DEMO_STAMP): requirements-demo.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-demo.txt
	touch $@

demo: $(DEMO_STAMP)
	PYTHONPATH=facade:generated $(PY) scripts/demo.py

bench: install
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache

# Try another openapi-python-client: scratch venv, same spec/settings/templates, diff vs generated/.
.PHONY: generator-preview
generator-preview: install
	@test -n "$(GENERATOR_VERSION)" || { echo "usage: make generator-preview GENERATOR_VERSION=x.y.z"; exit 2; }
	$(PY) scripts/generator_preview.py $(GENERATOR_VERSION)
