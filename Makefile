# Two commands do everything on a fresh machine: `make tour` and `make test`.
# Each creates .venv and makes sure RabbitMQ answers first. RABBITMQ names the
# brokers (tests/tools/broker.py): `make test` runs on the system broker, on
# RabbitMQ 4.3 and on a three-node 4.3 cluster (its tests only), and the
# scripts' tests on every Python and pika it knows (tests/tools/run.py);
# `make test RABBITMQ=system` on yours only (RABBITMQCTL: how to reach its
# rabbitmqctl without root); `make test RABBITMQ=noroot` runs that as a user
# without root, created for it; `make tour` runs on
# the system broker, `make tour RABBITMQ=4.3` on 4.3.
PYTHON ?= python3
RABBITMQ ?=
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: tour test lint broker cluster cluster-stop cluster-kill cluster-status \
	docs transcripts transcripts-cluster pictures images bench \
	bench-docs clean

tour: $(VENV)/installed
	RABBITMQ="$(RABBITMQ)" $(PY) tests/tools/tour.py

test: lint
	$(PY) tests/tools/run.py $(RABBITMQ)

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .

# What each pattern costs against bare pika, on both brokers; changes no file.
# bench-docs also writes docs/bench/, the figures the costs page shows.
bench: $(VENV)/installed
	$(PY) tests/tools/bench.py

bench-docs: $(VENV)/installed
	$(PY) tests/tools/bench.py --docs

# The rendered tutorial, strict: any warning fails the build.
docs: $(VENV)/installed
	$(VENV)/bin/sphinx-build -E -W --keep-going -q docs docs/_build/html
	@echo "open docs/_build/html/index.html"

# The terminal output the docs show, from real runs of every pattern.
transcripts: $(VENV)/installed
	$(PY) tests/tools/broker.py system 4.3
	rm -rf docs/transcripts
	$(PY) tests/tools/transcripts.py
	$(PY) tests/tools/pictures.py

# The management UI as each pattern's run leaves it, on the 4.3 node with the
# plugin on port 15673 meanwhile: docs/ui/ (tests/tools/pictures.py).
pictures: $(VENV)/installed
	$(PY) tests/tools/pictures.py

# Only the cluster page's: a node killed under load (tests/tools/failover.py).
transcripts-cluster: $(VENV)/installed
	rm -rf docs/transcripts/cluster
	$(PY) tests/tools/transcripts.py cluster

# The diagrams, from their Graphviz sources (Debian package graphviz): SVG for
# the docs, PNG for README.rst, which code hosts render.
DIAGRAMS := $(wildcard images/*.dot)
images: $(DIAGRAMS:.dot=.svg) $(DIAGRAMS:.dot=.png)

images/%.svg: images/%.dot
	dot -Tsvg $< -o $@

images/%.png: images/%.dot
	dot -Tpng -Gdpi=110 $< -o $@

# A three-node RabbitMQ 4.3 cluster on this machine (tests/tools/cluster.py), for
# "Beyond one machine": it prints the AMQP_URL that names its nodes.
cluster: $(VENV)/installed
	$(PY) tests/tools/cluster.py start

cluster-stop: $(VENV)/installed
	$(PY) tests/tools/cluster.py stop

# Each quorum queue's leader, and its members online.
cluster-status: $(VENV)/installed
	$(PY) tests/tools/cluster.py status

# kill -9 one node, as a power cut would: make cluster-kill NODE=cluster1.
# `make cluster` starts it again.
cluster-kill: $(VENV)/installed
	$(PY) tests/tools/cluster.py kill $(NODE)

broker: $(VENV)/installed
	$(PY) tests/tools/broker.py $(or $(RABBITMQ),system 4.3)

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV) || { echo "Python's venv is missing: sudo apt-get install python3-venv"; exit 1; }
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

clean:
	rm -rf $(VENV) docs/_build .pytest_cache tests/.pytest_cache .ruff_cache
