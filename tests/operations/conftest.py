"""The operations tests' organisation: one ``customer`` entity and no plugins (a test adds what it needs)."""

from pathlib import Path

import pytest

CUSTOMER = """
entity: customer
title: name
fields:
  name:   {type: string, required: true}
  note:   {type: string}
  email:  {type: email}
  amount: {type: decimal}
"""


@pytest.fixture
def trellis_config(trellis_config):
    """The pytest plugin's settings, with the customer entity and no plugins."""
    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customer.yaml").write_text(CUSTOMER, encoding="utf-8")
    trellis_config["PLUGINS"] = []
    return trellis_config


@pytest.fixture(scope="module")
def s3_server():
    """A local S3 stand-in (moto's server) on a free port of 127.0.0.1: its endpoint URL."""
    pytest.importorskip("boto3", reason="S3 storage needs boto3 (pip install 'trellis-crm[s3]')")
    moto_server = pytest.importorskip("moto.server", reason="the S3 tests need moto[server] (the test extra)")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(app, s3_server, monkeypatch):
    """A fresh bucket on the stand-in, and ``app`` storing its files there under ``trellis/``: a boto3
    client and the bucket's name, to look inside."""
    import secrets

    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                        "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                        "NO_PROXY": "127.0.0.1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3", endpoint_url=s3_server)
    bucket = f"trellis-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=bucket)
    app.config.update(FILE_STORAGE=f"s3://{bucket}/trellis", S3_ENDPOINT_URL=s3_server)
    return client, bucket
