"""Front desk: bookings and their rules, free times and holds, the waitlist, the kiosk, the dashboard's figures.

The waitlist hears of cancellations on the bus (:func:`app.services.frontdesk.waitlist.listen`), so bookings
never call it: loading this package connects it.
"""

from app.services.frontdesk import waitlist as _waitlist

_waitlist.listen()
