"""Which workspace a configured location names: a GeoPackage file, or a PostgreSQL + PostGIS database.

The page is configured with one *location* (``PLANNER_WORKSPACE``): a ``postgresql://`` or
``postgres://`` URL names a database (:class:`geo.store.postgis.PostgisWorkspace`), anything else
a GeoPackage path (:class:`geo.store.workspace.Workspace`). Both have the same interface, so the
page calls :func:`open_workspace` and never asks which one it got; it shows
:func:`workspace_label`, which never gives away a server folder, a user or a password.

Example
-------
>>> open_workspace("/srv/planner/proposals.gpkg")
Workspace('/srv/planner/proposals.gpkg')
>>> open_workspace("postgresql://planner:secret@db.local/planning")
PostgisWorkspace('PostgreSQL planning@db.local', schema='planner')
>>> workspace_label("/srv/planner/proposals.gpkg"), workspace_label("postgres://u:pw@db.local:5433/plans")
('proposals.gpkg', 'PostgreSQL plans@db.local')
"""

from __future__ import annotations

from pathlib import Path

from geo.store.postgis import PostgisWorkspace, database_label
from geo.store.workspace import Workspace

#: The URL schemes that name a PostgreSQL database.
DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database(location: str) -> bool:
    """Whether ``location`` is a PostgreSQL URL (rather than a GeoPackage path).

    >>> is_database("postgresql://db/x"), is_database("POSTGRES://db/x"), is_database("w.gpkg")
    (True, True, False)
    """
    return str(location).strip().lower().startswith(DATABASE_SCHEMES)


def open_workspace(location: str, *, schema: str = "planner") -> Workspace | PostgisWorkspace:
    """The workspace at ``location``: a PostGIS one for a ``postgresql://`` URL, else a GeoPackage.

    Parameters
    ----------
    location
        A ``postgresql://``/``postgres://`` URL, or a GeoPackage path (``~`` expanded).
    schema
        The database schema of a PostGIS workspace (ignored for a GeoPackage).

    Nothing is opened yet: the first read or save connects (or creates the file).
    """
    if is_database(location):
        return PostgisWorkspace(str(location).strip(), schema=schema)
    return Workspace(location)


def workspace_label(location: str) -> str:
    """What the page shows of a workspace: the file name, or ``PostgreSQL <dbname>@<host>``.

    Never the folder of a file, nor the user or password of a database.
    """
    if is_database(location):
        return database_label(str(location).strip())
    return Path(str(location)).expanduser().name
