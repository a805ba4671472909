"""Validate the curriculum in content/ and load it into the database."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.content.loader import load_content
from courses.services import content_sync


class Command(BaseCommand):
    help = "Validate content/ (reporting path:line: message) and upsert it by stable id. Writes nothing on error."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument("--path", type=Path, default=None, help="content folder (default: settings.CONTENT_DIR)")

    def handle(self, *args, check=False, path=None, **options):
        root = Path(path or settings.CONTENT_DIR)
        bundle = load_content(root, display_root=Path.cwd())
        if bundle.errors:
            for error in bundle.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(bundle.errors)} problem(s) in {root}; nothing was written.")
        for warning in bundle.warnings:  # worth fixing, never a reason to refuse the content
            self.stderr.write(self.style.WARNING(str(warning)))
        variants = sum(1 for q in bundle.questions if q.has_variants)
        counts = (
            f"{len(bundle.modules)} modules, {len(bundle.lessons)} lessons, {len(bundle.questions)} questions "
            f"({variants} with variants, each rendered 50 times), {len(bundle.labs)} labs, {len(bundle.glossary)} glossary terms"
        )
        if check:
            self.stdout.write(self.style.SUCCESS(f"Content OK: {counts}."))
            for line in _blueprint_lines(bundle):
                self.stdout.write(line)
            return
        report = content_sync(bundle=bundle)
        self.stdout.write(self.style.SUCCESS(f"Synced {counts}: {report.summary()}."))


def _blueprint_lines(bundle) -> list[str]:
    """Per blueprint, the exam-format items each domain can draw from, beside what one attempt takes."""
    from quizzes.exams import blueprint_stats

    lines = []
    for blueprint in bundle.blueprints:
        stats = blueprint_stats(blueprint, bundle.questions)
        per_domain = ", ".join(
            f"{domain} {row['available']} for {row['per_attempt']}" for domain, row in stats["domains"].items()
        )
        lines.append(
            f"Exam {stats['id']}: exam-format items per domain (available for each attempt's quota): {per_domain}"
        )
    return lines
