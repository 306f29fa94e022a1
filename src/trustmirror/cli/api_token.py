"""``trustmirror api-token``: create, list or revoke an organisation's API tokens.

The same as the admin's *API tokens* page: a new token is printed once (only its hash is
kept), and creating and revoking are in the audit log (without a user: the command line).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("create", "list", "revoke"))
    parser.add_argument("--org", required=True, help="the organisation's slug")
    parser.add_argument("--name", help="what the token is for (create)")
    parser.add_argument("--scope", choices=("read", "write"), default="read")
    parser.add_argument("--id", type=int, dest="token_id", help="the token's number (revoke)")
    parser.add_argument("--data-dir", default=None)


def run(args: argparse.Namespace) -> int:
    from trustmirror.cli import _setup_django

    _setup_django(Path(args.data_dir).expanduser().resolve() if args.data_dir else None)
    from trustmirror.api.models import ApiToken
    from trustmirror.api.services import api_token_create, api_token_revoke
    from trustmirror.orgs.models import Organisation

    organisation = Organisation.objects.filter(slug=args.org).first()
    if organisation is None:
        print(f"No organisation with slug {args.org!r}.", file=sys.stderr)
        return 2
    if args.action == "create":
        if not args.name:
            print("Give the token a --name: what it is for.", file=sys.stderr)
            return 2
        api_token, token = api_token_create(
            organisation=organisation, name=args.name, scope=args.scope, created_by=None
        )
        print(f"Token {api_token.pk} ({args.scope}), shown only now:", file=sys.stderr)
        print(token)
        return 0
    tokens = ApiToken.objects.filter(organisation=organisation)
    if args.action == "list":
        for api_token in tokens:
            state = f"revoked {api_token.revoked_at:%Y-%m-%d}" if api_token.revoked_at else "active"
            used = api_token.last_used_on or "never used"
            print(f"{api_token.pk}\t{api_token.name}\t{api_token.scope}\t{state}\t{used}")
        return 0
    api_token = tokens.filter(pk=args.token_id).first() if args.token_id else None
    if api_token is None:
        print(f"No token with --id {args.token_id} in {args.org}.", file=sys.stderr)
        return 2
    api_token_revoke(api_token=api_token, by=None)
    print(f"Token {api_token.pk} ({api_token.name}) is revoked.")
    return 0
