"""Arithmetic over a file's columns, for mappings: a small grammar, parsed and evaluated here, never ``eval``.

An expression is text such as ``adr * (stays_in_weekend_nights + stays_in_week_nights)``. What it may hold:

=====================  ========================================================================
numbers                ``12``, ``0.5``, ``1e3``
columns                a bare name (``adr``), or ``column("Total amount")`` for any header text
operators              ``+ - * /``, unary ``-`` and ``+``, parentheses
functions              ``abs(x)``, ``round(x)``, ``round(x, digits)``, ``min(x, y, …)``, ``max(x, y, …)``
=====================  ========================================================================

Nothing else: no attribute access, no indexing, no strings outside ``column(…)``, no other calls,
no comparisons, no keywords. The text is parsed with the standard library's parser (:mod:`ast`, which
only builds a tree and runs nothing); :func:`parse` then walks the tree and refuses any node outside
the grammar with a message naming it and its position. :func:`evaluate` interprets the checked tree
itself over pandas Series (element-wise, floats): nothing is handed to Python's or pandas' evaluators.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.services import lazy
from app.services.errors import ValidationError
from app.services.i18n import N_, _

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

MAX_LENGTH = 500
"""Characters an expression may have."""
MAX_NODES = 200
"""Parts (numbers, columns, operators, calls) an expression may have."""
FUNCTIONS: dict[str, tuple[int, int | None]] = {'abs': (1, 1), 'round': (1, 2), 'min': (2, None),
                                                'max': (2, None)}
"""Named functions and their (fewest, most) arguments; ``None``: no upper bound."""
COLUMN = 'column'
_OPERATORS = {ast.Add: '+', ast.Sub: '-', ast.Mult: '*', ast.Div: '/'}
_UNARY = {ast.USub: '-', ast.UAdd: '+'}


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its tree (only nodes of the grammar) and the columns it reads, in order."""

    text: str
    tree: ast.expr
    columns: tuple[str, ...]


def parse(text: object, *, where: str = 'expression') -> Expression:
    """Check ``text`` against the grammar (module docstring).

    :param where: how messages name the expression, e.g. ``field "price"``
    :raises ValidationError: not text, too long, not valid, or holding anything outside the grammar
        (the message names what and where, e.g. ``attribute access (".system") at character 3``)
    """
    if not isinstance(text, str):
        raise ValidationError(_('{where}: an expression must be text, e.g. "price * 2"').format(where=where))
    if not text.strip():
        raise ValidationError(_('{where}: the expression is empty').format(where=where))
    if len(text) > MAX_LENGTH:
        raise ValidationError(_('{where}: the expression is longer than {most} characters').format(
            where=where, most=MAX_LENGTH))
    try:
        tree = ast.parse(text.strip(), mode='eval').body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        position = _at(error.offset) if isinstance(error, SyntaxError) and error.offset else ''
        raise ValidationError(_('{where}: "{text}" is not a valid expression{at} (numbers, columns, + - * /, '
                                'parentheses, abs, round, min, max)').format(where=where, text=_clip(text.strip()),
                                                                             at=position)) from None
    columns: list[str] = []
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ValidationError(_('{where}: the expression has more than {most} parts').format(where=where,
                                                                                             most=MAX_NODES))
    _check(tree, where, columns)
    return Expression(text=text.strip(), tree=tree, columns=tuple(dict.fromkeys(columns)))


def evaluate(expression: Expression, values: Mapping[str, pd.Series], *, index: pd.Index) -> pd.Series:
    """The expression's value per row, as floats (NaN where an input is NaN; ±inf where a division by zero).

    :param values: every column of ``expression.columns`` as a float Series on ``index``
    :param index: the rows (an expression of numbers alone gives its value on each)
    :raises KeyError: a column is missing from ``values`` (check ``expression.columns`` first)
    """
    with np.errstate(all='ignore'):
        result = _value(expression.tree, values, index)
    if not isinstance(result, pd.Series):
        return pd.Series(float(result), index=index)
    return result.astype(float)


# --- checking ------------------------------------------------------------------------------------------------------

def _check(node: ast.AST, where: str, columns: list[str]) -> None:
    """Refuse ``node`` unless it is of the grammar; descends only into the children the grammar allows."""
    at = _at(node.col_offset + 1) if hasattr(node, 'col_offset') else ''
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _OPERATORS:
            raise ValidationError(_('{where}: the operator in "{node}" is not allowed{at} (only + - * /)').format(
                where=where, node=_shown(node), at=at))
        _check(node.left, where, columns)
        _check(node.right, where, columns)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ValidationError(_('{where}: "{node}" is not allowed{at} (only - and + before a value)').format(
                where=where, node=_shown(node), at=at))
        _check(node.operand, where, columns)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            raise ValidationError(_('{where}: text ({text}) is only allowed as column("name"){at}').format(
                where=where, text=repr(node.value[:40]), at=at))
        if type(node.value) not in (int, float) or not _finite(node.value):
            raise ValidationError(_('{where}: {node} is not allowed{at} (only finite numbers)').format(
                where=where, node=_shown(node), at=at))
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS or node.id == COLUMN:
            raise ValidationError(_('{where}: "{name}" is a function{at}; call it, e.g. {name}(…)').format(
                where=where, name=node.id, at=at))
        columns.append(node.id)
    elif isinstance(node, ast.Call):
        _check_call(node, where, at, columns)
    else:
        raise ValidationError(_('{where}: {what} ("{node}") is not allowed{at}; use numbers, columns, + - * /, '
                                'parentheses, abs, round, min, max').format(where=where, what=_describe(node),
                                                                            node=_shown(node), at=at))


def _check_call(node: ast.Call, where: str, at: str, columns: list[str]) -> None:
    """Check a call: ``column("name")`` (its name added to ``columns``) or one of :data:`FUNCTIONS` with plain
    arguments, as many as it takes, each checked in turn.

    :raises ValidationError: anything else, saying what and where
    """
    if not isinstance(node.func, ast.Name):
        raise ValidationError(_('{where}: only abs, round, min, max and column can be called{at} (not '
                                '"{node}")').format(where=where, at=at, node=_shown(node.func)))
    name = node.func.id
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ValidationError(_('{where}: {name}(…) takes plain arguments only{at}').format(where=where, name=name,
                                                                                             at=at))
    if name == COLUMN:
        columns.append(_column_name(node, where, at))
        return
    if name not in FUNCTIONS:
        raise ValidationError(_('{where}: "{name}" is not a function here{at} (only abs, round, min, max, '
                                'column)').format(where=where, name=name, at=at))
    wrong_count = _argument_count_error(name, len(node.args), where, at)
    if wrong_count is not None:
        raise ValidationError(wrong_count)
    for argument in node.args:
        _check(argument, where, columns)
    if name == 'round' and len(node.args) == 2 and not _whole_digits(node.args[1]):
        raise ValidationError(_('{where}: round(x, digits) needs whole digits from 0 to 10{at}').format(
            where=where, at=at))


def _column_name(node: ast.Call, where: str, at: str) -> str:
    """The column a ``column("name")`` call names.

    :raises ValidationError: not exactly one quoted name
    """
    if len(node.args) != 1 or not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        raise ValidationError(_('{where}: column(…) takes one quoted column name{at}, e.g. column("Total")').format(
            where=where, at=at))
    return node.args[0].value


def _argument_count_error(name: str, count: int, where: str, at: str) -> str | None:
    """What is wrong with calling the function ``name`` with ``count`` arguments (:data:`FUNCTIONS` gives the fewest
    and most it takes), or None."""
    fewest, most = FUNCTIONS[name]
    if fewest <= count and (most is None or count <= most):
        return None
    if fewest == most:
        return _('{where}: {name}(…) takes {count} argument(s){at}').format(where=where, name=name, count=fewest, at=at)
    if most:
        return _('{where}: {name}(…) takes {fewest} to {most} argument(s){at}').format(
            where=where, name=name, fewest=fewest, most=most, at=at)
    return _('{where}: {name}(…) takes at least {count} argument(s){at}').format(where=where, name=name,
                                                                                 count=fewest, at=at)


def _whole_digits(node: ast.expr) -> bool:
    """Whether ``node`` is a whole number of digits ``round`` may take: 0 to 10."""
    return isinstance(node, ast.Constant) and type(node.value) is int and 0 <= node.value <= 10


def _at(position: int) -> str:
    """Where in the expression, as put after what is wrong: `` at character 3``."""
    return _(' at character {position}').format(position=position)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _describe(node: ast.AST) -> str:
    names = {ast.Attribute: N_('attribute access'), ast.Subscript: N_('indexing'), ast.Compare: N_('a comparison'),
             ast.BoolOp: 'and/or', ast.Lambda: N_('a function definition'), ast.IfExp: 'if/else',
             ast.NamedExpr: N_('an assignment'), ast.JoinedStr: N_('a formatted string'), ast.List: N_('a list'),
             ast.Tuple: N_('a tuple'), ast.Dict: N_('a dictionary'), ast.Set: N_('a set'),
             ast.ListComp: N_('a comprehension'), ast.GeneratorExp: N_('a comprehension'),
             ast.DictComp: N_('a comprehension'), ast.SetComp: N_('a comprehension'), ast.Await: 'await',
             ast.Yield: 'yield', ast.YieldFrom: 'yield', ast.Starred: N_('unpacking')}
    return _(names[type(node)]) if type(node) in names else type(node).__name__


def _shown(node: ast.AST) -> str:
    try:
        return _clip(ast.unparse(node))
    except Exception:  # unparse of a fragment; the message does without it
        return '…'


def _clip(text: str, most: int = 40) -> str:
    text = ''.join(c if c.isprintable() else '?' for c in text)
    return text if len(text) <= most else text[:most - 1] + '…'


# --- evaluating (only trees that passed the checks above) ----------------------------------------------------------

def _value(node: ast.expr, values: Mapping[str, pd.Series], index: pd.Index) -> pd.Series | float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, values, index)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, values, index), _value(node.right, values, index)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return _divide(left, right)
    if isinstance(node, ast.Call):
        name = node.func.id
        if name == COLUMN:
            return values[node.args[0].value]
        arguments = [_value(a, values, index) for a in node.args]
        if name == 'abs':
            return abs(arguments[0])
        if name == 'round':
            digits = int(node.args[1].value) if len(node.args) == 2 else 0
            return _round(arguments[0], digits)
        frame = pd.concat([_as_series(a, index) for a in arguments], axis=1, ignore_index=True)
        return frame.min(axis=1, skipna=False) if name == 'min' else frame.max(axis=1, skipna=False)
    raise TypeError(f'unchecked node {type(node).__name__}')  # parse() lets no other node through


def _divide(left: pd.Series | float, right: pd.Series | float) -> pd.Series | float:
    if isinstance(left, pd.Series) or isinstance(right, pd.Series):
        return left / right  # pandas: x / 0 is ±inf (NaN for 0 / 0), reported by the caller per row
    if right == 0:
        return math.nan if left == 0 else math.copysign(math.inf, left)
    return left / right


def _round(value: pd.Series | float, digits: int) -> pd.Series | float:
    """Half away from zero (as money is rounded elsewhere), not Python's half to even."""
    factor = 10.0 ** digits
    if isinstance(value, pd.Series):
        return np.sign(value) * np.floor(np.abs(value) * factor + 0.5) / factor
    return math.copysign(math.floor(abs(value) * factor + 0.5), value) / factor if math.isfinite(value) else value


def _as_series(value: pd.Series | float, index: pd.Index) -> pd.Series:
    return value if isinstance(value, pd.Series) else pd.Series(value, index=index, dtype=float)
