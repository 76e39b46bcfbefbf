"""The language of a message text: the small part of Jinja2 a location may write, checked when a text is saved and
again before every render, and run by a small evaluator of its own (Jinja2 only parses; it never compiles or runs a
text).

A message text may hold:

- plain text;
- ``{{ … }}`` printing a placeholder, a written value (``'text'``, ``24``, ``true``), or either through the filters
  ``upper``, ``lower``, ``title``, ``capitalize``, ``trim`` (no arguments), ``default('text')`` (the text given when
  the value is empty) and ``truncate(length, killwords, end, leeway)`` (Jinja2's, a length of at most
  :data:`MAX_VALUE`), with written arguments only;
- ``{% if %}`` / ``{% elif %}`` / ``{% else %}`` and ``a if condition else b``, whose conditions compare those with
  ``== != < > <= >= in not in`` and join them with ``and``, ``or``, ``not``.

Anything else is refused, naming its line: loops, calls (``range``, ``lipsum``, ``namespace``, …), ``set``, macros,
other templates, attribute or item access, arithmetic and ``~``, lists, ``is`` tests, other filters or statements,
and more than :data:`MAX_DEPTH` levels of nesting.

**The bound.** Every value is cut to :data:`MAX_VALUE` (V) characters before a text of L characters (L ≤ 2,000,
:data:`app.services.messaging.templates.MAX_TEMPLATE`) is filled in, and whatever a filter returns or a ``{{ … }}``
prints is cut to V characters too. With no loops and no calls, every node of the text runs at most once, and there
are fewer than L nodes, each the only user of its children's results (a middle term of ``a < b < c`` is used twice).
Every operation is linear in its inputs (``str.upper``, ``strip``, Jinja2's ``title`` regex, ``==``, ``<``), except
``in``, a substring search costing at most the product of its two sides. An input is either cut to V or a value
written in the text, and written values total at most L characters. So: linear work ≤ 2 × L × max(L, V); searches
with a written side ≤ L × max(L, V); searches between two placeholders (or filtered ones) cost ≤ V² each and each
takes at least 8 characters of the text (`` in code``), so ≤ L / 8 × V². With L = 2,000 and V = 300 that is below
40 million character steps, all in C — tens of milliseconds at the very worst (``bench/templates.py`` fills in the
worst texts it knows in a few milliseconds). Memory: the output of ``text`` is at most :func:`output_bound` ``(text)`` =
``len(text) + text.count('{{') × V`` characters (plain text prints at most its own length; every ``{{`` starts at
most one printed expression, cut to V): at most 122,000 characters before the 5,000-character cut.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.filters import FILTERS

from app.services.i18n import N_, _, ngettext

MAX_VALUE = 300
"""The most characters a value (a placeholder's) or a printed ``{{ … }}`` gives: the longest field a placeholder
shows is a location's address (300)."""
MAX_DEPTH = 20
"""The deepest nesting of ``{% if %}`` blocks, conditions and filters in one another."""

Values = Mapping[str, object]
_Expression = Callable[[dict[str, str]], object]
_Kinds = frozenset[str]
_TEXT, _NUMBER, _NONE = frozenset({'text'}), frozenset({'number'}), frozenset({'nothing'})
_Statement = Callable[[dict[str, str], list[str]], None]


class TextRefused(ValueError):
    """A message text that is not in the language, or cannot be filled in; ``str()`` says why in the desk's words,
    naming the line."""


@dataclass(frozen=True)
class Program:
    """A message text that passed :func:`compile_text`, ready to be filled in (immutable, shared between threads)."""

    placeholders: frozenset[str]
    """The placeholders the text uses."""
    _run: _Statement

    def fill(self, values: Values) -> str:
        """The text with ``values`` (placeholder → value; each cut to :data:`MAX_VALUE` characters) filled in: at most
        :func:`output_bound` characters of the text.

        :raises TextRefused: no value for a placeholder the text uses (nothing else: a comparison that could fail
            for some values is refused by :func:`compile_text`)
        """
        try:
            given = {name: str(values[name])[:MAX_VALUE] for name in self.placeholders}
        except KeyError as missing:
            raise TextRefused(_('No value for {placeholder}.').format(
                placeholder=f'{{{{ {missing.args[0]} }}}}')) from None
        out: list[str] = []
        try:
            self._run(given, out)
        except (TypeError, ValueError, ArithmeticError, RecursionError) as error:  # none expected: a last guard
            raise TextRefused(_('The text cannot be filled in: {error}').format(error=error)) from None
        return ''.join(out)


def output_bound(text: str) -> int:
    """The most characters :meth:`Program.fill` can return for ``text``, whatever the values (see the module)."""
    return len(text) + text.count('{{') * MAX_VALUE


@lru_cache(maxsize=512)
def compile_text(text: str, known: tuple[str, ...]) -> Program:
    """``text`` parsed by Jinja2 and checked against the language, with ``known`` the placeholders it may use.

    Deterministic in its arguments, so a checked text is kept (512 at most) and rendering it again does not parse it
    again; a refused one is checked afresh each time.

    :raises TextRefused: a syntax error, something outside the language, or an unknown placeholder (with its line)
    """
    try:
        tree = _PARSER.parse(text)
    except TemplateSyntaxError as error:
        # Jinja2's own words for the mistake follow (English: it has no translations)
        raise TextRefused((_('The text does not read (line {line}): {problem}') if error.lineno else _(
            'The text does not read: {problem}')).format(line=error.lineno, problem=error.message)) from None
    except RecursionError:
        raise TextRefused(_('The text is nested too deeply (more than {most} levels).').format(
            most=MAX_DEPTH)) from None
    except ValueError as error:  # a number too long to read
        raise TextRefused(_('The text does not read: {problem}').format(problem=error)) from None
    compiler = _Compiler(known)
    run = compiler.body(tree.body, 0)
    if compiler.unknown:
        names = sorted(compiler.unknown, key=compiler.unknown.get)
        raise TextRefused(ngettext('Unknown placeholder {names} (line {line}). Known: {known}.',
                                   'Unknown placeholders {names} (line {line}). Known: {known}.', len(names)).format(
            names=', '.join('{{ ' + name + ' }}' for name in names), line=compiler.unknown[names[0]],
            known=', '.join(known)))
    return Program(placeholders=frozenset(compiler.used), _run=run)


# ---- the checker and evaluator ----------------------------------------------------------------------------------

_PARSER = Environment(autoescape=False)

# each a whole sentence (the desk reads it in its language): ``{line}`` is filled in, ``{{``/``}}`` print one brace
_REFUSED: tuple[tuple[type[nodes.Node] | tuple[type[nodes.Node], ...], str], ...] = (
    (nodes.For, N_('Loops are not allowed in a message text (line {line}).')),
    ((nodes.Assign, nodes.AssignBlock), N_('Setting values ({{% set %}}) is not allowed in a message text '
                                           '(line {line}).')),
    ((nodes.Macro, nodes.CallBlock), N_('Macros are not allowed in a message text (line {line}).')),
    (nodes.Call, N_('Calls such as range(), lipsum() or namespace() are not allowed in a message text '
                    '(line {line}).')),
    ((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport, nodes.Block),
     N_('Other templates cannot be used in a message text (line {line}).')),
    ((nodes.Getattr, nodes.Getitem), N_('Reading part of a placeholder (with . or [ ]) is not allowed in a message '
                                        'text (line {line}).')),
    ((nodes.BinExpr, nodes.UnaryExpr, nodes.Concat), N_('Arithmetic and joining (+ - * / // % ** ~) are not allowed '
                                                        'in a message text (line {line}).')),
    ((nodes.List, nodes.Tuple, nodes.Dict, nodes.Slice), N_('Lists are not allowed in a message text '
                                                            '(line {line}).')),
    (nodes.Test, N_('Tests with "is" are not allowed in a message text (line {line}).')),
)
_ONLY = N_('Only text, {{{{ placeholders }}}} and {{% if %}} are allowed in a message text (line {line}).')
_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    'eq': operator.eq, 'ne': operator.ne, 'lt': operator.lt, 'lteq': operator.le, 'gt': operator.gt,
    'gteq': operator.ge, 'in': lambda a, b: a in b, 'notin': lambda a, b: a not in b}  # type: ignore[operator]


class _Compiler:
    """Walks Jinja2's tree of a text, refusing what is not in the language, and builds closures that fill it in."""

    def __init__(self, known: tuple[str, ...]) -> None:
        self.known = frozenset(known)
        self.used: set[str] = set()
        self.unknown: dict[str, int] = {}  # name → the first line it is on

    def body(self, statements: list[nodes.Node], depth: int) -> _Statement:
        steps = [self.statement(node, depth) for node in statements]

        def run(values: dict[str, str], out: list[str]) -> None:
            for step in steps:
                step(values, out)
        return run

    def statement(self, node: nodes.Node, depth: int) -> _Statement:
        _deeper(node, depth)
        if isinstance(node, nodes.Output):
            parts = [self.printed(child, depth + 1) for child in node.nodes]

            def output(values: dict[str, str], out: list[str]) -> None:
                out.extend(part(values) for part in parts)
            return output
        if isinstance(node, nodes.If):
            branches = [(self.test(branch.test, depth + 1), self.body(branch.body, depth + 1))
                        for branch in (node, *node.elif_)]
            otherwise = self.body(node.else_, depth + 1)

            def choose(values: dict[str, str], out: list[str]) -> None:
                for test, body in branches:
                    if test(values):
                        return body(values, out)
                return otherwise(values, out)
            return choose
        raise _refusal(node)

    def printed(self, node: nodes.Node, depth: int) -> Callable[[dict[str, str]], str]:
        if isinstance(node, nodes.TemplateData):
            data = node.data
            return lambda _values: data
        expression, _kinds = self.expression(node, depth)
        return lambda values: str(expression(values))[:MAX_VALUE]

    def test(self, node: nodes.Node, depth: int) -> _Expression:
        return self.expression(node, depth)[0]

    def expression(self, node: nodes.Node, depth: int) -> tuple[_Expression, _Kinds]:
        """What ``node`` computes, and the kinds of value it can give (known before any value is: placeholders are
        text, written values are what they are), so a comparison that cannot work is refused on save."""
        _deeper(node, depth)
        if isinstance(node, nodes.Name) and node.ctx == 'load':
            return self.name(node), _TEXT
        if isinstance(node, nodes.Const | nodes.Neg | nodes.Pos) and _is_literal(node):
            value = _literal(node)
            return (lambda _values: value), _kind_of(value)
        if isinstance(node, nodes.Filter) and node.node is not None:
            return self.filter(node, depth), _TEXT
        if isinstance(node, nodes.Compare):
            return self.compare(node, depth), _NUMBER
        if isinstance(node, nodes.And | nodes.Or):
            (left, left_kinds), (right, right_kinds) = (self.expression(node.left, depth + 1),
                                                        self.expression(node.right, depth + 1))
            if isinstance(node, nodes.And):
                return (lambda values: left(values) and right(values)), left_kinds | right_kinds
            return (lambda values: left(values) or right(values)), left_kinds | right_kinds
        if isinstance(node, nodes.Not):
            inner = self.test(node.node, depth + 1)
            return (lambda values: not inner(values)), _NUMBER
        if isinstance(node, nodes.CondExpr):
            test = self.test(node.test, depth + 1)
            then, then_kinds = self.expression(node.expr1, depth + 1)
            otherwise, other_kinds = (self.expression(node.expr2, depth + 1) if node.expr2 is not None
                                      else ((lambda _values: ''), _TEXT))
            return (lambda values: then(values) if test(values) else otherwise(values)), then_kinds | other_kinds
        raise _refusal(node)

    def name(self, node: nodes.Name) -> _Expression:
        if node.name not in self.known:
            self.unknown.setdefault(node.name, node.lineno)
        self.used.add(node.name)
        name = node.name
        return lambda values: values[name]

    def filter(self, node: nodes.Filter, depth: int) -> _Expression:
        make = _FILTERS.get(node.name)
        if make is None:
            raise TextRefused(_('The filter |{name} is not allowed in a message text (line {line}); use '
                                '{filters}.').format(name=node.name, line=node.lineno, filters=', '.join(_FILTERS)))
        if node.dyn_args is not None or node.dyn_kwargs is not None or not all(
                _is_literal(argument) for argument in (*node.args, *(k.value for k in node.kwargs))):
            raise TextRefused(_("The filter |{name} takes only written values, such as 40 or '…' (line {line}).")
                              .format(name=node.name, line=node.lineno))
        try:
            apply = make(*(_literal(a) for a in node.args), **{k.key: _literal(k.value) for k in node.kwargs})
        except (TypeError, ValueError) as error:  # a whole sentence naming the filter (see _plain, _default, …)
            raise TextRefused(_('{problem} (line {line}).').format(problem=error, line=node.lineno)) from None
        inner = self.test(node.node, depth + 1)
        return lambda values: apply(str(inner(values)))[:MAX_VALUE]

    def compare(self, node: nodes.Compare, depth: int) -> _Expression:
        first, kinds = self.expression(node.expr, depth + 1)
        steps = []
        for operand in node.ops:
            right, right_kinds = self.expression(operand.expr, depth + 1)
            if not _comparable(operand.op, kinds, right_kinds):
                raise TextRefused(_('A condition compares {left} with {right} (line {line}): compare text with '
                                    'text, or numbers with numbers.').format(
                    left=_words(kinds), right=_words(right_kinds), line=node.lineno))
            steps.append((_COMPARISONS[operand.op], right))
            kinds = right_kinds

        def compare(values: dict[str, str]) -> bool:
            left = first(values)
            for test, right_of in steps:
                right = right_of(values)
                if not test(left, right):
                    return False
                left = right
            return True
        return compare


def _deeper(node: nodes.Node, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise TextRefused(_('The text is nested too deeply (more than {most} levels, line {line}).').format(
            most=MAX_DEPTH, line=node.lineno))


def _refusal(node: nodes.Node) -> TextRefused:
    sentence = next((sentence for kinds, sentence in _REFUSED if isinstance(node, kinds)), _ONLY)
    return TextRefused(_(sentence).format(line=node.lineno))


def _kind_of(value: object) -> _Kinds:
    if value is None:
        return _NONE
    return _TEXT if isinstance(value, str) else _NUMBER  # a number, or true / false (Python's 1 / 0)


def _comparable(op: str, left: _Kinds, right: _Kinds) -> bool:
    """Whether ``op`` works on every pair of kinds the two sides can give (``==`` and ``!=`` on any)."""
    if op in ('eq', 'ne'):
        return True
    if op in ('in', 'notin'):
        return left == right == _TEXT
    return left == right == _TEXT or left == right == _NUMBER


_KIND_WORDS = {'nothing': N_('none'), 'number': N_('a number'), 'text': N_('text')}


def _words(kinds: _Kinds) -> str:
    """``text``, ``a number``, ``none`` or two or three of them joined by "or", in the reader's language."""
    words = [_(_KIND_WORDS[kind]) for kind in sorted(kinds)]
    joined = words[0]
    for word in words[1:]:
        joined = _('{one} or {other}').format(one=joined, other=word)
    return joined


def _is_literal(node: nodes.Node) -> bool:
    """A value written in the text: a constant, or a number with a sign."""
    if isinstance(node, nodes.Neg | nodes.Pos):
        return (isinstance(node.node, nodes.Const) and isinstance(node.node.value, int | float)
                and not isinstance(node.node.value, bool))
    return isinstance(node, nodes.Const) and isinstance(node.value, str | int | float | bool | None)


def _literal(node: nodes.Node) -> object:
    if isinstance(node, nodes.Neg):
        return -node.node.value
    return node.node.value if isinstance(node, nodes.Pos) else node.value


# ---- the filters: each checks its written arguments once and returns what it does to a text ----------------------


def _plain(name: str) -> Callable[..., Callable[[str], str]]:
    function = FILTERS[name]

    def make(*args: object, **kwargs: object) -> Callable[[str], str]:
        if args or kwargs:
            raise TypeError(_('The filter |{name} takes no arguments').format(name=name))
        return function
    return make


def _default(default_value: object = '', boolean: object = False) -> Callable[[str], str]:
    """``default('text')``: the text given when the value is empty (every placeholder has a value, so Jinja2's
    "undefined" case is an empty one here); ``boolean`` is accepted for Jinja2's sake and changes nothing."""
    if not isinstance(default_value, str) or not isinstance(boolean, bool):
        raise TypeError(_("The filter |default takes a text, such as default('our team')"))
    return lambda value: value or default_value


def _truncate(length: object = 255, killwords: object = False, end: object = '...',
              leeway: object = 5) -> Callable[[str], str]:
    """Jinja2's ``truncate`` (its default leeway, 5), with a length of at most :data:`MAX_VALUE`."""
    if (type(length) is not int or type(leeway) is not int or not isinstance(killwords, bool)
            or not isinstance(end, str)):
        raise TypeError(_("The filter |truncate takes a length, such as truncate(40) or truncate(40, true, '…')"))
    if not len(end) <= length <= MAX_VALUE or not 0 <= leeway <= MAX_VALUE:
        raise ValueError(_('The filter |truncate takes a length from {least} to {most} and a leeway from 0 to '
                           '{most}').format(least=len(end), most=MAX_VALUE))

    def truncate(value: str) -> str:
        if len(value) <= length + leeway:
            return value
        if killwords:
            return value[:length - len(end)] + end
        return value[:length - len(end)].rsplit(' ', 1)[0] + end
    return truncate


_FILTERS: dict[str, Callable[..., Callable[[str], str]]] = {
    **{name: _plain(name) for name in ('upper', 'lower', 'title', 'capitalize', 'trim')},
    'default': _default, 'truncate': _truncate}
