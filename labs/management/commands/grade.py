"""Grade a folder of files for a lab, without the web: `manage.py grade <lab-slug> <folder> --json`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labs import grading, sandbox


class Command(BaseCommand):
    help = "Grade a folder of files (they replace the starter's files of the same name) and print the verdict."

    def add_arguments(self, parser):
        parser.add_argument("lab")
        parser.add_argument("folder", type=Path)
        parser.add_argument("--backend", choices=["auto", "docker", "bwrap"], default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, lab, folder, backend, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        try:
            files = grading.read_tree(folder)
            verdict = grading.grade(lab, files, backend=backend)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        except grading.SubmissionRefused as exc:
            verdict = grading.Verdict("graded", "refused", 0.0, [], {}, message=str(exc))
        except sandbox.SandboxUnavailable as exc:
            raise CommandError(f"no sandbox: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{lab}: {verdict.verdict}, score {verdict.score:.2f}{' - ' + verdict.message if verdict.message else ''}"
        )
        for check in verdict.checks:
            mark = "PASS" if check.passed else "FAIL"
            self.stdout.write(f"  {mark} {check.name} ({check.points:g}/{check.max_points:g}) {check.message}")
