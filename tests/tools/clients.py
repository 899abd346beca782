"""Make sure the clients the cross-client tests use are installed: Debian's
amqp-tools (amqp-publish, amqp-consume) and Node's amqplib (tests/package.json);
and the browser that checks the rendered docs (test_browser.py): Debian's
chromium, driven by Node's playwright-core.

As root with apt-get, what is missing is installed; otherwise say how, and
exit 1. The tests fail, never skip, when a client is missing.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import broker

TESTS = Path(__file__).resolve().parents[1]
PACKAGES = {"amqp-publish": "amqp-tools", "node": "nodejs", "npm": "npm",
            "/usr/bin/chromium": "chromium",
            "dot": "graphviz",  # the diagrams' test renders them again
            "sudo": "sudo"}  # the transcripts show sudo rabbitmqctl as it ran
NODE_MODULES = ["amqplib", "playwright-core"]


def missing():
    return sorted({package for command, package in PACKAGES.items()
                   if shutil.which(command) is None})


def ensure():
    packages = missing()
    if packages:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            sys.exit(f"the tests need {', '.join(packages)}: "
                     f"sudo apt-get install {' '.join(packages)}")
        print(f"Installing {', '.join(packages)} from Debian's packages...", flush=True)
        try:  # quietly, unless it fails
            broker.step("apt-get", "update", "-qq")
            broker.step("apt-get", "install", "-y", "-qq", *packages)
        except broker.Fail as error:
            sys.exit(str(error))
    if not all((TESTS / "node_modules" / name).is_dir() for name in NODE_MODULES):
        print(f"Installing {', '.join(NODE_MODULES)} from npm...", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(TESTS)],
                       check=True)


if __name__ == "__main__":
    ensure()
