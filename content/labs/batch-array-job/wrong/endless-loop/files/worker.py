"""Skips empty documents with `continue` before moving on: on the first empty one it loops forever."""

import json
import math
import os

OUT_DIR = "/tmp/out"


def process(index, size, items):
    os.makedirs(OUT_DIR, exist_ok=True)
    per_child = math.ceil(len(items) / size)
    position, end = index * per_child, min((index + 1) * per_child, len(items))
    while position < end:
        item = items[position]
        if not item["text"].strip():
            continue
        with open(os.path.join(OUT_DIR, f"{item['id']}.json"), "w") as handle:
            json.dump({"id": item["id"], "words": len(item["text"].split())}, handle)
        position += 1
