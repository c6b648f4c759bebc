"""A won deal starts a project from a template, its tasks' dates shifted to the project's start in working days."""


def _template(world):
    template = world.api("post", "project_template", who="pm", name="Website build", for_won_deals=True)
    assert template.status_code == 201, template.get_json()
    template = template.get_json()["id"]
    steps = {}
    for name, offset, duration, after in (("Kick-off", 0, 1, None), ("Build", 1, 3, "Kick-off"),
                                          ("Handover", 4, 2, "Build")):
        made = world.api("post", "project_template_task", template=template, name=name, start_offset=offset,
                         duration=duration, after=steps.get(after), position=len(steps))
        assert made.status_code == 201, made.get_json()
        steps[name] = made.get_json()["id"]
    return template


def _won_deal(world, **extra):
    contact = world.api("post", "contact", who="admin", first_name="Ana", last_name="Client").get_json()["id"]
    deal = world.api("post", "deal", who="admin", name="Shop site", contact=contact, amount="5000", **extra)
    assert deal.status_code == 201, deal.get_json()
    deal = deal.get_json()["id"]
    assert world.api("post", f"deal/{deal}/transitions/qualify", who="admin").status_code == 200
    won = world.api("post", f"deal/{deal}/transitions/win", who="admin")
    assert won.status_code == 200, won.get_json()
    return deal, contact


def test_a_won_deal_starts_a_project_from_the_template_with_shifted_dates(world):
    template = _template(world)
    deal, contact = _won_deal(world, project_start="2027-04-29")        # a Thursday
    projects = world.api("get", f"project?deal={deal}").get_json()["data"]
    assert len(projects) == 1
    project = projects[0]
    assert (project["name"], project["contact"]["id"], project["template"]["id"]) == ("Shop site", contact, template)
    assert (project["start_date"], project["end_date"], project["budget"]) == ("2027-04-29", "2027-05-07", "5000.00")
    tasks = world.api("get", f"task?project={project['id']}&sort=start_date").get_json()["data"]
    assert [(t["name"], t["start_date"], t["due_date"]) for t in tasks] == [
        ("Kick-off", "2027-04-29", "2027-04-29"),
        ("Build", "2027-04-30", "2027-05-04"),           # Fri, over the weekend, to Tue
        ("Handover", "2027-05-05", "2027-05-07")]        # Wed and Fri: Thursday is a holiday
    links = world.api("get", f"task_dependency?project={project['id']}").get_json()["data"]
    assert {(d["predecessor"]["id"], d["successor"]["id"]) for d in links} == {
        (tasks[0]["id"], tasks[1]["id"]), (tasks[1]["id"], tasks[2]["id"])}


def test_a_deal_not_yet_won_starts_no_project(world):
    contact = world.api("post", "contact", who="admin", last_name="Bo").get_json()["id"]
    deal = world.api("post", "deal", who="admin", name="Maybe", contact=contact, amount="10").get_json()["id"]
    assert world.api("post", f"deal/{deal}/transitions/qualify", who="admin").status_code == 200
    assert world.api("get", f"project?deal={deal}").get_json()["data"] == []


def test_a_start_too_far_for_the_calendar_refuses_the_win(world):
    _template(world)
    contact = world.api("post", "contact", who="admin", last_name="Far").get_json()["id"]
    deal = world.api("post", "deal", who="admin", name="Far future", contact=contact, amount="10",
                     project_start="9999-12-30").get_json()["id"]
    assert world.api("post", f"deal/{deal}/transitions/qualify", who="admin").status_code == 200
    refused = world.api("post", f"deal/{deal}/transitions/win", who="admin")
    assert refused.status_code == 422 and "project_start" in refused.get_json()["error"]["fields"]
    assert world.api("get", f"deal/{deal}", who="admin").get_json()["stage"] == "qualified"
    assert world.api("get", f"project?deal={deal}").get_json()["data"] == []
