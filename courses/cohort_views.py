"""Cohort pages: an instructor's cohorts and their gradebooks (and CSV); a student joining by code or link.

An instructor's pages fetch cohorts only through Cohort.objects.taught_by(request.user): another instructor's
cohort is a 404, and a student gets 403 on every instructor page."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import cohorts
from .models import Cohort, CohortDueDate, Course
from .roles import is_instructor


class CohortForm(forms.Form):
    name = forms.CharField(
        max_length=cohorts.MAX_NAME, label="Name", help_text="e.g. DVA-C02 evening class, spring 2027"
    )
    starts_on = forms.DateField(label="Starts on", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Ends on", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The cohort must end on or after the day it starts.")
        return data


class DueDateForm(forms.Form):
    item = forms.ChoiceField(label="Lesson, lab or practice exam")
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "Choose…"), *cohorts.due_choices()]


class JoinForm(forms.Form):
    code = forms.CharField(max_length=40, label="Cohort code", help_text="8 letters and digits, from your instructor")


def _instructor(request):
    if not is_instructor(request.user):
        raise PermissionDenied("Instructors only.")


def _cohort_for(request, cohort_id) -> Cohort:
    _instructor(request)
    return get_object_or_404(Cohort.objects.taught_by(request.user).select_related("course"), pk=cohort_id)


@require_http_methods(["GET", "POST"])
def cohort_list(request):
    _instructor(request)
    course = Course.objects.published().order_by("pk").first()
    today = timezone.localdate()
    form = CohortForm(request.POST or None, initial={"starts_on": today, "ends_on": today + timedelta(weeks=10)})
    if request.method == "POST" and form.is_valid() and course is not None:
        try:
            cohort = cohorts.cohort_create(course=course, instructor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Cohort created. Students join with the code {cohort.join_code}.")
            return redirect(cohort)
    taught = Cohort.objects.taught_by(request.user).select_related("course").prefetch_related("memberships")
    rows = [{"cohort": c, "students": len(c.memberships.all())} for c in taught]
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/cohort_list.html", {"rows": rows, "form": form, "course": course}, status=status)


@require_GET
def cohort_detail(request, cohort_id, *, due_form=None, status=200):
    cohort = _cohort_for(request, cohort_id)
    rows, sort = cohorts.sort_rows(cohorts.gradebook(cohort), request.GET.get("sort", "student"))
    invite = request.build_absolute_uri(f"/join/{cohort.join_code}/")
    context = {
        "cohort": cohort,
        "rows": rows,
        "sort": sort,
        "invite": invite,
        "columns": COLUMNS,
        "dues": cohorts.due_list(cohort),
        "form": due_form or DueDateForm(initial={"due_on": cohort.ends_on}),
    }
    return render(request, "courses/cohort_detail.html", context, status=status)


@require_POST
def cohort_due_set(request, cohort_id):
    cohort = _cohort_for(request, cohort_id)
    form = DueDateForm(request.POST)
    if form.is_valid():
        try:
            cohorts.due_date_set(cohort=cohort, item=form.cleaned_data["item"], due_on=form.cleaned_data["due_on"])
        except ValidationError as exc:
            form.add_error("item", exc.message_dict.get("item"))
        else:
            messages.success(request, "Due date set; the cohort's students see it on their dashboard.")
            return redirect(cohort)
    request.method = "GET"  # render the page with the form's errors
    return cohort_detail(request, cohort_id, due_form=form, status=400)


@require_POST
def cohort_due_remove(request, cohort_id, due_id):
    cohort = _cohort_for(request, cohort_id)
    get_object_or_404(CohortDueDate, pk=due_id, cohort=cohort).delete()
    messages.success(request, "Due date removed.")
    return redirect(cohort)


# The gradebook's sortable columns: (sort key, heading).
COLUMNS = [
    ("student", "Student"),
    ("lessons", "Lessons done"),
    ("reviews7", "Reviews 7 d"),
    ("reviews30", "Reviews 30 d"),
    ("retention7", "Retention 7 d"),
    ("retention30", "Retention 30 d"),
    ("labs", "Labs"),
    ("exam", "Practice exam"),
    ("seen", "Last seen"),
]


@require_GET
def cohort_csv(request, cohort_id):
    cohort = _cohort_for(request, cohort_id)
    body = cohorts.gradebook_csv(cohort, cohorts.gradebook(cohort))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gradebook-{cohort.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def cohort_join(request, code=""):
    """Join with a code typed in, or from an invite link (/join/CODE/, which asks before joining)."""
    form = JoinForm(request.POST or None, initial={"code": code})
    preview = None
    if code and request.method == "GET":
        normalized = cohorts.normalize_code(code)
        preview = Cohort.objects.filter(join_code=normalized).first() if normalized else None
        if preview is None:
            form.add_error("code", "That invite link names no cohort. Check it with your instructor.")
    if request.method == "POST" and form.is_valid():
        try:
            cohort, created = cohorts.cohort_join(user=request.user, code=form.cleaned_data["code"])
        except cohorts.JoinRefused as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, f"You joined {cohort.name}." if created else f"You are in {cohort.name}.")
            return redirect("home")
    status = 400 if request.method == "POST" or (code and preview is None) else 200
    return render(request, "courses/cohort_join.html", {"form": form, "preview": preview}, status=status)
