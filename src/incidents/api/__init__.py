"""The HTTP door: FastAPI routes that translate requests into service calls."""
