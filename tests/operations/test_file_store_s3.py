"""``FILE_STORAGE=s3://bucket/prefix``: stored files in S3-compatible object storage, against a local stand-in.

The backup/restore round trip with S3-stored files is in ``test_backup_restore.py`` (its ``s3`` case).
"""

from __future__ import annotations

import hashlib
import io

import pytest
from trellis.automation import drain
from trellis.config import resolve
from trellis.data.files import file_store
from trellis.errors import SettingsError
from trellis.testing.web import post, signed_in_client


def _object(client, bucket, name):
    return client.get_object(Bucket=bucket, Key=name)["Body"].read()


def test_files_are_put_read_listed_and_deleted_as_objects_under_the_prefix(app, s3_bucket):
    client, bucket = s3_bucket
    store = file_store(app)
    stored = store.put("imports/a1.csv", b"name\nAnn\n")
    store.put("imports/a2.json", b"{}")
    store.put("other/b.txt", "Ä".encode())

    assert stored.sha256 == hashlib.sha256(b"name\nAnn\n").hexdigest() and stored.size == 9
    assert _object(client, bucket, "trellis/imports/a1.csv") == b"name\nAnn\n"
    assert store.get("imports/a1.csv") == b"name\nAnn\n"
    assert store.get("imports/missing.csv") is None
    listed = store.listing("imports/")
    assert [(f.key, f.size, f.sha256) for f in listed] == [
        ("imports/a1.csv", 9, hashlib.sha256(b"name\nAnn\n").hexdigest()),
        ("imports/a2.json", 2, hashlib.sha256(b"{}").hexdigest())]
    assert all(f.updated_at.tzinfo is not None for f in listed)
    assert [f.key for f in store.listing()] == ["imports/a1.csv", "imports/a2.json", "other/b.txt"]

    store.put("imports/a1.csv", b"replaced")
    assert store.get("imports/a1.csv") == b"replaced"
    store.delete("imports/a1.csv")
    store.delete("imports/a1.csv")                      # a second delete is no error
    assert store.get("imports/a1.csv") is None
    assert [f.key for f in store.listing("imports/")] == ["imports/a2.json"]


def test_an_object_another_program_put_is_listed_with_its_hashed_contents_and_foreign_names_left_out(app, s3_bucket):
    client, bucket = s3_bucket
    client.put_object(Bucket=bucket, Key="trellis/imports/by-hand.csv", Body=b"x,y\n")
    client.put_object(Bucket=bucket, Key="trellis/imports/.hidden", Body=b"no")
    client.put_object(Bucket=bucket, Key="outside/imports/z.csv", Body=b"no")
    assert [(f.key, f.sha256) for f in file_store(app).listing()] == [
        ("imports/by-hand.csv", hashlib.sha256(b"x,y\n").hexdigest())]


def test_a_listing_asks_for_each_checksum_only_when_it_is_read(app, s3_bucket):
    store = file_store(app)
    for n in range(5):
        store.put(f"imports/{n}.csv", b"x" * n)
    heads = []
    store.client.meta.events.register("before-call.s3.HeadObject", lambda **kw: heads.append(kw))
    listed = store.listing("imports/")
    assert [(f.key, f.size) for f in listed] == [(f"imports/{n}.csv", n) for n in range(5)] and heads == []
    assert listed[3].sha256 == hashlib.sha256(b"xxx").hexdigest() == listed[3].sha256
    assert len(heads) == 1


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "imports/../../x", "", "a//b", "imports/.hidden"])
def test_a_hostile_key_is_refused_and_nothing_is_written(app, s3_bucket, key):
    client, bucket = s3_bucket
    store = file_store(app)
    for call in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.delete(key)):
        with pytest.raises(ValueError, match="not a stored file's name"):
            call()
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_an_upload_through_the_web_lands_in_the_bucket_and_the_import_reads_it_back(app, records, s3_bucket):
    client, bucket = s3_bucket
    web = signed_in_client(app)
    text = "Name,Email\nÄnne,anne@example.com\nBob,not-an-email\n"
    r = post(web, "/app/customer/import", {"file": (io.BytesIO(text.encode()), "customers.csv")},
             content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    mapping_url = r.headers["Location"]
    token = mapping_url.rstrip("/").rsplit("/", 1)[-1]
    assert _object(client, bucket, f"trellis/imports/{token}.csv") == text.encode()

    post(web, mapping_url, {"map-0": "name", "map-1": "email"})
    assert post(web, mapping_url + "/run").status_code == 302
    drain(app)

    assert [row["name"] for row in records.query("customer").page().rows] == ["Änne"]
    assert web.get(mapping_url + "/progress").get_json()["status"] == "done"
    errors = _object(client, bucket, f"trellis/imports/{token}-errors.csv").decode("utf-8-sig")
    assert "Bob" in errors and "not-an-email" in errors
    assert "Bob" in web.get(mapping_url + "/errors.csv").get_data(as_text=True)


@pytest.mark.parametrize(("text", "words"), [
    ("s3://Bad_Bucket/x", "'Bad_Bucket' is not an S3 bucket name"),
    ("s3://ok-bucket/../x", "'../x' is not a valid S3 prefix"),
])
def test_a_bad_s3_location_names_the_setting(tmp_path, text, words):
    with pytest.raises(SettingsError, match=f"TRELLIS_FILE_STORAGE: {words}"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_FILE_STORAGE": text})


def test_s3_storage_without_boto3_is_refused_at_start_naming_the_extra(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "boto3", None)     # as if it were not installed
    with pytest.raises(SettingsError, match=r"TRELLIS_FILE_STORAGE: S3 storage needs boto3.*trellis-crm\[s3\]"):
        resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_FILE_STORAGE": "s3://files/trellis"})
    location = resolve({"ORG_DIR": str(tmp_path)}, environ={"TRELLIS_FILE_STORAGE": "/srv/files"})
    assert location["FILE_STORAGE"] == "/srv/files"
