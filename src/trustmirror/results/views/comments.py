"""A consultant hides an open answer as inappropriate, or shows it again (POST only)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from trustmirror.orgs.access import MANAGE, organisation_or_404
from trustmirror.results.comments import comment_hide, comment_in_publication, comment_unhide
from trustmirror.results.selectors import published_results
from trustmirror.surveys.models import Scan


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[("hide", "hide"), ("unhide", "unhide")])
    question = forms.SlugField(max_length=50)
    comment = forms.RegexField(regex=r"^[0-9a-f]{32}$")
    group = forms.CharField(max_length=40, required=False)
    reason = forms.CharField(max_length=300, required=False)
    next = forms.CharField(max_length=500, required=False)


@login_required
@require_POST
def comment_moderate(request: HttpRequest, org: str, scan_id: int) -> HttpResponse:
    """Only the organisation's admins (the consultant) moderate: 404 for anyone else, so a
    lead or member learns nothing from trying. The comment must be in the latest results."""
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    scan = get_object_or_404(Scan, pk=scan_id, organisation=organisation)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    data = form.cleaned_data
    results, _participation = published_results(scan)
    if results is None:
        raise Http404
    if data["action"] == "hide":
        if not comment_in_publication(results, question_id=data["question"], cid=data["comment"]):
            raise Http404
        comment_hide(
            user=request.user,
            results=results,
            question_id=data["question"],
            cid=data["comment"],
            group_key=data["group"],
            reason=data["reason"],
        )
    else:
        comment_unhide(
            user=request.user,
            results=results,
            question_id=data["question"],
            cid=data["comment"],
            group_key=data["group"],
        )
    back = data["next"]
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("results:scan_overview", kwargs={"org": org, "scan_id": scan.pk})
    return HttpResponseRedirect(back.split("#")[0] + "#comments-" + data["question"])
