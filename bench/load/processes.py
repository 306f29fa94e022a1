"""The web server and the task worker of a load run: started, killed and started again.

Both run as an operator runs them (``trustmirror serve``, ``trustmirror worker``) with
production settings behind a proxy: ``TRUSTMIRROR_PRODUCTION=1``, ``TRUSTMIRROR_BEHIND_PROXY=1``
(the respondents send ``X-Forwarded-Proto: https`` as the proxy would), the cache, and so
the rate limits, in Redis. Each is started in a process group of its own, so that
:meth:`Processes.kill` takes gunicorn's master *and* its web workers down at once, as a
power cut or the kernel's OOM killer would, and the next :meth:`Processes.start` listens on
the same port again: the respondents find the server where it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

# bench/ is on sys.path wherever this module is used (run_load.py, tests/load).
from run_publishing import PYTHON, free_port

__all__ = ["Processes", "cpu_seconds", "postgres_pids", "tree"]

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children that have been waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime, stime, cutime, cstime are fields 14-17 (1-based) of the whole line
    return sum(int(x) for x in fields[11:15]) / CLOCK_TICKS


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    found = [pid]
    for parent in found:
        path = Path(f"/proc/{parent}/task/{parent}/children")
        try:
            found.extend(int(x) for x in path.read_text().split())
        except FileNotFoundError:
            continue
    return found


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class Processes:
    """The web server and the task worker, started with the run's environment.

    ``cache_url`` is the Redis database of the run's cache (one of its own, so that runs
    side by side do not share rate-limit counters); ``schedule_every`` how often the worker
    looks for due publications (seconds; the worker's default when None); ``log_dir``, if
    given, receives the output of every start (``server-1.log``, ``worker-1.log``, ...),
    which tells what went wrong when something did.
    """

    def __init__(
        self,
        env: dict,
        workers: int | None,
        *,
        cache_url: str = "redis://127.0.0.1:6379/12",
        schedule_every: float | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.env = {
            **env,
            "TRUSTMIRROR_PRODUCTION": "1",
            "TRUSTMIRROR_BEHIND_PROXY": "1",
            "TRUSTMIRROR_CACHE_URL": cache_url,
        }
        self.workers = workers
        self.schedule_every = schedule_every
        self.log_dir = log_dir
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0
        self.base = ""

    def _popen(self, command: list[str], name: str) -> subprocess.Popen:
        output = subprocess.DEVNULL
        if self.log_dir is not None:
            output = open(self.log_dir / f"{name}-{self.starts}.log", "wb")
        try:
            # A process group of its own: kill() reaches gunicorn's web workers too.
            return subprocess.Popen(
                command,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT if self.log_dir is not None else output,
                start_new_session=True,
            )
        finally:
            if self.log_dir is not None:
                output.close()

    def start(self, timeout: float = 120.0) -> str:
        """Start both (on the port of the first start); return the server's base URL once it
        answers ``/healthz``."""
        self.starts += 1
        if self.port is None:
            self.port = free_port()
        command = [PYTHON, "-m", "trustmirror.cli", "serve", "--port", str(self.port)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        self.server = self._popen(command, "server")
        command = [PYTHON, "-m", "trustmirror.cli", "worker", "--quiet"]
        if self.schedule_every is not None:
            command += ["--schedule-every", str(self.schedule_every)]
        self.worker = self._popen(command, "worker")
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server stopped at start: {self.log_tail('server')}")
            try:
                request = urllib.request.Request(
                    self.base + "/healthz", headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(request, timeout=2):
                    return self.base
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {timeout:.0f} s")

    def log_tail(self, name: str, lines: int = 40) -> str:
        """The last lines of the latest start's output of ``server`` or ``worker``."""
        if self.log_dir is None:
            return "(no log directory)"
        path = self.log_dir / f"{name}-{self.starts}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu(self) -> dict[str, float]:
        return {
            "web": sum(cpu_seconds(p) for p in tree(self.server.pid)),
            "worker": sum(cpu_seconds(p) for p in tree(self.worker.pid)),
            "database": sum(cpu_seconds(p) for p in postgres_pids()),
        }

    def kill(self) -> None:
        """SIGKILL to both process groups at once: nothing gets to finish or clean up."""
        running = [p for p in (self.server, self.worker) if p is not None]
        for process in running:
            _signal_group(process, signal.SIGKILL)
        for process in running:
            process.wait()

    def stop(self) -> None:
        """Stop both as an operator would (SIGTERM), killed if they take over 30 s."""
        running = [p for p in (self.server, self.worker) if p is not None and p.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the process group that ``process`` leads (it was started in a session of its own);
    a web worker that outlived its master is in that group too."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
