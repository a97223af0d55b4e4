"""Grouping Accuracy (GA), the LogHub benchmark's measure of how well a parser groups log messages.

As the LogHub README defines it: a message counts as correct when the set of messages the parser puts
in its group equals the set of messages that share its ground-truth event id; GA is the share of
correct messages. A parser that splits one event into two groups, or merges two events, gets every
message of those groups wrong, however many it got right inside them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Share of messages whose predicted group is exactly their true group (1.0 for no messages).

    predicted[i] and truth[i] are the group ids of message i; ids are compared within each sequence
    only, so "P1" and "E1" need not correspond. Raises ValueError when the lengths differ.
    """
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted group ids for {len(truth)} messages")
    if not truth:
        return 1.0
    predicted_groups: dict[Hashable, set[int]] = {}
    true_groups: dict[Hashable, set[int]] = {}
    for index, (group, event) in enumerate(zip(predicted, truth, strict=True)):
        predicted_groups.setdefault(group, set()).add(index)
        true_groups.setdefault(event, set()).add(index)
    # Messages of one predicted group are all correct or all wrong: compare each group once.
    correct = 0
    for members in predicted_groups.values():
        first = next(iter(members))
        if members == true_groups[truth[first]]:
            correct += len(members)
    return correct / len(truth)
