"""Missing Java or Maven skips the real-cluster tests on a laptop and fails them in CI."""

from __future__ import annotations

from .requirements import missing_tools, must_fail_instead_of_skip


def test_missing_tools_are_named() -> None:
    assert missing_tools(lambda tool: None if tool == "mvn" else f"/usr/bin/{tool}") == ["mvn"]
    assert missing_tools(lambda tool: f"/usr/bin/{tool}") == []


def test_only_ci_true_turns_the_skip_into_a_failure() -> None:
    assert must_fail_instead_of_skip({"CI": "true"})
    assert not must_fail_instead_of_skip({})
    assert not must_fail_instead_of_skip({"CI": "false"})
