"""Grader for ecs-fargate-service: runs the student's deploy(ecs, infra) against moto, then judges what it built.

moto accepts task definitions real ECS would reject (any cpu/memory pair, no awsvpc), so the Fargate rules
are checked here, against the trusted size table below (the fargate-task-sizes lesson, Linux).
"""

import re

from labs.grading import Check, Run, run_trouble

GiB = 1024
FARGATE_SIZES = {  # task cpu units -> the valid task memory values in MiB
    256: [512, 1 * GiB, 2 * GiB],
    512: list(range(1 * GiB, 4 * GiB + 1, GiB)),
    1024: list(range(2 * GiB, 8 * GiB + 1, GiB)),
    2048: list(range(4 * GiB, 16 * GiB + 1, GiB)),
    4096: list(range(8 * GiB, 30 * GiB + 1, GiB)),
    8192: list(range(16 * GiB, 60 * GiB + 1, 4 * GiB)),
    16384: list(range(32 * GiB, 120 * GiB + 1, 8 * GiB)),
}
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


def plan(ctx):
    harness = {"run_deploy.py": ctx.lab_file("harness/run_deploy.py")}
    return [Run("deploy", ["python3", "run_deploy.py"], harness, service=ctx.service())]


EXAMPLES_NOTE = (
    "Your code ran once against a fresh emulated account; what it printed and what the account holds "
    "afterwards are below. Nothing was checked: the checks run when you submit."
)


def examples(ctx):
    """The Run button: a dry run against a fresh emulated account, its output shown, nothing judged."""
    return plan(ctx)


# ---------------------------------------------------------------- helpers


def short(value, limit=100):
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def strings(value, limit=20):
    """A list of strings from untrusted data, or None."""
    if not isinstance(value, list) or len(value) > limit or not all(isinstance(v, str) for v in value):
        return None
    return value


def parse_cpu(value):
    """Task cpu in CPU units: "512", 512 or "0.5 vCPU" (ECS accepts both forms); None if not understood."""
    if is_int(value):
        return value
    if not isinstance(value, str) or len(value) > 20:
        return None
    text = value.strip().lower()
    if re.fullmatch(r"\d{1,6}", text):
        return int(text)
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{1,3})?|\.\d{1,3})\s*vcpu", text)
    if match:
        units = float(match.group(1)) * 1024
        return int(units) if units.is_integer() else None
    return None


def parse_memory(value):
    """Task memory in MiB: "2048", 2048 or "2 GB"; None if not understood."""
    if is_int(value):
        return value
    if not isinstance(value, str) or len(value) > 20:
        return None
    text = value.strip().lower()
    if re.fullmatch(r"\d{1,7}", text):
        return int(text)
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{1,3})?|\.\d{1,3})\s*gb", text)
    if match:
        mib = float(match.group(1)) * 1024
        return int(mib) if mib.is_integer() else None
    return None


def describe_size(cpu, memory):
    return f"{cpu / 1024:g} vCPU with {memory / 1024:g} GB"


def smallest_size(need_cpu, need_memory):
    """The cheapest valid pair covering the need: the smallest row with the CPU, then its smallest fitting memory."""
    for cpu in sorted(FARGATE_SIZES):
        if cpu < need_cpu:
            continue
        for memory in FARGATE_SIZES[cpu]:
            if memory >= need_memory:
                return cpu, memory
    return None


# ---------------------------------------------------------------- judging


def pick(items, **wanted):
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
            return item
    return None


def check_task_definition(task):
    problems = []
    compat = strings(task.get("requiresCompatibilities"))
    if not compat or "FARGATE" not in compat:
        problems.append(
            "requiresCompatibilities must include FARGATE, so ECS checks the definition against Fargate's rules"
        )
    mode = task.get("networkMode")
    if mode != "awsvpc":
        shown = "no networkMode" if mode is None else f"networkMode {short(mode, 30)}"
        problems.append(
            f"{shown}: Fargate tasks must use networkMode awsvpc (each task gets its own network interface)"
        )
    return problems


def check_size(task, expected):
    cpu_raw, memory_raw = task.get("cpu"), task.get("memory")
    if cpu_raw is None or memory_raw is None:
        return "no task-level cpu and memory: Fargate requires both, as one of its valid pairs"
    cpu, memory = parse_cpu(cpu_raw), parse_memory(memory_raw)
    if cpu is None or memory is None:
        return f'cpu {short(cpu_raw, 20)} / memory {short(memory_raw, 20)} not understood (use CPU units like "1024" and MiB like "2048")'
    if cpu not in FARGATE_SIZES:
        return f"cpu {cpu} is not a Fargate size (valid: {', '.join(str(c) for c in sorted(FARGATE_SIZES))} CPU units)"
    if memory not in FARGATE_SIZES[cpu]:
        row = FARGATE_SIZES[cpu]
        listed = (
            ", ".join(f"{m / 1024:g}" for m in row)
            if len(row) <= 8
            else f"{row[0] / 1024:g} to {row[-1] / 1024:g} in {(row[1] - row[0]) / 1024:g} GB steps"
        )
        return f"{describe_size(cpu, memory)} is not a valid Fargate pair (with {cpu / 1024:g} vCPU, memory can be {listed} GB)"
    need_cpu, need_memory = expected["need_cpu"], expected["need_memory"]
    if cpu < need_cpu or memory < need_memory:
        return f"{describe_size(cpu, memory)} is a valid pair but smaller than the API needs"
    best = smallest_size(need_cpu, need_memory)
    if best and (cpu, memory) != best:
        return f"{describe_size(cpu, memory)} fits, but a smaller valid size also covers the need, and Fargate bills the size you ask for"
    return None


def check_container(task, expected):
    containers = (
        [c for c in task.get("containers", []) if isinstance(c, dict)]
        if isinstance(task.get("containers"), list)
        else []
    )
    app = pick(containers, image=expected["image"])
    if app is None:
        images = ", ".join(short(c.get("image"), 60) for c in containers[:3]) or "none"
        return f"no container runs the image named in the statement (found: {images})"
    ports = app.get("portMappings") if isinstance(app.get("portMappings"), list) else []
    mapping = None
    for item in ports:
        if isinstance(item, dict) and item.get("containerPort") == expected["port"]:
            mapping = item
            break
    if mapping is None:
        return f"the container has no portMapping with containerPort {expected['port']}"
    if mapping.get("protocol") not in (None, "tcp"):
        return f"the port mapping's protocol is {short(mapping.get('protocol'), 10)}; the API speaks HTTP over tcp"
    if mapping.get("hostPort") not in (None, expected["port"]):
        return "in awsvpc mode hostPort must be left out or equal to containerPort"
    logs = app.get("logConfiguration")
    if not isinstance(logs, dict) or logs.get("logDriver") != "awslogs":
        return 'the container doesn\'t log with the awslogs driver (logConfiguration.logDriver "awslogs")'
    options = logs.get("options") if isinstance(logs.get("options"), dict) else {}
    if options.get("awslogs-group") != expected["log_group"]:
        return f"awslogs-group is {short(options.get('awslogs-group'), 60)}, not the log group named in the statement"
    if options.get("awslogs-region") != expected["region"]:
        return f"awslogs-region is {short(options.get('awslogs-region'), 30)}; the logs belong in {expected['region']}"
    prefix = options.get("awslogs-stream-prefix")
    if not isinstance(prefix, str) or not prefix:
        return "awslogs-stream-prefix is missing: Fargate needs a stream prefix for the awslogs driver"
    return None


def check_launch(service, cluster, expected, task_ok):
    problems = []
    launch = service.get("launchType")
    strategy = service.get("capacityProviderStrategy")
    if strategy:
        providers = (
            [s.get("capacityProvider") for s in strategy if isinstance(s, dict)] if isinstance(strategy, list) else []
        )
        associated = strings(cluster.get("capacityProviders")) if cluster else None
        if launch:
            problems.append("give either a launchType or a capacityProviderStrategy, not both")
        elif not providers or any(p not in FARGATE_PROVIDERS for p in providers):
            problems.append("the capacity provider strategy must name only FARGATE (or FARGATE_SPOT)")
        elif not associated or any(p not in associated for p in providers):
            problems.append("the capacity providers in the strategy must first be associated with the cluster")
    elif launch != "FARGATE":
        shown = (
            "no launch type (so EC2, unless the cluster has a default strategy)"
            if launch is None
            else f"launch type {short(launch, 20)}"
        )
        problems.append(
            f"the service uses {shown}; it must run on Fargate (launchType FARGATE or a FARGATE capacity provider)"
        )
    count = service.get("desiredCount")
    if count != expected["desired_count"]:
        problems.append(f"desiredCount is {short(count, 10)}, not the number of tasks the statement asks for")
    if not task_ok:
        problems.append("the service doesn't run a task definition registered by deploy()")
    return problems


def check_network(service, infra):
    config = service.get("networkConfiguration")
    vpc = config.get("awsvpcConfiguration") if isinstance(config, dict) else None
    if not isinstance(vpc, dict):
        return "the service has no networkConfiguration.awsvpcConfiguration (needed for awsvpc tasks)"
    subnets, groups = strings(vpc.get("subnets")), strings(vpc.get("securityGroups"), limit=5)
    given_subnets, given_groups = strings(infra.get("subnets")), strings(infra.get("security_groups"), limit=5)
    if not subnets or not given_subnets or sorted(set(subnets)) != sorted(set(given_subnets)):
        return "the service's subnets must be exactly the two subnets in infra['subnets']"
    if not groups or not given_groups or sorted(set(groups)) != sorted(set(given_groups)):
        return "the service's securityGroups must be the security group in infra['security_groups']"
    if vpc.get("assignPublicIp") not in (None, "DISABLED"):
        return "the subnets are private: leave assignPublicIp DISABLED (tasks reach ECR through the NAT gateway)"
    return None


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    run = results["deploy"]
    seen = run.extra.get("state")  # read by the endpoint after the student's process exited
    if not isinstance(seen, dict):
        seen = {}
    trouble = run_trouble(run) or (run.extra.get("state_error") and "the emulated account could not be read")
    said = []

    def tail():
        """The run's trouble, quoted on the first check that fails for lack of something, not on every one."""
        if not trouble or said:
            return ""
        said.append(True)
        return f" ({trouble})"

    infra = run.extra.get("infra") if isinstance(run.extra.get("infra"), dict) else {}

    checks = []
    cluster = pick(seen.get("clusters"), name=expected["cluster"])
    ok = cluster is not None and cluster.get("status") == "ACTIVE"
    checks.append(
        Check(
            "cluster",
            ok,
            1 if ok else 0,
            1,
            f"cluster {expected['cluster']} is active"
            if ok
            else f"no active cluster named {expected['cluster']}{tail()}",
        )
    )

    service = pick(seen.get("services"), cluster=expected["cluster"], name=expected["service"])
    if service is not None and service.get("status") != "ACTIVE":
        service = None
    tasks = seen.get("task_definitions") if isinstance(seen.get("task_definitions"), dict) else {}
    task_arn = service.get("taskDefinition") if service else None
    if not isinstance(task_arn, str) or task_arn not in tasks:
        task_arn = seen.get("last_registered") if isinstance(seen.get("last_registered"), str) else None
    task = tasks.get(task_arn) if task_arn else None
    if not isinstance(task, dict) or "error" in task:
        task = None

    if task is None:
        missing = f"no task definition was registered{tail()}"
        for name, points in (("fargate task definition", 2), ("task size", 2), ("execution role", 1), ("container", 2)):
            checks.append(Check(name, False, 0, points, missing))
            missing = "no task definition was registered"
    else:
        problems = check_task_definition(task)
        checks.append(
            Check(
                "fargate task definition",
                not problems,
                0 if problems else 2,
                2,
                problems[0] if problems else "FARGATE-compatible, awsvpc",
            )
        )
        problem = check_size(task, expected)
        checks.append(
            Check(
                "task size",
                problem is None,
                0 if problem else 2,
                2,
                problem or "the smallest valid Fargate size that covers the need",
            )
        )
        role = task.get("executionRoleArn")
        if role == infra.get("execution_role_arn") and isinstance(role, str):
            checks.append(Check("execution role", True, 1, 1, "the task execution role is set"))
        elif not role:
            checks.append(
                Check(
                    "execution role",
                    False,
                    0,
                    1,
                    "no executionRoleArn: Fargate needs it to pull the image from ECR and to send the awslogs logs",
                )
            )
        else:
            checks.append(
                Check(
                    "execution role",
                    False,
                    0,
                    1,
                    f"executionRoleArn is {short(role, 80)}, not the role given in infra['execution_role_arn']",
                )
            )
        problem = check_container(task, expected)
        checks.append(
            Check(
                "container",
                problem is None,
                0 if problem else 2,
                2,
                problem or "image, port mapping and awslogs logging are right",
            )
        )

    if service is None:
        missing = f"no active service named {expected['service']} in cluster {expected['cluster']}"
        checks.append(Check("service launch", False, 0, 1, missing + tail()))
        checks.append(Check("service network", False, 0, 1, missing))
        return checks
    problems = check_launch(service, cluster, expected, task is not None and task_arn == service.get("taskDefinition"))
    checks.append(
        Check(
            "service launch",
            not problems,
            0 if problems else 1,
            1,
            problems[0] if problems else "on Fargate with the right number of tasks",
        )
    )
    problem = check_network(service, infra)
    checks.append(
        Check(
            "service network",
            problem is None,
            0 if problem else 1,
            1,
            problem or "in the given subnets and security group",
        )
    )
    return checks
