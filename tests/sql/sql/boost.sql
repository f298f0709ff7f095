-- XGBoost and LightGBM (the real libraries, statically linked into the extension) through
-- PostgresML's algorithm names: training, hyperparameters reaching the library, the library's
-- own model file in pgml.files, predict / predict_proba / predict_batch, bad hyperparameters.
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT table_name FROM pgml.load_dataset('iris');
SELECT table_name FROM pgml.load_dataset('diabetes');

CREATE TEMP TABLE results (project text, algorithm text, metric text, value float8, model_id bigint);
CREATE FUNCTION pg_temp.run(p_project text, p_task text, p_relation text, p_label text, p_algorithm text, p_hyperparams jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE key text := CASE p_task WHEN 'regression' THEN 'r2' ELSE 'accuracy' END;
BEGIN
    PERFORM pgml.train(p_project, p_task, p_relation, p_label, p_algorithm, p_hyperparams, automatic_deploy => false);
    INSERT INTO results
    SELECT p_project, p_algorithm, key, (m.metrics->>key)::float8, m.id
    FROM pgml.models m ORDER BY m.id DESC LIMIT 1;
END $$;

SELECT pg_temp.run('iris_boost', 'classification', 'pgml.iris', 'target', a, h)
FROM (VALUES ('xgboost', '{"n_estimators": 20, "max_depth": 3}'::jsonb),
             ('xgboost_random_forest', '{"n_estimators": 20}'),
             ('gradient_boosting_trees', '{"n_estimators": 20}'),
             ('lightgbm', '{"n_estimators": 20, "min_data_in_leaf": 5}'),
             ('hist_gradient_boosting', '{"max_iter": 20}')) AS t(a, h);
SELECT pg_temp.run('diabetes_boost', 'regression', 'pgml.diabetes', 'target', a, h)
FROM (VALUES ('xgboost', '{"n_estimators": 30, "learning_rate": 0.1, "max_depth": 2}'::jsonb),
             ('xgboost_random_forest', '{"n_estimators": 30, "max_depth": 4}'),
             ('gradient_boosting_trees', '{"n_estimators": 30, "max_depth": 2}'),
             ('lightgbm', '{"n_estimators": 30, "num_leaves": 7}'),
             ('hist_gradient_boosting', '{"max_iter": 30}')) AS t(a, h);
-- Thresholds well below what each reaches, so the test checks learning, not luck.
SELECT project, algorithm, metric,
       value > CASE project WHEN 'iris_boost' THEN 0.85 ELSE 0.15 END AS learned
FROM results ORDER BY project, algorithm;

-- Each model keeps the library's own file beside ours (xgboost.Booster.load_model and
-- lightgbm.Booster(model_file=...) read them), and the hyperparameters reached the library:
-- the number of trees in the file is what n_estimators / max_iter asked for (per class).
SELECT r.project, r.algorithm, f.path,
       CASE f.path
           WHEN 'xgboost.json' THEN (convert_from(f.data, 'UTF8')::jsonb
                #>> '{learner,gradient_booster,model,gbtree_model_param,num_trees}')::int
           ELSE (SELECT count(*) FROM regexp_matches(convert_from(f.data, 'UTF8'), '^Tree=', 'gn'))::int
       END AS trees
FROM results r JOIN pgml.files f ON f.model_id = r.model_id AND f.path <> 'model.json'
ORDER BY r.project, r.algorithm;
SELECT count(*) AS models_without_our_file
FROM results r WHERE NOT EXISTS (SELECT 1 FROM pgml.files f WHERE f.model_id = r.model_id AND f.path = 'model.json');

-- Predictions.
SELECT * FROM pgml.deploy('iris_boost', 'most_recent', 'xgboost');
SELECT pgml.predict('iris_boost', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS setosa,
       pgml.predict('iris_boost', ARRAY[6.7, 3.0, 5.2, 2.3]::real[]) AS virginica;
SELECT array_length(p, 1) AS classes, abs((SELECT sum(x) FROM unnest(p) x) - 1) < 1e-5 AS sums_to_one,
       p[1] > 0.5 AS setosa_likely
FROM (SELECT pgml.predict_proba('iris_boost', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS p) t;
SELECT * FROM pgml.deploy('iris_boost', 'most_recent', 'lightgbm');
SELECT pgml.predict('iris_boost', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS setosa,
       pgml.predict('iris_boost', ARRAY[6.7, 3.0, 5.2, 2.3]::real[]) AS virginica;

-- One-row prediction walks trees that backends share (pgml.share_trees, on by default): each
-- model's trees are one file in base/pgsql_tmp, mapped by every backend predicting with it.
-- A backend's private copy (share_trees off) predicts exactly the same.
SELECT count(*) >= 2 AS shared_tree_files FROM pg_ls_tmpdir()
WHERE name LIKE 'pgsql_tmp_pgml_forest_%' AND name NOT LIKE '%.tmp';
CREATE TEMP TABLE shared_predictions AS
SELECT row_number() OVER () AS id,
       pgml.predict('iris_boost', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS p
FROM pgml.iris;
SET pgml.share_trees = off;
SELECT pgml.clear_cache() IS NOT NULL AS cleared;
SELECT count(*) AS rows, count(*) FILTER (WHERE s.p IS DISTINCT FROM o.p) AS differ
FROM shared_predictions s
JOIN (SELECT row_number() OVER () AS id,
             pgml.predict('iris_boost', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS p
      FROM pgml.iris) o USING (id);
RESET pgml.share_trees;

-- predict_batch equals predict row by row: a small batch (the Rust evaluator) and 30,000 rows
-- (the library's own multi-threaded batch prediction), for both libraries.
CREATE TEMP TABLE rows30k AS
SELECT g AS id, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]::real[] AS x
FROM generate_series(1, 30000) g
JOIN (SELECT row_number() OVER () AS n, * FROM pgml.diabetes) d ON d.n = 1 + g % 442;
CREATE FUNCTION pg_temp.batch_mismatches(p_project text, p_rows int) RETURNS bigint LANGUAGE sql AS $$
    WITH batch AS (
        SELECT row_number() OVER () AS id, p
        FROM pgml.predict_batch(p_project, (SELECT array_agg(v ORDER BY id, o)
                                            FROM rows30k, unnest(x) WITH ORDINALITY u(v, o)
                                            WHERE id <= p_rows)) p)
    SELECT count(*) FILTER (WHERE abs(b.p - pgml.predict(p_project, r.x)) > 1e-3 * greatest(1, abs(b.p)))
    FROM batch b JOIN rows30k r USING (id)
$$;
SET pgml.predict_batch_threads = 2;
SELECT * FROM pgml.deploy('diabetes_boost', 'most_recent', 'xgboost');
SELECT pg_temp.batch_mismatches('diabetes_boost', 5) AS small_xgboost, pg_temp.batch_mismatches('diabetes_boost', 30000) AS large_xgboost;
SELECT * FROM pgml.deploy('diabetes_boost', 'most_recent', 'lightgbm');
SELECT pg_temp.batch_mismatches('diabetes_boost', 5) AS small_lightgbm, pg_temp.batch_mismatches('diabetes_boost', 30000) AS large_lightgbm;
SELECT count(*) FROM pgml.predict_batch('diabetes_boost', ARRAY[1, 2, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
RESET pgml.predict_batch_threads;

-- Bad hyperparameters: unknown keys list the valid ones; wrong types and ranges are refused.
SELECT * FROM pgml.train('diabetes_boost', algorithm => 'xgboost', hyperparams => '{"n_estimator": 10}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes_boost', algorithm => 'xgboost', hyperparams => '{"max_depth": "deep"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes_boost', algorithm => 'lightgbm', hyperparams => '{"learning_rate": -1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes_boost', algorithm => 'lightgbm', hyperparams => '{"objective": "binary"}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS models_left_by_failed_trains FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
WHERE p.name = 'diabetes_boost' AND m.id NOT IN (SELECT model_id FROM results);
-- More threads than cores are capped at the cores (LightGBM would hand any number to OpenMP,
-- which ends the backend when it cannot start them).
SELECT algorithm FROM pgml.train('threads_boost', 'regression', 'pgml.diabetes', 'target', 'lightgbm',
    hyperparams => '{"n_estimators": 5, "n_jobs": 10000000}');
-- A cancel (here statement_timeout) stops a long training between boosting rounds, with
-- PostgreSQL's own error, and leaves nothing behind.
SET statement_timeout = '1s';
SELECT * FROM pgml.train('endless_boost', 'regression', 'pgml.diabetes', 'target', 'xgboost',
    hyperparams => '{"n_estimators": 100000000}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS endless_projects FROM pgml.projects WHERE name = 'endless_boost';

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DROP TABLE pgml.iris, pgml.diabetes;
