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
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
