"""``python -m geo users``: the administrator edits the users of the server's configuration file.

``add``, ``passwd``, ``remove`` and ``list`` act on the file ``--config`` (default
``$PLANNER_CONFIG``); passwords are asked twice without echo (or read from stdin with
``--password-stdin``, for scripts) and kept only as argon2id hashes
(:mod:`geo.store.deployment`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from geo.cli.options import UsageError
from geo.store.access import ROLES
from geo.store.deployment import CONFIG_ENV, add_user, load_config, remove_user, set_password


def add_users_parser(sub) -> argparse.ArgumentParser:
    """Register ``users`` on the subparsers of ``python -m geo``."""
    users = sub.add_parser("users", help="add, change or remove the users who may sign in (admin)")
    users.add_argument("--config", help=f"the server's configuration file (default ${CONFIG_ENV})")
    action = users.add_subparsers(dest="users_command", required=True)
    add = action.add_parser("add", help="add a user")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display", default="", help="the name the page shows, e.g. 周工")
    passwd = action.add_parser("passwd", help="set a user's password")
    passwd.add_argument("login")
    for command in (add, passwd):
        command.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of stdin (no prompt)")
    remove = action.add_parser("remove", help="remove a user (their proposals stay)")
    remove.add_argument("login")
    action.add_parser("list", help="list the users and their roles")
    users.set_defaults(func=cmd_users)
    return users


def _config_path(args: argparse.Namespace) -> str:
    path = args.config or os.environ.get(CONFIG_ENV)
    if not path:
        raise UsageError(f"name the configuration file with --config FILE or ${CONFIG_ENV}",
                         code="option_needs", params={"option": "users", "needs": "--config"})
    return path


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ", code="passwords_differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    """Edit or list the users of the configuration file."""
    path = _config_path(args)
    command = args.users_command
    if command == "add":
        add_user(path, args.login, _password(args), role=args.role, display=args.display)
        print(f"added {args.login} ({args.role}) to {path}")
    elif command == "passwd":
        set_password(path, args.login, _password(args))
        print(f"changed the password of {args.login}")
    elif command == "remove":
        remove_user(path, args.login)
        print(f"removed {args.login} from {path}")
    else:
        config = load_config(path)
        for record in sorted(config.users.values(), key=lambda r: r.name):
            print(f"{record.name}\t{record.role}\t{record.display}")
    return 0
