"""Send a "Win back" campaign on the demo business as if 35 days ago, so its performance page has a finished window's
worth of the demo's own bookings and receipts to measure (for screenshots and trying the page out).

Usage: CLIENTPULSE_DATA_DIR=… python scripts/demo_campaign.py [DAYS_AGO]
The campaign's e-mails really go out, over SMTP, to a local aiosmtpd server this script starts (nothing leaves the
machine); it prints the campaign's id.
"""

from __future__ import annotations

import os
import socket
import sys
from datetime import timedelta

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

SUBJECT = 'We miss you at {{ location_name }}'
BODY = ('Hello {{ customer_name }},\n\nit has been a while! Book again and give the code {{ offer_code }} at checkout '
        'for 15 % off.\n\n{{ location_phone }}')
"""The campaign's text (a message text: tests/messaging/test_template_bounds.py checks it)."""


def main(days_ago: int = 35) -> None:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    server = Controller(Sink(), hostname='127.0.0.1', port=port)
    server.start()
    os.environ.update(CLIENTPULSE_SMTP_HOST='127.0.0.1', CLIENTPULSE_SMTP_PORT=str(port))
    from app.models import CampaignCreate, Offer, Target
    from app.services import clock
    from app.services.accounts import users
    from app.services.campaigns import campaigns
    from app.services.catalogue import locations
    from app.services.messaging import outbox

    owner = users.authenticate('owner@demo.clientpulse', 'demo1234')  # the demo's owner
    location = locations.list_locations(actor=owner)[0]
    sent_at = clock.now() - timedelta(days=days_ago)
    made = campaigns.create_campaign(CampaignCreate(
        location_id=location.id, name='Win back: at risk', target=Target(segment='at_risk'), channel='email',
        subject=SUBJECT, body=BODY,
        holdout_permille=200, cost_per_message_cents=2, budget_cents=500, attribution_days=30,
        offer=Offer(code='WELCOME-BACK', percent_off=15)), actor=owner, as_of=sent_at)
    campaigns.send_campaign(made.id, actor=owner, as_of=sent_at)
    while outbox.deliver_due(as_of=sent_at + timedelta(minutes=1)):
        pass
    server.stop()
    print(made.id)


if __name__ == '__main__':
    main(*(int(x) for x in sys.argv[1:2]))
