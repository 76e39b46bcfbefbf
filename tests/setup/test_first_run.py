"""A new business sets itself up through the pages, from an empty database, with the link the app printed."""

from __future__ import annotations

from nicegui.testing import User

from tests.pages.test_pages import element, eventually


def _fill(user: User, marker: str, text: str) -> None:
    user.find(marker=marker).clear().type(text)


async def test_a_salon_sets_itself_up_from_the_printed_link(user: User):
    from app.services.accounts import setup  # the link the serving process printed (server.run)
    link = setup.setup_path()
    assert link is not None

    await user.open('/setup?token=guessed')  # anyone else on the network
    await user.should_see(marker='refused')

    await user.open(link)
    await user.should_see('Set up your business')
    _fill(user, 'setup-email', 'amelie@salon.test')
    _fill(user, 'setup-password', 'long enough')
    _fill(user, 'setup-password-again', 'long enough!')
    user.find(marker='setup-create-owner').click()
    await eventually(lambda: element(user, 'setup-password-again').error == 'The two passwords differ.')
    _fill(user, 'setup-password-again', 'long enough')
    user.find(marker='setup-create-owner').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'business')

    _fill(user, 'setup-name', 'Salon Amélie')
    _fill(user, 'setup-address', '12 rue de la Paix, Paris')
    element(user, 'setup-time-zone').set_value('Europe/Paris')
    element(user, 'setup-country').set_value('FR')
    element(user, 'setup-currency').set_value('EUR')
    element(user, 'setup-locale').set_value('fr_FR')
    _fill(user, 'setup-tax1-name', 'TVA')
    _fill(user, 'setup-tax1-percent', '120')  # a typo
    user.find(marker='setup-save-business').click()
    await eventually(lambda: 'between 0 and 100' in (element(user, 'setup-tax1-percent').error or ''))
    _fill(user, 'setup-tax1-percent', '20')
    _fill(user, 'setup-tax2-name', 'Éco-contribution')
    _fill(user, 'setup-tax2-percent', '5,5')
    element(user, 'setup-tax2-services').set_value(False)
    user.find(marker='setup-save-business').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'hours')

    element(user, 'setup-open-0').set_value(False)  # closed on Mondays
    _fill(user, 'setup-closes-5', '16:00')  # Saturdays until four
    user.find(marker='setup-save-hours').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'staff')

    _fill(user, 'setup-staff1-name', 'Becky')
    _fill(user, 'setup-staff1-break-from', '12:00')
    _fill(user, 'setup-staff1-break-to', '13:00')
    _fill(user, 'setup-staff2-name', 'Joanne')
    element(user, 'setup-staff2-day-off').set_value(2)  # Wednesdays
    user.find(marker='setup-save-staff').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'services')

    for number, (name, minutes, price, buffer) in enumerate([('Coupe femme', 45, 55, 0), ('Brushing', 30, 25, 0),
                                                             ('Couleur', 90, 80, 10)], start=1):
        _fill(user, f'setup-service{number}-name', name)
        element(user, f'setup-service{number}-minutes').set_value(minutes)
        element(user, f'setup-service{number}-price').set_value(price)
        element(user, f'setup-service{number}-buffer').set_value(buffer)
    user.find(marker='setup-finish').click()
    await eventually(lambda: user.back_history[-1] == '/')
    await user.should_see('Salon Amélie')  # the owner is signed in, on the dashboard of the new location
    revenue = element(user, 'revenue-today').text  # money in euros, written the French way
    assert revenue.startswith('0,00') and revenue.endswith('€'), revenue

    await user.open('/staff')
    team = {row['name']: row for row in element(user, 'staff-list').rows}
    assert (team['Becky']['Tue'], team['Becky']['Mon']) == ('09:00–12:00, 13:00–18:00', 'off')  # lunch; closed
    assert (team['Joanne']['Wed'], team['Joanne']['Sat']) == ('off', '09:00–16:00')  # day off; short Saturday
    await user.open('/catalog')
    menu = {row['name']: row for row in element(user, 'service-list').rows}
    assert set(menu) == {'Coupe femme', 'Brushing', 'Couleur'}
    assert (menu['Couleur']['buffer'], menu['Couleur']['duration']) == ('10 min', '90 min')
    await user.open(link)  # the link is spent: the install is set up
    await user.should_see(marker='refused')
