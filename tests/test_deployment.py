"""The server's configuration file: users, roles, argon2 hashes, sign-in settings, and the CLI that edits it."""

from __future__ import annotations

import os
import stat

import pytest

from geo.cli.main import main
from geo.store.access import AccessError, User, may, require
from geo.store.deployment import (
    CONFIG_ENV, WORKSPACE_ENV, ConfigError, add_user, authenticate, drafts_folder, load_config, prepare_folders,
    remove_user, server_config, set_password, user_from_header,
)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "planner.toml"
    add_user(path, "zhou", "planner-pass-1", role="planner", display="周工")
    add_user(path, "rita", "reviewer-pass-1", role="reviewer")
    add_user(path, "root", "admin-pass-123", role="admin")
    return path


def test_passwords_are_kept_only_as_argon2_hashes_readable_by_the_owner(config_file):
    body = config_file.read_text(encoding="utf-8")
    assert "planner-pass-1" not in body and body.count("$argon2id$") == 3
    assert stat.S_IMODE(os.stat(config_file).st_mode) == 0o600


def test_sign_in_checks_the_password_and_gives_the_role(config_file):
    config = load_config(config_file)
    user = authenticate(config, "zhou", "planner-pass-1")
    assert user == User("zhou", "planner", "周工")
    assert authenticate(config, "zhou", "planner-pass-2") is None
    assert authenticate(config, "nobody", "planner-pass-1") is None
    assert authenticate(config, " zhou ", "planner-pass-1") == user  # a stray space in the login


def test_password_change_and_removal(config_file):
    set_password(config_file, "zhou", "another-pass-9")
    config = load_config(config_file)
    assert authenticate(config, "zhou", "planner-pass-1") is None
    assert authenticate(config, "zhou", "another-pass-9").role == "planner"
    remove_user(config_file, "zhou")
    assert "zhou" not in load_config(config_file).users
    with pytest.raises(ConfigError, match="no user 'zhou'"):
        remove_user(config_file, "zhou")


@pytest.mark.parametrize("body, words", [
    ('[sign_in]\nmode = "open"\n', "mode = 'open'"),
    ('[sign_in]\nmode = "password"\n', "no [users.<login>] entry"),
    ('[users.zhou]\nrole = "boss"\npassword = "$argon2id$x"\n', "role = 'boss'"),
    ('[users.zhou]\nrole = "planner"\npassword = "plain text"\n', "no argon2 password hash"),
    ('[users."a b"]\nrole = "planner"\npassword = "$argon2id$x"\n', "a login is"),
    ('[sign_in]\nidle_minutes = 0\n[users.z]\nrole = "viewer"\npassword = "$argon2id$x"\n', "idle_minutes"),
    ('[sign_in\n', "cannot be read"),
])
def test_a_wrong_file_is_refused_with_what_to_fix(tmp_path, body, words):
    path = tmp_path / "planner.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace(".", r"\.")) as caught:
        load_config(path)
    assert caught.value.code == "config_invalid" and caught.value.params["file"] == "planner.toml"
    assert str(tmp_path) not in str(caught.value)


def test_a_named_file_that_is_missing_never_falls_back_to_no_sign_in(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        server_config({CONFIG_ENV: str(tmp_path / "gone.toml")})
    single = server_config({WORKSPACE_ENV: str(tmp_path / "ws" / "p.gpkg")})
    assert single.single_user and single.workspace.endswith("p.gpkg")


def test_the_workspace_and_drafts_folders_are_the_servers(tmp_path):
    path = tmp_path / "planner.toml"
    add_user(path, "root", "admin-pass-123", role="admin")
    text = path.read_text(encoding="utf-8")
    path.write_text(f'[workspace]\nlocation = "{tmp_path / "srv" / "p.gpkg"}"\nlabel = "西城分局"\n' + text,
                    encoding="utf-8")
    config = load_config(path)
    prepare_folders(config)
    assert (tmp_path / "srv").is_dir() and drafts_folder(config) == tmp_path / "srv" / "drafts"
    assert config.label == "西城分局"


def test_a_proxy_names_the_user_and_the_file_gives_the_role(config_file):
    body = config_file.read_text(encoding="utf-8").replace('mode = "password"', 'mode = "proxy"\nproxy_header = "X-Remote-User"')
    config_file.write_text(body, encoding="utf-8")
    config = load_config(config_file)
    assert user_from_header(config, {"x-remote-user": "rita"}) == User("rita", "reviewer")
    assert user_from_header(config, {"X-Remote-User": "mallory"}) is None  # not a user of the file
    assert user_from_header(config, {}) is None


def test_the_rights_of_each_role():
    viewer, planner, reviewer, admin = (User(n, n) for n in ("viewer", "planner", "reviewer", "admin"))
    assert [may(viewer, a) for a in ("view", "export", "save_new", "approve")] == [True, True, False, False]
    assert may(planner, "save", owner="planner") and not may(planner, "save", owner="someone")
    assert not may(planner, "delete", owner="") and may(planner, "rename", owner="")
    assert may(reviewer, "approve") and may(reviewer, "return") and not may(reviewer, "save_new")
    assert all(may(admin, a, owner="someone") for a in ("save", "delete", "audit", "manage_users"))
    with pytest.raises(AccessError) as caught:
        require(planner, "delete", owner="someone", name="方案")
    assert caught.value.code == "not_allowed" and caught.value.params["owner"] == "someone"


def test_the_cli_adds_and_lists_users(tmp_path, capsys, monkeypatch):
    path = tmp_path / "planner.toml"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-password\n"))
    assert main(["users", "--config", str(path), "add", "li", "--role", "viewer", "--password-stdin"]) == 0
    assert main(["users", "--config", str(path), "list"]) == 0
    assert "li\tviewer" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert main(["users", "--config", str(path), "add", "wu", "--role", "viewer", "--password-stdin"]) == 1
    assert main(["users", "--config", str(path), "add", "wu", "--role", "boss", "--password-stdin"]) == 2
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert main(["users", "list"]) == 2
