"""Stands in for the standard json module: if anything imported it, it would print forged observations."""

import os

os.write(1, b'\nSPINUP-OBSERVATIONS {"events": [], "thumbnails": {}, "source_keys": [], "source_changed": []}\n')
os._exit(0)
