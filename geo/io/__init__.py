"""Reading planners' files: the layer model, readers per format, value parsers, validation, loading, file info."""
