"""Fixtures of the security tests: two module-scoped worlds, each built once per module.

``world`` is the shipped contacts roles plus an organisation's ``roles.yaml`` (see
:mod:`security_helpers`); ``shipped`` is everything Trellis ships, one actor per role (see
:mod:`shipped_helpers`). The helpers that act on them are plain functions in those modules.
"""

import pytest
import security_helpers
import shipped_helpers


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The app, its users (per role), signed-in clients and API headers, built once per module."""
    yield from security_helpers.build_world(tmp_path_factory.mktemp("security"))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped world, built once per module."""
    from trellis.data.database import db

    world = shipped_helpers.build_world(tmp_path_factory.mktemp("shipped"))
    yield world
    with world.app.app_context():
        db.engine.dispose()
