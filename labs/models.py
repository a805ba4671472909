"""Labs (synced from content/labs) and students' submissions with their grading lease and verdict."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from courses.models import ContentItem, Module


class Lab(ContentItem):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="labs")
    title = models.CharField(max_length=200)
    difficulty = models.PositiveSmallIntegerField(default=1)
    minutes = models.PositiveIntegerField(default=15)
    points = models.PositiveIntegerField(default=10)
    statement_html = models.TextField()
    limits = models.JSONField(default=dict)
    # {file name: text} from starter/, shown in the editor
    starter_files = models.JSONField(default=dict)
    lambda_memory_mb = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["module__position", "title"]

    def get_absolute_url(self):
        return reverse("labs:detail", args=[self.content_id])


class SubmissionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING])

    def attempts(self):
        """Graded attempts only: a Run of the examples is never an attempt, a score or a history row."""
        return self.filter(kind=Submission.Kind.SUBMIT)

    def runs(self):
        return self.filter(kind=Submission.Kind.RUN)

    def numbered(self):
        """Attempts with `number`: 1 for a learner's first attempt at a lab, counted over all of them (the
        window is computed before any slice)."""
        from django.db.models import F, Window
        from django.db.models.functions import RowNumber

        return self.attempts().annotate(
            number=Window(RowNumber(), partition_by=[F("user_id"), F("lab_id")], order_by=F("pk").asc())
        )


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        GRADED = "graded", "Graded"
        ERROR = "error", "Error on our side"

    class Verdict(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Some checks failed"
        TIMEOUT = "timeout", "Ran out of time"
        OOM = "oom", "Ran out of memory"
        OUTPUT_CUT = "output_cut", "Printed too much output"
        REFUSED = "refused", "Submission refused"
        RAN = "ran", "Ran the examples"  # a Run: no checks, no score

    class Kind(models.TextChoices):
        SUBMIT = "submit", "Attempt"
        RUN = "run", "Run of the examples"  # the public examples only: no score, not an attempt

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="submissions")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.SUBMIT)
    files = models.JSONField(default=dict)  # {name: text}
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    score = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    backend = models.CharField(max_length=10, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "lease_expires_at"], name="submission_lease_idx"),
            models.Index(fields=["user", "lab", "-created_at"], name="submission_user_lab_idx"),
        ]

    def __str__(self):
        return f"{self.user} on {self.lab_id}: {self.status}"

    def get_absolute_url(self):
        if self.kind == self.Kind.RUN:
            return reverse("labs:run_detail", args=[self.lab.content_id, self.pk])
        return reverse("labs:submission", args=[self.lab.content_id, self.pk])

    @property
    def gave_up(self):
        """An error on our side that will not be retried any more."""
        return self.status == self.Status.ERROR and self.attempts >= settings.LAB_MAX_ATTEMPTS

    @property
    def is_final(self):
        return self.status == self.Status.GRADED or self.gave_up


class Draft(models.Model):
    """The editor's files, saved as the learner types: one per learner and lab, the latest write wins."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_drafts")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="drafts")
    files = models.JSONField(default=dict)  # {name: text}, only names of the lab's starter
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lab"], name="draft_one_per_user_lab")]

    def __str__(self):
        return f"draft of {self.user} on {self.lab_id}"
