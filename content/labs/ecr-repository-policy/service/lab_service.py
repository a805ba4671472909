"""Trusted (runs in the grading's endpoint sandbox, never with student code): the emulated ECR registry.

moto emulates ECR. Nothing is prepared beforehand; collect() reads the registry back with a fresh client
after the student's process has exited: the repositories, their settings and lifecycle policies, and the
registry's scanning configuration.
"""

REGION = "us-east-1"
MAX_REPOSITORIES = 50  # names reported
MAX_DETAILED = 10  # repositories reported with their settings and policy
MAX_POLICY_CHARS = 16_000


def describe(exc):
    return f"{type(exc).__name__}: {exc}"[:500]


def client(endpoint):
    import boto3

    return boto3.client("ecr", region_name=REGION, endpoint_url=endpoint)


def setup(endpoint):
    return {"region": REGION}


def read_back(ecr):
    found = {"repository_names": [], "repositories": [], "registry_scanning": None}
    repositories = []
    for page in ecr.get_paginator("describe_repositories").paginate():
        repositories.extend(page.get("repositories", []))
    repositories.sort(key=lambda r: r.get("repositoryName", ""))
    found["repository_names"] = [r.get("repositoryName") for r in repositories[:MAX_REPOSITORIES]]
    for repo in repositories[:MAX_DETAILED]:
        name = repo.get("repositoryName")
        entry = {
            "name": name,
            "tag_mutability": repo.get("imageTagMutability"),
            "scan_on_push": (repo.get("imageScanningConfiguration") or {}).get("scanOnPush"),
            "lifecycle_policy": None,
            "policy_truncated": False,
        }
        try:
            text = ecr.get_lifecycle_policy(repositoryName=name).get("lifecyclePolicyText")
            if isinstance(text, str) and len(text) > MAX_POLICY_CHARS:
                entry["policy_truncated"] = True
                text = None
            entry["lifecycle_policy"] = text
        except ecr.exceptions.LifecyclePolicyNotFoundException:
            pass
        found["repositories"].append(entry)
    try:
        config = ecr.get_registry_scanning_configuration().get("scanningConfiguration") or {}
        found["registry_scanning"] = {"scanType": config.get("scanType"), "rules": config.get("rules") or []}
    except Exception as exc:  # an emulator gap must not hide the rest
        found["registry_scanning_error"] = describe(exc)
    return found


def collect(endpoint, infra):
    try:
        return read_back(client(endpoint))
    except Exception as exc:
        return {"read_error": describe(exc)}
