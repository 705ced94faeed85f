# The IISG Platform's two commands: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PROJECT_ENVIRONMENT := .venv
MANAGE := .venv/bin/python manage.py

.PHONY: run test lint format outdated install install-dev install-bench browser migrate demo bench bench-iati bench-analysis bench-reports bench-workbook bench-learning bench-load bench-startup report-pages screenshots vendor-axe vendor-fonts

# uv, pinned, in its own small environment so it never manages itself away.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON) --quiet

install-dev: $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet

# The benchmarks' own packages (locust, pypdfium2: the group "bench") on top of the dev ones.
install-bench: $(UV)
	$(UV) sync --frozen --group bench --python $(PYTHON) --quiet

migrate: install
	$(MANAGE) migrate --no-input -v 0

demo: migrate
	$(MANAGE) load_demo

# The job worker (IATI imports, reports, the matcher) runs beside gunicorn, is started again
# whenever it dies, and stops with gunicorn: on SIGTERM it stops within 10 s (JOB_STOP_SECONDS) and
# the job it was running is marked failed, nothing of it kept; a job of a worker that died is marked
# failed by the next one once its lease expires. Once a day, from the start, the deadline reminders
# and the notification digests are sent and the data-quality check is queued (the job worker mails
# and checks; cron does it in production).
# gunicorn loads and warms the application before it opens the port (gunicorn.conf.py); the job
# worker and the daily mail start, and the address is printed, once /healthz answers: they would
# otherwise take the cores from that loading, and the first page asked for is served at once.
SERVING = until curl -s -o /dev/null --max-time 2 http://$(HOST):$(PORT)/healthz; do sleep 0.2; done
run: demo
	@( trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null; exit 0' TERM; $(SERVING); \
	  while true; do $(MANAGE) job_worker & worker=$$!; wait $$worker; \
	    echo "The job worker stopped; starting it again in 2 s." >&2; sleep 2; done ) & supervisor=$$!; \
	( trap 'kill $$nap 2>/dev/null; exit 0' TERM; $(SERVING); \
	  while true; do $(MANAGE) send_reminders; $(MANAGE) send_digest; $(MANAGE) data_quality --queue; sleep 86400 & nap=$$!; wait $$nap; done ) & daily=$$!; \
	( $(SERVING); echo "IISG Platform: http://$(HOST):$(PORT)/  (back office: http://$(HOST):$(PORT)/admin/)" ) & announce=$$!; \
	  trap 'kill $$supervisor $$daily $$announce 2>/dev/null; wait $$supervisor $$daily $$announce 2>/dev/null' EXIT; \
	  .venv/bin/gunicorn iisg.wsgi --bind $(HOST):$(PORT) --workers 2 --error-logfile -

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium (apt-get install chromium) to run the browser tests." >&2; exit 1; fi; \
	fi

# Both cores: one pytest-xdist worker each, a test file wholly on one worker (the demo a module
# shares is put back once, and a module's tests keep their order). PYTEST_ARGS adds to the command
# (a second database's run: PYTEST_ARGS="-m 'not same_on_every_database'").
test: install-dev browser
	.venv/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# The direct dependencies with a newer release; fails when Django has a newer patch release of its
# series, i.e. security fixes not taken yet (.ci/outdated.py). Asks the package index.
outdated: $(UV)
	$(PYTHON) .ci/outdated.py

format: install-dev
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# Benchmarks (bench/): every script on SQLite and PostgreSQL, demo and 10x scale. Each run also
# writes its figures as one JSON object under $(BENCH_OUT), <script>-<database>.json (each key by
# database: {"sqlite": ...}), for whatever checks the goals.
BENCH_OUT ?= var/bench
bench: install-bench
	.venv/bin/python bench/foundation.py --database sqlite --json $(BENCH_OUT)/foundation-sqlite.json
	.venv/bin/python bench/foundation.py --database postgres --json $(BENCH_OUT)/foundation-postgres.json
	.venv/bin/python bench/events.py --database sqlite --json $(BENCH_OUT)/events-sqlite.json
	.venv/bin/python bench/events.py --database postgres --json $(BENCH_OUT)/events-postgres.json
	$(MAKE) bench-iati
	$(MAKE) bench-analysis
	$(MAKE) bench-reports
	$(MAKE) bench-workbook
	$(MAKE) bench-learning
	$(MAKE) bench-startup
	$(MAKE) bench-load

# The IATI import of generated files: 10,000 activities three times, 100,000 once (about 10 minutes
# per database on two cores).
bench-iati: install-bench
	.venv/bin/python bench/iati.py --database sqlite --counts 10000 --repeat 3 --json $(BENCH_OUT)/iati-sqlite-10000.json
	.venv/bin/python bench/iati.py --database sqlite --counts 100000 --repeat 1 --json $(BENCH_OUT)/iati-sqlite.json
	.venv/bin/python bench/iati.py --database postgres --counts 10000 --repeat 3 --json $(BENCH_OUT)/iati-postgres-10000.json
	.venv/bin/python bench/iati.py --database postgres --counts 100000 --repeat 1 --json $(BENCH_OUT)/iati-postgres.json

# The support mapping: dashboard, gaps list and matcher at the demo's size and at 5,000 needs x
# 100,000 actions, five runs each (about two minutes per database).
bench-analysis: install-bench
	.venv/bin/python bench/analysis.py --database sqlite --json $(BENCH_OUT)/analysis-sqlite.json
	.venv/bin/python bench/analysis.py --database postgres --json $(BENCH_OUT)/analysis-postgres.json

# The reports for the Board: content and each format at the demo's size and at 10x (a few minutes).
bench-reports: install-bench
	.venv/bin/python bench/reports.py --database sqlite --json $(BENCH_OUT)/reports-sqlite.json
	.venv/bin/python bench/reports.py --database postgres --json $(BENCH_OUT)/reports-postgres.json

# What the database learns (issue 22): the DAC sector suggestions, one shared IATI file held out at a
# time (no database; about 5 minutes), and the matcher before and after learning, one partner held
# out at a time on the demo (about 2 minutes per database).
bench-learning: install-bench
	.venv/bin/python bench/sectors.py --json $(BENCH_OUT)/sectors.json
	.venv/bin/python bench/matcher.py --database sqlite --json $(BENCH_OUT)/matcher-sqlite.json
	.venv/bin/python bench/matcher.py --database postgres --json $(BENCH_OUT)/matcher-postgres.json

# The workbooks: validating and applying 5,000 needs and 5,000 actions, three runs each.
bench-workbook: install-bench
	.venv/bin/python bench/workbook.py --database sqlite --json $(BENCH_OUT)/workbook-sqlite.json
	.venv/bin/python bench/workbook.py --database postgres --json $(BENCH_OUT)/workbook-postgres.json

# The load test: 50 people browsing and 5 editing for 2 minutes against gunicorn on 127.0.0.1, with
# the demo data, on SQLite and on PostgreSQL (about 10 minutes). LOAD_DURATION=20s for a smoke run,
# LOAD_DATABASES=sqlite (or postgres) for one engine. Results under var/bench/load/.
LOAD_DURATION ?= 2m
LOAD_DATABASES ?= sqlite,postgres
bench-load: install-bench
	.venv/bin/python bench/load.py --databases $(LOAD_DATABASES) --duration $(LOAD_DURATION) --json $(BENCH_OUT)/load.json

# The first requests of a fresh web worker, loaded and warmed as gunicorn serves it, with the URLs
# prepared on load, and plain (baseline); and of gunicorn as `make run` starts it, with and without
# gunicorn.conf.py (about 20 minutes on a busy machine).
bench-startup: install-bench
	.venv/bin/python bench/startup.py --repeat 5 --json $(BENCH_OUT)/startup-sqlite.json

# The first two pages of each report's PDF, from the demo, as PNG under var/report-pages/.
report-pages: install-bench
	.venv/bin/python bench/reports.py --scales demo --repeat 1 --pages var/report-pages

# PNGs of every page type, desktop and phone, under var/screenshots/ (served from the demo).
SHOT_PORT ?= 8799
screenshots: install-dev browser demo
	@.venv/bin/gunicorn iisg.wsgi --bind 127.0.0.1:$(SHOT_PORT) --workers 2 --daemon --pid var/screenshots.pid
	@for i in $$(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:$(SHOT_PORT)/ && break; sleep 0.2; done
	.venv/bin/python bench/screenshots.py http://127.0.0.1:$(SHOT_PORT) --out var/screenshots; status=$$?; \
	  kill $$(cat var/screenshots.pid); rm -f var/screenshots.pid; exit $$status

AXE_VERSION := 4.14.1
vendor-axe:
	cd $$(mktemp -d) && npm pack --silent axe-core@$(AXE_VERSION) && tar xzf axe-core-$(AXE_VERSION).tgz \
	  && cp package/axe.min.js $(CURDIR)/iisg/core/tests/vendor/axe.min.js \
	  && cp package/LICENSE $(CURDIR)/iisg/core/tests/vendor/axe-core.LICENSE

# The reports' fonts (iisg/reports/static/reports/fonts/, loaded by reports/fonts.css): Noto Sans for
# Latin, Greek and Cyrillic, and Noto Sans SC cut to GB2312's characters (2.4 MB a weight instead of
# 10.5 MB). TrueType, not WOFF2: WeasyPrint reads TrueType as it is, WOFF2 it would decompress for
# every PDF, and only with brotli installed.
NOTO_SANS_VERSION := 0.4.2
NOTO_SANS_SC_VERSION := 0.4.3
FONTS := $(CURDIR)/iisg/reports/static/reports/fonts
vendor-fonts: install
	cd $$(mktemp -d) && npm pack --silent @expo-google-fonts/noto-sans@$(NOTO_SANS_VERSION) \
	    @expo-google-fonts/noto-sans-sc@$(NOTO_SANS_SC_VERSION) \
	  && mkdir sans sc && tar xzf expo-google-fonts-noto-sans-$(NOTO_SANS_VERSION).tgz -C sans \
	  && tar xzf expo-google-fonts-noto-sans-sc-$(NOTO_SANS_SC_VERSION).tgz -C sc \
	  && cp sans/package/400Regular/NotoSans_400Regular.ttf $(FONTS)/NotoSans-Regular.ttf \
	  && cp sans/package/700Bold/NotoSans_700Bold.ttf $(FONTS)/NotoSans-Bold.ttf \
	  && cp sans/package/400Regular_Italic/NotoSans_400Regular_Italic.ttf $(FONTS)/NotoSans-Italic.ttf \
	  && cp sans/package/LICENSE_FONT $(FONTS)/NotoSans-OFL.txt \
	  && cp sc/package/LICENSE_FONT $(FONTS)/NotoSansSC-OFL.txt \
	  && $(CURDIR)/.venv/bin/python -c "import sys; sys.stdout.write(''.join(bytes([a, b]).decode('gb2312', 'ignore') \
	    for a in range(0xa1, 0xf8) for b in range(0xa1, 0xff)))" > gb2312.txt \
	  && for weight in 400Regular:Regular 700Bold:Bold; do \
	    $(CURDIR)/.venv/bin/pyftsubset sc/package/$${weight%:*}/NotoSansSC_$${weight%:*}.ttf --text-file=gb2312.txt \
	      --unicodes="U+0020-007E,U+00A0-024F,U+0370-03FF,U+0400-04FF,U+2000-206F,U+3000-303F,U+FF00-FFEF" \
	      --layout-features='*' --output-file=$(FONTS)/NotoSansSC-$${weight#*:}.ttf || exit 1; done
