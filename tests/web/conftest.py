"""The web tests' shared fixture: a test client of the app over the module's ``store`` fixture."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from bitext.store import Store
from bitext.web.app import create_app


@pytest.fixture
def client(store: Store) -> FlaskClient:
    app = create_app(store, reviewer="ana")
    app.testing = True
    return app.test_client()
