"""Python as on Windows, as far as signals go: on PYTHONPATH, this removes
from the signal module what Windows' Python does not have, before any script
runs. ``make test`` runs the scripts' Ctrl+C tests so (run.py)."""
import signal

POSIX_ONLY = ["SIGALRM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD",
              "SIGPIPE", "SIGKILL", "SIGSTOP", "SIGCONT", "SIGTSTP", "alarm",
              "setitimer", "getitimer", "pause", "siginterrupt",
              "pthread_kill", "pthread_sigmask", "sigwait", "sigpending"]
for name in POSIX_ONLY:
    if hasattr(signal, name):
        delattr(signal, name)
