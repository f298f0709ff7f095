//! The registry vocabulary: the values of PostgreSQL enums `pgml.task`, `pgml.algorithm`,
//! `pgml.sampling`, `pgml.strategy`, `pgml.search`, `pgml.runtime` and `pgml.status`.
//!
//! Names and order follow PostgresML 2.x so its users' SQL keeps working; pgml adds values
//! at the end (e.g. `decision_tree`, `naive_bayes`). `crates/pgml/sql/schema.sql` declares the
//! same lists; a test below keeps the two in step.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

macro_rules! registry_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $sql:literal, { $($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )+
        }

        impl $name {
            /// The PostgreSQL enum type holding these values.
            pub const SQL_TYPE: &'static str = $sql;
            /// Every value, in the order the SQL enum declares them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's SQL spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value as SQL spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Stored models name their task and algorithm as SQL spells them.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Exact match on the SQL spelling (or one of the other spellings PostgresML's
            /// parser accepts); anything else is an error listing the valid values.
            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(Error::UnknownVariant {
                        kind: $sql,
                        value: s.to_owned(),
                        valid: Self::NAMES,
                    }),
                }
            }
        }
    };
}

registry_enum!(
    /// What a project learns to do. PostgresML's parser also takes Hugging Face's hyphenated
    /// spellings of four tasks (`'text-classification'`, ...); they mean the same values.
    Task, "pgml.task", {
        Regression => "regression",
        Classification => "classification",
        Decomposition => "decomposition",
        Clustering => "clustering",
        QuestionAnswering => "question_answering" | "question-answering",
        Summarization => "summarization",
        Translation => "translation",
        TextClassification => "text_classification" | "text-classification",
        TextGeneration => "text_generation" | "text-generation",
        Text2Text => "text2text",
        Embedding => "embedding",
        TextPairClassification => "text_pair_classification" | "text-pair-classification",
        Conversation => "conversation",
    }
);

registry_enum!(
    /// A learning algorithm, by its PostgresML name.
    Algorithm, "pgml.algorithm", {
        Linear => "linear",
        Xgboost => "xgboost",
        XgboostRandomForest => "xgboost_random_forest",
        Svm => "svm",
        Lasso => "lasso",
        ElasticNet => "elastic_net",
        Ridge => "ridge",
        Kmeans => "kmeans",
        Dbscan => "dbscan",
        Knn => "knn",
        RandomForest => "random_forest",
        LeastAngle => "least_angle",
        LassoLeastAngle => "lasso_least_angle",
        OrthogonalMatchingPursuit => "orthogonal_matching_pursuit",
        BayesianRidge => "bayesian_ridge",
        AutomaticRelevanceDetermination => "automatic_relevance_determination",
        StochasticGradientDescent => "stochastic_gradient_descent",
        Perceptron => "perceptron",
        PassiveAggressive => "passive_aggressive",
        Ransac => "ransac",
        TheilSen => "theil_sen",
        Huber => "huber",
        Quantile => "quantile",
        KernelRidge => "kernel_ridge",
        GaussianProcess => "gaussian_process",
        NuSvm => "nu_svm",
        AdaBoost => "ada_boost",
        Bagging => "bagging",
        ExtraTrees => "extra_trees",
        GradientBoostingTrees => "gradient_boosting_trees",
        HistGradientBoosting => "hist_gradient_boosting",
        LinearSvm => "linear_svm",
        Lightgbm => "lightgbm",
        AffinityPropagation => "affinity_propagation",
        Birch => "birch",
        FeatureAgglomeration => "feature_agglomeration",
        MiniBatchKmeans => "mini_batch_kmeans",
        MeanShift => "mean_shift",
        Optics => "optics",
        Spectral => "spectral",
        SpectralBi => "spectral_bi",
        SpectralCo => "spectral_co",
        Catboost => "catboost",
        Pca => "pca",
        Agglomerative => "agglomerative",
        DecisionTree => "decision_tree",
        NaiveBayes => "naive_bayes",
    }
);

registry_enum!(
    /// How the test set is drawn from a snapshot.
    Sampling, "pgml.sampling", {
        Random => "random",
        Last => "last",
        Stratified => "stratified",
    }
);

registry_enum!(
    /// Which model `pgml.deploy` makes live.
    Strategy, "pgml.strategy", {
        NewScore => "new_score",
        BestScore => "best_score",
        MostRecent => "most_recent",
        Rollback => "rollback",
        Specific => "specific",
    }
);

registry_enum!(
    /// Hyper-parameter search method.
    Search, "pgml.search", {
        Grid => "grid",
        Random => "random",
    }
);

registry_enum!(
    /// Where a model runs. pgml runs everything in Rust; `python` and `openai` are kept so
    /// PostgresML's rows and SQL stay valid, and are refused when asked for.
    Runtime, "pgml.runtime", {
        Python => "python",
        Rust => "rust",
        Openai => "openai",
    }
);

registry_enum!(
    /// Life cycle of a model or snapshot row.
    Status, "pgml.status", {
        InProgress => "in_progress",
        Successful => "successful",
        Failed => "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlState;

    #[test]
    fn every_value_round_trips_through_its_sql_spelling() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr<Err = Error>,
        {
            for &v in all {
                assert_eq!(v.to_string().parse::<T>(), Ok(v));
            }
        }
        check(Task::ALL);
        check(Algorithm::ALL);
        check(Sampling::ALL);
        check(Strategy::ALL);
        check(Search::ALL);
        check(Runtime::ALL);
        check(Status::ALL);
    }

    #[test]
    fn unknown_value_is_an_error_naming_the_valid_ones() {
        let err = "xgboots".parse::<Algorithm>().unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue);
        assert!(err.to_string().contains("xgboots"));
        let hint = err.hint().unwrap_or_default();
        assert!(hint.starts_with("valid values of pgml.algorithm: linear, xgboost,"));
        assert!(hint.contains("naive_bayes"));
        // Case and whitespace are not guessed at: SQL enums are exact too.
        assert!("Regression".parse::<Task>().is_err());
        assert!(" regression".parse::<Task>().is_err());
    }

    #[test]
    fn tasks_take_postgresml_hyphenated_spellings() {
        // PostgresML's Task::from_str: these four, and no others, also take hyphens.
        for (hyphenated, task) in [
            ("question-answering", Task::QuestionAnswering),
            ("text-classification", Task::TextClassification),
            ("text-generation", Task::TextGeneration),
            ("text-pair-classification", Task::TextPairClassification),
        ] {
            assert_eq!(hyphenated.parse::<Task>(), Ok(task));
            assert_eq!(task.as_str(), hyphenated.replace('-', "_"));
        }
        for other in [
            "text-2-text",
            "text2-text",
            "conver-sation",
            "text_pair-classification",
        ] {
            assert!(other.parse::<Task>().is_err(), "{other}");
        }
        // The hint lists the SQL enum's values only.
        let hint = "nope"
            .parse::<Task>()
            .unwrap_err()
            .hint()
            .unwrap_or_default();
        assert!(!hint.contains('-'), "{hint}");
    }

    /// Parses `CREATE TYPE <name> AS ENUM ('a', 'b', ...);` out of the extension's schema.
    fn sql_enum_values(schema: &str, type_name: &str) -> Vec<String> {
        let head = format!("CREATE TYPE {type_name} AS ENUM");
        let start = schema
            .find(&head)
            .unwrap_or_else(|| panic!("{type_name} not declared in schema.sql"));
        let rest = &schema[start + head.len()..];
        let open = rest.find('(').unwrap_or(0);
        let close = rest.find(')').unwrap_or(rest.len());
        rest[open + 1..close]
            .split(',')
            .map(|v| v.trim().trim_matches('\'').to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    #[test]
    fn sql_schema_declares_the_same_values_in_the_same_order() {
        let schema = include_str!("../../pgml/sql/schema.sql");
        let pairs: [(&str, &[&str]); 7] = [
            (Task::SQL_TYPE, Task::NAMES),
            (Algorithm::SQL_TYPE, Algorithm::NAMES),
            (Sampling::SQL_TYPE, Sampling::NAMES),
            (Strategy::SQL_TYPE, Strategy::NAMES),
            (Search::SQL_TYPE, Search::NAMES),
            (Runtime::SQL_TYPE, Runtime::NAMES),
            (Status::SQL_TYPE, Status::NAMES),
        ];
        for (sql_type, names) in pairs {
            assert_eq!(sql_enum_values(schema, sql_type), names, "{sql_type}");
        }
    }
}
