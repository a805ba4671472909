from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"

    def ready(self):
        from courses import hooks

        from .services import study_settings_create_for_new_user

        @hooks.on_account_created
        def keep_the_browsers_time_zone(user, *, request):
            study_settings_create_for_new_user(user, time_zone=request.POST.get("time_zone"))
