"""Loyalty: points a customer earns at checkout (the location's points per whole unit of currency spent on services,
products or both, after discounts, before tax), spends on rewards (an amount off the sale, or a free service), and
loses back when what earned them is refunded (in proportion, by cumulative rounding: all of a sale refunded, in any
number of refunds, takes back exactly what it earned). Every change is a movement; the balance is their sum.
Spending locks the customer's row, so two desks cannot spend the same points."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from sqlalchemy import case, func, type_coerce
from sqlmodel import col, select

from app.models import Customer, Location, LoyaltyMovement, LoyaltyReward, Receipt, Service, UserRead
from app.models.base import UTCDateTime
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, MANAGING_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.amounts import check_amount, digits
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _, deferred, ngettext
from app.services.money.pricing import points_back, share_back

MAX_REWARD_POINTS = 100_000_000
"""The most a reward may cost (``loyalty_reward.points`` is a 32-bit column)."""


def eligible_cents(location: Location, lines: list[tuple[str, int]]) -> int:
    """What earns points of ``lines`` (``(kind, net cents)``, kind 'service' or 'product') at ``location``."""
    kinds = _earning_kinds(location)
    return sum(cents for kind, cents in lines if kind in kinds)


def _earning_kinds(location: Location) -> set[str]:
    """The kinds of line that earn points at ``location`` (its ``loyalty_on``: services, products or both)."""
    return {'services': {'service'}, 'products': {'product'}}.get(location.loyalty_on, {'service', 'product'})


def points_for(location: Location, cents: int) -> int:
    """Points for spending ``cents`` (minor units of the location's currency): whole units (shillings, francs,
    dinars) × the location's points per unit (0 when there is no scheme)."""
    return (max(cents, 0) // 10 ** digits(location.currency)) * location.loyalty_points_per_unit


def points_of(session, customer_id: int) -> int:
    """A customer's points now (the sum of their movements)."""
    return int(session.exec(select(func.coalesce(func.sum(LoyaltyMovement.points), 0)).where(
        LoyaltyMovement.customer_id == customer_id)).one())


def earn(session, location: Location, customer_id: int, cents: int, *, receipt_id: int, user_id: int | None,
         now: datetime) -> int:
    """Record the points ``cents`` of eligible spending earn (in the caller's transaction); returns them."""
    points = points_for(location, cents)
    if points:
        session.add(LoyaltyMovement(customer_id=customer_id, kind='earned', points=points, receipt_id=receipt_id,
                                    at=now, user_id=user_id))
    return points


def refunded_share(location: Location, lines: list[tuple[str, int, int, int]]) -> Fraction:
    """The share (exact, 0–1) of a sale's points that has come back: its eligible lines (``(kind, net cents,
    quantity sold, quantity brought back so far)``) weighted by their net amounts (what earned the points). A sale
    whose eligible lines come to nothing (its setting changed since, or all free) is weighted by units instead
    (:func:`~app.services.money.pricing.share_back` with the kinds that earn points at ``location``)."""
    return share_back(lines, _earning_kinds(location))


def take_back(session, customer_id: int, sale_id: int, share: Fraction, *, receipt_id: int, user_id: int | None,
              now: datetime) -> int:
    """A refund takes back the points the sale ``sale_id`` earned, by cumulative rounding
    (:func:`~app.services.money.pricing.running_part`): once ``share`` of the sale has come back (this refund
    included: :func:`refunded_share`), the sale's refunds have taken back ``running_part(earned, share)`` in all, so
    this one takes that less what the earlier ones took (an ``adjusted`` movement on the refund ``receipt_id``).
    Every unit refunded, in any number of refunds, takes back exactly what the sale earned; never more, at any step.
    Returns the points taken back now (≥ 0).
    """
    earned = int(session.exec(select(func.coalesce(func.sum(LoyaltyMovement.points), 0)).where(
        LoyaltyMovement.receipt_id == sale_id, LoyaltyMovement.kind == 'earned')).one())
    refunds = select(Receipt.id).where(Receipt.refund_of_id == sale_id, Receipt.id != receipt_id)
    taken = -int(session.exec(select(func.coalesce(func.sum(LoyaltyMovement.points), 0)).where(
        col(LoyaltyMovement.receipt_id).in_(refunds), LoyaltyMovement.kind == 'adjusted')).one())
    points = points_back(earned, taken, share)
    if points:
        session.add(LoyaltyMovement(customer_id=customer_id, kind='adjusted', points=-points, receipt_id=receipt_id,
                                    reason='refund', at=now, user_id=user_id))
    return points


def reward_for(session, reward_id: int, location_id: int, customer_id: int | None) -> LoyaltyReward:
    """A reward the customer can have now: at the location, active, and within their points (their row is locked
    until the sale commits).

    :raises ValidationError: no customer, no such reward here, or too few points (``field='reward'``)
    """
    if customer_id is None:
        raise ValidationError(_('Choose the customer whose points pay for the reward.'), field='reward')
    reward = session.get(LoyaltyReward, reward_id)
    if reward is None or reward.location_id != location_id or not reward.active:
        raise ValidationError(_('That reward is not offered here.'), field='reward')
    session.exec(select(Customer.id).where(Customer.id == customer_id).with_for_update()).first()
    have = points_of(session, customer_id)
    if have < reward.points:
        raise ValidationError(ngettext('{reward} needs {n} point; the customer has {have}.',
                                       '{reward} needs {n} points; the customer has {have}.', reward.points).format(
            reward=reward.name, n=reward.points, have=have),
                              field='reward')
    return reward


def redeem(session, reward: LoyaltyReward, customer_id: int, *, receipt_id: int, user_id: int | None,
           now: datetime) -> None:
    """Spend the reward's points (in the caller's transaction, after :func:`reward_for`)."""
    session.add(LoyaltyMovement(customer_id=customer_id, kind='redeemed', points=-reward.points, receipt_id=receipt_id,
                                reason=reward.name[:200], at=now, user_id=user_id))


def save_reward(reward_id: int | None, *, actor: UserRead, location_id: int, name: str, points: int,
                discount_cents: int | None = None, service_id: int | None = None, active: bool = True
                ) -> LoyaltyReward:
    """Add or change a reward: ``points`` (> 0) for ``discount_cents`` off the sale, or ``service_id`` free (one of
    the two). Logged.

    :raises ValidationError: no name, points outside 1–:data:`MAX_REWARD_POINTS`, neither or both of amount and
        service, an amount over :data:`~app.models.base.MAX_AMOUNT_CENTS`, a service of another location (``field``
        names it)
    :raises NotFoundError, PermissionDeniedError: no such reward; not an owner or manager of the location
    """
    ensure_role(actor, MANAGING_ROLES, N_('change loyalty rewards'))
    ensure_location(actor, location_id)
    name = (name or '').strip()
    if not name:
        raise ValidationError(_('Give the reward a name.'), field='name')
    if not 1 <= points <= MAX_REWARD_POINTS:
        raise ValidationError(_('A reward costs from 1 to {most} points.').format(most=f'{MAX_REWARD_POINTS:,}'),
                              field='points')
    if (discount_cents is None) == (service_id is None):
        raise ValidationError(_('A reward is an amount off or a free service.'), field='discount_cents')
    if discount_cents is not None and discount_cents <= 0:
        raise ValidationError(_('The amount off must be more than nothing.'), field='discount_cents')
    check_amount(discount_cents, 'discount_cents')
    with session_scope(write=True) as session:
        place = session.get(Location, location_id)
        check_amount(discount_cents, 'discount_cents', place.currency if place is not None else None)
        if service_id is not None:
            service = session.get(Service, service_id)
            if service is None or service.location_id != location_id:
                raise ValidationError(_('Choose a service of this location.'), field='service_id')
        reward = session.get(LoyaltyReward, reward_id) if reward_id is not None else LoyaltyReward(
            location_id=location_id, name=name, points=points)
        if reward is None or reward.location_id != location_id:
            raise NotFoundError(_('No such reward.'))
        reward.name, reward.points, reward.discount_cents, reward.service_id, reward.active = (
            name[:80], points, discount_cents, service_id, active)
        session.add(reward)
        session.flush()
        activity.add(session, actor, 'loyalty_reward', deferred(N_('Reward {reward}: {n} points'), reward=reward.name,
                                                                n=points),
                     location_id=location_id)
        session.expunge(reward)
        return reward


def rewards(location_id: int, *, actor: UserRead, include_inactive: bool = False) -> list[LoyaltyReward]:
    """A location's rewards by points. :raises PermissionDeniedError:"""
    ensure_reader(actor, location_id, FRONT_DESK_ROLES)
    with session_scope() as session:
        query = select(LoyaltyReward).where(LoyaltyReward.location_id == location_id)
        if not include_inactive:
            query = query.where(LoyaltyReward.active)
        return list(session.exec(query.order_by(LoyaltyReward.points)))


def ledger(customer_id: int, *, actor: UserRead) -> tuple[int, list[LoyaltyMovement]]:
    """A customer's points and their movements, newest first.

    :raises NotFoundError, PermissionDeniedError:
    """
    with session_scope() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError(_('No such customer.'))
        ensure_reader(actor, customer.location_id, FRONT_DESK_ROLES)
        moves = list(session.exec(select(LoyaltyMovement).where(LoyaltyMovement.customer_id == customer_id)
                                  .order_by(LoyaltyMovement.id.desc())))
        return sum(m.points for m in moves), moves


def expire_inactive(*, now: datetime | None = None) -> int:
    """Expire the points of customers who neither earned nor spent any for their location's
    ``loyalty_expiry_months`` (an ``expired`` movement of their whole balance); returns how many customers. Run
    daily by the scheduler; running it twice, one after the other or at the same moment, changes nothing more."""
    from datetime import timedelta

    from app.services import clock

    now = now or clock.now()
    expired = 0
    with session_scope(write=True) as session:
        # the locations' rows stay locked until this commits: a second run at the same moment (another process
        # whose job lock was lost, jobs.py) waits, then finds the balances already expired
        for location in session.exec(select(Location).where(Location.loyalty_expiry_months > 0)
                                     .with_for_update()).all():
            cutoff = now - timedelta(days=round(location.loyalty_expiry_months * 30.44))  # mean month length
            active = case((col(LoyaltyMovement.kind).in_(['earned', 'redeemed']), LoyaltyMovement.at))
            balances = (select(LoyaltyMovement.customer_id, func.sum(LoyaltyMovement.points),
                               type_coerce(func.max(active), UTCDateTime()))
                        .join(Customer, Customer.id == LoyaltyMovement.customer_id)
                        .where(Customer.location_id == location.id).group_by(LoyaltyMovement.customer_id))
            for customer_id, points, last_active in session.exec(balances).all():
                if points and points > 0 and last_active is not None and last_active < cutoff:
                    session.add(LoyaltyMovement(customer_id=customer_id, kind='expired', points=-int(points),
                                                reason=f'{location.loyalty_expiry_months} months without a visit',
                                                at=now))
                    expired += 1
        if expired:
            activity.add(session, None, 'points_expired', deferred(N_('Loyalty points expired for {n} customers'),
                                                                  n=expired))
    return expired
