"""What the page modules declare, in the navigation's order: the table the app mounts its pages from, each
page's module imported when the page is first opened. Written by ``python -m app.pages.table`` from the declarations
on the pages' functions — do not edit: declare in the page's module and run it again (tests/test_page_table.py
checks the two agree)."""

from __future__ import annotations

from inspect import Parameter

from fastapi import Request

from app.models import Role
from app.pages.registry import Declared, PageEntry, PublicPage, RouteEntry, SharedView

DECLARED: tuple[Declared, ...] = (
    Declared(
        module='app.pages.frontdesk.dashboard',
        function='dashboard_page',
        declaration=PageEntry(
            path='/',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Dashboard',
            icon='dashboard',
            others_home=True,
        ),
        parameters=(
            ('day', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.dashboard',
        function='dashboard_parts',
        declaration=SharedView(
            name='dashboard',
        ),
    ),
    Declared(
        module='app.pages.frontdesk.bookings',
        function='bookings_page',
        declaration=PageEntry(
            path='/bookings',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Bookings',
            icon='event',
        ),
        parameters=(
            ('day', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.bookings',
        function='day_view_parts',
        declaration=SharedView(
            name='day-view',
        ),
    ),
    Declared(
        module='app.pages.money.sales',
        function='sales_page',
        declaration=PageEntry(
            path='/sales',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Sales',
            icon='point_of_sale',
        ),
        parameters=(
            ('day', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.money.commission',
        function='commission_page',
        declaration=PageEntry(
            path='/commission',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Commission & tips',
            icon='percent',
        ),
        parameters=(
            ('start', str | None, None),
            ('end', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.customers.customers',
        function='customers_page',
        declaration=PageEntry(
            path='/customers',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Customers',
            icon='people',
        ),
        parameters=(
            ('q', str, ''),
        ),
    ),
    Declared(
        module='app.pages.customers.customers',
        function='customer_page',
        declaration=PageEntry(
            path='/customers/{customer_id}',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Customer',
            icon=None,
        ),
        parameters=(
            ('customer_id', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.customers.chat',
        function='chat_page',
        declaration=PageEntry(
            path='/chat',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Chat',
            icon='chat',
        ),
        parameters=(
            ('c', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.customers.chat',
        function='customer_chat_page',
        declaration=PublicPage(
            path='/chat/{token}',
            proof="the conversation's chat link token",
        ),
        parameters=(
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.customers.chat',
        function='staff_file',
        declaration=RouteEntry(
            method='GET',
            path='/chat-files/{attachment_id}',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            proof=None,
        ),
        parameters=(
            ('attachment_id', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.customers.chat',
        function='customer_file',
        declaration=RouteEntry(
            method='GET',
            path='/chat/{token}/files/{attachment_id}',
            roles=None,
            proof="the conversation's chat link token",
        ),
        parameters=(
            ('token', str, Parameter.empty),
            ('attachment_id', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.messaging.messages',
        function='messages_page',
        declaration=PageEntry(
            path='/messages',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Messages',
            icon='sms',
        ),
        parameters=(
            ('status', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.waitlist',
        function='waitlist_page',
        declaration=PageEntry(
            path='/waitlist',
            roles=frozenset({Role.MANAGER, Role.OWNER, Role.STAFF}),
            title='Waitlist',
            icon='hourglass_top',
        ),
    ),
    Declared(
        module='app.pages.catalogue.catalog',
        function='catalog_page',
        declaration=PageEntry(
            path='/catalog',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Services & products',
            icon='content_cut',
        ),
    ),
    Declared(
        module='app.pages.catalogue.staff',
        function='staff_page',
        declaration=PageEntry(
            path='/staff',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Staff',
            icon='badge',
        ),
    ),
    Declared(
        module='app.pages.catalogue.staff',
        function='calendar_feed',
        declaration=RouteEntry(
            method='GET',
            path='/calendar/{name}',
            roles=None,
            proof="the staff member's calendar feed token",
        ),
        parameters=(
            ('name', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.analytics.analytics',
        function='analytics_page',
        declaration=PageEntry(
            path='/analytics',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Analytics',
            icon='insights',
        ),
        parameters=(
            ('start', str | None, None),
            ('end', str | None, None),
            ('location', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.analytics.schedules',
        function='reports_page',
        declaration=PageEntry(
            path='/reports',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Scheduled reports',
            icon='schedule_send',
        ),
    ),
    Declared(
        module='app.pages.campaigns.campaigns',
        function='campaigns_page',
        declaration=PageEntry(
            path='/campaigns',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Campaigns',
            icon='campaign',
        ),
        parameters=(
            ('segment', str | None, None),
            ('days', str | None, None),
            ('location', str | None, None),
        ),
    ),
    Declared(
        module='app.pages.campaigns.campaigns',
        function='campaign_page',
        declaration=PageEntry(
            path='/campaigns/{campaign_id}',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Campaign',
            icon=None,
        ),
        parameters=(
            ('campaign_id', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.imports.salon',
        function='import_page',
        declaration=PageEntry(
            path='/import',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Import',
            icon='upload_file',
            needs_location=False,
        ),
    ),
    Declared(
        module='app.pages.accounts.activity',
        function='activity_page',
        declaration=PageEntry(
            path='/activity',
            roles=frozenset({Role.MANAGER, Role.OWNER}),
            title='Activity',
            icon='history',
            needs_location=False,
        ),
        parameters=(
            ('action', str, ''),
            ('email', str, ''),
            ('start', str, ''),
            ('end', str, ''),
        ),
    ),
    Declared(
        module='app.pages.accounts.accounts',
        function='users_page',
        declaration=PageEntry(
            path='/users',
            roles=frozenset({Role.OWNER}),
            title='Users',
            icon='manage_accounts',
            needs_location=False,
        ),
    ),
    Declared(
        module='app.pages.accounts.accounts',
        function='settings_page',
        declaration=PageEntry(
            path='/settings',
            roles=frozenset({Role.OWNER}),
            title='Settings',
            icon='settings',
            needs_location=False,
        ),
    ),
    Declared(
        module='app.pages.frontdesk.kiosk',
        function='kiosk_page',
        declaration=PageEntry(
            path='/kiosk',
            roles=frozenset({Role.KIOSK}),
            title='Kiosk',
            icon=None,
            framed=False,
        ),
    ),
    Declared(
        module='app.pages.accounts.login',
        function='native_login',
        declaration=PublicPage(
            path='/native-login',
            proof="the desktop window's one-time token, from this machine",
        ),
        parameters=(
            ('request', Request, Parameter.empty),
            ('token', str, ''),
        ),
    ),
    Declared(
        module='app.pages.accounts.login',
        function='login_page',
        declaration=PublicPage(
            path='/login',
            proof='none: the sign-in form',
        ),
        parameters=(
            ('next', str, ''),
        ),
    ),
    Declared(
        module='app.pages.accounts.sign_in_link',
        function='account_link_page',
        declaration=PublicPage(
            path='/account/{token}',
            proof="the sign-in link's token",
            title='Your sign-in',
        ),
        parameters=(
            ('request', Request, Parameter.empty),
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.accounts.setup',
        function='setup_page',
        declaration=PublicPage(
            path='/setup',
            proof='the setup token printed at start (or the owner, until there is a location)',
        ),
        parameters=(
            ('token', str, ''),
        ),
    ),
    Declared(
        module='app.pages.money.mpesa',
        function='mpesa_callback_without_token',
        declaration=RouteEntry(
            method='POST',
            path='/payments/mpesa/callback',
            roles=None,
            proof='none: refused and logged (every prompt carries its token)',
            include_in_schema=False,
        ),
        parameters=(
            ('request', Request, Parameter.empty),
        ),
        coroutine=True,
    ),
    Declared(
        module='app.pages.money.mpesa',
        function='mpesa_callback',
        declaration=RouteEntry(
            method='POST',
            path='/payments/mpesa/callback/{token}',
            roles=None,
            proof="the prompt's callback token",
            include_in_schema=False,
        ),
        parameters=(
            ('request', Request, Parameter.empty),
            ('token', str, Parameter.empty),
        ),
        coroutine=True,
    ),
    Declared(
        module='app.pages.money.stripe_webhook',
        function='stripe_webhook',
        declaration=RouteEntry(
            method='POST',
            path='/payments/stripe/webhook',
            roles=None,
            proof="Stripe's signature of the body",
            include_in_schema=False,
        ),
        parameters=(
            ('request', Request, Parameter.empty),
        ),
        coroutine=True,
    ),
    Declared(
        module='app.pages.frontdesk.manage',
        function='manage_page',
        declaration=PublicPage(
            path='/my/{token}',
            proof='the manage link token',
            title='Your booking',
        ),
        parameters=(
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.manage',
        function='offer_page',
        declaration=PublicPage(
            path='/offer/{token}',
            proof="the waitlist offer's token",
            title='A time came free',
        ),
        parameters=(
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.manage',
        function='calendar_file',
        declaration=RouteEntry(
            method='GET',
            path='/my/{token}/booking.ics',
            roles=None,
            proof='the manage link token',
        ),
        parameters=(
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.manage',
        function='chat_link',
        declaration=RouteEntry(
            method='GET',
            path='/my/{token}/chat',
            roles=None,
            proof='the manage link token',
        ),
        parameters=(
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.online',
        function='online_booking_page',
        declaration=PublicPage(
            path='/book/{location_id}',
            proof='none: a location that takes online bookings',
            title='Book online',
        ),
        parameters=(
            ('location_id', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.frontdesk.online',
        function='deposit_return_page',
        declaration=PublicPage(
            path='/book/{location_id}/deposit/{token}',
            proof="the deposit's token",
            title='Book online',
        ),
        parameters=(
            ('location_id', str, Parameter.empty),
            ('token', str, Parameter.empty),
        ),
    ),
    Declared(
        module='app.pages.health',
        function='healthz',
        declaration=RouteEntry(
            method='GET',
            path='/healthz',
            roles=None,
            proof='none: whether this process serves, no data',
            include_in_schema=False,
        ),
        coroutine=True,
    ),
    Declared(
        module='app.pages.messaging.delivery_reports',
        function='africastalking_report_without_token',
        declaration=RouteEntry(
            method='POST',
            path='/messages/sms/africastalking',
            roles=None,
            proof='none: refused and logged (the registered URL carries its token)',
            include_in_schema=False,
        ),
        parameters=(
            ('request', Request, Parameter.empty),
        ),
        coroutine=True,
    ),
    Declared(
        module='app.pages.messaging.delivery_reports',
        function='africastalking_report',
        declaration=RouteEntry(
            method='POST',
            path='/messages/sms/africastalking/{token}',
            roles=None,
            proof="the delivery reports' token",
            include_in_schema=False,
        ),
        parameters=(
            ('request', Request, Parameter.empty),
            ('token', str, Parameter.empty),
        ),
        coroutine=True,
    ),
    Declared(
        module='app.pages.accounts.backups',
        function='backups_page',
        declaration=PageEntry(
            path='/settings/backups',
            roles=frozenset({Role.OWNER}),
            title='Backups',
            icon=None,
            needs_location=False,
        ),
    ),
)
