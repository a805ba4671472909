"""Runs inside the sandbox: call the student's setup(ecr) against an emulated AWS account, then report.

moto emulates ECR in this process. After setup() returns (or fails), the emulated account is read back
with a fresh client and one line `SPINUP-OBSERVATIONS <json>` is written straight to file descriptor 1.
"""

import contextlib
import json
import os
import sys

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
)

MAX_REPOSITORIES = 50  # names reported
MAX_DETAILED = 10  # repositories reported with their settings and policy
MAX_POLICY_CHARS = 16_000
REGION = "us-east-1"


def emit(data):
    """Write the observations line to fd 1 (not through sys.stdout, which student code could replace), then stop."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    line = ("\nSPINUP-OBSERVATIONS " + json.dumps(data) + "\n").encode()
    while line:
        written = os.write(1, line)
        line = line[written:]
    os._exit(0)  # no atexit handlers or threads of the student's get to print after us


def describe(exc):
    return f"{type(exc).__name__}: {exc}"[:500]


def read_back(ecr):
    found = {"repository_names": [], "repositories": [], "registry_scanning": None}
    names = []
    for page in ecr.get_paginator("describe_repositories").paginate():
        for repo in page.get("repositories", []):
            names.append(repo)
    names.sort(key=lambda r: r.get("repositoryName", ""))
    found["repository_names"] = [r.get("repositoryName") for r in names[:MAX_REPOSITORIES]]
    for repo in names[:MAX_DETAILED]:
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


def main():
    import boto3
    from moto import mock_aws

    observations = {"import_error": None, "error": None}
    with mock_aws():
        try:
            from setup_repo import setup
        except BaseException as exc:  # the student's file did not import: report it as data
            observations["import_error"] = describe(exc)
            setup = None
        if setup is not None:
            try:
                setup(boto3.client("ecr", region_name=REGION))
            except BaseException as exc:  # includes SystemExit from a stray exit()
                observations["error"] = describe(exc)
        try:
            observations.update(read_back(boto3.client("ecr", region_name=REGION)))
        except Exception as exc:
            observations["read_error"] = describe(exc)
    emit(observations)


main()
