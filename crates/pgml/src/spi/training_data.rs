//! Reading a relation as training data: one SELECT, so every row comes from one MVCC snapshot.

use pgml_core::model::{Labels, TrainData};
use pgml_core::preprocess::{Column, ColumnValues};
use pgml_core::{Error, Result, SqlState};
use pgrx::prelude::*;
use pgrx::Array;

use super::{quote_ident, resolve_relation};
use crate::error::spi;

/// How a column is read, from its type's category (pg_type.typcategory).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Numbers and booleans, read as float8.
    Numeric,
    /// Strings and enums, read as text: categorical.
    Text,
    /// Arrays of numbers or booleans, read as float8[]: one feature per element.
    NumericArray,
}

struct SourceColumn {
    name: String,
    pg_type: String,
    kind: Option<Kind>,
}

fn kind(category: &str, element_category: Option<&str>) -> Option<Kind> {
    match (category, element_category) {
        ("N" | "B", _) => Some(Kind::Numeric),
        ("S" | "E", _) => Some(Kind::Text),
        ("A", Some("N" | "B")) => Some(Kind::NumericArray),
        _ => None,
    }
}

fn describe_columns(qualified: &str) -> Result<Vec<SourceColumn>> {
    Spi::connect(|client| {
        let rows = client.select(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), t.typcategory::text, e.typcategory::text \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A' \
             WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            None,
            &[qualified.into()],
        )?;
        rows.map(|row| {
            let category = row.get::<String>(3)?.unwrap_or_default();
            let element = row.get::<String>(4)?;
            Ok(SourceColumn {
                name: row.get::<String>(1)?.unwrap_or_default(),
                pg_type: row.get::<String>(2)?.unwrap_or_default(),
                kind: kind(&category, element.as_deref()),
            })
        })
        .collect::<std::result::Result<Vec<_>, pgrx::spi::Error>>()
    })
    .map_err(spi)
}

fn select_expression(column: &SourceColumn) -> String {
    let name = quote_ident(&column.name);
    match column.kind {
        Some(Kind::Text) => format!("{name}::text"),
        Some(Kind::NumericArray) if column.pg_type.starts_with("boolean") => {
            format!("{name}::int[]::float8[]")
        }
        Some(Kind::NumericArray) => format!("{name}::float8[]"),
        _ if column.pg_type == "boolean" => format!("{name}::int::float8"),
        _ => format!("{name}::float8"),
    }
}

/// Values read so far for one source column.
enum Collected {
    Numeric(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    /// Row-major elements, `width` per row (fixed by the first non-NULL array).
    Array {
        values: Vec<Option<Vec<Option<f64>>>>,
        width: Option<usize>,
    },
}

/// The label column, or the error naming the relation's columns when it does not exist.
fn find_label<'a>(
    columns: &'a [SourceColumn],
    qualified: &str,
    y_column: Option<&str>,
) -> Result<Option<&'a SourceColumn>> {
    let Some(y_column) = y_column else {
        return Ok(None);
    };
    columns
        .iter()
        .find(|c| c.name == y_column)
        .map(Some)
        .ok_or_else(|| {
            Error::sql(
                SqlState::UndefinedColumn,
                format!("column \"{y_column}\" does not exist in {qualified}"),
                format!(
                    "columns of {qualified}: {}",
                    columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

/// Fails as [`read_training_data`] would if the relation or its label column is missing.
pub fn check_label(relation: &str, y_column: Option<&str>) -> Result<()> {
    let qualified = resolve_relation(relation)?;
    let columns = describe_columns(&qualified)?;
    find_label(&columns, &qualified, y_column).map(|_| ())
}

/// Reads every row of `relation` under one snapshot: every column but `y_column` is a feature
/// (numbers and booleans; text and enums as categories; numeric arrays expanded one feature per
/// element), `y_column` the label. Returns the data and a JSON description of the columns.
pub fn read_training_data(relation: &str, y_column: Option<&str>) -> Result<TrainData> {
    let qualified = resolve_relation(relation)?;
    let columns = describe_columns(&qualified)?;
    let label = find_label(&columns, &qualified, y_column)?;
    let y_column = y_column.unwrap_or_default();
    if let Some(label) = label.filter(|l| !matches!(l.kind, Some(Kind::Numeric | Kind::Text))) {
        return Err(Error::not_supported(
            format!(
                "label column \"{y_column}\" has type {}, which cannot be a label",
                label.pg_type
            ),
            "labels must be numbers, booleans or text",
        ));
    }
    let features: Vec<&SourceColumn> = columns
        .iter()
        .filter(|c| label.is_none_or(|l| l.name != c.name))
        .collect();
    if let Some(bad) = features.iter().find(|c| c.kind.is_none()) {
        return Err(Error::not_supported(
            format!(
                "feature column \"{}\" has type {}, which pgml cannot learn from",
                bad.name, bad.pg_type
            ),
            "train on a view that leaves the column out or converts it to numbers or text",
        ));
    }
    if features.is_empty() {
        return Err(Error::data(
            format!("{qualified} has no feature columns besides the label \"{y_column}\""),
            "train on a relation with at least one more column",
        ));
    }
    let mut expressions: Vec<String> = features.iter().map(|c| select_expression(c)).collect();
    // Unlabelled: a constant stands in for the label, so rows are counted the same way.
    expressions.push(label.map_or_else(|| "0::float8".to_owned(), select_expression));
    let query = format!("SELECT {} FROM {qualified}", expressions.join(", "));
    let mut collected: Vec<Collected> = features
        .iter()
        .map(|c| match c.kind {
            Some(Kind::Text) => Collected::Text(Vec::new()),
            Some(Kind::NumericArray) => Collected::Array {
                values: Vec::new(),
                width: None,
            },
            _ => Collected::Numeric(Vec::new()),
        })
        .collect();
    let label_is_text = label.is_some_and(|l| l.kind == Some(Kind::Text));
    let (mut numeric_labels, mut text_labels) = (Vec::new(), Vec::new());
    Spi::connect(|client| -> Result<()> {
        let rows = client.select(query.as_str(), None, &[]).map_err(spi)?;
        for (i, row) in rows.enumerate() {
            for (j, target) in collected.iter_mut().enumerate() {
                let ordinal = j + 1;
                match target {
                    Collected::Numeric(v) => v.push(row.get::<f64>(ordinal).map_err(spi)?),
                    Collected::Text(v) => v.push(row.get::<String>(ordinal).map_err(spi)?),
                    Collected::Array { values, width } => {
                        let array: Option<Vec<Option<f64>>> = row
                            .get::<Array<f64>>(ordinal)
                            .map_err(spi)?
                            .map(|a| a.iter().collect());
                        if let Some(a) = &array {
                            match width {
                                None => *width = Some(a.len()),
                                Some(w) if *w != a.len() => {
                                    return Err(Error::data(
                                        format!(
                                            "array column \"{}\" has {} elements in row {} but {w} before",
                                            features[j].name,
                                            a.len(),
                                            i + 1
                                        ),
                                        "every row's array must have the same length: each element is one feature",
                                    ))
                                }
                                Some(_) => {}
                            }
                        }
                        values.push(array);
                    }
                }
            }
            let ordinal = collected.len() + 1;
            let missing = || {
                Error::data(
                    format!("label \"{y_column}\" is NULL in row {} of {qualified}", i + 1),
                    "every training row needs a label: filter the NULLs out (WHERE label IS NOT NULL)",
                )
            };
            if label_is_text {
                text_labels.push(
                    row.get::<String>(ordinal)
                        .map_err(spi)?
                        .ok_or_else(missing)?,
                );
            } else {
                numeric_labels.push(row.get::<f64>(ordinal).map_err(spi)?.ok_or_else(missing)?);
            }
        }
        Ok(())
    })?;
    let rows = if label_is_text {
        text_labels.len()
    } else {
        numeric_labels.len()
    };
    if rows == 0 {
        return Err(Error::data(
            format!("{qualified} has no rows to train on"),
            "insert training rows first",
        ));
    }
    let mut out = Vec::new();
    for (source, values) in features.iter().zip(collected) {
        match values {
            Collected::Numeric(v) => out.push(Column {
                name: source.name.clone(),
                values: ColumnValues::Numeric(v),
            }),
            Collected::Text(v) => out.push(Column {
                name: source.name.clone(),
                values: ColumnValues::Text(v),
            }),
            Collected::Array { values, width } => {
                for k in 0..width.unwrap_or(0) {
                    let element = values
                        .iter()
                        .map(|a| a.as_ref().and_then(|a| a[k]))
                        .collect();
                    out.push(Column {
                        name: format!("{}[{}]", source.name, k + 1),
                        values: ColumnValues::Numeric(element),
                    });
                }
            }
        }
    }
    let labels = match (label, label_is_text) {
        (None, _) => Labels::Unlabelled(rows),
        (Some(_), true) => Labels::Text(text_labels),
        (Some(_), false) => Labels::Numeric(numeric_labels),
    };
    Ok(TrainData {
        columns: out,
        labels,
    })
}
