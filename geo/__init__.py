"""Analysis core: layers, loading, coordinate systems and (later) adjacency and zones. Never imports streamlit or folium."""
