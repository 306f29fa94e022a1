"""The round's pages: /s/round (start), /s/round/p/<n> (colleagues, then a lead's prediction),
/s/round/review.

The questionnaire's submission leads here, but the round does not depend on it: it can be
answered before, after or without the questionnaire (the survey's start page offers it too),
so that a round taken tells nobody whether the anonymous questionnaire was submitted. The
pages use the same survey cookie (:mod:`trustmirror.surveys.session`) and the same guards,
headers and quiet logging as the core pages (:mod:`trustmirror.surveys.pages`). A visitor
without the cookie gets the no-session page; once the round is submitted or declined (or the
person is in none) the survey's start, which resumes the questionnaire or says thank you;
after the scan closes the not-open page.

The round stores nothing of the session: the forms name a colleague by a key of this rater's
own (:class:`~trustmirror.relational.answering.Colleague`), and the language the person reads
travels in the page address (``?lang=``), because the submitted questionnaire cannot change.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from trustmirror.relational.answering import (
    RoundFinished,
    RoundPlan,
    colleague_answered,
    has_started,
    leader_items,
    prediction_save,
    resume_page_number,
    round_answers,
    round_decline,
    round_page_revision,
    round_page_save,
    round_pending,
    round_plan,
    round_prediction,
    round_submit,
)
from trustmirror.relational.forms import PredictionForm, RoundPageForm
from trustmirror.surveys.answering import (
    LANGUAGES,
    OPEN,
    StaleSave,
    SurveyNotOpen,
    instrument_for,
    response_draft,
    response_is_submitted,
    scan_availability,
)
from trustmirror.surveys.models import Invitation
from trustmirror.surveys.pages import (
    READ_METHODS,
    REFUSED_INVALID,
    REFUSED_STALE,
    method_not_allowed,
    not_open_page,
    other_language,
    page_not_found,
    parse_page_number,
    posted_revision,
    render_page,
    respondent_language,
    session_invitation,
    survey_view,
)
from trustmirror.surveys.session import form_guard

WRITE_METHODS = (*READ_METHODS, "POST")


class _Round:
    """One request's round: the token, invitation and plan, and the language to read in."""

    def __init__(self, request: HttpRequest, token: str, invitation: Invitation, plan: RoundPlan):
        self.token = token
        self.invitation = invitation
        self.plan = plan
        posted = request.POST.get("language") if request.method == "POST" else None
        if posted in LANGUAGES:
            self.language = posted
        else:
            draft = response_draft(invitation=invitation, token=token)
            self.language = respondent_language(request, invitation, draft)

    def not_open(self, request: HttpRequest, state: str) -> HttpResponse:
        return not_open_page(request, self.invitation, self.token, state)


def _gate(request: HttpRequest) -> tuple[_Round | None, HttpResponse | None]:
    token, invitation, early = session_invitation(request)
    if early is not None:
        return None, early
    state = scan_availability(invitation.scan)
    if state != OPEN:
        return None, not_open_page(request, invitation, token, state)
    plan = round_plan(invitation=invitation)
    if not round_pending(plan):
        # Back to the questionnaire where it was, or the thank-you page once it is submitted.
        return None, HttpResponseRedirect(reverse("surveys:start"))
    return _Round(request, token, invitation, plan), None


def _url(name: str, language: str, **params) -> str:
    number = params.pop("number", None)
    url = reverse(name, kwargs={"number": str(number)} if number is not None else None)
    return f"{url}?{urlencode({'lang': language, **params})}"


def _page_url(number: int, language: str, **params) -> str:
    return _url("surveys:round-page", language, number=number, **params)


def _resume_url(plan: RoundPlan, language: str) -> str:
    number = resume_page_number(plan)
    if number > plan.page_count:
        return _url("surveys:round-review", language)
    return _page_url(number, language)


def _scale_labels(round_: _Round) -> list[str]:
    return list(instrument_for(round_.plan.scan).scale_labels[round_.language])


@survey_view
def round_start(request: HttpRequest) -> HttpResponse:
    """What the round is and who sees what, with Start and Skip; or back to where one was.

    POST with ``decline`` skips the round as a whole.
    """
    if request.method not in WRITE_METHODS:
        return method_not_allowed(request, WRITE_METHODS)
    round_, early = _gate(request)
    if early is not None:
        return early
    plan = round_.plan
    if request.method == "POST":
        if "decline" in request.POST:
            try:
                round_decline(plan=plan)
            except SurveyNotOpen as closed:
                return round_.not_open(request, closed.state)
            return HttpResponseRedirect(reverse("surveys:start"))
        return HttpResponseRedirect(_url("surveys:round", round_.language))
    if has_started(plan):
        return HttpResponseRedirect(_resume_url(plan, round_.language))
    unit = round_.invitation.person.unit
    return render_page(
        request,
        "relational/round_start.html",
        {
            "scan": plan.scan,
            "plan": plan,
            "team": unit.name,
            "colleague_count": len(plan.colleagues),
            "core_submitted": response_is_submitted(
                invitation=round_.invitation, token=round_.token
            ),
            "guard": form_guard(round_.token),
            "first_page_url": _page_url(1, round_.language),
            "other_language": other_language(round_.language),
        },
        language=round_.language,
    )


@survey_view
def round_page(request: HttpRequest, number: str) -> HttpResponse:
    """A page of colleagues (or, last, a lead's prediction). POST saves it, then moves on.

    As on the questionnaire's pages, a save made from an older revision of the page than
    the stored one is refused with the stored answers (409), and a form without a valid
    revision is refused too (400); nothing is saved then.
    """
    if request.method not in WRITE_METHODS:
        return method_not_allowed(request, WRITE_METHODS)
    round_, early = _gate(request)
    if early is not None:
        return early
    plan = round_.plan
    page_number = parse_page_number(number, plan.page_count)
    if page_number is None:
        return page_not_found(request, round_.invitation, language=round_.language)
    is_prediction = page_number == plan.prediction_page_number
    data = request.POST if request.method == "POST" else None
    form = _page_form(round_, page_number, data)
    # Validated in the reader's language: the forms' messages are translated when made.
    valid = data is not None and _is_valid(form, round_.language)
    revision = round_page_revision(plan, page_number)
    refused = ""
    status = 200
    if data is not None:
        seen = posted_revision(data)
        if seen is None:
            refused, status = REFUSED_INVALID, 400
        elif valid:
            try:
                if is_prediction:
                    prediction_save(plan=plan, answers=form.answers, revision=seen)
                else:
                    round_page_save(
                        plan=plan,
                        page_number=page_number,
                        ratings=form.ratings,
                        skipped=form.skipped,
                        revision=seen,
                    )
            except RoundFinished:
                return HttpResponseRedirect(reverse("surveys:start"))
            except SurveyNotOpen as closed:
                return round_.not_open(request, closed.state)
            except StaleSave:
                form = _page_form(round_, page_number, None)
                revision = round_page_revision(plan, page_number)
                refused, status = REFUSED_STALE, 409
            else:
                return HttpResponseRedirect(_next_url(plan, page_number, data, round_.language))
        else:
            revision = seen  # a correction is still a save made from the page as it was seen
    return render_page(
        request,
        "relational/round_page.html",
        {
            "scan": plan.scan,
            "form": form,
            "is_prediction": is_prediction,
            "guard": form_guard(round_.token),
            "revision": revision,
            "refused": refused,
            "page_number": page_number,
            "page_count": plan.page_count,
            "is_last": page_number == plan.page_count,
            "back_url": _page_url(page_number - 1, round_.language) if page_number > 1 else "",
            "saved": data is None and request.GET.get("saved") == "1",
            "other_language": other_language(round_.language),
        },
        language=round_.language,
        status=status,
    )


def _page_form(round_: _Round, page_number: int, data):
    """The page's form: bound to ``data``, or (``None``) showing what is stored now."""
    plan = round_.plan
    with translation.override(round_.language):
        if page_number == plan.prediction_page_number:
            return PredictionForm(
                data,
                items=leader_items(plan.scan),
                language=round_.language,
                scale_labels=_scale_labels(round_),
                answers=round_prediction(plan),
            )
        return RoundPageForm(
            data,
            colleagues=plan.colleagues_on_page(page_number),
            scale_labels=_scale_labels(round_),
            answers=round_answers(plan),
        )


def _is_valid(form, language: str) -> bool:
    with translation.override(language):
        return form.is_valid()


def _next_url(plan: RoundPlan, number: int, posted, language: str) -> str:
    switch = posted.get("lang")
    if switch in LANGUAGES:
        return _page_url(number, switch)
    go = posted.get("go")
    if go == "save":
        return _page_url(number, language, saved="1")
    if go == "back":
        return _page_url(max(1, number - 1), language)
    if number >= plan.page_count:
        return _url("surveys:round-review", language)
    return _page_url(number + 1, language)


@survey_view
def round_review(request: HttpRequest) -> HttpResponse:
    """How many colleagues were answered and skipped, and the one submit button."""
    if request.method not in WRITE_METHODS:
        return method_not_allowed(request, WRITE_METHODS)
    round_, early = _gate(request)
    if early is not None:
        return early
    plan = round_.plan
    if request.method == "POST":
        switch = request.POST.get("lang")
        if switch in LANGUAGES:
            return HttpResponseRedirect(_url("surveys:round-review", switch))
        if "submit" in request.POST:
            try:
                round_submit(plan=plan)
            except SurveyNotOpen as closed:
                return round_.not_open(request, closed.state)
            return HttpResponseRedirect(reverse("surveys:start"))
        return HttpResponseRedirect(_url("surveys:round-review", round_.language))
    answers = round_answers(plan)
    stored = [answers.get(c.pseudonym) for c in plan.colleagues]
    skipped = sum(1 for a in stored if a is not None and a.skipped)
    answered = sum(1 for a in stored if colleague_answered(a)) - skipped
    prediction = round_prediction(plan) if plan.predicts else {}
    pages = [
        {
            "number": number,
            "url": _page_url(number, round_.language),
            "names": [c.name for c in plan.colleagues_on_page(number)],
        }
        for number in range(1, plan.colleague_page_count + 1)
    ]
    return render_page(
        request,
        "relational/round_review.html",
        {
            "scan": plan.scan,
            "plan": plan,
            "guard": form_guard(round_.token),
            "pages": pages,
            "colleague_count": len(plan.colleagues),
            "answered": answered,
            "skipped": skipped,
            "open": len(plan.colleagues) - answered - skipped,
            "prediction_answered": len(prediction),
            "prediction_total": len(leader_items(plan.scan)) if plan.predicts else 0,
            "prediction_url": (
                _page_url(plan.prediction_page_number, round_.language) if plan.predicts else ""
            ),
            "last_page_url": _page_url(plan.page_count, round_.language),
            "other_language": other_language(round_.language),
        },
        language=round_.language,
    )
