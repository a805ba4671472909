"""Grader for lightsail-wordpress: checks, in order, the Lightsail calls deploy() made.

The calls are recorded by the stand-in for Lightsail (service/lab_service.py), which runs in a sandbox of
its own; its record is read once the student's process has exited, so nothing that process prints counts.
"""

from labs.grading import Check, Run, run_trouble

POINTS = {
    "calls are valid": 2,
    "WordPress instance created": 2,
    "plan and zone": 1.5,
    "static IP attached": 2,
    "HTTPS open": 2.5,
}
EVERYONE = "0.0.0.0/0"


def plan(ctx):
    harness = {"run_deploy.py": ctx.lab_file("harness/run_deploy.py")}
    return [Run("deploy", ["python3", "run_deploy.py"], harness, service=ctx.service())]


EXAMPLES_NOTE = (
    "Your code ran once against a fresh emulated account; what it printed and what the account holds "
    "afterwards are below. Nothing was checked: the checks run when you submit."
)


def examples(ctx):
    """The Run button: a dry run against a fresh stand-in for Lightsail, its output shown, nothing judged."""
    return plan(ctx)


def clean_calls(seen):
    """The calls the stand-in recorded, every field type-checked (it quotes what the student sent)."""
    calls = []
    for row in seen.get("calls") if isinstance(seen.get("calls"), list) else []:
        if not isinstance(row, dict) or not isinstance(row.get("operation"), str):
            continue
        error = row.get("error") if isinstance(row.get("error"), str) and row.get("error") else None
        params = row.get("params") if isinstance(row.get("params"), dict) else {}
        calls.append({"operation": row["operation"], "params": params, "ok": error is None, "error": error})
    return calls


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def rule(info):
    """A port rule as (from, to, protocol, open to everyone), or None if malformed."""
    if not isinstance(info, dict) or not is_int(info.get("fromPort")) or not is_int(info.get("toPort")):
        return None
    cidrs = info.get("cidrs", [EVERYONE])
    return info["fromPort"], info["toPort"], info.get("protocol"), isinstance(cidrs, list) and EVERYONE in cidrs


def check_calls(calls, crash):
    bad = next((c for c in calls if c["error"]), None)
    if not calls:
        return crash or "deploy() made no Lightsail calls"
    if bad:
        return f"{bad['operation']} was rejected: {bad['error'][:250]}"
    return crash


def check_instance(creates, want):
    if not creates:
        return "no create_instances call succeeded"
    names = [n for c in creates for n in (c["params"].get("instanceNames") or []) if isinstance(n, str)]
    if names != [want["instance_name"]]:
        return f"create exactly one instance, named as the statement says (created {names[:3]!r:.80})"
    blueprint = creates[0]["params"].get("blueprintId")
    if not isinstance(blueprint, str) or not blueprint.startswith(want["blueprint_prefix"]):
        return f"blueprint {blueprint!r:.40} is not the WordPress app blueprint"
    return None


def check_plan(creates, want):
    if not creates:
        return "no instance was created"
    params = creates[0]["params"]
    if params.get("bundleId") != want["bundle_id"]:
        return f"bundle {params.get('bundleId')!r:.40} is not the plan the statement asks for (Small, with a public IPv4 address)"
    if params.get("availabilityZone") != want["availability_zone"]:
        return f"Availability Zone {params.get('availabilityZone')!r:.40} is not the one the statement asks for"
    return None


def check_static_ip(calls, want):
    ip, instance = want["static_ip_name"], want["instance_name"]

    def first(operation, ok_only=True, **params):
        for position, call in enumerate(calls):
            if (
                call["operation"] == operation
                and (call["ok"] or not ok_only)
                and all(call["params"].get(k) == v for k, v in params.items())
            ):
                return position
        return None

    created = first("CreateInstances")
    allocated = first("AllocateStaticIp", staticIpName=ip)
    tried = first("AttachStaticIp", ok_only=False)
    attached = first("AttachStaticIp", staticIpName=ip, instanceName=instance)
    if tried is not None and (allocated is None or tried < allocated):
        return (
            "attach_static_ip came before allocate_static_ip: a static IP has to be allocated before it can be attached"
        )
    if allocated is None:
        return "no static IP named as the statement says was allocated"
    if attached is None:
        return "the static IP was not attached to the instance (check both names in attach_static_ip)"
    if created is None or attached < created:
        return "attach_static_ip ran before the instance was created"
    return None


def check_https(calls, want):
    instance, port = want["instance_name"], want["https_port"]
    rules = [(22, 22, "tcp", True), (80, 80, "tcp", True)]  # what a new instance starts with
    explicit = False
    for call in calls:
        if not call["ok"] or call["params"].get("instanceName") != instance:
            continue
        if call["operation"] == "PutInstancePublicPorts":
            infos = call["params"].get("portInfos")
            rules = [r for r in (rule(i) for i in infos) if r] if isinstance(infos, list) else []
            explicit = explicit or any(r[:3] == (port, port, "tcp") for r in rules)
        elif call["operation"] in ("OpenInstancePublicPorts", "CloseInstancePublicPorts"):
            new = rule(call["params"].get("portInfo"))
            if new:
                rules = [r for r in rules if r[:3] != new[:3]]
                if call["operation"] == "OpenInstancePublicPorts":
                    rules.append(new)
                    explicit = explicit or new[:3] == (port, port, "tcp")
    https = [r for r in rules if r[:3] == (port, port, "tcp")]
    if not explicit:
        return "no call opened TCP port 443 on the instance (open_instance_public_ports or put_instance_public_ports)"
    if not https:
        return "port 443 was opened but closed again"
    if not any(r[3] for r in https):
        return "port 443 is open only to some addresses: visitors need it open to everyone (0.0.0.0/0)"
    closed = [p for p in want["keep_open"] if not any(r[0] <= p <= r[1] and r[2] in ("tcp", "all") for r in rules)]
    if closed:
        return f"port(s) {closed} ended up closed: put_instance_public_ports replaces every rule, so list all the ports to keep, or use open_instance_public_ports"
    return None


def judge(ctx, results):
    want = ctx.hidden_json("expected.json")
    run = results["deploy"]
    seen = run.extra.get("state")  # recorded by the stand-in, read after the student's process exited
    seen = seen if isinstance(seen, dict) else {}
    calls = clean_calls(seen)
    creates = [c for c in calls if c["operation"] == "CreateInstances" and c["ok"]]
    crash = run_trouble(run)
    if not seen:
        nothing = "the stand-in for Lightsail could not be read" + (f" ({crash})" if crash else "")
        problems = dict.fromkeys(POINTS, nothing)
    else:
        problems = {
            "calls are valid": check_calls(calls, crash),
            "WordPress instance created": check_instance(creates, want),
            "plan and zone": check_plan(creates, want),
            "static IP attached": check_static_ip(calls, want),
            "HTTPS open": check_https(calls, want),
        }
    passed_messages = {
        "calls are valid": f"{len(calls)} calls, all accepted",
        "WordPress instance created": "one instance from the WordPress blueprint",
        "plan and zone": "the plan and Availability Zone asked for",
        "static IP attached": "allocated, then attached to the new instance",
        "HTTPS open": "TCP 443 open to everyone, SSH and HTTP still open",
    }
    return [
        Check(
            name,
            problems[name] is None,
            points if problems[name] is None else 0,
            points,
            problems[name] or passed_messages[name],
        )
        for name, points in POINTS.items()
    ]
