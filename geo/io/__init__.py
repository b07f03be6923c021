"""Files in and out: the layer model, readers per format, value parsers, validation, loading, file
info, and the one CSV/XLSX table writer (formula-safe, localised headers)."""
