"""The study settings form: retention, new cards a day, the learner's day (time zone, start hour), the booked exam."""

from django import forms
from django.utils import timezone

from .models import ExamBlueprint, time_zone_names


def _hour_label(hour: int) -> str:
    if hour == 0:
        return "midnight"
    if hour == 12:
        return "noon"
    return f"{hour % 12} {'am' if hour < 12 else 'pm'}"


DAY_START_CHOICES = [(hour, _hour_label(hour)) for hour in range(24)]


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class StudySettingsForm(forms.Form):
    desired_retention = forms.IntegerField(
        label="Desired retention (%)",
        min_value=80,
        max_value=97,
        help_text="How likely you want to be to remember a card when it comes back: higher means more reviews.",
    )
    new_per_day = forms.IntegerField(label="New cards per day", min_value=0, max_value=100)
    daily_goal = forms.IntegerField(
        label="Daily goal (answers)",
        min_value=1,
        max_value=500,
        required=False,
        help_text="How many questions you aim to answer each day, in any mode; your dashboard shows how far you are.",
    )
    # Not required: a client that posts only the first two fields keeps its day as it was.
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        required=False,
        error_messages={"invalid_choice": "Choose a time zone from the list, such as Europe/Paris."},
        help_text="Your day, streak and new-card allowance follow this zone.",
    )
    day_starts_at = forms.TypedChoiceField(
        label="Next day starts at",
        choices=DAY_START_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an hour from the list."},
        help_text="Reviews before this hour count for the day before, so a late session keeps your streak.",
    )
    exam_blueprint = forms.ModelChoiceField(
        label="Exam you are preparing for",
        queryset=ExamBlueprint.objects.published(),
        to_field_name="content_id",
        required=False,
        empty_label="None booked",
        error_messages={"invalid_choice": "Choose a practice exam from the list."},
    )
    exam_date = forms.DateField(
        label="Exam day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the day as YYYY-MM-DD."},
        help_text="From two weeks before, your daily review aims for 95% and brings forward what you would forget "
        "by then; your dashboard counts down and shows your predicted score.",
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def _posts_exam(self) -> bool:
        # A client that posts neither exam field (an older form, a script) keeps the booked exam as it was.
        return self.is_bound and ("exam_blueprint" in self.data or "exam_date" in self.data)

    def clean(self):
        data = super().clean()
        if not self._posts_exam() or {"exam_blueprint", "exam_date"} & set(self.errors):
            return data
        blueprint, day = data.get("exam_blueprint"), data.get("exam_date")
        today = self.today or timezone.localdate()  # the learner's zone is active on their requests
        if blueprint and not day:
            self.add_error("exam_date", "Pick the day of your exam, or set the exam to none booked.")
        elif day and not blueprint:
            if day == self.initial.get("exam_date"):
                data["exam_date"] = None  # the exam set to none booked: its day goes with it
            else:
                self.add_error("exam_blueprint", "Choose the exam you sit that day, or clear the day.")
        elif day and day < today and day != self.initial.get("exam_date"):
            self.add_error("exam_date", "The exam day cannot be in the past.")
        return data

    @staticmethod
    def initial_for(settings) -> dict:
        return {
            "desired_retention": round(settings.desired_retention * 100),
            "new_per_day": settings.new_per_day,
            "daily_goal": settings.daily_goal,
            "time_zone": settings.time_zone,
            "day_starts_at": settings.day_starts_at,
            "exam_blueprint": settings.exam_blueprint,
            "exam_date": settings.exam_date,
        }

    def update_kwargs(self) -> dict:
        """Keyword arguments for services.study_settings_update (a valid form only)."""
        data = self.cleaned_data
        return {
            "desired_retention": data["desired_retention"] / 100,
            "new_per_day": data["new_per_day"],
            "daily_goal": data["daily_goal"],
            "time_zone": data["time_zone"] or None,
            "day_starts_at": data["day_starts_at"],
            **({"exam": (data["exam_blueprint"], data["exam_date"])} if self._posts_exam() else {}),
        }


class CardFilterForm(forms.Form):
    """The card browser's search: text, module, state and when due (every field optional)."""

    STATES = [
        ("", "Any state"),
        ("new", "New"),
        ("learning", "Learning"),
        ("review", "Review"),
        ("relearning", "Relearning"),
        ("suspended", "Suspended"),
        ("buried", "Buried"),
    ]
    DUE = [
        ("", "Any time"),
        ("now", "Due now"),
        ("today", "Due before tomorrow"),
        ("week", "Due within 7 days"),
        ("later", "Due later"),
    ]

    q = forms.CharField(label="Text", max_length=100, required=False, strip=True)
    module = forms.ModelChoiceField(
        label="Module", queryset=None, to_field_name="content_id", required=False, empty_label="Any module"
    )
    state = forms.ChoiceField(label="State", choices=STATES, required=False)
    due = forms.ChoiceField(label="Due", choices=DUE, required=False)

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = modules
        self.fields["module"].error_messages["invalid_choice"] = "Choose a module from the list."
        for name in ("state", "due"):
            self.fields[name].error_messages["invalid_choice"] = "Choose one of the listed values."
