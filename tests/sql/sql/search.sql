-- Hyper-parameter search: grid and random, scored by k-fold cross-validation on the training
-- rows; the best candidate is refitted and stored with every candidate's scores.
CREATE EXTENSION IF NOT EXISTS pgml;
CREATE TABLE search_houses AS
SELECT (i % 7 + 1)::real AS rooms, (40 + (i * 37) % 160)::real AS area,
       (3 * (i % 7 + 1) + 0.5 * (40 + (i * 37) % 160) + 100 + ((i * 13) % 5 - 2) * 0.1)::float8 AS price
FROM generate_series(1, 200) AS i;

SELECT project, algorithm, deployed FROM pgml.train('search_houses', 'regression', 'search_houses', 'price',
    algorithm => 'ridge', search => 'grid', search_params => '{"alpha": [100000, 0.01, 1000]}',
    search_args => '{"cv": 4}');
SELECT hyperparams, search, search_params, search_args,
       jsonb_array_length(metrics->'search_results'->'params') AS candidates,
       metrics->'search_results'->'rank_test_score' AS ranks,
       metrics->'search_results'->'best_index' AS best_index,
       (metrics->>'r2')::float8 > 0.99 AS good_r2
FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Grid over two hyperparameters: every combination is scored.
SELECT deployed FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid',
    search_params => '{"alpha": [0.1, 10], "fit_intercept": [true, false]}');
SELECT jsonb_array_length(metrics->'search_results'->'params') AS candidates,
       jsonb_array_length(metrics->'search_results'->'mean_test_score') AS scores
FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Random search draws n_iter candidates, reproducibly; base hyperparams are kept.
SELECT deployed FROM pgml.train('search_houses', algorithm => 'ridge', hyperparams => '{"fit_intercept": true}',
    search => 'random', search_params => '{"alpha": [0.001, 0.1, 10, 1000]}', search_args => '{"n_iter": 3, "cv": 3}');
SELECT jsonb_array_length(metrics->'search_results'->'params') AS candidates,
       hyperparams ? 'fit_intercept' AND hyperparams ? 'alpha' AS merged_params
FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Classification scores candidates by f1.
CREATE TABLE search_points AS
SELECT (i % 20)::real AS x, ((i * 7) % 20)::real AS y,
       CASE WHEN (i % 20) > ((i * 7) % 20) THEN 1 ELSE 0 END AS label
FROM generate_series(1, 200) AS i;
SELECT deployed FROM pgml.train('search_points', 'classification', 'search_points', 'label',
    search => 'grid', search_params => '{"C": [0.01, 1, 100]}');
SELECT jsonb_array_length(metrics->'search_results'->'params') AS candidates,
       (metrics->'search_results'->'mean_test_score'->>0)::float8 <= 1 AS f1_scores
FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Bad search specifications.
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'bayesian', search_params => '{"alpha": [1]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid', search_params => '{"alpha": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid', search_params => '{"alpah": [1, 2]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid', search_params => '{"alpha": [1, 2]}', search_args => '{"cv": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid', search_params => '{"alpha": [1, 2]}', search_args => '{"folds": 3}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search_params => '{"alpha": [1, 2]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('search_houses', algorithm => 'ridge', search => 'grid', search_params => '{"alpha": [1, 2]}', search_args => '{"cv": 100}');
\echo :LAST_ERROR_SQLSTATE

DROP TABLE search_houses, search_points;
DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
