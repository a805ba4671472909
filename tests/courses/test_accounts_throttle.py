"""Sign-up and password-reset throttles: per client address and per e-mail address, kept in the database."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from courses.models import ThrottleHit
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db


def signup(client, email, ip="198.51.100.7", username=None):
    username = username or email.split("@")[0].replace("+", "-")[:30]
    data = {
        "username": username,
        "email": email,
        "password1": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9",
    }
    return client.post(reverse("signup"), data, REMOTE_ADDR=ip)


def reset(client, email, ip="198.51.100.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("existing", [False, True])
def test_signup_mails_one_address_three_times_an_hour_whether_or_not_it_has_an_account(client, existing):
    if existing:
        UserFactory(email="target@example.com")
    addresses = ["target@example.com", "Target@Example.com", "target+x@example.com", "target@example.com"]
    statuses = [signup(client, email, ip=f"203.0.113.{i}").status_code for i, email in enumerate(addresses)]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    response = signup(client, "someone-else@example.com")
    assert response.status_code == 302


def test_signup_from_one_client_is_capped(client, settings):
    limit = settings.ACCOUNT_THROTTLES["signup"]["per_client"]
    for i in range(limit):
        assert signup(client, f"person{i}@example.com").status_code == 302
    response = signup(client, "one-more@example.com")
    assert response.status_code == 429
    assert "Too many sign-ups" in response.content.decode()
    assert len(mail.outbox) == limit
    assert signup(client, "elsewhere@example.com", ip="192.0.2.1").status_code == 302


def test_invalid_signups_count_against_the_client_too(client, settings):
    """So the form cannot be used to probe usernames without limit."""
    limit = settings.ACCOUNT_THROTTLES["signup"]["per_client"]
    UserFactory(username="taken")
    for _ in range(limit):
        assert signup(client, "a@example.com", username="taken").status_code == 200
    assert signup(client, "a@example.com", username="taken").status_code == 429


@pytest.mark.parametrize("existing", [False, True])
def test_password_reset_is_capped_per_address_whether_or_not_it_has_an_account(client, existing):
    if existing:
        UserFactory(email="target@example.com")
    statuses = [reset(client, "target@example.com", ip=f"203.0.113.{i}").status_code for i in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == (3 if existing else 0)


def test_password_reset_from_one_client_is_capped(client, settings):
    limit = settings.ACCOUNT_THROTTLES["password_reset"]["per_client"]
    for i in range(limit):
        assert reset(client, f"person{i}@example.com").status_code == 302
    response = reset(client, "one-more@example.com")
    assert response.status_code == 429 and "Too many password reset requests" in response.content.decode()
    assert reset(client, "one-more@example.com", ip="192.0.2.1").status_code == 302


def test_the_window_slides_and_nothing_is_stored_in_clear(client):
    for i in range(3):
        reset(client, "slide@example.com", ip=f"203.0.113.{i}")
    assert reset(client, "slide@example.com", ip="203.0.113.9").status_code == 429
    assert not ThrottleHit.objects.filter(key__contains="slide").exists()
    assert not ThrottleHit.objects.filter(key__contains="203.0.113").exists()
    ThrottleHit.objects.update(at=ThrottleHit.objects.first().at - timedelta(hours=1, seconds=1))
    assert reset(client, "slide@example.com", ip="203.0.113.9").status_code == 302
    assert ThrottleHit.objects.count() == 2  # the expired hits were pruned: this request's two
