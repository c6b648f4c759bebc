"""Finding 10 (security round 2): a request body past ``MAX_CONTENT_LENGTH`` is refused (413) before it is read.

The limit is a setting like any other (``TRELLIS_MAX_CONTENT_LENGTH``, ``max_content_length``
in ``trellis.yaml``), on by default, and above the import page's own file limit.
"""

import io

import pytest
from trellis.config import resolve

MB = 1024 * 1024


class CountingStream(io.RawIOBase):
    """A body of ``size`` bytes, made up as it is read, that counts what the server read of it."""

    def __init__(self, size: int):
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.position = self.size + offset if whence == 2 else offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        size = min(len(buffer), 64 * 1024)
        buffer[:size] = b"a" * size
        self.read_bytes += size
        return size


def _post_huge(app, path: str, declared: int):
    stream = CountingStream(declared)
    response = app.test_client().post(path, input_stream=stream, content_type="application/x-www-form-urlencoded")
    return response, stream


def test_the_request_size_limit_is_on_by_default_and_above_the_import_limit(tmp_path):
    settings = resolve({"ORG_DIR": str(tmp_path)}, environ={})
    assert settings["MAX_CONTENT_LENGTH"] > settings["IMPORT_MAX_BYTES"]
    assert settings["MAX_CONTENT_LENGTH"] <= 100 * MB


@pytest.mark.parametrize("path", ["/login", "/api/v1/forms/contact_us", "/app/contact/import"])
def test_a_body_past_the_default_limit_is_refused_with_413_without_being_read(trellis_app, path):
    trellis_app.config["API_FORMS"] = {"contact_us": {"entity": "contact", "fields": ["last_name"]}}
    response, stream = _post_huge(trellis_app, path, 200 * MB)
    assert response.status_code == 413
    assert stream.read_bytes < MB


def test_the_limit_is_a_setting_of_trellis_yaml_and_of_the_environment(tmp_path):
    (tmp_path / "trellis.yaml").write_text("max_content_length: 1000\n")
    assert resolve({"ORG_DIR": str(tmp_path)}, environ={})["MAX_CONTENT_LENGTH"] == 1000
    assert resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_MAX_CONTENT_LENGTH": "2000"})[
        "MAX_CONTENT_LENGTH"] == 2000
