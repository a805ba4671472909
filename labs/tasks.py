"""Background grading through django.tasks (django-tasks-db's DatabaseBackend in development and production)."""

from django.tasks import task

from . import services


@task()
def grade_submission(submission_id: int) -> str:
    submission = services.submission_grade(submission_id=submission_id)
    return submission.status if submission else "skipped"
