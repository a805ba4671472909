"""Every lab's self-test: its solution scores 1.0 (and runs its examples cleanly), its starter less, each wrong/
case its expected verdict."""

from django.core.management.base import BaseCommand, CommandError

from labs import grading, sandbox


def expected_of(case_dir):
    expect = case_dir / "expect.yaml"
    if not expect.is_file():
        raise CommandError(f"{expect}: missing (say which verdict this wrong submission must get)")
    from courses.content import yamlines

    data = yamlines.load(expect.read_text()) or {}
    return {
        "verdict": data.get("verdict", "failed"),
        "fails": list(data.get("fails", [])),
        "max_score": data.get("max_score", 0.99),
    }


class Command(BaseCommand):
    help = "Run every lab's self-test on a sandbox backend."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["auto", "docker", "bwrap"], default=None)
        parser.add_argument("labs", nargs="*", help="slugs (default: all)")

    def handle(self, *args, backend, labs, **options):
        try:
            backend_name = sandbox.resolve(backend)
        except sandbox.SandboxUnavailable as exc:
            raise CommandError(f"no sandbox: {exc}") from None
        slugs = labs or sorted(p.name for p in grading.labs_root().iterdir() if (p / "lab.md").is_file())
        problems, left_out = [], []
        for slug in slugs:
            root = grading.lab_dir(slug)
            required = getattr(grading.load_grader(root), "requires", None)
            if required and required != backend_name:
                self.stdout.write(
                    f"{slug:<28} left out: it can only be graded in the {required} sandbox [{backend_name}]"
                )
                left_out.append(slug)
                continue
            solution = grading.grade(slug, grading.read_tree(root / "solution"), backend=backend_name)
            if solution.score < 0.9999 or solution.verdict != "passed":
                failed = [c.name for c in solution.checks if not c.passed]
                problems.append(
                    f"{slug}: the solution scored {solution.score:.2f} ({solution.verdict}; failing: {failed})"
                )
            if grading.has_examples(slug):  # Run: the solution runs its examples cleanly, every case right
                ran = grading.run_examples(slug, grading.read_tree(root / "solution"), backend=backend_name)
                wrong = [row.get("call", row["group"]) for row in ran.cases if not row["passed"]]
                if ran.verdict != "ran" or wrong or any(r["exit_code"] not in (0, None) for r in ran.runs.values()):
                    problems.append(f"{slug}: the solution's Run went wrong ({ran.verdict}; {ran.message}; {wrong})")
            starter = grading.grade(slug, {}, backend=backend_name)
            if starter.score >= 0.9999:
                problems.append(f"{slug}: the starter already scores {starter.score:.2f}")
            cases = sorted(p for p in (root / "wrong").iterdir() if p.is_dir()) if (root / "wrong").is_dir() else []
            if not cases:
                problems.append(f"{slug}: no wrong/ submissions")
            for case in cases:
                want = expected_of(case)
                got = grading.grade(slug, grading.read_tree(case / "files"), backend=backend_name)
                failed = {c.name for c in got.checks if not c.passed}
                if got.verdict != want["verdict"]:
                    problems.append(
                        f"{slug}/wrong/{case.name}: verdict {got.verdict}, expected {want['verdict']} ({got.message})"
                    )
                elif not set(want["fails"]) <= failed:
                    problems.append(
                        f"{slug}/wrong/{case.name}: expected failing {want['fails']}, failed {sorted(failed)}"
                    )
                elif got.score > want["max_score"]:
                    problems.append(f"{slug}/wrong/{case.name}: scored {got.score:.2f} > {want['max_score']}")
            self.stdout.write(
                f"{slug:<28} solution {solution.score:.2f}  starter {starter.score:.2f}  wrong {len(cases)} case(s)  [{backend_name}]"
            )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} lab self-test problem(s) on {backend_name}")
        checked = len(slugs) - len(left_out)
        note = f" ({len(left_out)} left out: {', '.join(left_out)})" if left_out else ""
        self.stdout.write(self.style.SUCCESS(f"All {checked} labs pass their self-test on {backend_name}{note}."))
