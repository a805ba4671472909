"""Re-enqueue submissions whose worker died (lease expired) or that failed on our side. Run it from cron."""

from django.core.management.base import BaseCommand

from labs.services import submissions_reap


class Command(BaseCommand):
    help = "Re-enqueue lost or retryable submissions."

    def handle(self, *args, **options):
        ids = submissions_reap()
        self.stdout.write(f"Re-enqueued {len(ids)} submission(s).")
