//! Whether a query only reads, so that read/write splitting may send it to a replica
//! (sqlparser's PostgreSQL dialect). Anything it cannot parse or is unsure of counts as
//! a write and goes to the primary.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, BinaryOperator, Expr, FromTable, Query, SetExpr, Statement, TableFactor,
    TableObject, TableWithJoins, TransactionAccessMode, TransactionMode,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::config::ShardingKey;

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

/// What routing needs to know of a statement text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Analysis {
    /// See [`is_read_only`].
    pub read_only: bool,
    /// What the sharding key is compared with or inserted as, when the statement pins
    /// it to one value.
    pub sharding_value: Option<KeyValue>,
}

/// What a statement gives the sharding key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyValue {
    /// An integer literal.
    Literal(i64),
    /// Parameter `$n` (1-based), bound later.
    Param(usize),
}

/// Parses `sql` once for both routing questions (the sharding key only when `key` is
/// given).
pub fn analyze(sql: &str, key: Option<&ShardingKey>) -> Analysis {
    if key.is_none() {
        if let Some(read_only) = lexical_answer(sql) {
            return Analysis {
                read_only,
                sharding_value: None,
            };
        }
    }
    let Ok(statements) = Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        return Analysis::default();
    };
    Analysis {
        read_only: !statements.is_empty()
            && statements.iter().all(read_statement)
            && !calls_writing_function(&statements),
        sharding_value: key.and_then(|key| statements.iter().find_map(|s| key_value(s, key))),
    }
}

/// Whether every statement of `sql` only reads: queries without `FOR UPDATE`/`SHARE`,
/// `SELECT INTO` or data-modifying `WITH`, `SHOW`, `EXPLAIN` without `ANALYZE` of a
/// write, `BEGIN READ ONLY`, `COMMIT`/`ROLLBACK`; and none calls a writing function
/// such as `nextval` or `pgml.train`.
pub fn is_read_only(sql: &str) -> bool {
    analyze(sql, None).read_only
}

/// Statements that begin with one of these words write (or do things a replica cannot).
const WRITING_FIRST_WORDS: &[&str] = &[
    "insert", "update", "delete", "merge", "create", "alter", "drop", "truncate", "grant",
    "revoke", "copy", "call", "do", "vacuum", "analyze", "cluster", "reindex", "refresh",
    "comment", "lock", "prepare", "execute", "listen", "notify", "set", "reset", "discard",
];

/// Words after which a SELECT may write or lock (`INTO`, `FOR UPDATE`, data-modifying
/// `WITH` needs `WITH`, which is not a SELECT's first word anyway).
const RISKY_WORDS: &[&str] = &["into", "for", "update", "delete", "insert", "merge", "lock"];

/// A cheap answer from the words alone, for the common shapes (the parser costs far
/// more than forwarding a transaction): `Some(false)` for a statement that begins with
/// a writing command, `Some(true)` for one SELECT whose words include nothing that
/// could write or lock (no `INTO`, `FOR`, writing function name...). `None`: ask the
/// parser (several statements, dollar quotes, escapes, anything else).
fn lexical_answer(sql: &str) -> Option<bool> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut first: Option<String> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')' | b',' | b'.' | b'=' | b'<' | b'>'
            | b'+' | b'-' | b'*' | b'/' | b':' | b'[' | b']' | b'%' | b'!' | b'|' | b'&' => {
                if bytes[i..].starts_with(b"--") || bytes[i..].starts_with(b"/*") {
                    return None;
                }
                i += 1;
            }
            b'\'' => {
                // A standard string literal ('' doubles a quote); backslashes: ask the parser.
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\\') => return None,
                        Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            b'0'..=b'9' => i += 1,
            b';' => {
                if bytes[i + 1..].iter().any(|c| !c.is_ascii_whitespace()) {
                    return None;
                }
                i += 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    i += 1;
                }
                let word = sql[start..i].to_ascii_lowercase();
                if bytes.get(i) == Some(&b'\'') || bytes.get(i) == Some(&b'$') {
                    // E'...', U&'...', names with $: ask the parser.
                    return None;
                }
                match &first {
                    None => {
                        if WRITING_FIRST_WORDS.contains(&word.as_str()) {
                            return Some(false);
                        }
                        if word != "select" {
                            return None;
                        }
                        first = Some(word);
                    }
                    Some(_) => {
                        // Any word that is a writing function's name, qualified or not
                        // (the schema is a word of its own here).
                        let writing = WRITING_FUNCTIONS
                            .iter()
                            .any(|w| w.rsplit('.').next() == Some(word.as_str()));
                        if RISKY_WORDS.contains(&word.as_str()) || writing {
                            return None;
                        }
                    }
                }
            }
            _ => return None,
        }
    }
    first.map(|_| true)
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

/// The literal a statement gives the sharding key: `key = 42` (or `42 = key`) in the
/// `WHERE` of a SELECT, UPDATE or DELETE on the key's table, under `AND`s only; or the
/// key's column in the first row of `INSERT ... VALUES`.
fn key_value(statement: &Statement, key: &ShardingKey) -> Option<KeyValue> {
    match statement {
        Statement::Query(query) => query_key(query, key),
        Statement::Insert(insert) => {
            let TableObject::TableName(table) = &insert.table else {
                return None;
            };
            if !table_matches(table, key) {
                return None;
            }
            let position = insert
                .columns
                .iter()
                .position(|c| last_part(&c.to_string()) == key.column)?;
            let SetExpr::Values(values) = &*insert.source.as_ref()?.body else {
                return None;
            };
            literal(values.rows.first()?.get(position)?)
        }
        Statement::Update(update) => {
            let names = relation_names(std::slice::from_ref(&update.table), key);
            where_key(update.selection.as_ref()?, key, &names)
        }
        Statement::Delete(delete) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
            let names = relation_names(from, key);
            where_key(delete.selection.as_ref()?, key, &names)
        }
        _ => None,
    }
}

fn query_key(query: &Query, key: &ShardingKey) -> Option<KeyValue> {
    match &*query.body {
        SetExpr::Select(select) => {
            let names = relation_names(&select.from, key);
            where_key(select.selection.as_ref()?, key, &names)
        }
        SetExpr::Query(inner) => query_key(inner, key),
        _ => None,
    }
}

/// Names that refer to the key's table in a FROM list (the table and its aliases);
/// `None` when the key names no table (any column of its name counts).
fn relation_names(from: &[TableWithJoins], key: &ShardingKey) -> Option<Vec<String>> {
    let table = key.table.as_ref()?;
    let mut names = Vec::new();
    for t in from {
        let joined = std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation));
        for relation in joined {
            if let TableFactor::Table { name, alias, .. } = relation {
                if last_part(&name.to_string()) == *table {
                    names.push(table.clone());
                    if let Some(alias) = alias {
                        names.push(alias.name.value.to_lowercase());
                    }
                }
            }
        }
    }
    Some(names)
}

fn where_key(expr: &Expr, key: &ShardingKey, names: &Option<Vec<String>>) -> Option<KeyValue> {
    match expr {
        Expr::Nested(inner) => where_key(inner, key, names),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => where_key(left, key, names).or_else(|| where_key(right, key, names)),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            if is_key_column(left, key, names) {
                literal(right)
            } else if is_key_column(right, key, names) {
                literal(left)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn is_key_column(expr: &Expr, key: &ShardingKey, names: &Option<Vec<String>>) -> bool {
    let (qualifier, column) = match expr {
        Expr::Identifier(ident) => (None, ident.value.to_lowercase()),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [.., q, c] => (Some(q.value.to_lowercase()), c.value.to_lowercase()),
            _ => return false,
        },
        _ => return false,
    };
    if column != key.column {
        return false;
    }
    match (names, qualifier) {
        (None, _) => true,
        (Some(names), None) => !names.is_empty(),
        (Some(names), Some(q)) => names.contains(&q),
    }
}

fn table_matches(table: &sqlparser::ast::ObjectName, key: &ShardingKey) -> bool {
    key.table
        .as_ref()
        .is_none_or(|t| last_part(&table.to_string()) == *t)
}

/// The last dotted part, unquoted, lower case.
fn last_part(name: &str) -> String {
    let name = name.replace('"', "").to_lowercase();
    name.rsplit('.').next().unwrap_or(&name).to_owned()
}

/// An integer literal, possibly negative, quoted or cast (`42`, `-7`, `'42'`,
/// `42::bigint`), or a parameter (`$2`, `$2::bigint`).
fn literal(expr: &Expr) -> Option<KeyValue> {
    let text = expr.to_string();
    let text = text.split("::").next().unwrap_or(&text).trim();
    if let Some(n) = text.strip_prefix('$') {
        return n.parse().ok().filter(|&n| n > 0).map(KeyValue::Param);
    }
    text.trim_matches('\'').parse().ok().map(KeyValue::Literal)
}

#[cfg(test)]
mod tests {
    use super::{analyze, is_read_only, KeyValue};
    use crate::config::ShardingKey;

    #[test]
    fn lexical_answers_agree_with_the_parser() {
        let parsed = |sql: &str| {
            let statements = sqlparser::parser::Parser::parse_sql(
                &sqlparser::dialect::PostgreSqlDialect {},
                sql,
            );
            statements.is_ok_and(|s| {
                !s.is_empty()
                    && s.iter().all(super::read_statement)
                    && !super::calls_writing_function(&s)
            })
        };
        let mut fast = 0;
        for sql in [
            "SELECT abalance FROM pgbench_accounts WHERE aid = 12345;",
            "select a, b from t where c = 'it''s' and d = $1",
            "SELECT pgml.predict('p', ARRAY[1.0, 2.0]::real[])",
            "SELECT * FROM t WHERE x < 3 ORDER BY y LIMIT 10",
            "SELECT count(*) FROM t GROUP BY 1 HAVING count(*) > 2",
            "SELECT now()::date",
            "SELECT * FROM t FOR UPDATE",
            "SELECT 1 INTO x",
            "SELECT nextval('s')",
            "SELECT pgml.train('p', 'regression', 't', 'y')",
            "SELECT pg_advisory_lock(1)",
            "SELECT 1; SELECT 2",
            "SELECT E'a\\'b'",
            "SELECT $$x$$",
            "SELECT 1 -- comment",
            "INSERT INTO t VALUES (1)",
            "update t set a = 1",
            "DELETE FROM t",
            "CREATE TABLE t (a int)",
            "SET search_path TO x",
            "BEGIN",
            "BEGIN READ ONLY",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "VALUES (1)",
            "SHOW x",
            "",
        ] {
            if let Some(answer) = super::lexical_answer(sql) {
                fast += 1;
                assert_eq!(answer, parsed(sql), "{sql}");
            }
        }
        assert!(fast >= 10, "{fast}");
        assert_eq!(
            super::lexical_answer("SELECT abalance FROM pgbench_accounts WHERE aid = 12345;"),
            Some(true)
        );
    }

    #[test]
    fn sharding_key_values() {
        let bare = ShardingKey::parse("id");
        let qualified = ShardingKey::parse("data.ID");
        let value = |sql: &str, key: &ShardingKey| match analyze(sql, Some(key)).sharding_value {
            Some(KeyValue::Literal(v)) => Some(v),
            Some(KeyValue::Param(n)) => Some(1000 + n as i64),
            None => None,
        };
        for (sql, expected) in [
            ("SELECT * FROM data WHERE id = 42", Some(42)),
            ("select * from data where 42 = id", Some(42)),
            ("SELECT * FROM data d WHERE d.id = -7 AND v > 3", Some(-7)),
            ("SELECT * FROM data WHERE (v = 1 AND id = '5')", Some(5)),
            ("SELECT * FROM data WHERE id = 9::bigint", Some(9)),
            (
                "INSERT INTO data (v, id) VALUES ('x', 11), ('y', 12)",
                Some(11),
            ),
            ("UPDATE data SET v = 1 WHERE id = 13", Some(13)),
            ("DELETE FROM data WHERE id = 14", Some(14)),
            ("SELECT * FROM data WHERE id = 1 OR id = 2", None),
            ("SELECT * FROM data WHERE id > 1", None),
            ("SELECT * FROM data WHERE id = $1", Some(1001)),
            (
                "INSERT INTO data (v, id) VALUES ($1, $2::bigint)",
                Some(1002),
            ),
            ("SELECT * FROM data WHERE id = $0", None),
            ("INSERT INTO data VALUES (1, 'x')", None),
        ] {
            assert_eq!(value(sql, &bare), expected, "{sql}");
            assert_eq!(value(sql, &qualified), expected, "{sql}");
        }
        // A qualified key needs its table.
        assert_eq!(value("SELECT * FROM other WHERE id = 42", &qualified), None);
        assert_eq!(value("SELECT * FROM other WHERE id = 42", &bare), Some(42));
        assert_eq!(value("INSERT INTO other (id) VALUES (3)", &qualified), None);
        assert_eq!(
            value(
                "SELECT * FROM other o JOIN data d ON o.x = d.x WHERE d.id = 4",
                &qualified
            ),
            Some(4)
        );
        assert_eq!(
            value(
                "SELECT * FROM other o JOIN data d ON o.x = d.x WHERE o.id = 4",
                &qualified
            ),
            None
        );
    }

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
