"""Grader for docker-containerize-app: static checks on the student's Dockerfile, plus (Docker backend only)
a real build with no network and one HTTP request to the running container.

The Dockerfile is untrusted text: it is parsed here, never executed. Nothing runs in the sandbox (plan() is
empty); the build and the request go through labs.sandbox.docker_build, which locks the image down.
"""

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from labs.grading import Check

BASE_IMAGE = "python:3.11-slim-bookworm"
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
    BUILD: 3,  # Docker backend only; 0 elsewhere
}
INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip
NEEDS_ARGUMENTS = INSTRUCTIONS - {"HEALTHCHECK"}
MAX_DOCKERFILE_BYTES = 64 * 1024
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.I)
AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
PIP_INSTALL = re.compile(r"(?:^|[\s;&|(/])(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip)\s+install\b")
DIRECTIVE = re.compile(r"#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*")


class DockerfileError(ValueError):
    """The text is not a Dockerfile Docker would accept; the message says where."""


@dataclass
class Instruction:
    line: int  # physical line where it starts (1-based)
    keyword: str  # upper case
    args: str  # continuation lines joined, comment lines inside dropped
    stage: int  # index of the FROM stage it belongs to (-1: ARG before the first FROM)

    def exec_form(self):
        """The JSON-array (exec) form as a list of strings, or None for shell form (Docker's own rule)."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None

    def where(self) -> str:
        return f"line {self.line}"


@dataclass
class Stage:
    index: int
    image: str  # as written
    name: str | None
    parent: int | None  # index of an earlier stage this one builds FROM
    line: int


def parse(text: str):
    """Dockerfile text -> (instructions, stages, escape character), following Docker's parser: parser directives at the top
    (`# escape=`), comment lines, line continuations with the escape character (comment and blank lines
    inside a continuation are dropped), case-insensitive keywords. Raises DockerfileError."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    escape = "\\"
    index = 0
    seen_directives = set()
    while index < len(lines):  # parser directives: only before any comment, blank line or instruction
        match = DIRECTIVE.fullmatch(lines[index])
        name = match.group(1).lower() if match else None
        if name not in ("escape", "syntax", "check") or name in seen_directives:
            break
        seen_directives.add(name)
        if name == "escape":
            if match.group(2) not in ("\\", "`"):
                raise DockerfileError(f"line {index + 1}: the escape directive must be \\ or `")
            escape = match.group(2)
        index += 1
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")

    def is_comment(line):
        return line.lstrip().startswith("#")

    instructions, stages = [], []
    names = {}
    while index < len(lines):
        line = lines[index]
        start = index + 1
        index += 1
        if not line.strip() or is_comment(line):
            continue
        body = line
        while continuation.search(body):
            body = continuation.sub("", body)
            while index < len(lines) and (not lines[index].strip() or is_comment(lines[index])):
                index += 1
            if index >= len(lines):
                break
            body += lines[index]
            index += 1
        parts = body.strip().split(None, 1)
        keyword = parts[0].upper()
        args = parts[1].strip() if len(parts) > 1 else ""
        if keyword not in INSTRUCTIONS:
            raise DockerfileError(f"line {start}: unknown instruction {parts[0][:40]!r}")
        if keyword in NEEDS_ARGUMENTS and not args:
            raise DockerfileError(f"line {start}: {keyword} needs arguments")
        if keyword in ("RUN", "COPY") and re.match(r"(?:--\S+\s+)*<<-?[\"']?\w", args):
            raise DockerfileError(
                f"line {start}: heredocs (<<EOF) are not supported by this builder; use \\ continuations"
            )
        if not stages and keyword not in ("FROM", "ARG"):
            raise DockerfileError(f"line {start}: the first instruction must be FROM (only ARG may come before it)")
        if keyword == "FROM":
            words = args.split()
            flags = [w for w in words if w.startswith("--")]
            words = [w for w in words if not w.startswith("--")]
            if len(words) == 3 and words[1].lower() == "as":
                name = words[2].lower()
            elif len(words) == 1:
                name = None
            else:
                raise DockerfileError(f"line {start}: FROM takes an image and optionally AS <name>")
            del flags  # --platform=...: accepted by Docker; the image is what is judged
            parent = names.get(words[0].lower())
            stages.append(Stage(len(stages), words[0], name, parent, start))
            if name:
                names[name] = len(stages) - 1
        instructions.append(Instruction(start, keyword, args, len(stages) - 1))
    if not stages:
        raise DockerfileError("there is no FROM instruction")
    return instructions, stages, escape


def final_chain(instructions, stages):
    """The instructions that shape the final image: its stage's, after those of the stages it builds FROM."""
    chain, stage = [], stages[-1]
    seen = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        chain = [i for i in instructions if i.stage == stage.index and i.keyword != "FROM"] + chain
        stage = stages[stage.parent] if stage.parent is not None else None
    return chain


def words_of(text: str, escape: str = "\\"):
    """Split like a shell word list: whitespace separates, quotes group, the escape character escapes."""
    words, current, quote, pending, has = [], [], None, False, False
    for char in text:
        if pending:
            current.append(char)
            pending, has = False, True
        elif char == escape and quote != "'":
            pending = True
        elif quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "\"'":
            quote, has = char, True
        elif char.isspace():
            if has or current:
                words.append("".join(current))
            current, has = [], False
        else:
            current.append(char)
            has = True
    if has or current:
        words.append("".join(current))
    return words


# --- the checks ------------------------------------------------------------------------------------------


def check_base(instructions, stages):
    for stage in stages:
        if stage.parent is not None:
            continue
        image = stage.image
        for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
            if image.startswith(prefix):
                image = image[len(prefix) :]
        where = f"line {stage.line}"
        if "$" in image:
            return False, f"{where}: write the image literally (FROM {BASE_IMAGE}), not through an ARG"
        if image.lower() == "scratch":
            return False, f"{where}: FROM scratch is an empty image with no Python; start FROM {BASE_IMAGE}"
        if "@" in image:
            return False, f"{where}: pin with the tag {BASE_IMAGE} here; this offline builder has no digests to match"
        tag = image.rpartition(":")[2] if ":" in image.rsplit("/", 1)[-1] else ""
        if not tag:
            return (
                False,
                f"{where}: FROM {image} has no tag, so Docker uses :latest, which changes under you; pin {BASE_IMAGE}",
            )
        if tag == "latest":
            return False, f"{where}: :latest is not a pinned version (it moves with every release); pin {BASE_IMAGE}"
        if image != BASE_IMAGE:
            return False, f"{where}: FROM {image[:80]} is not available here; the only base image is {BASE_IMAGE}"
    return True, f"every stage starts FROM {BASE_IMAGE} (pinned)"


def copy_sources(instruction):
    """(sources, is_from_other_stage) of a COPY/ADD, without its --flags and destination."""
    form = instruction.exec_form()
    words = form if form is not None else instruction.args.split()
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    from_stage = any(f.lower().startswith("--from") for f in flags)
    return paths[:-1], from_stage


def covers(source: str, name: str) -> bool:
    """Would COPY <source> copy the top-level file <name> of the build context?"""
    source = source.strip()
    while source.startswith("./"):
        source = source[2:]
    source = source.strip("/")
    if source in ("", "."):
        return True
    return fnmatchcase(name, source)


def check_dependencies(chain):
    requirement_copy = pip_run = source_copy = None
    position = {id(instruction): n for n, instruction in enumerate(chain)}  # order in the final image
    for instruction in chain:
        if instruction.keyword in ("COPY", "ADD"):
            sources, from_stage = copy_sources(instruction)
            if from_stage:
                continue
            if source_copy is None and any(covers(s, APP_FILE) for s in sources):
                source_copy = instruction
            if requirement_copy is None and any(covers(s, REQUIREMENTS) for s in sources):
                requirement_copy = instruction
        elif instruction.keyword == "RUN" and pip_run is None:
            form = instruction.exec_form()
            command = " ".join(form) if form is not None else instruction.args
            if PIP_INSTALL.search(command) and REQUIREMENTS in command:
                pip_run = instruction
    if pip_run is None:
        return False, "there is no RUN pip install -r requirements.txt in the final image"
    if requirement_copy is None or position[id(requirement_copy)] > position[id(pip_run)]:
        return False, f"{pip_run.where()}: pip install runs before requirements.txt is copied into the image"
    if source_copy is None:
        return False, "the app's source (app.py) is never copied into the image"
    if position[id(source_copy)] < position[id(pip_run)]:
        return False, (
            f"{source_copy.where()}: the source is copied before the dependencies are installed ({pip_run.where()}), "
            "so every code change invalidates the cache and re-runs pip install; copy requirements.txt alone, "
            "install, then copy the rest"
        )
    return (
        True,
        f"requirements.txt copied ({requirement_copy.where()}), installed ({pip_run.where()}), then the source ({source_copy.where()})",
    )


def check_user(chain):
    users = [i for i in chain if i.keyword == "USER"]
    starts = [i for i in chain if i.keyword in ("CMD", "ENTRYPOINT")]
    if not users:
        hidden = next((i for i in chain if re.search(r"(?:^|\s)USER\s+\S", i.args)), None)
        hint = (
            f" (the {hidden.keyword} at {hidden.where()} swallowed a USER line: a trailing backslash joins the next line to it)"
            if hidden
            else ""
        )
        return False, f"no USER instruction: the python image runs everything as root unless you switch user{hint}"
    last = users[-1]
    value = last.args.split()[0] if last.args.split() else ""
    if "$" in value:
        return False, f"{last.where()}: write the user literally (a name or a numeric uid), not through a variable"
    user = value.split(":", 1)[0]
    if user.lower() == "root" or (user.isdigit() and int(user) == 0):
        return False, f"{last.where()}: USER {value} runs the app as root; use an unprivileged user such as 10001"
    if starts and chain.index(starts[-1]) < chain.index(last):
        return (
            False,
            f"{last.where()}: set USER before {starts[-1].keyword} ({starts[-1].where()}) so it is clear what the app runs as",
        )
    return True, f"the app runs as {value}"


def check_exec_form(chain):
    starts = {}
    for instruction in chain:
        if instruction.keyword in ("CMD", "ENTRYPOINT"):
            starts[instruction.keyword] = instruction
    if not starts:
        return False, "there is no CMD (or ENTRYPOINT): the image would not start the app"
    for keyword, instruction in starts.items():
        form = instruction.exec_form()
        if form is None:
            text = instruction.args.strip()
            if text.startswith("["):
                return False, (
                    f"{instruction.where()}: {keyword} looks like a JSON array but is not valid JSON "
                    '(use double quotes: ["python", "app.py"]), so Docker runs it through /bin/sh -c'
                )
            return False, (
                f"{instruction.where()}: {keyword} {text[:60]} is shell form: /bin/sh becomes PID 1 and does not pass "
                'SIGTERM on, so docker stop waits 10 s and kills the app; write it as a JSON array, e.g. ["python", "app.py"]'
            )
        if not form or not form[0].strip():
            return False, f"{instruction.where()}: {keyword} is an empty array"
    shown = " + ".join(f"{k} {json.dumps(v.exec_form())}" for k, v in starts.items())
    return True, f"exec form: {shown[:160]}"


def check_expose(chain):
    exposes = [i for i in chain if i.keyword == "EXPOSE"]
    if not exposes:
        return False, f"no EXPOSE: document the port app.py listens on ({APP_PORT})"
    ports = []
    for instruction in exposes:
        for word in instruction.args.split():
            if "$" in word:
                return False, f"{instruction.where()}: write the port literally, not through a variable"
            port, _, protocol = word.partition("/")
            ports.append((port, protocol.lower() or "tcp", instruction))
    if not any(port == str(APP_PORT) and protocol == "tcp" for port, protocol, _ in ports):
        shown = ", ".join(p if proto == "tcp" else f"{p}/{proto}" for p, proto, _ in ports)
        return False, f"EXPOSE {shown[:60]}, but app.py listens on TCP port {APP_PORT}"
    others = [(p, proto, i) for p, proto, i in ports if not (p == str(APP_PORT) and proto == "tcp")]
    if others:
        port, protocol, instruction = others[0]
        return False, f"{instruction.where()}: app.py listens only on {APP_PORT}; do not expose {port}/{protocol}"
    return True, f"EXPOSE {APP_PORT}"


def check_secrets(instructions, escape="\\"):
    for instruction in instructions:
        if AWS_KEY_ID.search(instruction.args):
            return False, (
                f"{instruction.where()}: {instruction.keyword} contains what looks like an AWS access key ID; anyone who can "
                "pull the image can read it (docker history, docker inspect). Use an IAM role or pass it at run time"
            )
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        words = words_of(instruction.args, escape)
        if instruction.keyword == "ENV" and words and "=" not in words[0]:
            names = [words[0]]  # legacy form: ENV NAME value...
        else:
            names = [w.split("=", 1)[0] for w in words]
        for name in names:
            if SECRET_NAME.search(name):
                return False, (
                    f"{instruction.where()}: {instruction.keyword} {name[:60]} looks like a secret; ENV and ARG values are "
                    "baked into the image (docker history, docker inspect). Give secrets at run time instead"
                )
    return True, "no passwords, tokens or keys in ENV or ARG"


def static_checks(dockerfile: bytes | None):
    """{check name: (passed, message)} for the six static checks."""
    names = [n for n in POINTS if n != BUILD]
    if dockerfile is None:
        return {n: (False, "there is no Dockerfile") for n in names}
    if len(dockerfile) > MAX_DOCKERFILE_BYTES:
        return {n: (False, "the Dockerfile is larger than 64 KiB") for n in names}
    try:
        text = dockerfile.decode("utf-8")
    except UnicodeDecodeError:
        return {n: (False, "the Dockerfile is not UTF-8 text") for n in names}
    try:
        instructions, stages, escape = parse(text)
    except DockerfileError as exc:
        return {n: (False, f"the Dockerfile does not parse: {exc}") for n in names}
    chain = final_chain(instructions, stages)
    return {
        "pinned base image": check_base(instructions, stages),
        "dependencies before source": check_dependencies(chain),
        "runs as non-root": check_user(chain),
        "exec-form CMD": check_exec_form(chain),
        "exposes the app port": check_expose(chain),
        "no secrets in ENV/ARG": check_secrets(instructions, escape),
    }


def build_check(ctx, base_ok: bool) -> Check:
    if ctx.backend != "docker":
        return Check(BUILD, False, 0, 0, "Not run here: building and running the image needs the Docker backend.")
    points = POINTS[BUILD]
    if not base_ok:
        return Check(
            BUILD, False, 0, points, f"not built: the base image must be {BASE_IMAGE} (see 'pinned base image')"
        )
    from labs.sandbox import docker_build

    outcome = docker_build.build_and_probe(ctx.files, port=APP_PORT, path="/", timeout=60)
    if not outcome["built"]:
        log = outcome["build_log"].strip().splitlines()
        tail = " | ".join(log[-4:])[-500:]
        why = outcome["error"] or "docker build failed"
        return Check(BUILD, False, 0, points, f"{why}{': ' + tail if tail else ''}")
    status, body = outcome["status"], outcome["body"]
    user = outcome["user"] or "(not set)"
    if outcome.get("ran_as") and outcome["ran_as"] != outcome["user"]:
        user = f"{user}, so it was run here as {outcome['ran_as']}"
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


def plan(ctx):
    return []  # nothing runs in the sandbox: the Dockerfile is judged as text, and built by judge() on Docker


def judge(ctx, results):
    found = static_checks(ctx.files.get("Dockerfile"))
    checks = [
        Check(name, ok, POINTS[name] if ok else 0, POINTS[name], message) for name, (ok, message) in found.items()
    ]
    checks.append(build_check(ctx, found["pinned base image"][0]))
    return checks
