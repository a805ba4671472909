"""S3 upload -> thumbnail: for every new image in the source bucket, write a small copy to another bucket."""

import io  # noqa: F401 (you will need these)
import os
import urllib.parse  # noqa: F401

import boto3
from PIL import Image  # noqa: F401

MAX_SIZE = (128, 128)
PREFIX = "thumbnails/"

s3 = boto3.client("s3")  # created once per execution environment, reused by warm invocations


def lambda_handler(event, context):
    target_bucket = os.environ["THUMBNAIL_BUCKET"]  # noqa: F841 (where thumbnails go)
    results = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]  # noqa: F841
        key = record["s3"]["object"]["key"]
        # TODO: decode the key, read the object, make the thumbnail and write it to the other bucket.
        results.append({"key": key, "status": "skipped"})
    return {"results": results}
