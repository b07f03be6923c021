"""The drafts store under concurrent use: a purge never trips over another tab's save.

(A full disk and the drafts: tests/test_workspace_crash.py.)
"""

import pathlib
import threading
import time

from geo.store.drafts import DraftStore


def test_a_purge_skips_a_file_that_vanishes_under_it(tmp_path, monkeypatch):
    store = DraftStore(tmp_path, max_age_days=0)
    store.save("k3x9abcd0001", {"works": {}})
    real = pathlib.Path.iterdir

    def iterdir(self):  # what another tab's save does between the listing and the stat: moves its temp away
        yield self / ".k3x9abcd0002.123.abcdef.tmp"
        yield from real(self)

    monkeypatch.setattr(pathlib.Path, "iterdir", iterdir)
    time.sleep(0.01)
    assert store.purge() == 1  # the old draft is removed; the vanished temporary file is not an error
    assert store.load("k3x9abcd0001") is None


def test_purges_while_another_tab_saves(tmp_path):
    store = DraftStore(tmp_path)
    stop, errors = threading.Event(), []

    def tab():
        i = 0
        while not stop.is_set():
            store.save("k3x9abcd0001", {"i": i})
            i += 1

    worker = threading.Thread(target=tab)
    worker.start()
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            try:
                assert store.purge() == 0
            except Exception as exc:  # noqa: BLE001 - any error of a purge fails the test below
                errors.append(repr(exc))
                break
    finally:
        stop.set()
        worker.join()
    assert errors == []
    assert isinstance(store.load("k3x9abcd0001")["i"], int)
