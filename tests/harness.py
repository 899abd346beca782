"""Run the tutorial's scripts as separate processes, the way a reader does.

The tests, the tour (``make tour``) and the transcripts in the docs all use
this one module, so what they show is what the scripts really print.
"""
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = "To exit press CTRL+C"
SHOWN = []  # every Script whose command line was echoed, in order


class Script:
    """One script running in the background, its output read line by line."""

    def __init__(self, folder, name, *args, label=None, echo=None, env=None,
                 cwd=None, stdout_lines=None, command=None, stdin=None,
                 extra_env=None, shown=None):
        """stdout_lines: stop reading stdout after that many, as head -n does;
        command: run it instead of python folder/name.py (another client);
        stdin: an open file to read standard input from; extra_env: more
        environment, not shown in the command line; shown: the command line
        to show instead of python name.py args (a shell loop)."""
        self.label = label or name
        self.stdout_lines = stdout_lines
        self.echo = echo
        self.stdout, self.stderr = [], []
        # When each stdout and stderr line came, time.monotonic().
        self.times, self.stderr_times = [], []
        self.changed = threading.Condition()
        cwd = cwd or ROOT / folder
        path = os.path.relpath(ROOT / folder / f"{name}.py", cwd)
        self.process = subprocess.Popen(
            command or [sys.executable, path, *map(str, args)],
            cwd=cwd, env={**os.environ, **(env or {}), **(extra_env or {})},
            stdin=stdin or subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.readers = [
            threading.Thread(target=self._read, args=(pipe, lines), daemon=True)
            for pipe, lines in ((self.process.stdout, self.stdout),
                                (self.process.stderr, self.stderr))]
        # The command as a reader types it: it pastes into bash unchanged.
        self.argv = [*(f"{key}={value}" for key, value in (env or {}).items()),
                     "python", f"{name}.py", *map(str, args)]
        settings = [f"{key}={shlex.quote(value)}" for key, value in (env or {}).items()]
        self.command_line = " ".join(
            ["$", *settings, shown or shlex.join(self.argv[len(settings):])])
        if echo:
            SHOWN.append(self)
            echo(self.label, self.command_line)
        for reader in self.readers:
            reader.start()

    def _read(self, pipe, lines):
        for line in pipe:
            with self.changed:
                (self.times if lines is self.stdout
                 else self.stderr_times).append(time.monotonic())
                lines.append(line.rstrip("\n"))
                if self.echo:
                    self.echo(self.label, line.rstrip("\n"))
                self.changed.notify_all()
            if lines is self.stdout and len(lines) == self.stdout_lines:
                pipe.close()
                break
        with self.changed:
            self.changed.notify_all()

    def wait_until(self, done, timeout, what):
        """Wait until done() is true, at most timeout seconds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None
                                 and not any(r.is_alive() for r in self.readers)):
                    if done():
                        break
                    raise AssertionError(
                        f"{self.label}: no {what} within {timeout} s\n"
                        f"stdout: {self.stdout[-20:]}\nstderr: {self.stderr[-20:]}")
                self.changed.wait(min(left, 0.1))

    def wait_for(self, pattern, timeout=15, count=1):
        """Wait for count stdout lines that match pattern; return them."""
        def found():
            return [line for line in self.stdout if re.search(pattern, line)]

        self.wait_until(lambda: len(found()) >= count, timeout,
                        f"{count} line(s) matching {pattern!r}")
        return found()

    def ready(self, timeout=15, count=1):
        """Wait for the count-th readiness line (more than one: reconnected)."""
        self.wait_for(re.escape(READY), timeout, count)
        return self

    def signal(self, signum=signal.SIGINT, timeout=10):
        """Send signum (Ctrl+C by default) and return the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.wait(timeout)

    def wait(self, timeout=15):
        self.process.wait(timeout)
        for reader in self.readers:
            reader.join(timeout)
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.wait()


def run(folder, name, *args, timeout=30, env=None, cwd=None, echo=None,
        label=None, command=None, stdin=None):
    """Run a script to its end; return (exit status, stdout lines, stderr lines)."""
    script = Script(folder, name, *args, env=env, cwd=cwd, echo=echo,
                    label=label, command=command, stdin=stdin)
    try:
        status = script.wait(timeout)
    finally:
        script.kill()
    return status, script.stdout, script.stderr


class Consumers:
    """Start consumers, each with its own arguments, and wait until each is
    ready; on leaving, press Ctrl+C in each and check they end cleanly."""

    def __init__(self, folder, *argsets, echo=None, env=None, name="consumer"):
        self.folder, self.argsets, self.echo, self.env = folder, argsets, echo, env
        self.name = name
        self.scripts = []

    def __enter__(self):
        try:
            for number, args in enumerate(self.argsets, 1):
                label = self.name if len(self.argsets) == 1 else f"{self.name} {number}"
                self.scripts.append(Script(self.folder, self.name, *args, label=label,
                                           echo=self.echo, env=self.env))
            for script in self.scripts:
                script.ready()
        except BaseException:
            self.kill()
            raise
        return self.scripts

    def __exit__(self, exc_type, *exc_info):
        if exc_type is not None:
            self.kill()
            return
        for script in self.scripts:
            if self.echo:
                self.echo(script.label, "^C")
            status = script.signal()
            assert status == 0, f"{script.label} exited {status}: {script.stderr}"
            assert script.stderr == [], f"{script.label} stderr: {script.stderr}"

    def kill(self):
        for script in self.scripts:
            script.kill()


def matching(scripts, pattern):
    """All stdout lines of scripts that match pattern."""
    return [line for script in scripts for line in script.stdout
            if re.search(pattern, line)]


def wait_total(scripts, pattern, count, timeout=30):
    """Wait until the scripts together printed count lines matching pattern."""
    deadline = time.monotonic() + timeout
    while len(matching(scripts, pattern)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(matching(scripts, pattern))} of {count} lines matching "
                f"{pattern!r} within {timeout} s: "
                + "; ".join(f"{s.label}: {s.stdout[-20:]} {s.stderr[-20:]}"
                            for s in scripts))
        with scripts[0].changed:
            scripts[0].changed.wait(0.05)
    return matching(scripts, pattern)
