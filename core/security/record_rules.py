"""Record rules (``rules:`` of a role) as SQL for reads, and as Python for one record.

A rule is an :class:`trellis.expr.Expression`. The simple subset authors write for
record-level conditions -- comparisons, ``and``/``or``/``not``, ``in``, ``is None``
over the entity's stored fields and literals (and ``current_user``) -- becomes a
SQLAlchemy clause, so lists, counts and exports filter in the database. Anything
else raises :class:`Untranslatable`; the caller then denies the rows (never allows
them silently) and logs why.

SQL is stricter than Python where ``None`` is involved (``not (amount < 5)`` is
NULL, hence false, for an empty amount): a rule can hide a row Python would show,
never the reverse.
"""

from __future__ import annotations

import ast
from typing import Any

import sqlalchemy as sa
from trellis.expr import ExpressionError

SYSTEM_COLUMNS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")


class Untranslatable(Exception):
    """A rule uses something the SQL translation does not cover."""


def rule_clause(expression, entity, table, current_user: Any) -> Any:
    """The SQLAlchemy clause for ``expression`` over ``table``; Untranslatable when it cannot be."""
    return _Translator(entity, table, current_user).condition(expression.tree.body)


def rule_holds(expression, record, current_user: Any) -> bool:
    """True when ``expression`` is truthy for ``record``; an error in the rule counts as false."""
    values = {**getattr(record, "system", {}), **record, "current_user": current_user}
    try:
        return bool(expression.evaluate(values))
    except ExpressionError:
        return False


_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
            ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}


class _Translator:
    def __init__(self, entity, table, current_user: Any):
        self.entity, self.table, self.current_user = entity, table, current_user

    def condition(self, node: ast.AST) -> Any:
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v) for v in node.values]
            return sa.and_(*parts) if isinstance(node.op, ast.And) else sa.or_(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sa.not_(self.condition(node.operand))
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self.compare(node.left, node.ops[0], node.comparators[0])
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return sa.true() if node.value else sa.false()
        if isinstance(node, ast.Name) and self.is_column(node.id):
            return self.column(node.id).is_(True)
        raise Untranslatable(f"{ast.dump(node)[:60]}")

    def compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> Any:
        if isinstance(op, (ast.Is, ast.IsNot)):
            if not (isinstance(right, ast.Constant) and right.value is None):
                raise Untranslatable("'is' with something other than None")
            column = self.operand(left)
            return column.is_(None) if isinstance(op, ast.Is) else column.is_not(None)
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(right, (ast.List, ast.Tuple)):
                raise Untranslatable("'in' needs a literal list")
            items = [self.literal(item) for item in right.elts]
            column = self.operand(left)
            return column.in_(items) if isinstance(op, ast.In) else sa.not_(column.in_(items))
        if type(op) not in _COMPARE:
            raise Untranslatable("unknown comparison")
        a, b = self.operand(left), self.operand(right)
        if isinstance(op, ast.Eq) and _is_none(right):
            return a.is_(None)
        if isinstance(op, ast.NotEq) and _is_none(right):
            return a.is_not(None)
        return _COMPARE[type(op)](a, b)

    def operand(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            if node.id == "current_user":
                return sa.literal(self.current_user)
            if self.is_column(node.id):
                return self.column(node.id)
            raise Untranslatable(f"'{node.id}' is not a stored field")
        return sa.literal(self.literal(node))

    def literal(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)) or _is_none(node):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
            return -node.operand.value
        if isinstance(node, ast.Name) and node.id == "current_user":
            return self.current_user
        raise Untranslatable("not a literal")

    def is_column(self, name: str) -> bool:
        if name in SYSTEM_COLUMNS:
            return True
        field = self.entity.fields.get(name)
        return field is not None and bool(field.column) and field.column in self.table.c

    def column(self, name: str) -> Any:
        if name in SYSTEM_COLUMNS:
            return self.table.c[name]
        return self.table.c[self.entity.fields[name].column]


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
