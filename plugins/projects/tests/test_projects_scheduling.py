"""Dependencies through HTTP: a slipping task moves its chain in working days; cycles are refused by name.

Calendar (conftest): Monday to Friday, Thursday 2027-05-06 a holiday.
"""


def test_delaying_a_task_three_working_days_moves_its_chain_by_three_working_days(world, project):
    a = world.new_task(project, "Design", "2027-04-26", "2027-04-27")      # Mon-Tue
    b = world.new_task(project, "Build", "2027-04-28", "2027-04-29")       # Wed-Thu
    c = world.new_task(project, "Test", "2027-04-30", "2027-05-03")        # Fri-Mon
    assert world.depend(a, b).status_code == 201
    assert world.depend(b, c).status_code == 201
    assert world.dates(c) == ("2027-04-30", "2027-05-03")                   # already in order: nothing moved

    moved = world.api("patch", f"task/{a}", start_date="2027-04-29", due_date="2027-04-30")   # +3 working days
    assert moved.status_code == 200, moved.get_json()
    assert world.dates(b) == ("2027-05-03", "2027-05-04")   # over the weekend: Mon-Tue
    assert world.dates(c) == ("2027-05-05", "2027-05-07")   # Wed, then Friday: Thursday is a holiday


def test_a_lag_and_the_other_kinds_of_dependency_are_honoured(world, project):
    a = world.new_task(project, "Pour", "2027-04-26", "2027-04-26")
    b = world.new_task(project, "Cure", "2027-04-26", "2027-04-26")
    c = world.new_task(project, "Paint", "2027-04-26", "2027-04-27")
    assert world.depend(a, b, kind="FS", lag=2).status_code == 201          # after Monday + 2 days of lag
    assert world.dates(b) == ("2027-04-29", "2027-04-29")
    assert world.depend(b, c, kind="FF").status_code == 201                 # finish no earlier than b
    assert world.dates(c) == ("2027-04-28", "2027-04-29")
    d = world.new_task(project, "Review", "2027-04-26", "2027-04-26")
    assert world.depend(a, d, kind="SS", lag=1).status_code == 201           # start a day after a starts
    assert world.dates(d) == ("2027-04-27", "2027-04-27")
    e = world.new_task(project, "Sign-off", "2027-04-26", "2027-04-27")
    assert world.depend(b, e, kind="SF").status_code == 201                 # finish no earlier than b starts
    assert world.dates(e) == ("2027-04-28", "2027-04-29")
    assert world.depend(a, e, lag=999).status_code == 422                    # lags are bounded


def test_a_dependency_cycle_is_refused_naming_the_cycle(world, project):
    a = world.new_task(project, "Alpha")
    b = world.new_task(project, "Beta")
    c = world.new_task(project, "Gamma")
    assert world.depend(a, b).status_code == 201
    assert world.depend(b, c).status_code == 201
    refused = world.depend(c, a)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["fields"]["predecessor"] == "This dependency would make a cycle: Gamma → Alpha → Beta → Gamma"
    assert world.depend(a, a).status_code == 422
    listed = world.api("get", f"task_dependency?project={project}").get_json()
    assert len(listed["data"]) == 2


def test_a_task_cannot_depend_on_a_task_of_another_project(world, project):
    other = world.api("post", "project", name="Other").get_json()["id"]
    refused = world.depend(world.new_task(other, "Elsewhere"), world.new_task(project, "Here"))
    assert refused.status_code == 422 and "same project" in refused.get_json()["error"]["fields"]["predecessor"]


def test_a_task_cannot_become_its_own_subtask(world, project):
    parent = world.new_task(project, "Parent")
    child = world.new_task(project, "Child", parent=parent)
    refused = world.api("patch", f"task/{parent}", parent=child)
    assert refused.status_code == 422 and "own subtask" in refused.get_json()["error"]["fields"]["parent"]


def test_a_date_too_far_for_the_calendar_is_refused_and_nothing_moves(world, project):
    a = world.new_task(project, "Now", "2027-04-26", "2027-04-26")
    b = world.new_task(project, "Next", "2027-04-27", "2027-04-27")
    world.depend(a, b)
    refused = world.api("patch", f"task/{a}", start_date="9999-12-30", due_date="9999-12-31")
    assert refused.status_code == 422 and "start_date" in refused.get_json()["error"]["fields"]
    assert world.dates(a) == ("2027-04-26", "2027-04-26") and world.dates(b) == ("2027-04-27", "2027-04-27")
