"""A small, safe expression language for question variants. Content is parsed, never passed to eval().

Allowed: numbers, strings, True/False, names bound by the question, + - * / // % **, unary - + not,
comparisons, and/or, `x if c else y`, and calls to the functions in FUNCTIONS. Nothing else parses.
"""

import ast
import math
import operator

MAX_LENGTH = 500
MAX_MAGNITUDE = 1e15
MAX_EXPONENT = 64


class ExpressionError(ValueError):
    pass


def _number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"{name}() needs a number, got {value!r}")
    return value


def fmt(value, decimals=0):
    """12000000 -> '12,000,000'; fmt(1234.5, 2) -> '1,234.50'."""
    _number(value, "fmt")
    decimals = int(_number(decimals, "fmt"))
    if not 0 <= decimals <= 10:
        raise ExpressionError("fmt() takes 0 to 10 decimals")
    return f"{value:,.{decimals}f}"


def money(value, decimals=2):
    """1234.567 -> '$1,234.57'."""
    _number(value, "money")
    text = fmt(abs(value), decimals)
    return f"-${text}" if value < 0 else f"${text}"


def _round(value, digits=0):
    _number(value, "round")
    result = round(value, int(_number(digits, "round")))
    return int(result) if digits == 0 else result


FUNCTIONS = {
    "min": min,
    "max": max,
    "round": _round,
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "int": int,
    "fmt": fmt,
    "money": money,
}

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def parse(source) -> ast.Expression:
    """Parse and check an expression; raise ExpressionError naming what is not allowed."""
    if isinstance(source, (bool, int, float)):
        source = repr(source)
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("an expression must be a non-empty string or a number")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {source!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
            if isinstance(node, ast.operator) and type(node) not in _BINARY:
                raise ExpressionError(f"operator {type(node).__name__} is not allowed")
            continue
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ExpressionError(f"only these functions may be called: {', '.join(FUNCTIONS)}")
            if node.keywords:
                raise ExpressionError("functions take positional arguments only")
            continue
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Name)):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
            continue
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
    return tree


def names_used(tree: ast.Expression) -> set[str]:
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - called


def _check_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError("the result is not a finite number")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_MAGNITUDE:
        raise ExpressionError("a number grew beyond 1e15")
    return value


def _eval(node, env):
    match node:
        case ast.Expression(body=body):
            return _eval(body, env)
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            if name in ("True", "False"):
                return name == "True"
            if name not in env:
                raise ExpressionError(f"unknown name '{name}'")
            return env[name]
        case ast.BinOp(left=left, op=op, right=right):
            a, b = _eval(left, env), _eval(right, env)
            if isinstance(op, ast.Pow) and isinstance(b, (int, float)) and abs(b) > MAX_EXPONENT:
                raise ExpressionError(f"exponent larger than {MAX_EXPONENT}")
            if isinstance(a, str) or isinstance(b, str):
                if isinstance(op, ast.Add) and isinstance(a, str) and isinstance(b, str):
                    return a + b
                raise ExpressionError("only + joins strings")
            try:
                return _check_number(_BINARY[type(op)](a, b))
            except ZeroDivisionError:
                raise ExpressionError("division by zero") from None
        case ast.UnaryOp(op=op, operand=operand):
            value = _eval(operand, env)
            if isinstance(op, ast.Not):
                return not value
            if isinstance(value, str):
                raise ExpressionError("cannot negate a string")
            return -value if isinstance(op, ast.USub) else +value
        case ast.BoolOp(op=op, values=values):
            result = None
            for child in values:
                result = _eval(child, env)
                if isinstance(op, ast.And) and not result:
                    return result
                if isinstance(op, ast.Or) and result:
                    return result
            return result
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            a = _eval(left, env)
            for op, comparator in zip(ops, comparators, strict=True):
                b = _eval(comparator, env)
                try:
                    if not _COMPARE[type(op)](a, b):
                        return False
                except (TypeError, KeyError):
                    raise ExpressionError(f"cannot compare {a!r} and {b!r}") from None
                a = b
            return True
        case ast.IfExp(test=test, body=body, orelse=orelse):
            return _eval(body, env) if _eval(test, env) else _eval(orelse, env)
        case ast.Call(func=ast.Name(id=name), args=args):
            values = [_eval(arg, env) for arg in args]
            try:
                return _check_number(FUNCTIONS[name](*values))
            except ExpressionError:
                raise
            except (TypeError, ValueError, OverflowError) as exc:
                raise ExpressionError(f"{name}(): {exc}") from None
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # parse() rejects these first


def evaluate(tree_or_source, env: dict):
    tree = tree_or_source if isinstance(tree_or_source, ast.Expression) else parse(tree_or_source)
    return _eval(tree, env)
