# Loomworks: `make run` starts the app, `make test` runs the suite, `make lint` checks style.
# The first use creates .venv and installs the pinned lock (requirements.lock).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint format messages docs bench load install lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/loomworks run $(ARGS)

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Translations: re-extract every marked string (templates and Python, not the
# tests) into the French, Portuguese and Hindi catalogues under src/loomworks/locale/,
# then compile them. Both the .po and the .mo files are committed, so running
# the app needs no gettext tools; this target does (Debian's `gettext`).
MESSAGES_ENV := DJANGO_SETTINGS_MODULE=loomworks.settings SECRET_KEY=make-messages \
	LOOMWORKS_VAR_DIR=$(CURDIR)/var
messages: $(STAMP)
	cd src/loomworks && $(MESSAGES_ENV) $(CURDIR)/$(BIN)/django-admin makemessages \
		--locale fr --locale pt --locale hi --no-obsolete --ignore 'tests/*' --ignore '.venv/*' --ignore 'static/*'
	cd src/loomworks && $(MESSAGES_ENV) $(CURDIR)/$(BIN)/django-admin compilemessages \
		--locale fr --locale pt --locale hi

# The documentation site (docs/, mkdocs.yml) into site/. --strict turns every
# warning (a broken link or anchor, a page missing from the nav) into a failure.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

# Scale benchmarks on the machine's PostgreSQL (BENCH_DATABASE_URL, default
# lw_bench) and Redis (BENCH_REDIS_URL, default db 13): for each size, generate
# the data, time the admin API against raw SQL, measure worker throughput.
BENCH_SIZES ?= 10k,100k,1M
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench --sizes $(BENCH_SIZES)

# 50 users for 2 minutes against gunicorn (4 workers) + 2 Celery workers on the
# benchmark database; then checks that no run completion was lost or doubled.
load: $(STAMP)
	$(BIN)/python -m benchmarks.load $(LOAD_ARGS)

# Re-pin the lock after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --extra docs --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var site
