"""Cohorts: classes of students run by instructors, joined with a code; their gradebook and its CSV.

Instructors reach a cohort only through `Cohort.objects.taught_by(user)`. The gradebook's review, lab and
exam columns come from the apps that own that data (registered with `hooks.on_gradebook`), each answering
for every student at once, so the page costs the same number of queries for 5 students or 500.
"""

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from . import hooks
from .models import Cohort, CohortDueDate, CohortMembership, Course, LessonProgress

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed from a slide
CODE_LENGTH = 8
MAX_NAME = 120


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw) -> str:
    """What a student typed, as the code it means: spaces and dashes dropped, upper case; "" if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 40:
        return ""
    code = raw.replace(" ", "").replace("-", "").upper()
    return code if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code) else ""


@transaction.atomic
def cohort_create(*, course: Course, instructor, name: str, starts_on: date, ends_on: date) -> Cohort:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": f"Give the cohort a name of 1 to {MAX_NAME} characters."})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The cohort must end on or after the day it starts."})
    for _ in range(5):
        try:
            with transaction.atomic():
                cohort = Cohort.objects.create(
                    course=course, name=name, starts_on=starts_on, ends_on=ends_on, join_code=new_join_code()
                )
            break
        except IntegrityError:  # a code already taken: draw again
            continue
    else:  # pragma: no cover (32^8 codes)
        raise RuntimeError("could not draw a free join code")
    cohort.instructors.add(instructor)
    return cohort


class JoinRefused(Exception):  # noqa: N818
    """The code names no cohort that can be joined now."""


@transaction.atomic
def cohort_join(*, user, code: str, today: date | None = None) -> tuple[Cohort, bool]:
    """Join the cohort with this code (again is fine). Returns the cohort and whether the student is new to it."""
    today = today or timezone.localdate()
    cohort = Cohort.objects.filter(join_code=normalize_code(code)).first() if normalize_code(code) else None
    if cohort is None:
        raise JoinRefused("No cohort has that code. Check it with your instructor.")
    if cohort.ends_on < today:
        raise JoinRefused(f"{cohort.name} ended on {cohort.ends_on:%d %b %Y}; it can no longer be joined.")
    _, created = CohortMembership.objects.get_or_create(cohort=cohort, user=user)
    return cohort, created


@dataclass
class StudentRow:
    user_id: int
    username: str
    joined_at: object
    lessons_done: int
    last_seen: object
    columns: dict


def gradebook(cohort: Cohort, *, now=None) -> list[StudentRow]:
    """One row per student of the cohort, in a fixed number of queries."""
    now = now or timezone.now()
    memberships = list(CohortMembership.objects.filter(cohort=cohort).select_related("user").order_by("user__username"))
    user_ids = [m.user_id for m in memberships]
    done = dict(
        LessonProgress.objects.filter(
            user_id__in=user_ids,
            lesson__module__course=cohort.course,
            lesson__retired_at__isnull=True,
        )
        .values("user_id")
        .annotate(n=Count("pk", filter=Q(completed_at__isnull=False)))
        .values_list("user_id", "n")
    )
    seen = dict(
        LessonProgress.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(seen=Max("last_viewed_at"))
        .values_list("user_id", "seen")
    )
    columns = hooks.gradebook_columns(user_ids, now=now)
    rows = []
    for membership in memberships:
        user = membership.user
        extra = columns.get(user.pk, {})
        moments = [m for m in (seen.get(user.pk), user.last_login, extra.get("last_activity")) if m]
        rows.append(
            StudentRow(
                user.pk,
                user.get_username(),
                membership.joined_at,
                done.get(user.pk, 0),
                max(moments, default=None),
                extra,
            )
        )
    return rows


SORT_KEYS = {
    "student": lambda r: r.username.lower(),
    "lessons": lambda r: r.lessons_done,
    "reviews7": lambda r: r.columns.get("reviews_7", 0),
    "reviews30": lambda r: r.columns.get("reviews_30", 0),
    "retention7": lambda r: r.columns.get("retention_7") or -1,
    "retention30": lambda r: r.columns.get("retention_30") or -1,
    "labs": lambda r: r.columns.get("labs_mean") or -1,
    "exam": lambda r: r.columns.get("exam_best") or -1,
    "seen": lambda r: r.last_seen.timestamp() if r.last_seen else 0,
}


def sort_rows(rows, key: str) -> tuple[list, str]:
    """Rows sorted by a column name ("-name" descending); an unknown name sorts by student."""
    descending = key.startswith("-")
    name = key.lstrip("-")
    if name not in SORT_KEYS:
        name, descending = "student", False
    return sorted(rows, key=SORT_KEYS[name], reverse=descending), ("-" if descending else "") + name


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


CSV_HEADER = [
    "student",
    "joined",
    "lessons done",
    "reviews 7 days",
    "reviews 30 days",
    "true retention 7 days",
    "true retention 30 days",
    "labs passed",
    "lab mean best score",
    "best practice exam",
    "last practice exam",
    "last seen",
]


def gradebook_csv(cohort: Cohort, rows) -> str:
    """The gradebook as UTF-8 CSV text (a BOM first, so spreadsheets read the names right), one row per student."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        c = row.columns
        writer.writerow(
            [
                _cell(row.username),
                _cell(row.joined_at.date().isoformat()),
                _cell(row.lessons_done),
                _cell(c.get("reviews_7", 0)),
                _cell(c.get("reviews_30", 0)),
                _cell(c.get("retention_7")),
                _cell(c.get("retention_30")),
                _cell(c.get("labs_passed", 0)),
                _cell(c.get("labs_mean")),
                _cell(c.get("exam_best")),
                _cell(c.get("exam_last")),
                _cell(row.last_seen.isoformat(timespec="minutes") if row.last_seen else ""),
            ]
        )
    return "\ufeff" + out.getvalue()


# --- due dates ----------------------------------------------------------------------------------------------

DUE_KINDS = [kind for kind, _ in CohortDueDate.Kind.choices]


def due_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """What a cohort may set a due date on, grouped by kind: [(label, [("lab:slug", title), ...]), ...]."""
    groups = []
    for kind, label in CohortDueDate.Kind.choices:
        items = hooks.due_targets(kind)
        groups.append((label, [(f"{kind}:{content_id}", item["title"]) for content_id, item in items.items()]))
    return groups


@transaction.atomic
def due_date_set(*, cohort: Cohort, item: str, due_on: date) -> CohortDueDate:
    """Set (or move) the due date of "kind:content_id" for a cohort."""
    kind, _, target = (item or "").partition(":")
    if kind not in DUE_KINDS or target not in hooks.due_targets(kind, [target]):
        raise ValidationError({"item": "Choose a lesson, lab or practice exam of this course."})
    due, _ = CohortDueDate.objects.update_or_create(
        cohort=cohort, kind=kind, target=target, defaults={"due_on": due_on}
    )
    return due


def due_list(cohort: Cohort) -> list[dict]:
    """The cohort's due dates with what each names (one query per kind)."""
    dues = list(CohortDueDate.objects.filter(cohort=cohort))
    return _described(dues, user=None)


def _described(dues, *, user) -> list[dict]:
    by_kind = {}
    for due in dues:
        by_kind.setdefault(due.kind, []).append(due.target)
    found = {kind: hooks.due_targets(kind, targets, user=user) for kind, targets in by_kind.items()}
    rows = []
    for due in dues:
        item = found.get(due.kind, {}).get(due.target)
        if item is not None:  # a retired lesson or lab drops out of the list, and its row stays for history
            rows.append({"due": due, "kind": due.get_kind_display(), **item})
    return rows


RECENT_PAST = timedelta(days=14)


def student_due_items(user, *, today: date) -> list[dict]:
    """For a student's dashboard: their cohorts' due dates from two weeks ago on, soonest first, each with done
    and overdue (a fixed number of queries)."""
    dues = list(
        CohortDueDate.objects.filter(
            cohort__memberships__user=user, cohort__ends_on__gte=today, due_on__gte=today - RECENT_PAST
        )
        .select_related("cohort")
        .order_by("due_on", "kind", "target")
    )
    rows = _described(dues, user=user)
    for row in rows:
        row["overdue"] = not row["done"] and row["due"].due_on < today
        row["days_left"] = (row["due"].due_on - today).days
    return rows
