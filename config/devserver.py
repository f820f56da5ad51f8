"""
`make run`: the development server, one background worker and the sweep,
started together and stopped together.

    python -m config.devserver [addrport]

First the sweep (`sweep_jobs`) catches up on what fell due while nothing
ran (embargoes, webhooks); then `runserver`, `db_worker` and the sweep
(`sweep_jobs --every`) start, each in a process group of its own, so that a
signal reaches them and the children they start (the server and the worker
reload on code changes). Ctrl-C, a SIGTERM, or any of them ending stops the
others: each is asked to stop (SIGINT, as Ctrl-C would), then killed if it
has not within a few seconds. Nothing is left running behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from types import FrameType

GRACE_SECONDS = 10.0
# How often the idle worker looks for jobs: a webhook leaves within about
# this long of its commit (db_worker's default is a second).
WORKER_INTERVAL = "0.2"
# How often the sweep looks for work a lost job left undone.
SWEEP_EVERY = "10"


def run_together(commands: Mapping[str, Sequence[str]], *, grace: float = GRACE_SECONDS) -> int:
    """
    Run the commands at once until one ends or this process is told to stop;
    then stop them all. The exit status is the first one's to end (0 when
    stopped by a signal).
    """
    stop_requested: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    children = {
        name: subprocess.Popen(list(command), start_new_session=True)
        for name, command in commands.items()
    }
    status = 0
    try:
        while not stop_requested:
            ended = {name: child.poll() for name, child in children.items()}
            finished = [(name, code) for name, code in ended.items() if code is not None]
            if finished:
                name, status = finished[0]
                print(f"{name} stopped (exit status {status}): stopping the others.", flush=True)
                break
            time.sleep(0.2)
    finally:
        _stop_all(list(children.values()), grace=grace)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _stop_all(children: list[subprocess.Popen[bytes]], *, grace: float) -> None:
    for child in children:
        _signal_group(child, signal.SIGINT)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()
    # What a child started and left behind (a reloader's child) goes too.
    for child in children:
        _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except ProcessLookupError:
        pass


def main(argv: Sequence[str]) -> int:
    addrport = argv[1] if len(argv) > 1 else "127.0.0.1:8000"
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "sweep_jobs"], check=True)
    return run_together(
        {
            "web server": [*manage, "runserver", addrport],
            "worker": [*manage, "db_worker", f"--interval={WORKER_INTERVAL}"],
            "sweep": [*manage, "sweep_jobs", f"--every={SWEEP_EVERY}"],
        }
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
