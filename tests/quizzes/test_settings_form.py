"""The study settings form: the time zone is checked against zoneinfo and the hour against 0-23, never a crash."""

import pytest

from quizzes.forms import StudySettingsForm

VALID = {
    "desired_retention": "90",
    "new_per_day": "10",
    "daily_goal": "30",
    "time_zone": "Asia/Tokyo",
    "day_starts_at": "4",
}


def test_a_valid_form_gives_the_service_its_arguments():
    form = StudySettingsForm(VALID)
    assert form.is_valid(), form.errors
    assert form.update_kwargs() == {
        "desired_retention": 0.9,
        "new_per_day": 10,
        "daily_goal": 30,
        "time_zone": "Asia/Tokyo",
        "day_starts_at": 4,
    }


def test_time_zone_and_hour_may_be_left_out_and_are_then_kept():
    form = StudySettingsForm({"desired_retention": "85", "new_per_day": "5"})
    assert form.is_valid(), form.errors
    kwargs = form.update_kwargs()
    assert kwargs["time_zone"] is None and kwargs["day_starts_at"] is None and kwargs["daily_goal"] is None


@pytest.mark.parametrize(
    "zone",
    ["Mars/Olympus_Mons", "Asia/Tokyo\x00", "../../../etc/passwd", "/usr/share/zoneinfo/UTC", "z" * 100_000, "utc"],
)
def test_an_unknown_time_zone_is_a_form_error(zone):
    form = StudySettingsForm({**VALID, "time_zone": zone})
    assert not form.is_valid()
    assert "Choose a time zone from the list" in form.errors["time_zone"][0]


@pytest.mark.parametrize("hour", ["24", "-1", "4.5", "abc", "9" * 400, "4\x00"])
def test_a_bad_day_start_hour_is_a_form_error(hour):
    form = StudySettingsForm({**VALID, "day_starts_at": hour})
    assert not form.is_valid()
    assert "Choose an hour" in form.errors["day_starts_at"][0]


def test_every_offered_zone_is_one_zoneinfo_can_load():
    import zoneinfo

    choices = list(StudySettingsForm().fields["time_zone"].choices)
    assert len(choices) > 300 and ("America/Los_Angeles", "America/Los Angeles") in choices
    for value, _ in choices:
        zoneinfo.ZoneInfo(value)


def test_initial_values_come_from_the_settings():
    from quizzes.models import StudySettings

    settings = StudySettings(
        desired_retention=0.93, new_per_day=7, daily_goal=45, time_zone="Europe/Paris", day_starts_at=5
    )
    assert StudySettingsForm.initial_for(settings) == {
        "desired_retention": 93,
        "new_per_day": 7,
        "daily_goal": 45,
        "time_zone": "Europe/Paris",
        "day_starts_at": 5,
        "exam_blueprint": None,
        "exam_date": None,
    }
