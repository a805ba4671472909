"""The question bank (synced from content/), each learner's FSRS cards and review log, and review sessions."""

import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from courses.models import ContentItem, Lesson, Module


class Question(ContentItem):
    class Type(models.TextChoices):
        SINGLE = "single", "Single answer"
        MULTIPLE = "multiple", "Multiple response"
        NUMERIC = "numeric", "Numeric"
        ORDERING = "ordering", "Ordering"
        MATCHING = "matching", "Matching"

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="questions")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="questions")
    lesson_anchor = models.CharField(max_length=100, blank=True)
    qtype = models.CharField(max_length=10, choices=Type.choices)
    difficulty = models.PositiveSmallIntegerField()
    domains = models.JSONField(default=list)
    # The validated question (see quizzes/questions.py); variants are rendered from it with a seed.
    spec = models.JSONField()
    has_variants = models.BooleanField(default=False)
    # One right of four, or two or more right of five or more: the only items practice exams draw
    # (quizzes/exams.is_exam_format), worked out at sync so drawing an exam never loads the specs.
    exam_format = models.BooleanField(default=False)

    class Meta:
        ordering = ["module__position", "lesson__position", "difficulty", "pk"]

    def __str__(self):
        return self.content_id

    @property
    def lesson_url(self):
        url = self.lesson.get_absolute_url()
        return f"{url}#{self.lesson_anchor}" if self.lesson_anchor else url


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names zoneinfo knows on this machine (system data, else the tzdata package)."""
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def validate_time_zone(value):
    # Membership, not ZoneInfo(value): a name is never used as a path (NUL bytes, "../", huge strings).
    if not isinstance(value, str) or value not in time_zone_names():
        raise ValidationError("Choose a time zone such as Europe/Paris or America/Los_Angeles.", code="time_zone")


class StudySettings(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_settings")
    desired_retention = models.FloatField(default=0.90, validators=[MinValueValidator(0.80), MaxValueValidator(0.97)])
    new_per_day = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # The learner's day (new-card allowance, streaks, heatmap, forecast) runs from day_starts_at local time
    # in this zone to the same hour the next day, as Anki's "next day starts at".
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    day_starts_at = models.PositiveSmallIntegerField(default=4, validators=[MaxValueValidator(23)])
    # Answers a day the learner aims for (every mode counts), shown on the dashboard beside the streak.
    daily_goal = models.PositiveSmallIntegerField(default=20, validators=[MinValueValidator(1), MaxValueValidator(500)])
    # The certification exam the learner has booked, and its day: from two weeks before, the daily review
    # aims higher and brings forward what would be forgotten by then (quizzes/readiness.py).
    exam_blueprint = models.ForeignKey(
        "ExamBlueprint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exam_date = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"Study settings of {self.user}"


class CardQuerySet(models.QuerySet):
    def active(self, now):
        """Cards the daily review may serve: not suspended, not buried until later."""
        return self.filter(suspended=False).exclude(buried_until__gt=now)

    def due(self, user, now):
        """Cards this user has reviewed before and that are due now: the daily queue, soonest first."""
        return self.active(now).filter(user=user, due__lte=now, last_review__isnull=False).order_by("due")

    def new(self, user, now=None):
        """Cards in the deck never reviewed yet (and not set aside), in course order."""
        queryset = self.active(now) if now is not None else self.filter(suspended=False)
        return queryset.filter(user=user, last_review__isnull=True).order_by(
            "question__module__position", "question__lesson__position", "question__difficulty", "pk"
        )


class Card(models.Model):
    """One FSRS card per (learner, question). Mirrors fsrs.Card, plus the showing in progress."""

    class State(models.IntegerChoices):
        LEARNING = 1
        REVIEW = 2
        RELEARNING = 3

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="cards")
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, default=0)
    stability = models.FloatField(null=True)
    difficulty = models.FloatField(null=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # The showing in progress: answering needs this token, so a second submit cannot record a second review.
    presentation = models.UUIDField(null=True, blank=True)
    variant_seed = models.PositiveIntegerField(null=True, blank=True)
    presented_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set aside by the learner: a suspended card never comes up until unsuspended; a buried one not before
    # the learner's next day starts.
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="unique_card")]
        indexes = [models.Index(fields=["user", "due"], name="card_due_idx")]

    def __str__(self):
        return f"{self.user} / {self.question_id}"


RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


class ReviewLog(models.Model):
    class Mode(models.TextChoices):
        REVIEW = "review", "Daily review"
        PRACTICE = "practice", "Practice"
        LESSON = "lesson", "Lesson check"
        EXAM = "exam", "Practice exam"

    NEW = 0  # state_before for a card's first review

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="logs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="review_logs")
    presentation = models.UUIDField(unique=True, default=uuid.uuid4)
    rating = models.PositiveSmallIntegerField()
    correct = models.BooleanField()
    attempts = models.PositiveSmallIntegerField(default=1)
    duration_ms = models.PositiveIntegerField()
    reviewed_at = models.DateTimeField()
    variant_seed = models.PositiveIntegerField()
    answer = models.JSONField(default=dict)
    state_before = models.PositiveSmallIntegerField()
    retrievability_before = models.FloatField(null=True)
    due_after = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=Mode.choices)
    session = models.ForeignKey("ReviewSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="logs")
    # What undoing this answer puts back: the card's scheduling fields and the session's progress before it.
    undo = models.JSONField(default=dict, blank=True)
    # Choice questions: the options chosen as written (bit i = option i of the spec), the variant's shuffle
    # undone, so item analysis counts options without re-deriving every showing's layout.
    options_chosen = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "reviewed_at"], name="log_user_time_idx")]

    def __str__(self):
        return f"{self.user} rated {self.rating} on {self.question_id}"

    @property
    def rating_name(self):
        return RATING_NAMES.get(self.rating, str(self.rating))


class ReviewSession(models.Model):
    """A run of questions: the daily review, a module practice, or a lesson check."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_sessions")
    mode = models.CharField(max_length=10, choices=ReviewLog.Mode.choices)
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.SET_NULL)
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL)
    queue = models.JSONField(default=list)  # question pks, in order
    answered = models.JSONField(default=list)  # question pks answered (a first time) in this session
    correct_count = models.PositiveIntegerField(default=0)
    # Question pks answered wrong in this session and not passed since: they come back after their
    # (re)learning step, as in Anki, until passed or the session ends.
    again = models.JSONField(default=list)
    # The question on screen (so a reload, or an undo, shows the same one); None between questions.
    current = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_mode_display()} of {self.user}"

    def get_absolute_url(self):
        return reverse("quizzes:session", args=[self.pk])

    @property
    def remaining(self):
        """Questions not answered yet in this session, in order (the cards to relearn are in `again`)."""
        done = set(self.answered)
        return [pk for pk in self.queue if pk not in done]

    @property
    def open(self):
        return bool(self.remaining or self.again) and self.finished_at is None

    @property
    def percent(self):
        return round(100 * len(self.answered) / len(self.queue)) if self.queue else 100


class ExamBlueprint(ContentItem):
    """A practice exam's shape, synced from content/exams/*.yaml (see quizzes/exams.py)."""

    title = models.CharField(max_length=200)
    exam = models.CharField(max_length=10)
    questions = models.PositiveSmallIntegerField()
    minutes = models.PositiveSmallIntegerField()
    passing_score = models.PositiveSmallIntegerField()
    domains = models.JSONField(default=dict)  # {"dva-c02/d1": 32, ...}, percent
    services = models.JSONField(default=dict)  # {"lambda": 35, ...}, percent

    class Meta:
        ordering = ["exam", "content_id"]

    def get_absolute_url(self):
        return reverse("quizzes:exam", args=[self.content_id])


class ExamAttemptQuerySet(models.QuerySet):
    def finished(self):
        return self.filter(submitted_at__isnull=False)

    def scored(self):
        """Finished attempts that carry a score: full exams and drills (review runs never do)."""
        return self.finished().exclude(kind=ExamAttempt.Kind.REVIEW)


class ExamAttempt(models.Model):
    """One sitting of a practice exam, a domain drill, or an untimed review run of a finished attempt.

    The clock is the server's: `ends_at` is fixed when the attempt starts and nothing the browser sends moves
    it; an attempt past it is submitted as it stands, at `ends_at`, by whichever request or worker sees it first.
    """

    class Kind(models.TextChoices):
        EXAM = "exam", "Practice exam"
        DRILL = "drill", "Domain drill"
        REVIEW = "review", "Review run"

    class FinishedBy(models.TextChoices):
        LEARNER = "learner", "Submitted"
        CLOCK = "clock", "Time ran out"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts")
    blueprint = models.ForeignKey(ExamBlueprint, on_delete=models.PROTECT, related_name="attempts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EXAM)
    domain = models.CharField(max_length=20, blank=True)  # a drill's domain
    review_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="reviews")
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # None: untimed (review runs)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.CharField(max_length=10, choices=FinishedBy.choices, blank=True)
    # Where the learner is, and since when: time per question is counted on the server from these.
    current_position = models.PositiveSmallIntegerField(default=1)
    current_since = models.DateTimeField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField()
    passing_score = models.PositiveSmallIntegerField()
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    scaled_score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # {"domains": {"dva-c02/d1": [right, asked], ...}, "services": {"lambda": [right, asked], ...}}
    breakdown = models.JSONField(default=dict, blank=True)

    objects = ExamAttemptQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "blueprint", "submitted_at"], name="attempt_user_bp_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.blueprint_id} of {self.user}"

    def get_absolute_url(self):
        if self.submitted_at is None:
            return reverse("quizzes:attempt_question", args=[self.pk, self.current_position])
        return reverse("quizzes:attempt_results", args=[self.pk])

    @property
    def timed(self) -> bool:
        return self.ends_at is not None

    @property
    def percent(self):
        if self.correct_count is None or not self.question_count:
            return None
        return round(100 * self.correct_count / self.question_count)


class ExamItem(models.Model):
    """One question of an attempt: the variant drawn for it, the learner's current answer, flag and time."""

    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="exam_items")
    domain = models.CharField(max_length=20)
    variant_seed = models.PositiveIntegerField()
    choice = models.JSONField(default=list, blank=True)  # option keys chosen, as last saved
    flagged = models.BooleanField(default=False)
    changes = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    time_ms = models.PositiveIntegerField(default=0)
    correct = models.BooleanField(null=True, blank=True)  # set when the attempt is scored (or, in review, checked)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="unique_exam_position")]

    def __str__(self):
        return f"{self.attempt_id} #{self.position}"
