"""Drafts: the unsaved work of a planner's page, kept on the server so that a reload, a closed tab or
a restarted browser loses nothing.

A draft is one JSON document per page session, written whole into a temporary file next to it,
synced and moved into place (``os.replace``), so a crash leaves the previous draft or the new one,
never half of one. Drafts are not proposals: they are never listed in the workspace and are removed
after ``max_age_days`` without a write.

Example
-------
>>> import tempfile
>>> store = DraftStore(Path(tempfile.mkdtemp()))
>>> store.save("k3x9abcd", {"works": {"abc": {"assignment": {"C1": "Z0001"}}}})
>>> store.load("k3x9abcd")["works"]["abc"]["assignment"]
{'C1': 'Z0001'}
>>> store.load("unknown") is None
True
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

from geo.errors import GeoError

#: Draft ids are made by the page (:func:`new_draft_id`); anything else is refused (no path tricks).
_DRAFT_ID = re.compile(r"^[a-z0-9]{8,40}$")
FORMAT_VERSION = 1


class DraftError(GeoError, ValueError):
    """A draft id that is not one of ours."""

    code = "draft_id"


def new_draft_id() -> str:
    """A new random draft id (32 hex digits).

    >>> len(new_draft_id()), new_draft_id() != new_draft_id()
    (32, True)
    """
    return uuid.uuid4().hex


def valid_draft_id(draft_id: str | None) -> bool:
    """Whether ``draft_id`` has the shape of an id :func:`new_draft_id` makes.

    >>> valid_draft_id("0a1b2c3d4e5f"), valid_draft_id("../etc/passwd"), valid_draft_id(None)
    (True, False, False)
    """
    return bool(draft_id) and bool(_DRAFT_ID.match(str(draft_id)))


class DraftWriteError(GeoError, OSError):
    """A draft cannot be written (a full disk, a read-only folder); the previous one is kept."""


def _fsync_dir(folder: Path) -> None:
    """Sync ``folder`` so that a rename in it is on disk (POSIX; a no-op where it cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


class DraftStore:
    """Drafts in ``folder`` (created on the first save)."""

    def __init__(self, folder: str | os.PathLike, *, max_age_days: float = 30.0):
        self.folder = Path(folder)
        self.max_age_s = max_age_days * 86400.0

    def path(self, draft_id: str) -> Path:
        """The file of a draft (refuses ids that are not ours)."""
        if not valid_draft_id(draft_id):
            raise DraftError(f"'{draft_id}' is not a draft id")
        return self.folder / f"{draft_id}.json"

    def save(self, draft_id: str, content: dict[str, Any]) -> None:
        """Write a draft atomically (the previous one survives any crash during the write)."""
        target = self.path(draft_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"format": FORMAT_VERSION, "saved": time.time(), "content": content},
                          ensure_ascii=False, default=str).encode("utf-8")
        tmp = self.folder / f".{draft_id}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp"
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if isinstance(exc, OSError):  # a full disk, a read-only folder: the page words it
                raise DraftWriteError(f"draft {draft_id} cannot be written in {self.folder} ({exc}); "
                                      "the previous draft is kept", code="draft_write") from exc
            raise
        _fsync_dir(self.folder)  # the rename itself survives a power cut

    def load(self, draft_id: str) -> dict[str, Any] | None:
        """A draft's content, or None when there is none (or it cannot be read)."""
        if not valid_draft_id(draft_id):
            return None
        try:
            document = json.loads(self.path(draft_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
            return None
        return document.get("content")

    def purge(self) -> int:
        """Remove drafts older than ``max_age_days`` and stray temporary files; returns how many."""
        if not self.folder.is_dir():
            return 0
        now, removed = time.time(), 0
        for path in self.folder.iterdir():
            try:
                age = now - path.stat().st_mtime
            except OSError:  # gone meanwhile: another tab's save moved its temporary file into place
                continue
            stale = (path.suffix == ".tmp" and age > 3600) or (path.suffix == ".json" and age > self.max_age_s)
            if stale and path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed
