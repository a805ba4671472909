from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"

    def ready(self):
        from courses import hooks

        from .services import LESSON_CHECK_SIZE, review_counts, study_settings_create_for_new_user

        @hooks.on_account_created
        def keep_the_browsers_time_zone(user, *, request):
            study_settings_create_for_new_user(user, time_zone=request.POST.get("time_zone"))

        hooks.on_dashboard("review")(review_counts)

        @hooks.on_dashboard("study")
        def goal_and_streak(user):
            from .stats import daily_progress

            return daily_progress(user)

        @hooks.on_dashboard("exam")
        def booked_exam(user):
            from .readiness import exam_countdown

            return exam_countdown(user)

        @hooks.on_gradebook("reviews")
        def reviews_and_exams(user_ids, *, now):
            from .stats import gradebook_columns

            return gradebook_columns(user_ids, now=now)

        @hooks.on_due_target("exam")
        def exams_due(content_ids, *, user=None):
            from .models import ExamAttempt, ExamBlueprint

            rows = ExamBlueprint.objects.published()
            if content_ids is not None:
                rows = rows.filter(content_id__in=content_ids)
            rows = list(rows)
            done = set()
            if user is not None and rows:
                done = set(
                    ExamAttempt.objects.filter(user=user, blueprint__in=rows, kind=ExamAttempt.Kind.EXAM)
                    .finished()
                    .values_list("blueprint__content_id", flat=True)
                )
            return {
                b.content_id: {"title": b.title, "url": b.get_absolute_url(), "done": b.content_id in done}
                for b in rows
            }

        @hooks.on_module_page("question_count")
        def question_count(module):
            from .models import Question

            return Question.objects.published().filter(module=module).count()

        @hooks.on_lesson_page("check_questions")
        def check_questions(lesson):
            from .models import Question

            return min(Question.objects.published().filter(lesson=lesson).count(), LESSON_CHECK_SIZE)
