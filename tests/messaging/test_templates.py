"""Templates are user text rendered in Jinja2's sandbox: unknown placeholders are refused on save, and a template
cannot reach Python's internals or build a huge string."""

from __future__ import annotations

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
    long = templates.render('{% for i in range(3000) %}ab{% endfor %}', {})
    assert len(long) == templates.MAX_OUTPUT


def test_a_template_too_long_is_refused_on_save():
    with pytest.raises(ValidationError, match='at most 2000') as caught:
        templates.check('x' * (templates.MAX_TEMPLATE + 1), field='subject')
    assert caught.value.field == 'subject'
