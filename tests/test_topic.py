"""Topic: binding patterns with * (one word) and # (zero or more words)."""
import pytest

from harness import run
from routes import check_routes

ALL = {"kern.critical", "kern.info", "kern.info.extra", "app.db.critical",
       "app.critical", "critical", "app.db.info.verbose", ""}


def test_each_consumer_gets_exactly_the_keys_its_patterns_match():
    check_routes("topic", {
        ("kern.*",): {"kern.critical", "kern.info"},  # not kern.info.extra
        ("#.critical",): {"kern.critical", "app.db.critical", "app.critical",
                          "critical"},  # at the end; # matches zero words too
        ("#",): ALL,
        ("app.#",): {"app.db.critical", "app.critical", "app.db.info.verbose"},
        ("*.db.*",): {"app.db.critical"},  # in the middle, one word each side
        ("*",): {"critical"},  # one word, no more: not the empty key
        ("",): {""},  # the empty key is a key too
        ("kern.*", "*.*.critical"): {"kern.critical", "kern.info",
                                     "app.db.critical"},  # several patterns
    })


@pytest.mark.parametrize("script, argument", [
    ("producer", "a" * 256), ("producer", "kern.*"),
    ("producer", "kern..critical"), ("producer", ".kern"), ("producer", "kern."),
    ("consumer", "kern*"), ("consumer", "a.b#"),
    ("consumer", "#" * 256), ("consumer", "kern..*"),
])
def test_keys_and_patterns_the_broker_would_mishandle_are_refused(script, argument):
    status, out, errors = run("topic", script, argument)
    assert status == 2 and out == []
    assert errors[0].startswith(f"usage: {script}.py")
    assert "Traceback" not in "".join(errors)


def test_exercise_a_b_c_and_the_empty_key():
    check_routes("topic", {
        ("kern.*",): set(),
        ("#.critical",): set(),
        ("#",): {"a.b.c", ""},  # zero or more words: the empty key too
        ("*.b.*",): {"a.b.c"},
    })
