//! Constructors for the parse-tree nodes the rewrite adds: names, operators, conditions, casts,
//! select lists and subqueries, each with no source location.

use super::parser::{NodeEnum, protobuf as pb};
use pb::Node;

pub(super) fn node(n: NodeEnum) -> Node {
    Node { node: Some(n) }
}

pub(super) fn string(s: &str) -> Node {
    node(NodeEnum::String(pb::String { sval: s.to_owned() }))
}

/// A string constant `'s'`.
pub(super) fn string_const(s: String) -> Node {
    node(NodeEnum::AConst(pb::AConst {
        isnull: false,
        location: -1,
        val: Some(pb::a_const::Val::Sval(pb::String { sval: s })),
    }))
}

/// `alias.column`.
pub(super) fn column_ref(alias: &str, column: &str) -> Node {
    node(NodeEnum::ColumnRef(pb::ColumnRef {
        fields: vec![string(alias), string(column)],
        location: -1,
    }))
}

/// `(ROW(alias.*)::table).column`: a column of a table read under an alias that renames its
/// columns, named as the table names it (`table` holds the name's parts).
pub(super) fn field_by_table_name(alias: &str, table: &[String], column: &str) -> Node {
    let all = node(NodeEnum::ColumnRef(pb::ColumnRef {
        fields: vec![string(alias), node(NodeEnum::AStar(pb::AStar {}))],
        location: -1,
    }));
    let row = node(NodeEnum::RowExpr(Box::new(pb::RowExpr {
        args: vec![all],
        row_format: pb::CoercionForm::CoerceExplicitCall as i32,
        location: -1,
        ..Default::default()
    })));
    let cast = node(NodeEnum::TypeCast(Box::new(pb::TypeCast {
        arg: Some(Box::new(row)),
        type_name: Some(pb::TypeName {
            names: table.iter().map(|n| string(n)).collect(),
            typemod: -1,
            location: -1,
            ..Default::default()
        }),
        location: -1,
    })));
    node(NodeEnum::AIndirection(Box::new(pb::AIndirection {
        arg: Some(Box::new(cast)),
        indirection: vec![string(column)],
    })))
}

/// `*`.
pub(super) fn star() -> Node {
    node(NodeEnum::ColumnRef(pb::ColumnRef {
        fields: vec![node(NodeEnum::AStar(pb::AStar {}))],
        location: -1,
    }))
}

pub(super) fn op(name: &str, kind: pb::AExprKind, l: Node, r: Node) -> Node {
    node(NodeEnum::AExpr(Box::new(pb::AExpr {
        kind: kind as i32,
        name: vec![string(name)],
        lexpr: Some(Box::new(l)),
        rexpr: Some(Box::new(r)),
        location: -1,
        ..Default::default()
    })))
}

pub(super) fn eq(l: Node, r: Node) -> Node {
    op("=", pb::AExprKind::AexprOp, l, r)
}

/// `l = ANY(r)`.
pub(super) fn eq_any(l: Node, r: Node) -> Node {
    op("=", pb::AExprKind::AexprOpAny, l, r)
}

fn bool_expr(kind: pb::BoolExprType, args: Vec<Node>) -> Node {
    node(NodeEnum::BoolExpr(Box::new(pb::BoolExpr {
        boolop: kind as i32,
        args,
        location: -1,
        ..Default::default()
    })))
}

/// `existing AND preds...`, keeping the meaning of `existing` (an OR stays grouped).
pub(super) fn and_with(existing: Option<Box<Node>>, mut preds: Vec<Node>) -> Option<Box<Node>> {
    if preds.is_empty() {
        return existing;
    }
    match existing {
        Some(mut e) => {
            if let Some(NodeEnum::BoolExpr(b)) = e.node.as_mut()
                && b.boolop == pb::BoolExprType::AndExpr as i32
            {
                b.args.append(&mut preds);
                return Some(e);
            }
            let mut args = vec![*e];
            args.append(&mut preds);
            Some(Box::new(bool_expr(pb::BoolExprType::AndExpr, args)))
        }
        None if preds.len() == 1 => preds.pop().map(Box::new),
        None => Some(Box::new(bool_expr(pb::BoolExprType::AndExpr, preds))),
    }
}

/// `l IS NOT DISTINCT FROM r`.
pub(super) fn not_distinct(l: Node, r: Node) -> Node {
    op("=", pb::AExprKind::AexprNotDistinct, l, r)
}

/// `ARRAY[elements]`.
pub(super) fn array(elements: Vec<Node>) -> Node {
    node(NodeEnum::AArrayExpr(pb::AArrayExpr {
        elements,
        location: -1,
        ..Default::default()
    }))
}

/// `arg IS NULL`.
pub(super) fn is_null(arg: Node) -> Node {
    node(NodeEnum::NullTest(Box::new(pb::NullTest {
        arg: Some(Box::new(arg)),
        nulltesttype: pb::NullTestType::IsNull as i32,
        location: -1,
        ..Default::default()
    })))
}

/// `arg::type_name`; every type but `text` is named in `pg_catalog`.
pub(super) fn type_cast(arg: Node, type_name: &str) -> Node {
    let names = if type_name == "text" {
        vec![string(type_name)]
    } else {
        vec![string("pg_catalog"), string(type_name)]
    };
    node(NodeEnum::TypeCast(Box::new(pb::TypeCast {
        arg: Some(Box::new(arg)),
        type_name: Some(pb::TypeName {
            names,
            typemod: -1,
            location: -1,
            ..Default::default()
        }),
        location: -1,
    })))
}

/// `WHEN cond THEN result`.
pub(super) fn case_when(cond: Node, result: Node) -> Node {
    node(NodeEnum::CaseWhen(Box::new(pb::CaseWhen {
        expr: Some(Box::new(cond)),
        result: Some(Box::new(result)),
        location: -1,
        ..Default::default()
    })))
}

/// `CASE whens... END`.
pub(super) fn case(whens: Vec<Node>) -> Node {
    node(NodeEnum::CaseExpr(Box::new(pb::CaseExpr {
        args: whens,
        location: -1,
        ..Default::default()
    })))
}

/// A column name in an INSERT column list.
pub(super) fn res_target_name(name: &str) -> Node {
    node(NodeEnum::ResTarget(Box::new(pb::ResTarget {
        name: name.to_owned(),
        location: -1,
        ..Default::default()
    })))
}

/// An unnamed entry of a select list.
pub(super) fn res_target_value(val: Node) -> Node {
    node(NodeEnum::ResTarget(Box::new(pb::ResTarget {
        val: Some(Box::new(val)),
        location: -1,
        ..Default::default()
    })))
}

/// `val AS name`, an entry of a select list.
pub(super) fn res_target_named(name: &str, val: Node) -> Node {
    node(NodeEnum::ResTarget(Box::new(pb::ResTarget {
        name: name.to_owned(),
        val: Some(Box::new(val)),
        location: -1,
        ..Default::default()
    })))
}

/// `(select)`, a scalar subquery.
pub(super) fn scalar_subquery(select: pb::SelectStmt) -> Node {
    node(NodeEnum::SubLink(Box::new(pb::SubLink {
        sub_link_type: pb::SubLinkType::ExprSublink as i32,
        subselect: Some(Box::new(node(NodeEnum::SelectStmt(Box::new(select))))),
        location: -1,
        ..Default::default()
    })))
}

/// `SELECT target_list FROM from_clause WHERE where_clause`.
pub(super) fn select_stmt(
    target_list: Vec<Node>,
    from_clause: Vec<Node>,
    where_clause: Option<Node>,
) -> pb::SelectStmt {
    pb::SelectStmt {
        target_list,
        from_clause,
        where_clause: where_clause.map(Box::new),
        op: pb::SetOperation::SetopNone as i32,
        limit_option: pb::LimitOption::Default as i32,
        ..Default::default()
    }
}

/// `VALUES (row), ...`.
pub(super) fn values_select(rows: Vec<Vec<Node>>) -> Node {
    node(NodeEnum::SelectStmt(Box::new(pb::SelectStmt {
        values_lists: rows
            .into_iter()
            .map(|items| node(NodeEnum::List(pb::List { items })))
            .collect(),
        op: pb::SetOperation::SetopNone as i32,
        limit_option: pb::LimitOption::Default as i32,
        ..Default::default()
    })))
}

/// `(left JOIN right ON quals)`, an inner join without an alias.
pub(super) fn inner_join(left: Node, right: Node, quals: Option<Node>) -> Node {
    node(NodeEnum::JoinExpr(Box::new(pb::JoinExpr {
        jointype: pb::JoinType::JoinInner as i32,
        larg: Some(Box::new(left)),
        rarg: Some(Box::new(right)),
        quals: quals.map(Box::new),
        ..Default::default()
    })))
}

/// `(select) AS alias`, as a FROM item.
pub(super) fn subquery_from(select: pb::SelectStmt, alias: pb::Alias) -> Node {
    node(NodeEnum::RangeSubselect(Box::new(pb::RangeSubselect {
        lateral: false,
        subquery: Some(Box::new(node(NodeEnum::SelectStmt(Box::new(select))))),
        alias: Some(alias),
    })))
}
