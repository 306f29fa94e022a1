"""`trustmirror demo`, the command under `make demo`, run as a user would: twice, side by side."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{22})")
MIRROR_LINK = re.compile(r"personal mirror[^\n]*?(http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{22})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(data_dir: Path, port: int) -> subprocess.Popen:
    """Start the demo; return the process once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trustmirror.cli",
            "demo",
            "--no-browser",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = started + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    return process


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


@pytest.mark.browser  # starts real servers; grouped with the slow end-to-end tests
def test_demo_seeds_once_serves_and_prints_logins_and_links(tmp_path):
    port = free_port()
    process = start_demo(tmp_path / "a", port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as r:
            assert r.status == 200 and "Sign in" in r.read().decode()
    finally:
        first = stop(process)
    assert "consultant" in first and "Log in at" in first
    # The survey links of the open scan, and the closed scan's link that opens a mirror.
    mirror = MIRROR_LINK.findall(first)
    assert len(mirror) == 1
    links = [link for link in LINK.findall(first) if link not in mirror]
    assert 3 <= len(links) <= 5
    assert (tmp_path / "a" / "trustmirror.sqlite3").exists()
    assert oct((tmp_path / "a" / "resume-secret").stat().st_mode & 0o777) == "0o600"

    # A second run reuses the demo: no reseeding, the same links.
    process = start_demo(tmp_path / "a", port)
    links_ok = []
    try:
        for link in links[:2]:
            # A browser of its own per link: the link sets the survey cookie, then redirects.
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            with browser.open(link, timeout=10) as r:
                links_ok.append((r.status, r.url.removeprefix(f"http://127.0.0.1:{port}")))
        # A second demo side by side, on its own port and data.
        other_port = free_port()
        other = start_demo(tmp_path / "b", other_port)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{other_port}/healthz", timeout=10) as r:
                assert r.status == 200
        finally:
            other_out = stop(other)
    finally:
        second = stop(process)
    assert "Creating the demo organisation" in first
    assert "Creating the demo organisation" not in second
    assert LINK.findall(second) == [*links, *mirror]
    assert links_ok == [(200, "/s/start"), (200, "/s/start")]
    assert "Creating the demo organisation" in other_out
    assert set(LINK.findall(other_out)).isdisjoint(links)


def test_demo_refuses_a_busy_port_clearly(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "trustmirror.cli",
                "demo",
                "--no-browser",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr
