"""Grading a lab submission: the trusted grader plans sandbox runs, then judges what comes out.

A lab is a folder content/labs/<slug>/ (see content/README.md, "Labs"). Its grader.py runs here, outside
the sandbox, and defines:

    def plan(ctx: LabContext) -> list[Run]           # what to run in the sandbox, with which extra files
    def judge(ctx: LabContext, results: dict[str, RunResult]) -> list[Check]

Student files never run here. Nothing a student's process prints counts: observations come from a trusted
endpoint read after the student's process exited (`Run(service=...)`) or from replies judged case by case
(`Run(driver=...)`). Hidden cases and expectations stay in this process.
"""

import importlib.util
import io
import json
import logging
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from courses.content import yamlines

from . import limits, sandbox
from .sandbox import Limits, NoReply, RunResult, SandboxError

logger = logging.getLogger(__name__)
SERVICE_LIMITS = {"memory_mb": 512, "processes": 64, "cpu_seconds": 20.0, "tmpfs_mb": 64}
SERVICE_START_SECONDS = 20
MAX_PARALLEL_RUNS = 2

MAX_ARCHIVE_BYTES = limits.MAX_ARCHIVE_BYTES

# The submission itself is unusable (bad archive, bad path); the message tells the student why.
SubmissionRefused = limits.BadSubmission


HARNESS = Path(__file__).resolve().parent / "harness"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HIDDEN_OUTPUT = "(not shown: this run saw held-back cases)"


def displayable(text: str, limit: int = 20000) -> str:
    """Untrusted text made safe to show: control characters (terminal escapes, NUL, bidi overrides) removed."""
    return CONTROL.sub("", text)[-limit:]


@dataclass
class Service:
    """A trusted endpoint for a Run (an emulated AWS account): spinup_service.py and the lab's service/
    folder in a sandbox of their own, reachable from the student's run only through a Unix socket."""

    files: dict
    limits: dict | None = None


@dataclass
class Run:
    name: str
    command: list
    files: dict = field(default_factory=dict)  # extra files (harness, public inputs) beside the student's
    limits: dict | None = None
    driver: Callable | None = None  # driver(channel) talks to the run; its return value: result.driver["value"]
    service: Service | None = None  # the endpoint's state after the run: result.extra["state"]
    show_output: bool = True  # False for runs that saw held-back cases: their output is never shown


@dataclass
class Check:
    name: str
    passed: bool
    points: float
    max_points: float
    message: str = ""


@dataclass
class LabContext:
    slug: str
    root: Path
    files: dict  # the student's files merged over the starter's
    backend: str
    limits: dict
    extra: dict = field(default_factory=dict)  # e.g. {"billed_ms": 113} for Lambda labs, shown with the verdict

    @property
    def hidden(self) -> Path:
        return self.root / "hidden"

    def lab_file(self, relative: str) -> bytes:
        """A file of the lab folder (harness, inputs), to hand to a Run."""
        return (self.root / relative).read_bytes()

    def hidden_json(self, name: str):
        return json.loads((self.hidden / name).read_text())

    def service(self, limits: dict | None = None) -> Service:
        """The lab's trusted endpoint: its service/ folder (lab_service.py) beside spinup_service.py."""
        files = read_tree(self.root / "service")
        for name in ("spinup_service.py", "spinup_relay.py"):
            files[name] = (HARNESS / name).read_bytes()
        return Service(files, limits)


@dataclass
class Verdict:
    status: str  # graded | error
    verdict: str  # passed | failed | timeout | oom | output_cut | refused | error
    score: float
    checks: list
    runs: dict
    message: str = ""
    extra: dict = field(default_factory=dict)
    cases: list = field(default_factory=list)  # case_rows(): shown cases with values, held-back ones by group

    def as_dict(self) -> dict:
        return {
            "extra": self.extra,
            "cases": self.cases,
            "status": self.status,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "message": self.message,
            "checks": [asdict(c) for c in self.checks],
            "runs": self.runs,
        }


def labs_root() -> Path:
    return Path(settings.CONTENT_DIR) / "labs"


def lab_dir(slug: str) -> Path:
    path = labs_root() / slug
    if not (path / "lab.md").is_file():
        raise FileNotFoundError(f"no lab '{slug}' in {labs_root()}")
    return path


def read_tree(folder: Path) -> dict[str, bytes]:
    """Files under a folder as {relative posix path: bytes}; links and specials are refused."""
    files = {}
    if not folder.is_dir():
        return files
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise SubmissionRefused(f"{path.relative_to(folder)}: links are not accepted")
        if stat.S_ISREG(mode):
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def lab_meta(root: Path) -> dict:
    text = (root / "lab.md").read_text()
    _, front, _ = text.split("---", 2)
    return yamlines.load(front, line_offset=1)


def check_name(name: str) -> str:
    return limits.check_path(name)


def unpack_zip(data: bytes) -> dict[str, bytes]:
    """A zip upload as files, refusing links, bad names, too many or too large files, and broken archives."""
    if len(data) > limits.MAX_ARCHIVE_BYTES:
        raise SubmissionRefused(f"the archive is larger than {limits.MAX_ARCHIVE_BYTES // limits.MiB} MiB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError, IndexError):
        raise SubmissionRefused("that is not a readable zip archive") from None
    if len(entries) > limits.MAX_FILES:
        raise SubmissionRefused(f"the archive has more than {limits.MAX_FILES} files")
    names = limits.check_names(info.filename for info in entries)
    files, total = {}, 0
    for info, name in zip(entries, names, strict=True):
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionRefused(f"{name}: links are not accepted")
        if info.flag_bits & 0x1:
            raise SubmissionRefused(f"{name}: encrypted archives are not accepted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SubmissionRefused(f"{name}: use plain or deflate compression (the common zip default)")
        if info.file_size > limits.MAX_FILE_BYTES:
            raise SubmissionRefused(f"{name}: larger than {limits.MAX_FILE_BYTES // limits.KiB} KiB unpacked")
        try:
            with archive.open(info) as member:
                content = member.read(limits.MAX_FILE_BYTES + 1)  # the header can lie: read no more than the cap
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
            raise SubmissionRefused(f"{name}: this entry is damaged (bad header, data or checksum)") from None
        if len(content) > limits.MAX_FILE_BYTES:
            raise SubmissionRefused(f"{name}: larger than {limits.MAX_FILE_BYTES // limits.KiB} KiB unpacked")
        total += len(content)
        if total > limits.MAX_TOTAL_BYTES:
            raise SubmissionRefused(f"the archive unpacks to more than {limits.MAX_TOTAL_BYTES // limits.KiB} KiB")
        files[name] = content
    return files


def run_trouble(result: RunResult) -> str | None:
    """What went wrong in a student's run, in one line for messages (never evidence of success)."""
    if result.oom_killed:
        return "the code ran out of memory"
    if result.timed_out or result.cpu_exceeded:
        return "the code ran out of time"
    if result.exit_code not in (0, None):
        lines = [line for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        last = displayable(lines[-1].strip(), 300) if lines else f"exit code {result.exit_code}"
        return f"the code stopped with an error: {last}"
    return None


def load_grader(root: Path):
    spec = importlib.util.spec_from_file_location(f"spinup_grader_{root.name.replace('-', '_')}", root / "grader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def merge_files(root: Path, submitted: dict[str, bytes]) -> dict[str, bytes]:
    files = read_tree(root / "starter")
    for name, content in submitted.items():
        files[check_name(name)] = content
    limits.check_names(files)
    sandbox.check_files(files)
    return files


def _prepare(slug: str, submitted: dict[str, bytes], backend: str | None):
    """(grader, ctx, None), or (None, None, a refused Verdict) when the files are unusable."""
    root = lab_dir(slug)
    meta = lab_meta(root)
    try:
        files = merge_files(root, submitted)
    except (SubmissionRefused, ValueError) as exc:
        return None, None, Verdict("graded", "refused", 0.0, [], {}, message=displayable(str(exc), 2000))
    grader = load_grader(root)
    name = resolve_for(grader, backend)
    ctx = LabContext(slug=slug, root=root, files=files, backend=name, limits=dict(meta.get("limits") or {}))
    return grader, ctx, None


def _execute(ctx: LabContext, runs: list) -> dict[str, RunResult]:
    def execute(run: Run) -> RunResult:
        limits = Limits.from_dict({**ctx.limits, **(run.limits or {})})
        if run.service:
            return run_with_service(run, {**ctx.files, **run.files}, limits, ctx.backend)
        return sandbox.run({**ctx.files, **run.files}, run.command, limits, backend=ctx.backend, driver=run.driver)

    # A lab's runs are independent (a shown and a held-back run, say): two at a time, so a grading waits for
    # the slowest sandbox start rather than the sum of them.
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_RUNS, len(runs) or 1)) as pool:
        outcomes = list(pool.map(execute, runs))
    return {run.name: result for run, result in zip(runs, outcomes, strict=True)}


def _stopped(results: dict[str, RunResult]) -> str | None:
    """timeout, oom or output_cut when a run was stopped or cut (oom and timeout before a cut), else None."""
    verdict = None
    for result in results.values():
        if result.oom_killed:
            verdict = "oom"
        elif result.timed_out or result.cpu_exceeded:
            verdict = "timeout"
        elif result.output_cut and verdict not in ("oom", "timeout"):
            verdict = "output_cut"
    return verdict


def _summaries(runs: list, results: dict[str, RunResult]) -> dict:
    shown = {run.name: run.show_output for run in runs}
    return {
        key: {
            "exit_code": r.exit_code,
            "stdout": displayable(r.stdout.decode("utf-8", "replace")) if shown[key] else HIDDEN_OUTPUT,
            "stderr": displayable(r.stderr.decode("utf-8", "replace")) if shown[key] else HIDDEN_OUTPUT,
            "stdout_truncated": r.stdout_truncated,
            "stderr_truncated": r.stderr_truncated,
            "timed_out": r.timed_out,
            "cpu_exceeded": r.cpu_exceeded,
            "oom_killed": r.oom_killed,
            "wall_seconds": round(r.wall_seconds, 3),
            "cpu_seconds": round(r.cpu_seconds, 3) if r.cpu_seconds is not None else None,
            "peak_memory_bytes": r.peak_memory_bytes,
            "backend": r.backend,
        }
        for key, r in results.items()
    }


MAX_CASE_ROWS = 40


def case_rows(runs: list, results: dict[str, RunResult], *, failing_only: bool) -> list[dict]:
    """Per-case rows from runs driven case by case (labs/cases.py's Answers): a shown run's cases with their
    input, expected and returned values (trusted text made on our side, shortened), a held-back run's cases
    only by group and outcome, never a value."""
    rows = []
    for run in runs:
        answers = (results.get(run.name).driver or {}).get("value") if run.name in results else None
        for outcome in getattr(answers, "outcomes", None) or []:
            if failing_only and outcome.passed:
                continue
            row = {"group": displayable(str(outcome.case.group), 120), "passed": bool(outcome.passed)}
            if run.show_output:
                row.update(
                    shown=True,
                    call=displayable(outcome.case.call, 300),
                    expected=displayable(_describe(outcome.case.want), 300),
                    got=displayable(outcome.got, 300),
                    problem=displayable(outcome.problem, 300),
                )
            else:
                row["shown"] = False
            rows.append(row)
    shown_first = sorted(rows, key=lambda row: not row["shown"])
    return shown_first[:MAX_CASE_ROWS]


def _describe(value) -> str:
    text = repr(tuple(value) if isinstance(value, list) else value)
    return text if len(text) <= 120 else text[:117] + "..."


def grade(slug: str, submitted: dict[str, bytes], *, backend: str | None = None) -> Verdict:
    """Grade files for a lab: plan, run each in the sandbox, judge. Raises SandboxUnavailable/SandboxError."""
    grader, ctx, refused = _prepare(slug, submitted, backend)
    if refused:
        return refused
    runs = list(grader.plan(ctx) or [])
    results = _execute(ctx, runs)
    try:
        checks = grader.judge(ctx, results)
    except (sandbox.SandboxUnavailable, SandboxError):
        raise  # our side failed while judging (the image builder died): an error, retried, never a score
    except Exception as exc:  # a judge meeting output it did not foresee: the submission fails, with a reason
        logger.exception("the %s grader raised while judging", slug)
        checks = [Check("results", False, 0, 1, f"the results could not be judged ({type(exc).__name__})")]
    total = sum(c.max_points for c in checks) or 1
    score = sum(c.points for c in checks) / total
    verdict = _stopped(results) or ("passed" if score >= 0.9999 else "failed")
    if verdict in ("timeout", "oom"):  # a run that was stopped earns nothing, whatever it left behind
        reason = "it ran out of time" if verdict == "timeout" else "it ran out of memory"
        for check in checks:
            if check.passed:
                check.passed, check.points = False, 0
                check.message = f"{check.message}; not counted: the run was stopped ({reason})"
        score = 0.0
    for check in checks:
        check.message = displayable(str(check.message), 2000)
    rows = case_rows(runs, results, failing_only=True)
    return Verdict("graded", verdict, score, checks, _summaries(runs, results), extra=ctx.extra, cases=rows)


MAX_STATE_CHARS = 20000
NO_EXAMPLES = "This lab's checks run when you submit: there are no examples to run on their own."


def has_examples(slug: str) -> bool:
    """Whether the lab's grader defines examples(ctx), the runs behind the Run button."""
    try:
        return callable(getattr(_grader_for(slug), "examples", None))
    except (FileNotFoundError, OSError, SyntaxError):
        return False


_GRADERS: dict = {}


def _grader_for(slug: str):
    """The lab's grader module for pages (loaded once per file version), never for grading itself."""
    path = lab_dir(slug) / "grader.py"
    key = (str(path), path.stat().st_mtime_ns)
    if _GRADERS.get(slug, (None,))[0] != key:
        _GRADERS[slug] = (key, load_grader(path.parent))
    return _GRADERS[slug][1]


def run_examples(slug: str, submitted: dict[str, bytes], *, backend: str | None = None) -> Verdict:
    """Run the lab's public examples (grader.examples(ctx)) and report what came back, without judging:
    no checks, no score. Each case's input, expected and returned values are shown; every example run's
    output is shown, so examples(ctx) must hold nothing held back."""
    grader, ctx, refused = _prepare(slug, submitted, backend)
    if refused:
        return refused
    examples = getattr(grader, "examples", None)
    if not callable(examples):
        return Verdict("graded", "ran", 0.0, [], {}, message=NO_EXAMPLES)
    runs = list(examples(ctx) or [])
    for run in runs:
        run.show_output = True
    results = _execute(ctx, runs)
    rows = case_rows(runs, results, failing_only=False)
    summaries = _summaries(runs, results)
    for name, result in results.items():
        state = result.extra.get("state")
        if state is not None:  # the endpoint's own read-back (trusted), its strings the student's: shown escaped
            summaries[name]["state"] = displayable(json.dumps(state, indent=1, default=str), MAX_STATE_CHARS)
    verdict = _stopped(results) or "ran"
    if rows:
        right = sum(row["passed"] for row in rows)
        message = f"{right} of {len(rows)} examples right."
    else:
        message = getattr(grader, "EXAMPLES_NOTE", "Your code ran; its output is below.")
    if verdict in ("timeout", "oom"):
        message = ("It ran out of time. " if verdict == "timeout" else "It ran out of memory. ") + message
    answers = [(results[run.name].driver or {}).get("value") for run in runs]
    import_error = next((a.import_error for a in answers if getattr(a, "import_error", None)), None)
    if import_error:
        message = f"Your module did not import: {displayable(import_error, 300)}"
    return Verdict("graded", verdict, 0.0, [], summaries, message=message, cases=rows)


def resolve_for(grader, backend: str | None) -> str:
    """The backend to grade on: a grader may require one (`requires = "docker"`); `auto` then takes it."""
    required = getattr(grader, "requires", None)
    if not required:
        return sandbox.resolve(backend)
    if (backend or settings.LAB_SANDBOX) in ("auto", required):
        return sandbox.resolve(required)
    raise sandbox.SandboxUnavailable(f"this lab can only be graded in the {required} sandbox")


def run_with_service(run: Run, files: dict, limits: Limits, backend: str) -> RunResult:
    """The student's run against a trusted endpoint in its own sandbox; the endpoint's state after the run
    (read by the endpoint itself, once the student's process has exited) goes to result.extra["state"]."""
    service_limits = Limits.from_dict(
        {
            **SERVICE_LIMITS,
            **(run.service.limits or {}),
            "wall_seconds": limits.wall_seconds + SERVICE_START_SECONDS + 10,
        }
    )
    files = {**files, **{name: (HARNESS / name).read_bytes() for name in ("spinup_aws.py", "spinup_relay.py")}}
    with sandbox.shared_folder(backend) as share:

        def drive(channel):
            try:
                ready = channel.receive(SERVICE_START_SECONDS)
            except NoReply as exc:
                raise SandboxError(f"the emulated AWS endpoint did not start: {exc}") from None
            if not isinstance(ready, dict) or "ready" not in ready:
                raise SandboxError("the emulated AWS endpoint did not start")
            infra = json.dumps(ready["ready"]).encode()
            student = sandbox.run(
                {**files, "infra.json": infra}, run.command, limits, backend=backend, share=share.read_only()
            )
            channel.send({"collect": True})
            try:
                reply = channel.receive(15)
                student.extra["state"] = reply.get("state") if isinstance(reply, dict) else None
            except NoReply as exc:
                student.extra["state"] = None
                student.extra["state_error"] = str(exc)
            student.extra["infra"] = ready["ready"]
            return student

        service = sandbox.run(
            run.service.files,
            ["python3", "spinup_service.py"],
            service_limits,
            backend=backend,
            driver=drive,
            share=share,
        )
    if "error" in service.driver:
        error = service.driver["error"]
        if isinstance(error, SandboxError):
            tail = service.stderr.decode("utf-8", "replace")[-800:]
            raise SandboxError(f"{error}; endpoint output: {tail}")
        raise error
    student = service.driver.get("value")
    if student is None:
        raise SandboxError("the emulated AWS endpoint ended without a result")
    if student.extra.get("state") is None and service.oom_killed:
        student.extra["state_error"] = "the emulated AWS endpoint ran out of memory"
    return student
