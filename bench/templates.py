"""Message texts: what filling one in costs, the default confirmation and the worst texts the language allows.

    .venv/bin/python bench/templates.py [--repeat 300]

Prints the median time (µs) of ``templates.render`` of the default e-mail confirmation with the sample values,
cold (its check kept from no earlier render) and warm, as a ratio to an anchor measured in the same run: the same
text filled in by :class:`string.Template` (no checks at all). Then, for the language's worst texts of 2,000
characters with 300-character values (the caps), the time of one check and render (cold) and of a warm render (20
times each, fewer when ``--repeat`` is smaller), and the length of the output before the 5,000-character cut. Run it
with ``PYTHONPATH`` at an older checkout to compare (the worst texts are skipped where the language does not exist).
"""

from __future__ import annotations

import argparse
import re
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--repeat', type=int, default=300)
    report.add_option(parser)
    args = parser.parse_args()
    table = report.Table('templates', ['case', 'µs', '× anchor'], notes=[
        'Anchor: the same default confirmation filled in by `string.Template` (no checks), same run.'])
    worst_table = report.Table('templates_worst', ['text', 'cold (µs)', 'warm (µs)', 'output (characters)'])
    from app.models import MessageChannel, Template
    from app.services.messaging import templates

    _, body = templates.DEFAULTS[Template.CONFIRMATION, MessageChannel.EMAIL]
    values = dict(templates.SAMPLE)
    anchor = string.Template(re.sub(r'\{\{ (\w+) \}\}', r'${\1}', body))
    fresh = _fresh(templates)
    anchor_us = _median_us(lambda: anchor.substitute(values), args.repeat)
    print(f'{"case":58} {"µs":>9} {"× anchor":>9}')
    print(f'{"string.Template of the confirmation (anchor)":58} {anchor_us:9.1f} {1:9.1f}')
    table.add('string.Template of the confirmation (anchor)', f'{anchor_us:.1f}', '1.0')
    for name, call in (('render the default confirmation, cold', lambda: (fresh(), templates.render(body, values))),
                       ('render the default confirmation, warm', lambda: templates.render(body, values))):
        took = _median_us(call, args.repeat)
        print(f'{name:58} {took:9.1f} {took / anchor_us:9.1f}')
        table.add(name, f'{took:.1f}', f'{took / anchor_us:.1f}')
    if args.markdown:
        table.write()
    try:
        from app.services.messaging import template_language
    except ImportError:
        return
    worst_table.note(f'The language\'s worst texts of {templates.MAX_TEMPLATE} characters with values of '
                     f'{template_language.MAX_VALUE} characters (the caps); output is cut at 5,000 characters.')
    worst_repeat = min(20, args.repeat)  # each is slow: 20 (fewer for a quick run)
    print(f'\nworst texts ({templates.MAX_TEMPLATE} characters, values of {template_language.MAX_VALUE}):')
    print(f'{"text":58} {"cold µs":>9} {"warm µs":>9} {"output":>9}')
    for name, text, given in _worst(templates, template_language.MAX_VALUE):
        cold = _median_us(lambda text=text, given=given: (fresh(), _quiet(templates.render, text, given)), worst_repeat)
        warm = _median_us(lambda text=text, given=given: _quiet(templates.render, text, given), worst_repeat)
        output = len(template_language.compile_text(text, tuple(templates.PLACEHOLDERS)).fill(given)) \
            if _quiet(templates.render, text, given) is not None else 'refused'
        print(f'{name:58} {cold:9.1f} {warm:9.1f} {output!s:>9}')
        worst_table.add(name, f'{cold:.1f}', f'{warm:.1f}', output)
    if args.markdown:
        worst_table.write()


def _worst(templates, cap: int) -> list[tuple[str, str, dict[str, str]]]:
    """Texts of at most MAX_TEMPLATE characters that make the evaluator work hardest, with the values that do."""
    size = templates.MAX_TEMPLATE
    worst = {**templates.SAMPLE, 'customer_name': 'a' * (cap - 1) + 'b', 'location_address': 'a' * cap}

    def repeated(piece: str) -> str:
        return piece * (size // len(piece))
    return [
        ('every {{ location_address }} printed', repeated('{{location_address}}'), worst),
        ('substring searches, value in value', '{%if 1%}' + repeated('{%if customer_name in location_address%}'
                                                                    '{%endif%}')[:size - 16] + '{%endif%}', worst),
        ('a long written needle in a value', "{%if '" + 'a' * (size - 50) + "b' in location_address%}{%endif%}",
         worst),
        ('filters 19 deep, repeated', repeated('{{customer_name' + '|title' * 19 + '}}'), worst),
        ('ifs 20 deep', '{%if code%}' * 20 + 'x' + '{%endif%}' * 20, worst),
        ('nesting refused (parser recursion)', '{{' + '(' * (size // 2 - 4) + 'code' + ')' * (size // 2 - 4) + '}}',
         worst),
    ]


def _fresh(templates) -> Callable[[], None]:
    """Forget the checked texts kept between renders (a no-op where nothing is kept)."""
    try:
        from app.services.messaging import template_language
    except ImportError:
        return lambda: None
    return template_language.compile_text.cache_clear


def _quiet(render, text: str, values: dict[str, str]) -> str | None:
    from app.services.errors import ValidationError
    try:
        return render(text, values)
    except ValidationError:
        return None


def _median_us(call: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        runs.append((time.perf_counter() - started) / repeat * 1e6)
    return statistics.median(runs)


if __name__ == '__main__':
    main()
