"""Security rules that belong to the code, checked on its syntax tree.

- PostgreSQL: the SQL of every `execute` / `executemany` / `copy` is static text:
  literals, constants built from literals (f-strings, joins, concatenation of them), or
  psycopg's `sql` composition (identifiers and literals quoted by psycopg). No value
  known only at run time, least of all one from a message, is formatted into SQL:
  values travel as parameters.
- BigQuery: every query is a `warehouse.queries.Query` (SQL text plus typed
  parameters) built in the warehouse package, run with `query_parameters`; its text
  interpolates only quoted table names and schema constants, and every `@name` it uses
  is one of its parameters.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mentionfleet.warehouse.queries import _table

REPO = Path(__file__).resolve().parents[2]
SCANNED = (REPO / "shared" / "mentionfleet", REPO / "functions")
SQL_METHODS = {"execute", "executemany", "copy"}
STR_METHODS = {"join", "format", "encode", "strip", "replace", "upper", "lower"}
PSYCOPG_QUOTED = {"Identifier", "Literal", "Placeholder"}
PURE_BUILTINS = {"zip", "sorted", "reversed", "tuple", "list", "str"}
"""Builtins that make static text (or items of it) from static arguments."""
NOT_STATIC_ALLOWED = {
    ("shared/mentionfleet/store/migrate.py", "migrate"): "runs the package's migration files",
}
"""(file, function) that may execute non-static SQL, and why."""
QUERY_BUILDERS = "shared/mentionfleet/warehouse/"
BQ_PARAMETER_TYPES = {"ScalarQueryParameter", "ArrayQueryParameter", "StructQueryParameter"}


# -- static text ---------------------------------------------------------------------------


class Scope:
    """Names bound in a module or a function, and which of them only ever hold static text."""

    def __init__(self, node: ast.AST, outer: Scope | None = None) -> None:
        self.outer = outer
        self.node = node
        self.params = _parameters(node)
        self.bindings: dict[str, list[ast.expr | None]] = {}
        for child in _own_nodes(node):
            for name, value in _bound(child):
                self.bindings.setdefault(name, []).append(value)
        self._static: dict[str, bool] = {}

    def name_is_static(self, name: str) -> bool:
        if name not in self.bindings:
            return self.outer.name_is_static(name) if self.outer else False
        if name not in self._static:
            self._static[name] = False  # a cycle is not static
            self._static[name] = all(
                value is not None and is_static(value, self) for value in self.bindings[name]
            )
        return self._static[name]

    def annotation(self, name: str) -> str | None:
        return self.params.get(name)


def _parameters(node: ast.AST) -> dict[str, str | None]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {
        a.arg: ast.unparse(a.annotation) if a.annotation else None for a in every if a is not None
    }


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a scope, not descending into nested functions, classes or lambdas."""
    todo = list(ast.iter_child_nodes(node))
    while todo:
        child = todo.pop()
        yield child
        if not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            todo.extend(ast.iter_child_nodes(child))


def _names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _bound(node: ast.AST) -> list[tuple[str, ast.expr | None]]:
    """(name, value) bound by a statement; value None when not a plain expression."""
    if isinstance(node, ast.Assign):
        return [
            (t.id, node.value) if isinstance(t, ast.Name) else (name, None)
            for t in node.targets
            for name in ([t.id] if isinstance(t, ast.Name) else _names(t))
        ]
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        return [(node.target.id, node.value)]
    if isinstance(node, ast.NamedExpr):
        return [(node.target.id, node.value)]
    if isinstance(node, ast.For | ast.AsyncFor):
        return [(name, None) for name in _names(node.target)]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [(name, None) for name in _names(node.optional_vars)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [((a.asname or a.name).split(".")[0], None) for a in node.names]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [(node.name, None)]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [(node.name, None)]
    return []


def is_static(node: ast.expr, scope: Scope, local: frozenset[str] = frozenset()) -> bool:
    """True when `node` can only ever evaluate to text fixed in the source."""
    match node:
        case ast.Constant():
            return True
        case ast.Name(id=name):
            return name in local or scope.name_is_static(name)
        case ast.JoinedStr(values=values):
            return all(is_static(v, scope, local) for v in values)
        case ast.FormattedValue(value=value, format_spec=spec):
            return is_static(value, scope, local) and (
                spec is None or is_static(spec, scope, local)
            )
        case ast.BinOp(left=left, right=right):
            return is_static(left, scope, local) and is_static(right, scope, local)
        case ast.BoolOp(values=values):
            return all(is_static(v, scope, local) for v in values)
        case ast.IfExp(body=body, orelse=orelse):  # a choice between fixed texts
            return is_static(body, scope, local) and is_static(orelse, scope, local)
        case ast.Tuple(elts=elts) | ast.List(elts=elts) | ast.Set(elts=elts):
            return all(is_static(e, scope, local) for e in elts)
        case ast.Starred(value=value):
            return is_static(value, scope, local)
        case ast.Subscript(value=value, slice=index):
            return is_static(value, scope, local) and is_static(index, scope, local)
        case ast.GeneratorExp(elt=elt, generators=gens) | ast.ListComp(elt=elt, generators=gens):
            bound = set(local)
            for gen in gens:
                if not is_static(gen.iter, scope, frozenset(bound)):
                    return False
                bound |= set(_names(gen.target))
            return is_static(elt, scope, frozenset(bound))
        case ast.Call(func=func, args=args, keywords=keywords):
            return _static_call(func, args, keywords, scope, local)
    return False


def _static_call(
    func: ast.expr,
    args: list[ast.expr],
    keywords: list[ast.keyword],
    scope: Scope,
    local: frozenset[str],
) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id == "sql" and name in PSYCOPG_QUOTED:
            return True  # psycopg quotes it as an identifier or literal
        if func.value.id == "sql" and name == "SQL":
            return all(is_static(a, scope, local) for a in args)
    if (isinstance(func, ast.Name) and name in PURE_BUILTINS) or (
        isinstance(func, ast.Attribute) and name in STR_METHODS
    ):
        receiver = [func.value] if isinstance(func, ast.Attribute) else []
        return all(
            is_static(a, scope, local) for a in [*receiver, *args, *(k.value for k in keywords)]
        )
    return False


# -- finding the calls ---------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    function: str
    call: ast.Call
    scope: Scope

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}(): {ast.unparse(self.call)[:120]}"


def sites(tree: ast.Module, path: str) -> Iterator[Site]:
    """Every call in the module, with its innermost enclosing function's scope."""
    module = Scope(tree)

    def visit(node: ast.AST, scope: Scope, function: str) -> Iterator[Site]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, Scope(child, scope), child.name)
                continue
            if isinstance(child, ast.Call):
                yield Site(path, child.lineno, function, child, scope)
            yield from visit(child, scope, function)

    yield from visit(tree, module, "<module>")


def parsed() -> Iterator[tuple[str, ast.Module]]:
    for root in SCANNED:
        for file in sorted(root.rglob("*.py")):
            yield str(file.relative_to(REPO)), ast.parse(file.read_text(encoding="utf-8"))


def _modules(tree: ast.Module) -> set[str]:
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }


def sql_sites(tree: ast.Module, path: str) -> list[Site]:
    """Calls of execute / executemany / copy with a statement (not `shutil.copy` etc.)."""
    modules = _modules(tree)
    found = []
    for site in sites(tree, path):
        func = site.call.func
        if not (isinstance(func, ast.Attribute) and func.attr in SQL_METHODS and site.call.args):
            continue
        if isinstance(func.value, ast.Name) and func.value.id in modules:
            continue
        found.append(site)
    return found


def dynamic_sql(tree: ast.Module, path: str) -> list[Site]:
    return [s for s in sql_sites(tree, path) if not is_static(s.call.args[0], s.scope)]


# -- the rules on the repository -----------------------------------------------------------


def test_every_postgres_statement_is_static_text() -> None:
    seen, offending = 0, []
    allowed_used = set()
    for path, tree in parsed():
        seen += len(sql_sites(tree, path))
        for site in dynamic_sql(tree, path):
            if (site.path, site.function) in NOT_STATIC_ALLOWED:
                allowed_used.add((site.path, site.function))
            else:
                offending.append(str(site))
    assert seen >= 20, f"only {seen} statements found: is the scan looking in the right place?"
    assert offending == [], "SQL built from run-time values; pass them as parameters:\n" + (
        "\n".join(offending)
    )
    assert allowed_used == set(NOT_STATIC_ALLOWED), "an allowance no longer matches any code"


def _assigned_call(site: Site, node: ast.expr | None) -> ast.Call | None:
    """`node` itself if a call, or the call a local name was assigned once."""
    if isinstance(node, ast.Call):
        return node
    if isinstance(node, ast.Name):
        values = site.scope.bindings.get(node.id, [])
        if len(values) == 1 and isinstance(values[0], ast.Call):
            return values[0]
    return None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def bigquery_query_problems(site: Site) -> list[str]:
    """A `.query(...)` call must run `q.sql` with `query_parameters=q.params`."""
    call = site.call
    sql_arg = call.args[0]
    if not (
        isinstance(sql_arg, ast.Attribute)
        and sql_arg.attr == "sql"
        and isinstance(sql_arg.value, ast.Name)
    ):
        return [f"{site}: the SQL is not a Query's `.sql`"]
    query = sql_arg.value.id
    job = next((k.value for k in call.keywords if k.arg == "job_config"), None)
    config = _assigned_call(site, job)
    if config is None or _callee(config) != "QueryJobConfig":
        return [f"{site}: no QueryJobConfig built in this function"]
    params = next((k.value for k in config.keywords if k.arg == "query_parameters"), None)
    if not (
        isinstance(params, ast.Attribute)
        and params.attr == "params"
        and isinstance(params.value, ast.Name)
        and params.value.id == query
    ):
        return [f"{site}: query_parameters is not {query}.params"]
    return []


def _text_parts(node: ast.expr) -> tuple[str, list[ast.expr]]:
    """The literal text of a str / f-string, and the expressions it interpolates."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, []
    if isinstance(node, ast.JoinedStr):
        text, holes = [], []
        for part in node.values:
            if isinstance(part, ast.Constant):
                text.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                text.append(" ")
                holes.append(part.value)
        return "".join(text), holes
    raise ValueError(ast.unparse(node))


def query_builder_problems(site: Site) -> list[str]:
    """A `Query(sql, params)` built in the warehouse package, from vetted text."""
    if not site.path.startswith(QUERY_BUILDERS):
        return [f"{site}: BigQuery SQL is built outside {QUERY_BUILDERS}"]
    sql_node: ast.expr | None = site.call.args[0] if site.call.args else None
    if isinstance(sql_node, ast.Name):
        values = site.scope.bindings.get(sql_node.id, [])
        sql_node = values[0] if len(values) == 1 else None
    try:
        text, holes = _text_parts(sql_node) if sql_node is not None else ("", [])
    except ValueError:
        return [f"{site}: the SQL is not one literal or f-string"]
    problems = []
    for hole in holes:
        quoted_table = isinstance(hole, ast.Call) and _callee(hole) == "_table"
        schema_field = (
            isinstance(hole, ast.Attribute)
            and isinstance(hole.value, ast.Name)
            and site.scope.annotation(hole.value.id) == "TableSpec"
        )
        if not (quoted_table or schema_field or is_static(hole, site.scope)):
            problems.append(f"{site}: interpolates {ast.unparse(hole)!r} into the SQL")
    params = site.call.args[1] if len(site.call.args) > 1 else None
    if not isinstance(params, ast.List):
        return [*problems, f"{site}: parameters are not a literal list"]
    names: set[str] = set()
    for param in params.elts:
        if not (
            isinstance(param, ast.Call)
            and _callee(param) in BQ_PARAMETER_TYPES
            and param.args
            and isinstance(param.args[0], ast.Constant)
        ):
            problems.append(f"{site}: parameter {ast.unparse(param)[:60]} is not typed")
            continue
        names.add(str(param.args[0].value))
    used = set(re.findall(r"@([A-Za-z_]\w*)", text))
    if used != names:
        problems.append(f"{site}: SQL uses @{sorted(used)} but passes {sorted(names)}")
    return problems


def test_every_bigquery_query_is_a_parameterised_query_object() -> None:
    runs, builds, problems = 0, 0, []
    for path, tree in parsed():
        for site in sites(tree, path):
            func = site.call.func
            if isinstance(func, ast.Attribute) and func.attr == "query" and site.call.args:
                runs += 1
                problems += bigquery_query_problems(site)
            elif _callee(site.call) == "Query":
                builds += 1
                problems += query_builder_problems(site)
    assert runs >= 1 and builds >= 2, (runs, builds)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", ["a`b.c.d", "p..t", "p.d.", "x`; DROP TABLE t; --"])
def test_table_names_cannot_break_out_of_their_quotes(name: str) -> None:
    with pytest.raises(ValueError, match=r"expected project\.dataset\.table"):
        _table(name)


# -- the checker on known snippets ---------------------------------------------------------

_SAFE = '''
from psycopg import sql
COLS = ("a", "b")
_LIST = ", ".join(COLS)
UPSERT = f"INSERT INTO t ({_LIST}) SELECT {_LIST} FROM s"
SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*COLS, "c"))

def f(conn, run_id, flag):
    conn.execute("SELECT 1 FROM runs WHERE run_id = %s", (run_id,))
    conn.execute(UPSERT)
    conn.execute(SET + " WHERE x = %s", (run_id,))
    query = "SELECT * FROM batches WHERE run_id = %s"
    query += " AND state = %s"
    conn.execute(query + " ORDER BY 1", (run_id, "scored"))
    conn.execute(UPSERT if flag else "SELECT 2")
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(run_id)))
    with conn.cursor() as cur, cur.copy(f"COPY t ({_LIST}) FROM STDIN") as copy:
        copy.write_row((1, 2))
'''

_UNSAFE = '''
import shutil
def f(conn, run_id, rows, message):
    conn.execute(f"SELECT 1 FROM runs WHERE run_id = '{run_id}'")
    conn.execute("SELECT 1 FROM runs WHERE run_id = '%s'" % run_id)
    conn.execute("SELECT * FROM {}".format(message.table))
    conn.execute(f"SET LOCAL work_mem = '{len(rows) * 2}kB'")
    query = "SELECT 1"
    query += run_id
    conn.execute(query)
    for text in rows:
        conn.executemany(text, [])
    shutil.copy(run_id, "/tmp/x")
'''


def test_the_checker_accepts_static_sql() -> None:
    tree = ast.parse(_SAFE)
    assert len(sql_sites(tree, "safe.py")) == 7
    assert dynamic_sql(tree, "safe.py") == []


def test_the_checker_flags_every_formatted_value() -> None:
    tree = ast.parse(_UNSAFE)
    flagged = [s.line for s in dynamic_sql(tree, "unsafe.py")]
    assert flagged == [4, 5, 6, 7, 10, 12]
    assert len(sql_sites(tree, "unsafe.py")) == 6  # shutil.copy is no statement


_QUERIES = '''
def good(events_table: str, spec: TableSpec, window: Window) -> Query:
    sql = f"""SELECT {spec.partition_column} FROM {_table(events_table)}
WHERE d BETWEEN @start AND @end"""
    return Query(sql, [bigquery.ScalarQueryParameter("start", "DATE", window.start),
                       bigquery.ScalarQueryParameter("end", "DATE", window.as_of)])

def bad(events_table: str, day: str) -> Query:
    sql = f"SELECT * FROM {_table(events_table)} WHERE d = '{day}' AND x = @x"
    return Query(sql, [bigquery.ScalarQueryParameter("y", "INT64", 1)])

def run(client, query, limit):
    config = bigquery.QueryJobConfig(query_parameters=query.params)
    client.query(query.sql, job_config=config)
    client.query(f"SELECT {limit}", job_config=config)
    other = bigquery.QueryJobConfig()
    client.query(query.sql, job_config=other)
'''


def test_the_bigquery_checker_on_known_snippets() -> None:
    path = QUERY_BUILDERS + "snippet.py"
    found = list(sites(ast.parse(_QUERIES), path))
    builds = {s.function: query_builder_problems(s) for s in found if _callee(s.call) == "Query"}
    assert builds["good"] == []
    assert len(builds["bad"]) == 2
    assert builds["bad"][0].endswith(": interpolates 'day' into the SQL")
    assert builds["bad"][1].endswith(": SQL uses @['x'] but passes ['y']")
    runs = [
        bigquery_query_problems(s)
        for s in found
        if isinstance(s.call.func, ast.Attribute) and s.call.func.attr == "query"
    ]
    assert [bool(p) for p in runs] == [False, True, True]
    outside = [s for s in sites(ast.parse(_QUERIES), "shared/x.py") if _callee(s.call) == "Query"]
    assert all("built outside" in query_builder_problems(s)[0] for s in outside)
