"""Grading a lab submission: the trusted grader plans sandbox runs, then judges what comes out.

A lab is a folder content/labs/<slug>/ (see content/README.md, "Labs"). Its grader.py runs here, outside
the sandbox, and defines:

    def plan(ctx: LabContext) -> list[Run]           # what to run in the sandbox, with which extra files
    def judge(ctx: LabContext, results: dict[str, RunResult]) -> list[Check]

Student files never run here; sandbox output is untrusted data (`observations()` parses it with caps).
Hidden expectations stay in this process: only files a Run names explicitly enter the sandbox.
"""

import importlib.util
import io
import json
import stat
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from courses.content import yamlines

from . import sandbox
from .sandbox import Limits, RunResult

OBSERVATIONS_MARKER = "SPINUP-OBSERVATIONS "
MAX_OBSERVATION_BYTES = 256 * 1024
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 5 * 1024 * 1024
MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 50


class SubmissionRefused(ValueError):  # noqa: N818
    """The submission itself is unusable (bad archive, bad path); the message tells the student why."""


@dataclass
class Run:
    name: str
    command: list
    files: dict = field(default_factory=dict)  # extra files (harness, inputs) added beside the student's
    limits: dict | None = None


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


@dataclass
class Verdict:
    status: str  # graded | error
    verdict: str  # passed | failed | timeout | oom | output_cut | refused | error
    score: float
    checks: list
    runs: dict
    message: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "extra": self.extra,
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
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or "\0" in name or name.startswith("~"):
        raise SubmissionRefused(f"{name!r}: only plain relative file names are accepted (no absolute paths or '..')")
    if len(name) > 200:
        raise SubmissionRefused(f"{name[:40]}...: file name too long")
    return path.as_posix()


def unpack_zip(data: bytes) -> dict[str, bytes]:
    """A zip upload as files, refusing links, absolute paths, '..', too many files and zip bombs."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise SubmissionRefused("the archive is larger than 2 MiB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SubmissionRefused("that is not a zip archive") from None
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_FILES:
        raise SubmissionRefused(f"the archive has more than {MAX_FILES} files")
    files, total = {}, 0
    for info in entries:
        name = check_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionRefused(f"{name}: links are not accepted")
        if info.file_size > MAX_FILE_BYTES:
            raise SubmissionRefused(f"{name}: larger than 512 KiB unpacked")
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise SubmissionRefused("the archive unpacks to more than 5 MiB")
        with archive.open(info) as member:
            content = member.read(MAX_FILE_BYTES + 1)  # the header can lie: read no more than the cap
        if len(content) > MAX_FILE_BYTES:
            raise SubmissionRefused(f"{name}: larger than 512 KiB unpacked")
        files[name] = content
    return files


def observations(result: RunResult, *, default=None):
    """The JSON the harness printed after the marker (last one wins), parsed with a size cap; else default."""
    text = result.stdout.decode("utf-8", "replace")
    position = text.rfind(OBSERVATIONS_MARKER)
    if position < 0:
        return default
    payload = text[position + len(OBSERVATIONS_MARKER) :].split("\n", 1)[0]
    if len(payload) > MAX_OBSERVATION_BYTES:
        return default
    try:
        return json.loads(payload)
    except ValueError:
        return default


def load_grader(root: Path):
    spec = importlib.util.spec_from_file_location(f"spinup_grader_{root.name.replace('-', '_')}", root / "grader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def merge_files(root: Path, submitted: dict[str, bytes]) -> dict[str, bytes]:
    files = read_tree(root / "starter")
    for name, content in submitted.items():
        files[check_name(name)] = content
    sandbox.check_files(files)
    return files


def grade(slug: str, submitted: dict[str, bytes], *, backend: str | None = None) -> Verdict:
    """Grade files for a lab: plan, run each in the sandbox, judge. Raises SandboxUnavailable/SandboxError."""
    root = lab_dir(slug)
    meta = lab_meta(root)
    try:
        files = merge_files(root, submitted)
    except (SubmissionRefused, ValueError) as exc:
        return Verdict("graded", "refused", 0.0, [], {}, message=str(exc))
    name = sandbox.resolve(backend)
    ctx = LabContext(slug=slug, root=root, files=files, backend=name, limits=dict(meta.get("limits") or {}))
    grader = load_grader(root)
    results = {}
    for run in grader.plan(ctx) or []:
        limits = Limits.from_dict({**ctx.limits, **(run.limits or {})})
        results[run.name] = sandbox.run({**files, **run.files}, run.command, limits, backend=name)
    checks = grader.judge(ctx, results)
    total = sum(c.max_points for c in checks) or 1
    score = sum(c.points for c in checks) / total
    verdict = "passed" if score >= 0.9999 else "failed"
    for result in results.values():
        if result.oom_killed:
            verdict = "oom"
        elif result.timed_out or result.cpu_exceeded:
            verdict = "timeout"
        elif result.output_cut and verdict not in ("oom", "timeout"):
            verdict = "output_cut"
    runs = {
        key: {
            "exit_code": r.exit_code,
            "stdout": r.stdout.decode("utf-8", "replace")[-20000:],
            "stderr": r.stderr.decode("utf-8", "replace")[-20000:],
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
    return Verdict("graded", verdict, score, checks, runs, extra=ctx.extra)
