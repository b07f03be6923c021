"""How a bureau's server is set up: the workspace, sign-in, the users and their roles, from one file.

The server's administrator writes a TOML file and points the ``PLANNER_CONFIG`` environment
variable at it (the page never asks a visitor for a path)::

    [workspace]
    location = "/srv/planner/proposals.gpkg"   # or "postgresql://planner@db.intranet/planner"
    label = "西城区规划分局"                      # optional: the name the page shows

    [sign_in]
    mode = "password"          # "password": the users below; "proxy": a reverse proxy's header
    session_hours = 8          # a sign-in ends after this long ...
    idle_minutes = 60          # ... or after this long without a click
    max_failures = 5           # wrong passwords in a row before a login waits lockout_minutes
    lockout_minutes = 15
    proxy_header = "X-Forwarded-User"   # mode = "proxy" only: the header the proxy sets

    [users.zhou]
    display = "周工"
    role = "planner"           # viewer | planner | reviewer | admin (geo.store.access)
    password = "$argon2id$v=19$m=65536,t=3,p=4$..."   # python -m geo users add ...

Passwords are kept only as argon2id hashes (argon2-cffi, the reference implementation's
binding); ``python -m geo users add|passwd|remove|list`` edits the file. Without a file the app is
in *single-user mode*: one person on the server's own machine, no sign-in, the workspace from
``PLANNER_WORKSPACE`` (else ``./workspace/proposals.gpkg``).

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "planner.toml"
>>> add_user(path, "zhou", "s3cret-Pass", role="planner", display="周工")
>>> config = load_config(path)
>>> config.mode, sorted(config.users), config.users["zhou"].role
('password', ['zhou'], 'planner')
>>> authenticate(config, "zhou", "s3cret-Pass").label, authenticate(config, "zhou", "wrong")
('周工', None)
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.errors import GeoError
from geo.store.access import ROLES, User
from geo.store.backend import is_database

#: Environment variable naming the server's configuration file.
CONFIG_ENV = "PLANNER_CONFIG"
#: Environment variable naming the workspace when there is no configuration file.
WORKSPACE_ENV = "PLANNER_WORKSPACE"
#: Sign-in modes.
MODES = ("password", "proxy")
#: A login: letters, digits, ``._-@``, 1 to 64 characters (it is what revisions record).
LOGIN = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
#: Shortest password accepted by :func:`add_user`.
MIN_PASSWORD = 8

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
#: A hash to verify against when the login is unknown, so that a wrong login costs as much time
#: as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class ConfigError(GeoError, ValueError):
    """The server's configuration file is missing, unreadable or wrong (code ``config_invalid``)."""


@dataclass(frozen=True)
class UserRecord:
    """One user of the configuration file."""

    name: str
    role: str
    display: str = ""
    password_hash: str = ""

    def user(self) -> User:
        """The signed-in :class:`~geo.store.access.User` this record makes."""
        return User(self.name, self.role, self.display)


@dataclass(frozen=True)
class ServerConfig:
    """The deployment: where proposals are kept and who may sign in (None file: single-user)."""

    workspace: str
    label: str = ""
    mode: str | None = None  # None: single-user mode, no sign-in
    users: Mapping[str, UserRecord] = field(default_factory=dict)
    session_hours: float = 8.0
    idle_minutes: float = 60.0
    max_failures: int = 5
    lockout_minutes: float = 15.0
    proxy_header: str = "X-Forwarded-User"
    source: str = ""  # the file's name (never its folder), for messages

    @property
    def single_user(self) -> bool:
        """True when nobody signs in (no configuration file)."""
        return self.mode is None


def _invalid(path: Path, problem: str, fix: str) -> ConfigError:
    return ConfigError(f"{path.name}: {problem}; {fix}", code="config_invalid",
                       params={"file": path.name, "problem": problem})


def default_workspace() -> str:
    """The single-user workspace: ``$PLANNER_WORKSPACE``, else ``workspace/proposals.gpkg`` here."""
    return os.environ.get(WORKSPACE_ENV) or str(Path.cwd() / "workspace" / "proposals.gpkg")


def server_config(environ: Mapping[str, str] | None = None) -> ServerConfig:
    """The configuration the server runs with: the file ``$PLANNER_CONFIG``, else single-user mode.

    Raises
    ------
    ConfigError
        The file is named but missing or wrong: the server must not fall back to no sign-in.
    """
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_ENV)
    if not named:
        return ServerConfig(workspace=env.get(WORKSPACE_ENV) or default_workspace())
    path = Path(named).expanduser()
    try:
        stamp = path.stat()
    except OSError:
        return load_config(path)  # missing: load_config says so
    return _load_config_once(str(path), stamp.st_mtime_ns, stamp.st_size)


@functools.lru_cache(maxsize=4)
def _load_config_once(path: str, mtime_ns: int, size: int) -> ServerConfig:
    """:func:`load_config`, read again only when the file changed (the page asks on every rerun)."""
    return load_config(path)


def drafts_folder(config: ServerConfig) -> Path:
    """Where the page keeps unsaved drafts: next to a GeoPackage workspace, else ``./workspace/drafts``."""
    if is_database(config.workspace):
        return Path.cwd() / "workspace" / "drafts"
    return Path(config.workspace).expanduser().parent / "drafts"


def prepare_folders(config: ServerConfig) -> None:
    """Create the folders of the workspace file and of the drafts (the server's own paths).

    Raises
    ------
    ConfigError
        A folder cannot be created (code ``config_invalid``: the administrator's path is wrong).
    """
    folders = [drafts_folder(config)]
    if not is_database(config.workspace):
        folders.append(Path(config.workspace).expanduser().parent)
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            source = Path(config.source or "PLANNER_WORKSPACE")
            raise _invalid(source, f"the folder {folder} cannot be created ({exc.strerror})",
                           "choose a workspace location the server may write to") from None


def _number(table: Mapping[str, Any], key: str, default: float, path: Path, *, low: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= low:
        raise _invalid(path, f"[sign_in] {key} = {value!r} is not a number of at least {low:g}",
                       f"write e.g. {key} = {default:g}")
    return float(value)


def load_config(path: str | os.PathLike) -> ServerConfig:
    """Read and check the administrator's file (see the module docstring for its layout).

    Raises
    ------
    ConfigError
        Missing file, TOML error, unknown mode or role, a login that is not a login, a password
        that is not an argon2 hash, a password sign-in with no user.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _invalid(path, "the file does not exist", f"create it or unset {CONFIG_ENV}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _invalid(path, f"cannot be read ({exc})", "fix the TOML (see the README, section "
                       "'Running it for a bureau')") from None
    workspace = data.get("workspace", {})
    sign_in = data.get("sign_in", {})
    if not isinstance(workspace, dict) or not isinstance(sign_in, dict):
        raise _invalid(path, "[workspace] and [sign_in] must be tables", "see the README's example")
    location = workspace.get("location") or default_workspace()
    mode = sign_in.get("mode", "password")
    if mode not in MODES:
        raise _invalid(path, f"[sign_in] mode = {mode!r} is not one of {', '.join(MODES)}",
                       'write mode = "password" or mode = "proxy"')
    users = {}
    for name, entry in (data.get("users") or {}).items():
        users[name] = _user_record(path, name, entry, need_password=mode == "password")
    if mode == "password" and not users:
        raise _invalid(path, "sign-in by password but no [users.<login>] entry",
                       "add one with: python -m geo users add --config FILE LOGIN --role admin")
    header = str(sign_in.get("proxy_header", "X-Forwarded-User"))
    if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", header):
        raise _invalid(path, f"proxy_header = {header!r} is not an HTTP header name", 'write e.g. "X-Forwarded-User"')
    return ServerConfig(
        workspace=str(location), label=str(workspace.get("label", "")), mode=mode, users=users,
        session_hours=_number(sign_in, "session_hours", 8, path, low=0.01),
        idle_minutes=_number(sign_in, "idle_minutes", 60, path, low=1),
        max_failures=int(_number(sign_in, "max_failures", 5, path, low=1)),
        lockout_minutes=_number(sign_in, "lockout_minutes", 15, path, low=0),
        proxy_header=header, source=path.name,
    )


def _user_record(path: Path, name: str, entry: Any, *, need_password: bool) -> UserRecord:
    if not LOGIN.fullmatch(name):
        raise _invalid(path, f"[users.{name}]: a login is 1-64 letters, digits or ._-@", "rename the entry")
    if not isinstance(entry, dict):
        raise _invalid(path, f"[users.{name}] must be a table", "see the README's example")
    role = entry.get("role")
    if role not in ROLES:
        raise _invalid(path, f"[users.{name}] role = {role!r} is not one of {', '.join(ROLES)}",
                       'write e.g. role = "planner"')
    password = str(entry.get("password", ""))
    if need_password and not password.startswith("$argon2"):
        raise _invalid(path, f"[users.{name}] has no argon2 password hash",
                       f"set it with: python -m geo users passwd --config FILE {name}")
    return UserRecord(name, role, str(entry.get("display", "")), password)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (what the file keeps)."""
    return _HASHER.hash(password)


def authenticate(config: ServerConfig, name: str, password: str) -> User | None:
    """The user when ``name`` and ``password`` match a user of the file, else None.

    An unknown login costs the same time as a wrong password.
    """
    record = config.users.get(name.strip())
    try:
        _HASHER.verify(record.password_hash if record else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return record.user() if record else None


def user_from_header(config: ServerConfig, headers: Mapping[str, str]) -> User | None:
    """The user a trusted reverse proxy names in ``config.proxy_header`` (proxy mode), else None.

    The login must be a user of the file, which gives its role: the proxy says who, the file says
    what they may do.
    """
    wanted = config.proxy_header.lower()
    value = next((v for k, v in headers.items() if k.lower() == wanted), "")
    record = config.users.get(str(value).strip())
    return record.user() if record else None


# --- editing the file (python -m geo users ...) ----------------------------------------------------


def _read_raw(path: Path) -> dict:
    if not path.exists():
        return {"sign_in": {"mode": "password"}, "users": {}}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _invalid(path, f"cannot be read ({exc})", "fix the TOML first") from None


def _write_raw(path: Path, data: dict) -> None:
    """Write the file whole and atomically, readable by its owner only (it holds hashes)."""
    temp = path.with_name(f".{path.name}.tmp")
    with open(temp, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        tomli_w.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def add_user(path: str | os.PathLike, name: str, password: str, *, role: str, display: str = "",
             replace: bool = False) -> None:
    """Add a user (or, with ``replace``, set an existing one's role, name and password).

    Raises
    ------
    ConfigError
        A bad login or role, a password shorter than :data:`MIN_PASSWORD`, or an existing user
        without ``replace``.
    """
    path = Path(path)
    if not LOGIN.fullmatch(name):
        raise _invalid(path, f"'{name}' is not a login (1-64 letters, digits or ._-@)", "choose another")
    if role not in ROLES:
        raise _invalid(path, f"role '{role}' is not one of {', '.join(ROLES)}", "choose one of them")
    if len(password) < MIN_PASSWORD:
        raise _invalid(path, f"the password is shorter than {MIN_PASSWORD} characters", "choose a longer one")
    data = _read_raw(path)
    users = data.setdefault("users", {})
    if name in users and not replace:
        raise _invalid(path, f"user '{name}' exists", "use python -m geo users passwd to change the password")
    entry = {"role": role, "password": hash_password(password)}
    if display:
        entry["display"] = display
    users[name] = entry
    _write_raw(path, data)


def set_password(path: str | os.PathLike, name: str, password: str) -> None:
    """Give user ``name`` a new password (its role and name stay)."""
    path = Path(path)
    data = _read_raw(path)
    entry = data.get("users", {}).get(name)
    if entry is None:
        raise _invalid(path, f"no user '{name}'", "add it with python -m geo users add")
    add_user(path, name, password, role=entry.get("role", ""), display=entry.get("display", ""), replace=True)


def remove_user(path: str | os.PathLike, name: str) -> None:
    """Remove user ``name`` from the file (their proposals and revisions stay in the workspace)."""
    path = Path(path)
    data = _read_raw(path)
    if name not in data.get("users", {}):
        raise _invalid(path, f"no user '{name}'", "see them with python -m geo users list")
    del data["users"][name]
    _write_raw(path, data)
