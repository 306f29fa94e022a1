"""What the scan's page shows about its links: progress, problems and the actions offered."""

from __future__ import annotations

from trustmirror.delivery.forms import LettersForm, NewLinkForm, ReminderForm
from trustmirror.delivery.selectors import scan_delivery
from trustmirror.surveys.models import Scan


def delivery_context(
    scan: Scan,
    *,
    remind_form: ReminderForm | None = None,
    letters_form: LettersForm | None = None,
) -> dict:
    phase = scan.phase()
    delivery = scan_delivery(scan)
    return {
        "delivery": delivery,
        "remind_form": remind_form or ReminderForm(prefix="remind"),
        "letters_form": letters_form or LettersForm(prefix="letters"),
        "new_link_form": NewLinkForm(prefix="new-link"),
        # A new link goes out only while the scan is open; until then it would wait anyway.
        "can_send_new_links": phase == Scan.OPEN,
        "can_download_letters": (
            scan.delivery == Scan.LETTERS and phase != Scan.CLOSED and delivery.letters_left > 0
        ),
    }
