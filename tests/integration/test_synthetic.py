"""The synthetic generator: valid, deterministic events in large batches, on both storages."""

import pytest

from bpt.domain.figures import fold
from bpt.domain.ledger import project_id
from bpt.domain.refusal import Refusal
from bpt.projections.audit.integrity import check_chains
from bpt.projections.demo.synthetic import generate
from tests.conftest import initialised

Y = 2021


@pytest.fixture
def handle(db_url):
    bpt = initialised(db_url)
    yield bpt
    bpt.close()


def contents(bpt, codes):
    """What each project's events say, without recording times and hashes."""
    skip = {"timestamp", "chain", "originator_topic", "originator_id"}
    return {code: [(type(e).__name__, sorted((k, str(v)) for k, v in vars(e).items() if k not in skip))
                   for e in bpt.app.events.get(project_id(Y, code))] for code in codes}


def test_generated_events_are_valid_and_counted(handle):
    seen = []
    counts = generate(handle, 2, 3, 30, seed=7, progress=lambda done, total: seen.append((done, total)))
    app = handle.app
    assert counts["events"] == app.recorder.max_notification_id() == 1 + 2 * (2 + 3 * 31)
    assert counts["projects"] == 6 and sum(counts["event_types"].values()) == counts["events"]
    assert counts["event_types"]["Paid"] > 0 and seen[-1] == (counts["events"], counts["events"])
    assert app.departments(Y) == ["S7D0001", "S7D0002"]
    for dept in app.departments(Y):
        for code in app.department(Y, dept).projects:
            project = app.project(Y, code)
            assert project.version == 30
            assert fold(app.events.get(project.id)) == project.figures()
            assert project.figures()["executed"] <= project.figures()["adjusted_budget"]
    assert check_chains(handle) == []


def test_same_seed_same_events_and_seeds_share_a_database(handle, tmp_path):
    generate(handle, 1, 2, 40, seed=3)
    other = initialised(str(tmp_path / "other.db"))
    generate(other, 1, 2, 40, seed=3)
    codes = ["S3D0001P0001", "S3D0001P0002"]
    assert contents(handle, codes) == contents(other, codes)
    other.close()
    with pytest.raises(Refusal) as e:
        generate(handle, 1, 2, 40, seed=3)
    assert e.value.field == "合成数据"
    generate(handle, 1, 1, 5, seed=4)
    assert handle.app.departments(Y) == ["S3D0001", "S4D0001"]


def test_long_projects_are_snapshotted_from_memory(handle):
    generate(handle, 1, 1, 450, seed=1)  # crosses the snapshot interval (200) twice in one batch
    project = handle.app.project(Y, "S1D0001P0001")
    assert project.version == 450
    assert fold(handle.app.events.get(project.id)) == project.figures()
    snapshots = list(handle.app.snapshots.get(project.id))
    assert [s.originator_version for s in snapshots] == [450]
    assert check_chains(handle) == []


@pytest.mark.parametrize(("sizes", "field"), [((0, 1, 5), "规模"), ((1, 1, 1), "每个项目事件数")])
def test_impossible_sizes_are_refused(handle, sizes, field):
    with pytest.raises(Refusal) as e:
        generate(handle, *sizes)
    assert e.value.field == field
    assert not handle.app.recorder.max_notification_id()


def test_a_batch_of_twelve_thousand_events_is_saved_on_both_storages(handle):
    # One transaction of this size hangs psycopg's pipeline mode on PostgreSQL (see imports/batch.py).
    counts = generate(handle, 1, 100, 120, seed=5)
    assert counts["events"] == handle.app.recorder.max_notification_id() == 1 + 2 + 100 * 121
    project = handle.app.project(Y, "S5D0001P0100")
    assert fold(handle.app.events.get(project.id)) == project.figures() and project.version == 120
