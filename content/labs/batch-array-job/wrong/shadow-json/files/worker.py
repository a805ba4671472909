"""An AWS Batch array child: count the words of this child's share of the manifest."""

import json
import math
import os

OUT_DIR = "/tmp/out"


def my_slice(index, size, items):
    per_child = math.ceil(len(items) / size)
    return items[index * per_child : (index + 1) * per_child]


def process(index, size, items):
    """Write /tmp/out/<id>.json = {"id": ..., "words": ...} for this child's contiguous slice of items."""
    os.makedirs(OUT_DIR, exist_ok=True)
    for item in my_slice(index, size, items):
        target = os.path.join(OUT_DIR, f"{item['id']}.json")
        if os.path.exists(target):  # an earlier attempt finished this one
            continue
        partial = f"{target}.partial"
        with open(partial, "w") as handle:  # write in one piece, then rename into place
            json.dump({"id": item["id"], "words": len(item["text"].split())}, handle)
        os.replace(partial, target)


if __name__ == "__main__":
    with open(os.environ.get("MANIFEST", "manifest.json")) as handle:
        manifest = json.load(handle)
    process(int(os.environ["AWS_BATCH_JOB_ARRAY_INDEX"]), int(os.environ["AWS_BATCH_JOB_ARRAY_SIZE"]), manifest)
