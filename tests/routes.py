"""Check that each consumer of an exchange gets exactly its messages."""
import re

from harness import Consumers, run


def received(consumer):
    return [line for line in consumer.stdout if line.endswith(" received")]


def check_routes(folder, expected):
    """expected: {tuple of binding keys or patterns: keys it must receive}.

    Each consumer also binds sync.N, and sync.N is sent last: the queue keeps
    order, so once it arrives, any message routed there by mistake already
    has too.
    """
    keys = sorted(set().union(*expected.values()))
    argsets = [[*binding, f"sync.{n}"] for n, binding in enumerate(expected)]
    with Consumers(folder, *argsets) as consumers:
        for key in keys:
            status, out, errors = run(folder, "producer", key)
            assert (status, errors, len(out)) == (0, [], 5), (key, out, errors)
        for n in range(len(expected)):
            run(folder, "producer", f"sync.{n}")
        for n, consumer in enumerate(consumers):
            consumer.wait_for(rf" - \w+ - sync\.{n} received$", count=5)
    syncs = {f"sync.{n}" for n in range(len(expected))}
    for consumer, wanted in zip(consumers, expected.values()):
        got = [re.search(r" - \w+ - (\S*) received$", line)[1]
               for line in received(consumer)]
        assert set(got) - syncs == set(wanted), (consumer.label, sorted(set(got)))
        # Five of each key, even where several bindings match it: one copy
        # per queue.
        assert len(got) == 5 * len(set(got)), consumer.label
