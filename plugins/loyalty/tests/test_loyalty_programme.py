"""The ``loyalty:`` document: the source's programme loads; mistakes are ``trellis check`` errors with file:line."""

from pathlib import Path

import pytest


def test_the_source_programme_in_docs_passes_trellis_check(check, tmp_path, source_programme):
    docs = (Path(__file__).parents[3] / "docs" / "loyalty.md").read_text(encoding="utf-8")
    assert source_programme in docs
    result = check(tmp_path, source_programme)
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stdout


def test_the_organisations_programme_replaces_the_plugins_of_the_same_name(trellis_app):
    from trellis import metadata_model
    from trellis_plugins.loyalty.accounts import programmes

    with trellis_app.app_context():
        shipped, written = metadata_model().configs["loyalty"]
        (programme,) = programmes()
    assert shipped.name == written.name == "standard" and programme is written
    assert shipped.tiers and not programme.tiers and programme.earn_on == ("delivered", "invoiced")
    assert [(r.name, r.every, r.count, r.percent) for r in programme.rewards] == [
        ("ten_percent", 1000, 1, 10), ("two_vouchers", 5000, 2, 10)]


@pytest.fixture
def SOURCE_PROGRAMME(source_programme):  # noqa: N802 - reads like the constant it is
    return source_programme


def test_a_threshold_of_zero_is_an_error_at_its_line(check, tmp_path, SOURCE_PROGRAMME):  # noqa: N803
    result = check(tmp_path, SOURCE_PROGRAMME.replace("every: 1000", "every: 0"))
    assert result.returncode == 1
    assert "loyalty.yaml:10:12: error: 'every' of reward 'ten_percent' must be at least 1" in result.stdout


def test_an_unknown_reward_is_an_error_at_its_line(check, tmp_path, SOURCE_PROGRAMME):  # noqa: N803
    result = check(tmp_path, SOURCE_PROGRAMME.replace("voucher: {percent: 10}\n  two", "coupon: {percent: 10}\n  two"))
    assert result.returncode == 1
    assert ("loyalty.yaml:11:5: error: unknown reward 'coupon' in reward 'ten_percent' (known: voucher, discount, "
            "free_product)") in result.stdout


def test_negative_points_are_an_error_at_their_line(check, tmp_path, SOURCE_PROGRAMME):  # noqa: N803
    result = check(tmp_path, SOURCE_PROGRAMME.replace("per_unit: 1}", "per_unit: -1}"))
    assert result.returncode == 1
    assert "loyalty.yaml:7:18: error: 'per_unit' of 'earn' of a loyalty programme must be a number from 0" \
        in result.stdout


def test_an_unknown_key_is_an_error_with_a_suggestion(check, tmp_path, SOURCE_PROGRAMME):  # noqa: N803
    result = check(tmp_path, SOURCE_PROGRAMME.replace("earn_on:", "earn_onn:"))
    assert result.returncode == 1
    assert "loyalty.yaml:6:1: error: unknown key 'earn_onn' in a loyalty programme" in result.stdout
