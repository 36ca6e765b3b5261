"""WSGI entry point for gunicorn: `gunicorn casework.wsgi:app`."""

from __future__ import annotations

from casework.app import create_app
from casework.config import load_settings

app = create_app(load_settings())
