"""The WSGI application for production: ``gunicorn 'trellis.wsgi:app'`` after a pip install
(``gunicorn wsgi:app`` from a checkout). Importing it builds the application from the
settings: the one module that works at import time, as a WSGI server asks.

A start-up error a user can cause stops the process the way the ``trellis`` command
does, without a traceback: a setting Trellis cannot use (``TRELLIS_DATABASE_URL=nonsense``)
or a plugin that fails is one line on stderr and exit status 2; broken YAML is one
``path:line:col: error: message`` line per problem and exit status 1.
"""

import sys

from trellis import create_app
from trellis.errors import MetadataError, TrellisError


def _stop(lines: list[str], status: int) -> None:
    """Print ``lines`` to stderr and exit; under gunicorn, with the status that stops it."""
    print("\n".join(lines), file=sys.stderr, flush=True)
    gunicorn = sys.modules.get("gunicorn.arbiter")
    if gunicorn is not None:
        # A worker that exits with any other status is started again, forever, printing the same
        # error each time; this one makes gunicorn stop ("Worker failed to boot.", exit status 3).
        status = gunicorn.Arbiter.WORKER_BOOT_ERROR
    sys.exit(status)


try:
    app = create_app()
except MetadataError as error:
    _stop([str(problem) for problem in error.problems], 1)
except TrellisError as error:  # a SettingsError names the setting
    _stop([f"trellis: error: {error}"], 2)
