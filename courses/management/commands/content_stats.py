"""Count lessons, questions and labs per module, and the items each exam blueprint can draw, from the content files."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.content.loader import load_content


class Command(BaseCommand):
    help = "Print lessons, questions and labs per module (from content/)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--path", type=Path, default=None)

    def handle(self, *args, path=None, **options):
        bundle = load_content(Path(path or settings.CONTENT_DIR), display_root=Path.cwd())
        if bundle.errors:
            raise CommandError(f"{len(bundle.errors)} problem(s) in content; run sync_content --check to see them.")
        modules = [
            {
                "slug": module.content_id,
                "lessons": sum(1 for lesson in bundle.lessons if lesson.module_id == module.content_id),
                "questions": sum(1 for question in bundle.questions if question.module_id == module.content_id),
                "labs": sum(1 for lab in bundle.labs if lab.module_id == module.content_id),
            }
            for module in bundle.modules
        ]
        from quizzes.exams import blueprint_stats

        blueprints = [blueprint_stats(blueprint, bundle.questions) for blueprint in bundle.blueprints]
        if options["json"]:
            self.stdout.write(json.dumps({"modules": modules, "blueprints": blueprints}, indent=2))
            return
        for row in modules:
            self.stdout.write(
                f"{row['slug']:<14} {row['lessons']:>3} lessons {row['questions']:>4} questions {row['labs']:>3} labs"
            )
        for blueprint in blueprints:
            per_domain = ", ".join(
                f"{domain} {row['available']} for {row['per_attempt']}" for domain, row in blueprint["domains"].items()
            )
            self.stdout.write(
                f"exam {blueprint['id']}: {blueprint['questions']} questions; items per domain: {per_domain}"
            )
