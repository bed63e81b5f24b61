"""Static analysis of SQL cells: which Python names and tables a cell reads and defines.

SQL cells join the same dependency graph as Python cells, so this returns the same
:class:`~reactive_kernel.core.analysis.Analysis`.  A table ``t`` is the name ``table:t``,
a namespace of its own, so it never collides with a Python variable ``t``.

``reads``
    Python names used as bind parameters (``:threshold`` reads ``threshold``), and every
    table read anywhere: ``FROM``/``JOIN``/subqueries, also inside ``INSERT ... SELECT``,
    ``UPDATE ... FROM`` and ``DELETE ... USING``.  CTE names are not tables.  The target
    of ``INSERT``/``UPDATE``/``DELETE``/``TRUNCATE``/``ALTER TABLE``/``CREATE INDEX ON``
    is a *read*: like ``lst.append(v)`` in Python, mutating a table does not define it (the
    cell runs after the one that creates it; two mutating cells are not ordered).
``writes``
    The cell's result ``name`` (if any) and the tables and views it creates: ``CREATE
    [TEMP] TABLE [IF NOT EXISTS]``, ``CREATE TABLE ... AS``, ``CREATE [OR REPLACE]
    [MATERIALIZED] VIEW``, ``SELECT ... INTO t``, the new name of ``ALTER TABLE ... RENAME``.
``deletes``
    Tables dropped by ``DROP TABLE``/``DROP VIEW`` (also reads, so the cell runs after
    their creator), and the old name of a renamed table.

Statements count in order, like Python statements: a table created earlier in the cell is
not a read, and one created then dropped is a temporary.  ``DROP TABLE [IF EXISTS] t``
followed in the same cell by ``CREATE TABLE t`` (the way to re-create a table on an
external database) is only a write of ``t``.

Names resolve as the database resolves them: unquoted identifiers fold to lower case
(PostgreSQL, the generic dialect); where the database ignores case even in quoted names
(SQLite, DuckDB) every name folds; otherwise quoted names keep their case.  Schemas are
kept (``table:analytics.events``); SQLite's ``main.t`` is ``t``, but PostgreSQL's
``public.t`` is not ``t`` (``search_path`` decides that at run time).

Bind parameters follow SQLAlchemy's ``text()`` rule (``:name`` not preceded by a word
character, ``:`` or backslash, nor followed by one; ``:name::type`` is allowed), outside
string literals, quoted names and comments, and only for Python identifiers.  The runtime
binds exactly what :func:`split_statements` reports and escapes every other colon, so
analysis and execution never disagree about what is a parameter.

Limitations: statements sqlglot does not model (``EXPLAIN``, ``VACUUM``, ``CREATE
TRIGGER`` ...) contribute their parameters but no tables; dynamic SQL is not followed; a
quoted name containing ``.`` looks schema-qualified.

Pure: no I/O, no SQLAlchemy.  sqlglot parses (compiled when ``sqlglotc`` is installed: a
typical query then takes ~0.3 ms); results are cached.
"""

from __future__ import annotations

import keyword
import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from .analysis import Analysis
from .sql_magic import TABLE_PREFIX, split_sql_magic

__all__ = [
    "TABLE_PREFIX",
    "SqlStatement",
    "SqlSyntaxError",
    "analyze_sql",
    "split_sql_magic",
    "split_statements",
    "sqlglot_dialect",
]


BIND_PARAM_RE: Final = re.compile(r"(?<![:\w\\]):(\w+)(?!\w)(?!:(?!:))")
"""SQLAlchemy's ``TextClause`` rule for ``:name``, plus ``:name::type`` (a PostgreSQL cast
right after a parameter), which the runtime makes ``text()`` accept."""

# sqlalchemy dialect name -> sqlglot dialect name, where they differ.
_DIALECT_ALIASES: Final = {"postgresql": "postgres", "mssql": "tsql", "mariadb": "mysql"}
_LITERAL_TOKENS: Final = frozenset(  # tokens whose text is data or a quoted name, not code
    getattr(TokenType, name)
    for name in "STRING BIT_STRING HEX_STRING BYTE_STRING NATIONAL_STRING RAW_STRING "
    "NATIONAL_RAW_STRING HEREDOC_STRING UNICODE_STRING IDENTIFIER".split()
    if hasattr(TokenType, name)
)
# Top-level expressions that are not statements: sqlglot parses `FOO BAR` as an alias.
_NOT_STATEMENTS: Final = (exp.Condition, exp.Alias, exp.Tuple, exp.Identifier, exp.Star)
_WITH: Final = "with_" if "with_" in exp.Select.arg_types else "with"
_CASE_INSENSITIVE: Final = frozenset(
    getattr(NormalizationStrategy, n)
    for n in ("CASE_INSENSITIVE", "CASE_INSENSITIVE_UPPERCASE")
    if hasattr(NormalizationStrategy, n)
)
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER: Final = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TOKEN_REPR_RE: Final = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line:[^>]*>")


class _QuietCommandFallback(logging.Filter):
    """sqlglot logs a warning whenever it parses a statement as an opaque command; the
    analysis handles that case itself, so the warning would only clutter kernel logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietCommandFallback())


class SqlSyntaxError(ValueError):
    """The SQL cannot even be split into statements (unterminated string or comment)."""


@dataclass(frozen=True, slots=True)
class SqlStatement:
    """One statement of a cell, as the user wrote it (no trailing ``;``).

    ``params`` are ``(offset, name)`` pairs: the offset of each bind parameter's ``:``
    within ``text``.  The runtime binds these and nothing else.
    """

    text: str
    params: tuple[tuple[int, str], ...]

    @property
    def param_names(self) -> frozenset[str]:
        return frozenset(name for _, name in self.params)


def sqlglot_dialect(dialect: str | None) -> str:
    """The sqlglot dialect for a SQLAlchemy (or sqlglot) dialect name; ``""`` is generic.

    Unknown names fall back to the generic dialect rather than failing: analysis of an
    exotic database is then approximate, never an error.
    """
    if not dialect:
        return ""
    name = dialect.lower().partition("+")[0]
    name = _DIALECT_ALIASES.get(name, name)
    try:
        Dialect.get_or_raise(name)
    except (ValueError, SqlglotError):
        return ""
    return name


@dataclass(frozen=True, slots=True)
class _Glot:
    """A sqlglot dialect plus a tokenizer that does not collapse commands.

    sqlglot's own tokenizer turns everything after a leading command keyword (``EXPLAIN``,
    ``SHOW``, SQLite's ``REPLACE`` ...) into one string token with unusable positions,
    which would hide that statement's bind parameters; ours keeps the real tokens, and
    such statements are then not parsed (sqlglot would only make an opaque command).
    """

    name: str
    dialect: Dialect
    tokenizer: type[Tokenizer]
    commands: frozenset[TokenType]


@lru_cache(maxsize=64)
def _glot(name: str) -> _Glot:
    dialect = Dialect.get_or_raise(name)
    base = dialect.tokenizer_class
    flat = type(f"_Flat{base.__name__}", (base,), {"COMMANDS": set()})
    return _Glot(name, dialect, flat, frozenset(base.COMMANDS))


def _tokenize(code: str, glot: _Glot) -> list[Token]:
    try:
        return glot.tokenizer(dialect=glot.dialect).tokenize(code)
    except TokenError as exc:
        near = str(exc).partition("Error tokenizing ")[2].strip()
        where = f" near {near}" if near else ""
        raise SqlSyntaxError(
            f"cannot read the SQL{where}: unterminated string, quoted name or comment?"
        ) from None


def _chunks(tokens: list[Token]) -> list[list[Token]]:
    """Split tokens into statements at ``;``, except inside a ``CREATE TRIGGER`` body,
    whose ``BEGIN ... END`` block contains semicolons of its own."""
    chunks: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    trigger = False
    for tok in tokens:
        kind = tok.token_type
        if kind == TokenType.SEMICOLON and depth <= 0:
            if current:
                chunks.append(current)
            current, depth, trigger = [], 0, False
            continue
        current.append(tok)
        if (
            len(current) <= 4
            and tok.text.upper() == "TRIGGER"
            and current[0].text.upper() == "CREATE"
        ):
            trigger = True
        elif trigger:
            word = tok.text.upper()
            if word in ("BEGIN", "CASE"):
                depth += 1
            elif word == "END":
                depth -= 1
    if current:
        chunks.append(current)
    return chunks


def _is_opaque(chunk: list[Token], glot: _Glot) -> bool:
    if chunk[0].token_type in glot.commands:
        return True
    return chunk[0].text.upper() == "CREATE" and any(
        t.text.upper() == "TRIGGER" for t in chunk[1:4]
    )


def _find_params(code: str, tokens: list[Token]) -> list[tuple[int, str]]:
    """``(offset, name)`` of each bind parameter in ``code`` (see the module docstring)."""
    if ":" not in code:
        return []
    starts = [t.start for t in tokens]
    found: list[tuple[int, str]] = []
    for match in BIND_PARAM_RE.finditer(code):
        pos, name = match.start(), match.group(1)
        i = bisect_right(starts, pos) - 1
        if i < 0:
            continue
        tok = tokens[i]
        if pos > tok.end or tok.token_type in _LITERAL_TOKENS:
            continue  # inside a comment (between tokens), a string or a quoted name
        if name.isidentifier() and not keyword.iskeyword(name):
            found.append((pos, name))
    return found


def _plain_param_names(tokens: list[Token], params: list[tuple[int, str]]) -> None:
    """Make the name after each bind parameter's ``:`` an ordinary identifier, so
    ``:on`` or ``:limit`` parse as placeholders instead of keywords."""
    if not params:
        return
    at = {pos + 1 for pos, _ in params}
    for tok in tokens:
        if tok.start in at and tok.token_type != TokenType.VAR:
            tok.token_type = TokenType.VAR


def _statements(code: str, tokens: list[Token]) -> list[tuple[SqlStatement, list[Token]]]:
    params = _find_params(code, tokens)
    _plain_param_names(tokens, params)
    out: list[tuple[SqlStatement, list[Token]]] = []
    for chunk in _chunks(tokens):
        start, end = chunk[0].start, chunk[-1].end + 1
        mine = tuple((pos - start, name) for pos, name in params if start <= pos < end)
        out.append((SqlStatement(code[start:end], mine), chunk))
    return out


@lru_cache(maxsize=512)
def split_statements(code: str, dialect: str | None = None) -> tuple[SqlStatement, ...]:
    """The statements of a cell with their bind parameters, without parsing them.

    The runtime executes these one by one; since nothing is parsed, SQL that sqlglot
    does not understand still reaches the database, which reports its own errors.
    Raises :class:`SqlSyntaxError` only when the text cannot be tokenized.
    """
    tokens = _tokenize(code, _glot(sqlglot_dialect(dialect)))
    return tuple(stmt for stmt, _ in _statements(code, tokens))


def _fold(ident: exp.Identifier, strategy: NormalizationStrategy) -> str:
    """An identifier as the database resolves it (ASCII-only folding, as databases do)."""
    name: str = ident.this
    if strategy in _CASE_INSENSITIVE:
        return name.translate(_ASCII_LOWER)
    if ident.quoted or strategy is NormalizationStrategy.CASE_SENSITIVE:
        return name
    upper = strategy is NormalizationStrategy.UPPERCASE
    return name.translate(_ASCII_UPPER if upper else _ASCII_LOWER)


class _Resolver:
    """Turns ``exp.Table`` nodes into ``table:...`` names for one dialect."""

    __slots__ = ("sqlite", "strategy")

    def __init__(self, dialect_name: str, dialect: Dialect) -> None:
        self.strategy = dialect.normalization_strategy
        self.sqlite = dialect_name == "sqlite"

    def name(self, table: exp.Table) -> str | None:
        """The table's key, or None for table functions and CTE references."""
        this = table.this
        if not isinstance(this, exp.Identifier):
            return None  # generate_series(...), json_each(...), a placeholder ...
        parts = [self._fold(p) for p in (table.args.get("catalog"), table.args.get("db")) if p]
        if self.sqlite and parts == ["main"]:
            parts = []
        if not parts and self._is_cte(table, self._fold(this)):
            return None
        parts.append(self._fold(this))
        return TABLE_PREFIX + ".".join(parts)

    def _fold(self, part: exp.Expr) -> str:
        if isinstance(part, exp.Identifier):
            return _fold(part, self.strategy)
        return part.name

    def _cte_names(self, ctes: Iterable[exp.Expr]) -> set[str]:
        names: set[str] = set()
        for cte in ctes:
            alias = cte.args.get("alias")
            ident = alias.this if alias is not None else None
            if isinstance(ident, exp.Identifier):
                names.add(_fold(ident, self.strategy))
        return names

    def _is_cte(self, table: exp.Table, name: str) -> bool:
        """Whether an unqualified name refers to a CTE in scope.  Inside a CTE's own body
        only the CTEs before it are visible (and itself, with ``WITH RECURSIVE``)."""
        prev: exp.Expr = table
        node = table.parent
        while node is not None:
            if isinstance(node, exp.With):
                ctes: Sequence[exp.Expr] = node.expressions
                if isinstance(prev, exp.CTE):
                    index = next(i for i, c in enumerate(ctes) if c is prev)
                    visible = list(ctes[: index + 1 if node.args.get("recursive") else index])
                else:
                    visible = list(ctes)
                if name in self._cte_names(visible):
                    return True
            else:
                with_ = node.args.get(_WITH)
                if with_ is not None and with_ is not prev:
                    if name in self._cte_names(with_.expressions):
                        return True
            prev, node = node, node.parent
        return False


def _target(node: exp.Expr | None) -> exp.Table | None:
    """The table a DDL statement is about (``CREATE TABLE t (cols)`` wraps it in a Schema)."""
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


@dataclass(slots=True)
class _StatementNames:
    reads: list[str]
    creates: list[str]
    drops: list[str]


def _classify(stmt: exp.Expr, resolver: _Resolver) -> _StatementNames:
    """Reads, creates and drops of one parsed statement."""
    names = _StatementNames([], [], [])
    special: dict[int, list[str]] = {}  # id(Table node) -> the list it belongs to
    if isinstance(stmt, exp.Create):
        kind = str(stmt.args.get("kind") or "").upper()
        target = _target(stmt.this)
        if target is not None and kind in ("TABLE", "VIEW"):
            special[id(target)] = names.creates
        elif target is not None and kind != "INDEX":
            special[id(target)] = []  # CREATE SCHEMA/FUNCTION/...: not a table
    elif isinstance(stmt, exp.Drop):
        kind = str(stmt.args.get("kind") or "").upper()
        targets = stmt.args.get("tables") or [stmt.this]
        for target in targets:
            if isinstance(target, exp.Table):
                special[id(target)] = names.drops if kind in ("TABLE", "VIEW") else []
    elif isinstance(stmt, exp.Alter):
        target = _target(stmt.this)
        for action in stmt.args.get("actions") or ():
            renamed = _target(action.this) if isinstance(action, exp.AlterRename) else None
            if renamed is not None and target is not None:
                special[id(renamed)] = names.creates
                special[id(target)] = names.drops
    elif isinstance(stmt, exp.Select):
        into = stmt.args.get("into")
        target = _target(into.this) if into is not None else None
        if target is not None:
            special[id(target)] = names.creates
    for table in stmt.find_all(exp.Table):
        key = resolver.name(table)
        if key is not None:
            special.get(id(table), names.reads).append(key)
    return names


def _syntax_error(message: str) -> Analysis:
    return Analysis(frozenset(), frozenset(), frozenset(), " ".join(message.split()))


def _parse_error_message(exc: ParseError) -> str:
    errors = exc.errors
    if not errors:
        return str(exc).splitlines()[0] if str(exc) else "invalid SQL"
    first = errors[0]
    description = _TOKEN_REPR_RE.sub(
        lambda m: "end of input" if m.group(1) == "SENTINEL" else repr(m.group(2)),
        str(first.get("description") or "invalid SQL"),
    )
    return f"{description} (line {first.get('line')}, col {first.get('col')})"


@lru_cache(maxsize=1024)
def analyze_sql(code: str, name: str | None, dialect: str | None = None) -> Analysis:
    """Analyse one SQL cell (without its ``%%sql`` line).  Never raises.

    ``name`` is the Python variable the result is bound to; ``dialect`` the SQLAlchemy
    (or sqlglot) dialect name of the current engine, e.g. ``"sqlite"``/``"postgresql"``.
    Invalid SQL, or an invalid ``name``, gives ``syntax_error`` and no reads or writes.
    """
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        return _syntax_error(f"NameError: invalid result name {name!r}: use a Python identifier")
    try:
        glot = _glot(sqlglot_dialect(dialect))
        tokens = _tokenize(code, glot)
        statements = _statements(code, tokens)
        parser = glot.dialect.parser()
        resolver = _Resolver(glot.name, glot.dialect)
        per_statement: list[_StatementNames] = []
        for stmt, chunk in statements:
            if _is_opaque(chunk, glot):
                continue  # EXPLAIN, SHOW, CREATE TRIGGER ...: no tables known
            for parsed in parser.parse(chunk, code):
                if parsed is None:
                    continue
                if isinstance(parsed, _NOT_STATEMENTS):
                    return _syntax_error(f"SyntaxError: not an SQL statement: {stmt.text[:60]!r}")
                per_statement.append(_classify(parsed, resolver))
    except SqlSyntaxError as exc:
        return _syntax_error(f"SyntaxError: {exc}")
    except ParseError as exc:
        return _syntax_error(f"SyntaxError: {_parse_error_message(exc)}")
    except (SqlglotError, RecursionError, ValueError) as exc:
        return _syntax_error(f"SyntaxError: {exc}")
    except Exception as exc:  # sqlglot's own faults on odd input: still never raise
        return _syntax_error(f"SyntaxError: this SQL could not be analysed ({type(exc).__name__})")
    return _combine(per_statement, [n for s, _ in statements for _, n in s.params], name)


def _combine(per_statement: list[_StatementNames], params: list[str], name: str | None) -> Analysis:
    """Apply the statements in order (see the module docstring)."""
    reads: set[str] = set(params)
    writes: set[str] = set() if name is None else {name}
    deletes: set[str] = set()
    created: set[str] = set()
    for i, names in enumerate(per_statement):
        reads.update(t for t in names.reads if t not in created)
        for table in names.drops:
            if table in created:  # a temporary of this cell
                created.discard(table)
                writes.discard(table)
            elif not any(table in later.creates for later in per_statement[i + 1 :]):
                reads.add(table)
                deletes.add(table)
        created.update(names.creates)
        writes.update(names.creates)
    return Analysis(frozenset(reads), frozenset(writes), frozenset(deletes), None)
