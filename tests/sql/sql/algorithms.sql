-- Every supported algorithm trains on PostgresML's quick-start datasets, predicts, and refuses
-- bad hyperparameters.
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT table_name FROM pgml.load_dataset('iris');
SELECT table_name FROM pgml.load_dataset('diabetes');

CREATE TEMP TABLE results (project text, algorithm text, metric text, value float8);
CREATE FUNCTION pg_temp.run(p_project text, p_task text, p_relation text, p_label text, p_algorithm text, p_hyperparams jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE key text := CASE p_task WHEN 'regression' THEN 'r2' ELSE 'accuracy' END;
BEGIN
    PERFORM pgml.train(p_project, p_task, p_relation, p_label, p_algorithm, p_hyperparams, automatic_deploy => false);
    INSERT INTO results
    SELECT p_project, p_algorithm, key, (m.metrics->>key)::float8
    FROM pgml.models m ORDER BY m.id DESC LIMIT 1;
END $$;

SELECT pg_temp.run('iris', 'classification', 'pgml.iris', 'target', a, h)
FROM (VALUES ('decision_tree', '{}'::jsonb), ('random_forest', '{"n_estimators": 25}'),
             ('extra_trees', '{"n_estimators": 25, "n_jobs": 2}'), ('knn', '{"n_neighbors": 5}'),
             ('naive_bayes', '{}'), ('linear', '{}')) AS t(a, h);
SELECT pg_temp.run('diabetes', 'regression', 'pgml.diabetes', 'target', a, h)
FROM (VALUES ('decision_tree', '{"max_depth": 3}'::jsonb), ('random_forest', '{"n_estimators": 25, "max_features": 0.5}'),
             ('extra_trees', '{"n_estimators": 25}'), ('knn', '{"n_neighbors": 10, "weights": "distance"}'),
             ('ridge', '{"alpha": 0.1}'), ('linear', '{}')) AS t(a, h);
-- Thresholds well below what each reaches, so the test checks learning, not luck.
SELECT project, algorithm, metric,
       value > CASE project WHEN 'iris' THEN 0.85 ELSE 0.15 END AS learned
FROM results ORDER BY project, algorithm;

-- Predictions from each kind of model.
SELECT * FROM pgml.deploy('iris', 'best_score');
SELECT pgml.predict('iris', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS setosa;
SELECT * FROM pgml.deploy('iris', 'most_recent', 'naive_bayes');
SELECT array_length(pgml.predict_proba('iris', ARRAY[6.7, 3.0, 5.2, 2.3]::real[]), 1) AS classes,
       pgml.predict('iris', ARRAY[6.7, 3.0, 5.2, 2.3]::real[]) AS virginica;
SELECT * FROM pgml.deploy('diabetes', 'most_recent', 'random_forest');
SELECT pgml.predict('diabetes', ARRAY[0.04, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, 0.0, 0.02, -0.02]::real[]) BETWEEN 25 AND 346 AS in_target_range;

-- random_state makes forests reproducible (retrains reuse the last snapshot's seeded split).
SELECT deployed FROM pgml.train('diabetes', algorithm => 'random_forest',
    hyperparams => '{"n_estimators": 10, "random_state": 7}', automatic_deploy => false);
SELECT deployed FROM pgml.train('diabetes', algorithm => 'random_forest',
    hyperparams => '{"n_estimators": 10, "random_state": 7}', automatic_deploy => false);
SELECT count(DISTINCT metrics->>'r2') AS distinct_scores FROM (SELECT metrics FROM pgml.models ORDER BY id DESC LIMIT 2) m;
SELECT deployed FROM pgml.train('diabetes', algorithm => 'random_forest',
    hyperparams => '{"n_estimators": 10, "random_state": 8}', automatic_deploy => false);
SELECT count(DISTINCT metrics->>'r2') AS distinct_scores FROM (SELECT metrics FROM pgml.models ORDER BY id DESC LIMIT 2) m;

-- Bad hyperparameters.
SELECT * FROM pgml.train('iris', algorithm => 'decision_tree', hyperparams => '{"max_depth": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris', algorithm => 'random_forest', hyperparams => '{"max_features": "half"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris', algorithm => 'random_forest', hyperparams => '{"n_estimators": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris', algorithm => 'knn', hyperparams => '{"weights": "far"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris', algorithm => 'knn', hyperparams => '{"n_neighbors": 1000}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris', algorithm => 'naive_bayes', hyperparams => '{"var_smoothing": -1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris', algorithm => 'extra_trees', hyperparams => '{"criterion": "gini"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes', algorithm => 'naive_bayes');
\echo :LAST_ERROR_SQLSTATE

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DROP TABLE pgml.iris, pgml.diabetes;
-- A least-squares system far larger than memory (200,000 features: a 320 GB Gram matrix) is
-- an error, not an aborted backend.
CREATE TABLE pgml_wide AS SELECT i::float8 AS y, array_fill(i::float8, ARRAY[200000]) AS x
    FROM generate_series(1, 10) i;
\set VERBOSITY terse
SELECT * FROM pgml.train('wide', 'regression', 'pgml_wide', 'y', 'linear');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
DROP TABLE pgml_wide;
