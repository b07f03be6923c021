"""Coordinate systems: the CRS a file states or implies, the analysis CRS, and the Chinese web datums."""
