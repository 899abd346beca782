# Two commands do everything on a fresh machine: `make tour` and `make test`.
# Each creates .venv and makes sure RabbitMQ answers at AMQP_URL first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: tour test lint broker clean

tour: broker
	$(PY) tests/tour.py

test: broker lint
	$(PY) -m pytest tests

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .

broker: $(VENV)/installed
	$(PY) tests/broker.py

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV) || { echo "Python's venv is missing: sudo apt-get install python3-venv"; exit 1; }
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

clean:
	rm -rf $(VENV) docs/_build .pytest_cache tests/.pytest_cache .ruff_cache
