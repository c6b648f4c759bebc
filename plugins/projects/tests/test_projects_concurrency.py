"""Saves at the same moment: two dependencies that would together close a cycle cannot both be saved."""

import threading


def test_two_opposite_dependencies_saved_at_once_leave_exactly_one(tmp_path, db_url, build_world):
    world = build_world(tmp_path, db_url)
    project = world.api("post", "project", name="Race").get_json()["id"]
    for round_ in range(3):
        a = world.new_task(project, f"A{round_}")
        b = world.new_task(project, f"B{round_}")
        start, answers = threading.Barrier(2), []

        def save(before, after):
            start.wait()
            answers.append(world.depend(before, after).status_code)

        threads = [threading.Thread(target=save, args=pair) for pair in ((a, b), (b, a))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [201, 422]
    assert len(world.api("get", f"task_dependency?project={project}").get_json()["data"]) == 3
