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

/// Fails as [`read_training_data`] would if the relation or a label column is missing.
pub fn check_label(relation: &str, y_columns: &[String]) -> Result<()> {
    let qualified = resolve_relation(relation)?;
    let columns = describe_columns(&qualified)?;
    for y_column in y_columns {
        find_label(&columns, &qualified, Some(y_column))?;
    }
    Ok(())
}

/// Reads every row of `relation` under one snapshot: every column but the label columns is a
/// feature (numbers and booleans; text and enums as categories; numeric arrays expanded one
/// feature per element). No label column: unlabelled data (clustering, decomposition); one:
/// the label; `joint`: each column is a numeric target of a joint model (`pgml.train_joint`).
pub fn read_training_data(relation: &str, y_columns: &[String], joint: bool) -> Result<TrainData> {
    let qualified = resolve_relation(relation)?;
    let columns = describe_columns(&qualified)?;
    if !joint && y_columns.len() > 1 {
        return Err(Error::invalid(
            format!("{} label columns given; pgml.train learns one", y_columns.len()),
            "use pgml.train_joint for several targets (this project's last snapshot may be a joint one)",
        ));
    }
    let mut labels: Vec<&SourceColumn> = Vec::with_capacity(y_columns.len());
    for y in y_columns {
        labels.extend(find_label(&columns, &qualified, Some(y))?);
    }
    let y_column = y_columns.join(", ");
    for label in &labels {
        let usable = match label.kind {
            Some(Kind::Numeric) => true,
            Some(Kind::Text) => !joint,
            _ => false,
        };
        if !usable {
            return Err(Error::not_supported(
                format!(
                    "label column \"{}\" has type {}, which cannot be a {}",
                    label.name,
                    label.pg_type,
                    if joint { "joint target" } else { "label" }
                ),
                if joint {
                    "joint targets must be numbers or booleans"
                } else {
                    "labels must be numbers, booleans or text"
                },
            ));
        }
    }
    let features: Vec<&SourceColumn> = columns
        .iter()
        .filter(|c| labels.iter().all(|l| l.name != c.name))
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
    if labels.is_empty() {
        expressions.push("0::float8".to_owned());
    }
    expressions.extend(labels.iter().map(|l| select_expression(l)));
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
    let label_is_text = labels.first().is_some_and(|l| l.kind == Some(Kind::Text));
    let (mut numeric_labels, mut text_labels) = (Vec::new(), Vec::new());
    let mut targets: Vec<Vec<f64>> = vec![Vec::new(); labels.len()];
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
            let first = collected.len() + 1;
            let missing = |name: &str| {
                Error::data(
                    format!("label \"{name}\" is NULL in row {} of {qualified}", i + 1),
                    "every training row needs a label: filter the NULLs out (WHERE label IS NOT NULL)",
                )
            };
            if label_is_text {
                text_labels.push(
                    row.get::<String>(first)
                        .map_err(spi)?
                        .ok_or_else(|| missing(&y_column))?,
                );
            } else if joint {
                for (k, target) in targets.iter_mut().enumerate() {
                    target.push(
                        row.get::<f64>(first + k)
                            .map_err(spi)?
                            .ok_or_else(|| missing(&labels[k].name))?,
                    );
                }
            } else {
                numeric_labels.push(
                    row.get::<f64>(first)
                        .map_err(spi)?
                        .ok_or_else(|| missing(&y_column))?,
                );
            }
        }
        Ok(())
    })?;
    let rows = if label_is_text {
        text_labels.len()
    } else if joint {
        targets.first().map_or(0, Vec::len)
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
    let labels = if joint {
        Labels::Joint(targets)
    } else if labels.is_empty() {
        Labels::Unlabelled(rows)
    } else if label_is_text {
        Labels::Text(text_labels)
    } else {
        Labels::Numeric(numeric_labels)
    };
    Ok(TrainData {
        columns: out,
        labels,
    })
}
