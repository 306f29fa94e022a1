"""Seeding the demo: its first login, a fixed seed, reseeding, and what it refuses to touch.

Each test seeds a demo of its own (tests/demo/test_demo.py reads one seeded demo).
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from trustmirror import demo
from trustmirror.demo import story
from trustmirror.demo.seed import DEMO_PBKDF2_ITERATIONS
from trustmirror.orgs.models import Organisation, Person, Role
from trustmirror.surveys.models import Response, Scan


def test_quick_demo_password_hash_is_made_full_strength_at_the_first_login(db, tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    info = demo.seed_demo(data_dir=tmp_path, progress=False)
    password = next(login.password for login in info.logins if login.username == "consultant")
    consultant = get_user_model().objects.get(username="consultant")
    assert consultant.password.startswith(f"pbkdf2_sha256${DEMO_PBKDF2_ITERATIONS}$")

    assert consultant.check_password(password)

    consultant.refresh_from_db()
    assert consultant.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")


def _answer_multiset() -> Counter:
    scans = list(Scan.objects.order_by("opens_on").values_list("pk", flat=True))
    return Counter(
        (scans.index(r.scan_id), r.unit.path, tuple(sorted(r.answers.items())), r.language)
        for r in Response.objects.select_related("unit")
    )


@pytest.mark.django_db
def test_same_seed_gives_the_same_answers_and_reseeding_replaces_the_demo(tmp_path):
    first_info = demo.seed_demo(data_dir=tmp_path, seed=7, progress=False)
    first = _answer_multiset()
    people = sorted(Person.objects.values_list("name", "unit__path", "language"))

    second_info = demo.seed_demo(data_dir=tmp_path, seed=7, progress=False)

    assert _answer_multiset() == first
    assert sorted(Person.objects.values_list("name", "unit__path", "language")) == people
    assert Organisation.objects.filter(slug=story.ORGANISATION_SLUG).count() == 1
    assert get_user_model().objects.filter(username="consultant").count() == 1
    # Tokens and passwords are random every time, as in production.
    assert {link.token for link in first_info.links}.isdisjoint(
        link.token for link in second_info.links
    )
    assert first_info.logins[0].password != second_info.logins[0].password

    demo.seed_demo(data_dir=tmp_path, seed=8, progress=False)
    assert _answer_multiset() != first


@pytest.mark.django_db
def test_seeding_refuses_to_touch_a_user_of_another_organisation(tmp_path):
    other = Organisation.objects.create(name="Real", slug="real")
    user = get_user_model().objects.create_user("consultant", password="x" * 20)
    Role.objects.create(user=user, organisation=other, kind=Role.ADMIN)

    with pytest.raises(RuntimeError, match="data directory"):
        demo.seed_demo(data_dir=tmp_path, progress=False)

    assert get_user_model().objects.filter(username="consultant").count() == 1
    assert not Organisation.objects.filter(slug=story.ORGANISATION_SLUG).exists()
    assert not (tmp_path / demo.INFO_FILE).exists()
