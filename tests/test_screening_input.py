"""Screening input checked, not guessed: the OpenSanctions `target` flag.

The cases came from a red-team review. Each was a silent default: a `target` of `"false"`, `0` or `null`
read as designated. The rule: bad input gets a clear error naming the file, the field and what is allowed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.screening import ListFormatError, read_opensanctions

TARGET_ALLOWED = (
    "allowed: true (designated), false (a related entity, skipped) or no target field (designated)"
)


def problems_of(call, *args) -> list[str]:
    with pytest.raises(ListFormatError) as caught:
        call(*args)
    return [str(p) for p in caught.value.problems]


def write_entities(path: Path, *entities: dict) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def vessel(entity_id: str, imo: str, **fields: object) -> dict:
    return {
        "id": entity_id,
        "schema": "Vessel",
        "properties": {"name": ["SEA LARK"], "imoNumber": [imo], "flag": ["pa"]},
        "datasets": ["eu_fsf"],
        "first_seen": "2025-01-01",
        **fields,
    }


# ------------------------------------------------------------------------------- OpenSanctions target
def test_target_true_false_or_absent_decide_what_is_designated(tmp_path):
    """`true` and an absent `target` (a plain FollowTheMoney entity has none) are designated; `false` is a
    related entity, skipped. (As before the fix: this pins what it keeps.)"""
    path = write_entities(
        tmp_path / "l.jsonl",
        vessel("v-true", "IMO3100019", target=True),
        vessel("v-false", "IMO3100021", target=False),
        vessel("v-absent", "IMO3100033"),
    )
    assert read_opensanctions(path).vessels["entity_id"].tolist() == ["v-true", "v-absent"]


@pytest.mark.parametrize(
    ("target", "shown", "got"),
    [
        ("false", "'false'", "a string"),
        ("true", "'true'", "a string"),
        (0, "'0'", "a number"),
        (1, "'1'", "a number"),
        (None, "'null'", "null"),
        ([False], "'[false]'", "a list holding true/false"),
    ],
)
def test_a_target_that_is_not_a_boolean_is_a_list_problem(tmp_path, target, shown, got):
    """Only the literal `false` skipped an entity: `"false"`, `0` and `null` were read as designated."""
    organisation = {"id": "o-1", "schema": "Company", "properties": {"name": ["Norse Hull AS"]}}
    path = write_entities(
        tmp_path / "l.jsonl",
        vessel("v-1", "IMO3100019", target=target),
        {**organisation, "datasets": ["eu_fsf"], "target": target},
    )
    message = f"expected true or false, got {got}; {TARGET_ALLOWED}"
    assert problems_of(read_opensanctions, path) == [
        f"l.jsonl: line 1, field target, value {shown}: {message}",
        f"l.jsonl: line 2, field target, value {shown}: {message}",
    ]


def test_the_target_of_a_sanction_entity_is_not_read(tmp_path):
    """A Sanction entity dates a designation whatever its `target` (OpenSanctions writes `false`). (As
    before the fix: only vessels' and organisations' `target` is read.)"""
    sanction = {
        "id": "s-1",
        "schema": "Sanction",
        "properties": {"entity": ["v-1"], "listingDate": ["2024-02-23"]},
        "datasets": ["eu_fsf"],
        "target": "no",
    }
    path = write_entities(tmp_path / "l.jsonl", vessel("v-1", "IMO3100019", target=True), sanction)
    entries = read_opensanctions(path).vessels
    assert entries[["date", "date_basis"]].values.tolist() == [[pd.Timestamp("2024-02-23"), "sanction"]]
