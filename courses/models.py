"""The curriculum (loaded from content/) and each learner's progress through it."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse


class ContentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(retired_at__isnull=True)


class ContentItem(models.Model):
    """Fields every synced item has: a stable id from the files, and retirement instead of deletion."""

    content_id = models.SlugField(max_length=100, unique=True)
    source_path = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return getattr(self, "title", None) or self.content_id


class Course(ContentItem):
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    def get_absolute_url(self):
        return reverse("courses:course_detail", args=[self.content_id])


class ModuleQuerySet(ContentQuerySet):
    def with_lesson_counts(self, user=None):
        """Annotate published lesson counts and, for a user, how many of them they completed."""
        published = Q(lessons__retired_at__isnull=True)
        qs = self.annotate(lesson_count=Count("lessons", filter=published, distinct=True))
        if user is not None and user.is_authenticated:
            done = published & Q(
                lessons__progress__user=user,
                lessons__progress__completed_at__isnull=False,
            )
            qs = qs.annotate(completed_count=Count("lessons__progress", filter=done, distinct=True))
        return qs


class Module(ContentItem):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="modules")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    is_service = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position"]

    def get_absolute_url(self):
        return reverse("courses:module_detail", args=[self.content_id])


class LessonQuerySet(ContentQuerySet):
    def in_course_order(self):
        return self.select_related("module").order_by("module__position", "position", "pk")

    def after(self, lesson):
        """The lessons that follow `lesson` in course order (`.first()` is the next one)."""
        where = lesson.module.position, lesson.position, lesson.pk
        return self.in_course_order().filter(
            models.Q(module__position__gt=where[0])
            | models.Q(module__position=where[0], position__gt=where[1])
            | models.Q(module__position=where[0], position=where[1], pk__gt=where[2])
        )

    def with_progress(self, user):
        """Annotate `is_completed` for one user (False for visitors)."""
        if user is None or not user.is_authenticated:
            return self.annotate(is_completed=models.Value(False, output_field=models.BooleanField()))
        done = LessonProgress.objects.filter(lesson=OuterRef("pk"), user=user, completed_at__isnull=False)
        return self.annotate(is_completed=Exists(done))


class Lesson(ContentItem):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=5)
    objectives = models.JSONField(default=list)
    exam_domains = models.JSONField(default=list)
    body_markdown = models.TextField()
    body_html = models.TextField()
    # [{"id": "anchor", "title": "Heading", "level": 2}, ...]
    toc = models.JSONField(default=list)
    # Plain text of the body, for search.
    body_text = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["module__position", "position"]

    def get_absolute_url(self):
        return reverse("courses:lesson_detail", args=[self.content_id])


class GlossaryTerm(ContentItem):
    term = models.CharField(max_length=200)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="glossary_terms")
    definition_html = models.TextField()
    lessons = models.ManyToManyField(Lesson, blank=True, related_name="glossary_terms")

    class Meta:
        ordering = ["term"]

    def __str__(self):
        return self.term


class Enrollment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_enrollment")]

    def __str__(self):
        return f"{self.user} in {self.course}"


class LessonProgress(models.Model):
    """One row per (learner, lesson) they have opened; completed_at is set when they finish it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    first_viewed_at = models.DateTimeField(auto_now_add=True)
    last_viewed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="unique_lesson_progress")]
        indexes = [models.Index(fields=["user", "-last_viewed_at"], name="progress_recent_idx")]

    def __str__(self):
        return f"{self.user} on {self.lesson}"


class SignupConfirmation(models.Model):
    """A sign-up waiting for its e-mail to be confirmed. The account is created only from the link, so an
    address nobody confirmed never gets an account, a login or a password reset."""

    username = models.CharField(max_length=150)
    email = models.EmailField()
    password = models.CharField(max_length=128)  # the hash, as User.password stores it
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 of the link's token; the token is never stored
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["email"], name="signup_email_idx")]

    def __str__(self):
        return f"{self.username} <{self.email}> (unconfirmed)"


class ThrottleHit(models.Model):
    """One counted request (a sign-up, a password reset) under a hashed key such as a client address or an
    e-mail address. In the database, so every web server counts against the same limits."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)  # sha256 of the value: no addresses stored in clear
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="throttle_key_idx"),
            models.Index(fields=["scope", "at"], name="throttle_age_idx"),
        ]

    def __str__(self):
        return f"{self.scope} at {self.at}"


class CourseStaff(models.Model):
    """Who runs a course besides learning in it: its owner and editors (authoring and cohorts build on it)."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_roles")
    role = models.CharField(max_length=10, choices=Role.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="unique_course_staff")]

    def __str__(self):
        return f"{self.user} ({self.role}) of {self.course_id}"


class CohortQuerySet(models.QuerySet):
    def taught_by(self, user):
        """The cohorts this user teaches: every lookup of a cohort by an instructor goes through here."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(instructors=user)


class Cohort(models.Model):
    """A class of students taking a course together, run by its instructors, joined with a code."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    join_code = models.CharField(max_length=16, unique=True)
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="cohorts_taught")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CohortMembership", related_name="cohorts_joined"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("courses:cohort", args=[self.pk])


class CohortMembership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="unique_cohort_member")]

    def __str__(self):
        return f"{self.user} in {self.cohort_id}"


class CohortDueDate(models.Model):
    """A cohort's deadline for a lesson, a lab or a practice exam (named by its content id: labs and exams
    belong to other apps, which say through courses.hooks what their ids name and when a student is done)."""

    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson"
        LAB = "lab", "Lab"
        EXAM = "exam", "Practice exam"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="due_dates")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=100)
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on", "kind", "target"]
        constraints = [models.UniqueConstraint(fields=["cohort", "kind", "target"], name="unique_cohort_due")]

    def __str__(self):
        return f"{self.kind} {self.target} due {self.due_on}"
