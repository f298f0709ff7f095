//! The toy datasets `pgml.load_dataset(name)` installs into `pgml.<name>`, with PostgresML's
//! table layouts. The data ships inside the library (see `datasets/NOTICE`); this module turns it
//! into the SQL statements that create and fill each table.

use crate::error::{Error, Result, SqlState};

/// How a CSV row becomes a table row.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// Every CSV column is a column of the table, in order.
    Plain,
    /// breast_cancer: the last CSV column `target` (0 = malignant) becomes `malignant boolean`.
    Malignant,
    /// digits: 64 pixel columns become one `image smallint[][]` (8x8), then `target`.
    Image8x8,
}

struct BuiltIn {
    name: &'static str,
    csv: &'static str,
    /// Column definitions of the table, SQL.
    columns: &'static str,
    layout: Layout,
}

const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        name: "breast_cancer",
        csv: include_str!("../datasets/breast_cancer.csv"),
        columns: "\"mean radius\" FLOAT4, \"mean texture\" FLOAT4, \"mean perimeter\" FLOAT4, \"mean area\" FLOAT4, \
                  \"mean smoothness\" FLOAT4, \"mean compactness\" FLOAT4, \"mean concavity\" FLOAT4, \
                  \"mean concave points\" FLOAT4, \"mean symmetry\" FLOAT4, \"mean fractal dimension\" FLOAT4, \
                  \"radius error\" FLOAT4, \"texture error\" FLOAT4, \"perimeter error\" FLOAT4, \"area error\" FLOAT4, \
                  \"smoothness error\" FLOAT4, \"compactness error\" FLOAT4, \"concavity error\" FLOAT4, \
                  \"concave points error\" FLOAT4, \"symmetry error\" FLOAT4, \"fractal dimension error\" FLOAT4, \
                  \"worst radius\" FLOAT4, \"worst texture\" FLOAT4, \"worst perimeter\" FLOAT4, \"worst area\" FLOAT4, \
                  \"worst smoothness\" FLOAT4, \"worst compactness\" FLOAT4, \"worst concavity\" FLOAT4, \
                  \"worst concave points\" FLOAT4, \"worst symmetry\" FLOAT4, \"worst fractal dimension\" FLOAT4, \
                  \"malignant\" BOOLEAN",
        layout: Layout::Malignant,
    },
    BuiltIn {
        name: "diabetes",
        csv: include_str!("../datasets/diabetes.csv"),
        columns: "age FLOAT4, sex FLOAT4, bmi FLOAT4, bp FLOAT4, s1 FLOAT4, s2 FLOAT4, s3 FLOAT4, s4 FLOAT4, \
                  s5 FLOAT4, s6 FLOAT4, target FLOAT4",
        layout: Layout::Plain,
    },
    BuiltIn {
        name: "digits",
        csv: include_str!("../datasets/digits.csv"),
        columns: "image SMALLINT[][], target SMALLINT",
        layout: Layout::Image8x8,
    },
    BuiltIn {
        name: "iris",
        csv: include_str!("../datasets/iris.csv"),
        columns: "sepal_length FLOAT4, sepal_width FLOAT4, petal_length FLOAT4, petal_width FLOAT4, target INT4",
        layout: Layout::Plain,
    },
    BuiltIn {
        name: "linnerud",
        csv: include_str!("../datasets/linnerud.csv"),
        columns: "chins FLOAT4, situps FLOAT4, jumps FLOAT4, weight FLOAT4, waist FLOAT4, pulse FLOAT4",
        layout: Layout::Plain,
    },
    BuiltIn {
        name: "wine",
        csv: include_str!("../datasets/wine.csv"),
        columns: "alcohol FLOAT4, malic_acid FLOAT4, ash FLOAT4, alcalinity_of_ash FLOAT4, magnesium FLOAT4, \
                  total_phenols FLOAT4, flavanoids FLOAT4, nonflavanoid_phenols FLOAT4, proanthocyanins FLOAT4, \
                  color_intensity FLOAT4, hue FLOAT4, \"od280/od315_of_diluted_wines\" FLOAT4, proline FLOAT4, \
                  target INT4",
        layout: Layout::Plain,
    },
];

/// Names `pgml.load_dataset` accepts.
pub fn names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|d| d.name).collect()
}

/// The SQL that (re)creates and fills `pgml.<name>`.
#[derive(Debug, Clone)]
pub struct LoadStatements {
    /// `pgml.<name>`.
    pub table: String,
    /// Drops the table (run it only when the table exists).
    pub drop: String,
    /// CREATE TABLE, then the INSERTs.
    pub fill: Vec<String>,
    /// Rows inserted.
    pub rows: usize,
}

/// The SQL that (re)creates and fills `pgml.<name>`. `limit` keeps only the first rows.
pub fn load_statements(name: &str, limit: Option<usize>) -> Result<LoadStatements> {
    let Some(dataset) = BUILT_IN.iter().find(|d| d.name == name) else {
        return Err(Error::sql(
            SqlState::FeatureNotSupported,
            format!("dataset {name:?} is not built in, and pgml never downloads data"),
            format!(
                "built-in datasets: {}; load your own data with COPY or INSERT",
                names().join(", ")
            ),
        ));
    };
    let table = format!("pgml.{}", dataset.name);
    let mut values = Vec::new();
    for (i, line) in dataset.csv.lines().skip(1).enumerate() {
        if limit.is_some_and(|l| i >= l) {
            break;
        }
        let numbers = line
            .split(',')
            .map(|v| {
                v.trim().parse::<f64>().map_err(|_| {
                    Error::sql(
                        SqlState::InternalError,
                        format!("built-in dataset {name} is corrupt at line {}", i + 2),
                        "reinstall pgml",
                    )
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        values.push(row_sql(dataset.layout, &numbers));
    }
    let mut fill = vec![format!("CREATE TABLE {table} ({})", dataset.columns)];
    // One INSERT per 500 rows keeps each statement small.
    for chunk in values.chunks(500) {
        fill.push(format!("INSERT INTO {table} VALUES {}", chunk.join(", ")));
    }
    Ok(LoadStatements {
        drop: format!("DROP TABLE {table}"),
        table,
        fill,
        rows: values.len(),
    })
}

fn row_sql(layout: Layout, numbers: &[f64]) -> String {
    // Numbers come from parsing, so formatting them back cannot inject SQL.
    let list = |values: &[f64]| {
        values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match layout {
        Layout::Plain => format!("({})", list(numbers)),
        Layout::Malignant => {
            let (features, target) = numbers.split_at(numbers.len().saturating_sub(1));
            let malignant = target.first().is_some_and(|t| *t == 0.0);
            format!("({}, {malignant})", list(features))
        }
        Layout::Image8x8 => {
            let (pixels, target) = numbers.split_at(numbers.len().saturating_sub(1));
            let rows: Vec<String> = pixels.chunks(8).map(|r| format!("[{}]", list(r))).collect();
            format!(
                "(ARRAY[{}]::SMALLINT[][], {})",
                rows.join(", "),
                list(target)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dataset_has_its_rows_and_columns() {
        let expected = [
            ("breast_cancer", 569, 31),
            ("diabetes", 442, 11),
            ("digits", 1797, 65),
            ("iris", 150, 5),
            ("linnerud", 20, 6),
            ("wine", 178, 14),
        ];
        for (name, rows, csv_columns) in expected {
            let dataset = BUILT_IN.iter().find(|d| d.name == name).unwrap();
            for line in dataset.csv.lines() {
                assert_eq!(line.split(',').count(), csv_columns, "{name}: {line}");
            }
            let load = load_statements(name, None).unwrap();
            assert_eq!(
                (load.table.as_str(), load.rows),
                (format!("pgml.{name}").as_str(), rows)
            );
            assert_eq!(load.fill.len(), 1 + rows.div_ceil(500));
        }
    }

    #[test]
    fn layouts_shape_rows_like_postgresml() {
        let load = load_statements("breast_cancer", Some(1)).unwrap();
        assert!(
            load.fill[1].ends_with(", true)"),
            "first row is malignant (target 0)"
        );
        let load = load_statements("digits", Some(2)).unwrap();
        assert_eq!(load.rows, 2);
        assert!(load.fill[1]
            .starts_with("INSERT INTO pgml.digits VALUES (ARRAY[[0, 0, 5, 13, 9, 1, 0, 0], "));
        let load = load_statements("iris", Some(1)).unwrap();
        assert_eq!(
            load.fill[1],
            "INSERT INTO pgml.iris VALUES (5.1, 3.5, 1.4, 0.2, 0)"
        );
        assert_eq!(load.drop, "DROP TABLE pgml.iris");
    }

    #[test]
    fn unknown_datasets_name_the_built_in_ones() {
        let err = load_statements("imdb", None).unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::FeatureNotSupported);
        assert!(err
            .hint()
            .unwrap()
            .contains("breast_cancer, diabetes, digits, iris, linnerud, wine"));
    }
}
