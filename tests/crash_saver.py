"""A saving process for the crash tests (tests/test_workspace_crash.py) to kill.

``python tests/crash_saver.py PROPOSALS.pickle`` imports the workspace once, loads the base
proposals the test pickled, prints ``ready`` and then reads JSON commands from stdin, one a line:

* ``{"cmd": "save", "tag": "A", "ws": PATH, "ks": [0, 1], "max": 40, "die_at": null}``: fork a
  saver that saves revisions of the base proposals ``ks`` in turn into the workspace ``PATH``
  and prints, for each save, ``A begin K REV CHECKSUM T`` before it and ``A done K REV CHECKSUM``
  when it returned (``T``: ``time.monotonic()``, comparable across processes). Revision ``REV``
  of proposal ``K`` always holds :func:`content_of` ``(base[K], K, REV)``, so every revision on
  disk can be checked whether or not its ``done`` line made it out. ``die_at`` makes the saver
  SIGKILL itself at one exact point of its first save (see :data:`DIE_POINTS`). The saver ends
  with ``A end`` after ``max`` saves.
* ``{"cmd": "read", "tag": "R", "ws": PATH, "ks": [0, 1, 2], "max": 200}``: fork a reader that
  opens the live revision of each proposal in a loop and prints ``R read K REV ok`` (or
  ``R bad K REV WHY`` when what it read is not what that revision holds).
* ``{"cmd": "reap", "pid": N}``: wait for a forked process; prints ``reaped N STATUS``.

A fork of an already-imported process starts a saver in milliseconds (a fresh interpreter
takes ~2 s to import geopandas and GDAL), so a test can kill 20+ savers in well under a
minute; the saver is still a separate process killed with SIGKILL by the test.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from collections.abc import Mapping

#: Where ``die_at`` kills the saver during its first save: after the n-th table of the new file
#: is written, before the temporary file is synced, and just before / just after it replaces
#: the workspace.
DIE_POINTS = ("write:1", "write:2", "write:3", "write:4", "fsync", "replace:before", "replace:after")


def checksum(assignment: Mapping[str, object]) -> str:
    """A short digest of an assignment (order does not matter).

    >>> checksum({"a": "Z1", "b": None}) == checksum({"b": None, "a": "Z1"})
    True
    """
    text = json.dumps(sorted((str(c), None if z is None else str(z)) for c, z in assignment.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def name_of(k: int) -> str:
    """The name of base proposal ``k``."""
    return f"方案{k}"


def content_of(base, k: int, revision: int):
    """What revision ``revision`` of base proposal ``k`` holds: the base zoning with one community
    left out (another for each revision), its own notes and edit log. Zones are the base's.

    >>> from geo.store.workspace import Proposal
    >>> p = content_of(Proposal(name="x", assignment={"a": "Z1", "b": "Z1", "c": "Z2"}), 0, 2)
    >>> p.name, sorted(p.assignment), p.notes
    ('方案0', ['a', 'b'], '方案0 第2版 (proposal 0, revision 2)')
    """
    import dataclasses

    ids = sorted(base.assignment)
    dropped = ids[revision % len(ids)]
    assignment = {c: z for c, z in base.assignment.items() if c != dropped}
    notes = f"{name_of(k)} 第{revision}版 (proposal {k}, revision {revision})"
    edit = {"op": "move", "community": dropped, "from": base.assignment[dropped], "to": None, "revision": revision}
    return dataclasses.replace(base, name=name_of(k), assignment=assignment, notes=notes, edits=[edit],
                               revision=revision - 1)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))  # one write per line: lines of two processes never mix


def _die_at(point: str) -> None:
    """Make this process SIGKILL itself at ``point`` of its next save."""
    import pyogrio

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    kind, _, count = point.partition(":")
    if kind == "write":
        real, calls = pyogrio.write_dataframe, [0]

        def write_dataframe(*args, **kwargs):
            real(*args, **kwargs)
            calls[0] += 1
            if calls[0] == int(count):
                die()

        pyogrio.write_dataframe = write_dataframe
    elif kind == "fsync":
        def fsync(fd):
            die()

        os.fsync = fsync
    elif kind == "replace":
        real_replace = os.replace

        def replace(src, dst):
            if count == "before":
                die()
            real_replace(src, dst)
            die()

        os.replace = replace
    else:
        raise SystemExit(f"unknown die_at point {point!r}")


def _saver(bases, command: dict) -> None:
    from geo.store.workspace import ProposalNotFoundError, Workspace

    tag, ks, ws = command["tag"], list(command["ks"]), Workspace(command["ws"])
    if command.get("die_at"):
        _die_at(command["die_at"])
    for step in range(int(command.get("max", 40))):
        k = ks[step % len(ks)]
        base = bases[k]
        try:
            live = int(ws.history(base.proposal_id)["revision"].max())
        except ProposalNotFoundError:
            live = 0
        proposal = content_of(base, k, live + 1)
        _say(f"{tag} begin {k} {live + 1} {checksum(proposal.assignment)} {time.monotonic():.6f}")
        saved = ws.save(proposal)
        _say(f"{tag} done {k} {saved.revision} {checksum(saved.assignment)}")
    _say(f"{tag} end")


def _reader(bases, command: dict) -> None:
    from geo.store.workspace import Workspace

    tag, ks, ws = command["tag"], list(command["ks"]), Workspace(command["ws"])
    for step in range(int(command.get("max", 200))):
        k = ks[step % len(ks)]
        try:
            p = ws.open(bases[k].proposal_id)
            expected = content_of(bases[k], k, p.revision)
            why = [w for w, bad in (("assignment", checksum(p.assignment) != checksum(expected.assignment)),
                                    ("notes", p.notes != expected.notes), ("name", p.name != expected.name),
                                    ("zones", p.zones is None or len(p.zones) != len(bases[k].zones)))
                   if bad]
            _say(f"{tag} {'bad' if why else 'read'} {k} {p.revision} {','.join(why) or 'ok'}")
        except Exception as exc:  # noqa: BLE001 - the test fails on any error a reader meets
            _say(f"{tag} bad {k} - {type(exc).__name__}:{str(exc)[:200]!r}")
    _say(f"{tag} end")


def _warm_up(base) -> None:
    """One save and open in a scratch workspace, so that each forked saver starts with GDAL's
    drivers and PROJ's database ready (as a long-running server's saves do) and every kill
    moment falls in a save as long as the next one's."""
    import shutil
    import tempfile
    from pathlib import Path

    from geo.store.workspace import Workspace

    folder = tempfile.mkdtemp(prefix="crash-saver-")
    try:
        ws = Workspace(Path(folder) / "warm.gpkg")
        ws.open(ws.save(base).proposal_id)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(pickled: str) -> None:
    import pickle

    import geo.store.workspace  # noqa: F401 - imported once, before any fork

    with open(pickled, "rb") as handle:
        bases = pickle.load(handle)
    _warm_up(bases[0])
    _say("ready")
    for line in sys.stdin:
        command = json.loads(line)
        if command["cmd"] == "reap":
            _, status = os.waitpid(int(command["pid"]), 0)
            _say(f"reaped {command['pid']} {status}")
            continue
        pid = os.fork()
        if pid == 0:  # the saver (or reader): never returns into this loop
            code = 0
            try:
                (_saver if command["cmd"] == "save" else _reader)(bases, command)
            except BaseException as exc:  # noqa: BLE001 - reported, then the process ends
                _say(f"{command['tag']} error {type(exc).__name__}:{str(exc)[:300]!r}")
                code = 1
            os._exit(code)
        _say(f"forked {command['tag']} {pid}")


if __name__ == "__main__":
    main(sys.argv[1])
