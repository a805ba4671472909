"""Trusted (runs in the grading's endpoint sandbox, never with student code): the emulated Batch account.

The grader hands over the submitted job-definition.json as data (never imported, never run). setup()
validates it with botocore's own model for RegisterJobDefinition, here where no student code runs;
collect() reports that validation and reads back, with a fresh client, the job definitions the student's
run registered in moto's Batch.
"""

import json

REGION = "us-east-1"
SUBMITTED = "job-definition.json"
MAX_DEFINITIONS = 20
SECRET = {}


def refuse_constant(name):
    raise ValueError(f"{name} is not a number")


def validate(text):
    """botocore's parameter validation of the submitted body: {"valid": bool, "report": str}."""
    import botocore.session
    from botocore.validate import ParamValidator

    try:
        body = json.loads(text, parse_constant=refuse_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        return {"valid": False, "report": f"not valid JSON: {exc}"[:300]}
    if not isinstance(body, dict):
        return {"valid": False, "report": "the file holds a JSON value that is not an object"}
    shape = (
        botocore.session.get_session().get_service_model("batch").operation_model("RegisterJobDefinition").input_shape
    )
    try:
        report = ParamValidator().validate(body, shape)
    except Exception as exc:  # odd values the validator did not foresee: not valid, with the reason
        return {"valid": False, "report": f"{type(exc).__name__}: {exc}"[:300]}
    return {"valid": not report.has_errors(), "report": report.generate_report()[:1000] if report.has_errors() else ""}


def setup(endpoint):
    try:
        with open(SUBMITTED, "rb") as handle:
            SECRET["validation"] = validate(handle.read())
    except FileNotFoundError:
        SECRET["validation"] = {"valid": False, "report": "job-definition.json is missing"}
    return {"region": REGION}


def collect(endpoint, infra):
    import boto3

    batch = boto3.client("batch", region_name=REGION, endpoint_url=endpoint)
    try:
        found = batch.describe_job_definitions().get("jobDefinitions", [])[:MAX_DEFINITIONS]
        registered = [
            {"name": str(d.get("jobDefinitionName"))[:100], "revision": d.get("revision"), "status": d.get("status")}
            for d in found
        ]
    except Exception as exc:
        registered = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"validation": SECRET.get("validation"), "registered": registered}
