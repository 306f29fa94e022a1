"""The crash test (issue 13): answers under load, the server and the worker killed repeatedly.

An organisation of a thousand people in teams of five, invited to an open scan with interim
results (k = 3), in a data directory and database of its own. ``trustmirror serve`` (gunicorn,
two web workers) and ``trustmirror worker`` run with production settings; thirty virtual
respondents at a time (``bench/load/respondents.py``) answer page by page and submit, as
browsers do. After serving spells of a length drawn from a seeded random, the web server
(gunicorn's master and its workers: the whole process group) and the task worker are killed
with SIGKILL and started again on the same port; respondents meet refused and reset
connections and carry on by opening their link again. The load stops at the fourth kill,
once it has done enough to prove something (a slow machine serves longer). Then, with both
started once more:

* every page save the server acknowledged is in the database: each page holds the answers of
  its last acknowledged save or of a save sent after it whose answer never came, and its
  revision counts each acknowledged save once (nothing lost, nothing applied twice); every
  acknowledged submission is submitted;
* one response per link, none half-written (answers, revisions and the submitted answer line
  agree);
* the database passes its own integrity check, and no reference or unique column is broken;
* every published version of the results is whole (its rows, and the answers it recorded as
  included, are all there), a half-built one has nothing stored and no selector serves it;
* respondents who had not submitted continue where they were: opening the link brings them
  to the first page without answers, and they answer on to submission;
* no request ended in a server error: every failure was a connection a kill broke.

The worker publishes an open scan at most once a minute (a privacy rule: never more often).
The test plays the clock instead of waiting: every few seconds it moves the published
versions' time back by a couple of minutes, so the next version is due and the worker builds
one every few seconds, and a build abandoned by a killed worker is aged past
``STALE_BUILD``, as the minutes would. Only those timestamps are touched.

One test per database: SQLite in the suite's SQLite run, PostgreSQL in its PostgreSQL run
(``TRUSTMIRROR_DATABASE_URL``), in a database of its own on that server, dropped afterwards.
About a minute and a half each on two cores; it prints a line of what it did.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import random
import sqlite3
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOAD_DIR = ROOT / "bench" / "load"
for folder in (LOAD_DIR, ROOT / "bench", Path(__file__).resolve().parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from processes import Processes  # noqa: E402
from respondents import Ledger, Respondent, Stats, run_respondents  # noqa: E402
from run_publishing import bench_environment, manage_shell  # noqa: E402

PEOPLE = 1000
# Small teams and the smallest k, so that teams reach k new answers while the test runs and
# interim versions include them (an answer enters only with at least k of its team).
TEAM_SIZE = 5
K = 3
CONCURRENCY = 30
THINK = 0.1  # seconds, on average, between a page arriving and its save
KILLS = 4  # the last one ends the load
SERVING = (5.0, 10.0)  # seconds each start serves under load before the next kill
# The last start serves on until the run has done enough to prove something (the minimums
# below), or until the load has run this long: a slow or busy machine takes longer.
LOAD_CAP = 150.0
SEED = 20261213
HEADERS = {"X-Forwarded-Proto": "https", "User-Agent": "trustmirror-crash-test"}
# A Redis database of the cache per database, as the two runs of the suite go side by side.
CACHE_URLS = {"sqlite": "redis://127.0.0.1:6379/11", "postgresql": "redis://127.0.0.1:6379/10"}
CLOCK_EVERY = 3.0  # seconds between two moves of the clock
INTERVAL_PASSED = 120  # seconds the clock moves the published versions back each time
STALE_PASSED = 31 * 60  # seconds an abandoned build is aged (publishing.STALE_BUILD is 30 min)
# Below these the run proved too little (a machine far slower than two free cores, say).
MIN_ACKNOWLEDGED = 300
MIN_SUBMITTED = 20
MIN_PUBLISHED = 3
MIN_PUBLISHED_WITH_ANSWERS = 1

STORE = """
import json, sys
sys.path.insert(0, {load!r})
from django.core.management import call_command
call_command("migrate", verbosity=0)
from loaddb import store_open_scan
stored = store_open_scan(
    {people}, {tokens!r}, team_size={team_size}, min_group_size={k}, interim_results=True,
    progress=False,
)
print("STORED " + json.dumps(stored.__dict__))
"""
FACTS = """
import sys
sys.path.insert(0, {here!r})
from crash_facts import main
main({tokens!r}, {scan})
"""


def _suite_database() -> str:
    """The database the suite runs on: PostgreSQL when TRUSTMIRROR_DATABASE_URL names one."""
    url = os.environ.get("TRUSTMIRROR_DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def _run_in_a_thread_of_its_own(coroutine_function):
    """``asyncio.run`` in a new thread: in the whole suite, Playwright's synchronous API has
    left an event loop marked running in this thread, where ``asyncio.run`` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function())).result()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_killed_server_and_worker_lose_no_acknowledged_answer(database, capsys):
    if database != _suite_database():
        pytest.skip(f"the {database} crash test runs in the suite's {database} run")
    postgres_url = os.environ.get("TRUSTMIRROR_DATABASE_URL") if database == "postgresql" else None
    with bench_environment(database, "trustmirror-crash-", postgres_url=postgres_url) as (
        env,
        data_dir,
    ):
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the suite's own setting, not the server's
        run = CrashRun.prepare(database, env, data_dir)
        try:
            run.processes.start()
            _run_in_a_thread_of_its_own(run.crash_load)
            # After the last kill and restart, before anyone answers on: the revisions of
            # unsubmitted pages can be held against the ledger only now.
            crashed = run.facts()
            problems = [
                f"after the kills: {problem}"
                for problem in (
                    *save_problems(crashed, run.ledger),
                    *response_problems(crashed),
                    *integrity_problems(crashed),
                )
            ]
            resumed = _run_in_a_thread_of_its_own(lambda: run.resume(crashed))
        finally:
            run.processes.stop()
            _flush(run.processes.env["TRUSTMIRROR_CACHE_URL"])
        facts = run.facts()
        problems += [
            f"in the end: {problem}"
            for problem in (
                *save_problems(facts, run.ledger),
                *response_problems(facts),
                *integrity_problems(facts),
                *publication_problems(facts),
                *resume_problems(resumed),
            )
        ]
        summary = run.summary(facts, resumed)
        with capsys.disabled():
            print(f"\ncrash test ({database}): {summary}")
        assert not problems, "\n".join(problems[:40])

        assert run.kills >= 3, summary
        assert run.ledger.acknowledged >= MIN_ACKNOWLEDGED, summary
        assert run.stats.submitted >= MIN_SUBMITTED, summary
        # The kills hit requests in flight: sent, never answered.
        assert run.stats.errors["ReadError"] + run.stats.errors["RemoteProtocolError"] > 0, summary
        assert unanswered_saves(run.ledger) > 0, summary
        # The worker published while the load ran, answers too.
        assert published_count(facts) >= MIN_PUBLISHED, summary
        assert published_with_answers(facts) >= MIN_PUBLISHED_WITH_ANSWERS, summary
        # No request ended in a server error (or an unexpected page): the failures were
        # connections that a kill broke (or, on a machine far too busy, timeouts).
        assert not [s for s in run.stats.statuses if s[1] >= 500], summary
        assert not run.stats.errors["ServerError"], summary


@dataclass
class CrashRun:
    """One crash run: its installation, the processes, and what respondents saw."""

    database: str
    env: dict
    data_dir: Path
    scan_id: int
    tokens_path: Path
    processes: Processes
    backstage: Backstage
    stats: Stats = field(default_factory=Stats)
    ledger: Ledger = field(default_factory=Ledger)
    kills: int = 0
    restarts: list[float] = field(default_factory=list)
    load_seconds: float = 0.0

    @classmethod
    def prepare(cls, database: str, env: dict, data_dir: Path) -> CrashRun:
        """Migrate, store the organisation and its open scan (in a process of its own)."""
        # The least time between two interim versions (the clock moves past it: Backstage).
        env["TRUSTMIRROR_PUBLISH_INTERVAL_MINUTES"] = "1"
        tokens_path = data_dir / "links.txt"
        stored = manage_shell(
            env,
            STORE.format(
                load=str(LOAD_DIR),
                people=PEOPLE,
                tokens=str(tokens_path),
                team_size=TEAM_SIZE,
                k=K,
            ),
            "STORED",
        )
        processes = Processes(
            env,
            2,
            cache_url=CACHE_URLS[database],
            schedule_every=1,
            log_dir=data_dir,
        )
        _flush(processes.env["TRUSTMIRROR_CACHE_URL"])
        return cls(
            database=database,
            env=env,
            data_dir=data_dir,
            scan_id=stored["scan_id"],
            tokens_path=tokens_path,
            processes=processes,
            backstage=Backstage(database, env, data_dir),
        )

    async def crash_load(self) -> None:
        """The load, with a kill and a restart of both processes after each serving spell; the
        load stops at the last kill, and both are started once more."""
        rng = random.Random(SEED)
        tokens = self.tokens_path.read_text(encoding="ascii").split()
        stop = asyncio.Event()
        began = time.monotonic()
        load = asyncio.create_task(
            run_respondents(
                self.processes.base,
                tokens,
                concurrency=CONCURRENCY,
                think=THINK,
                duration=LOAD_CAP + 60,
                stats=self.stats,
                ledger=self.ledger,
                seed=SEED,
                headers=HEADERS,
                stop=stop,
            )
        )
        clock = asyncio.create_task(self.backstage.clock())
        try:
            for number in range(1, KILLS + 1):
                await asyncio.sleep(rng.uniform(*SERVING))
                if number == KILLS:
                    await self.enough(since=began)
                self.processes.kill()
                self.kills += 1
                if number == KILLS:
                    self.load_seconds = time.monotonic() - began
                    stop.set()
                    await load
                await asyncio.to_thread(self.backstage.abandoned_builds_age)
                restart = time.monotonic()
                await asyncio.to_thread(self.processes.start)
                self.restarts.append(time.monotonic() - restart)
        finally:
            stop.set()
            clock.cancel()
            await asyncio.gather(load, clock, return_exceptions=True)

    async def enough(self, *, since: float) -> None:
        """Until the load has proved enough (saves, submissions, answers published), or has
        run for ``LOAD_CAP`` seconds."""
        while time.monotonic() - since < LOAD_CAP:
            if (
                self.ledger.acknowledged >= MIN_ACKNOWLEDGED
                and self.stats.submitted >= MIN_SUBMITTED
                and await asyncio.to_thread(self.backstage.included_answers) > 0
            ):
                return
            await asyncio.sleep(1)

    def facts(self) -> dict:
        """What the database holds now (crash_facts.py, in the installation's own process)."""
        code = FACTS.format(
            here=str(Path(__file__).resolve().parent),
            tokens=str(self.tokens_path),
            scan=self.scan_id,
        )
        return manage_shell(self.env, code, "FACTS")

    async def resume(self, facts: dict) -> dict[str, dict]:
        """Every link that saved something and is not submitted, opened again after the last
        restart: where the server sends it, and whether answering on to submission works."""
        expected = expected_resume_paths(facts, self.ledger)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(token: str) -> dict:
            async with limit:
                stats = Stats()
                respondent = Respondent(
                    self.processes.base,
                    token,
                    stats,
                    think=0,
                    rng=random.Random(token),
                    ledger=self.ledger,
                    headers=HEADERS,
                )
                try:
                    await asyncio.wait_for(respondent.run(), timeout=120)
                except TimeoutError:
                    pass  # reported below: not submitted
                return {
                    "expected": expected[token],
                    "opened": respondent.openings[0] if respondent.openings else None,
                    "submitted": stats.submitted,
                    "errors": dict(stats.errors),
                }

        tokens = sorted(expected)
        results = await asyncio.gather(*(one(token) for token in tokens))
        return dict(zip(tokens, results, strict=True))

    def summary(self, facts: dict, resumed: dict) -> str:
        published = [p for p in facts["publications"] if p["status"] == "published"]
        abandoned = [p for p in facts["publications"] if p["status"] != "published"]
        return (
            f"{self.load_seconds:.0f} s of load, {self.kills} kills (restarts took "
            f"{', '.join(f'{s:.1f}' for s in self.restarts)} s); "
            f"{self.ledger.acknowledged} saves acknowledged, {unanswered_saves(self.ledger)} "
            f"never answered, {self.stats.refused_stale} refused as stale; "
            f"{len(self.ledger.submitted)} submitted; errors seen {dict(self.stats.errors)}; "
            f"{len(published)} versions published ({published_with_answers(facts)} with new "
            f"answers, {facts['included']} answers included), {len(abandoned)} builds "
            f"abandoned; {len(resumed)} respondents resumed after the last restart; "
            f"{integrity_checked(facts)}"
        )


class Backstage:
    """What the test does in the run's database behind the app's back: it plays the clock,
    and looks whether answers have been published yet.

    :meth:`clock` moves the published versions' time back every few seconds, so that the
    next interim version is due (the worker publishes at most once a minute); between a kill
    and the restart, :meth:`abandoned_builds_age` ages the killed worker's unfinished build
    past ``STALE_BUILD``, after which the next attempt marks it failed and builds anew.
    """

    def __init__(self, database: str, env: dict, data_dir: Path) -> None:
        self.database = database
        self.url = env.get("TRUSTMIRROR_DATABASE_URL", "")
        self.path = data_dir / "trustmirror.sqlite3"

    def _execute(self, sqlite_sql: str, postgres_sql: str) -> list[tuple]:
        if self.database == "sqlite":
            with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
                return db.execute(sqlite_sql).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(postgres_sql)
            return cursor.fetchall() if cursor.description else []

    def published_age(self) -> None:
        self._execute(
            "UPDATE results_publication SET published_at = "
            f"strftime('%Y-%m-%d %H:%M:%f', published_at, '-{INTERVAL_PASSED} seconds') "
            "WHERE status = 'published'",
            "UPDATE results_publication SET published_at = published_at - "
            f"interval '{INTERVAL_PASSED} seconds' WHERE status = 'published'",
        )

    def abandoned_builds_age(self) -> None:
        self._execute(
            "UPDATE results_publication SET started_at = "
            f"strftime('%Y-%m-%d %H:%M:%f', started_at, '-{STALE_PASSED} seconds') "
            "WHERE status = 'building'",
            "UPDATE results_publication SET started_at = started_at - "
            f"interval '{STALE_PASSED} seconds' WHERE status = 'building'",
        )

    def included_answers(self) -> int:
        """Answers that published versions include so far."""
        sql = "SELECT COUNT(*) FROM results_includedresponse"
        return self._execute(sql, sql)[0][0]

    async def clock(self) -> None:
        while True:
            await asyncio.sleep(CLOCK_EVERY)
            await asyncio.to_thread(self.published_age)


def _flush(cache_url: str) -> None:
    """Empty the run's Redis database (rate-limit counters of an earlier run)."""
    import redis

    redis.Redis.from_url(cache_url).flushdb()


# -- what the respondents were told, against what the database holds ---------------------------


def unanswered_saves(ledger: Ledger) -> int:
    """Saves sent whose answer never came (neither acknowledged nor refused)."""
    return sum(
        sent - ledger.saved_count[key] - ledger.refused_count[key]
        for key, sent in ledger.sent.items()
    )


def save_problems(facts: dict, ledger: Ledger) -> list[str]:
    """Every acknowledged save stored, once; every acknowledged submission submitted.

    A page holds the answers of its last acknowledged save, or of a save sent after it whose
    answer never came (the server may have stored it before it died); with no save
    acknowledged, nothing or one of those. Its revision counts the saves stored: at least
    those acknowledged, at most those sent less those refused.
    """
    problems = []
    pages = facts["pages"]
    for number, token in enumerate(sorted({token for token, _page in ledger.sent}), start=1):
        link = f"link {number}"
        rows = facts["responses"].get(token, [])
        if len(rows) > 1:
            problems.append(f"{link}: {len(rows)} responses")
        row = rows[0] if rows else None
        answers = row["answers"] if row else {}
        if token in ledger.submitted and not (row and row["submitted"]):
            problems.append(f"{link}: submission acknowledged, response not submitted")
        for page_number, page in enumerate(pages, start=1):
            stored = {k: v for k, v in answers.items() if k in page["items"]}
            acknowledged = ledger.pages.get(token, {}).get(page_number)
            unanswered = ledger.pending.get(token, {}).get(page_number, [])
            allowed = [acknowledged if acknowledged is not None else {}, *unanswered]
            if stored not in allowed:
                problems.append(
                    f"{link} page {page_number}: stored {stored}, last acknowledged "
                    f"{acknowledged}, sent since without answer {unanswered}"
                )
            if row is None or row["submitted"]:
                continue  # a submitted response keeps no revisions
            revision = row["page_revisions"].get(page["id"], 0)
            key = (token, page_number)
            least = ledger.saved_count[key]
            most = ledger.sent[key] - ledger.refused_count[key]
            if not least <= revision <= most:
                problems.append(
                    f"{link} page {page_number}: revision {revision}, but {least} saves "
                    f"acknowledged and at most {most} could be stored"
                )
    unknown = set(facts["responses"]) - {token for token, _page in ledger.sent}
    if unknown:
        problems.append(f"{len(unknown)} responses of links that never saved")
    return problems


def response_problems(facts: dict) -> list[str]:
    """No response half-written: its answers on the instrument's items, its revisions on its
    pages and counting every answered page, its answer line as ``response_submit`` wrote it."""
    problems = []
    if facts["responses_without_link"]:
        problems.append(f"{facts['responses_without_link']} responses under no link's key")
    items = {item for page in facts["pages"] for item in page["items"]}
    page_ids = {page["id"] for page in facts["pages"]}
    for number, (_token, rows) in enumerate(sorted(facts["responses"].items()), start=1):
        for row in rows:
            where = f"response {number}"
            if set(row["answers"]) - items or set(row["page_revisions"]) - page_ids:
                problems.append(f"{where}: answers or revisions outside the instrument")
            if row["submitted"]:
                if row["page_revisions"]:
                    problems.append(f"{where}: submitted with revisions {row['page_revisions']}")
                if not row["answer_row"] or row["answer_row"] != row["answer_row_expected"]:
                    problems.append(f"{where}: submitted, answer line {row['answer_row']!r}")
                continue
            if row["answer_row"]:
                problems.append(f"{where}: an answer line before submission")
            for page in facts["pages"]:
                answered = any(item in row["answers"] for item in page["items"])
                if answered and row["page_revisions"].get(page["id"], 0) < 1:
                    problems.append(f"{where}: page {page['id']} answered at revision 0")
    return problems


def integrity_problems(facts: dict) -> list[str]:
    integrity = facts["integrity"]
    problems = []
    if "sqlite_integrity" in integrity:
        if integrity["sqlite_integrity"] != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {integrity['sqlite_integrity'][:5]}")
        if integrity["foreign_key_check"]:
            problems.append(f"PRAGMA foreign_key_check: {integrity['foreign_key_check'][:5]}")
    else:
        amcheck = integrity["amcheck"]
        if amcheck["available"] and amcheck["failures"]:
            problems.append(f"amcheck: {amcheck['failures'][:5]}")
    references = facts["references"]
    problems += [f"{n} orphaned {name}" for name, n in references["orphans"].items() if n]
    problems += [f"{n} duplicated {name}" for name, n in references["duplicates"].items() if n]
    return problems


def integrity_checked(facts: dict) -> str:
    """Which of the database's own checks ran (amcheck needs rights the server may not give)."""
    integrity = facts["integrity"]
    if "sqlite_integrity" in integrity:
        return "SQLite integrity_check and foreign_key_check"
    amcheck = integrity["amcheck"]
    if amcheck["available"]:
        return f"amcheck over {amcheck['indexes']} indexes"
    return f"amcheck unavailable ({amcheck['reason']})"


def published_count(facts: dict) -> int:
    return sum(1 for p in facts["publications"] if p["status"] == "published")


def published_with_answers(facts: dict) -> int:
    return sum(
        1
        for p in facts["publications"]
        if p["status"] == "published" and sum(p["added"].values()) > 0
    )


def publication_problems(facts: dict) -> list[str]:
    """Every version that can be served is whole; nothing of a half-built one is stored.

    A published version has its number (1, 2, ... without a gap), its rows with the
    organisation's, and the answers it says it added: the answers recorded as included in
    the scan's results are exactly those the versions added, unit by unit, and each version's
    count of answers (where shown) is the sum of what it and the versions before it added.
    A version that was not published (abandoned by a killed worker, or failed) has no rows
    and no charts, and no selector returns it.
    """
    problems = []
    publications = facts["publications"]
    published = sorted(
        (p for p in publications if p["status"] == "published"), key=lambda p: p["version"]
    )
    if [p["version"] for p in published] != list(range(1, len(published) + 1)):
        problems.append(f"published versions {[p['version'] for p in published]}")
    added_so_far: dict[str, int] = {}
    for p in published:
        where = f"version {p['version']}"
        if p["track"] != "results" or not p["published_at"] or p["groups"] == 0:
            problems.append(f"{where}: {p['track']}, {p['groups']} rows")
        if p["org_shown"] is None:
            problems.append(f"{where}: no organisation row")
        for unit, n in p["added"].items():
            added_so_far[str(unit)] = added_so_far.get(str(unit), 0) + n
        total = sum(added_so_far.values())
        if p["respondents"] is not None and p["respondents"] != total:
            problems.append(f"{where}: {p['respondents']} answers, the versions added {total}")
        if p["org_n"] is not None and p["org_n"] != total:
            problems.append(f"{where}: the organisation's n {p['org_n']}, added {total}")
    added = {unit: n for unit, n in added_so_far.items() if n}
    if facts["included_per_unit"] != added or facts["included"] != sum(added.values()):
        problems.append(
            f"answers included per unit {facts['included_per_unit']} "
            f"({facts['included']} rows), the versions added {added}"
        )
    if facts["included_not_submitted"]:
        problems.append(f"{facts['included_not_submitted']} unsubmitted answers included")
    for p in publications:
        if p["status"] != "published" and (p["groups"] or p["charts"] or p["version"]):
            problems.append(
                f"unpublished {p['id']} ({p['status']}): version {p['version']}, "
                f"{p['groups']} rows, {p['charts']} charts"
            )
    newest = published[-1]["id"] if published else None
    if facts["served"] != newest or facts["latest"] != newest:
        problems.append(
            f"the selectors serve {facts['served']} and {facts['latest']}, "
            f"the newest published version is {newest}"
        )
    return problems


# -- respondents continue where they were -------------------------------------------------------


def expected_resume_paths(facts: dict, ledger: Ledger) -> dict[str, str]:
    """Where each link that saved and is not submitted must continue: the first page without
    answers (``resume_page_number``), the start page (whose button leads to page 1) when no
    page has answers, the review step when every page has."""
    expected = {}
    page_count = len(facts["pages"])
    for token in {token for token, _page in ledger.sent}:
        rows = facts["responses"].get(token, [])
        if rows and rows[0]["submitted"]:
            continue
        number = rows[0]["resume_page"] if rows else 1
        expected[token] = "/s/review" if number > page_count else f"/s/p/{number}"
    return expected


def resume_problems(resumed: dict[str, dict]) -> list[str]:
    problems = []
    for number, (_token, seen) in enumerate(sorted(resumed.items()), start=1):
        where = f"resumed link {number}"
        if seen["opened"] != seen["expected"]:
            problems.append(f"{where}: opened at {seen['opened']}, expected {seen['expected']}")
        elif seen["errors"] or seen["submitted"] != 1:
            problems.append(
                f"{where}: answering on, errors {seen['errors']}, "
                f"submitted {seen['submitted']} time(s) (in 120 s)"
            )
    if not resumed:
        problems.append("no respondent was left to resume after the last restart")
    return problems
