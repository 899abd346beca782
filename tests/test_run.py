"""make test itself: a lane that does not run to its end fails the run."""
import re
import sys

from conftest import ADDRESS
from harness import ROOT, Script
from proxy import Proxy


def test_a_lane_whose_broker_goes_away_mid_run_fails_and_is_named():
    # The basic tests, on a broker reached through a proxy that goes away
    # once the first has passed: the rest cannot run.
    proxy = Proxy(*ADDRESS)
    lane_url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F"
    command = [sys.executable, "tests/run.py", lane_url, "--", "-k", "test_basic",
               "-v", "-p", "no:cacheprovider"]
    try:
        with Script("tests", "run", command=command, cwd=ROOT) as run:
            run.wait_for(r"test_basic\.py::\w+ PASSED", timeout=60)
            proxy.close()
            assert run.wait(120) == 1, run.tail()
    finally:
        proxy.close()
    [line] = [line for line in run.stdout if line.startswith("RabbitMQ ")]
    assert re.fullmatch(r"RabbitMQ [\d.]+: [1-2] passed(, \d failed)?; FAILED: "
                        r"cut short: [1-2] of 3 tests ran \(exit 3\)", line), line
    assert run.stdout[-1] == f"make test failed in: {line.split(':')[0]}"
