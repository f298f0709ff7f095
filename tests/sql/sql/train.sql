-- Tabular ML end to end: train, deploy, predict, and every bad input refused cleanly.
CREATE EXTENSION IF NOT EXISTS pgml;
\set VERBOSITY default

-- price = 3 * rooms + 0.5 * area - 20 * far + 100, with a small deterministic wobble.
CREATE TABLE houses AS
SELECT (i % 7 + 1)::int AS rooms,
       (40 + (i * 37) % 160)::real AS area,
       (i % 3 = 0) AS far,
       (3 * (i % 7 + 1) + 0.5 * (40 + (i * 37) % 160) - 20 * (i % 3 = 0)::int + 100
        + ((i * 13) % 5 - 2) * 0.01)::float8 AS price
FROM generate_series(1, 200) AS i;

SELECT * FROM pgml.train('houses', 'regression', 'houses', 'price');
SELECT round(pgml.predict('houses', ARRAY[4, 100, 0]::real[])::numeric, 1) AS predicted_162;
SELECT round(pgml.predict('houses', ARRAY[4, 100, 1]::float8[])::numeric, 1) AS predicted_142;
SELECT task, algorithm, runtime, relation_name, y_column_name, test_sampling, test_size FROM pgml.overview;
SELECT (metrics->>'r2')::float8 > 0.999 AS r2_high,
       metrics ?& ARRAY['r2', 'mean_absolute_error', 'mean_squared_error', 'fit_time', 'score_time'] AS has_metrics,
       num_features, status, hyperparams
FROM pgml.models;

-- A worse model is trained but not deployed automatically; retraining without a relation reuses
-- the last snapshot.
SELECT * FROM pgml.train('houses', algorithm => 'ridge', hyperparams => '{"alpha": 100000}');
SELECT algorithm, deployed FROM pgml.trained_models ORDER BY id;

-- Explicit deployments.
SELECT * FROM pgml.deploy('houses', 'most_recent');
SELECT algorithm FROM pgml.deployed_models;
SELECT * FROM pgml.deploy('houses', 'rollback');
SELECT * FROM pgml.deploy('houses', 'best_score');
SELECT * FROM pgml.deploy('houses', 'most_recent', 'linear');
SELECT * FROM pgml.deploy((SELECT max(id) FROM pgml.models));
SELECT algorithm FROM pgml.deployed_models;
SELECT strategy FROM pgml.deployments ORDER BY id;
SELECT pgml.predict((SELECT min(id) FROM pgml.models), ARRAY[4, 100, 0]::real[])::numeric(8,1) AS by_model_id;

-- Classification: labels 3 and 7, decided by the sign of x - y.
CREATE TABLE points AS
SELECT (i % 20)::real AS x, ((i * 7) % 20)::real AS y,
       CASE WHEN (i % 20) > ((i * 7) % 20) THEN 7 ELSE 3 END AS label
FROM generate_series(1, 300) AS i;
SELECT * FROM pgml.train('points', 'classification', 'points', 'label', hyperparams => '{"C": 10, "max_iter": 500}');
SELECT pgml.predict('points', ARRAY[15, 2]::real[]) AS label_7, pgml.predict('points', ARRAY[2, 15]::real[]) AS label_3;
SELECT array_length(p, 1) AS classes, round(p[1] + p[2]) AS total, p[2] > 0.9 AS confident
FROM pgml.predict_proba('points', ARRAY[18, 1]::real[]) AS p;
SELECT (metrics->>'accuracy')::float8 > 0.9 AS accurate,
       metrics ?& ARRAY['f1', 'precision', 'recall', 'accuracy', 'mcc', 'roc_auc', 'log_loss'] AS has_metrics
FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'points';

-- Bad input: each is an ERROR with its SQLSTATE, and leaves no registry rows behind.
CREATE TEMP TABLE registry_before AS
SELECT (SELECT count(*) FROM pgml.projects) AS projects, (SELECT count(*) FROM pgml.snapshots) AS snapshots,
       (SELECT count(*) FROM pgml.models) AS models, (SELECT count(*) FROM pgml.deployments) AS deployments;
SELECT * FROM pgml.train('bad', 'regression', 'no_such_table', 'price');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'no_such_column');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regresion', 'houses', 'price');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'price', algorithm => 'xgboots');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'price', algorithm => 'ridge', hyperparams => '{"alpah": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'price', algorithm => 'ridge', hyperparams => '{"alpha": "big"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'price', algorithm => 'catboost');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'price', test_size => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad', 'regression', 'houses', 'price', runtime => 'python');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('houses', 'classification', 'houses', 'price');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE empty_houses (rooms int, price float8);
SELECT * FROM pgml.train('bad', 'regression', 'empty_houses', 'price');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO empty_houses VALUES (1, 10);
SELECT * FROM pgml.train('bad', 'regression', 'empty_houses', 'price');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO empty_houses VALUES (2, NULL), (3, 30), (4, 40);
SELECT * FROM pgml.train('bad', 'regression', 'empty_houses', 'price');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE nan_houses (rooms real, price float8);
INSERT INTO nan_houses VALUES (1, 1), (2, 2), ('NaN', 3), (4, 4), (5, 5);
SELECT * FROM pgml.train('bad', 'regression', 'nan_houses', 'price');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE date_labels (x real, label date);
INSERT INTO date_labels VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, '2024-01-01'), (4, '2024-01-02');
SELECT * FROM pgml.train('bad', 'classification', 'date_labels', 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT (SELECT count(*) FROM pgml.projects) AS projects, (SELECT count(*) FROM pgml.snapshots) AS snapshots,
       (SELECT count(*) FROM pgml.models) AS models, (SELECT count(*) FROM pgml.deployments) AS deployments
EXCEPT SELECT * FROM registry_before;

SELECT pgml.predict('houses', ARRAY[1, 2]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('houses', ARRAY[1, NULL, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('houses', ARRAY[1, 'NaN', 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('houses', ARRAY[1, 'Infinity', 3]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('nobody', ARRAY[1, 2, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict(-1, ARRAY[1, 2, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict_proba('houses', ARRAY[1, 2, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('houses', NULL::real[]) IS NULL AS strict_null;
SELECT * FROM pgml.deploy('houses', 'worst_score');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.deploy('houses', 'most_recent', 'xgboost');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.deploy('nobody', 'most_recent');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.deploy(-1);
\echo :LAST_ERROR_SQLSTATE

-- A project with no deployment (automatic_deploy off) cannot predict.
SELECT * FROM pgml.train('undeployed', 'regression', 'houses', 'price', automatic_deploy => false);
SELECT pgml.predict('undeployed', ARRAY[1, 2, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE

DROP TABLE houses, points, empty_houses, nan_houses, date_labels;
DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
