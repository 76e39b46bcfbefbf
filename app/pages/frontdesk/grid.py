"""The calendar grid both the day view (a column per staff member) and a staff member's week (a column per day) draw:
``day_grid.js`` with its columns and booking blocks."""

from __future__ import annotations

from nicegui.element import Element

from app import live
from app.models import BookingRead
from app.pages.formatting import local_time
from app.pages.frontdesk.dashboard import STATUS_COLOURS
from app.services import clock
from app.services.analytics.noshow import Risk
from app.services.frontdesk.bookings import STATUS_LABELS

PX_PER_MINUTE = 1.1
MIN_BLOCK_PX = 16  # one line of a block's text; a 15-minute booking (16.5 px) must not cover the next one


class DayGrid(live.SearchableText, Element, component='day_grid.js'):
    """The day view (``day_grid.js``): staff columns with their working hours (``grid``) and the booking blocks
    (``blocks``, each in its staff member's ``column``), both shared by every open day view (see
    ``bookings.day_view_parts``), or a staff member's week (columns are days: ``week.week_parts``); ``own`` is the
    staff member whose column comes first. Emits ``open`` with a
    booking's id when its block is clicked."""

    def __init__(self, grid: dict, blocks: list[dict], own: int | None) -> None:
        super().__init__()
        live.set_prop(self, 'grid', grid)
        live.set_prop(self, 'blocks', blocks)
        self.props['own'] = own

    def searchable_text(self) -> list[str]:
        """The booking blocks' texts and no-show risks (what ``user.should_see`` finds in the day view)."""
        return [text for block in self.props['blocks'] for text in (block['text'], block.get('risk_label')) if text]

    def booking_ids(self) -> set[int]:
        """The bookings drawn."""
        return {block['id'] for block in self.props['blocks']}


def block_of(booking: BookingRead, clash: bool, tz: str, risk: Risk | None = None) -> dict:
    """One booking as ``day_grid.js`` draws it: ``{id, column (its staff member's id), start (minute of the local
    day), text, title, style (CSS, all but the top, which follows from start and the first hour shown), risk
    ('medium' or 'high': a badge; None for low or unknown), risk_label}``."""
    start = clock.minute_of_day(booking.starts_at, tz)
    minutes = (booking.ends_at - booking.starts_at).total_seconds() / 60
    colour = STATUS_COLOURS[booking.status.value]
    edge = {'border': '2px solid #e53935'} if clash else {} if booking.duration_known else {'border': '2px dashed #fff'}
    text = f'{local_time(booking.starts_at, tz)} {booking.customer_name} · {booking.service_name}'
    details = [text, STATUS_LABELS[booking.status]]
    if clash:
        details.append('overlaps another booking')
    if not booking.duration_known:
        details.append('length not recorded (imported)')
    shown = risk if risk is not None and risk.level in ('medium', 'high') else None
    if shown is not None:
        details.append(shown.label())
    return {'id': booking.id, 'column': booking.staff_member_id, 'start': start, 'text': text,
            'title': ' · '.join(details), 'risk': shown.level if shown else None,
            'risk_label': shown.label() if shown else None,
            'style': {'height': f'{max(minutes * PX_PER_MINUTE, MIN_BLOCK_PX)}px', 'left': f'{10 if clash else 3}px',
                      'right': '3px', 'background': colour, 'line-height': '16px', **edge}}


