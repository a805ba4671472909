"""Student side: build the S3 events and call the student's lambda_handler against the grading's S3.

The buckets live in another sandbox (content/labs/lambda-s3-thumbnail/service/); the grader reads them back
there once this process has exited and measures the thumbnails itself, so nothing printed or faked here
counts. What each invocation returned is left in the invocations bucket: it is only what the handler says.
"""

import json
import os
import sys
import time
import uuid

sys.path.append(os.getcwd())  # after the standard library (-P): a student file cannot shadow json or boto3
import spinup_aws

spinup_aws.start()
INFRA = spinup_aws.infra()
os.environ["THUMBNAIL_BUCKET"] = INFRA["thumbnail_bucket"]
S3 = spinup_aws.client("s3")


class FakeContext:
    function_name = "make-thumbnail"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:make-thumbnail"
    log_group_name = "/aws/lambda/make-thumbnail"
    log_stream_name = "2026/11/20/[$LATEST]0123456789abcdef"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self):
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def s3_event(bucket, objects):
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-20T09:15:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {
                    "x-amz-request-id": "C3D13FE58DE4C810",
                    "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "make-thumbnails",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": item["key"],
                        "size": item["size"],
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0A1B2C3D4E5F678901",
                    },
                },
            }
            for item in objects
        ]
    }


def record(number, row):
    try:
        text = json.dumps(row, default=str)
    except (ValueError, TypeError, RecursionError):  # circular or odd objects
        text = json.dumps({"returned": {"unreadable": "return value is not JSON data"}})
    if len(text) > 8000:
        text = json.dumps({"returned": {"unreadable": "return value too large"}})
    S3.put_object(Bucket=INFRA["invocations_bucket"], Key=f"invocations/{number}.json", Body=text.encode())


from handler import lambda_handler  # noqa: E402 - the endpoint and THUMBNAIL_BUCKET must be set first

for number, objects in enumerate(INFRA["events"]):
    try:
        row = {"returned": lambda_handler(s3_event(INFRA["source_bucket"], objects), FakeContext())}
    except BaseException as exc:  # SystemExit too: the next event still runs, as the next invocation would
        row = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    record(number, row)
