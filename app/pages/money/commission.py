"""Commission and tips for a period (owners, managers): each staff member's takings, rates, commission and tips, as
set on the Staff page; downloadable as Excel or CSV."""

from __future__ import annotations

from nicegui import ui

from app.pages import dates, language, params
from app.pages.formatting import money_at
from app.pages.guard import PageContext, guarded_page
from app.pages.signed_in import MANAGING
from app.services import clock
from app.services.errors import ClientPulseError
from app.services.i18n import N_, _
from app.services.money import commission

COLUMNS = [{'name': k, 'label': label, 'field': k, 'align': 'left' if k == 'name' else 'right'}
           for k, label in (('name', N_('Staff member')), ('services', N_('Services')), ('service_rate', N_('Rate')),
                            ('products', N_('Products')), ('product_rate', N_('Rate')),
                            ('commission', N_('Commission')), ('tips', N_('Tips')))]
"""The table's columns (labels in English, translated where the table is drawn)."""


@guarded_page('/commission', roles=MANAGING, title=N_('Commission & tips'), icon='percent')
def commission_page(page: PageContext, start: str | None = None, end: str | None = None) -> None:
    """Commission and tips per staff member from ``start`` to ``end`` (ISO dates; default this month)."""
    today = clock.today(page.location.time_zone)
    first, message = params.day(start, today.replace(day=1), what=_('first day'))
    params.notice(message)
    last, message = params.day(end, today, what=_('last day'))
    params.notice(message)
    with ui.row().classes('items-end gap-3'):
        formats = page.location.locale
        from_input = dates.date_input(_('From'), first, locale=formats).props('dense').mark('commission-from')
        to_input = dates.date_input(_('To'), last, locale=formats).props('dense').mark('commission-to')
        ui.button(_('Show'), on_click=lambda: ui.navigate.to(
            f'/commission?start={from_input.value}&end={to_input.value}'))
    try:
        rows = commission.report(page.location.id, first, last, actor=page.user)
    except ClientPulseError as error:
        ui.label(str(error)).classes('text-negative').mark('commission-error')
        return
    money = lambda cents: money_at(cents, page.location)  # noqa: E731
    ui.table(columns=[{**c, 'label': _(c['label'])} for c in COLUMNS], rows=[{
        'id': r.staff_member_id, 'name': r.name, 'services': money(r.services_cents),
        'service_rate': f'{r.service_rate_bp / 100:g} %', 'products': money(r.products_cents),
        'product_rate': f'{r.product_rate_bp / 100:g} %', 'commission': money(r.commission_cents),
        'tips': money(r.tips_cents)} for r in rows], row_key='id').classes('w-full').props('dense flat').mark(
        'commission-table')
    ui.label(_('Takings after discounts and refunds, before tax. Rates are set per staff member on the Staff '
               'page.')).classes('text-sm text-slate-500')
    name = f'commission-{first.isoformat()}-{last.isoformat()}'

    async def excel() -> None:
        data = await language.io_bound(commission.to_xlsx, rows, _('{location}: {first} – {last}').format(
            location=page.location.name, first=first, last=last))
        ui.download(data, f'{name}.xlsx',
                    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')

    with ui.row().classes('gap-2'):
        ui.button('Excel', icon='download', on_click=excel).props('flat').mark('commission-xlsx')
        ui.button('CSV', icon='download', on_click=lambda: ui.download(
            commission.to_csv(rows), f'{name}.csv', 'text/csv')).props('flat').mark('commission-csv')

