"""Request bodies are refused by size before anything reads them (security review L1).

The review sent a 200 MB multipart body with a self-made CSRF cookie while logged out; it was
read whole before the login redirect. Here the body is a stream that counts what is read from
it: a refused request must read nothing, whoever sends it, in no time and no memory.

Personas from tests/conftest.py: Carla (consultant) may upload a people file; anyone else
sends survey pages and the login form.
"""

from __future__ import annotations

import io
import tracemalloc
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.urls import reverse

from trustmirror.orgs.forms import MAX_UPLOAD_BYTES
from trustmirror.surveys.answering import OPEN_ANSWER_MAX_LENGTH

HUGE = 200 * 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of ``size`` bytes, made up as it is read; ``read_bytes`` says how much."""

    def __init__(self, size: int):
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        self.read_bytes += n
        return n


def _send(client, url: str, size: int):
    client.get("/accounts/login/")  # templates and translations loaded before measuring
    body = CountingBody(size)
    tracemalloc.start()
    response = client.generic(
        "POST",
        url,
        b"x",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": body},
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return response, body.read_bytes, peak


@pytest.mark.parametrize("url", ["/accounts/login/", "/s/" + "A" * 22, "/o/acme/people/import/"])
def test_a_huge_anonymous_body_is_refused_unread(client, acme, url):
    response, read, peak = _send(client, url, HUGE)
    assert response.status_code == 413
    assert read == 0
    assert peak < 5_000_000
    assert "Too large" in response.content.decode()


def test_an_anonymous_body_a_little_over_its_limit_is_refused(client, db):
    size = settings.TRUSTMIRROR_MAX_ANONYMOUS_BODY_BYTES + 1
    response, read, _peak = _send(client, "/accounts/login/", size)
    assert response.status_code == 413 and read == 0


def test_a_huge_body_from_staff_is_refused_unread(client, acme):
    client.force_login(acme.carla)
    url = reverse("orgs:people_import", kwargs={"org": "acme"})
    response, read, peak = _send(client, url, HUGE)
    assert response.status_code == 413
    assert read == 0
    assert peak < 5_000_000


def test_the_limits_leave_room_for_what_people_really_send():
    # Staff: the largest people file the form accepts, with the form around it.
    assert settings.TRUSTMIRROR_MAX_BODY_BYTES >= MAX_UPLOAD_BYTES + 64 * 1024
    # Anyone: a survey page whose open answers are full of four-byte characters (emoji),
    # each percent-encoded to 12 bytes, plus every scale question of a page.
    page = {
        f"open-q{n}": "\N{SMILING FACE WITH OPEN MOUTH}" * OPEN_ANSWER_MAX_LENGTH for n in (1, 2)
    }
    page.update({f"item-q{n}": "5" for n in range(60)})
    page["csrfmiddlewaretoken"] = "x" * 64
    assert len(urlencode(page)) < settings.TRUSTMIRROR_MAX_ANONYMOUS_BODY_BYTES


def test_a_people_file_of_the_largest_size_passes_the_body_limit(client, acme):
    client.force_login(acme.carla)
    header = b"name,email,language,unit,lead\n"
    upload = SimpleUploadedFile("people.csv", header + b"\n" * (MAX_UPLOAD_BYTES - len(header)))
    response = client.post(reverse("orgs:people_import", kwargs={"org": "acme"}), {"file": upload})
    # Read and answered by the import itself (here: a file of nothing but empty lines).
    assert response.status_code == 200
    assert "empty rows" in response.content.decode()


def test_a_people_file_stays_in_memory(rf):
    """Never in the temporary directory, where names and addresses would outlive a crash."""
    request = rf.post("/", {"file": SimpleUploadedFile("people.csv", b"x" * MAX_UPLOAD_BYTES)})
    assert isinstance(request.FILES["file"], InMemoryUploadedFile)
