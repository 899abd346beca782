# Two commands do everything on a fresh machine: `make tour` and `make test`.
# Each creates .venv and makes sure RabbitMQ answers first. RABBITMQ names the
# brokers (tests/broker.py): `make test` runs on the system broker and on
# RabbitMQ 4.3, `make test RABBITMQ=system` on yours only; `make tour` runs on
# the system broker, `make tour RABBITMQ=4.3` on 4.3.
PYTHON ?= python3
RABBITMQ ?=
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: tour test lint broker docs transcripts images bench bench-docs clean

tour: $(VENV)/installed
	RABBITMQ="$(RABBITMQ)" $(PY) tests/tour.py

test: lint
	$(PY) tests/run.py $(RABBITMQ)

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .

# What each pattern costs against bare pika, on both brokers; changes no file.
# bench-docs also writes docs/bench/, the figures the costs page shows.
bench: $(VENV)/installed
	$(PY) tests/bench.py

bench-docs: $(VENV)/installed
	$(PY) tests/bench.py --docs

# The rendered tutorial, strict: any warning fails the build.
docs: $(VENV)/installed
	$(VENV)/bin/sphinx-build -E -W --keep-going -q docs docs/_build/html
	@echo "open docs/_build/html/index.html"

# The terminal output the docs show, from real runs of every pattern.
transcripts: $(VENV)/installed
	$(PY) tests/broker.py system 4.3
	rm -rf docs/transcripts
	$(PY) tests/transcripts.py

# The diagrams, from their Graphviz sources (Debian package graphviz): SVG for
# the docs, PNG for README.rst, which code hosts render.
DIAGRAMS := $(wildcard images/*.dot)
images: $(DIAGRAMS:.dot=.svg) $(DIAGRAMS:.dot=.png)

images/%.svg: images/%.dot
	dot -Tsvg $< -o $@

images/%.png: images/%.dot
	dot -Tpng -Gdpi=110 $< -o $@

broker: $(VENV)/installed
	$(PY) tests/broker.py $(or $(RABBITMQ),system 4.3)

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV) || { echo "Python's venv is missing: sudo apt-get install python3-venv"; exit 1; }
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

clean:
	rm -rf $(VENV) docs/_build .pytest_cache tests/.pytest_cache .ruff_cache
