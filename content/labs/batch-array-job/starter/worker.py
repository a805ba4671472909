"""An AWS Batch array child: count the words of this child's share of the manifest."""

import json
import math  # noqa: F401 (you will want ceil)
import os

OUT_DIR = "/tmp/out"


def process(index, size, items):
    """Write /tmp/out/<id>.json = {"id": ..., "words": ...} for this child's contiguous slice of items."""
    os.makedirs(OUT_DIR, exist_ok=True)
    # TODO: work out this child's slice (see the statement), count the words, write one file per item.


if __name__ == "__main__":
    # In the real container: Batch sets the index and size; the manifest comes from your own storage.
    with open(os.environ.get("MANIFEST", "manifest.json")) as handle:
        manifest = json.load(handle)
    process(int(os.environ["AWS_BATCH_JOB_ARRAY_INDEX"]), int(os.environ["AWS_BATCH_JOB_ARRAY_SIZE"]), manifest)
