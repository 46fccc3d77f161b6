# Taizhang 台账看板 — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
# Your own database (what `taizhang load` writes by default): `make serve` shows it, nothing
# here deletes it. The demo lives in its own file, rebuilt by `make run`.
DB     ?= data/taizhang.duckdb
DEMO_DB ?= data/demo.duckdb
PORT   ?= 8501
ROWS   ?= 1000000
# Debian packages the project needs: a browser for the report and the end-to-end tests,
# CJK fonts so Chinese renders, poppler-utils so tests can read the PDF report.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils

# Optional extras to install besides the tests': `make test EXTRAS=test,clickhouse` (CI) adds
# chDB and ibis's ClickHouse backend, and the ClickHouse parity tests then run.
WAREHOUSE ?=
ifneq ($(strip $(WAREHOUSE)),)
EXTRAS ?= test,clickhouse,bench
endif
EXTRAS ?= test,bench
comma := ,
INSTALLED := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: install system-deps demo run serve test test-fast bench bench-hostile screens clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

# Installs the Debian packages when they are missing and we are root (as in CI);
# otherwise says what to run.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; \
	    (apt-get install -y -q $$missing >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null)); \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; \
	  fi; \
	fi

demo: install
	$(BIN)/taizhang --db $(DEMO_DB) demo

# The demo: `serve --demo` says at once when PORT is taken, then rebuilds $(DEMO_DB) and serves it.
run: install system-deps
	$(BIN)/taizhang --db $(DEMO_DB) serve --demo --port $(PORT)

# Your own data ($(DB), or DB=path/to/file.duckdb).
serve: install
	$(BIN)/taizhang --db $(DB) serve --port $(PORT)

test: install system-deps
	$(BIN)/pytest -q

# Everything but the real-browser tests, for a quick loop while coding.
test-fast: install
	$(BIN)/pytest -q -m "not e2e"

# `make bench WAREHOUSE=chdb:///folder ROWS=200000` (or clickhouse://…) measures the overview,
# a street's drill-down and the report on that warehouse beside DuckDB instead
# (benchmarks/warehouse.py; the clickhouse extra is then installed too).
bench: install system-deps
ifeq ($(strip $(WAREHOUSE)),)
	$(PY) benchmarks/bench.py --rows $(ROWS)
	$(PY) benchmarks/hostile.py
else
	$(PY) benchmarks/warehouse.py --rows $(ROWS) --warehouse '$(WAREHOUSE)'
endif

# What hostile ledgers cost: time per million cells of wide sheets, peak memory of bombs.
bench-hostile: install
	$(PY) benchmarks/hostile.py

# A PNG of every dashboard page (desktop and phone, 中文 and English) and of the report's PDF
# and 长图, on the demo, into screens/ (git-ignored): to look at before a release.
screens: install system-deps
	$(PY) benchmarks/screens.py --out screens

# The environment, the demo and test output only: your database ($(DB)) and your reports stay.
clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal data/demo tests/output screens
