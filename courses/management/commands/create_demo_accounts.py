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
