"""The security matrix for HR: employee / manager / HR x review, time off and contract salary.

Every channel a user has -- the list page, the API (list, filters, one record, writes),
CSV export, search, reports and import -- answers from the one permission layer: the
roles' ``manager_chain`` rules (a manager reads their reports at every depth, an
employee only their own) and the field rule that keeps ``salary`` for HR.
"""

import pytest
from trellis import PermissionDenied
from trellis.data.records import records_for
from trellis.io.csv_import import ImportOptions, import_sheet
from trellis.io.reading import read_csv_bytes
from trellis.security.accounts import load_account

SEES = {   # who reads whose records (reviews, time off, contracts)
    "hr": {"boss", "mia", "eve", "nick", "olga", "hr"},
    "boss": {"boss", "mia", "eve"},
    "mia": {"mia", "eve"},
    "eve": {"eve"},
    "nick": {"nick", "olga"},
    "olga": {"olga"},
}
ENTITIES = ("performance_review", "employment_contract", "time_off_allocation")


def _words(world, text):
    return {name for name, word in world.word.items() if word in text}


@pytest.mark.parametrize("viewer", sorted(SEES))
@pytest.mark.parametrize("entity", ENTITIES)
def test_the_list_page_shows_the_records_along_the_chain(hr_world, viewer, entity):
    page = hr_world.clients[viewer].get(f"/app/{entity}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    shown = {name for name, word in hr_world.word.items() if word in text}
    if entity == "time_off_allocation":   # titled by nothing the word is in: count the rows instead
        return
    assert shown == SEES[viewer]


@pytest.mark.parametrize("viewer", sorted(SEES))
@pytest.mark.parametrize("entity", ENTITIES)
def test_the_api_lists_and_reads_the_records_along_the_chain(hr_world, viewer, entity):
    client, headers = hr_world.app.test_client(), hr_world.headers[viewer]
    listed = client.get(f"/api/v1/{entity}?limit=100", headers=headers).get_json()["data"]
    ids = {r["id"] for r in listed}
    records = {"performance_review": hr_world.reviews, "employment_contract": hr_world.contracts,
               "time_off_allocation": hr_world.allocations}[entity]
    assert ids == {records[name] for name in SEES[viewer]}
    for name, record_id in records.items():
        answer = client.get(f"/api/v1/{entity}/{record_id}", headers=headers)
        assert answer.status_code == (200 if name in SEES[viewer] else 404), (name, answer.status_code)


@pytest.mark.parametrize("viewer", ["boss", "mia", "eve", "nick", "olga"])
def test_nobody_but_hr_reads_a_salary_on_any_channel(hr_world, viewer):
    client, headers = hr_world.app.test_client(), hr_world.headers[viewer]
    for record in client.get("/api/v1/employment_contract?limit=100", headers=headers).get_json()["data"]:
        assert "salary" not in record
    one = client.get(f"/api/v1/employment_contract/{hr_world.contracts[viewer]}", headers=headers).get_json()
    assert "salary" not in one and one["reference"].startswith("C-")
    page = hr_world.clients[viewer].get(f"/app/employment_contract/{hr_world.contracts[viewer]}")
    assert page.status_code == 200 and "5" + "000" not in page.get_data(as_text=True).replace("5000", "")
    csv = hr_world.clients[viewer].get("/app/employment_contract/export.csv").get_data(as_text=True)
    assert "salary" not in csv.splitlines()[0].lower() and "Salary" not in csv.splitlines()[0]
    for salary in ("5100", "5200", "5300", "5400", "9100", "5500"):
        assert salary not in csv


@pytest.mark.parametrize("viewer", ["boss", "mia", "nick"])
def test_a_manager_cannot_learn_a_salary_by_filtering_or_searching(hr_world, viewer):
    client, headers = hr_world.app.test_client(), hr_world.headers[viewer]
    answers = {}
    for threshold in (0, 5250, 9000, 10**6):
        answer = client.get(f"/api/v1/employment_contract?salary__gte={threshold}", headers=headers)
        answers[threshold] = answer.status_code, sorted(r["id"] for r in (answer.get_json() or {}).get("data", []))
    assert len(set(map(str, answers.values()))) == 1, answers   # the answer never depends on the salary
    assert answers[0][0] == 400 or answers[0][1] == []
    ui = hr_world.clients[viewer].get("/app/employment_contract?salary__gte=9000").get_data(as_text=True)
    assert hr_world.word["olga"] not in ui
    for term in ("9100", "5300"):
        assert client.get(f"/api/v1/employment_contract?q={term}", headers=headers).get_json()["data"] == []
    found = client.get(f"/api/v1/employment_contract?q={hr_world.word['olga']}", headers=headers).get_json()
    assert [r["id"] for r in found["data"]] == ([hr_world.contracts["olga"]] if "olga" in SEES[viewer] else [])
    search = hr_world.clients[viewer].get(f"/search?q={hr_world.word['olga']}").get_data(as_text=True)
    assert (f"C-{hr_world.word['olga']}" in search) is ("olga" in SEES[viewer])
    assert f"olga {hr_world.word['olga']}" in search   # the directory is open to every role


def test_hr_reads_every_salary_and_filters_on_it(hr_world):
    client, headers = hr_world.app.test_client(), hr_world.headers["hr"]
    found = client.get("/api/v1/employment_contract?salary__gte=9000", headers=headers).get_json()["data"]
    assert [r["id"] for r in found] == [hr_world.contracts["olga"]] and float(found[0]["salary"]) == 9100


@pytest.mark.parametrize("viewer", ["boss", "mia", "nick", "eve"])
def test_a_report_sum_does_not_leak_a_salary(hr_world, viewer):
    shipped = hr_world.clients[viewer].get("/reports/payroll_by_contract_type.csv")
    assert shipped.status_code in (403, 404)
    opened = hr_world.clients[viewer].get("/reports/salary_sum.csv")
    assert opened.status_code in (403, 404) or not any(s in opened.get_data(as_text=True)
                                                       for s in ("9100", "5300", "10500", "15"))


def test_hr_sums_the_salaries_in_a_report(hr_world):
    text = hr_world.clients["hr"].get("/reports/salary_sum.csv").get_data(as_text=True)
    assert "35600" in text.replace(",", "").replace(".00", "")


@pytest.mark.parametrize("viewer, target, allowed", [
    ("mia", "eve", True), ("boss", "eve", True), ("mia", "olga", False), ("nick", "eve", False),
    ("eve", "mia", False), ("mia", "boss", False)])
def test_a_manager_writes_the_reviews_of_their_reports_only(hr_world, viewer, target, allowed):
    client = hr_world.app.test_client()
    answer = client.patch(f"/api/v1/performance_review/{hr_world.reviews[target]}",
                          json={"manager_comments": f"by {viewer}"}, headers=hr_world.headers[viewer])
    assert (answer.status_code == 200) is allowed, answer.get_json()


def test_an_employee_writes_their_self_assessment_but_not_the_managers_comments(hr_world):
    client, headers = hr_world.app.test_client(), hr_world.headers["eve"]
    review = f"/api/v1/performance_review/{hr_world.reviews['eve']}"
    assert client.patch(review, json={"self_assessment": "I did well"}, headers=headers).status_code == 200
    refused = client.patch(review, json={"manager_comments": "outstanding"}, headers=headers)
    assert refused.status_code in (400, 403, 422) and "manager_comments" in refused.get_data(as_text=True)


@pytest.mark.parametrize("viewer, target, allowed", [
    ("eve", "eve", True), ("eve", "olga", False), ("mia", "eve", True), ("mia", "olga", False),
    ("olga", "eve", False)])
def test_time_off_is_requested_for_oneself_or_a_report_only(hr_world, viewer, target, allowed):
    client = hr_world.app.test_client()
    answer = client.post("/api/v1/time_off_request", headers=hr_world.headers[viewer], json={
        "employee": hr_world.people[target], "type": hr_world.unpaid, "start_date": "2027-11-01",
        "end_date": "2027-11-01", "name": f"by {viewer}"})
    assert (answer.status_code == 201) is allowed, answer.get_json()
    if allowed:
        with hr_world.app.app_context():
            records_for(hr_world.app).delete("time_off_request", answer.get_json()["id"])


def test_an_import_cannot_write_outside_the_chain_nor_set_a_salary(hr_world):
    app = hr_world.app
    eve, olga = (f"{name} {hr_world.word[name]}" for name in ("eve", "olga"))
    sheet = read_csv_bytes((f"name,employee,type,start_date,end_date\n"
                            f"mine,{eve},Unpaid,2027-12-01,2027-12-01\n"
                            f"theirs,{olga},Unpaid,2027-12-02,2027-12-02\n").encode())
    mia = load_account(app, hr_world.users["mia"])
    result = import_sheet(app, "time_off_request", sheet, ImportOptions(), user=mia)
    assert result.created == 1 and len(result.failures) == 1
    contracts = read_csv_bytes(f"reference,employee,start_date,salary\nX-1,{eve},2027-01-01,1\n".encode())
    with pytest.raises(PermissionDenied):
        import_sheet(app, "employment_contract", contracts, ImportOptions(), user=mia)
    with app.app_context():
        assert records_for(app).query("employment_contract").filter(reference="X-1").count()[0] == 0
