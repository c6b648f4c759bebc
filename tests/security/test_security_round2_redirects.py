"""Finding 5 and the newline half of 16 (security round 2): ``next`` after sign-in stays on this site.

Browsers drop tabs and newlines inside URLs, so ``/\t/evil.example`` becomes
``//evil.example``, another site; a newline must not turn into a 500 either.
"""

from urllib.parse import quote, urlsplit

import pytest
from shipped_helpers import PASSWORD
from trellis.testing.web import csrf_token

HOSTILE = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/%09/evil.example", "//evil.example",
           "/\\evil.example", "https://evil.example/", "\t//evil.example", " //evil.example", "/\x00/x",
           "///evil.example", "/\x0b/evil.example", "javascript:alert(1)", "/app/\nSet-Cookie: x=1"]


def _sign_in(world, target: str):
    client = world.app.test_client()
    token = csrf_token(client)
    email = f"actor.{world.roles[0]}@example.com"
    return client.post(f"/login?next={quote(target, safe='')}",
                       data={"email": email, "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_signing_in_with_a_hostile_next_lands_on_this_site(shipped, target):
    response = _sign_in(shipped, target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    cleaned = "".join(c for c in response.headers["Location"] if c not in "\t\r\n")
    assert not cleaned.startswith("//") and "evil" not in cleaned and "\n" not in response.headers["Location"]


def test_signing_in_with_a_path_on_this_site_goes_there(shipped):
    response = _sign_in(shipped, "/app/contact?q=ann")
    assert response.status_code == 302 and response.headers["Location"].endswith("/app/contact?q=ann")
