"""Log-in lockout (django-axes, counted in the database): per username and per client address, on the site's
log-in and the admin's, with a clear 429 page; and the client address behind trusted reverse proxies."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from courses.accounts import client_ip
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
LOGIN_URLS = ["/accounts/login/", "/admin/login/"]


def attempt(client, url, username, password, ip="198.51.100.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("boss", "boss@example.com", PASSWORD)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, admin_user, url):
    statuses = [attempt(client, url, "boss", f"guess-{i}").status_code for i in range(30)]
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}
    response = attempt(client, url, "boss", PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    html = response.content.decode()
    assert 'id="locked-out"' in html and "15 minutes" in html and reverse("password_reset") in html
    # attempts during the lockout are not recorded: the row holds what locked it, and stops growing
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 5


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_a_username_is_locked_whatever_address_the_guesses_come_from(client, admin_user, url):
    for i in range(5):
        attempt(client, url, "boss", f"guess-{i}", ip=f"203.0.113.{i + 1}")
    response = attempt(client, url, "boss", PASSWORD, ip="192.0.2.200")
    assert response.status_code == 429 and not logged_in(client)


def test_a_client_is_locked_whatever_usernames_it_tries(client):
    alice, bob = UserFactory(), UserFactory()
    for i in range(5):
        attempt(client, "/accounts/login/", f"nobody{i}", "guess")
    assert attempt(client, "/accounts/login/", alice.username, PASSWORD).status_code == 429
    assert not logged_in(client)
    # someone else, from another address, is not affected
    assert attempt(client, "/accounts/login/", bob.username, PASSWORD, ip="192.0.2.9").status_code == 302
    assert logged_in(client)


def test_a_few_typos_do_not_lock_and_the_site_and_admin_share_the_count(client, admin_user):
    for i in range(2):
        assert attempt(client, "/accounts/login/", "boss", f"typo-{i}").status_code == 200
    for i in range(2):
        assert attempt(client, "/admin/login/", "boss", f"typo-{i}").status_code == 200
    assert attempt(client, "/admin/login/", "boss", PASSWORD).status_code == 302 and logged_in(client)
    client.post(reverse("logout"))
    assert attempt(client, "/accounts/login/", "boss", "typo-again").status_code == 429  # the fifth failure


def test_the_counters_live_in_the_database(client, admin_user):
    """What makes the lockout hold across several web servers: every process reads the same rows."""
    attempt(client, "/accounts/login/", "boss", "wrong")
    [row] = AccessAttempt.objects.all()
    assert row.username == "boss" and row.ip_address == "198.51.100.7" and row.failures_since_start == 1
    assert "wrong" not in row.post_data  # the password is masked


def test_a_new_password_by_e_mail_lifts_the_lockout_on_that_username(client):
    user = UserFactory(email="locked@example.com")
    for i in range(5):
        attempt(client, "/accounts/login/", user.username, f"guess-{i}", ip=f"203.0.113.{i + 1}")
    assert attempt(client, "/accounts/login/", user.username, PASSWORD).status_code == 429
    client.post(reverse("password_reset"), {"email": "locked@example.com"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "brand-new-phrase-42", "new_password2": "brand-new-phrase-42"})
    assert attempt(client, "/accounts/login/", user.username, "brand-new-phrase-42").status_code == 302


def test_hostile_usernames_are_refused_with_a_4xx_not_an_error(client):
    for username in ["a\x00b", "u" * 10_000, ""]:
        response = attempt(client, "/accounts/login/", username, "x")
        assert 400 <= response.status_code < 500 or response.status_code == 200
    response = client.post("/accounts/login/", {"username": ["a", "b"], "password": ["c", "d"]})
    assert response.status_code in (200, 400)


def test_the_client_address_behind_trusted_proxies(settings):
    def ip(remote, forwarded=None):
        meta = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            meta["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_ip(RequestFactory().get("/", **meta))

    settings.TRUSTED_PROXY_COUNT = 0  # the default: no header is trusted
    assert ip("10.0.0.1", "203.0.113.5") == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1  # one load balancer, which appends the address it saw
    assert ip("10.0.0.1", "6.6.6.6, 203.0.113.5") == "203.0.113.5"  # the forged left entry is ignored
    assert ip("10.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert ip("10.0.0.1") == "10.0.0.1"
    assert ip("10.0.0.1", "not-an-address") == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2  # a CDN in front of the load balancer
    assert ip("10.0.0.1", "6.6.6.6, 203.0.113.5, 198.51.100.1") == "203.0.113.5"
    assert ip("10.0.0.1", "203.0.113.5") == "10.0.0.1"  # fewer hops than proxies: not through them


def test_lockout_counts_the_forwarded_client_behind_a_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for i in range(5):  # every request arrives from the proxy; the clients differ
        client.post(
            "/accounts/login/",
            {"username": f"nobody{i}", "password": "x"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )
    other = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.77",
    )
    assert other.status_code == 302


def test_a_nul_byte_in_a_stored_header_is_a_400_not_an_error(client):
    client.raise_request_exception = False
    for header in ["HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_X_FORWARDED_FOR"]:
        response = client.post("/accounts/login/", {"username": "x", "password": "y"}, **{header: "a\x00b"})
        assert response.status_code == 400 and b"NUL" in response.content, header
    assert not AccessAttempt.objects.exists()


def test_the_lockout_ends_after_the_cool_off(client, admin_user):
    from datetime import timedelta

    for i in range(5):
        attempt(client, "/accounts/login/", "boss", f"guess-{i}")
    assert attempt(client, "/accounts/login/", "boss", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert attempt(client, "/accounts/login/", "boss", PASSWORD).status_code == 302 and logged_in(client)
