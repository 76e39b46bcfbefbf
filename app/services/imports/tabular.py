"""Reading uploaded tables (CSV and Excel) as text, within limits, with errors that name file and line.

Every import reads its files here, in the caller's worker thread (never on the event loop):

- **Size.** A file larger than ``CLIENTPULSE_IMPORT_MAX_MB`` is refused before it is read; a workbook
  whose parts unpack to more than :data:`UNPACKED_FACTOR` times that is refused before it is opened
  (a small zip can hold gigabytes of XML). At most ``CLIENTPULSE_IMPORT_MAX_ROWS`` data rows and
  :data:`MAX_COLUMNS` columns; a cell holds at most :data:`MAX_CELL` characters.
- **Encoding.** CSV text is decoded with the encoding the mapping declares (``options.encoding``); or,
  without one, by its byte-order mark (UTF-8, UTF-16, UTF-32), as UTF-8 if it is valid UTF-8, and
  otherwise by the ``charset-normalizer`` library's best guess (latin-1, cp1252, …; cp1252 where it
  fits as well as another code page). A file it cannot read names the encoding to declare.
- **Shape.** The first line is the header: no name twice; a column without a name is ``column N``
  (nameless empty columns at the end are dropped). Blank lines
  are skipped but keep their numbers, so a row's *line* is where an editor shows it (a quoted value
  spanning lines counts from its first line). Workbooks are read with openpyxl in read-only mode,
  cached values only (formulas are never evaluated), XML through ``defusedxml``.

Rows come back as text cells (``''`` for empty); nothing is converted, so codes keep their spelling.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import get_settings
from app.services import lazy
from app.services.errors import ImportRowError, ValidationError
from app.services.i18n import _, ngettext

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import numpy as np
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    np = lazy.module('numpy', globals())
    pd = lazy.module('pandas', globals())

UNPACKED_FACTOR = 4
"""A workbook's unpacked parts may be this many times ``CLIENTPULSE_IMPORT_MAX_MB``."""
MAX_COLUMNS = 500
MAX_CELL = 5000
"""Characters in one cell."""
WINDOWS_WESTERN = 'cp1252'
"""What Excel on Windows writes for "CSV" in Western Europe and the Americas: preferred on a tie."""
CSV_SUFFIXES = {'.csv', '.txt'}
EXCEL_SUFFIXES = {'.xlsx', '.xlsm'}
_BOMS = ((codecs.BOM_UTF32_LE, 'utf-32'), (codecs.BOM_UTF32_BE, 'utf-32'), (codecs.BOM_UTF8, 'utf-8-sig'),
         (codecs.BOM_UTF16_LE, 'utf-16'), (codecs.BOM_UTF16_BE, 'utf-16'))


def row_error(message: str, *, file: str, line: int, field: str | None = None) -> ImportRowError:
    """An :class:`ImportRowError` said wholly in the reader's language: where (file, line, field) and ``message``
    (translated by the caller). In English its text is the error's own."""
    error = ImportRowError(message, file=file, line=line, field=field)
    where = _('{file}, line {line}, field "{field}": {message}') if field else _('{file}, line {line}: {message}')
    error.args = (where.format(file=file, line=line, field=field, message=message),)
    return error


@dataclass(frozen=True)
class RawTable:
    """A file's header and data rows as read: ``rows[i]`` holds the cells of line ``lines[i]`` as in the
    file (a row may be shorter or longer than the header); blank rows are left out."""

    file: str
    header: list[str]
    lines: list[int]
    rows: list[list[str]]
    encoding: str = ''

    def numbered(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of each row."""
        return zip(self.lines, self.rows, strict=True)


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
               sheet: str | int | None = None, name: str | None = None, max_rows: int | None = None) -> pd.DataFrame:
    """Every cell of a CSV or Excel file as text, one column per header name, indexed by line number.

    Short rows are filled with ``''``.

    :param name: the file's name in messages (default: the path's name)
    :param max_rows: stop after this many data rows without error (a preview); default: all, up to the limit
    :raises ValidationError: unsupported kind, too large, unreadable, not decodable, empty, no rows
    :raises ImportRowError: a bad header (line 1) or a row longer than the header or with an overlong cell
    """
    if max_rows is None and Path(path).suffix.lower() in CSV_SUFFIXES:
        fast = _csv_frame(Path(path), file=name or Path(path).name, encoding=encoding, delimiter=delimiter or ',')
        if fast is not None:
            return fast
    raw = read_raw(path, encoding=encoding, delimiter=delimiter, sheet=sheet, name=name, max_rows=max_rows)
    return _frame(raw)


def _frame(raw: RawTable) -> pd.DataFrame:
    if not raw.rows:
        raise ValidationError(_('{file} has a header but no rows to import.').format(file=raw.file), field='file')
    width = len(raw.header)
    rows = raw.rows
    if any(len(cells) != width for cells in rows):
        padding = [''] * width
        for line, cells in raw.numbered():
            if len(cells) > width and ''.join(cells[width:]).strip():
                raise row_error(_('this row has {fields} fields, the header {width}').format(
                    fields=len(cells), width=width), file=raw.file, line=line)
        rows = [cells if len(cells) == width else (cells + padding)[:width] for cells in rows]
    columns = dict(zip(raw.header, (list(column) for column in zip(*rows, strict=True)), strict=True))
    return pd.DataFrame(columns, index=pd.Index(raw.lines, name='line'), dtype=str)


def _csv_frame(path: Path, *, file: str, encoding: str | None, delimiter: str) -> pd.DataFrame | None:
    """The whole CSV file through pandas' C parser when every row is one line of the file (then a row's
    line is its position), else None: the caller reads it row by row. The checks are those of :func:`read_raw`."""
    limit = int(get_settings().import_max_mb * 1024 * 1024)
    if not 0 < path.stat().st_size <= limit:
        return None  # read_raw says why
    text, _used = _decode(path.read_bytes(), file, encoding)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str, na_filter=False,
                            skip_blank_lines=False, engine='c')
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error):
        return None
    physical = text.count('\n') + (0 if text.endswith('\n') else 1)
    if len(frame) != physical or frame.shape[1] > MAX_COLUMNS:
        return None
    frame.index = pd.RangeIndex(1, len(frame) + 1, name='line')
    header, data = frame.iloc[0].tolist(), frame.iloc[1:]
    if max(map(len, text.split('\n'))) > MAX_CELL:  # only then can a cell be too long: find it
        for column in data.columns:
            longest = data[column].str.len()
            if longest.max() > MAX_CELL:
                _check_row(data.loc[longest.idxmax()].tolist(), file, int(longest.idxmax()))
    nonblank = (data != '').to_numpy().any(axis=1)
    if nonblank.any():  # rows of spaces alone are blank too (rare: checked only where a row has any text)
        candidates = data.loc[nonblank]
        spaces = np.ones(len(candidates), dtype=bool)
        for column in candidates.columns:
            spaces &= candidates[column].str.isspace().to_numpy() | (candidates[column] == '').to_numpy()
            if not spaces.any():
                break
        nonblank[np.flatnonzero(nonblank)[spaces]] = False
    data = data.loc[nonblank]
    if not ''.join(header).strip():
        raise ValidationError(_('{file} is empty: the first line must name the columns.').format(file=file),
                              field='file')
    if len(data) > get_settings().import_max_rows:
        _too_many(file, get_settings().import_max_rows)
    names = _checked_header(header, lambda index: bool((data[index].str.strip() != '').any()), file)
    if data.empty:
        raise ValidationError(_('{file} has a header but no rows to import.').format(file=file), field='file')
    return data.iloc[:, :len(names)].set_axis(names, axis=1)


def read_raw(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             sheet: str | int | None = None, name: str | None = None, max_rows: int | None = None) -> RawTable:
    """The header and rows of a CSV or Excel file as read (see :class:`RawTable`).

    :raises ValidationError, ImportRowError: as :func:`read_table`, except rows longer than the header
    """
    path = Path(path)
    file = name or path.name
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES:
        raise ValidationError(_('{file}: only .csv and .xlsx files can be imported.').format(file=file), field='file')
    settings = get_settings()
    limit_bytes = int(settings.import_max_mb * 1024 * 1024)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ValidationError(_('{file} cannot be read ({reason}).').format(file=file, reason=error.strerror),
                              field='file') from None
    if size > limit_bytes:
        raise ValidationError(_('{file} is {size} MB; the most one import takes is {limit} MB '
                                '(CLIENTPULSE_IMPORT_MAX_MB).').format(file=file, size=f'{size / 1024 / 1024:.1f}',
                                                                       limit=f'{settings.import_max_mb:g}'),
                              field='file')
    if size == 0:
        raise ValidationError(_('{file} is empty.').format(file=file), field='file')
    most = settings.import_max_rows
    if suffix in EXCEL_SUFFIXES:
        header, lines, rows = _excel_rows(path, file, sheet, limit_bytes * UNPACKED_FACTOR, most, max_rows)
        used = 'xlsx'
    else:
        text, used = _decode(path.read_bytes(), file, encoding)
        header, lines, rows = _csv_rows(text, file, delimiter or ',', most, max_rows)
    header = _checked_header(header, lambda index: any(index < len(cells) and cells[index].strip() for cells in rows),
                             file)
    return RawTable(file=file, header=header, lines=lines, rows=rows, encoding=used)


def check_encoding(value: str) -> str:
    """``value`` if Python knows it as a text encoding. :raises ValidationError: it does not"""
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValidationError(_('"{value}" is not a text encoding (e.g. utf-8, latin-1, cp1252, utf-16)').format(
            value=value), field='encoding') from None
    return value


# --- CSV -----------------------------------------------------------------------------------------------------------

def _decode(data: bytes, file: str, declared: str | None) -> tuple[str, str]:
    if declared:
        return _decode_as(data, file, check_encoding(declared), declared=True), declared
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return _decode_as(data, file, encoding, declared=False), encoding
    try:
        return data.decode('utf-8'), 'utf-8'
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:1_000_000])
    best = matches.best()
    if best is None:
        raise ValidationError(_('{file}: the text encoding could not be recognised. Save it as UTF-8, or declare '
                                'it in the mapping, e.g. [options] encoding = "latin-1".').format(file=file),
                              field='file')
    encoding = best.encoding
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any(WINDOWS_WESTERN in m.could_be_from_charset for m in tied):
        encoding = WINDOWS_WESTERN  # a short file often fits several code pages equally: take the commonest
    return _decode_as(data, file, encoding, declared=False), encoding


def _decode_as(data: bytes, file: str, encoding: str, *, declared: bool) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].decode(encoding, errors='replace').count('\n') + 1
        text = (_('byte {byte} cannot be read as {encoding} (the declared encoding); declare the right one in the '
                  'mapping, e.g. [options] encoding = "cp1252"') if declared else
                _('byte {byte} cannot be read as {encoding} (its apparent encoding); declare the right one in the '
                  'mapping, e.g. [options] encoding = "cp1252"'))
        raise row_error(text.format(byte=f'0x{data[error.start]:02x}', encoding=encoding), file=file,
                        line=line) from None


def _csv_rows(text: str, file: str, delimiter: str, most: int,
              wanted: int | None) -> tuple[list[str], list[int], list[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=''), delimiter=delimiter, strict=False)
    where = {'line': 1}  # where the next row starts (a quoted value may span lines)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            first, where['line'] = where['line'], reader.line_num + 1
            yield first, cells

    try:
        header, lines, rows = _collect(numbered(), file, most, wanted)
    except csv.Error as error:
        raise row_error(_('not readable as CSV ({reason})').format(reason=error), file=file,
                        line=where['line']) from None
    if header is None or not ''.join(header).strip():
        raise ValidationError(_('{file} is empty: the first line must name the columns.').format(file=file),
                              field='file')
    return header, lines, rows


def _collect(numbered: Iterable[tuple[int, list[str]]], file: str, most: int,
             wanted: int | None) -> tuple[list[str] | None, list[int], list[list[str]]]:
    """The first row as the header, then the rows that are not blank with their lines; limits checked."""
    header: list[str] | None = None
    lines: list[int] = []
    rows: list[list[str]] = []
    for line, cells in numbered:
        if header is None:
            header = cells
            _check_width(cells, file, line)
            continue
        if not ''.join(cells).strip():
            continue
        _check_row(cells, file, line)
        lines.append(line)
        rows.append(cells)
        if len(rows) == wanted:
            break
        if len(rows) > most:
            _too_many(file, most)
    return header, lines, rows


# --- Excel ---------------------------------------------------------------------------------------------------------

def _excel_rows(path: Path, file: str, sheet: str | int | None, unpacked_limit: int, most: int,
                wanted: int | None) -> tuple[list[str], list[int], list[list[str]]]:
    from openpyxl import load_workbook

    not_excel = ValidationError(_('{file} is not an Excel workbook that can be read (save it again as .xlsx or '
                                  'export it as CSV).').format(file=file), field='file')
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_excel from None
    if unpacked > unpacked_limit:
        raise ValidationError(_('{file} unpacks to {size} MB; the most one import reads is {limit} MB. Export it '
                                'as CSV, or split it.').format(file=file, size=f'{unpacked / 1024 / 1024:.0f}',
                                                               limit=f'{unpacked_limit / 1024 / 1024:.0f}'),
                              field='file')
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors, InvalidFileException) on broken files
        raise not_excel from None
    try:
        header, lines, rows = _collect(_sheet_rows(_worksheet(book, sheet, file), file), file, most, wanted)
    except (ValidationError, ImportRowError):
        raise
    except Exception:
        raise not_excel from None
    finally:
        book.close()
    if header is None:
        raise ValidationError(_('{file} is empty: the first row must name the columns.').format(file=file),
                              field='file')
    return header, lines, rows


def _sheet_rows(worksheet, file: str) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells as text)`` of a worksheet, empty cells at a row's end dropped."""
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        while cells and cells[-1] == '':
            cells.pop()
        if number == 1 and not cells:
            raise row_error(_('the first row must name the columns; it is empty'), file=file, line=1)
        yield number, cells


def _worksheet(book, sheet: str | int | None, file: str):
    names = book.sheetnames
    if sheet is None or sheet == 0:
        if not names:
            raise ValidationError(_('{file} has no sheets.').format(file=file), field='file')
        return book[names[0]]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise ValidationError(ngettext('{file} has {n} sheet; sheet number {sheet} (counted from 0) is not '
                                           'one of them.', '{file} has {n} sheets; sheet number {sheet} (counted '
                                           'from 0) is not one of them.', len(names)).format(
                file=file, n=len(names), sheet=sheet), field='sheet')
        return book[names[sheet]]
    if sheet not in names:
        raise ValidationError(_('{file} has no sheet "{sheet}" (it has: {sheets}).').format(
            file=file, sheet=sheet, sheets=', '.join(names)), field='sheet')
    return book[sheet]


def _cell_text(value: object) -> str:
    """A cell's value as the text a person would type: whole numbers without ``.0``, times in ISO form."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'TRUE' if value else 'FALSE'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=' ')
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


# --- checks shared by both kinds -----------------------------------------------------------------------------------

def _check_width(cells: list[str], file: str, line: int) -> None:
    if len(cells) > MAX_COLUMNS:
        raise row_error(_('{count} columns; at most {most} are read').format(count=len(cells), most=MAX_COLUMNS),
                        file=file, line=line)


def _check_row(cells: list[str], file: str, line: int) -> None:
    _check_width(cells, file, line)
    if max(map(len, cells)) <= MAX_CELL:
        return
    for number, cell in enumerate(cells, start=1):
        if len(cell) > MAX_CELL:
            raise row_error(_('column {number} holds {length} characters; a cell may hold at most {most}').format(
                number=number, length=f'{len(cell):,}', most=f'{MAX_CELL:,}'), file=file, line=line)


def _too_many(file: str, most: int) -> None:
    raise ValidationError(_('{file} has more than {most} rows, the most one import takes '
                            '(CLIENTPULSE_IMPORT_MAX_ROWS). Split the file.').format(file=file, most=f'{most:,}'),
                          field='file')


def _checked_header(header: list[str], has_values: Callable[[int], bool], file: str) -> list[str]:
    """Names stripped; nameless columns at the end that are empty throughout (``has_values`` of their index
    is false) are dropped, any other nameless column is called ``column N`` (N from 1, as a spreadsheet
    counts); no name twice."""
    names = [h.strip() for h in header]
    while names and not names[-1] and not has_values(len(names) - 1):
        names.pop()
    names = [name or f'column {index}' for index, name in enumerate(names, start=1)]
    seen: dict[str, int] = {}
    for index, name in enumerate(names, start=1):
        if name in seen:
            raise row_error(_('the column name "{name}" appears twice (columns {first} and {second})').format(
                name=name, first=seen[name], second=index), file=file, line=1)
        seen[name] = index
    return names
