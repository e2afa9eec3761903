"""In-process mode: the engine in this process, its HTTP server thread, its environment and the
pytest plugin.
"""
