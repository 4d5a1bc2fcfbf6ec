"""End-to-end tests: the demo app (`examples/app.py`) under real ASGI servers, and in a browser."""
