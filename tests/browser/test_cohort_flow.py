"""A class in a real Chromium: an instructor creates a cohort, a student joins it with the code, the
instructor's gradebook shows the student, and the CSV downloads with them in it."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from courses.models import Cohort
from courses.roles import make_instructor
from tests.courses.factories import UserFactory

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(f"{username}$"))).to_be_visible()


def test_an_instructor_runs_a_cohort_a_student_joins_and_the_gradebook_downloads(browser, live_server, live_curriculum):
    make_instructor(UserFactory(username="mentor"))
    UserFactory(username="pupil")
    teacher = browser.new_context(base_url=live_server.url, accept_downloads=True)
    teacher.set_default_timeout(10_000)
    page = teacher.new_page()
    log_in(page, "mentor")
    page.goto("/instructor/")
    page.locator("#cohorts-link").click()
    expect(page.locator("#no-cohorts")).to_be_visible()
    page.get_by_label("Name").fill("Evening DVA class")
    page.get_by_label("Starts on").fill("2026-12-01")
    page.get_by_label("Ends on").fill("2027-12-01")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("heading", level=1, name="Evening DVA class")).to_be_visible()
    expect(page.locator("#no-students")).to_be_visible()
    code = page.locator("#join-code").inner_text()
    assert code == Cohort.objects.get().join_code

    student = browser.new_context(base_url=live_server.url)
    student.set_default_timeout(10_000)
    other = student.new_page()
    log_in(other, "pupil")
    other.goto("/join/")
    other.get_by_label("Cohort code").fill("NOTACODE")
    other.get_by_role("button", name="Join").click()
    expect(other.locator(".field-error")).to_contain_text("No cohort has that code")
    other.get_by_label("Cohort code").fill(code.lower())
    other.get_by_role("button", name="Join").click()
    expect(other.locator("#dashboard-cohorts")).to_contain_text("Evening DVA class")
    student.close()

    page.reload()
    expect(page.locator("#student-count")).to_have_text("1")
    expect(page.locator("#gradebook tbody tr")).to_have_count(1)
    expect(page.locator("#gradebook tbody tr td").first).to_have_text("pupil")
    with page.expect_download() as info:
        page.locator("#csv-link").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "student" and [row[0] for row in rows[1:]] == ["pupil"]
    teacher.close()
