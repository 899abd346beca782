"""Check that each consumer of an exchange gets exactly its messages."""
import re
from collections import Counter

from harness import Consumers, bodies, run


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
        got = Counter(re.search(r" - \w+ - (\S*)$", body)[1]
                      for body in bodies(consumer.stdout, "received"))
        # Exactly its keys, five of each, even where several bindings match
        # one: one copy per queue.
        mine = {key: count for key, count in got.items() if key not in syncs}
        assert mine == dict.fromkeys(wanted, 5), (consumer.label, got)
        assert {got[key] for key in syncs & set(got)} == {5}, (consumer.label, got)
