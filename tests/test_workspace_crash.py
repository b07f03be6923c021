"""A crash, a kill or a full disk leaves the last saved state whole.

* kill -9: a saving process (tests/crash_saver.py) saves revisions of three demo proposals with
  their zone outlines (a workspace of about a megabyte) and is SIGKILLed at 24 seeded random
  moments spread over a whole save (the read, the write of the new file, its sync, the replace),
  and at each exact step of one save; after every kill the workspace opens, every revision the
  saver reported opens with exactly what it saved, no history has a gap, and the next save works;
* a full disk (a tmpfs and a loop-mounted ext4 made by the test; skipped unless root): the
  failing save leaves every earlier revision intact and no temporary file, the workspace works
  again once space is freed, and the failure is a coded error the page words in the planner's
  language; the same for the drafts store;
* a kill while another process holds the shared read lock, and a saver killed while another
  saves and a reader reads: nothing saved is lost, and no reader sees a half-saved file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyogrio
import pytest

from geo.errors import GeoError
from geo.store.drafts import DraftStore
from geo.store.workspace import Proposal, ProposalNotFoundError, Workspace
from geo.zoning.zones import ZoneRules, propose_zones
from tests.crash_saver import DIE_POINTS, checksum, content_of, name_of

ROOT = Path(__file__).resolve().parents[1]
HELPER = ROOT / "tests" / "crash_saver.py"
PYTHON = ROOT / ".venv" / "bin" / "python"
SEED = 20240611
KILLS = 24


# --- the saving process ----------------------------------------------------------------------


class Saver:
    """tests/crash_saver.py: forks savers and readers on command; its output, line by line, timed."""

    def __init__(self, pickled: Path, log: Path):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        self.log = log
        self._stderr = open(log, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen([str(PYTHON if PYTHON.exists() else sys.executable), str(HELPER), str(pickled)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, cwd=ROOT,
                                     env=env)
        self.lines: list[tuple[float, str]] = []
        self.mark = 0  # lines before it are earlier tests' (tags are unique within a test)
        self.cond = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()
        self.wait(lambda line: line == "ready", 120)

    def _pump(self) -> None:
        for raw in self.proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), raw.decode("utf-8").rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.lines.append((time.monotonic(), "<eof>"))
            self.cond.notify_all()

    def wait(self, match, timeout: float, start: int = 0) -> tuple[float, str]:
        """The first line from index ``start`` on that ``match``es (fails after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines[max(start, self.mark):]:
                    if match(line):
                        return t, line
                    if line == "<eof>":
                        pytest.fail(f"the saving process ended; its log:\n{self.log.read_text()[-3000:]}")
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no line for {match} in {timeout} s; last lines: {self.lines[-10:]}")
                self.cond.wait(left)

    def nth(self, prefix: str, n: int, timeout: float) -> tuple[float, str]:
        """The ``n``-th line (from 1) that starts with ``prefix``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [(t, line) for t, line in self.lines[self.mark:] if line.startswith(prefix)]
                if len(found) >= n:
                    return found[n - 1]
                if self.lines and self.lines[-1][1] == "<eof>":
                    pytest.fail(f"the saving process ended; its log:\n{self.log.read_text()[-3000:]}")
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"no {n}th line {prefix!r} in {timeout} s; last lines: {self.lines[-10:]}")
                self.cond.wait(left)

    def send(self, **command) -> None:
        self.proc.stdin.write((json.dumps(command) + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def start(self, cmd: str, tag: str, ws: Workspace, ks, **options) -> int:
        """Fork a saver (``cmd="save"``) or reader (``"read"``) tagged ``tag``; its pid."""
        mark = len(self.lines)
        self.send(cmd=cmd, tag=tag, ws=str(ws.path), ks=list(ks), **options)
        _, line = self.wait(lambda s: s.startswith(f"forked {tag} "), 30, mark)
        return int(line.split()[2])

    def reap(self, pid: int) -> int:
        """Wait for a forked process to end; its wait status."""
        mark = len(self.lines)
        self.send(cmd="reap", pid=pid)
        _, line = self.wait(lambda s: s.startswith(f"reaped {pid} "), 60, mark)
        return int(line.split()[2])

    def kill(self, pid: int) -> float:
        """SIGKILL ``pid`` and reap it; when it was killed (``time.monotonic()``)."""
        os.kill(pid, signal.SIGKILL)
        at = time.monotonic()
        status = self.reap(pid)
        assert os.WIFSIGNALED(status) or os.WIFEXITED(status), status
        return at

    def events(self, tag: str) -> list[tuple[float, list[str]]]:
        """(received, fields after the tag) of each line of ``tag``."""
        with self.cond:
            return [(t, line.split()[1:]) for t, line in self.lines[self.mark:] if line.startswith(f"{tag} ")]

    def run(self, tag: str, ws: Workspace, ks, saves: int, ledger: Ledger) -> None:
        """A saver that is not killed: ``saves`` saves, all of them reported done."""
        pid = self.start("save", tag, ws, ks, max=saves)
        self.wait(lambda s: s in (f"{tag} end",) or s.startswith(f"{tag} error"), 120)
        assert os.WIFEXITED(self.reap(pid))
        ledger.take(self, tag)
        assert not ledger.errors, ledger.errors
        assert sum(1 for _, f in self.events(tag) if f[0] == "done") == saves

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        self._stderr.close()


class Ledger:
    """What the savers said: revisions begun and done, per base proposal."""

    def __init__(self):
        self.begun: dict[int, set[int]] = defaultdict(set)
        self.done: dict[int, set[int]] = defaultdict(set)
        self.errors: list[str] = []
        self.opened: set[tuple[int, int]] = set()

    def take(self, saver: Saver, tag: str) -> list[tuple[float, list[str]]]:
        events = saver.events(tag)
        for _, fields in events:
            if fields[0] == "begin":
                self.begun[int(fields[1])].add(int(fields[2]))
            elif fields[0] == "done":
                self.done[int(fields[1])].add(int(fields[2]))
            elif fields[0] == "error":
                self.errors.append(" ".join(fields))
        return events


@pytest.fixture(scope="module")
def bases(demo):
    """Three demo proposals, each with its zone outlines (about 270 kB of workspace each)."""
    layers = demo.layers
    out = []
    for k, rules in enumerate((None, ZoneRules(max_members=4), ZoneRules(max_members=6))):
        result = propose_zones(layers["communities"], barriers=layers["barriers"], rules=rules)
        out.append(Proposal.from_zoning(name_of(k), result.assignment(), zones=result.zones, rules=result.rules,
                                        author="李工", dataset={"fingerprint": "demo-fp", "name": "demo"}))
    return out


@pytest.fixture(scope="module")
def saver_process(bases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saver")
    pickled = folder / "bases.pickle"
    pickled.write_bytes(pickle.dumps(bases))
    process = Saver(pickled, folder / "saver.log")
    yield process
    process.close()


@pytest.fixture
def saver(saver_process):
    """The saving process, its earlier tests' lines out of sight."""
    with saver_process.cond:
        saver_process.mark = len(saver_process.lines)
    return saver_process


# --- checking a workspace ----------------------------------------------------------------------


#: A save's temporary file, and SQLite's rollback journal of it (left when the save is killed mid-write).
TEMP = r"\.{name}\.\d+\.[0-9a-f]{{8}}\.tmp\.gpkg(-journal|-wal|-shm)?"


def strays(ws: Workspace) -> list[str]:
    """The files next to the workspace other than it and its lock; each must be a
    temporary file a killed save left, or its journal (anything else fails here)."""
    pattern = re.compile(TEMP.format(name=re.escape(ws.path.name)))
    others = sorted(p.name for p in ws.path.parent.iterdir()
                    if p.name not in {ws.path.name, ws.lock_path.name})
    unknown = [n for n in others if not pattern.fullmatch(n)]
    assert unknown == [], f"files left next to the workspace that no save cleans up: {unknown}"
    return others


def temps(ws: Workspace) -> list[str]:
    """The temporary files (not their journals) killed saves left."""
    return [n for n in strays(ws) if n.endswith(".tmp.gpkg")]


def check(ws: Workspace, bases, ledger: Ledger, *, every: bool = False) -> dict:
    """The workspace opens and holds every revision it was told of, whole; k -> revisions on disk.

    Every revision a saver reported done is there; none is missing below the latest (no gap);
    nothing is there that no saver began; the live revision opens with its zones; every revision
    row holds exactly what its saver saved, and the revisions not opened yet (all with
    ``every``) open through :meth:`Workspace.open` with exactly their name, notes, assignment
    and edit log.
    """
    strays(ws)
    con = sqlite3.connect(f"file:{ws.path}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    listed = ws.list()
    ks = sorted(k for k in ledger.begun if ledger.begun[k])
    on_disk = {}
    for k in ks:
        base = bases[k]
        try:
            history = ws.history(base.proposal_id)
        except ProposalNotFoundError:  # its first save never landed
            assert not ledger.done[k]
            continue
        revisions = sorted(int(r) for r in history["revision"])
        assert revisions == list(range(1, len(revisions) + 1)), f"{name_of(k)}: a gap in {revisions}"
        assert ledger.done[k] <= set(revisions), f"{name_of(k)}: lost {sorted(ledger.done[k] - set(revisions))}"
        assert max(revisions) <= max(ledger.begun[k]), f"{name_of(k)}: revisions no saver began"
        assert set(history["action"]) == {"save"} and not history["deleted"].any()
        on_disk[k] = revisions
        row = listed[listed["proposal_id"] == base.proposal_id]
        assert len(row) == 1 and int(row["revision"].iloc[0]) == max(revisions)
        live = ws.open(base.proposal_id)
        same(live, content_of(base, k, max(revisions)))
        assert live.zones is not None and list(live.zones["zone_id"]) == list(base.zones["zone_id"])
        assert np.allclose(live.zones.area.to_numpy(), base.zones.area.to_numpy())
    table = pyogrio.read_dataframe(ws.path, layer="proposal_revisions", read_geometry=False,
                                   columns=["proposal_id", "revision", "name", "notes", "assignment"])
    by_id = {b.proposal_id: k for k, b in enumerate(bases)}
    assert len(table) == sum(len(r) for r in on_disk.values())
    for pid, number, name, notes, assignment in table[["proposal_id", "revision", "name", "notes",
                                                        "assignment"]].itertuples(index=False):
        expected = content_of(bases[by_id[pid]], by_id[pid], int(number))
        assert (name, notes) == (expected.name, expected.notes)
        assert checksum(json.loads(assignment)) == checksum(expected.assignment), (name, number)
    for k, revisions in on_disk.items():
        for number in revisions:
            if every or (k, number) not in ledger.opened:
                same(ws.open(bases[k].proposal_id, revision=number), content_of(bases[k], k, number))
                ledger.opened.add((k, number))
    return on_disk


def same(got: Proposal, expected: Proposal) -> None:
    assert got.revision == expected.revision + 1
    assert (got.name, got.notes, got.author) == (expected.name, expected.notes, expected.author)
    assert dict(got.assignment) == dict(expected.assignment)
    assert [dict(e) for e in got.edits] == [dict(e) for e in expected.edits]


def digest(path: Path) -> bytes:
    import hashlib

    return hashlib.sha256(path.read_bytes()).digest()


# --- 1. kill -9 at random moments --------------------------------------------------------------


def test_a_saver_killed_at_24_random_moments_loses_nothing(saver, bases, tmp_path):
    ws = Workspace(tmp_path / "方案库.gpkg")
    ledger = Ledger()
    saver.run("warm", ws, [0, 1, 2], 3, ledger)  # three proposals with zones, and how long a save takes
    check(ws, bases, ledger)
    assert ws.path.stat().st_size > 600_000  # a realistic file: three zonings with their outlines
    durations = []

    def measure(tag: str) -> None:
        begun = {}
        for received, fields in saver.events(tag):
            if fields[0] == "begin":
                begun[(fields[1], fields[2])] = float(fields[4])
            elif fields[0] == "done":
                durations.append(received - begun[(fields[1], fields[2])])

    measure("warm")
    rng = random.Random(SEED)
    # stratified over 0 .. 1.25 saves, so the kills cover the whole save evenly; the first is right
    # at the start of the save, the second a millisecond or so in
    fractions = [(i + rng.random()) / KILLS * 1.25 for i in range(KILLS)]
    fractions[0], fractions[1] = 0.0, 0.004
    rng.shuffle(fractions)
    kills, journals_before = [], set()
    for i, fraction in enumerate(fractions):
        tag = f"kill{i}"
        nth = rng.choice([1, 1, 2])  # kill during the fresh saver's first or second save
        typical = float(np.median(durations[-6:]))
        pid = saver.start("save", tag, ws, [(i + j) % 3 for j in range(3)], max=5)
        _, line = saver.nth(f"{tag} begin ", nth, 60)
        begin = float(line.split()[5])
        time.sleep(max(0.0, begin + fraction * typical - time.monotonic()))
        at = saver.kill(pid)
        events = ledger.take(saver, tag)
        measure(tag)
        assert not ledger.errors, ledger.errors
        assert not any(f[0] == "end" for _, f in events), "the saver finished before it was killed"
        left = temps(ws)
        journals = {n for n in strays(ws) if n.endswith("-journal")} - journals_before
        journals_before |= journals
        began = [(int(f[1]), int(f[2])) for _, f in events if f[0] == "begin"]
        finished = {(int(f[1]), int(f[2])) for _, f in events if f[0] == "done"}
        on_disk = check(ws, bases, ledger)
        in_flight = [kr for kr in began if kr not in finished]
        landed = [kr for kr in in_flight if kr[1] in on_disk.get(kr[0], [])]
        kills.append({"planned": fraction, "phase": (at - begin) / typical, "temp_left": bool(left),
                      "journal_left": bool(journals), "in_flight_landed": bool(landed)})
    saver.run("after", ws, [0, 1, 2], 3, ledger)  # the next saves work, and clean up after the dead ones
    assert temps(ws) == []  # (their journals stay: test_the_next_save_removes_a_killed_saves_journal)
    on_disk = check(ws, bases, ledger, every=True)
    summary = "\n".join(f"kill {i:2d}: {k['phase']:5.2f} of a save in (planned {k['planned']:4.2f}), temp left "
                        f"{k['temp_left']}, journal left {k['journal_left']}, unreported save landed "
                        f"{k['in_flight_landed']}" for i, k in enumerate(kills))
    print(f"typical save {np.median(durations):.3f} s, file {ws.path.stat().st_size} bytes, "
          f"revisions {sum(map(len, on_disk.values()))}, journals left {len(strays(ws))}\n{summary}")
    assert len(kills) == KILLS >= 20
    phases = [k["phase"] for k in kills]
    assert min(phases) < 0.05, summary  # a kill right at the start of a save
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):  # and in every fifth of one
        assert any(low <= p < low + 0.2 for p in phases), (low, summary)
    assert sum(k["temp_left"] or k["journal_left"] for k in kills) >= 3, summary  # kills did land mid-write
    unreported = sum(len(r) for r in on_disk.values()) - sum(len(d) for d in ledger.done.values())
    assert 0 <= unreported <= sum(k["in_flight_landed"] for k in kills)  # each one the save a kill cut short


@pytest.mark.parametrize("point", DIE_POINTS)
def test_a_saver_killed_at_each_step_of_a_save_loses_nothing(saver, bases, tmp_path, point):
    ws = Workspace(tmp_path / "w.gpkg")
    ledger = Ledger()
    saver.run("first", ws, [0, 1], 2, ledger)
    before = digest(ws.path)
    pid = saver.start("save", "die", ws, [0], max=1, die_at=point)
    status = saver.reap(pid)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"{point} was not reached: {status}"
    events = ledger.take(saver, "die")
    assert [f[0] for _, f in events] == ["begin"]
    on_disk = check(ws, bases, ledger)
    if point == "replace:after":  # the new file is in place: the unreported revision is there, whole
        assert on_disk[0] == [1, 2] and strays(ws) == []
        assert digest(ws.path) != before
    else:  # the old file, byte for byte, and the dead save's temporary file
        assert on_disk[0] == [1] and digest(ws.path) == before
        assert len(strays(ws)) == 1
    saver.run("next", ws, [0, 1], 2, ledger)
    assert strays(ws) == []
    check(ws, bases, ledger, every=True)


def test_the_next_save_removes_a_killed_saves_journal(saver, bases, tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ledger = Ledger()
    saver.run("first", ws, [0, 1], 2, ledger)
    for attempt in range(5):  # kill a save the moment SQLite's journal of its new file appears
        pid = saver.start("save", f"kill{attempt}", ws, [0], max=1)
        saver.nth(f"kill{attempt} begin ", 1, 60)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(n.endswith("-journal") for n in os.listdir(tmp_path)):
            pass
        saver.kill(pid)
        ledger.take(saver, f"kill{attempt}")
        if any(n.endswith("-journal") for n in strays(ws)):
            break
    else:
        pytest.skip("the saves on this machine leave no journal to kill them at")
    check(ws, bases, ledger)
    saver.run("next", ws, [0, 1], 1, ledger)
    check(ws, bases, ledger)
    assert strays(ws) == [], "a killed save's files stay next to the workspace after the next save"


# --- 3. kills among other readers and savers ---------------------------------------------------


def test_a_saver_killed_while_a_reader_holds_the_shared_lock_changes_nothing(saver, bases, tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ledger = Ledger()
    saver.run("first", ws, [0, 1], 2, ledger)
    before = digest(ws.path)
    with open(ws.lock_path, "a+b") as lock:  # another process reading: the shared lock
        fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
        pid = saver.start("save", "blocked", ws, [0, 1], max=3)
        saver.wait(lambda s: s.startswith("blocked begin "), 30)
        reader = saver.start("read", "reader", ws, [0, 1], max=4)  # readers still read meanwhile
        saver.wait(lambda s: s == "reader end", 30)
        assert os.WIFEXITED(saver.reap(reader))
        assert [f[0] for _, f in saver.events("reader")] == ["read"] * 4 + ["end"], saver.events("reader")
        time.sleep(0.3)
        assert [f[0] for _, f in saver.events("blocked")] == ["begin"]  # the save waits for the lock
        assert digest(ws.path) == before
        saver.kill(pid)
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    ledger.take(saver, "blocked")
    assert digest(ws.path) == before and strays(ws) == []
    check(ws, bases, ledger, every=True)
    saver.run("after", ws, [0, 1], 2, ledger)  # the dead saver's lock is gone with it
    check(ws, bases, ledger, every=True)


def test_a_saver_killed_while_another_saves_and_a_reader_reads_loses_nothing(saver, bases, tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    ledger = Ledger()
    saver.run("first", ws, [0, 1, 2], 3, ledger)
    rng = random.Random(SEED + 1)
    other = saver.start("save", "other", ws, [2], max=14)  # saves all through, never killed
    reader = saver.start("read", "reader", ws, [0, 1, 2], max=100_000)
    for i in range(6):
        tag = f"killed{i}"
        pid = saver.start("save", tag, ws, [i % 2, (i + 1) % 2], max=6)
        saver.wait(lambda s, tag=tag: s.startswith(f"{tag} begin "), 60)
        time.sleep(rng.uniform(0.0, 0.8))
        saver.kill(pid)
        ledger.take(saver, tag)
        assert not ledger.errors, ledger.errors
    saver.wait(lambda s: s == "other end" or s.startswith("other error"), 120)
    assert os.WIFEXITED(saver.reap(other))
    deadline = time.monotonic() + 120  # a busy machine reads slower: let the reader read enough
    while len(saver.events("reader")) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    saver.kill(reader)
    ledger.take(saver, "other")
    assert not ledger.errors, ledger.errors
    assert len(ledger.done[2]) == 1 + 14  # every save of the process that was not killed landed
    on_disk = check(ws, bases, ledger, every=True)
    assert on_disk[2] == list(range(1, 16))
    reads = [f for _, f in saver.events("reader")]
    bad = [f for f in reads if f[0] != "read"]
    assert bad == [], bad  # every read saw one whole revision
    assert len(reads) >= 20
    seen: dict[str, int] = {}
    for _, k, number, _ in reads:  # and never an older one after a newer one
        assert int(number) >= seen.get(k, 0), (k, number, seen)
        seen[k] = int(number)
    saver.run("after", ws, [0, 1, 2], 3, ledger)
    assert temps(ws) == []
    check(ws, bases, ledger)


# --- 2. a full disk ------------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(kind: str, folder: Path, size_kb: int):
    """A small filesystem of ``kind`` (``tmpfs`` or a loop-mounted ``ext4``) mounted on ``folder``."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "tmpfs":
        command = ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)]
    else:
        if shutil.which("mkfs.ext4") is None:
            pytest.skip("mkfs.ext4 is not installed")
        image = folder.with_suffix(".img")
        with open(image, "wb") as handle:
            handle.truncate(size_kb * 1024)
        made = subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], capture_output=True, text=True)
        if made.returncode:
            pytest.skip(f"mkfs.ext4 refused: {made.stderr.strip()}")
        command = ["mount", "-o", "loop", str(image), str(folder)]
    mounted = subprocess.run(command, capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"{' '.join(command)} was refused: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def free_bytes(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def fill(folder: Path, leave: int) -> Path:
    """A file that takes all the space of ``folder``'s filesystem but about ``leave`` bytes."""
    filler = folder / "filler"
    chunk = b"\xa5" * (1 << 20)
    with open(filler, "wb", buffering=0) as handle:  # unbuffered: a full disk stops a write, not the close
        want = max(0, free_bytes(folder) - leave)
        with contextlib.suppress(OSError):  # (ext4 keeps a few blocks for its own records)
            while want > 0:
                want -= handle.write(chunk[:want])
        with contextlib.suppress(OSError):
            os.fsync(handle.fileno())
    return filler


def save_next(ws: Workspace, bases, ledger: Ledger, k: int) -> Proposal:
    try:
        number = int(ws.history(bases[k].proposal_id)["revision"].max()) + 1
    except ProposalNotFoundError:
        number = 1
    ledger.begun[k].add(number)
    saved = ws.save(content_of(bases[k], k, number))
    ledger.done[k].add(saved.revision)
    return saved


@pytest.mark.parametrize("kind", ["tmpfs", "ext4"])
def test_a_full_disk_leaves_every_saved_revision_whole(bases, tmp_path, kind):
    with small_disk(kind, tmp_path / "disk", 5000) as disk:
        (disk / "ws").mkdir()  # (ext4 has its lost+found at the top)
        ws = Workspace(disk / "ws" / "方案库.gpkg")
        ledger = Ledger()
        for k in (0, 1, 0, 1):
            save_next(ws, bases, ledger, k)
        size = ws.path.stat().st_size
        assert size > 400_000  # two zonings with their outlines
        failures, successes = [], 0
        # from no space at all to more than a new file needs: the save fails at every step of its write
        for step, share in enumerate((0.0, 0.005, 0.02, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.6)):
            filler = fill(disk, int(share * size))
            before = digest(ws.path)
            try:
                save_next(ws, bases, ledger, step % 2)
                successes += 1
            except Exception as exc:  # noqa: BLE001 - which error is the next test's matter
                failures.append((share, exc))
                assert digest(ws.path) == before, f"{share}: the failed save changed the workspace"
                assert strays(ws) == [], "a failed save left its temporary file"
                check(ws, bases, ledger)  # every revision opens, the disk still full
            filler.unlink()
            check(ws, bases, ledger)
        assert len(failures) >= 6, [s for s, _ in failures]  # the disk did fill, at many points of a save
        assert successes >= 1
        assert free_bytes(disk) > 2 * size
        for k in (0, 1, 2):  # room again: the workspace works as before
            save_next(ws, bases, ledger, k)
        check(ws, bases, ledger, every=True)
        print(f"{kind}: {len(failures)} saves failed on the full disk: "
              + "; ".join(f"{s:.3f} of a file free: {type(e).__name__}" for s, e in failures))


def test_a_save_on_a_full_disk_fails_with_words_for_the_planner(bases, tmp_path):
    from ui.i18n import TEXT
    from ui.messages import error_words

    with small_disk("tmpfs", tmp_path / "disk", 3000) as disk:
        ws = Workspace(disk / "w.gpkg")
        ledger = Ledger()
        save_next(ws, bases, ledger, 0)
        size = ws.path.stat().st_size
        for share in (0.0, 0.3, 0.7):  # the write fails creating the file, adding rows, committing
            filler = fill(disk, int(share * size))
            try:
                save_next(ws, bases, ledger, 0)
            except Exception as exc:  # noqa: BLE001 - checked below
                error = exc
            else:
                pytest.fail(f"the save with {share} of a file free did not fail")
            finally:
                filler.unlink()
            assert isinstance(error, GeoError) and isinstance(error, OSError), repr(error)[:300]
            assert error.code and f"error_{error.code}" in TEXT, error.code
            zh, en = error_words(error, "zh"), error_words(error, "en")
            assert re.search(r"[\u4e00-\u9fff]", zh) and "sqlite" not in zh.lower()
            assert str(disk) not in zh and str(disk) not in en


def draft(n: int, revision: int) -> dict:
    """A draft about as big as a page's: a zoning of ``n`` communities."""
    return {"works": {"demo": {"zoning": {"assignment": {f"CJ{c:06d}": f"Z{(c + revision) % 97:04d}"
                                                         for c in range(n)}}}}, "revision": revision}


def test_drafts_survive_a_full_disk(tmp_path):
    with small_disk("tmpfs", tmp_path / "disk", 1000) as disk:
        store = DraftStore(disk / "drafts")
        store.save("k3x9abcd0001", draft(4000, 1))
        store.save("k3x9abcd0002", draft(100, 1))
        written = (disk / "drafts" / "k3x9abcd0001.json").stat().st_size
        for share in (0.0, 0.1, 0.5, 0.9):
            filler = fill(disk, int(share * written))
            with pytest.raises(OSError):
                store.save("k3x9abcd0001", draft(4000, 2))
            assert store.load("k3x9abcd0001") == draft(4000, 1)  # the previous draft, whole
            assert sorted(p.name for p in (disk / "drafts").iterdir()) == ["k3x9abcd0001.json", "k3x9abcd0002.json"]
            assert store.load("k3x9abcd0002") == draft(100, 1)
            filler.unlink()
        store.save("k3x9abcd0001", draft(4000, 3))
        assert store.load("k3x9abcd0001") == draft(4000, 3)


def test_a_draft_on_a_full_disk_fails_with_a_coded_error(tmp_path):
    from ui.i18n import TEXT
    from ui.messages import error_words

    with small_disk("tmpfs", tmp_path / "disk", 1000) as disk:
        store = DraftStore(disk / "drafts")
        store.save("k3x9abcd0001", draft(100, 1))
        filler = fill(disk, 0)
        try:
            store.save("k3x9abcd0001", draft(4000, 2))
        except Exception as exc:  # noqa: BLE001 - checked below
            error = exc
        finally:
            filler.unlink()
        assert isinstance(error, GeoError) and isinstance(error, OSError), repr(error)  # autosave catches OSError
        assert error.code and f"error_{error.code}" in TEXT, error.code
        assert re.search(r"[\u4e00-\u9fff]", error_words(error, "zh")) and str(disk) not in error_words(error, "en")
        assert store.load("k3x9abcd0001") == draft(100, 1)
