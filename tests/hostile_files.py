"""Hostile files the attack tests share."""

from __future__ import annotations

import zipfile
from pathlib import Path


def write_dbf_bomb(path: Path, *, prj: bool = True) -> Path:
    """A zipped shapefile whose .dbf is 2 GB of zeros (about 2 MB packed): a zip bomb."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open(f"{path.stem}.dbf", "w", force_zip64=True) as member:
            chunk = b"\0" * (64 * 1024**2)
            for _ in range(32):
                member.write(chunk)
        for ext in ("shp", "shx"):
            zf.writestr(f"{path.stem}.{ext}", b"\0" * 100)
        if prj:
            zf.writestr(f"{path.stem}.prj", 'GEOGCS["China Geodetic Coordinate System 2000"]')
    return path
