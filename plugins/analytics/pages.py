"""The plugin's blueprint: only its static files (the RFM grid's stylesheet)."""

from pathlib import Path

from flask import Blueprint

bp = Blueprint("analytics", __name__, static_folder=str(Path(__file__).parent / "static"),
               static_url_path="/analytics/static")
