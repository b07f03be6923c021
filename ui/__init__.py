"""Streamlit glue for the planning tool (the only place besides app.py that imports streamlit)."""
