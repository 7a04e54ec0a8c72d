"""The web app: Flask blueprints, Jinja templates and the JSON API over the engine (create_app lives in webapp.app)."""
