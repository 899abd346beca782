"""The scripts run on every platform a reader has: nothing in the pattern
folders exists only on POSIX, but for an import tried with a fallback. The
Ctrl+C tests also run, in a lane of their own, on a Python whose signal
module lacks what Windows lacks (run.py, tests/tools/windows/sitecustomize.py)."""
import ast
import os
import subprocess
import sys

import pytest

from harness import FOLDERS, ROOT

WINDOWS = ROOT / "tests" / "tools" / "windows"
# Modules and names Windows' Python does not have.
POSIX_MODULES = {"fcntl", "termios", "pwd", "grp", "resource", "posix", "tty",
                 "pty", "syslog", "crypt", "readline"}
POSIX_NAMES = {
    "signal": {"SIGALRM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD",
               "SIGPIPE", "SIGKILL", "SIGSTOP", "alarm", "setitimer", "pause",
               "siginterrupt", "pthread_kill", "pthread_sigmask", "sigwait"},
    "os": {"fork", "forkpty", "getuid", "geteuid", "getgid", "getpgid", "setsid",
           "killpg", "setpgrp", "WNOHANG", "wait3", "wait4", "getloadavg",
           "sched_getaffinity", "sync", "mkfifo", "nice"},
}


def posix_only(path):
    """Each use of a POSIX-only module or name in the file: (line, what). An
    import tried, with another for Windows where it fails, is a choice."""
    found, tree = [], ast.parse(path.read_text())
    tried = {id(node) for each in ast.walk(tree) if isinstance(each, ast.Try)
             and any(ast.unparse(handler.type or ast.Name("")) == "ImportError"
                     for handler in each.handlers)
             for statement in each.body for node in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in tried:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = ([alias.name for alias in node.names]
                     if isinstance(node, ast.Import) else [node.module or ""])
            found += [(node.lineno, name) for name in names
                      if name.split(".")[0] in POSIX_MODULES]
            if isinstance(node, ast.ImportFrom) and node.module in POSIX_NAMES:
                found += [(node.lineno, f"{node.module}.{alias.name}")
                          for alias in node.names
                          if alias.name in POSIX_NAMES[node.module]]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.attr in POSIX_NAMES.get(node.value.id, ())):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return found


@pytest.mark.offline
def test_nothing_in_the_folders_exists_only_on_posix():
    assert {"confirms", "streams"} <= set(FOLDERS), FOLDERS  # with a cli.py
    found = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for folder in FOLDERS for path in sorted((ROOT / folder).glob("*.py"))
             for line, what in posix_only(path)]
    assert not found, "POSIX only, not on Windows:\n" + "\n".join(found)


@pytest.mark.offline
def test_the_windows_lane_removes_what_windows_lacks():
    # The check above and the lane's Python agree on what Windows lacks.
    names = sorted(POSIX_NAMES["signal"])
    code = f"import signal; print([n for n in {names!r} if hasattr(signal, n)])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(WINDOWS)})
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "[]", "")
