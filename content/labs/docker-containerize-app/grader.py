"""Grader for docker-containerize-app: the student's Dockerfile is built, and the checks judge the built image.

Nothing runs in the sandbox (plan() is empty). judge() builds the Dockerfile on the student-image builder
through labs.sandbox.docker_build (a separate engine with no network and only the base image; see there),
then judges what the builder recorded about the image: `docker image inspect` (user, environment,
command, ports, volumes) and `docker history` (one entry per instruction, in build order). The Dockerfile's
text is read only with Docker's own parser (the `dockerfile` package), to name which instruction each
history entry came from and which files a COPY takes, never with a parser of our own.

This lab needs the Docker sandbox (`requires`): on any other backend, and when the builder does not answer,
it raises SandboxUnavailable, an error on our side, and gives no score.
"""

import json
import re
from fnmatch import fnmatchcase

from labs.grading import Check
from labs.sandbox import SandboxUnavailable, docker_build

requires = "docker"  # the only backend this lab can be graded on

BASE_IMAGE = "python:3.11-slim-bookworm"
BASE_USER = "root"  # what the real python:3.11-slim-bookworm runs as (the offline stand-in here sets 65534)
APP_PORT = 8080
APP_FILE = "app.py"
REQUIREMENTS = "requirements.txt"
BUILD = "image builds and answers"
POINTS = {
    "pinned base image": 2,
    "dependencies before source": 2,
    "runs as non-root": 2,
    "exec-form CMD": 1,
    "exposes the app port": 1,
    "no secrets in ENV/ARG": 2,
    BUILD: 3,
}
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.I)
AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
PIP_INSTALL = re.compile(r"(?:^|[\s;&|(/])(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip)\s+install\b")
NOP = re.compile(r"#\(nop\)\s+([A-Z]+)\b")
BUILD_ARGS = re.compile(r"^\|\d+((?:\s+[A-Za-z_][A-Za-z0-9_]*=\S*)*)\s")  # "|2 A=1 B=2 /bin/sh -c ..." of a RUN
SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"}
NOT_JUDGED = "not judged: there is no image to look at (see 'image builds and answers')"


def _require_docker(ctx):
    if ctx.backend != requires:
        raise SandboxUnavailable(
            "This lab builds and runs your image, so it is graded only on the Docker sandbox; this server runs "
            f"the {ctx.backend} sandbox. Nothing was graded."
        )


def plan(ctx):
    _require_docker(ctx)
    docker_build.require_builder()  # no builder: an error on our side, never a score
    return []  # nothing runs in the sandbox: judge() builds the image on the builder


# --- what Docker's parser says the Dockerfile is -------------------------------------------------------------


def parsed(dockerfile: bytes | None):
    """(commands, None), or (None, why not) when Docker would not read it."""
    if dockerfile is None:
        return None, "there is no Dockerfile"
    try:
        return docker_build.parse_dockerfile(dockerfile.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "the Dockerfile is not UTF-8 text"
    except docker_build.DockerfileRefused as exc:
        return None, str(exc)


def where(command) -> str:
    return f"line {command.start_line}"


def check_base(commands):
    """Every FROM that is not an earlier stage names the base image, pinned (Docker's own reading of FROM)."""
    for stage in docker_build.stages_of(commands):
        if stage["parent"] is not None:
            continue
        image = docker_build._normalise(stage["image"])
        at = f"line {stage['line']}"
        if "$" in image:
            return False, f"{at}: write the image literally (FROM {BASE_IMAGE}), not through an ARG"
        if image.lower() == "scratch":
            return False, f"{at}: FROM scratch is an empty image with no Python; start FROM {BASE_IMAGE}"
        if "@" in image:
            return False, f"{at}: pin with the tag {BASE_IMAGE} here; this offline builder has no digests to match"
        tag = image.rpartition(":")[2] if ":" in image.rsplit("/", 1)[-1] else ""
        if not tag:
            return (
                False,
                f"{at}: FROM {image[:80]} has no tag, so Docker uses :latest, which changes under you; pin {BASE_IMAGE}",
            )
        if tag == "latest":
            return False, f"{at}: :latest is not a pinned version (it moves with every release); pin {BASE_IMAGE}"
        if image != BASE_IMAGE:
            return False, f"{at}: FROM {image[:80]} is not available here; the only base image is {BASE_IMAGE}"
    return True, f"every stage starts FROM {BASE_IMAGE} (pinned)"


# --- the built image ---------------------------------------------------------------------------------------


class Image:
    """The builder's record of the image, with each history entry paired with the instruction it came from."""

    def __init__(self, facts: dict, commands):
        self.config = facts["config"]
        self.history = facts["history"]  # entries after the base image, oldest first
        self.base = facts["base"]
        self.user_uid = facts["user_uid"]
        self.steps = self._pair(docker_build.final_chain(commands), self.history)

    @staticmethod
    def _pair(chain, history):
        """[(instruction, history entry)] in build order, or None when the two do not tell the same story: the
        builder records one entry per instruction, a no-op one (`#(nop) KEYWORD`) for all but RUN and COPY/ADD."""
        if len(chain) != len(history):
            return None
        for command, entry in zip(chain, history, strict=True):
            if command.cmd != "RUN":
                match = NOP.search(entry["created_by"])
                if not match or match.group(1) != command.cmd:
                    return None
        return list(zip(chain, history, strict=True))

    def entries(self, *keywords):
        """Positions and history entries of the given instructions (from the pairing), in build order."""
        return [(n, c, e) for n, (c, e) in enumerate(self.steps or []) if c.cmd in keywords]


MISMATCH = "the image's history does not match the Dockerfile instruction by instruction, so this cannot be judged"


def covers(source: str, name: str) -> bool:
    """Would COPY <source> copy the top-level file <name> of the build context?"""
    source = source.strip()
    while source.startswith("./"):
        source = source[2:]
    source = source.strip("/")
    if source in ("", "."):
        return True
    return fnmatchcase(name, source)


def run_command(entry) -> str:
    """The command a RUN entry recorded, without its build-argument prefix (`|2 A=1 B=2 `)."""
    text = entry["created_by"]
    match = BUILD_ARGS.match(text)
    return text[match.end() :] if match else text


def shown_command(entry) -> str:
    return run_command(entry).removeprefix("/bin/sh -c ")


def image_dependencies(image: Image):
    if image.steps is None:
        return False, MISMATCH
    requirement_copy = pip_run = source_copy = None
    for n, command, entry in image.entries("COPY", "RUN"):
        if command.cmd == "COPY":
            if any(flag.lower().startswith("--from") for flag in command.flags):
                continue
            sources = command.value[:-1]
            if source_copy is None and any(covers(s, APP_FILE) for s in sources):
                source_copy = (n, command)
            if requirement_copy is None and any(covers(s, REQUIREMENTS) for s in sources):
                requirement_copy = (n, command)
        elif pip_run is None:
            recorded = run_command(entry)
            if PIP_INSTALL.search(recorded) and REQUIREMENTS in recorded:
                pip_run = (n, command)
    if pip_run is None:
        return False, "the image has no layer made by RUN pip install -r requirements.txt"
    if requirement_copy is None or requirement_copy[0] > pip_run[0]:
        return False, f"{where(pip_run[1])}: pip install runs before requirements.txt is copied into the image"
    if source_copy is None:
        return False, "the app's source (app.py) is never copied into the image"
    if source_copy[0] < pip_run[0]:
        return False, (
            f"{where(source_copy[1])}: the source is copied before the dependencies are installed "
            f"({where(pip_run[1])}), so every code change invalidates the cache and re-runs pip install; copy "
            "requirements.txt alone, install, then copy the rest"
        )
    return True, (
        f"the image's layers: requirements.txt copied ({where(requirement_copy[1])}), installed "
        f"({where(pip_run[1])}), then the source ({where(source_copy[1])})"
    )


def image_user(image: Image):
    user_entries = [e for e in image.history if (m := NOP.search(e["created_by"])) and m.group(1) == "USER"]
    if not user_entries:
        swallowed = next(
            (
                e
                for e in image.history
                if not NOP.search(e["created_by"]) and re.search(r"\bUSER\s+\S", e["created_by"])
            ),
            None,
        )
        hint = (
            " (a RUN swallowed a USER line: a trailing backslash joins the next line to it, so the image got "
            f"`{shown_command(swallowed)[:80]}` as one command)"
            if swallowed
            else ""
        )
        return False, (
            f"the image has no USER of its own: the python image runs everything as {BASE_USER} unless you "
            f"switch user{hint}"
        )
    value = image.config.get("User") or ""
    name = value.split(":", 1)[0]
    if not name or name.lower() == "root" or image.user_uid == 0:
        shown = "root" if name.lower() in ("", "root") else f"{value}, which is uid 0 (root)"
        return False, f"the image runs as {shown}; use an unprivileged user such as USER 10001:10001"
    if image.user_uid is None:
        return False, (
            f"the image runs as {value}, a name its /etc/passwd does not give a uid (docker run would refuse to "
            "start it); use a numeric uid such as 10001:10001"
        )
    if image.steps is not None:
        users, starts = image.entries("USER"), image.entries("CMD", "ENTRYPOINT")
        if users and starts and starts[-1][0] < users[-1][0]:
            return False, (
                f"{where(users[-1][1])}: set USER before {starts[-1][1].cmd} ({where(starts[-1][1])}) so it is clear "
                "what the app runs as"
            )
    return True, f"the image runs as {value} (uid {image.user_uid})"


def _through_shell(argv, shell) -> bool:
    if not argv:
        return False
    if shell and list(argv[: len(shell)]) == list(shell):
        return True
    program = argv[0].rsplit("/", 1)[-1]
    return program in SHELLS and len(argv) > 1 and argv[1].startswith("-") and "c" in argv[1]


def image_exec_form(image: Image, commands):
    starts = [e for e in image.history if (m := NOP.search(e["created_by"])) and m.group(1) in ("CMD", "ENTRYPOINT")]
    if not starts:
        return False, "there is no CMD (or ENTRYPOINT): the image would not start the app"
    shell = image.config.get("Shell") or ["/bin/sh", "-c"]
    written = {c.cmd: c for c in docker_build.final_chain(commands) if c.cmd in ("CMD", "ENTRYPOINT")}
    for keyword in ("ENTRYPOINT", "CMD"):
        argv = image.config.get("Cmd" if keyword == "CMD" else "Entrypoint")
        if argv is None:
            continue
        command = written.get(keyword)
        at = f"{where(command)}: " if command else ""
        if not argv or not str(argv[0]).strip():
            return False, f"{at}{keyword} is an empty array"
        if _through_shell(argv, shell):
            text = command.value[0] if command and not command.json and command.value else ""
            if text.startswith("["):
                return False, (
                    f"{at}{keyword} looks like a JSON array but is not valid JSON (use double quotes: "
                    '["python", "app.py"]), so Docker runs it through /bin/sh -c'
                )
            return False, (
                f"{at}the image starts {json.dumps(argv)[:80]}: a shell is PID 1 and does not pass SIGTERM on, so "
                'docker stop waits 10 s and kills the app; write it as a JSON array, e.g. CMD ["python", "app.py"]'
            )
    shown = " + ".join(
        f"{key.upper()} {json.dumps(image.config.get(key))}" for key in ("Entrypoint", "Cmd") if image.config.get(key)
    )
    return True, f"exec form: {shown[:160]}"


def image_expose(image: Image):
    ports = sorted(image.config.get("ExposedPorts") or {})
    if not ports:
        return False, f"the image exposes no port: document the port app.py listens on ({APP_PORT}) with EXPOSE"
    wanted = f"{APP_PORT}/tcp"
    if wanted not in ports:
        return False, f"the image exposes {', '.join(ports)[:60]}, but app.py listens on TCP port {APP_PORT}"
    others = [p for p in ports if p != wanted]
    if others:
        return False, f"app.py listens only on {APP_PORT}; the image also exposes {', '.join(others)[:60]}"
    return True, f"the image exposes {APP_PORT}/tcp"


def _secret_message(kind, name):
    return (
        f"{kind} {name[:60]} looks like a secret; ENV and ARG values are baked into the image (docker history, "
        "docker inspect). Give secrets at run time instead"
    )


def image_secrets(image: Image, commands):
    key_message = (
        "what looks like an AWS access key ID is in the image; anyone who can pull the image can read it "
        "(docker history, docker inspect). Use an IAM role or pass it at run time"
    )
    config = image.config
    for item in config.get("Env") or []:
        name, _, value = str(item).partition("=")
        if SECRET_NAME.search(name):
            return False, "the image's environment: " + _secret_message("ENV", name)
        if AWS_KEY_ID.search(value):
            return False, f"the image's environment ({name[:40]}): {key_message}"
    recorded = [e["created_by"] for e in image.history]
    recorded += [f"{k}={v}" for k, v in (config.get("Labels") or {}).items()]
    recorded += [" ".join(map(str, config.get("Cmd") or [])), " ".join(map(str, config.get("Entrypoint") or []))]
    for text in recorded:
        if AWS_KEY_ID.search(text):
            return False, f"the image's history: {key_message}"
    for entry in image.history:
        match = NOP.search(entry["created_by"])
        if match and match.group(1) == "ARG":
            name = entry["created_by"][match.end() :].strip().split("=", 1)[0]
        elif not match and (args := BUILD_ARGS.match(entry["created_by"])):
            name = next(
                (w.split("=", 1)[0] for w in args.group(1).split() if SECRET_NAME.search(w.split("=", 1)[0])), ""
            )
        else:
            continue
        if SECRET_NAME.search(name):
            return False, "the image's history: " + _secret_message("ARG", name)
    # Earlier stages and ARGs before FROM leave nothing in the final image but are still in the Dockerfile
    # (and the builder's cache): Docker's own reading of every instruction.
    for command in commands:
        if AWS_KEY_ID.search(command.original):
            return False, f"{where(command)}: {command.cmd} contains {key_message.replace(' is in the image', '')}"
        if command.cmd == "ENV":
            names = command.value[0::2]
        elif command.cmd == "ARG":
            names = [value.split("=", 1)[0] for value in command.value]
        else:
            continue
        for name in names:
            if SECRET_NAME.search(name):
                return False, f"{where(command)}: " + _secret_message(command.cmd, name)
    return True, "no passwords, tokens or keys in the image's ENV, ARG or history"


def image_checks(image: Image, commands):
    base_ok, base_message = check_base(commands)
    if base_ok and image.base != BASE_IMAGE:
        base_ok, base_message = False, f"the image's layers do not start with {BASE_IMAGE}'s"
    return {
        "pinned base image": (base_ok, base_message),
        "dependencies before source": image_dependencies(image),
        "runs as non-root": image_user(image),
        "exec-form CMD": image_exec_form(image, commands),
        "exposes the app port": image_expose(image),
        "no secrets in ENV/ARG": image_secrets(image, commands),
    }


def build_check(outcome) -> Check:
    points = POINTS[BUILD]
    if not outcome["built"]:
        log = outcome["build_log"].strip().splitlines()
        tail = " | ".join(log[-4:])[-500:]
        why = outcome["error"] or "docker build failed"
        if "cannot be mapped to a host ID" in outcome["build_log"]:
            why += (
                " (this builder maps root in its containers to an unprivileged user, and its COPY --from cannot copy "
                "files that a non-root user owns in the earlier stage; copy from the build context instead)"
            )
        return Check(BUILD, False, 0, points, f"{why}{': ' + tail if tail else ''}")
    status, body = outcome["status"], outcome["body"]
    user = outcome["user"] or "(not set)"
    if outcome.get("ran_as") and outcome["ran_as"] != outcome["user"]:
        user = f"{user}, so it was run here as {outcome['ran_as']}"
    if outcome["ran_as"] is None:  # not run (a VOLUME)
        return Check(BUILD, False, 0, points, f"the image built, but {outcome['error']}")
    if status is None:
        log = " | ".join(outcome["app_log"].strip().splitlines()[-4:])[-400:]
        why = outcome["error"] or "no answer"
        return Check(
            BUILD, False, 0, points,
            f"the image built (user {user}), but nothing answered GET / on port {APP_PORT} within 10 s ({why[:200]})"
            + (f"; the app printed: {log}" if log else ""),
        )  # fmt: skip
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if status != 200 or not isinstance(answer, dict) or answer.get("status") != "ok":
        return Check(
            BUILD,
            False,
            0,
            points,
            f'GET / answered HTTP {status} with {body[:120]!r}, not 200 with {{"status": "ok"}}',
        )
    return Check(
        BUILD,
        True,
        points,
        points,
        f'built offline in {outcome["seconds"]:.1f} s; runs as {user}; GET / answered 200 {{"status": "ok"}}',
    )


def judge(ctx, results):
    _require_docker(ctx)
    docker_build.require_builder()  # checked in plan() too: grading re-raises only what plan() raises
    commands, unreadable = parsed(ctx.files.get("Dockerfile"))
    outcome = docker_build.build_and_probe(ctx.files, port=APP_PORT, path="/", timeout=60)
    names = [name for name in POINTS if name != BUILD]
    if outcome["image"] is None or commands is None:
        found = {name: (False, NOT_JUDGED) for name in names}
        if commands is not None:
            base_ok, base_message = check_base(commands)
            if not base_ok:
                found["pinned base image"] = (False, base_message)
        elif unreadable:
            found = {name: (False, f"not judged: {unreadable}") for name in names}
    else:
        found = image_checks(Image(outcome["image"], commands), commands)
    checks = [
        Check(name, ok, POINTS[name] if ok else 0, POINTS[name], message) for name, (ok, message) in found.items()
    ]
    checks.append(build_check(outcome))
    return checks
