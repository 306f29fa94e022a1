"""Virtual respondents: open a survey link, answer page by page and submit, as a browser does.

A respondent sends what a browser sends and nothing more: it opens ``/s/<token>``, follows
the redirect to ``/s/start`` (or to the page where it left off), then for every page GETs
it, reads the form (the CSRF field, the link's guard, the page's ``revision``, the radio
groups), thinks, and POSTs its answers with "Next page"; the server answers a save with a
redirect to the next page, which it follows at once, as a browser does. After the last page
it submits on the review step. Cookies are kept per respondent (the survey cookie, the CSRF
cookie), from the ``Set-Cookie`` headers the server sent.

A save is **acknowledged** when the server answers it with the redirect (303/302): only
then does the respondent count it, record it in the :class:`Ledger`, and move on. A 409 is
the server refusing a save made from a page as it was before (another save of the page came
first); it is counted as such, not as an error, and the respondent answers the page as it is
now. Anything else (a 5xx, a reset connection, a timeout) is an error: the respondent waits
a little, opens its link again and continues where the server says it is, as a person would;
if that is the thank-you page, its submission went through before its answer was lost.

Each respondent has its own connection, kept alive from request to request as a browser
keeps it (an ``httpx.AsyncHTTPTransport`` of one connection), used directly: no client-side
cookie jar or redirect machinery, which would cost the load generator more CPU than the
server spends on a request, on the same two cores. (One pool shared by hundreds of
respondents would cost more still: httpcore looks at every pooled connection on every
request.)
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx

__all__ = ["Ledger", "Respondent", "Stats", "run_respondents"]

_INPUT = re.compile(r"<input\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_REDIRECTS = {301, 302, 303, 307, 308}
_PAGE_PATH = re.compile(r"^/s/p/(\d+)$")
THANKS = "/s/thanks"
# The thank-you page's mark (surveys/thanks.html), which /s/start shows once submitted.
_THANKS = 'id="thanks"'
# A page's radio group is named after its item (surveys.forms.ITEM_PREFIX); the ledger keeps
# the item, as the database does.
_ITEM_PREFIX = "item-"
# Made once: a transport makes its own otherwise, reading the CA store (40 ms) each time.
_TLS = ssl.create_default_context()


@dataclass
class Stats:
    """What the respondents saw: every request's latency by kind, and the outcomes."""

    started_at: float = field(default_factory=time.monotonic)
    # kind -> list of (finished at, seconds) for answered requests
    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    saves: list[float] = field(default_factory=list)  # finished at, acknowledged saves
    refused_stale: int = 0
    submitted: int = 0

    def record(self, kind: str, began: float, status: int) -> None:
        now = time.monotonic()
        self.latencies.setdefault(kind, []).append((now, now - began))
        self.statuses[(kind, status)] += 1

    def window(self, start: float, end: float) -> dict:
        """Figures for requests that finished between ``start`` and ``end`` (monotonic)."""
        duration = max(end - start, 1e-9)
        saves = sum(1 for t in self.saves if start <= t < end)
        every = sorted(
            s for values in self.latencies.values() for t, s in values if start <= t < end
        )
        posts = sorted(s for t, s in self.latencies.get("save", []) if start <= t < end)
        return {
            "seconds": duration,
            "saves": saves,
            "saves_per_second": saves / duration,
            "requests": len(every),
            "requests_per_second": len(every) / duration,
            "save": _percentiles(posts),
            "all": _percentiles(every),
        }


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}

    def at(q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    return {
        "n": len(values),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": values[-1],
    }


@dataclass
class Ledger:
    """What the server acknowledged, per link: the crash test checks the database against it.

    ``pages[token][page]`` holds the answers of the page's last acknowledged save (item ->
    value), ``pending[token][page]`` the saves of the page sent after it whose answer never
    came (the server was killed, the connection reset): the server may or may not have
    stored one of those. ``submitted`` holds the links whose submission was acknowledged
    (or that the server, opened again, showed as submitted).

    ``sent``, ``saved_count`` and ``refused_count`` count a page's saves, keyed by (token,
    page): the server counts every save it stores in the page's revision, so that revision
    lies between the saves acknowledged and the saves sent less those refused; each
    acknowledged save stored once, and nothing twice.
    """

    pages: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)
    pending: dict[str, dict[int, list[dict[str, int]]]] = field(default_factory=dict)
    submitted: set[str] = field(default_factory=set)
    acknowledged: int = 0
    sent: Counter = field(default_factory=Counter)
    saved_count: Counter = field(default_factory=Counter)
    refused_count: Counter = field(default_factory=Counter)

    def sending(self, token: str, page: int, answers: dict[str, int]) -> None:
        self.pending.setdefault(token, {}).setdefault(page, []).append(answers)
        self.sent[token, page] += 1

    def saved(self, token: str, page: int, answers: dict[str, int]) -> None:
        self.pages.setdefault(token, {})[page] = answers
        self.pending[token][page] = []
        self.acknowledged += 1
        self.saved_count[token, page] += 1

    def refused(self, token: str, page: int) -> None:
        """The save was answered with a refusal: the server stored nothing of it."""
        self.pending[token][page].pop()
        self.refused_count[token, page] += 1


class ServerError(Exception):
    """A response no respondent should get (5xx, an unexpected status or page)."""


def _form(body: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The hidden fields and the radio groups (name -> values) of a page's form."""
    hidden: dict[str, str] = {}
    radios: dict[str, list[str]] = {}
    for match in _INPUT.finditer(body):
        attrs = dict(_ATTR.findall(match.group(1)))
        kind = attrs.get("type", "")
        name = attrs.get("name")
        if not name:
            continue
        if kind == "hidden":
            hidden[name] = html.unescape(attrs.get("value", ""))
        elif kind == "radio":
            radios.setdefault(name, []).append(attrs.get("value", ""))
    return hidden, radios


class Respondent:
    """One person answering with one browser: its cookies, its link, its place in the survey."""

    def __init__(
        self,
        base_url: str,
        token: str,
        stats: Stats,
        *,
        think: float = 0.0,
        rng: random.Random | None = None,
        ledger: Ledger | None = None,
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.transport = httpx.AsyncHTTPTransport(
            verify=_TLS, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)
        )
        self.base = base_url.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.token = token
        self.stats = stats
        self.think = think
        self.rng = rng or random.Random()
        self.ledger = ledger
        self.timeout = timeout
        self.extra_headers = headers or {}
        # A browser sends its page's origin with every form; behind a proxy that ends TLS
        # (X-Forwarded-Proto: https) the page's origin was https.
        scheme = "https" if self.extra_headers.get("X-Forwarded-Proto") == "https" else "http"
        self.origin = f"{scheme}://{self.host}"
        self.cookies: dict[str, str] = {}
        # Where each opening of the link brought the respondent (the resume page after a crash).
        self.openings: list[str] = []

    async def _request(
        self, kind: str, method: str, path: str, data: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = {"Host": self.host, **self.extra_headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        content = None
        if data is not None:
            content = urlencode(data).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        request = httpx.Request(method, self.base + path, headers=headers, content=content)
        request.extensions["timeout"] = httpx.Timeout(self.timeout).as_dict()
        began = time.monotonic()
        response = await self.transport.handle_async_request(request)
        await response.aread()
        self.stats.record(kind, began, response.status_code)
        for line in response.headers.get_list("set-cookie"):
            pair, _, attrs = line.partition(";")
            name, _, value = pair.strip().partition("=")
            if "max-age=0" in attrs.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.status_code >= 500:
            raise ServerError(f"{method} {path}: {response.status_code}")
        return response

    async def _pause(self) -> None:
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))

    async def open_link(self) -> str:
        """Open the link as from the invitation; return the path the server sends it to."""
        path = await self._open_link()
        self.openings.append(path)
        return path

    async def _open_link(self) -> str:
        response = await self._request("link", "GET", f"/s/{self.token}")
        if response.status_code not in _REDIRECTS:
            raise ServerError(f"link: {response.status_code}")
        location = _path(response.headers["location"])
        response = await self._request("start", "GET", location)
        if response.status_code in _REDIRECTS:
            return _path(response.headers["location"])
        if response.status_code != 200:
            raise ServerError(f"start: {response.status_code}")
        if _THANKS in response.text:
            # Submitted already: the submission went through but its answer was lost.
            return THANKS
        return "/s/p/1"

    async def run(self) -> None:
        """Open the link, answer every page and submit; after an error, open the link again
        and go on."""
        async with self.transport:
            await self._run()

    async def _run(self) -> None:
        path = None
        while True:
            try:
                if path is None:
                    path = await self.open_link()
                if path != THANKS:
                    path = await self._step(path)
                if path == THANKS:
                    self.stats.submitted += 1
                    if self.ledger is not None:
                        self.ledger.submitted.add(self.token)
                    return
            except (httpx.TransportError, ServerError) as error:
                self.stats.errors[type(error).__name__] += 1
                path = None
                await asyncio.sleep(0.5 + self.rng.random())

    async def _step(self, path: str) -> str:
        """One page (or the review step): GET it, answer, POST; return where the server sent."""
        response = await self._request("page", "GET", path)
        if response.status_code in _REDIRECTS:
            return _path(response.headers["location"])
        if response.status_code != 200:
            raise ServerError(f"GET {path}: {response.status_code}")
        body = response.text
        hidden, radios = _form(body)
        await self._pause()
        if path.startswith("/s/review"):
            response = await self._request("submit", "POST", "/s/review", {**hidden, "submit": "1"})
            if response.status_code not in _REDIRECTS:
                raise ServerError(f"submit: {response.status_code}")
            return _path(response.headers["location"])
        match = _PAGE_PATH.match(urlsplit(path).path)
        if match is None or "revision" not in hidden:
            raise ServerError(f"{path}: not a survey page")
        answers = {
            name: self.rng.choice(values)
            for name, values in radios.items()
            if self.rng.random() > 0.03
        }
        number = int(match.group(1))
        values = {k.removeprefix(_ITEM_PREFIX): int(v) for k, v in answers.items()}
        if self.ledger is not None:
            self.ledger.sending(self.token, number, values)
        response = await self._request("save", "POST", path, {**hidden, **answers, "go": "next"})
        if response.status_code not in _REDIRECTS:
            if self.ledger is not None and response.status_code < 500:
                self.ledger.refused(self.token, number)
            if response.status_code == 409:
                self.stats.refused_stale += 1
                return path  # answer the page again, as it is stored now
            raise ServerError(f"save {path}: {response.status_code}")
        self.stats.saves.append(time.monotonic())
        if self.ledger is not None:
            self.ledger.saved(self.token, number, values)
        return _path(response.headers["location"])


def _path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def run_respondents(
    base_url: str,
    tokens: list[str],
    *,
    concurrency: int,
    think: float,
    duration: float,
    stats: Stats,
    ledger: Ledger | None = None,
    seed: int = 1,
    headers: dict[str, str] | None = None,
    on_tick=None,
    stop: asyncio.Event | None = None,
) -> None:
    """``concurrency`` respondents at a time, each a new link when the last one submitted,
    until ``duration`` seconds have passed or ``stop`` is set (the respondents still
    answering then stop where they are, their requests in flight cancelled) or the links run
    out.

    ``on_tick(stats)`` is called about once a second (a progress bar). ``stop`` lets a caller
    end the load when it has seen enough (the crash test, once its last restart has served
    for a while).
    """
    queue = iter(tokens)
    deadline = time.monotonic() + duration
    rng = random.Random(seed)
    stop = stop or asyncio.Event()

    async def worker(number: int) -> None:
        # Start spread over the first second, as people do not all click at the same instant.
        await asyncio.sleep(rng.random())
        for token in queue:
            if time.monotonic() >= deadline or stop.is_set():
                return
            respondent = Respondent(
                base_url,
                token,
                stats,
                think=think,
                rng=random.Random(hash((seed, token))),
                ledger=ledger,
                headers=headers,
            )
            await respondent.run()

    async def ticker() -> None:
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            if on_tick is not None:
                on_tick(stats)

    tasks = [asyncio.create_task(worker(i)) for i in range(concurrency)]
    tick = asyncio.create_task(ticker())
    stopped = asyncio.create_task(stop.wait())
    try:
        running = set(tasks)
        while running and not stop.is_set() and time.monotonic() < deadline:
            await asyncio.wait(
                [*running, stopped],
                timeout=deadline - time.monotonic(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            running = {task for task in tasks if not task.done()}
    finally:
        for task in (*tasks, tick, stopped):
            task.cancel()
        await asyncio.gather(*tasks, tick, stopped, return_exceptions=True)
