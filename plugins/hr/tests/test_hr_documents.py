"""Employee documents over HTTP: HR uploads on the employee's page; the employee and their managers
download; anyone else gets 404; size, kind and file-name tricks are refused or made harmless."""

import io
from pathlib import Path

PDF = b"%PDF-1.4\n% a tiny document\n%%EOF\n"


def _upload(world, who, person, data, filename, title="Signed contract", csrf=True):
    form = {"file": (io.BytesIO(data), filename), "title": title}
    if csrf:
        form["csrf_token"] = world.csrf[who]
    return world.clients[who].post(f"/hr/employee/{world.people[person]}/documents", data=form,
                                   content_type="multipart/form-data")


def _documents(world, person):
    answer = world.app.test_client().get(f"/api/v1/employee_document?employee={world.people[person]}",
                                         headers=world.headers["hr"])
    return answer.get_json()["data"]


def _stored(world):
    folder = Path(world.app.instance_path) / "hr_documents"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_hr_uploads_and_the_reporting_line_downloads_it(hr_world):
    answer = _upload(hr_world, "hr", "eve", PDF, "contract.pdf")
    assert answer.status_code == 303
    document = next(d for d in _documents(hr_world, "eve") if d["title"] == "Signed contract")
    assert (document["filename"], document["content_type"], document["size"]) == ("contract.pdf", "application/pdf",
                                                                                  len(PDF))
    url = f"/hr/documents/{document['id']}/download"
    for reader in ("eve", "mia", "boss", "hr"):          # herself, her managers, HR
        got = hr_world.clients[reader].get(url)
        assert got.status_code == 200 and got.data == PDF, reader
        assert 'filename=contract.pdf' in got.headers["Content-Disposition"]
    for stranger in ("olga", "nick"):                    # another line
        assert hr_world.clients[stranger].get(url).status_code == 404
    page = hr_world.clients["eve"].get(f"/app/employee/{hr_world.people['eve']}").get_data(as_text=True)
    assert url in page and 'name="file"' not in page     # listed for her; the upload form is HR's


def test_the_file_is_stored_under_a_random_key_never_under_its_name(hr_world):
    before = _stored(hr_world)
    assert _upload(hr_world, "hr", "olga", b"notes\n", "../../../../etc/passwd.txt", title="Notes").status_code == 303
    added = sorted(set(_stored(hr_world)) - set(before))
    assert len(added) == 1 and len(added[0]) == 32 and all(c in "0123456789abcdef" for c in added[0])
    document = next(d for d in _documents(hr_world, "olga") if d["title"] == "Notes")
    assert document["filename"] == "passwd.txt" and "storage_key" not in document


def test_too_big_a_wrong_kind_or_no_csrf_stores_nothing(hr_world):
    before, count = _stored(hr_world), len(_documents(hr_world, "nick"))
    limit = hr_world.app.config["HR_DOCUMENT_MAX_BYTES"]
    big = _upload(hr_world, "hr", "nick", PDF + b"x" * limit, "big.pdf")
    assert big.status_code == 303
    assert "larger than" in hr_world.clients["hr"].get(big.headers["Location"]).get_data(as_text=True)
    page = _upload(hr_world, "hr", "nick", b"<html><script>alert(1)</script>", "page.html")
    assert "Only PDF, PNG, JPEG and text files" in hr_world.clients["hr"].get(page.headers["Location"]).get_data(
        as_text=True)
    assert _upload(hr_world, "hr", "nick", b"MZ\x90\x00", "tool.txt").status_code == 303   # not text: refused
    assert _upload(hr_world, "hr", "nick", PDF, "ok.pdf", csrf=False).status_code == 400
    assert _stored(hr_world) == before and len(_documents(hr_world, "nick")) == count


def test_an_employee_or_manager_cannot_upload(hr_world):
    before = _stored(hr_world)
    assert _upload(hr_world, "mia", "eve", PDF, "x.pdf").status_code == 403
    assert _upload(hr_world, "eve", "eve", PDF, "x.pdf").status_code == 403
    assert _upload(hr_world, "olga", "eve", PDF, "x.pdf").status_code == 403   # the directory is open, not this
    assert hr_world.clients["hr"].post("/hr/employee/999999/documents", data={"csrf_token": hr_world.csrf["hr"]}
                                       ).status_code == 404
    assert _stored(hr_world) == before


def test_deleting_a_document_deletes_its_file(hr_world):
    _upload(hr_world, "hr", "boss", PDF, "gone.pdf", title="To delete")
    document = next(d for d in _documents(hr_world, "boss") if d["title"] == "To delete")
    files = set(_stored(hr_world))
    deleted = hr_world.app.test_client().delete(f"/api/v1/employee_document/{document['id']}",
                                                headers=hr_world.headers["hr"])
    assert deleted.status_code in (200, 204)
    assert len(files - set(_stored(hr_world))) == 1
    assert hr_world.clients["hr"].get(f"/hr/documents/{document['id']}/download").status_code == 404
