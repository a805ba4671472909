"""Create (or reset) the demo student and instructor. Development only: refuses with debug off."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from courses.roles import make_instructor

DEMO_ACCOUNTS = [
    ("student", "student@spinup.local", "learn-aws-2026", False),
    ("instructor", "instructor@spinup.local", "teach-aws-2026", True),
]


class Command(BaseCommand):
    help = "Create the demo accounts (DEBUG only) and print how to log in."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only: set DJANGO_DEBUG=true.")
        for username, email, password, instructor in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
            user.set_password(password)
            user.save()
            if instructor:
                make_instructor(user)
            role = "instructor" if instructor else "student"
            self.stdout.write(f"  {role:<10} username: {username:<10} password: {password}")
        cohort = _demo_cohort()
        if cohort is not None:
            self.stdout.write(
                f"  The instructor teaches the cohort '{cohort.name}' (join code {cohort.join_code}); the student is in it."
            )


def _demo_cohort():
    """A cohort of the instructor's with the student in it, so the instructor pages have someone to show."""
    from datetime import timedelta

    from django.utils import timezone

    from courses import cohorts
    from courses.models import Cohort, Course

    course = Course.objects.published().order_by("pk").first()
    if course is None:
        return None
    instructor, student = User.objects.get(username="instructor"), User.objects.get(username="student")
    cohort = Cohort.objects.taught_by(instructor).filter(name="Demo class").first()
    if cohort is None:
        today = timezone.localdate()
        cohort = cohorts.cohort_create(
            course=course,
            instructor=instructor,
            name="Demo class",
            starts_on=today,
            ends_on=today + timedelta(weeks=12),
        )
    cohorts.cohort_join(user=student, code=cohort.join_code)
    return cohort
