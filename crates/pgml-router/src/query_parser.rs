//! Whether a query only reads, so that read/write splitting may send it to a replica
//! (sqlparser's PostgreSQL dialect). Anything it cannot parse or is unsure of counts as
//! a write and goes to the primary.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, Expr, Query, SetExpr, Statement, TransactionAccessMode, TransactionMode,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// Functions that write (or take locks a replica cannot) although called from a SELECT;
/// lower case, schema-qualified where the schema matters.
const WRITING_FUNCTIONS: &[&str] = &[
    "nextval",
    "setval",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
    "pg_notify",
    "txid_current",
    "pg_current_xact_id",
    "lo_create",
    "lo_creat",
    "lo_import",
    "lo_unlink",
    "lo_from_bytea",
    "pgml.train",
    "pgml.train_joint",
    "pgml.deploy",
    "pgml.load_dataset",
    "pgml.snapshot",
];

/// Whether every statement of `sql` only reads: queries without `FOR UPDATE`/`SHARE`,
/// `SELECT INTO` or data-modifying `WITH`, `SHOW`, `EXPLAIN` without `ANALYZE` of a
/// write, `BEGIN READ ONLY`, `COMMIT`/`ROLLBACK`; and none calls a writing function
/// such as `nextval` or `pgml.train`.
pub fn is_read_only(sql: &str) -> bool {
    let Ok(statements) = Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        return false;
    };
    !statements.is_empty()
        && statements.iter().all(read_statement)
        && !calls_writing_function(&statements)
}

fn read_statement(statement: &Statement) -> bool {
    match statement {
        Statement::Query(query) => read_query(query),
        Statement::StartTransaction { modes, .. } => modes.iter().any(|m| {
            matches!(
                m,
                TransactionMode::AccessMode(TransactionAccessMode::ReadOnly)
            )
        }),
        Statement::Commit { .. } | Statement::Rollback { .. } => true,
        Statement::ShowVariable { .. } => true,
        Statement::Explain {
            analyze, statement, ..
        } => !analyze || read_statement(statement),
        _ => false,
    }
}

fn read_query(query: &Query) -> bool {
    query.locks.is_empty()
        && query
            .with
            .as_ref()
            .is_none_or(|with| with.cte_tables.iter().all(|cte| read_query(&cte.query)))
        && read_set_expr(&query.body)
}

fn read_set_expr(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(select) => select.into.is_none(),
        SetExpr::Query(query) => read_query(query),
        SetExpr::SetOperation { left, right, .. } => read_set_expr(left) && read_set_expr(right),
        SetExpr::Values(_) | SetExpr::Table(_) => true,
        _ => false,
    }
}

fn calls_writing_function(statements: &Vec<Statement>) -> bool {
    let found = visit_expressions(statements, |expr| match expr {
        Expr::Function(f) if is_writing_function(&f.name.to_string()) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    found.is_break()
}

fn is_writing_function(name: &str) -> bool {
    let name = name.replace('"', "").to_lowercase();
    let bare = name.rsplit('.').next().unwrap_or(&name);
    WRITING_FUNCTIONS
        .iter()
        .any(|w| *w == name || (!w.contains('.') && *w == bare))
}

#[cfg(test)]
mod tests {
    use super::is_read_only;

    #[test]
    fn reads() {
        for sql in [
            "SELECT 1",
            "select * from t where a = 1; select 2",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT a FROM t UNION SELECT b FROM u",
            "VALUES (1), (2)",
            "SHOW search_path",
            "EXPLAIN SELECT 1",
            "BEGIN READ ONLY; SELECT 1; COMMIT",
            "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            "SELECT pgml.predict('p', ARRAY[1.0]), pg_is_in_recovery()",
            "SELECT (SELECT max(id) FROM t) AS m",
        ] {
            assert!(is_read_only(sql), "{sql}");
        }
    }

    #[test]
    fn writes_and_unknowns() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t FOR SHARE",
            "SELECT 1 INTO newtable",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "SELECT nextval('s')",
            "SELECT pgml.train('p', 'regression', 't', 'y')",
            "select \"pgml\".\"deploy\"('p')",
            "SELECT 1; INSERT INTO t VALUES (1)",
            "BEGIN",
            "BEGIN; SELECT 1; COMMIT",
            "CREATE TABLE t (a int)",
            "SET search_path TO x",
            "EXPLAIN ANALYZE DELETE FROM t",
            "SELECT pg_advisory_lock(1)",
            "",
            "this is not sql",
        ] {
            assert!(!is_read_only(sql), "{sql}");
        }
    }
}
