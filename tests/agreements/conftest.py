"""The delivery tests' real SMTP server (aiosmtpd), for the agreements' reminders."""

from tests.delivery.conftest import smtp_server  # noqa: F401
