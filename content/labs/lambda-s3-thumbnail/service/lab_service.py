"""Trusted (runs in the grading's endpoint sandbox, never with student code): the emulated S3 account.

setup() creates the source, thumbnail and invocation buckets and uploads the test files: the held-back
set from objects.json (fixed shapes, colours drawn fresh) plus images drawn fresh for this submission
(random sizes, formats and colours from os.urandom), so no table of earlier outputs can stand in for the
handler. Only the buckets and each event's encoded keys go to the student's run; what each thumbnail must
measure (Pillow's own thumbnail of the original) stays here until collect(), which reads the buckets back
with a fresh client after the student's process has exited and measures every thumbnail with Pillow.
"""

import io
import json
import random
import urllib.parse

REGION = "us-east-1"
MAX_SIZE = (128, 128)
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
MAX_RECORD_BYTES = 16 * 1024
MAX_KEYS = 200
FORMATS = {"JPEG": ("jpg", "RGB"), "PNG": ("png", "RGBA"), "GIF": ("gif", "P")}
WORDS = ("beach", "trip", "cat", "garden", "city", "night", "team", "snow", "river", "party")
SECRET = {}  # what the judge needs and the student's run must not see: kept here until collect()


def s3_client(endpoint):
    import boto3

    return boto3.client("s3", region_name=REGION, endpoint_url=endpoint)


def colour(rng, alpha):
    return tuple(rng.randrange(256) for _ in range(3)) + ((rng.randrange(128, 256),) if alpha else ())


def draw(rng, spec):
    """An image of the spec's size and format, with colours and shapes drawn at random."""
    from PIL import Image, ImageDraw

    width, height = spec["size"]
    mode = spec["mode"]
    base = "RGBA" if mode == "RGBA" else "RGB"
    image = Image.new(base, (width, height), colour(rng, base == "RGBA"))
    pen = ImageDraw.Draw(image)
    for _ in range(rng.randrange(2, 6)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = rng.randrange(x0, width), rng.randrange(y0, height)
        pen.rectangle([x0, y0, x1, y1], fill=colour(rng, base == "RGBA"))
    pen.line([0, 0, width - 1, height - 1], fill=colour(rng, base == "RGBA"), width=3)
    if mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    out = io.BytesIO()
    image.save(out, format=spec["format"])
    return out.getvalue()


def fresh_specs(rng):
    """Images nobody has seen before: two to shrink (one event), one that already fits, one key with a space."""
    specs = []

    def spec(role, label, folder, name, size):
        image_format = rng.choice(sorted(FORMATS))
        extension, mode = FORMATS[image_format]
        return {
            "id": f"fresh-{len(specs)}",
            "role": role,
            "label": label,
            "key": f"{folder}/{name}.{extension}",
            "format": image_format,
            "mode": mode,
            "size": size,
        }

    def tag():
        return f"{rng.choice(WORDS)}-{rng.randrange(16**6):06x}"

    for _ in range(2):
        long_side, short_side = rng.randrange(140, 900), rng.randrange(20, 900)
        size = [long_side, short_side] if rng.random() < 0.5 else [short_side, long_side]
        specs.append(spec("resize", "an image drawn for this grading", f"uploads/{tag()}", tag(), size))
    specs.append(
        spec("small", "a small image drawn for this grading", "icons", tag(), [rng.randrange(8, 129) for _ in "wh"])
    )
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randrange(1000)}"
    encoded = spec("encoded", "a key with spaces drawn for this grading", "photos", name, [rng.randrange(200, 700)] * 2)
    encoded["size"][rng.randrange(2)] = rng.randrange(129, 400)
    encoded["event_key"] = urllib.parse.quote(encoded["key"], safe="/")
    if rng.random() < 0.5:
        encoded["event_key"] = urllib.parse.quote_plus(encoded["key"], safe="/")
    specs.append(encoded)
    return specs, [[specs[0]["id"], specs[1]["id"]], [specs[2]["id"]], [specs[3]["id"]]]


def thumbnail_size(body):
    """What Pillow's own thumbnail((128, 128)) makes of the original: the size a correct handler writes."""
    from PIL import Image

    with Image.open(io.BytesIO(body)) as image:
        image.thumbnail(MAX_SIZE)
        return list(image.size)


def setup(endpoint):
    rng = random.SystemRandom()  # os.urandom: nothing to replay
    with open("objects.json") as handle:
        held_back = json.load(handle)
    fresh, fresh_events = fresh_specs(rng)
    specs = {spec["id"]: spec for spec in held_back["objects"] + fresh}
    events = held_back["events"] + fresh_events
    rng.shuffle(events)  # the fresh events are not always the last ones
    names = {role: f"spinup-{role}-{rng.randrange(16**8):08x}" for role in ("uploads", "thumbnails", "invocations")}
    s3 = s3_client(endpoint)
    for bucket in names.values():
        s3.create_bucket(Bucket=bucket)
    sizes, objects = {}, []
    for spec in specs.values():
        if "text" in spec:
            body, content_type = spec["text"].encode(), spec["content_type"]
        else:
            body, content_type = draw(rng, spec), "image/" + spec["format"].lower()
        s3.put_object(Bucket=names["uploads"], Key=spec["key"], Body=body, ContentType=content_type)
        sizes[spec["id"]] = len(body)
        objects.append(
            {
                "id": spec["id"],
                "role": spec["role"],
                "label": spec["label"],
                "key": spec["key"],
                "format": spec.get("format"),
                "original": spec.get("size"),
                "want": thumbnail_size(body) if "text" not in spec else None,
            }
        )
    SECRET.update(
        objects=objects,
        events=events,
        originals={item["Key"]: item["ETag"] for item in s3.list_objects_v2(Bucket=names["uploads"])["Contents"]},
    )
    return {
        "source_bucket": names["uploads"],
        "thumbnail_bucket": names["thumbnails"],
        "invocations_bucket": names["invocations"],
        "events": [
            [
                {
                    "key": specs[i].get("event_key") or urllib.parse.quote_plus(specs[i]["key"], safe="/"),
                    "size": sizes[i],
                }
                for i in ids
            ]
            for ids in events
        ],
    }


def short_error(exc):
    return f"{type(exc).__name__}: {exc}"[:300]


def describe_thumbnail(s3, bucket, key):
    """Whether a thumbnail is there, and its size and format as Pillow reads them (header only)."""
    from PIL import Image

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_THUMBNAIL_BYTES + 1)
    except Exception:
        return {"exists": False}
    if len(body) > MAX_THUMBNAIL_BYTES:
        return {"exists": True, "error": "the thumbnail is larger than 2 MiB"}
    try:
        with Image.open(io.BytesIO(body)) as image:
            return {"exists": True, "size": list(image.size), "format": image.format}
    except Exception as exc:
        return {"exists": True, "error": "not an image Pillow can open: " + short_error(exc)}


def refuse_constant(name):
    raise ValueError(f"{name} is not a number")


def read_record(s3, bucket, key):
    """One invocation's record as the student's run left it (untrusted data: capped, plain JSON or None)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_RECORD_BYTES + 1)
    except Exception:
        return None
    if len(body) > MAX_RECORD_BYTES:
        return {"unreadable": "the record is too large"}
    try:
        return json.loads(body, parse_constant=refuse_constant)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return {"unreadable": "the record is not JSON"}


def collect(endpoint, infra):
    s3 = s3_client(endpoint)
    source, target, records = infra["source_bucket"], infra["thumbnail_bucket"], infra["invocations_bucket"]
    objects = [
        {**item, "thumbnail": describe_thumbnail(s3, target, "thumbnails/" + item["key"])} for item in SECRET["objects"]
    ]
    try:
        listing = s3.list_objects_v2(Bucket=source, MaxKeys=MAX_KEYS).get("Contents", [])
        now = {item["Key"]: item["ETag"] for item in listing}
        originals = SECRET["originals"]
        source_state = {
            "extra": sorted(key[:300] for key in now if key not in originals),
            "rewritten": sorted(key[:300] for key, tag in now.items() if key in originals and tag != originals[key]),
            "missing": sorted(key[:300] for key in originals if key not in now),
        }
    except Exception as exc:
        source_state = {"error": short_error(exc)}
    return {
        "objects": objects,
        "events": SECRET["events"],
        "invocations": [read_record(s3, records, f"invocations/{n}.json") for n in range(len(SECRET["events"]))],
        "source": source_state,
    }
