"""``ddblite serve``: uvicorn around the ASGI app, with the HTTP protocol ddblite owns."""
