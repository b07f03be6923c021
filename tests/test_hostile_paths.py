"""A visitor never chooses a server path: upload names, a draft's stored paths, and the address's
query parameters cannot make the server write or read outside its own folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import APP
from ui import data_panel
from ui.state import STATE_KEY, PageState


@pytest.mark.parametrize("name", ["../../evil.geojson", "/etc/cron.d/evil", "..", ".", "a/../../b.zip",
                                  "C:\\Windows\\evil.shp"])
def test_an_upload_name_cannot_leave_the_upload_folder(name, tmp_path, monkeypatch):
    monkeypatch.setattr(data_panel, "_UPLOAD_DIR", tmp_path / "uploads")
    path = data_panel.save_upload(name, b"{}")
    root = (tmp_path / "uploads").resolve()
    assert root in path.resolve().parents or path.resolve() == root
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and root not in p.resolve().parents]
    assert outside == []


def test_a_draft_cannot_point_the_page_at_a_server_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data_panel, "_UPLOAD_DIR", tmp_path / "uploads")
    secret = tmp_path / "secret.gpkg"
    secret.write_bytes(b"x")
    kept = data_panel.kept_uploads({"communities": ["x.gpkg", str(secret)],
                                    "pipelines": ["y.gpkg", str(tmp_path / "uploads" / ".." / "secret.gpkg")]})
    assert kept == {}


def test_the_address_cannot_choose_the_workspace_or_a_draft_path(tmp_path, monkeypatch):
    workspace = tmp_path / "ws" / "proposals.gpkg"
    monkeypatch.setenv("PLANNER_WORKSPACE", str(workspace))
    evil = tmp_path / "evil"
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state[STATE_KEY] = PageState(lang="zh")
    at.query_params["workspace"] = str(evil / "w.gpkg")
    at.query_params["draft"] = "../../evil/x"
    at.run()
    assert not at.exception
    assert not evil.exists()
    assert not [t for t in at.text_input if "路径" in t.label or "工作区" in t.label], "no path field"
    drafts = list((workspace.parent / "drafts").glob("*")) if (workspace.parent / "drafts").exists() else []
    assert all(".." not in p.name for p in drafts)
