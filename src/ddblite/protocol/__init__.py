"""The HTTP edge: the ASGI app, request shapes, signatures, isolation, and the one place errors are
rendered.
"""
