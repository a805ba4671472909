"""Every page shows times in the learner's own time zone (their study settings); visitors see UTC."""

from django.utils import timezone

from .services import learner_zone, study_settings_for


class LearnerTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Cached on the user object, so pages that read the settings again spend no second query.
            timezone.activate(learner_zone(study_settings_for(user)))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
