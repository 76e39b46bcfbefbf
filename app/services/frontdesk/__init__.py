"""Front desk: bookings and their rules, free times and holds, the waitlist, the kiosk, the dashboard's figures.

The waitlist hears of cancellations on the bus (:func:`app.services.frontdesk.waitlist.listen`), so bookings
never call it: loading this package connects it. Loading it also lets :mod:`.online_deposits` answer the M-Pesa
callbacks and card confirmations of deposits paid online.
"""

from app.services.frontdesk import online_deposits as _online_deposits
from app.services.frontdesk import waitlist as _waitlist

_waitlist.listen()
_online_deposits.connect()
