"""The demo's request desk: several kinds in several states, one overdue, one waiting for the
RT/RW head rtrw1 (who sees it in their own list), one answered, so `make run` shows the queue."""

from __future__ import annotations

from portal.extensions import db
from portal.models import PublicRequest, RequestKind, RequestState
from portal.public_requests import handling


def test_seed_demo_fills_the_request_desk_queue_and_the_heads_list(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        requests = db.session.scalars(db.select(PublicRequest)).all()
        assert len({r.kind for r in requests}) >= 5
        assert {RequestState.NEW, RequestState.WAITING_AREA, RequestState.ANSWERED, RequestState.CLOSED} <= {r.state for r in requests}
        assert any(handling.is_overdue(r) for r in requests)
        assert any(handling.takes_correction(r) and r.proposed_changes for r in requests)
        waiting = next(r for r in requests if r.state == RequestState.WAITING_AREA)
        personal = next(r for r in requests if r.kind == RequestKind.PERSONAL_DATA)
        assert personal.acknowledge_due_at is not None and personal.acknowledged_at is None
        waiting_ref, waiting_id = waiting.reference, waiting.id
    auth.login("staff1", "demo-password-2026")
    queue = client.get("/meja-permintaan/").get_data(as_text=True)
    assert waiting_ref in queue and "terlambat" in queue
    auth.logout()
    auth.login("rtrw1", "demo-password-2026")
    assert waiting_ref in client.get("/meja-permintaan/").get_data(as_text=True)
    assert "apakah beliau benar sudah pindah" in client.get(f"/meja-permintaan/{waiting_id}").get_data(as_text=True)
