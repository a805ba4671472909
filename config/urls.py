from django.contrib import admin
from django.urls import include, path

from courses import accounts
from courses import views as course_views

urlpatterns = [
    path("", course_views.home, name="home"),
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("", include("labs.urls")),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/sent/", accounts.signup_sent, name="signup_sent"),
    path("accounts/signup/confirm/<str:token>/", accounts.signup_confirm_view, name="signup_confirm"),
    # Django's own views, throttled (reset) or lifting a log-in lockout (a new password); the rest come below.
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
