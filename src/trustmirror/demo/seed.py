"""Write the demo organisation into the database, and describe it for the person who runs it.

The demo takes the same paths as production wherever privacy is concerned: invitations come
from :func:`trustmirror.surveys.services.scan_create` (random tokens, only their hashes
stored), a response carries the unit, the resume key and only the bands that k invited people
of its unit share (the rule of a real submission), but no person and no time, and the
responses are inserted in random order, so the database's own row order links nothing either.
The first scan went out as printed letters; the open scan's invitations are sent by e-mail
through the worker's own code, into the demo's mailbox (``mailbox/`` in the data directory,
shown on ``/demo/mailbox/``), and the people who "answered" did so with the link in their
message.

What production never does: ``demo-info.json`` keeps the demo's passwords and a few survey
links (tokens) so that whoever runs the demo can log in and answer, and the mailbox keeps
every message with its link. Both are readable by their owner only, and both are demo data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from trustmirror.delivery.mailbox import MailboxBackend, mailbox_messages
from trustmirror.delivery.sending import messages_send
from trustmirror.demo import generate, story
from trustmirror.demo.agreements import seed_agreements
from trustmirror.demo.relational import seed_round
from trustmirror.instrument import load_instrument
from trustmirror.orgs.importing import ensure_unit
from trustmirror.orgs.models import Organisation, Person, Role, Unit
from trustmirror.privacy.recoding import unit_band_recoding
from trustmirror.results.figures import draw_lead_charts, draw_organisation_charts
from trustmirror.results.publishing import publication_attempt
from trustmirror.results.selectors import PublishedResults
from trustmirror.surveys import answer_rows
from trustmirror.surveys.answering import counting_unit_id
from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.services import IssuedLink, links_issue, scan_close, scan_create
from trustmirror.surveys.tokens import resume_key, token_hash

__all__ = [
    "DEFAULT_SEED",
    "INFO_FILE",
    "DemoInfo",
    "Login",
    "ScanSummary",
    "SurveyLink",
    "demo_info",
    "describe",
    "seed_demo",
]

DEFAULT_SEED = 20261127
INFO_FILE = "demo-info.json"
MAILBOX_DIR = "mailbox"
LINK_IN_MESSAGE = re.compile(r"/s/([A-Za-z0-9_-]{22})\b")
#: Scan 2 opened this many days ago and closes this many days from today.
SCAN2_OPENED_DAYS_AGO = 9
SCAN2_OPEN_DAYS = 21
#: Scan 1 opened about half a year before scan 2 and was open for three weeks.
SCANS_APART_DAYS = 182
SCAN1_OPEN_DAYS = 21
# Share of respondents who answer an open question: enough that teams of 15 to 18 often
# reach k in their language, as the results pages show open answers only there.
OPEN_ANSWER_RATE = 0.55
# The share that wrote when the story's numbers were tuned: the main generator still makes
# the draws that choice took (_Answering._tuned_draws), so every number of the story stays.
TUNED_OPEN_ANSWER_RATE = 0.2
STORY_ANSWER_SHARE = 0.7
DEMO_PBKDF2_ITERATIONS = 10_000
LINKS_KEPT = 8
LINKS_SHOWN = 5
#: Teams whose pending links are kept first: one per part of the story.
SHOWCASE_TEAMS = [
    story.REORGANISED_TEAM,
    story.HIGH_TRUST_TEAM,
    "Customer Services/International Desk",
    story.SMALL_TEAM,
    story.IMPROVING_TEAM,
    "Customer Services/Service Desk",
    "Operations/Transport/Drivers South",
    "Operations/Warehouse/Inbound",
]
MONTHS_NL = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    unit: str | None
    note: str


@dataclass(frozen=True)
class SurveyLink:
    token: str
    person: str
    unit: str
    language: str


@dataclass(frozen=True)
class ScanSummary:
    name: str
    opens_on: str
    closes_on: str
    status: str
    invited: int
    responded: int


@dataclass(frozen=True)
class DemoInfo:
    """What a seed created, saved in ``demo-info.json`` so a later start can print it again."""

    organisation: str
    organisation_slug: str
    seed: int
    data_dir: str
    people: int
    departments: int
    teams: int
    scans: list[ScanSummary] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)
    links: list[SurveyLink] = field(default_factory=list)
    # Scan 1's link of someone who completed its relational round: it opens their mirror.
    mirror_link: SurveyLink | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> DemoInfo:
        raw = json.loads(text)
        return cls(
            **{
                **raw,
                "scans": [ScanSummary(**scan) for scan in raw["scans"]],
                "logins": [Login(**login) for login in raw["logins"]],
                "links": [SurveyLink(**link) for link in raw["links"]],
                "mirror_link": (
                    SurveyLink(**raw["mirror_link"]) if raw.get("mirror_link") else None
                ),
            }
        )


@dataclass
class _PersonPlan:
    name: str
    language: str
    team: story.TeamSpec
    is_lead: bool
    bands: dict[str, str]
    joined_after_scan1: bool


def demo_info(data_dir: Path) -> DemoInfo | None:
    """The info saved by an earlier seed, or None when this database holds no demo yet."""
    try:
        info = DemoInfo.from_json((Path(data_dir) / INFO_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        # A damaged info file: seeding again is the only way to get the passwords back.
        return None
    if not Organisation.objects.filter(slug=info.organisation_slug).exists():
        return None
    return info


def seed_demo(*, data_dir: Path, seed: int = DEFAULT_SEED, progress: bool = True) -> DemoInfo:
    """Create the demo organisation, its people, two scans with answers and the logins.

    Everything happens in one transaction; a demo left by an earlier seed whose info file
    was lost is replaced. The same ``seed`` gives the same people and answers; tokens and
    passwords are random every time, as in production.
    """
    data_dir = Path(data_dir)
    # The closed scan asked Trust Scan 1, the open one asks version 2 (full): the pages show
    # change across versions only where the questions stayed the same.
    instrument = load_instrument("trustscan", "1")
    newer = load_instrument("trustscan", "2")
    scale = generate.Scale.from_instrument(instrument)
    open_question_ids = [question.id for question in instrument.open_questions]
    rng = np.random.default_rng(seed)
    item_offsets = rng.normal(0.0, generate.ITEM_OFFSET_SD, len(scale.item_ids))
    groups = list(dict.fromkeys(scale.construct_groups))
    # A team's own random effect per group of constructs, the same in both versions.
    team_effects = {
        team.path: dict(
            zip(groups, rng.normal(0.0, generate.TEAM_RANDOM_SD, len(groups)), strict=True)
        )
        for team in story.TEAMS
    }
    team_random = {path: generate.expand(scale, e) for path, e in team_effects.items()}
    scan2_opens = timezone.localdate() - dt.timedelta(days=SCAN2_OPENED_DAYS_AGO)
    scan1_opens = scan2_opens - dt.timedelta(days=SCANS_APART_DAYS)
    steps = 5 + 2 * len(story.TEAMS)
    with tqdm(total=steps, desc="Demo", unit="step", disable=not progress) as bar:
        with transaction.atomic():
            _remove_previous_demo()
            shutil.rmtree(data_dir / MAILBOX_DIR, ignore_errors=True)
            organisation = Organisation.objects.create(
                name=story.ORGANISATION_NAME, slug=story.ORGANISATION_SLUG, default_language="nl"
            )
            units: dict[str, Unit] = {}
            for team in story.TEAMS:
                ensure_unit(organisation, team.path, units)
            plans = _plan_people(rng)
            people = Person.objects.bulk_create(
                [
                    Person(
                        organisation=organisation,
                        name=plan.name,
                        email=f"{_email_local(plan.name)}@{story.EMAIL_DOMAIN}",
                        language=plan.language,
                        unit=units[plan.team.path],
                        is_lead=plan.is_lead,
                        bands=plan.bands,
                    )
                    for plan in plans
                ]
            )
            row_of = {person.pk: row for row, person in enumerate(people)}
            traits1 = rng.standard_normal((len(people), len(generate.FACTORS)))
            traits2 = generate.next_wave_traits(rng, traits1)
            bar.update()

            answering = _Answering(rng, scale, item_offsets, team_random, open_question_ids, bar)
            # The first scan went out as printed letters: its links came from the letter file.
            scan1 = scan_create(
                organisation=organisation,
                name=_scan_name(scan1_opens),
                opens_on=scan1_opens,
                closes_on=scan1_opens + dt.timedelta(days=SCAN1_OPEN_DAYS),
                min_group_size=story.MIN_GROUP_SIZE,
                delivery=Scan.LETTERS,
                people=[
                    p for p, plan in zip(people, plans, strict=True) if not plan.joined_after_scan1
                ],
            )
            links1 = sorted(links_issue(scan=scan1), key=lambda link: row_of[link.person.pk])
            answered1 = answering.answer(scan1, 1, links1, traits1, row_of)
            # Scan 1 ran the relational round and the leader mirror in the story's teams;
            # its own generator, so the questionnaire's answers stay as they were.
            Scan.objects.filter(pk=scan1.pk).update(relational_round=True, leader_mirror=True)
            scan1.refresh_from_db()
            in_round = seed_round(
                scan1,
                [link.person for link in links1],
                {link.person.pk for link in links1 if link.token in answered1},
                np.random.default_rng([seed, 1]),
            )
            scan_close(scan=scan1)
            # The open scan shares interim results, so that its story is on the pages now
            # and a demo visitor's answers enter on the worker's schedule. Its invitations
            # go out by e-mail, into the demo's mailbox.
            scan2 = scan_create(
                organisation=organisation,
                name=_scan_name(scan2_opens),
                opens_on=scan2_opens,
                closes_on=scan2_opens + dt.timedelta(days=SCAN2_OPEN_DAYS),
                min_group_size=story.MIN_GROUP_SIZE,
                max_cut_dimensions=0,
                interim_results=True,
                people=people,
                instrument_version=newer.version,
            )
            # The open scan asks the round too: a visitor answering it walks through it.
            Scan.objects.filter(pk=scan2.pk).update(relational_round=True, leader_mirror=True)
            scan2.refresh_from_db()
            links2 = _send_invitations(scan2, data_dir / MAILBOX_DIR, people)
            scale2 = generate.Scale.from_instrument(newer)
            # An item of version 2 with a version-1 id is the same question: same offset.
            offset_of = dict(zip(scale.item_ids, item_offsets.tolist(), strict=True))
            fresh = rng.normal(0.0, generate.ITEM_OFFSET_SD, len(scale2.item_ids))
            item_offsets2 = np.array(
                [offset_of.get(item, new) for item, new in zip(scale2.item_ids, fresh, strict=True)]
            )
            answering2 = _Answering(
                rng,
                scale2,
                item_offsets2,
                {path: generate.expand(scale2, e) for path, e in team_effects.items()},
                [question.id for question in newer.open_questions],
                bar,
            )
            answered2 = answering2.answer(scan2, 2, links2, traits2, row_of)

            member = next(
                (
                    p
                    for p in people
                    if p.unit.path == story.MEMBER_LOGIN[1] and not p.is_lead and p.pk in in_round
                ),
                None,
            )
            logins = _create_logins(organisation, units, people, member=member)
            # What teams agreed after each scan, with the history of their check-ins.
            seed_agreements(
                organisation=organisation,
                units=units,
                people=people,
                scan1=scan1,
                scan2=scan2,
                member=member,
                today=timezone.localdate(),
            )
            bar.update()
            info = DemoInfo(
                organisation=organisation.name,
                organisation_slug=organisation.slug,
                seed=seed,
                data_dir=str(data_dir),
                people=len(people),
                departments=len({team.department for team in story.TEAMS}),
                teams=len(story.TEAMS),
                scans=[
                    _summary(scan1, len(links1), len(answered1)),
                    _summary(scan2, len(links2), len(answered2)),
                ],
                logins=logins,
                links=_showcase_links(links2, answered2),
                mirror_link=_mirror_link(links1, in_round, member),
            )
            _write_info(data_dir, info)
            bar.update()
        # Publish both scans as the worker would: the closed one's final results, the open
        # one's first interim version; and draw the organisation's charts.
        for scan in (scan1, scan2):
            outcome = publication_attempt(scan=scan, force=True)
            if outcome.publication is not None:
                results = PublishedResults(outcome.publication)
                draw_organisation_charts(results)
                draw_lead_charts(results)
            bar.update()
    return info


def describe(info: DemoInfo, *, base_url: str) -> str:
    """The text printed when the demo starts: logins, usable survey links, where data lives."""
    base_url = base_url.rstrip("/")
    # The database cannot tell who has answered (invitations are never written on
    # submission); the demo can, because it kept the tokens: a submitted response carries
    # the token's resume key.
    open_links = set(
        Invitation.objects.filter(
            token_hash__in=[token_hash(link.token) for link in info.links],
            scan__status=Scan.OPEN,
        ).values_list("token_hash", flat=True)
    )
    submitted = set(
        Response.objects.filter(
            resume_key__in=[resume_key(link.token) for link in info.links], submitted=True
        ).values_list("resume_key", flat=True)
    )
    usable = [
        link
        for link in info.links
        if token_hash(link.token) in open_links and resume_key(link.token) not in submitted
    ][:LINKS_SHOWN]
    current = info.scans[-1]
    width = max(len(login.username) for login in info.logins)
    lines = [
        f"Trustmirror demo: {info.organisation} (a fictional company), {info.people} people "
        f"in {info.departments} departments and {info.teams} teams, two scans.",
        "",
        f"Log in at {base_url}/accounts/login/ as",
    ]
    for login in info.logins:
        lines.append(f"  {login.username:<{width}}  {login.password}  {login.note}")
    lines.append("")
    if usable:
        lines.append(
            f'Answer the open scan "{current.name}" (closes {current.closes_on}) as someone '
            "who has not answered yet; each link works until it is submitted:"
        )
        for link in usable:
            lines.append(
                f"  {base_url}/s/{link.token}  {link.person} ({link.unit}, {link.language})"
            )
    else:
        lines.append("All demo survey links have been used.")
    if info.mirror_link is not None:
        link = info.mirror_link
        lines += [
            "",
            f"Open a personal mirror of the closed scan's relational round as {link.person} "
            f"({link.unit}): {base_url}/s/{link.token}",
        ]
    lines += [
        "",
        f"Every e-mail of the demo (invitations, reminders, new links) is in its mailbox: "
        f"{base_url}/demo/mailbox/",
    ]
    lines += [
        "",
        f"Data: {info.data_dir} (the SQLite database; logins and links in {INFO_FILE}).",
        "The story to look for is in docs/demo.md. To start afresh, stop the server and "
        "delete that directory.",
    ]
    return "\n".join(lines)


class _Answering:
    """Makes one scan's responses, team by team, from the people's latent factors."""

    def __init__(
        self,
        rng: np.random.Generator,
        scale: generate.Scale,
        item_offsets: np.ndarray,
        team_random: dict[str, np.ndarray],
        open_question_ids: list[str],
        bar: tqdm,
    ):
        self.rng, self.scale, self.item_offsets = rng, scale, item_offsets
        self.team_random, self.open_question_ids, self.bar = team_random, open_question_ids, bar
        # The open answers already written per (team, question) in this scan.
        self.used_answers: dict[tuple[str, str], set[str]] = {}
        # A stream of its own (spawned: the main stream does not move), so that how many
        # write can change without changing any number of the story.
        self.open_rng = rng.spawn(1)[0]

    def answer(
        self,
        scan: Scan,
        wave: int,
        links: list[IssuedLink],
        traits: np.ndarray,
        row_of: dict[int, int],
    ) -> set[str]:
        """Create the responses of ``scan``; return the tokens whose invitation is submitted."""
        by_team: dict[str, list[IssuedLink]] = defaultdict(list)
        for link in links:
            by_team[link.person.unit.path].append(link)
        responses, answered = [], set()
        instrument = load_instrument(scan.instrument_id, scan.instrument_version, scan.form)
        item_ids = list(instrument.items)
        # Where each answer counts: a lead's in the unit above where the questionnaire says so,
        # as a real submission (surveys.answering.counting_unit_id).
        counts_in = {link.person.pk: counting_unit_id(link.person, instrument) for link in links}
        # The same rule as a real submission: only bands that k invited people of the unit
        # share are stored with a response.
        bands = (
            unit_band_recoding(
                ((link.person.pk, counts_in[link.person.pk], link.person.bands) for link in links),
                scan.min_group_size,
            )
            if scan.max_cut_dimensions
            else {}
        )
        for team in story.TEAMS:
            team_links = by_team[team.path]
            rate = team.response_rates[wave - 1]
            count = round(rate * len(team_links))
            chosen = [team_links[i] for i in sorted(self.rng.choice(len(team_links), count, False))]
            effects = [
                story.DEPARTMENT_EFFECTS.get(team.department, {}).get(wave, {}),
                team.effects.get(wave, {}),
            ]
            means = generate.construct_means(self.scale, effects) + self.team_random[team.path]
            rows = [row_of[link.person.pk] for link in chosen]
            latent = generate.latent_scores(self.rng, self.scale, means, traits[rows])
            stored = generate.item_answers(self.rng, self.scale, latent, self.item_offsets)
            for link, answers in zip(
                chosen, generate.answer_dicts(self.scale, stored), strict=True
            ):
                responses.append(
                    Response(
                        scan=scan,
                        unit_id=counts_in[link.person.pk],
                        resume_key=resume_key(link.token),
                        language=link.person.language,
                        answers=answers,
                        open_answers=self._open_answers(team, wave, link.person.language),
                        bands=bands.get(link.person.pk, {}),
                        submitted=True,
                        answer_row=answer_rows.encode(item_ids, answers),
                    )
                )
                answered.add(link.token)
            self.bar.update()
        # Insert in random order: rows in invitation order would let the row order link
        # responses back to people.
        order = self.rng.permutation(len(responses))
        Response.objects.bulk_create([responses[i] for i in order])
        return answered

    def _open_answers(self, team: story.TeamSpec, wave: int, language: str) -> dict[str, str]:
        """A respondent's open answers, drawn from their own generator (``open_rng``)."""
        result = {}
        for question_id in self.open_question_ids:
            pools = story.OPEN_ANSWERS.get(question_id)
            if not pools:
                continue
            special = [
                answer
                for key in (f"{team.path}@{wave}", team.path, f"{team.department}@{wave}")
                for answer in pools.get(key, [])
            ]
            self._tuned_draws(special, pools["general"])
            if self.open_rng.random() >= OPEN_ANSWER_RATE:
                continue
            # A team's story answers are written once each, as people write their own: the
            # same sentence five times on a team's page would read as a copy, not a team.
            used = self.used_answers.setdefault((team.path, question_id), set())
            special = [answer for answer in special if answer["en"] not in used]
            pool = (
                special
                if special and self.open_rng.random() < STORY_ANSWER_SHARE
                else pools["general"]
            )
            fresh = [answer for answer in pool if answer["en"] not in used] or pool
            answer = fresh[int(self.open_rng.integers(len(fresh)))]
            used.add(answer["en"])
            result[question_id] = answer[language]
        return result

    def _tuned_draws(self, special: list, general: list) -> None:
        """The main generator's draws of the open answers as they were when the story was
        tuned (a fifth wrote); their outcome is not used. Without them every later number of
        the demo would move."""
        if self.rng.random() >= TUNED_OPEN_ANSWER_RATE:
            return
        pool = special if special and self.rng.random() < STORY_ANSWER_SHARE else general
        self.rng.integers(len(pool))


def _plan_people(rng: np.random.Generator) -> list[_PersonPlan]:
    taken = {team.lead_name for team in story.TEAMS if team.lead_name}
    tenure_labels = [label for label, _ in story.TENURE_BANDS]
    tenure_weights = [weight for _, weight in story.TENURE_BANDS]
    plans = []
    for team in story.TEAMS:
        for position in range(team.size):
            is_lead = position == 0
            joined = position >= team.size - team.joined_after_scan1
            english = not is_lead and rng.random() < team.english_share
            if is_lead and team.lead_name:
                name = team.lead_name
            else:
                name = _new_name(rng, english, taken)
            if joined:
                tenure = "< 1 year"
            elif is_lead:
                tenure = "5+ years"
            else:
                tenure = str(rng.choice(tenure_labels, p=tenure_weights))
            location = team.location
            if team.department != "Operations" and rng.random() < 0.1:
                location = story.OTHER_LOCATION[location]
            plans.append(
                _PersonPlan(
                    name=name,
                    language="en" if english else "nl",
                    team=team,
                    is_lead=is_lead,
                    bands={"tenure": tenure, "location": location},
                    joined_after_scan1=joined,
                )
            )
    return plans


def _new_name(rng: np.random.Generator, english: bool, taken: set[str]) -> str:
    firsts = story.ENGLISH_FIRST if english else story.DUTCH_FIRST
    lasts = story.ENGLISH_SURNAME if english else story.DUTCH_SURNAME
    while True:
        name = f"{firsts[rng.integers(len(firsts))]} {lasts[rng.integers(len(lasts))]}"
        if name not in taken:
            taken.add(name)
            return name


def _email_local(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    first, _, rest = plain.encode("ascii", "ignore").decode("ascii").partition(" ")
    return f"{first}.{rest.replace(' ', '')}".lower()


def _scan_name(opens_on: dt.date) -> str:
    return f"Vertrouwensscan {MONTHS_NL[opens_on.month - 1]} {opens_on.year}"


def _summary(scan: Scan, invited: int, responded: int) -> ScanSummary:
    return ScanSummary(
        name=scan.name,
        opens_on=scan.opens_on.isoformat(),
        closes_on=scan.closes_on.isoformat(),
        status=scan.status,
        invited=invited,
        responded=responded,
    )


def _mirror_link(
    links: list[IssuedLink], in_round: set[int], member: Person | None
) -> SurveyLink | None:
    """Scan 1's link of one round member of the one-sided team (not the member login)."""
    for link in links:
        person = link.person
        if (
            person.pk in in_round
            and person.unit.path == story.IMPROVING_TEAM
            and not person.is_lead
            and person != member
        ):
            return SurveyLink(link.token, person.name, person.unit.path, person.language)
    return None


def _create_logins(
    organisation: Organisation,
    units: dict[str, Unit],
    people: list[Person],
    *,
    member: Person | None = None,
) -> list[Login]:
    """The consultant, an analyst, the leads of the story's teams and one team member, with
    random passwords."""
    lead_of = {person.unit.path: person for person in people if person.is_lead}
    specs: list[tuple[str, str, str | None, str, Person | None]] = [
        (
            "consultant",
            Role.ADMIN,
            None,
            "HR consultant, organisation admin: sees everything",
            None,
        ),
        ("analyst", Role.ANALYST, None, "analyst: all results, manages nothing", None),
    ]
    notes = {
        story.HIGH_TRUST_TEAM: "a high-trust team",
        story.REORGANISED_TEAM: "reorganised between the two scans",
        story.SMALL_TEAM: "3 people, too few to show any number",
        story.IMPROVING_TEAM: "improved after agreements made on scan 1",
    }
    for team in story.TEAMS:
        if team.lead_username:
            note = f"lead of {team.path}"
            if team.path in notes:
                note += f" ({notes[team.path]})"
            if team.heads_department:
                note += (
                    f"; also head of {team.department}, where leader integrity dropped in scan 2"
                )
            specs.append((team.lead_username, Role.LEAD, team.path, note, lead_of[team.path]))
    if member is not None:
        specs.append(
            (
                story.MEMBER_LOGIN[0],
                Role.MEMBER,
                member.unit.path,
                f"{member.name}, member of {member.unit.path}: own team and own mirror",
                member,
            )
        )
    passwords = [secrets.token_urlsafe(12) for _ in specs]
    hashes = [_demo_password_hash(password) for password in passwords]
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(
                username=username,
                password=hashed,
                first_name=person.name.split(" ", 1)[0] if person else "",
                email=person.email if person else "",
            )
            for (username, _, _, _, person), hashed in zip(specs, hashes, strict=True)
        ]
    )
    roles, logins = [], []
    for user, password, (username, kind, unit_path, note, person) in zip(
        users, passwords, specs, strict=True
    ):
        roles.append(
            Role(
                user=user,
                organisation=organisation,
                kind=kind,
                unit=units[unit_path] if unit_path else None,
            )
        )
        if unit_path and _heads_department(unit_path):
            # A department head sees the whole department, not only her own team.
            department = unit_path.split("/", 1)[0]
            roles.append(
                Role(user=user, organisation=organisation, kind=Role.LEAD, unit=units[department])
            )
        if person is not None:
            person.user = user
            person.save(update_fields=["user"])
        logins.append(Login(username, password, kind, unit_path, note))
    Role.objects.bulk_create(roles)
    return logins


def _demo_password_hash(password: str) -> str:
    """A password hash that is quick to make; Django upgrades it at the first login.

    The demo's passwords are written in plain text to ``demo-info.json`` beside the
    database, so a full-strength hash (most of a second each) would protect nothing and only
    slow the seed down. ``check_password`` re-hashes with the configured strength on login.
    """
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=DEMO_PBKDF2_ITERATIONS)
    return make_password(password)


def _heads_department(team_path: str) -> bool:
    return any(team.heads_department for team in story.TEAMS if team.path == team_path)


def _showcase_links(links: list[IssuedLink], answered: set[str]) -> list[SurveyLink]:
    """A few pending links of the open scan: one per part of the story, then any others."""
    pending = [link for link in links if link.token not in answered]
    chosen: list[IssuedLink] = []
    for path in SHOWCASE_TEAMS:
        candidates = [link for link in pending if link.person.unit.path == path]
        # Prefer an English speaker where there is one, so both languages are in the list.
        candidates.sort(key=lambda link: link.person.language != "en")
        if candidates:
            chosen.append(candidates[0])
    chosen += [link for link in pending if link not in chosen]
    return [
        SurveyLink(link.token, link.person.name, link.person.unit.path, link.person.language)
        for link in chosen[:LINKS_KEPT]
    ]


def _send_invitations(scan: Scan, mailbox: Path, people: list[Person]) -> list[IssuedLink]:
    """Send the scan's invitations into the demo's mailbox, exactly as the worker does; then
    read each person's link back from their message, as they would.

    They are dated today, like the mailbox's files, so that a reminder sent in the demo
    quotes the date the visitor sees in the mailbox."""
    report = messages_send(connection=MailboxBackend(directory=mailbox), scan=scan)
    if report.sent != len(people):
        raise RuntimeError(f"the demo's invitations were not all sent: {report.as_dict()}")
    mailbox.chmod(0o700)
    by_email = {person.email: person for person in people}
    links = []
    for entry in mailbox_messages(mailbox):
        match = LINK_IN_MESSAGE.search(entry.text)
        if match and entry.to in by_email:
            links.append(IssuedLink(person=by_email[entry.to], token=match.group(1)))
    # In the order of the people, whatever order the mailbox lists them in (the same seed
    # gives the same answers).
    order = {person.pk: row for row, person in enumerate(people)}
    return sorted(links, key=lambda link: order[link.person.pk])


def _remove_previous_demo() -> None:
    """Remove a demo whose info file was lost; refuse to touch anything that is not demo."""
    usernames = {"consultant", "analyst", story.MEMBER_LOGIN[0]} | {
        t.lead_username for t in story.TEAMS if t.lead_username
    }
    users = get_user_model().objects.filter(username__in=usernames)
    foreign = Role.objects.filter(user__in=users).exclude(
        organisation__slug=story.ORGANISATION_SLUG
    )
    if foreign.exists() or users.filter(is_superuser=True).exists():
        raise RuntimeError(
            "This database has users named like the demo's logins that belong to something "
            "else; run the demo in its own data directory (--data-dir)."
        )
    organisation = Organisation.objects.filter(slug=story.ORGANISATION_SLUG).first()
    if organisation is not None:
        Response.objects.filter(scan__organisation=organisation).delete()
        Person.objects.filter(organisation=organisation).delete()
        organisation.delete()
    users.delete()


def _write_info(data_dir: Path, info: DemoInfo) -> None:
    """Write the info file readable by its owner only, never half-written."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / INFO_FILE
    partial = data_dir / (INFO_FILE + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(info.to_json())
    os.chmod(partial, 0o600)
    os.replace(partial, path)
