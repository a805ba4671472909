"""The browser's time zone reaches the learner's settings at sign-up, and the settings page offers it."""

import re

import pytest
from django.core import mail

from quizzes.models import StudySettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tokyo_page(browser, live_server, console):
    context = browser.new_context(base_url=live_server.url, timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    page = context.new_page()
    console.attach(page)
    yield page
    context.close()


def test_sign_up_in_tokyo_gives_the_learner_tokyos_day(tokyo_page, console):
    page = tokyo_page
    page.goto("/accounts/signup/")
    page.fill("#id_username", "kenji")
    page.fill("#id_email", "kenji@example.com")
    page.fill("#id_password1", "a-long-pass-phrase-42")
    page.fill("#id_password2", "a-long-pass-phrase-42")
    page.click("button[type=submit]")
    link = re.search(r"https?://\S+/confirm/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    assert page.input_value("input[name=time_zone]") == "Asia/Tokyo"
    page.click("#confirm-signup")
    page.wait_for_url("**/")
    settings = StudySettings.objects.get(user__username="kenji")
    assert (settings.time_zone, settings.day_starts_at) == ("Asia/Tokyo", 4)
    # The settings page: Tokyo is selected, so no "use this browser's zone" hint.
    page.goto("/review/settings/")
    assert page.input_value("#id_time_zone") == "Asia/Tokyo"
    assert page.is_hidden("#browser-time-zone")
    # Another zone saved: the page offers the browser's, and one click selects it.
    StudySettings.objects.filter(user__username="kenji").update(time_zone="Europe/Paris")
    page.goto("/review/settings/")
    assert page.is_visible("#browser-time-zone") and "Asia/Tokyo" in page.inner_text("#browser-time-zone")
    page.click("#browser-time-zone button")
    page.click("form.narrow-form button[type=submit]")
    page.wait_for_url("**/review/")
    assert StudySettings.objects.get(user__username="kenji").time_zone == "Asia/Tokyo"
    assert not console.errors, console.errors
