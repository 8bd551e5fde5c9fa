# Every target installs what it needs: `make test` and `make demo` work on a fresh clone.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
# The followed upstream spec, kept in the repo; a new one: make update-spec UPSTREAM=new.json
UPSTREAM ?= upstream/replicate-openapi.json
# Breaking upstream changes accepted for the next major version: ACCEPT="<id> <id>"
ACCEPT ?=

.PHONY: install generate update-spec check-generated drift lint typecheck pytest test demo bench clean \
	api-check api-snapshot release-check docs

install: $(STAMP)

$(STAMP): requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

generate: install
	$(PY) scripts/generate.py

update-spec: install
	$(PY) scripts/update_spec.py $(UPSTREAM) $(addprefix --accept ,$(ACCEPT))

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

# The public API against the last release's snapshot (api/public-api.json).
api-check: install
	$(PY) scripts/api_check.py check

# Re-take the snapshot at the current version: the last step of cutting a release.
api-snapshot: install
	$(PY) scripts/api_check.py snapshot

# The version, the CHANGELOG and the snapshot agree.
release-check: install
	$(PY) scripts/api_check.py release

# The docs site (mkdocs.yml) in strict mode, into site/: a broken link fails, and so does a
# public name without a docstring (scripts/docs_check.py; docs/undocumented.txt allows some).
# Not --quiet: it hides the warnings that --strict counts, and then nothing fails.
docs: install
	$(PY) scripts/docs_check.py
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

test: lint typecheck check-generated api-check release-check docs pytest

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
	rm -rf $(VENV) build dist site .mypy_cache .ruff_cache

# Try another openapi-python-client: scratch venv, same spec/settings/templates, diff vs generated/.
.PHONY: generator-preview
generator-preview: install
	@test -n "$(GENERATOR_VERSION)" || { echo "usage: make generator-preview GENERATOR_VERSION=x.y.z"; exit 2; }
	$(PY) scripts/generator_preview.py $(GENERATOR_VERSION)
