"""Runs inside the sandbox: fake S3 with moto, upload generated images, call the student's handler, report.

Trusted, but everything it prints is judged as untrusted data outside the sandbox.
"""

import io
import json
import os
import sys
import time
import traceback
import urllib.parse
import uuid

MARKER = "SPINUP-OBSERVATIONS "
_write, _exit, _dumps = os.write, os._exit, json.dumps  # held before any student code runs


def report(data):
    """Print the one observations line and leave at once (no atexit hook can print after it)."""
    sys.stdout.flush()
    line = (MARKER + _dumps(data) + "\n").encode()
    while line:
        line = line[_write(1, line) :]
    _exit(0)


def short_error(exc):
    return f"{type(exc).__name__}: {exc}"[:300]


def jsonable(value, limit=4000):
    """The handler's return value as plain JSON data (capped), whatever it is."""
    try:
        text = json.dumps(value, default=str)
    except Exception:  # circular or odd objects
        text = json.dumps(repr(value))
    if len(text) > limit:
        return {"unreadable": "return value too large"}
    return json.loads(text)


def make_image(spec):
    from PIL import Image, ImageDraw

    width, height = spec["size"]
    mode = spec["mode"]
    if mode == "P":
        image = Image.new("RGB", (width, height), (30, 90, 160))
    else:
        image = Image.new(mode, (width, height), (30, 90, 160) + ((200,) if mode == "RGBA" else ()))
    draw = ImageDraw.Draw(image)
    draw.rectangle(
        [width // 4, height // 4, 3 * width // 4, 3 * height // 4],
        fill=(240, 200, 40) + ((255,) if mode == "RGBA" else ()),
    )
    draw.line([0, 0, width - 1, height - 1], fill=(255, 255, 255) + ((255,) if mode == "RGBA" else ()), width=3)
    if mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    out = io.BytesIO()
    image.save(out, format=spec["format"])
    return out.getvalue()


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
    records = []
    for spec, size in objects:
        event_key = spec.get("event_key") or urllib.parse.quote_plus(spec["key"], safe="/")
        records.append(
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
                        "key": event_key,
                        "size": size,
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0A1B2C3D4E5F678901",
                    },
                },
            }
        )
    return {"Records": records}


def describe_thumbnail(s3, bucket, key):
    from PIL import Image

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception:
        return {"exists": False}
    try:
        with Image.open(io.BytesIO(body)) as image:
            return {"exists": True, "size": list(image.size), "format": image.format}
    except Exception as exc:
        return {"exists": True, "error": "not an image Pillow can open: " + short_error(exc)}


def list_keys(s3, bucket):
    try:
        listing = s3.list_objects_v2(Bucket=bucket, MaxKeys=100)
    except Exception as exc:
        return {"error": short_error(exc)}
    return [item["Key"][:300] for item in listing.get("Contents", [])]


def etags(s3, bucket):
    """Key -> ETag of every object in a bucket (an overwritten object gets a new ETag)."""
    try:
        listing = s3.list_objects_v2(Bucket=bucket, MaxKeys=100)
    except Exception:
        return {}
    return {item["Key"]: item["ETag"] for item in listing.get("Contents", [])}


def main():
    with open("inputs.json") as handle:
        inputs = json.load(handle)
    source, target = inputs["source_bucket"], inputs["thumbnail_bucket"]
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "THUMBNAIL_BUCKET": target,
        }
    )
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=source)
        s3.create_bucket(Bucket=target)
        specs, sizes = {}, {}
        for spec in inputs["objects"]:
            if "text" in spec:
                body, content_type = spec["text"].encode(), spec["content_type"]
            else:
                body, content_type = make_image(spec), "image/" + spec["format"].lower()
            s3.put_object(Bucket=source, Key=spec["key"], Body=body, ContentType=content_type)
            specs[spec["id"]], sizes[spec["id"]] = spec, len(body)
        originals = etags(s3, source)

        sys.path.append(os.getcwd())  # after the standard library: a student file cannot shadow json or boto3
        try:
            import handler as student
        except BaseException as exc:  # (a failed import is the student's result, reported as data)
            report({"import_error": short_error(exc)})
            return
        function = getattr(student, "lambda_handler", None)
        if not callable(function):
            report({"import_error": "handler.py has no function lambda_handler(event, context)"})
            return

        events = []
        for ids in inputs["events"]:
            event = s3_event(source, [(specs[i], sizes[i]) for i in ids])
            row = {"ids": ids}
            started = time.perf_counter()
            try:
                row["returned"] = jsonable(function(event, FakeContext()))
            except BaseException as exc:  # (SystemExit too: report it, carry on)
                row["error"] = short_error(exc)
                row["trace"] = traceback.format_exc(limit=3)[-600:]
            row["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
            events.append(row)

        thumbnails = {
            spec["id"]: describe_thumbnail(s3, target, "thumbnails/" + spec["key"]) for spec in inputs["objects"]
        }
        report(
            {
                "events": events,
                "thumbnails": thumbnails,
                "source_keys": list_keys(s3, source),
                "source_changed": sorted(
                    k[:300] for k, tag in etags(s3, source).items() if k in originals and tag != originals[k]
                ),
                "thumbnail_keys": list_keys(s3, target),
            }
        )


if __name__ == "__main__":
    main()
