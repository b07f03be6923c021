"""Walking access: the roads' walking graph and service gaps of facilities."""
