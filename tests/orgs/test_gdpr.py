"""GDPR export and erasure of a person, as services and as management commands.

Personas (tests/conftest.py): Carla is Acme's admin; Dana leads Team North and has a login;
Eli is a member of Team South with a login; Ann, Bob, Cas, Evi and Fay work in Team North
without one. Five of Team North answer the autumn scan, Ann among them; then Ann (or Dana)
asks to be erased. Their answers must stay exactly as they were and keep counting.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from trustmirror import cli
from trustmirror.audit.models import AuditEvent
from trustmirror.instrument import load_instrument
from trustmirror.orgs.gdpr import GDPR_ERASE, GDPR_EXPORT, person_erase, person_export
from trustmirror.orgs.models import Person, Role, Unit
from trustmirror.surveys.answering import LinkInvalid, invitation_for_token, page_save
from trustmirror.surveys.answering import response_submit as submit
from trustmirror.surveys.models import Invitation, Response
from trustmirror.surveys.services import links_issue, scan_create

NORTH_RESPONDENTS = ("Ann", "Bob", "Cas", "Evi", "Fay")


def _answer_everything(invitation: Invitation, token: str, value: int) -> None:
    instrument = load_instrument()
    for number, page in enumerate(instrument.pages, start=1):
        page_save(
            invitation=invitation,
            token=token,
            page_number=number,
            answers=dict.fromkeys(page.item_ids, value),
            open_answers={q: f"comment {value}" for q in page.open_question_ids},
            language="en",
        )
    assert submit(invitation=invitation, token=token) is True


@pytest.fixture
def scans(acme):
    """A closed spring scan and an open autumn scan, every Acme person invited to both."""
    today = timezone.localdate()
    spring = scan_create(
        organisation=acme.org,
        name="Spring trust scan",
        opens_on=today - dt.timedelta(days=200),
        closes_on=today - dt.timedelta(days=180),
    )
    autumn = scan_create(
        organisation=acme.org,
        name="Autumn trust scan",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
    )
    links = links_issue(scan=autumn)
    tokens = {link.person.name: link.token for link in links}
    for value, name in enumerate(NORTH_RESPONDENTS, start=1):
        invitation = Invitation.objects.get(scan=autumn, person=acme.people[name])
        _answer_everything(invitation, tokens[name], value)
    return spring, autumn, tokens


def _responses_snapshot() -> list[dict]:
    return sorted(Response.objects.values(), key=lambda row: str(row["id"]))


# --- export -----------------------------------------------------------------------------


def test_export_holds_the_person_their_invitations_and_their_login(acme, scans):
    spring, autumn, _tokens = scans
    dana = acme.people["Dana"]
    dana.bands = {"tenure": "2-5 years"}
    dana.save()

    data = person_export(person=dana)

    account = data.pop("account")
    assert data.pop("answers").startswith("Your answers are not part of this export")
    assert data.pop("relational_round") == []  # neither scan asks the round
    assert data.pop("agreements") == {
        "owned": [],
        "check_ins": [],
        "follow_links": 0,
        "reminders": [],
    }
    assert data == {
        "organisation": {"name": "Acme", "slug": "acme"},
        "name": "Dana",
        "email": "dana@acme.test",
        "language": "en",
        "unit": "Operations/Logistics/Team North",
        "is_lead": True,
        "bands": {"tenure": "2-5 years"},
        "invitations": [
            {
                "scan": "Spring trust scan",
                "opens_on": spring.opens_on.isoformat(),
                "closes_on": spring.closes_on.isoformat(),
                # The e-mails about it: its invitation never went out (the scan closed).
                "messages": [
                    {"kind": "invitation", "state": "pending", "sent_on": None, "reason": ""}
                ],
            },
            {
                "scan": "Autumn trust scan",
                "opens_on": autumn.opens_on.isoformat(),
                "closes_on": autumn.closes_on.isoformat(),
                "messages": [
                    {"kind": "invitation", "state": "pending", "sent_on": None, "reason": ""}
                ],
            },
        ],
    }
    assert account["username"] == "dana"
    assert account["roles"] == [{"role": "lead", "unit": "Operations/Logistics/Team North"}]
    # The export itself is the one thing Dana's login did not do: it has no entries yet.
    assert account["audit_log"] == []


def test_export_contains_no_answers_and_no_link_hashes(acme, scans):
    _spring, autumn, tokens = scans
    ann = acme.people["Ann"]

    text = json.dumps(person_export(person=ann))

    assert person_export(person=ann)["account"] is None
    response = Response.objects.filter(scan=autumn).first()
    for item_id in response.answers:
        assert item_id not in text
    assert "comment" not in text
    for invitation in Invitation.objects.filter(person=ann, token_hash__isnull=False):
        assert invitation.token_hash not in text
    assert tokens["Ann"] not in text


def test_export_includes_the_audit_entries_of_the_persons_login(acme, scans):
    _spring, autumn, _tokens = scans
    AuditEvent.objects.create(
        user=acme.dana, organisation=acme.org, action="view_unit", target=f"scan {autumn.pk}"
    )
    AuditEvent.objects.create(
        user=acme.carla, organisation=acme.org, action="view_results", target="scan 1"
    )

    log = person_export(person=acme.people["Dana"])["account"]["audit_log"]

    assert [(e["action"], e["target"]) for e in log] == [("view_unit", f"scan {autumn.pk}")]


def test_export_is_audited_without_name_or_email(acme, scans):
    ann = acme.people["Ann"]
    person_export(person=ann)

    event = AuditEvent.objects.get(action=GDPR_EXPORT)
    assert event.organisation == acme.org
    assert event.user is None
    assert event.target == f"person {ann.pk}"


# --- erasure ----------------------------------------------------------------------------


def test_erasure_removes_person_invitations_and_link_but_no_response(acme, scans):
    _spring, _autumn, tokens = scans
    ann = acme.people["Ann"]
    ann_id = ann.pk
    before = _responses_snapshot()
    assert len(before) == len(NORTH_RESPONDENTS)

    summary = person_erase(person=ann)

    assert summary.person_id == ann_id
    assert summary.invitations == 2
    assert summary.roles == 0
    assert not Person.objects.filter(pk=ann_id).exists()
    assert not Invitation.objects.filter(person_id=ann_id).exists()
    # Everyone else keeps their invitations.
    assert Invitation.objects.count() == 2 * (Person.objects.filter(organisation=acme.org).count())
    with pytest.raises(LinkInvalid):
        invitation_for_token(tokens["Ann"])
    assert _responses_snapshot() == before
    event = AuditEvent.objects.get(action=GDPR_ERASE)
    assert event.target == f"person {ann_id}"
    assert "ann" not in event.target.lower()


def test_erased_persons_submitted_answers_still_count_in_their_unit(acme, scans, publish):
    from trustmirror.results.selectors import published_results
    from trustmirror.surveys.services import scan_close

    _spring, autumn, _tokens = scans
    scan_close(scan=autumn)  # results are published when the scan closes
    publish(autumn)
    before, _participation = published_results(autumn)
    # Six invited, five answered: the one who did not is protected by a lower bound only.
    assert before.unit_group(acme.north).participation["reason"] == "few_nonrespondents"

    person_erase(person=acme.people["Ann"])

    publish(autumn, again=True)  # what the results would be if published after the erasure
    after, _participation = published_results(autumn)
    assert after.publication.respondents == len(NORTH_RESPONDENTS)
    north = after.unit_group(acme.north)
    assert north.shown
    assert (north.participation["invited"], north.participation["responded"]) == (5, 5)
    # Every respondent answered every item, so each scale's n counts all five, Ann included.
    stat = north.stat("reliability")
    assert stat is not None and stat.n == len(NORTH_RESPONDENTS)
    # One value per person on every item, 1 to 5 (Ann's were the 1s): with or without
    # reverse keying, the five means to 3; without Ann it would not.
    assert stat.mean == pytest.approx(3.0)


def test_erasure_removes_the_roles_and_the_login_used_nowhere_else(acme, scans):
    dana = acme.people["Dana"]
    account_id = acme.dana.pk
    AuditEvent.objects.create(user=acme.dana, organisation=acme.org, action="view_unit")

    summary = person_erase(person=dana)

    assert summary.roles == 1
    assert summary.account_deleted is True and summary.account_kept is None
    assert not get_user_model().objects.filter(pk=account_id).exists()
    assert not Role.objects.filter(user_id=account_id).exists()
    # The audit trail stays, no longer naming the login.
    assert AuditEvent.objects.filter(action="view_unit", user=None).count() == 1
    # Carla, Alex, Eli and Olga are not affected.
    assert set(Role.objects.values_list("user__username", flat=True)) == {
        "carla",
        "alex",
        "eli",
        "olga",
    }


def test_erasure_keeps_a_login_that_has_roles_in_another_organisation(acme, scans):
    Role.objects.create(user=acme.eli, organisation=acme.globex, kind=Role.ANALYST)

    summary = person_erase(person=acme.people["Eli"])

    assert summary.account_deleted is False and summary.account_kept == "eli"
    assert not Role.objects.filter(user=acme.eli, organisation=acme.org).exists()
    assert Role.objects.filter(user=acme.eli, organisation=acme.globex).exists()


def test_erasure_in_one_organisation_leaves_a_namesake_in_another(acme):
    namesake = Person.objects.create(
        organisation=acme.globex,
        name="Ann",
        email="ann@acme.test",
        language="en",
        unit=Unit.objects.create(organisation=acme.globex, name="Globex", path="Globex"),
    )
    call_command("person_erase", "--org", "acme", "ann@acme.test", "--yes", stdout=io.StringIO())
    assert Person.objects.filter(pk=namesake.pk).exists()
    assert not Person.objects.filter(organisation=acme.org, email="ann@acme.test").exists()


# --- the management commands ------------------------------------------------------------


def test_person_export_command_prints_json(acme, scans):
    out = io.StringIO()
    call_command("person_export", "--org", "acme", "ANN@acme.test", stdout=out)

    data = json.loads(out.getvalue())
    assert data["name"] == "Ann" and data["email"] == "ann@acme.test"
    assert [i["scan"] for i in data["invitations"]] == ["Spring trust scan", "Autumn trust scan"]
    assert AuditEvent.objects.filter(action=GDPR_EXPORT).count() == 1


@pytest.mark.parametrize("command", ["person_export", "person_erase"])
def test_commands_refuse_an_unknown_person_or_organisation(acme, command):
    extra = ["--yes"] if command == "person_erase" else []
    with pytest.raises(CommandError, match="No person with e-mail address nobody@acme.test"):
        call_command(command, "--org", "acme", "nobody@acme.test", *extra)
    with pytest.raises(CommandError, match="No organisation with slug 'initech'"):
        call_command(command, "--org", "initech", "ann@acme.test", *extra)
    # Olga's organisation does not have Acme's people.
    with pytest.raises(CommandError, match="No person"):
        call_command(command, "--org", "globex", "ann@acme.test", *extra)
    assert Person.objects.filter(organisation=acme.org, email="ann@acme.test").exists()
    assert not AuditEvent.objects.exists()


def test_person_erase_asks_and_cancels_unless_told_yes(acme, scans, monkeypatch):
    ann_id = acme.people["Ann"].pk
    questions = []

    def answer(text: str) -> str:
        questions.append(text)
        return "no"

    monkeypatch.setattr("builtins.input", answer)
    with pytest.raises(CommandError, match="Cancelled: nothing was erased"):
        call_command("person_erase", "--org", "acme", "ann@acme.test", stdout=io.StringIO())

    assert "Ann <ann@acme.test>" in questions[0] and "2 invitation(s)" in questions[0]
    assert Person.objects.filter(pk=ann_id).exists()
    assert Invitation.objects.filter(person_id=ann_id).count() == 2
    assert not AuditEvent.objects.filter(action=GDPR_ERASE).exists()


def test_person_erase_cancels_when_nobody_can_answer(acme, monkeypatch):
    def no_terminal(_text: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(CommandError, match="Cancelled"):
        call_command("person_erase", "--org", "acme", "ann@acme.test", stdout=io.StringIO())
    assert Person.objects.filter(organisation=acme.org, email="ann@acme.test").exists()


def test_person_erase_after_confirmation(acme, scans, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda _text: "yes")
    out = io.StringIO()
    call_command("person_erase", "--org", "acme", "ann@acme.test", stdout=out)

    assert "2 invitation(s) and 0 role(s) removed" in out.getvalue()
    assert not Person.objects.filter(organisation=acme.org, email="ann@acme.test").exists()


def test_person_erase_with_yes_does_not_ask(acme, scans, monkeypatch):
    def must_not_ask(_text: str) -> str:
        raise AssertionError("asked for confirmation despite --yes")

    monkeypatch.setattr("builtins.input", must_not_ask)
    out = io.StringIO()
    call_command("person_erase", "--org", "acme", "dana@acme.test", "--yes", stdout=out)

    text = out.getvalue()
    assert "2 invitation(s) and 1 role(s) removed" in text
    assert "login account, used nowhere else, was deleted" in text
    assert len(_responses_snapshot()) == len(NORTH_RESPONDENTS)


def test_trustmirror_manage_runs_the_commands_with_exit_codes(acme, capsys, monkeypatch):
    """`trustmirror manage person_export ...` prints JSON; an unknown person exits with 1."""
    from django.db import connections

    # Django's command runner closes every connection when a command ends; here that would
    # end the test's own transaction (on PostgreSQL), so keep the connection open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    assert cli.main(["manage", "person_export", "--org", "acme", "kim@acme.test"]) == 0
    assert json.loads(capsys.readouterr().out)["unit"] == "Sales/Team East"

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["manage", "person_erase", "--org", "acme", "nobody@acme.test", "--yes"])
    assert exit_info.value.code == 1
    assert "No person with e-mail address nobody@acme.test" in capsys.readouterr().err
