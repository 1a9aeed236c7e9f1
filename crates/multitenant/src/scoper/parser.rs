//! The one place that knows the parser: PostgreSQL's own grammar (libpg_query) to a tree, and
//! back to text. Keeping it here lets the binding be swapped without touching the rewrite.

use pg_query::protobuf::ParseResult;

use crate::Error;

pub(crate) use pg_query::NodeEnum;
pub(crate) use pg_query::protobuf;

/// Parses `sql` into statements.
pub(crate) fn parse(sql: &str) -> Result<ParseResult, Error> {
    pg_query::parse(sql, 0)
        .map(|r| r.protobuf)
        .map_err(|e| match e {
            pg_query::Error::Parse(message) => Error::Parse {
                position: error_position(sql, &message),
                message,
            },
            other => Error::Parse {
                message: other.to_string(),
                position: None,
            },
        })
}

/// Writes a tree back as SQL text.
pub(crate) fn deparse(tree: &ParseResult) -> Result<String, Error> {
    pg_query::deparse(tree, Default::default()).map_err(|e| Error::Parse {
        message: format!("the rewritten statement could not be written back: {e}"),
        position: None,
    })
}

/// Parses one SQL expression (used for literal tenant values).
pub(crate) fn parse_expr(text: &str) -> Result<protobuf::Node, Error> {
    let tree = parse(&format!("SELECT {text}"))?;
    let expr = tree
        .stmts
        .into_iter()
        .next()
        .and_then(|s| s.stmt)
        .and_then(|s| match s.node {
            Some(NodeEnum::SelectStmt(sel)) => sel.target_list.into_iter().next(),
            _ => None,
        })
        .and_then(|t| match t.node {
            Some(NodeEnum::ResTarget(rt)) => rt.val.map(|v| *v),
            _ => None,
        });
    expr.ok_or_else(|| Error::Parse {
        message: format!("`{text}` is not one expression"),
        position: None,
    })
}

/// Finds where PostgreSQL's "syntax error at or near \"X\"" points: the first token X after
/// which the text stops parsing (or the end, for "at end of input").
fn error_position(sql: &str, message: &str) -> Option<usize> {
    if message.contains("at end of input") {
        return Some(sql.len());
    }
    let near = message.split("at or near \"").nth(1)?.strip_suffix('"')?;
    let tokens = pg_query::scan(sql).ok()?.tokens;
    let candidates: Vec<usize> = tokens
        .iter()
        .filter(|t| sql.get(t.start as usize..t.end as usize) == Some(near))
        .map(|t| t.start as usize)
        .collect();
    // The error token is the first one whose prefix up to and including it no longer parses as
    // a prefix would; with one candidate (the usual case) it is that one.
    candidates
        .iter()
        .copied()
        .find(|&start| pg_query::parse(&sql[..start], 0).is_ok() || candidates.len() == 1)
        .or_else(|| candidates.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_carry_the_position() {
        let err = parse("SELECT * FORM project").unwrap_err();
        match err {
            Error::Parse { position, message } => {
                assert_eq!(position, Some(9), "{message}");
                assert!(message.contains("FORM"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let end = parse("SELECT * FROM").unwrap_err();
        assert!(
            matches!(
                end,
                Error::Parse {
                    position: Some(13),
                    ..
                }
            ),
            "{end:?}"
        );
    }
}
