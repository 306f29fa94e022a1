"""The delivery actions on a scan's page, the "lost your link?" page, and the demo's mailbox.

The actions (a reminder to everyone, a new link for one person, the letter file) are for the
organisation's admins only; another organisation's scan answers 404, as on the rest of the
scan's page. Each is a POST with Django's CSRF check and leaves an audit event; none shows a
survey link, except the letter file, once.

``/s/lost/`` is for respondents: it answers the same whatever address is entered, so it tells
nobody who is invited, and it is rate-limited. ``/demo/mailbox/`` exists only while
``trustmirror demo`` runs (``TRUSTMIRROR_DEMO_MAILBOX``); everywhere else it is a 404.
"""

from __future__ import annotations

import hashlib

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.delivery.forms import LettersForm, LostLinkForm, NewLinkForm, ReminderForm
from trustmirror.delivery.letters import letters_file, letters_left
from trustmirror.delivery.mailbox import mailbox_entry, mailbox_messages
from trustmirror.delivery.services import lost_link_request, new_link_send, reminder_send
from trustmirror.ratelimit import client_key, hit_count
from trustmirror.surveys.admin_views import back_to_scan, manage_page, managed_scan, refused
from trustmirror.surveys.models import Invitation, Scan

#: "Lost your link?" requests per network address: (requests, window in seconds).
LOST_LINK_LIMIT = (5, 600)
#: One new link per e-mail address per this many seconds, whoever asks: someone who knows a
#: colleague's address cannot keep replacing their link (and losing their draft).
LOST_LINK_COOLDOWN = 1800


# -- the admin's actions --------------------------------------------------------------------------


@login_required
@require_POST
def remind_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = managed_scan(request, org, scan_id)
    form = ReminderForm(request.POST, prefix="remind")
    if not form.is_valid():
        return manage_page(request, scan, delivery_forms={"remind_form": form})
    try:
        reminder = reminder_send(scan=scan)
    except ValidationError as error:
        return refused(request, scan, error)
    count = reminder.messages.count()
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.SEND_REMINDER,
        target=f"scan {scan.pk}: reminder {reminder.number} to {count} people",
    )
    messages.success(
        request,
        ngettext(
            "Reminder %(number)s is on its way to the %(count)s person invited.",
            "Reminder %(number)s is on its way to all %(count)s people invited.",
            count,
        )
        % {"number": reminder.number, "count": count},
    )
    return back_to_scan(scan)


@login_required
@require_POST
def new_link_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    organisation, scan = managed_scan(request, org, scan_id)
    form = NewLinkForm(request.POST, prefix="new-link")
    invitation = None
    if form.is_valid():
        invitation = (
            Invitation.objects.filter(scan=scan, pk=form.cleaned_data["invitation"])
            .select_related("person", "scan")
            .first()
        )
    if invitation is None:
        messages.error(request, _("Choose a person from the list on this page."))
        return manage_page(request, scan)
    try:
        new_link_send(invitation=invitation)
    except ValidationError as error:
        return refused(request, scan, error)
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.SEND_NEW_LINK,
        target=f"scan {scan.pk}: person {invitation.person_id}",
    )
    messages.success(
        request,
        _("A new link is on its way to %(name)s. The earlier one stops working when it is sent.")
        % {"name": invitation.person.name},
    )
    return back_to_scan(scan)


@login_required
@require_POST
def letters_view(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    """The letter file, once: the links are made while it streams, and kept nowhere else."""
    organisation, scan = managed_scan(request, org, scan_id)
    refusal = None
    if scan.delivery != Scan.LETTERS:
        refusal = _("This scan sends its links by e-mail: it has no letter file.")
    elif scan.phase() == Scan.CLOSED:
        refusal = _("The scan has closed: no more letters are made.")
    left = letters_left(scan) if refusal is None else 0
    if refusal is None and not left:
        refusal = _(
            "The letter file was already downloaded. Its links exist nowhere else, so it cannot "
            "be made again. Someone who lost their letter can ask for a new link by e-mail on "
            "the “Lost your link?” page."
        )
    if refusal is not None:
        messages.error(request, refusal)
        return manage_page(request, scan)
    form = LettersForm(request.POST, prefix="letters")
    if not form.is_valid():
        return manage_page(request, scan, delivery_forms={"letters_form": form})
    audit_record(
        user=request.user,
        organisation=organisation,
        action=AuditEvent.EXPORT_LETTERS,
        target=f"scan {scan.pk}: letters for {left} people",
    )
    base_url = request.build_absolute_uri("/")
    response = StreamingHttpResponse(
        letters_file(scan, base_url=base_url), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="trustmirror-letters-scan-{scan.pk}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


# -- "lost your link?" ----------------------------------------------------------------------------


def _over_limit(request: HttpRequest) -> bool:
    # Counted per client as the other rate limits are (behind a proxy: the trusted client
    # address), atomically; every request counts, since the page answers all alike.
    limit, window = getattr(settings, "TRUSTMIRROR_LOST_LINK_LIMIT", LOST_LINK_LIMIT)
    return hit_count(f"tm-rl:lost:{client_key(request)}", window) > limit


def _first_request_in_a_while(email: str) -> bool:
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return cache.add(f"tm-lost:{digest}", 1, timeout=LOST_LINK_COOLDOWN)


def _page_language(request: HttpRequest) -> str:
    asked = request.GET.get("lang")
    if asked in ("nl", "en"):
        return asked
    current = translation.get_language() or "en"
    return current if current in ("nl", "en") else "en"


@require_http_methods(["GET", "POST"])
def lost_link_view(request: HttpRequest) -> HttpResponse:
    language = _page_language(request)
    with translation.override(language):
        return _lost_link(request, language)


def _lost_link(request: HttpRequest, language: str) -> HttpResponse:
    context = {"other_language": "en" if language == "nl" else "nl"}
    form = LostLinkForm(request.POST or None)
    if request.method == "POST":
        if _over_limit(request):
            response = render(request, "ratelimited.html", status=429)
            response["Retry-After"] = str(
                getattr(settings, "TRUSTMIRROR_LOST_LINK_LIMIT", LOST_LINK_LIMIT)[1]
            )
            return response
        if form.is_valid():
            email = form.cleaned_data["email"]
            if _first_request_in_a_while(email):
                lost_link_request(email=email)
            # The same answer whether or not the address is invited anywhere.
            return render(request, "delivery/lost_link_sent.html", context)
    return render(request, "delivery/lost_link.html", {**context, "form": form})


# -- the demo's mailbox ---------------------------------------------------------------------------


def _demo_only() -> None:
    if not getattr(settings, "TRUSTMIRROR_DEMO_MAILBOX", False):
        raise Http404


@require_GET
def mailbox_view(request: HttpRequest) -> HttpResponse:
    _demo_only()
    return render(request, "delivery/mailbox.html", {"entries": mailbox_messages()})


@require_GET
def mailbox_message_view(request: HttpRequest, key: str) -> HttpResponse:
    _demo_only()
    entry = mailbox_entry(key)
    if entry is None:
        raise Http404
    return render(request, "delivery/mailbox_message.html", {"entry": entry})


@require_GET
@csp_replace({"style-src": ["'unsafe-inline'"], "img-src": ["'none'"]})
def mailbox_html_view(request: HttpRequest, key: str) -> HttpResponse:
    """The HTML version of a demo message as a mail program would show it (inline styles)."""
    _demo_only()
    entry = mailbox_entry(key)
    if entry is None or not entry.html:
        raise Http404
    return HttpResponse(entry.html, content_type="text/html; charset=utf-8")
