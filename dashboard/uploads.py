"""Uploaded ledgers on disk: written privately for the import, never kept after it.

An upload holds residents' names and numbers as the office typed them, unmasked. The
ETL needs a file to read, so each upload is written to its own folder under
`uploads/` next to the database: the folder 0700, the file 0600 (only the server's
user can read them), the folder named by the time and the first 12 hex digits of the
file's sha256 so that two uploads never share a path, even with the same name. The
import masks what it stores; the file is deleted as soon as its import ends, failed or
not. Anything left in `uploads/` (a server killed mid-import, or the originals an
earlier version kept) is removed when the server starts and before the next upload.
The office keeps its own originals; the database keeps the file's name and hash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from datetime import datetime
from pathlib import Path

FOLDER = "uploads"
# A folder left by an import still running in another session is younger than this;
# anything older is a leftover (imports of the largest ledgers take minutes).
LEFTOVER_SECONDS = 6 * 3600


def sha256(data: bytes) -> str:
    """The hex sha256 of an upload's bytes (what `imports.sha256` records)."""
    return hashlib.sha256(data).hexdigest()


def uploads_root(db_file: Path) -> Path:
    """uploads/ next to the database, created 0700 (and made 0700 if it was not)."""
    root = db_file.parent / FOLDER
    root.mkdir(mode=0o700, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def write_private(db_file: Path, name: str, data: bytes) -> Path:
    """Write an upload to uploads/<time>-<sha256[:12]>/<name> (folder 0700, file 0600)."""
    digest = sha256(data)[:12]
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = uploads_root(db_file) / f"{stamp}-{digest}"
    folder.mkdir(mode=0o700)
    path = folder / (Path(name).name or "upload")
    # Created 0600 from the start (O_EXCL: never an existing file), not chmod-ed after.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    return path


def discard(path: Path) -> None:
    """Delete an upload written by write_private, with its folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


def purge(db_file: Path, older_than: float = LEFTOVER_SECONDS) -> int:
    """Remove what uploads/ holds that is older than `older_than` seconds; → entries removed.

    0 removes everything (at server start no import of this server is running).
    """
    root = db_file.parent / FOLDER
    if not root.is_dir():
        return 0
    removed = 0
    now = time.time()
    for entry in root.iterdir():
        try:
            info = entry.lstat()
        except FileNotFoundError:
            continue
        if now - info.st_mtime < older_than:
            continue
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed
