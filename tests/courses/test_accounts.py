"""Sign up (confirmed by e-mail, no account enumeration), log in and out, change and reset a password; demo
accounts only with debug on."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from courses.roles import is_instructor
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def signup(client, username="newbie", email="New@Example.com", password="a-long-pass-phrase-9", **extra):
    data = {"username": username, "email": email, "password1": password, "password2": password}
    return client.post(reverse("signup"), data, **extra)


def confirm_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\S+/)", message.body).group(1)


def test_signup_mails_a_link_and_the_link_creates_a_student(client):
    response = signup(client)
    assert response.status_code == 302 and response.url == reverse("signup_sent")
    assert not User.objects.exists()  # nothing until the address is confirmed
    assert "Check your e-mail" in client.get(response.url).content.decode()
    [message] = mail.outbox
    assert message.to == ["new@example.com"] and "newbie" in message.body
    link = confirm_link(message)
    page = client.get(link)
    assert page.status_code == 200 and 'id="confirm-signup"' in page.content.decode()
    assert not User.objects.exists()  # a GET (a mail scanner following links) creates nothing
    response = client.post(link)
    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(username="newbie")
    assert user.email == "new@example.com" and user.check_password("a-long-pass-phrase-9")
    assert not is_instructor(user)
    assert "Welcome to Spinup, newbie" in client.get("/").content.decode()  # a first run
    client.post(reverse("logout"))
    assert client.post(link).status_code == 400  # a link works once
    assert User.objects.count() == 1


def test_signup_with_an_address_in_use_looks_the_same_and_tells_its_owner(client):
    owner = UserFactory(username="owner", email="taken@example.com")
    new = signup(client, username="someone", email="fresh@example.com")
    taken = signup(client, username="other", email="Taken@Example.com")
    assert new.status_code == taken.status_code == 302 and new.url == taken.url == reverse("signup_sent")
    assert User.objects.count() == 1
    confirm, notice = mail.outbox
    assert confirm.to == ["fresh@example.com"]
    assert notice.to == [owner.email] and "tried to sign up" in notice.subject
    assert "/accounts/signup/confirm/" not in notice.body and "/accounts/password_reset/" in notice.body
    assert "already exists" not in client.get(reverse("signup_sent")).content.decode()
    # and the username tried with the taken address was not reserved either
    assert signup(client, username="other", email="third@example.com").url == reverse("signup_sent")


def test_a_password_reset_reaches_only_a_confirmed_address(client):
    signup(client, email="pending@example.com")
    client.post(reverse("password_reset"), {"email": "pending@example.com"})
    assert len(mail.outbox) == 1  # the confirmation only: no account yet, so no reset
    client.post(confirm_link(mail.outbox[0]))
    client.post(reverse("logout"))
    client.post(reverse("password_reset"), {"email": "pending@example.com"})
    assert len(mail.outbox) == 2 and "/accounts/reset/" in mail.outbox[1].body


def test_demo_and_factory_accounts_count_as_confirmed(client, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", stdout=io.StringIO())
    UserFactory(email="factory@example.com")
    for email in ["student@spinup.local", "factory@example.com"]:
        client.post(reverse("password_reset"), {"email": email})
    assert [m.to for m in mail.outbox] == [["student@spinup.local"], ["factory@example.com"]]
    response = client.post(reverse("login"), {"username": "student", "password": "learn-aws-2026"})
    assert response.status_code == 302


def test_a_newer_signup_replaces_the_older_link(client):
    signup(client, username="first", email="same@example.com")
    signup(client, username="second", email="same@example.com")
    old, new = (confirm_link(m) for m in mail.outbox)
    assert client.post(old).status_code == 400
    client.post(new)
    assert list(User.objects.values_list("username", flat=True)) == ["second"]


def test_an_expired_or_forged_link_creates_nothing(client, settings):
    signup(client)
    link = confirm_link(mail.outbox[0])
    from courses.models import SignupConfirmation

    SignupConfirmation.objects.update(created_at=timezone.now() - timedelta(hours=settings.SIGNUP_CONFIRM_HOURS + 1))
    assert client.post(link).status_code == 400
    for forged in ["/accounts/signup/confirm/not-a-token/", "/accounts/signup/confirm/" + "A" * 5000 + "/"]:
        response = client.get(forged)
        assert response.status_code == 400 and "invalid" in response.content.decode()
    assert not User.objects.exists()


def test_a_username_taken_before_confirmation_is_a_clear_conflict(client):
    signup(client, username="racer", email="one@example.com")
    link = confirm_link(mail.outbox[0])
    UserFactory(username="Racer")
    response = client.post(link)
    assert response.status_code == 409 and "Someone took that username" in response.content.decode()
    assert not User.objects.filter(email="one@example.com").exists()


def test_signup_errors_are_shown_not_raised(client):
    UserFactory(username="taken")
    response = client.post(
        reverse("signup"), {"username": "taken", "email": "x@example.com", "password1": "short", "password2": "other"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 1 and not mail.outbox


def test_signup_refuses_hostile_input_with_a_4xx(client):
    for data in [
        {"username": "a\x00b", "email": "n@example.com", "password1": "a-long-pass-phrase-9"},
        {"username": "u" * 10_000, "email": "e" * 10_000 + "@example.com", "password1": "p" * 10_000},
        {"username": ["x", "y"], "email": ["a@example.com", "b@example.com"]},
    ]:
        response = client.post(reverse("signup"), data)
        assert 400 <= response.status_code < 500 or (response.status_code == 200 and "aria-invalid" in response.text)
    assert not User.objects.exists() and not mail.outbox


def test_login_and_logout(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").content.decode().count("Welcome to Spinup") == 1
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "Welcome to Spinup," not in client.get("/").content.decode()


def test_login_with_a_wrong_password_fails(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "another-long-phrase-7", "new_password2": "another-long-phrase-7"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-phrase-7")


def test_password_reset_by_email(client):
    user = UserFactory(email="reset@example.com")
    client.post(reverse("password_reset"), {"email": "reset@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "brand-new-phrase-42", "new_password2": "brand-new-phrase-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-phrase-42")


def test_demo_accounts_refuse_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_accounts")
    assert User.objects.count() == 0


def test_demo_accounts_with_debug_are_idempotent(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)
    call_command("create_demo_accounts", stdout=io.StringIO())
    assert User.objects.count() == 2
    assert is_instructor(User.objects.get(username="instructor"))
    assert not is_instructor(User.objects.get(username="student"))
    password = re.search(r"username: student\s+password: (\S+)", out.getvalue()).group(1)
    assert User.objects.get(username="student").check_password(password)


def test_demo_accounts_come_with_a_demo_cohort_once_the_course_is_loaded(settings, curriculum):
    from courses.models import Cohort

    settings.DEBUG = True
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)
    call_command("create_demo_accounts", stdout=io.StringIO())
    (cohort,) = Cohort.objects.all()  # once, however often the command runs
    assert list(cohort.instructors.values_list("username", flat=True)) == ["instructor"]
    assert list(cohort.members.values_list("username", flat=True)) == ["student"]
    assert cohort.join_code in out.getvalue()
