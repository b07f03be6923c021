"""Underground pipelines per community and zone, and pipeline networks as graphs."""
