"""Who may do what with the proposals of a shared workspace: the roles and their rights, in one place.

A bureau's deployment has four roles (the issue "A team can run it on the bureau's intranet"):

=============  ===========================================================================
``viewer``     looks at the map and the proposals, exports them
``planner``    also proposes, edits and saves; renames, deletes and restores **their own** proposals
``reviewer``   also comments on, approves or returns any proposal (does not change its zoning)
``admin``      everything: any proposal, the users, the audit log
=============  ===========================================================================

A *user* of ``None`` is the single-user mode (one person on localhost, no sign-in): every
action is allowed. Both workspace back ends (the GeoPackage file and PostgreSQL/PostGIS) call
:func:`require` before a change, so a visitor who skips the page's buttons gets the same answer.

Example
-------
>>> alice = User("alice", "planner")
>>> may(alice, "save"), may(alice, "delete", owner="alice"), may(alice, "delete", owner="bob")
(True, True, False)
>>> may(User("rita", "reviewer"), "approve"), may(User("vic", "viewer"), "save"), may(None, "delete")
(True, False, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import GeoError

#: The roles, from the least to the most trusted.
ROLES: tuple[str, ...] = ("viewer", "planner", "reviewer", "admin")

#: Every action a right is asked for.
ACTIONS: tuple[str, ...] = (
    "view", "export",                                # look and take away
    "save_new", "save", "rename", "delete", "restore",  # change proposals
    "comment", "approve", "return",                  # review
    "audit", "manage_users",                         # administer
)

#: Actions on one proposal that a planner may take on their own proposals only.
OWN_ONLY: frozenset[str] = frozenset({"save", "rename", "delete", "restore"})

#: Role -> the actions it may take (``OWN_ONLY`` ones on its own proposals, unless admin).
RIGHTS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view", "export"}),
    "planner": frozenset({"view", "export", "save_new", "save", "rename", "delete", "restore"}),
    "reviewer": frozenset({"view", "export", "comment", "approve", "return"}),
    "admin": frozenset(ACTIONS),
}


class AccessError(GeoError, PermissionError):
    """A signed-in user asked for something their role does not allow (code ``not_allowed``)."""


@dataclass(frozen=True)
class User:
    """A signed-in person: login ``name`` (what revisions record as author), ``role``, shown name."""

    name: str
    role: str
    display: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:  # builtin: roles come from the admin's file, checked by geo.store.users
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")

    @property
    def label(self) -> str:
        """The name shown on the page: the display name, else the login."""
        return self.display or self.name


def may(user: User | None, action: str, *, owner: str | None = None) -> bool:
    """Whether ``user`` may take ``action`` (on a proposal owned by ``owner``, when it has one).

    ``owner`` is the login that created the proposal (its first revision's author); for an
    ``OWN_ONLY`` action a planner must be that owner. A proposal without a known owner (saved in
    single-user mode) is changed by its role's rights alone, except that only an admin may
    delete it.
    """
    if user is None:
        return True
    if action not in ACTIONS:  # builtin: actions are this module's own names
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    rights = RIGHTS[user.role]
    if action not in rights:
        return False
    if user.role == "admin" or action not in OWN_ONLY:
        return True
    if not owner:
        return action != "delete"
    return owner == user.name


def require(user: User | None, action: str, *, owner: str | None = None, name: str = "") -> None:
    """Raise :class:`AccessError` unless :func:`may` allows it.

    Raises
    ------
    AccessError
        Code ``not_allowed`` with the ``action``, the user's ``role``, and the proposal's ``name``
        and ``owner`` where there is one.

    >>> require(User("vic", "viewer"), "save", name="方案一")
    Traceback (most recent call last):
    ...
    geo.store.access.AccessError: vic (viewer) may not save '方案一'
    """
    if may(user, action, owner=owner):
        return
    assert user is not None  # may() allows everything in single-user mode
    what = f" '{name}'" if name else ""
    whose = f" (owned by {owner})" if owner and owner != user.name and action in OWN_ONLY else ""
    raise AccessError(f"{user.name} ({user.role}) may not {action}{what}{whose}", code="not_allowed",
                      params={"action": action, "role": user.role, "name": name, "owner": owner or ""})
