"""The hash chain's canonical JSON is a stored fact: every recorded event's ``chain`` was computed
from it, so its bytes may never change (only how fast they are produced)."""

import hashlib
from datetime import date, datetime, timezone
from decimal import Decimal
from uuid import UUID

from bpt.domain.chain import canonical, link

FIELDS = {
    "amount": Decimal("154800.00"), "effective_date": date(2021, 3, 4),
    "timestamp": datetime(2021, 3, 5, 8, 30, 1, 250, tzinfo=timezone.utc),
    "originator_id": UUID("6b0f5f0e-2f43-4d7c-9a53-6a7f4f0b8b11"), "originator_version": 7,
    "note": "含\t制表符、“引号”与\"quotes\"\\", "rate": None, "reversed": False,
    "target": {"value": Decimal("100"), "comparison": "≥", "tags": {"b", "a"}},
    "chain": "excluded", "originator_topic": "excluded too",
}
EXPECTED = ('{"__event__": "Paid", "amount": "154800.00", "effective_date": "2021-03-04", '
            '"note": "含\\t制表符、“引号”与\\"quotes\\"\\\\", "originator_id": "6b0f5f0e-2f43-4d7c-9a53-6a7f4f0b8b11", '
            '"originator_version": 7, "rate": null, "reversed": false, '
            '"target": {"comparison": "≥", "tags": ["a", "b"], "value": "100"}, '
            '"timestamp": "2021-03-05T08:30:01.000250+00:00"}')


def test_the_canonical_form_of_an_event_is_fixed():
    assert canonical("Paid", FIELDS) == EXPECTED.encode()


def test_a_link_hashes_the_previous_link_and_the_canonical_form():
    assert link("abc", "Paid", FIELDS) == hashlib.sha256(b"abc|" + EXPECTED.encode()).hexdigest()
