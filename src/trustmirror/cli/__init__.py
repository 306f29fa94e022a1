"""The ``trustmirror`` command: demo, serve, import, analyze, report and Django's management
commands."""

from __future__ import annotations

import argparse
import atexit
import json
import os
import socket
import subprocess
import sys
import webbrowser
from pathlib import Path

# analyze runs without Django: a researcher's data file needs no settings, database or data
# directory. The other commands set Django up when they run (_setup_django), not on import.
from trustmirror.cli import analyze as analyze_command
from trustmirror.cli import api_token as api_token_command
from trustmirror.cli import export as export_command
from trustmirror.cli import report as report_command
from trustmirror.cli import srm as srm_command

DEFAULT_DEMO_DIR = Path(".trustmirror") / "demo"


def _setup_django(data_dir: Path | None = None) -> None:
    if data_dir is not None:
        os.environ["TRUSTMIRROR_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustmirror.settings")
    import django

    django.setup()


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _serve(port: int, *, host: str = "127.0.0.1", workers: int | None = None) -> int:
    from django.core.management import call_command

    from trustmirror.server import serve

    # WhiteNoise serves the collected files (the demo's and production's alike).
    call_command("collectstatic", interactive=False, verbosity=0)
    return serve(host=host, port=port, workers=workers)


def _stop_child(child: subprocess.Popen, owner: int) -> None:
    # gunicorn forks its web workers from this process; only the process that started the
    # child may stop it (a web worker that exits must not take the task worker with it).
    if os.getpid() == owner and child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _start_worker(data_dir: Path) -> subprocess.Popen:
    """The background worker as a child process (the demo runs one for its open scan)."""
    env = {**os.environ, "TRUSTMIRROR_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "trustmirror.cli", "worker", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
    )


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).expanduser().resolve()
    if not _port_free(args.port):
        print(
            f"Port {args.port} on 127.0.0.1 is in use. Stop what runs there, or start the demo "
            f"with --port, e.g. `trustmirror demo --port {args.port + 1}`.",
            file=sys.stderr,
        )
        return 2
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{args.port}"
    # The demo's e-mail (invitations, reminders, new links) goes into a mailbox in its data
    # directory, shown on /demo/mailbox/; the worker it starts inherits both settings.
    os.environ["TRUSTMIRROR_DEMO_MAILBOX"] = "1"
    os.environ["TRUSTMIRROR_BASE_URL"] = url
    _setup_django(data_dir)
    from django.core.management import call_command

    from trustmirror import demo

    call_command("migrate", verbosity=0, interactive=False)
    info = demo.demo_info(data_dir)
    if info is None:
        print(f"Creating the demo organisation in {data_dir} ...")
        info = demo.seed_demo(data_dir=data_dir, progress=True)
    print(demo.describe(info, base_url=url))
    # The worker publishes new answers to the open scan on its schedule.
    worker = _start_worker(data_dir)
    atexit.register(_stop_child, worker, os.getpid())
    if not args.no_browser and os.environ.get("CI") is None:
        webbrowser.open(url + "/accounts/login/")
    return _serve(args.port, workers=2)


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return _serve(args.port, host=args.host, workers=args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("run_worker", schedule_every=args.schedule_every, verbosity=0 if args.quiet else 1)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from trustmirror.orgs.importing import ImportFailed, people_import
    from trustmirror.orgs.models import Organisation

    organisation = Organisation.objects.filter(slug=args.organisation).first()
    if organisation is None:
        print(f"No organisation with slug {args.organisation!r}.", file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        result = people_import(
            organisation=organisation, filename=path.name, content=path.read_bytes()
        )
    except FileNotFoundError:
        print(f"{path}: no such file.", file=sys.stderr)
        return 2
    except ImportFailed as failure:
        print(f"{path}: nothing was imported.", file=sys.stderr)
        for error in failure.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(json.dumps(result.__dict__))
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["trustmirror manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trustmirror", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="seed a demo organisation (once) and serve it locally")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--data-dir", default=str(DEFAULT_DEMO_DIR))
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser(
        "serve", help="serve the app under gunicorn (settings from the environment)"
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=None, help="web worker processes")
    serve.add_argument("--data-dir", default=None)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background worker (publishes results)")
    worker.add_argument("--data-dir", default=None)
    worker.add_argument(
        "--schedule-every", type=float, default=60.0, help="seconds between looks for work"
    )
    worker.add_argument("--quiet", action="store_true")
    worker.set_defaults(func=cmd_worker)

    imp = sub.add_parser("import", help="import people from a CSV or XLSX file")
    imp.add_argument("organisation", help="organisation slug")
    imp.add_argument("file")
    imp.add_argument("--data-dir", default=None)
    imp.set_defaults(func=cmd_import)

    analyze = sub.add_parser("analyze", help="analyse survey data collected elsewhere")
    analyze_command.add_arguments(analyze)
    analyze.set_defaults(func=analyze_command.run)

    srm = sub.add_parser(
        "srm", help="Social Relations Model for round-robin ratings (a long CSV file)"
    )
    srm_command.add_arguments(srm)
    srm.set_defaults(func=srm_command.run)

    report = sub.add_parser("report", help="a scan's reports as PDF or printable HTML")
    report_command.add_arguments(report)
    report.set_defaults(func=report_command.run)
    export = sub.add_parser(
        "export", help="a scan's results as a table, or respondent-level data for research"
    )
    export_command.add_arguments(export)
    export.set_defaults(func=export_command.run)
    api_token = sub.add_parser("api-token", help="create, list or revoke an API token")
    api_token_command.add_arguments(api_token)
    api_token.set_defaults(func=api_token_command.run)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("--data-dir", default=None)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
