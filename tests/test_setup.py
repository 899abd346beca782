"""The set-up step that `make tour` and `make test` run: tests/tools/broker.py."""
import os
import subprocess
import sys

import pytest

import broker
from conftest import BROKER, rabbitmqctl
from harness import ROOT


def setup(*names, env=None, prefix=()):
    """Run tests/tools/broker.py as a reader's make does; (status, stdout, stderr)."""
    result = subprocess.run(
        [*prefix, sys.executable, str(ROOT / "tests" / "tools" / "broker.py"), *names],
        env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=180)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.offline
def test_a_malformed_amqp_url_is_reported_as_such():
    status, _, errors = setup("system", env={"AMQP_URL": "amqp://guest:pw@localhost:port/"})
    assert status == 1
    assert errors.strip() == ("broker system: AMQP_URL is not a valid broker URL: "
                              "Port could not be cast to integer value as 'port'")


@pytest.mark.offline
def test_without_root_the_43_broker_is_not_set_up_and_says_how_to_go_on(tmp_path):
    # In a user namespace of its own, root is "nobody" (uid 65534).
    status, _, errors = setup("4.3", env={"XDG_CACHE_HOME": str(tmp_path)},
                              prefix=["unshare", "--user"])
    assert status == 1
    assert errors.strip() == (
        "broker 4.3: RabbitMQ 4.3 is set up only as root on Debian or Ubuntu; "
        "test your own broker only with: make test RABBITMQ=system")


@pytest.mark.alone
def test_a_node_whose_app_is_stopped_gets_its_app_started():
    rabbitmqctl("stop_app")
    try:
        status, out, errors = setup(BROKER.name)
    finally:
        rabbitmqctl("start_app")  # a no-op when the set-up did its job
        rabbitmqctl("await_startup")
    assert (status, errors) == (0, "")
    assert "its app is stopped: starting it" in out
    assert out.splitlines()[-1].startswith(f"RabbitMQ {BROKER.version()} answers")


def test_a_test_not_marked_alone_cannot_disturb_the_node():
    # make test runs other lanes on this node meanwhile (run.py): a test not
    # marked alone that stops it or changes what every virtual host shares
    # is refused. This setting is one nothing reads, should it go through.
    probe = f"tutorial_probe_{os.getpid()}"
    with pytest.raises(broker.Disturbs, match="mark the test alone"):
        BROKER.checked("eval", f"application:set_env(rabbit, {probe}, 1).")
    assert "undefined" in BROKER.checked(
        "eval", f"application:get_env(rabbit, {probe}).")
