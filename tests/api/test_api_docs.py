"""docs/api.md: its ```bash examples run with curl against a live server, in order, and all succeed."""

import json
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
from api_helpers import write_world
from trellis.data.database import db
from trellis.testing.api import api_app, bearer, new_user

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCKS = re.findall(r"```bash\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def live(trellis_config):
    """``(base URL, write token)`` of the API world served by a real HTTP server on 127.0.0.1."""
    from werkzeug.serving import make_server

    write_world(trellis_config["ORG_DIR"])
    app = api_app({**trellis_config, "PLUGINS": [], "API_RATE_LIMIT": "1000/minute"})
    token = bearer(app, new_user(app, "ann@example.com"))["Authorization"].split()[1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def run(block: str, base: str, token: str) -> str:
    env = {**os.environ, "TRELLIS": base, "TOKEN": token}
    done = subprocess.run(["bash", "-e", "-c", block], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{block}\n-> {done.returncode}: {done.stderr}{done.stdout}"
    return done.stdout


def test_the_guide_has_curl_examples_for_every_kind_of_call():
    text = "\n".join(BLOCKS)
    for needle in ("-X POST", "-X PATCH", "If-Match", "-X DELETE", "transitions/", "/history", "openapi.json",
                   "sort=", "q="):
        assert needle in text, needle


def test_every_curl_example_of_the_guide_succeeds_against_a_live_server(live):
    base, token = live
    outputs = [run(block, base, token) for block in BLOCKS]
    joined = "\n".join(outputs)
    assert '"name":"Ann Smith"' in joined
    deal = json.loads(outputs[2].strip().splitlines()[-1])
    assert deal["person"] == {"id": 1, "name": "Ann Smith"}
    assert outputs[-1].strip() == "3.1.0"
