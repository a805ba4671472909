"""Submit practice-exam attempts whose clock ran out while nobody had them open. Run it from cron."""

from django.core.management.base import BaseCommand

from quizzes.exams import finish_overdue


class Command(BaseCommand):
    help = "Submit (and score) every practice-exam attempt past its end, as it stood at the end."

    def handle(self, *args, **options):
        self.stdout.write(f"Submitted {finish_overdue()} attempt(s) whose time had run out.")
