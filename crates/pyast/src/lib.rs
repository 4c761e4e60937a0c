//! Small helpers over the Python AST (rustpython-parser), shared by the adapters of Python
//! frameworks (Alembic, Django): literals, attribute names, call arguments, lines.
#![warn(missing_docs)]

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

/// Returns the 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Returns the source text of a node.
pub fn source_of<'a>(text: &'a str, node: &impl Ranged) -> &'a str {
    let r = node.range();
    let (s, e) = (usize::from(r.start()), usize::from(r.end()));
    text.get(s..e).unwrap_or("")
}

/// Returns a string constant (also through `op.f("…")` and `sa.text("…")`).
pub fn str_value(e: &Expr) -> Option<String> {
    match e {
        Expr::Constant(ast::ExprConstant {
            value: Constant::Str(s),
            ..
        }) => Some(s.clone()),
        Expr::Call(c)
            if matches!(
                attr_name(&c.func).as_deref(),
                Some("f" | "text" | "literal_column" | "quoted_name")
            ) =>
        {
            c.args.first().and_then(str_value)
        }
        _ => None,
    }
}

/// Returns `Some(None)` for the literal `None`, `Some(Some(list))` for a string or a
/// tuple/list of strings, `None` when the expression is not such a literal.
pub fn str_list(e: &Expr) -> Option<Option<Vec<String>>> {
    match e {
        Expr::Constant(ast::ExprConstant {
            value: Constant::None,
            ..
        }) => Some(None),
        Expr::Constant(ast::ExprConstant {
            value: Constant::Str(s),
            ..
        }) => Some(Some(vec![s.clone()])),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            let mut out = Vec::new();
            for el in elts {
                out.push(str_value(el)?);
            }
            Some(Some(out))
        }
        _ => None,
    }
}

/// Returns the attribute name of `x.attr` (or the name of a bare `attr`).
pub fn attr_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Attribute(a) => Some(a.attr.to_string()),
        Expr::Name(n) => Some(n.id.to_string()),
        _ => None,
    }
}

/// Returns the receiver name of `recv.method(...)`.
pub fn receiver(e: &Expr) -> Option<String> {
    match e {
        Expr::Attribute(a) => match a.value.as_ref() {
            Expr::Name(n) => Some(n.id.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Returns the keyword argument `name` of a call.
pub fn kwarg<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.keywords
        .iter()
        .find(|k| k.arg.as_deref() == Some(name))
        .map(|k| &k.value)
}

/// Returns positional argument `i`, or keyword `name`.
pub fn arg<'a>(call: &'a ast::ExprCall, i: usize, name: &str) -> Option<&'a Expr> {
    call.args.get(i).or_else(|| kwarg(call, name))
}
