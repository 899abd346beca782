"""Routing: a direct exchange gives each consumer exactly its keys."""
from harness import Consumers, bodies, run
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


def test_exercise_two_queues_bound_with_the_same_key_each_get_a_copy():
    with Consumers("routing", ["red"], ["red"]) as consumers:
        status, sent, _ = run("routing", "producer", "red")
        assert status == 0
        for consumer in consumers:
            consumer.wait_for(" received$", count=5)
    for consumer in consumers:
        assert bodies(consumer.stdout, "received") == bodies(sent, "sent")
