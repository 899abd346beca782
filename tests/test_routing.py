"""Routing: a direct exchange gives each consumer exactly its keys."""
from harness import run
from routes import check_routes


def test_each_consumer_gets_exactly_its_keys():
    check_routes("routing", {
        ("blue",): {"blue"},
        ("red",): {"red"},
        ("green",): {"green"},
        ("red", "green"): {"red", "green"},
    })


def test_a_key_no_consumer_is_bound_for_is_not_delivered():
    status, out, errors = run("routing", "producer", "yellow")
    assert status == 1 and errors == [] and len(out) == 5
    assert all(line.endswith("Routing - yellow not delivered: no queue is bound for it")
               for line in out)
