"""Dates, numbers and the address bar's notices in the reader's language; English as it always was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.pages import formatting, params
from app.services import i18n

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

MOMENT = datetime(2030, 3, 4, 19, 30, tzinfo=UTC)  # a Monday; 14:30 in Toronto


@pytest.mark.parametrize(('language', 'when', 'rate', 'count', 'notice'), [
    ('en', 'Mon 04 Mar 2030 14:30', '12.5 %', '307,266',
     '"soon" is not a date (YYYY-MM-DD); showing 04 Mar 2030 as the first day.'),
    ('fr', 'lun. 04 mars 2030 14:30', '12,5 %', '307\xa0266',
     "« soon » n'est pas une date (AAAA-MM-JJ) ; affichage du 04 mars 2030 comme premier jour."),
    ('sw', 'Jumatatu 04 Mac 2030 14:30', '12.5 %', '307,266',
     '"soon" si tarehe (YYYY-MM-DD); inaonyesha 04 Mac 2030 kama siku ya kwanza.'),
])
def test_dates_numbers_and_notices_follow_the_language(language: str, when: str, rate: str, count: str, notice: str):
    with i18n.speaking(language):
        assert formatting.local_datetime(MOMENT, 'America/Toronto') == when
        assert formatting.rate(0.125) == rate
        assert formatting.count(307266) == count
        assert params.day('soon', date(2030, 3, 4), what=params.N_('first day')) == (date(2030, 3, 4), notice)
