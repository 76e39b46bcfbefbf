"""Amounts written into spreadsheet and CSV cells: one rule (app.services.amounts.cell_number) for every export."""

from decimal import Decimal

import numpy as np
import pytest

from app.services import amounts


@pytest.mark.parametrize(('minor', 'currency', 'cell'), [
    (150050, 'KES', 1500.5), (1250, None, 12.5), (-7, 'USD', -0.07),
    (15000, 'RWF', Decimal('15000')), (12345, 'BHD', Decimal('12.345')),
    (np.int64(1250), 'KES', 12.5), (np.float64(15000.0), 'RWF', Decimal('15000')),
])
def test_a_cell_holds_major_units_with_the_currencys_own_decimals(minor, currency, cell):
    written = amounts.cell_number(minor, currency)
    assert written == cell and type(written) is type(cell)
    assert str(written) == str(cell)  # a CSV cell reads 15000 (RWF), not 15000.0 nor 150.00


def test_a_missing_figure_from_a_frame_stays_missing():
    assert np.isnan(amounts.cell_number(float('nan'), 'KES'))
    assert amounts.cell_number(float('nan'), 'RWF').is_nan()
