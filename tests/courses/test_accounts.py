"""Sign up, log in and out, change and reset a password; demo accounts only with debug on."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.roles import is_instructor
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def test_signup_creates_a_student_and_logs_them_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "New@Example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(username="newbie")
    assert user.email == "new@example.com"
    assert not is_instructor(user)
    assert "Welcome back, newbie" in client.get("/").content.decode()


def test_signup_errors_are_shown_not_raised(client):
    UserFactory(email="taken@example.com")
    response = client.post(
        reverse("signup"), {"username": "x", "email": "taken@example.com", "password1": "short", "password2": "other"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already exists" in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 1


def test_login_and_logout(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").content.decode().count("Welcome back") == 1
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "Welcome back" not in client.get("/").content.decode()


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
