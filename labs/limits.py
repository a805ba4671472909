"""One definition of what a submission may be: its limits and its file names, for the editor and for zips.

The web request itself is capped before it is read (`config/middleware.py`, MAX_REQUEST_BYTES), with room
for the archive plus the editor's fields.
"""

from pathlib import PurePosixPath

KiB = 1024
MiB = 1024 * KiB

MAX_FILES = 50
MAX_FILE_BYTES = 256 * KiB
MAX_TOTAL_BYTES = 512 * KiB
MAX_ARCHIVE_BYTES = 2 * MiB  # compressed; what it unpacks to obeys the three limits above
MAX_NAME_BYTES = 255  # one path component, as most file systems allow
MAX_PATH_BYTES = 200
MAX_DEPTH = 8
MAX_REQUEST_BYTES = MAX_ARCHIVE_BYTES + 2 * MAX_TOTAL_BYTES  # the zip, the editor's fields and the form


class BadSubmission(ValueError):  # noqa: N818
    """A submission that is not accepted; the message is for the student."""


def check_path(name: str) -> str:
    """A plain relative file name (posix), or BadSubmission saying why not."""
    shown = repr(name[:60])
    if not isinstance(name, str) or not name:
        raise BadSubmission("a file has an empty name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise BadSubmission(f"{shown}: file names cannot contain control characters")
    if "\\" in name or name.startswith(("/", "~")):
        raise BadSubmission(f"{shown}: only plain relative file names are accepted (no absolute paths)")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BadSubmission(f"{shown}: only plain relative file names are accepted (no '.', '..' or '//')")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise BadSubmission(f"{name[:40]}...: file name too long (at most {MAX_PATH_BYTES} bytes)")
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in parts):
        raise BadSubmission(f"{shown}: a part of the name is longer than {MAX_NAME_BYTES} bytes")
    if len(parts) > MAX_DEPTH:
        raise BadSubmission(f"{shown}: folders nest deeper than {MAX_DEPTH}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise BadSubmission(f"{shown}: file names must be valid text") from None
    return PurePosixPath(name).as_posix()


def check_names(names) -> list[str]:
    """Every name checked, none twice, no file that is also a folder (`a` and `a/b`), not too many."""
    names = list(names)
    if len(names) > MAX_FILES:
        raise BadSubmission(f"at most {MAX_FILES} files")
    cleaned = [check_path(name) for name in names]
    seen = set()
    for name in cleaned:
        if name in seen:
            raise BadSubmission(f"{name}: the same file name appears twice")
        seen.add(name)
    for name in cleaned:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in seen:
                raise BadSubmission(f"{folder}: is both a file and a folder")
    return cleaned


def check_sizes(files: dict[str, bytes]) -> None:
    total = 0
    for name, content in files.items():
        if len(content) > MAX_FILE_BYTES:
            raise BadSubmission(f"{name} is larger than {MAX_FILE_BYTES // KiB} KiB")
        total += len(content)
    if total > MAX_TOTAL_BYTES:
        raise BadSubmission(f"the files are larger than {MAX_TOTAL_BYTES // KiB} KiB in all")
