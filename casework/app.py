"""create_app: the one place where Flask, extensions and blueprints meet."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from casework import models as _models  # noqa: F401  (registers every table on Base.metadata)
from casework.config import Settings, load_settings
from casework.crypto import BlindIndex, LocalKeyring
from casework.db import configure_sqlite, ping_when_idle
from casework.extensions import db, migrate
from casework.http import register_http_handling
from casework.keys.services import Keys
from casework.logs import configure_logging
from casework.notifications import listeners as _listeners  # noqa: F401  (registers them)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application from settings; fails closed when keys or URLs are wrong."""
    settings = settings or load_settings()
    keyring = LocalKeyring.load(settings.keyring_path)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=keyring.session_secret,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.extensions["casework.settings"] = settings
    app.extensions["casework.keyring"] = keyring
    app.extensions["casework.keys"] = Keys(keyring, BlindIndex(keyring.blind_index_key))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        configure_sqlite(db.engine)
        ping_when_idle(db.engine)
    register_http_handling(app)
    _register_blueprints(app)
    if settings.proxy_hops:
        # Take the client address and scheme from the last `proxy_hops` entries of
        # X-Forwarded-For/-Proto (those our own proxies appended); with 0 the headers are ignored.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )
    configure_logging(settings.log_level, json_lines=settings.profile == "production")
    return app


def _register_blueprints(app: Flask) -> None:
    from casework.api.views import blueprint as api_blueprint
    from casework.web.access import blueprint as access_blueprint
    from casework.web.admin import blueprint as admin_blueprint
    from casework.web.admin_entities import blueprint as admin_entities_blueprint
    from casework.web.admin_tokens import blueprint as admin_tokens_blueprint
    from casework.web.auth import blueprint as auth_blueprint
    from casework.web.auth import install_auth
    from casework.web.case_actions import blueprint as case_actions_blueprint
    from casework.web.cases import blueprint as cases_blueprint
    from casework.web.cases_clearcheck import blueprint as clearcheck_blueprint
    from casework.web.health import blueprint as health_blueprint
    from casework.web.home import blueprint as home_blueprint
    from casework.web.metrics import blueprint as metrics_blueprint
    from casework.web.metrics import init_metrics
    from casework.web.oversight import blueprint as oversight_blueprint
    from casework.web.portal_access import blueprint as portal_access_blueprint

    install_auth(app)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(admin_tokens_blueprint)
    app.register_blueprint(admin_entities_blueprint)
    app.register_blueprint(access_blueprint)
    app.register_blueprint(cases_blueprint)
    app.register_blueprint(case_actions_blueprint)
    app.register_blueprint(clearcheck_blueprint)
    app.register_blueprint(portal_access_blueprint)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(home_blueprint)
    init_metrics(app)
    app.register_blueprint(metrics_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(oversight_blueprint)

    from casework.portal.views import blueprint as portal_blueprint

    app.register_blueprint(portal_blueprint, url_prefix="/portal")
