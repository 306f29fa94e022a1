"""Small strict helpers that read Trustmirror's settings from the environment.

Each helper fails with ``ImproperlyConfigured`` naming the variable and the bad value, so a
typo in a deployment is reported at start-up instead of turning into odd behaviour later.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_is_set(name: str) -> bool:
    """Whether the variable holds anything but blanks (an empty value counts as unset)."""
    return bool(os.environ.get(name, "").strip())


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of IP addresses or networks (``10.0.0.0/8``, ``2001:db8::1``)."""
    networks = []
    for part in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(part))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks such as 10.0.0.2 or 10.0.0.0/8, "
                f"separated by commas; {part!r} is neither (a network's host bits must be zero)"
            ) from None
    return networks


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {'/'.join(choices)}, got {raw!r}")
    return value


def env_file_text(name: str) -> str:
    """The contents of the file named by ``name`` (stripped), or "" when it is not set."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    path = Path(raw)
    if not path.is_file():
        raise ImproperlyConfigured(f"{name} points to {path}, which is not a file")
    return path.read_text(encoding="utf-8").strip()


def env_url(name: str, default: str) -> str:
    """An http(s) URL with a host and no path, query or fragment, without a trailing slash."""
    raw = os.environ.get(name, "").strip() or default
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name} must be a URL like https://trust.example.org (no path), got {raw!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def env_email(name: str, default: str) -> str:
    """An e-mail address, optionally with a display name: ``Trustmirror <trust@example.org>``."""
    raw = os.environ.get(name, "").strip() or default
    _display, address = parseaddr(raw)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(f"{name} must be an e-mail address, got {raw!r}") from None
    return raw


def data_dir() -> Path:
    """Where Trustmirror keeps its SQLite database and secrets (``TRUSTMIRROR_DATA_DIR``)."""
    path = Path(os.environ.get("TRUSTMIRROR_DATA_DIR", ".trustmirror")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_from_file_or_dir(name: str, filename: str, directory: Path) -> str:
    """Read a secret from the file named by ``<name>_FILE``, or keep one in ``directory``.

    A missing secret in the data directory is generated once (256 bits) and written with
    mode 0600, so the demo is as safe as production without anyone handling keys by hand.
    """
    explicit = os.environ.get(f"{name}_FILE")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ImproperlyConfigured(f"{name}_FILE points to {path}, which is not a file")
        value = path.read_text(encoding="utf-8").strip()
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name}_FILE ({path}) holds fewer than 32 characters")
        return value
    path = directory / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
