"""Single sign-on through OpenID Connect (mozilla-django-oidc), matched to people by e-mail.

Off unless ``TRUSTMIRROR_OIDC_CLIENT_ID`` is set (:mod:`trustmirror.sso.config`). Someone who
signs in at the organisation's provider (Microsoft Entra ID, Google Workspace, ...) is let in
only as the :class:`~trustmirror.orgs.models.Person` whose e-mail address the provider
vouches for; what they may see still comes from their roles alone. Passwords keep working.
"""
