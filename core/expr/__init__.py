"""The expression language of the YAML metadata (``compute``, ``when``, ``visible``, ``check``...).

:mod:`trellis.expr.evaluator` parses and compiles an expression with an allow-list;
:mod:`trellis.expr.values` says how values combine and where the size limits are.
Neither imports Flask or SQLAlchemy: the language can be tested and reused alone.
"""

from trellis.expr.evaluator import BUILTIN_FUNCTIONS, Expression, Function, compile_expression, evaluate
from trellis.expr.values import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LIST_LENGTH,
    MAX_NODES,
    MAX_NUMBER,
    MAX_ROUND_DIGITS,
    MAX_SOURCE_LENGTH,
    MAX_STEPS,
    MAX_TEXT_LENGTH,
    ExpressionError,
)

__all__ = [
    "BUILTIN_FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LIST_LENGTH",
    "MAX_NODES",
    "MAX_NUMBER",
    "MAX_ROUND_DIGITS",
    "MAX_SOURCE_LENGTH",
    "MAX_STEPS",
    "MAX_TEXT_LENGTH",
    "Expression",
    "ExpressionError",
    "Function",
    "compile_expression",
    "evaluate",
]
