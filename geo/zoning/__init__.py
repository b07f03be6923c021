"""Neighbours and zones: adjacency, the zoning engine, its rule checks, a planner's edits, zone members."""
