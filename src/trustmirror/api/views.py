"""The organisation admin's page for API tokens: create one (shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trustmirror.api.forms import ApiTokenForm
from trustmirror.api.models import ApiToken
from trustmirror.api.services import api_token_create, api_token_revoke
from trustmirror.orgs.access import MANAGE, organisation_or_404


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, org: str) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _api_token, new_token = api_token_create(
            organisation=organisation,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            created_by=request.user,
        )
        form = ApiTokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "organisation": organisation,
            "form": form,
            # Shown on this answer only: the database keeps nothing but its hash.
            "new_token": new_token,
            "tokens": ApiToken.objects.filter(organisation=organisation),
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, org: str, token_id: int) -> HttpResponse:
    organisation, _roles = organisation_or_404(request.user, org, kinds=MANAGE)
    api_token = get_object_or_404(ApiToken, pk=token_id, organisation=organisation)
    api_token_revoke(api_token=api_token, by=request.user)
    messages.success(request, _("Token %(name)s is revoked.") % {"name": api_token.name})
    return redirect("api_tokens:index", org=organisation.slug)
