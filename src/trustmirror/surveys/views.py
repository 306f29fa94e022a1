"""The respondent's pages: /s/<token> (the link), then /s/start, /s/p/<n>, /s/review, /s/thanks.

The link's token is the respondent's only credential. Opening the link exchanges it for a
cookie in that browser (:mod:`trustmirror.surveys.session`, which says why that design) and
redirects to pages whose URLs hold no token; the server never stores it. A token-free page
opened without that cookie asks the visitor to open the link from their invitation.

Once the questionnaire is submitted, a person with an unfinished relational round is sent
on to it (/s/round, :mod:`trustmirror.relational.views`) instead of the thank-you page. The
helpers these pages share with the round are in :mod:`trustmirror.surveys.pages`.

Django logs the path of every 4xx response. These views mark theirs as logged and raise no
``Http404``, so they add nothing to the log even where the site's redacting log filter
(``trustmirror.logfilters``) is not configured. Every survey response is private and never
cached (``no-store``, ``Vary: Cookie``): the same URL shows each browser its own survey.

CSRF protection applies here as everywhere (Django's CSRF cookie and form token); the survey
cookie is SameSite=Lax, so a cross-site form does not carry it either. The CSRF cookie is
random, lives only in the browser and is never stored or logged by the server.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from trustmirror.relational.answering import round_pending, round_plan
from trustmirror.surveys.answering import (
    LANGUAGES,
    OPEN,
    AlreadySubmitted,
    LinkInvalid,
    StaleSave,
    SurveyNotOpen,
    answered_page_numbers,
    counting_unit_id,
    instrument_for,
    invitation_for_token,
    page_revision,
    page_save,
    response_draft,
    response_language_set,
    response_submit,
    resume_page_number,
    scan_availability,
)
from trustmirror.surveys.forms import PageForm
from trustmirror.surveys.models import Invitation, Response
from trustmirror.surveys.pages import (
    READ_METHODS,
    REFUSED_INVALID,
    REFUSED_STALE,
    after_submit,
    not_open_page,
    page_not_found,
    posted_revision,
    session_invitation,
    survey_view,
)
from trustmirror.surveys.pages import link_invalid as _link_invalid
from trustmirror.surveys.pages import method_not_allowed as _method_not_allowed
from trustmirror.surveys.pages import other_language as _other_language
from trustmirror.surveys.pages import parse_page_number as _parse_page_number
from trustmirror.surveys.pages import render_page as _render
from trustmirror.surveys.pages import respondent_language as _language
from trustmirror.surveys.pages import with_language as _with_language
from trustmirror.surveys.session import form_guard, survey_cookie_set


def _thanks(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    # After the questionnaire: the relational round if the person has one to answer.
    return after_submit(request, invitation, token)


def _not_open(request: HttpRequest, invitation: Invitation, token: str, state: str):
    return not_open_page(request, invitation, token, state)


def _gate(
    request: HttpRequest,
) -> tuple[str, Invitation | None, Response | None, HttpResponse | None]:
    """This browser's token, invitation and draft if it may answer now, else the page to show.

    A POST must carry the guard of the link this browser holds now: a form rendered for a
    link opened earlier is refused before anything is read or written. Checked again under a
    row lock by every write; this early check only chooses the page. The draft is read once
    here for the whole request (a page view is two queries: the invitation and the draft).
    """
    token, invitation, early = session_invitation(request)
    if early is not None:
        return "", None, None, early
    draft = response_draft(invitation=invitation, token=token)
    if draft is not None and draft.submitted:
        return token, None, None, _thanks(request, invitation, token)
    state = scan_availability(invitation.scan)
    if state != OPEN:
        return token, None, None, _not_open(request, invitation, token, state)
    return token, invitation, draft, None


def _page_url(number: int, *, language: str | None = None) -> str:
    return _with_language(reverse("surveys:page", kwargs={"number": str(number)}), language)


@survey_view
def survey_link(request: HttpRequest, token: str, rest: str = "") -> HttpResponse:
    """The link from the invitation: swap its token for the survey cookie, then drop it.

    ``rest`` is whatever followed the token (a mail program's slash, or a page address of
    the time when every address held the token); the survey continues where it was anyway.
    """
    if request.method not in READ_METHODS:
        return _method_not_allowed(request, READ_METHODS)
    try:
        invitation_for_token(token)
    except LinkInvalid:
        return _link_invalid(request)
    response = HttpResponseRedirect(
        _with_language(reverse("surveys:start"), request.GET.get("lang"))
    )
    survey_cookie_set(response, token)
    # The next request needs no Referer at all, not even the mail program's.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _counts_above(invitation, instrument) -> dict | None:
    person = invitation.person
    unit_id = counting_unit_id(person, instrument)
    if unit_id == person.unit_id:
        return None
    return {"team": person.unit.name, "parent": person.unit.parent.name}


@survey_view
def survey_start(request: HttpRequest) -> HttpResponse:
    """The privacy promise, or straight back to where the respondent was."""
    if request.method not in READ_METHODS:
        return _method_not_allowed(request, READ_METHODS)
    token, invitation, response, early = _gate(request)
    if early is not None:
        return early
    instrument = instrument_for(invitation.scan)
    language = _language(request, invitation, response)
    if answered_page_numbers(instrument, response):
        number = resume_page_number(instrument, response)
        if number > len(instrument.pages):
            return HttpResponseRedirect(reverse("surveys:review"))
        return HttpResponseRedirect(_page_url(number, language=request.GET.get("lang")))
    return _render(
        request,
        "surveys/start.html",
        {
            "scan": invitation.scan,
            "intro": instrument.intro[language],
            "page_count": len(instrument.pages),
            # A lead whose answers count in the unit above (counting_unit_id) is told so.
            "counts_above": _counts_above(invitation, instrument),
            "first_page_url": _page_url(1, language=language),
            # The team round does not depend on the questionnaire (relational.views): it is
            # offered here too, so that taking it tells nobody whether this was submitted.
            "round_url": (
                f"{reverse('surveys:round')}?{urlencode({'lang': language})}"
                if round_pending(round_plan(invitation=invitation))
                else ""
            ),
            "other_language": _other_language(language),
        },
        language=language,
    )


@survey_view
def survey_page(request: HttpRequest, number: str) -> HttpResponse:
    """One page of questions. POST saves it, then moves on, back, or switches language.

    The form carries the revision of the page's answers it was shown at (``revision``): a
    save made from an older one (another tab or window saved the page since, or a request
    the respondent gave up on arrives late) is refused with the stored answers and a
    message (409); a form without a valid revision is refused too (400). Nothing is saved
    then.
    """
    if request.method not in (*READ_METHODS, "POST"):
        return _method_not_allowed(request, (*READ_METHODS, "POST"))
    token, invitation, response, early = _gate(request)
    if early is not None:
        return early
    instrument = instrument_for(invitation.scan)
    page_count = len(instrument.pages)
    page_number = _parse_page_number(number, page_count)
    language = _language(request, invitation, response)
    if page_number is None:
        return page_not_found(request, invitation, language=language)
    page = instrument.pages[page_number - 1]
    first_number = 1 + sum(len(p.item_ids) for p in instrument.pages[: page_number - 1])
    form_kwargs = {"instrument": instrument, "page": page, "first_number": first_number}
    revision = page_revision(instrument, response, page_number)
    refused = ""
    status = 200

    if request.method == "POST":
        posted = request.POST.get("language")
        language = posted if posted in LANGUAGES else language
        form = PageForm(request.POST, language=language, **form_kwargs)
        seen = posted_revision(request.POST)
        if seen is None:
            # Shown again as sent, at the stored revision: saving it once more is a choice.
            refused, status = REFUSED_INVALID, 400
        elif form.is_valid():
            switch = request.POST.get("lang")
            new_language = switch if switch in LANGUAGES else language
            try:
                page_save(
                    invitation=invitation,
                    token=token,
                    page_number=page_number,
                    answers=form.answers,
                    open_answers=form.open_answers,
                    language=new_language,
                    revision=seen,
                )
            except AlreadySubmitted:
                return _thanks(request, invitation, token)
            except SurveyNotOpen as closed:
                return _not_open(request, invitation, token, closed.state)
            except StaleSave:
                response = response_draft(invitation=invitation, token=token)
                form = _stored_form(response, language, form_kwargs)
                revision = page_revision(instrument, response, page_number)
                refused, status = REFUSED_STALE, 409
            else:
                return HttpResponseRedirect(
                    _next_url(page_number, page_count, request.POST.get("go"), switch)
                )
        else:
            revision = seen  # a correction is still a save made from the page as it was seen
    else:
        form = _stored_form(response, language, form_kwargs)
    return _render(
        request,
        "surveys/page.html",
        {
            "scan": invitation.scan,
            "form": form,
            "guard": form_guard(token),
            "revision": revision,
            "refused": refused,
            "page": page,
            "page_title": page.title[language],
            # Whom the page's statements are about (Trust Scan v2 names it on each page).
            "page_intro": page.intro[language] if page.intro else "",
            "page_number": page_number,
            "page_count": page_count,
            "is_last": page_number == page_count,
            "scale_low": instrument.scale_labels[language][0],
            "scale_high": instrument.scale_labels[language][-1],
            "dont_know_label": instrument.dont_know_label[language],
            "saved": request.method != "POST" and request.GET.get("saved") == "1",
            "other_language": _other_language(language),
        },
        language=language,
        status=status,
    )


def _stored_form(response, language: str, form_kwargs: dict) -> PageForm:
    """The page as stored: what a GET shows, and what a refused stale save shows again."""
    return PageForm(
        language=language,
        answers=response.answers if response else None,
        open_answers=response.open_answers if response else None,
        **form_kwargs,
    )


def _next_url(number: int, page_count: int, go: str | None, switch: str | None) -> str:
    if switch in LANGUAGES or go == "save":
        # Stay on the page: after a language switch to read it again, after "save" to confirm.
        url = _page_url(number)
        return url if switch in LANGUAGES else f"{url}?saved=1"
    if go == "back":
        return _page_url(max(1, number - 1))
    if number >= page_count:
        return reverse("surveys:review")
    return _page_url(number + 1)


@survey_view
def survey_review(request: HttpRequest) -> HttpResponse:
    """The last step: what was answered and skipped, and the one submit button."""
    if request.method not in (*READ_METHODS, "POST"):
        return _method_not_allowed(request, (*READ_METHODS, "POST"))
    token, invitation, response, early = _gate(request)
    if early is not None:
        return early
    review_url = reverse("surveys:review")
    if request.method == "POST":
        try:
            switch = request.POST.get("lang")
            if switch in LANGUAGES:
                response_language_set(invitation=invitation, token=token, language=switch)
                return HttpResponseRedirect(review_url)
            if "submit" in request.POST:
                response_submit(invitation=invitation, token=token)
                return HttpResponseRedirect(reverse("surveys:thanks"))
        except AlreadySubmitted:
            return _thanks(request, invitation, token)
        except SurveyNotOpen as closed:
            return _not_open(request, invitation, token, closed.state)
        return HttpResponseRedirect(review_url)

    instrument = instrument_for(invitation.scan)
    language = _language(request, invitation, response)
    answers = response.answers if response else {}
    open_answers = response.open_answers if response else {}
    pages = []
    for number, page in enumerate(instrument.pages, start=1):
        answered = sum(1 for item_id in page.item_ids if item_id in answers)
        pages.append(
            {
                "number": number,
                "title": page.title[language],
                "url": _page_url(number),
                "answered": answered,
                "total": len(page.item_ids),
                "skipped": len(page.item_ids) - answered,
                "open_answered": sum(1 for q in page.open_question_ids if q in open_answers),
                "open_total": len(page.open_question_ids),
            }
        )
    total = sum(p["total"] for p in pages)
    answered_total = sum(p["answered"] for p in pages)
    return _render(
        request,
        "surveys/review.html",
        {
            "scan": invitation.scan,
            "guard": form_guard(token),
            "pages": pages,
            "total": total,
            "answered_total": answered_total,
            "skipped_total": total - answered_total,
            "last_page_url": _page_url(len(instrument.pages)),
            "other_language": _other_language(language),
        },
        language=language,
    )


@survey_view
def survey_thanks(request: HttpRequest) -> HttpResponse:
    """The thank-you page; before submission it sends the visitor back to the start."""
    if request.method not in READ_METHODS:
        return _method_not_allowed(request, READ_METHODS)
    _token, _invitation, _draft, early = _gate(request)
    if early is not None:
        return early
    return HttpResponseRedirect(reverse("surveys:start"))


@survey_view
def survey_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /s/ (``/s//<token>`` too): the bad-link page, nothing logged."""
    return _link_invalid(request)
