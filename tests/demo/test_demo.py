"""The demo organisation: its shape, its privacy, its story and the text the CLI prints.

Scale scores here are computed with plain pandas (reverse keys from the instrument, 0 and
skipped items missing), independently of the analysis package, so the story is checked on
the raw answers as a reader of a data export would see them.
"""

from __future__ import annotations

import re
import stat
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import connection, models, transaction
from django.utils import timezone

from trustmirror import demo
from trustmirror.demo import story
from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Organisation, Person, Role, Unit
from trustmirror.surveys.answering import invited_per_counting_unit
from trustmirror.surveys.models import Invitation, Response, Scan
from trustmirror.surveys.tokens import resume_key, token_hash

THEMES = [
    "safety_security",
    "power_place",
    "reliability",
    "performance",
    "collaboration",
    "innovation",
]
BASE_URL = "http://127.0.0.1:8765"


def submit_with(token: str) -> None:
    """Record a submitted response for a demo link, as the survey pages would."""
    invitation = Invitation.objects.select_related("person").get(token_hash=token_hash(token))
    Response.objects.update_or_create(
        scan_id=invitation.scan_id,
        resume_key=resume_key(token),
        defaults={"unit_id": invitation.person.unit_id, "submitted": True},
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, demo_dir):
    """The demo, seeded once for the module (about 11 s) in a transaction undone at its end.

    Each test runs in a savepoint inside it (the ``db`` fixture), so whatever a test changes
    is undone before the next; the data directory (info file, mailbox) is only read.
    """
    from django.test import override_settings

    # As tests/conftest.py's _fast_password_hashing does for each test, which is not yet
    # active for a module's fixture.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo.seed_demo(data_dir=demo_dir, progress=False)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def scale_scores() -> pd.DataFrame:
    """One row per submitted response: team path, scan number (1, 2) and construct means,
    each scan scored with its own version of the questionnaire (1, then 2)."""
    frames = []
    for number, scan in enumerate(Scan.objects.order_by("opens_on"), start=1):
        keys = load_instrument(scan.instrument_id, scan.instrument_version).scoring_keys()
        responses = list(Response.objects.filter(scan=scan, submitted=True).select_related("unit"))
        answers = pd.DataFrame([r.answers for r in responses], dtype=float).replace(0, np.nan)
        frame = pd.DataFrame({"team": [r.unit.path for r in responses], "scan": number})
        for construct, items in keys.items():
            keyed = pd.DataFrame(
                {
                    item: 6 - answers[item] if key < 0 else answers[item]
                    for item, key in items.items()
                }
            )
            frame[construct] = keyed.mean(axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_organisation_has_three_departments_fourteen_teams_and_about_150_people(seeded):
    organisation = Organisation.objects.get(slug=seeded.organisation_slug)
    units = Unit.objects.filter(organisation=organisation)
    teams = units.filter(children__isnull=True)
    people = Person.objects.filter(organisation=organisation)

    assert units.filter(depth=0).count() == 3
    assert teams.count() == 14
    assert 140 <= people.count() <= 160
    assert not people.exclude(unit__in=teams).exists(), "everyone works in a team"
    assert people.filter(is_lead=True).count() == 14
    assert set(people.values_list("language", flat=True)) == {"nl", "en"}
    assert 0.05 < people.filter(language="en").count() / people.count() < 0.3
    assert all(set(p.bands) == {"tenure", "location"} for p in people)
    assert len(set(people.values_list("email", flat=True))) == people.count()
    assert (seeded.people, seeded.departments, seeded.teams) == (people.count(), 3, 14)


def test_two_scans_half_a_year_apart_first_closed_second_open(seeded):
    first, second = Scan.objects.order_by("opens_on")

    assert 170 <= (second.opens_on - first.opens_on).days <= 190
    assert first.status == Scan.CLOSED and first.closes_on < second.opens_on
    assert second.status == Scan.OPEN
    assert second.opens_on <= timezone.localdate() < second.closes_on
    assert first.min_group_size == second.min_group_size == 5


def test_responses_carry_no_person_no_time_and_only_a_team_or_a_leads_unit_above(seeded):
    person_models = {Person, Invitation, get_user_model()}
    for field in Response._meta.get_fields():
        assert getattr(field, "related_model", None) not in person_models, field.name
        assert not isinstance(field, models.DateField | models.TimeField), field.name
    teams = set(Unit.objects.filter(children__isnull=True).values_list("pk", flat=True))
    responses = Response.objects.all()
    v1 = responses.filter(scan__instrument_version="1")
    assert v1.exists() and set(v1.values_list("unit_id", flat=True)) <= teams
    # Trust Scan v2 counts a lead's answers in the unit above the team they lead.
    v2 = responses.filter(scan__instrument_version="2")
    above = v2.exclude(unit_id__in=teams)
    leads = Person.objects.filter(is_lead=True, unit_id__in=teams)
    assert 0 < above.count() <= leads.count()
    assert set(above.values_list("unit_id", flat=True)) <= set(
        leads.values_list("unit__parent_id", flat=True)
    )
    assert responses.filter(submitted=False).count() == 0
    resume_keys = list(responses.values_list("resume_key", flat=True))
    assert len(set(resume_keys)) == len(resume_keys)
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in resume_keys)


def test_responses_are_stored_in_random_order(seeded):
    # Row order that follows the invitations (team by team) would link responses to people.
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's rowid")
    with connection.cursor() as cursor:
        cursor.execute("SELECT unit_id FROM surveys_response ORDER BY rowid")
        units = [row[0] for row in cursor.fetchall()]
    runs = 1 + sum(a != b for a, b in zip(units, units[1:], strict=False))
    assert runs > len(units) / 2


def test_answers_use_the_scale_with_some_dont_know_and_some_skipped(seeded):
    values = Counter()
    skipped = 0
    for scan in Scan.objects.all():
        # Each scan's answers are stored against the items of its own version.
        instrument = load_instrument(scan.instrument_id, scan.instrument_version)
        for answers in Response.objects.filter(scan=scan).values_list("answers", flat=True):
            assert set(answers) <= set(instrument.items)
            values.update(answers.values())
            skipped += len(instrument.items) - len(answers)
    total = sum(values.values())
    assert set(values) == {0, 1, 2, 3, 4, 5}
    assert 0.01 < values[0] / total < 0.06
    assert 0.002 < skipped / (total + skipped) < 0.03


def test_responses_per_team_never_exceed_invitations_and_rates_are_realistic(seeded):
    for scan in Scan.objects.all():
        # Invited and answered per unit where the answers count (a v2 lead's: the unit above).
        invited = invited_per_counting_unit(scan)
        answered = Counter(scan.responses.values_list("unit_id", flat=True))
        assert all(answered[unit] <= invited[unit] for unit in answered)
        assert answered.keys() <= invited.keys()
        rate = sum(answered.values()) / scan.invitations.count()
        assert 0.7 <= rate <= 0.85, (scan.name, rate)
    current = Scan.objects.get(status=Scan.OPEN)
    assert current.invitations.count() - current.responses.count() >= 20


def test_only_the_small_team_stays_below_the_minimum_group_size(seeded):
    scores = scale_scores()
    # Only teams: in the v2 scan a lead's answers count in the department above (rule 12).
    teams = set(Unit.objects.filter(children__isnull=True).values_list("path", flat=True))
    counts = scores[scores["team"].isin(teams)].groupby(["team", "scan"]).size()

    assert (counts.loc[story.SMALL_TEAM] < 5).all()
    assert Person.objects.filter(unit__path=story.SMALL_TEAM).count() == 3
    others = counts.drop(story.SMALL_TEAM, level="team")
    assert len(others) == 26 and (others >= 5).all(), others[others < 5]


def test_the_story_is_visible_in_the_answers(seeded):
    scores = scale_scores()
    team = scores.groupby(["team", "scan"]).mean(numeric_only=True)
    org = scores.groupby("scan").mean(numeric_only=True)

    # Reorganised between the scans: safety and psychological safety drop, fear rises.
    returns = team.loc[story.REORGANISED_TEAM]
    assert returns.loc[1, "safety_security"] - returns.loc[2, "safety_security"] > 0.7
    assert returns.loc[1, "psych_safety"] - returns.loc[2, "psych_safety"] > 0.5
    assert returns.loc[2, "fear"] - returns.loc[1, "fear"] > 0.5
    assert returns.loc[2, "safety_security"] == team.xs(2, level="scan")["safety_security"].min()

    # The high-trust team is above the organisation on every theme, in both scans.
    it = team.loc[story.HIGH_TRUST_TEAM]
    for scan in (1, 2):
        for theme in THEMES:
            assert it.loc[scan, theme] > org.loc[scan, theme] + 0.1, (scan, theme)
        assert it.loc[scan, "fear"] < org.loc[scan, "fear"] - 0.3

    # Planning made agreements after scan 1 and improved.
    planning = team.loc[story.IMPROVING_TEAM]
    assert planning.loc[2, "reliability"] - planning.loc[1, "reliability"] > 0.5
    assert planning.loc[2, "collaboration"] - planning.loc[1, "collaboration"] > 0.5

    # Leader integrity dropped in one department, not in the rest of the organisation.
    in_department = scores["team"].str.startswith(story.INTEGRITY_DEPARTMENT + "/")
    integrity = scores.groupby([in_department, "scan"])["leader_integrity"].mean()
    assert integrity.loc[(True, 1)] - integrity.loc[(True, 2)] > 0.5
    assert abs(integrity.loc[(False, 1)] - integrity.loc[(False, 2)]) < 0.25

    # Drivers work under more control than the rest.
    drivers = scores["team"].str.contains("/Drivers ")
    assert scores[drivers]["control"].mean() - scores[~drivers]["control"].mean() > 0.4


def test_constructs_move_together_as_described(seeded):
    correlation = scale_scores()[["psych_safety", "fear", "team_affective", "control"]].corr()

    assert correlation.loc["psych_safety", "team_affective"] > 0.3
    assert correlation.loc["psych_safety", "fear"] < -0.2
    assert abs(correlation.loc["control", "team_affective"]) < 0.3


def test_logins_work_with_their_roles(seeded):
    User = get_user_model()
    logins = {login.username: login for login in seeded.logins}

    for login in seeded.logins:
        assert check_password(login.password, User.objects.get(username=login.username).password)
        assert len(login.password) >= 16
    consultant = User.objects.get(username="consultant")
    assert Role.objects.filter(user=consultant, kind=Role.ADMIN, unit=None).exists()
    assert Role.objects.filter(user__username="analyst", kind=Role.ANALYST).exists()
    sanne = Role.objects.get(user__username="sanne")
    assert (sanne.kind, sanne.unit.path) == (Role.LEAD, story.HIGH_TRUST_TEAM)
    assert Person.objects.get(user__username="sanne").unit.path == story.HIGH_TRUST_TEAM
    ingrid_units = set(
        Role.objects.filter(user__username="ingrid", kind=Role.LEAD).values_list(
            "unit__path", flat=True
        )
    )
    assert ingrid_units == {"Customer Services/Key Accounts", "Customer Services"}
    assert logins["ruud"].unit == story.SMALL_TEAM


def test_info_is_saved_owner_readable_and_found_again(seeded, demo_dir):
    path = demo_dir / demo.INFO_FILE

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert demo.demo_info(demo_dir) == seeded
    assert demo.demo_info(demo_dir / "elsewhere") is None


def test_info_without_its_organisation_in_the_database_is_no_demo(seeded, demo_dir):
    Response.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.filter(slug=seeded.organisation_slug).delete()

    assert demo.demo_info(demo_dir) is None


def test_describe_prints_logins_data_dir_and_only_unsubmitted_links(seeded, demo_dir):
    text = demo.describe(seeded, base_url=BASE_URL)

    admin = next(login for login in seeded.logins if login.username == "consultant")
    assert f"consultant  {admin.password}" in text
    assert "analyst" in text and "sanne" in text
    assert str(demo_dir) in text
    tokens = re.findall(re.escape(BASE_URL) + r"/s/([A-Za-z0-9_-]{22})", text)
    # The closed scan's link of a round member opens their mirror; the others answer.
    mirror = seeded.mirror_link.token
    assert tokens.count(mirror) == 1 and "personal mirror" in text
    assert Invitation.objects.get(token_hash=token_hash(mirror)).scan.status == Scan.CLOSED
    tokens.remove(mirror)
    assert 3 <= len(tokens) <= 5
    invitations = Invitation.objects.filter(token_hash__in=[token_hash(t) for t in tokens])
    assert invitations.count() == len(tokens)
    assert set(invitations.values_list("scan__status", flat=True)) == {Scan.OPEN}
    assert not Response.objects.filter(
        resume_key__in=[resume_key(t) for t in tokens], submitted=True
    ).exists()

    # Someone answers through the first link: a later start no longer offers it.
    submit_with(tokens[0])
    again = re.findall(
        re.escape(BASE_URL) + r"/s/([A-Za-z0-9_-]{22})", demo.describe(seeded, base_url=BASE_URL)
    )
    again.remove(mirror)
    assert tokens[0] not in again
    assert tokens[1:] == again[: len(tokens) - 1]


def test_describe_says_so_when_every_link_is_used(seeded):
    for link in seeded.links:
        submit_with(link.token)

    text = demo.describe(seeded, base_url=BASE_URL)

    # Only the closed scan's mirror link is left.
    assert "/s/" not in text.replace(f"/s/{seeded.mirror_link.token}", "")
    assert "All demo survey links have been used." in text


def test_the_story_is_visible_in_the_published_results(seeded):
    """What the pages show comes from published versions; the story is there too."""
    from trustmirror.results.selectors import published_results

    scan1, scan2 = Scan.objects.order_by("opens_on")
    first, _ = published_results(scan1)
    second, _ = published_results(scan2)
    assert first.publication.final and not second.publication.final  # scan 2: interim
    unit = {u.path: u for u in Unit.objects.all()}

    # The closed scan asked version 1, the open one version 2: safety changed its questions,
    # so Returns' drop shows as the lowest level, and change only where questions stayed.
    assert (scan1.instrument_version, scan2.instrument_version) == ("1", "2")
    returns = second.unit_group(unit[story.REORGANISED_TEAM])
    org = second.org
    assert returns.stat("safety_security").mean < org.stat("safety_security").mean - 0.8
    assert returns.change("safety_security") is None
    assert returns.change("org_trust").direction == "lower"
    department = second.unit_group(unit[story.INTEGRITY_DEPARTMENT])
    assert department.change("leader_integrity").direction == "lower"
    it = second.unit_group(unit[story.HIGH_TRUST_TEAM])
    for theme in THEMES:
        assert it.stat(theme).mean > org.stat(theme).mean, theme
    for results in (first, second):
        legal = results.unit_group(unit[story.SMALL_TEAM])
        assert not legal.shown and legal.stats == {} and legal.reason == "below_k"
    planning = second.unit_group(unit[story.IMPROVING_TEAM])
    before = first.unit_group(unit[story.IMPROVING_TEAM])
    assert planning.change("reliability") is None  # other questions in version 2
    assert planning.stat("reliability").mean > before.stat("reliability").mean + 0.5
    # Interim: Legal's answers wait (three people never make five), and so do the leads'
    # (counted in their department, two to four each: fewer than five, rule 12); everyone
    # else is in.
    submitted = Response.objects.filter(scan=scan2, submitted=True)
    legal = submitted.filter(unit__path=story.SMALL_TEAM).count()
    leads = submitted.filter(unit__children__isnull=False).distinct().count()
    assert 0 < leads <= Person.objects.filter(is_lead=True).count()
    assert second.publication.respondents == submitted.count() - legal - leads


def test_the_open_scan_invited_everyone_by_e_mail_into_the_demo_mailbox(seeded, demo_dir):
    """The open scan's invitations went out through the worker's own code into the demo's
    mailbox; the first scan went out as letters. The demo's links are the mailbox's links."""
    from trustmirror.delivery.mailbox import mailbox_messages
    from trustmirror.delivery.models import Message

    first, second = Scan.objects.order_by("opens_on")
    assert (first.delivery, second.delivery) == (Scan.LETTERS, Scan.EMAIL)
    assert not Message.objects.filter(scan=first).exists()
    messages = Message.objects.filter(scan=second)
    assert set(messages.values_list("kind", "state", "sent_on")) == {
        (Message.INVITATION, Message.SENT, timezone.localdate())
    }
    mailbox = demo_dir / "mailbox"
    assert oct(mailbox.stat().st_mode & 0o777) == "0o700"
    entries = mailbox_messages(mailbox)
    people = Person.objects.filter(organisation__slug=seeded.organisation_slug)
    assert sorted(entry.to for entry in entries) == sorted(people.values_list("email", flat=True))
    tokens = {re.search(r"/s/([A-Za-z0-9_-]{22})", entry.text).group(1) for entry in entries}
    assert {token_hash(t) for t in tokens} == set(
        Invitation.objects.filter(scan=second).values_list("token_hash", flat=True)
    )
    assert {link.token for link in seeded.links} <= tokens
    assert "/demo/mailbox/" in demo.describe(seeded, base_url=BASE_URL)


def test_the_relational_round_tells_its_story_on_the_closed_scan(seeded, client):
    """Scan 1 ran the round: Key Accounts' trust says most about the giver, Planning has
    one-sided pairs and IT mutual ones; Ingrid expected more than her team gives her; the
    member login and the printed mirror link each open their own mirror."""
    from trustmirror.relational.models import PublishedMirror, PublishedRound
    from trustmirror.relational.pseudonyms import pseudonym

    scan1, scan2 = Scan.objects.order_by("opens_on")
    assert scan1.relational_round and scan1.leader_mirror and scan2.relational_round
    rounds = {
        r.unit.path: r.data
        for r in PublishedRound.objects.filter(publication__scan=scan1, shown=True)
    }
    assert set(story.ROUND_TEAMS) <= set(rounds)
    key_accounts = rounds["Customer Services/Key Accounts"]
    assert key_accounts["reading"] == "giver"
    planning, it = rounds[story.IMPROVING_TEAM], rounds[story.HIGH_TRUST_TEAM]
    assert planning["patterns"]["one_sided"] > planning["patterns"]["mutual"]
    assert it["patterns"]["mutual"] > planning["patterns"]["mutual"] + 20
    assert it["measures"]["reliance"]["dyadic"] > 0.3 > planning["measures"]["reliance"]["dyadic"]

    ingrid = Person.objects.get(user__username="ingrid")
    leader = PublishedMirror.objects.get(
        publication__scan=scan1, pseudonym=pseudonym(scan1.pk, ingrid.pk)
    ).data["leader"]
    gaps = [v["predicted"] - v["team"] for v in leader.values()]
    assert min(gaps) > 0 and sum(gaps) / len(gaps) >= 0.5

    member = next(login for login in seeded.logins if login.username == "member")
    client.force_login(get_user_model().objects.get(username=member.username))
    page = client.get(f"/o/{seeded.organisation_slug}/scans/{scan1.pk}/mirror/")
    assert 'id="mirror-given-received"' in page.content.decode()
    client.logout()
    assert client.get(f"/s/{seeded.mirror_link.token}").status_code == 302
    mirror = client.get("/s/mirror").content.decode()
    assert 'id="mirror-given-received"' in mirror and seeded.mirror_link.person not in mirror
