# The two commands a newcomer types: `make run` and `make test`.
# Both create what they need (.venv, packages, database) and skip what is
# already done, so a second call starts in seconds.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements

.PHONY: run test lint migrate demo-data bench clean

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput

demo-data: migrate
	$(BIN)/python manage.py load_hanoi
	$(BIN)/python manage.py create_demo_users

# The web server, one background worker (embargo releases, webhook
# deliveries) and the sweep of missed jobs, stopped together by Ctrl-C
# (config/devserver.py).
run: demo-data
	@echo "claimdesk on http://127.0.0.1:8000 (admin at /admin/, API at /api/v1/docs/)"
	$(BIN)/python -m config.devserver 127.0.0.1:8000

# axe-core for the accessibility browser tests, from the npm registry at the
# version package-lock.json pins; without npm those tests skip, saying why.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility tests will be skipped"; fi

test: $(INSTALLED) $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The habits CI holds the code to (configured in pyproject.toml): ruff's
# lint and format, mypy with the Django and DRF stubs, and import-linter's
# layers (changelog < sources < claims < the doors; nobody imports config).
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules db.sqlite3 db.sqlite3-* .pytest_cache .hypothesis staticfiles

# Throughput and latency of every endpoint beside two baselines, under
# gunicorn with production settings (bench/run.py; results in bench/results.json).
bench: $(INSTALLED)
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python bench/run.py
