"""Grouping Accuracy as LogHub defines it: a message is right only if its whole group is its whole event."""

from __future__ import annotations

import pytest

from twspulse.joblog.grouping_accuracy import grouping_accuracy


def test_a_split_event_and_a_merged_group_cost_all_their_messages() -> None:
    truth = ["A", "A", "B", "B", "C"]
    predicted = [1, 1, 2, 3, 3]  # A exact; B split over 2 and 3; C merged into 3 with a B
    assert grouping_accuracy(predicted, truth) == pytest.approx(2 / 5)


def test_group_names_do_not_matter_only_the_grouping() -> None:
    truth = ["E1", "E2", "E1", "E3"]
    assert grouping_accuracy(["x", "y", "x", "z"], truth) == 1.0
    assert grouping_accuracy(["x", "x", "x", "x"], truth) == 0.0
    assert grouping_accuracy(["a", "b", "c", "d"], truth) == pytest.approx(2 / 4)  # E2 and E3 are singletons


def test_no_messages_is_perfect_and_mismatched_lengths_are_refused() -> None:
    assert grouping_accuracy([], []) == 1.0
    with pytest.raises(ValueError, match="2 predicted group ids for 3 messages"):
        grouping_accuracy([1, 2], ["A", "B", "C"])
