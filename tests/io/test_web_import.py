"""The import page: upload a file, check the suggested mapping, preview, run as a job, read the summary."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from trellis.automation import drain
from trellis.testing.web import post, signed_in_client

PEOPLE = ("Фамилия,Имя,E-mail,Notes\n"
          "Petrova,Anna,anna@example.com,x\nIvanov,Ivan,not-an-email,y\nSmith,Jo,jo@example.com,z\n")


@pytest.fixture
def web(app):
    return signed_in_client(app)


def upload(client, text, name="people.csv", entity="contact"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return post(client, f"/app/{entity}/import", data, content_type="multipart/form-data")


def selected(page, index):
    select = re.search(rf'<select id="map-{index}" name="map-{index}">(.*?)</select>', page, re.S).group(1)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else ""


def test_a_file_goes_from_upload_to_imported_records_with_an_error_file(app, web, svc):
    r = upload(web, PEOPLE)
    assert r.status_code == 302
    mapping_url = r.headers["Location"]
    page = web.get(mapping_url).get_data(as_text=True)
    assert [selected(page, i) for i in range(4)] == ["last_name", "first_name", "email", ""]

    form = {"map-0": "last_name", "map-1": "first_name", "map-2": "email", "map-3": ""}
    r = post(web, mapping_url, form)
    preview = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'class="cell-error"' in preview and "not-an-email" in preview
    assert "1 of them would fail" in preview
    assert svc.query("contact").page().rows == []   # a preview writes nothing

    r = post(web, mapping_url + "/run")
    assert r.status_code == 302 and r.headers["Location"].endswith("/status")
    assert web.get(mapping_url + "/progress").get_json()["status"] == "queued"
    drain(app)
    assert sorted(c["last_name"] for c in svc.query("contact").page().rows) == ["Petrova", "Smith"]
    progress = web.get(mapping_url + "/progress").get_json()
    assert (progress["status"], progress["created"], progress["failed"], progress["done"]) == ("done", 2, 1, 3)
    status = web.get(mapping_url + "/status").get_data(as_text=True)
    assert "2 created" in status and "1 failed" in status
    errors = web.get(mapping_url + "/errors.csv")
    assert errors.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(errors.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(row["_row"], row["Фамилия"]) for row in rows] == [("3", "Ivanov")]
    assert "E-mail" in rows[0]["_errors"]


def test_an_xlsx_file_is_mapped_too(web):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Last name", "Email"])
    book.active.append(["Lee", "lee@example.com"])
    data = io.BytesIO()
    book.save(data)
    r = post(web, "/app/contact/import", {"file": (io.BytesIO(data.getvalue()), "people.xlsx")},
             content_type="multipart/form-data")
    page = web.get(r.headers["Location"]).get_data(as_text=True)
    assert [selected(page, i) for i in range(2)] == ["last_name", "email"]


def test_a_file_over_the_size_limit_is_refused(app, web):
    app.config["IMPORT_MAX_BYTES"] = 100
    r = upload(web, PEOPLE * 5)
    assert r.status_code in (413, 422)
    assert "larger than" in r.get_data(as_text=True)


def test_uploads_older_than_the_keep_days_are_removed_at_the_next_upload(app, web):
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from trellis.data.database import db
    from trellis.data.files import FILE_TABLE, file_store

    first = upload(web, PEOPLE).headers["Location"]
    second = upload(web, PEOPLE).headers["Location"]
    old_token = first.rstrip("/").rsplit("/", 1)[-1]
    file_store(app).put(f"imports/{old_token}-errors.csv", b"row,column,message\n")
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {FILE_TABLE} SET updated_at = :at WHERE key LIKE :token"),
                           {"at": datetime.now(UTC) - timedelta(days=8), "token": f"imports/{old_token}%"})
    upload(web, PEOPLE)
    assert [f.key for f in file_store(app).listing(f"imports/{old_token}")] == []
    assert web.get(first).status_code == 404 and web.get(second).status_code == 200


def test_an_upload_taken_by_one_app_server_is_imported_by_a_worker_on_another_machine(app, web, svc, tmp_path,
                                                                                      trellis_config):
    from trellis.app import create_app

    mapping_url = upload(web, PEOPLE).headers["Location"]
    post(web, mapping_url, {"map-0": "last_name", "map-1": "first_name", "map-2": "email", "map-3": ""})
    post(web, mapping_url + "/run")
    assert not (Path(app.config["INSTANCE_DIR"]) / "imports").exists()     # nothing on this machine's disk
    worker = create_app({**trellis_config, "INSTANCE_DIR": str(tmp_path / "elsewhere")})
    drain(worker)
    assert sorted(c["last_name"] for c in svc.query("contact").page().rows) == ["Petrova", "Smith"]
    assert web.get(mapping_url + "/progress").get_json()["status"] == "done"


def test_uploads_may_live_in_a_shared_folder_instead(app, web, svc, tmp_path):
    app.config["FILE_STORAGE"] = str(tmp_path / "shared")
    mapping_url = upload(web, PEOPLE).headers["Location"]
    token = mapping_url.rstrip("/").rsplit("/", 1)[-1]
    assert (tmp_path / "shared" / "imports" / f"{token}.csv").read_bytes() == PEOPLE.encode()
    post(web, mapping_url, {"map-0": "last_name", "map-1": "first_name", "map-2": "email", "map-3": ""})
    post(web, mapping_url + "/run")
    drain(app)
    assert web.get(mapping_url + "/progress").get_json()["status"] == "done"
    assert (tmp_path / "shared" / "imports" / f"{token}-errors.csv").exists()


def test_the_import_settings_are_checked_like_every_setting(tmp_path):
    from trellis.config import resolve
    from trellis.errors import SettingsError

    (tmp_path / "trellis.yaml").write_text("import_keep_days: 30\n")
    assert resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_IMPORT_MAX_BYTES": "1000"})["IMPORT_MAX_BYTES"] == 1000
    with pytest.raises(SettingsError, match="TRELLIS_IMPORT_KEEP_DAYS: expected a whole number above 0, not 'soon'"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_IMPORT_KEEP_DAYS": "soon"})


def test_another_users_upload_is_not_found(app, web):
    mapping_url = upload(web, PEOPLE).headers["Location"]
    other = signed_in_client(app, "other@example.com")
    assert other.get(mapping_url).status_code == 404
    assert other.get(mapping_url + "/progress").status_code == 404


def test_a_user_who_may_not_create_the_entity_cannot_import(app, svc):
    client = signed_in_client(app, "clerk@example.com", role="contacts_user")
    assert client.get("/app/tag/import").status_code == 403
    r = upload(client, "name\nvip\n", name="tags.csv", entity="tag")
    assert r.status_code == 403
    assert svc.query("tag").page().rows == []
    assert client.get("/app/contact/import").status_code == 200   # contacts they may create


def test_the_import_page_speaks_the_users_language(web):
    post(web, "/preferences", {"locale": "ru"})
    page = web.get(upload(web, PEOPLE).headers["Location"]).get_data(as_text=True)
    assert "Столбец" in page and "Предпросмотр" in page
