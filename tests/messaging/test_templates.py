"""Templates are user text in a small language (app/services/messaging/template_language.py): unknown placeholders
are refused on save, and a template cannot reach Python's internals or build a huge string (more in
tests/messaging/test_template_bounds.py)."""

from __future__ import annotations

import jinja2
import pytest

from app.services.errors import ValidationError
from app.services.messaging import templates


def test_every_default_template_checks():
    for subject, body in templates.DEFAULTS.values():
        templates.check(subject, field='subject')
        templates.check(body, field='body')


def test_an_unknown_placeholder_is_refused_on_save_naming_it():
    with pytest.raises(ValidationError, match=r'Unknown placeholder \{\{ first_name \}\}') as caught:
        templates.check('Hi {{ first_name }}, see you at {{ time }}', field='body')
    assert caught.value.field == 'body'


def test_a_syntax_error_names_its_line():
    with pytest.raises(ValidationError, match=r'line 2'):
        templates.check('Hello\n{{ customer_name ', field='body')


@pytest.mark.parametrize('text', [
    "{{ customer_name.__class__.__mro__ }}",
    "{{ customer_name.format_map }}{{ ''.__class__ }}",
    "{{ 'x' * 1000000000 }}",
    '{{ 10 ** 100000000 }}',
    '{% for i in range(10**9) %}x{% endfor %}',
])
def test_the_sandbox_refuses_what_is_not_a_message(text):
    with pytest.raises(ValidationError):
        templates.check(text, field='body')


def test_render_fills_in_and_caps_the_length():
    assert templates.render('Hi {{ customer_name }}!', {'customer_name': 'Alex'}) == 'Hi Alex!'
    long = templates.render('{{ location_address }}' * 30, {'location_address': 'ab' * 150})
    assert len(long) == templates.MAX_OUTPUT


def test_what_the_language_allows_is_filled_in_as_jinja2_would():
    text = ("{% if code in '123 482913' and not staff %}Code {{ code }}{% elif staff == 'Sam' %}With {{ staff|upper }}"
            "{% else %}{{ staff|default('our team', true)|title }}{% endif %}, {{ customer_name|truncate(9) }}"
            "{{ ' (VIP)' if 'VIP' in customer_name else '' }}{{ staff or 'us' }} {{ -3 }} {{ true }} {{ 2 < 3 }}\n")
    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text)
    for values in ({'code': '482913', 'staff': '', 'customer_name': 'Alex'},
                   {'code': '1', 'staff': 'Sam', 'customer_name': 'Alexandra Morgan VIP'},
                   {'code': '1', 'staff': 'ﬃ ßam', 'customer_name': 'Alexandra Morgan-Smith'}):
        assert templates.render(text, values) == jinja.render(**values)
    assert templates.render(text, {'code': '7', 'staff': '', 'customer_name': 'Alex'}).startswith('Our Team, Alex')


def test_a_template_too_long_is_refused_on_save():
    with pytest.raises(ValidationError, match='at most 2000') as caught:
        templates.check('x' * (templates.MAX_TEMPLATE + 1), field='subject')
    assert caught.value.field == 'subject'
