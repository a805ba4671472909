"""Runs inside the sandbox: validate job-definition.json against botocore's Batch RegisterJobDefinition model."""

import json

result = {}
try:
    with open("job-definition.json") as handle:
        body = json.load(handle)
except FileNotFoundError:
    result["error"] = "job-definition.json is missing"
except ValueError as exc:
    result["error"] = f"job-definition.json is not valid JSON: {exc}"[:300]
else:
    import botocore.session
    from botocore.validate import ParamValidator

    shape = (
        botocore.session.get_session().get_service_model("batch").operation_model("RegisterJobDefinition").input_shape
    )
    if isinstance(body, dict):
        report = ParamValidator().validate(body, shape)
        result["valid"] = not report.has_errors()
        result["report"] = report.generate_report()[:1000] if report.has_errors() else ""
    else:
        result["valid"] = False
        result["report"] = "the file holds a JSON value that is not an object"
print("SPINUP-OBSERVATIONS " + json.dumps(result))
