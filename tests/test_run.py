"""make test itself: a lane that does not run to its end fails the run."""
import re
import sys
from pathlib import Path

import pytest

from conftest import ADDRESS, BROKER
from harness import ROOT, Script, until
from proxy import Proxy
from run import VirtualHost


@pytest.mark.once
def test_a_lane_whose_broker_goes_away_mid_run_fails_and_is_named():
    # The basic tests, on a broker reached through a proxy that goes away
    # once the first has passed: the rest cannot run.
    proxy = Proxy(*ADDRESS)
    # In a virtual host of its own: the tests it cuts short leave messages.
    vhost = VirtualHost(BROKER, "tests-cut-short")
    lane_url = BROKER.url_with(port=proxy.port, vhost=vhost.name)
    command = [sys.executable, "tests/tools/run.py", lane_url, "--", "-k", "test_basic",
               "-v", "-p", "no:cacheprovider"]
    try:
        with Script("tests", "run", command=command, cwd=ROOT) as run:
            logs = Path(run.wait_for("^Each lane's output: ")[0].split(": ", 1)[1])
            def passed():
                return re.search(r"test_basic\.py::\w+ PASSED", "".join(
                    log.read_text() for log in logs.glob("*.log")))

            until(passed, 60, "the first test passed")
            proxy.close()
            assert run.wait(120) == 1, run.tail()
    finally:
        proxy.close()
        vhost.close()
    line = [line for line in run.stdout if line.startswith("RabbitMQ ")][-1]
    assert re.fullmatch(r"RabbitMQ [\d.]+: \d passed(, \d failed)?; FAILED: "
                        r"cut short: [1-2] of 3 tests ran \(exit 3\)", line), line
    assert run.stdout[-1] == f"make test failed in: {line.split(':')[0]}"
