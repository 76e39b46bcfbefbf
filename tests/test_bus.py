"""The in-process bus: every subscriber hears a thread's events in the order they were published, also when a
subscriber publishes (the waitlist offering a cancelled booking's time)."""

from __future__ import annotations

from datetime import date

from app.services import events


def test_an_event_published_by_a_subscriber_reaches_everyone_after_the_one_being_delivered():
    bus = events.InProcessBus()
    cancelled = events.BookingChanged(booking_id=1, location_id=1, staff_member_id=1, day=date(2030, 3, 4),
                                      change='cancelled', status='cancelled')
    offered = events.WaitlistChanged(location_id=1, entry_id=7, change='offered')
    first_heard: list[object] = []
    last_heard: list[object] = []

    def waitlist(event: object) -> None:  # subscribed first, like the front desk's waitlist
        first_heard.append(event)
        if event is cancelled:
            bus.publish(offered)

    bus.subscribe(waitlist)
    bus.subscribe(last_heard.append)  # the pages' bridge
    bus.publish(cancelled)
    assert first_heard == [cancelled, offered]
    assert last_heard == [cancelled, offered]  # not the offer before the cancellation that caused it
    bus.publish(offered)  # delivering is over: the next publish is delivered at once again
    assert last_heard == [cancelled, offered, offered]
    assert bus.version(1) == 1  # the booking counted once (the waitlist is not a data version)
