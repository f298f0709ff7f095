-- PostgresML 2.x behaviours its users' SQL relies on, each checked against PostgresML's source:
-- automatic deployment on a tie, hyphenated task names, pgml.snapshot, retraining on the last
-- snapshot, the model_id overloads of the predict functions, the install checks, pgml.logs and
-- pgml.auto_updated_at. (The default algorithm of unlabelled tasks: unsupervised.sql.)
CREATE EXTENSION IF NOT EXISTS pgml;
\set VERBOSITY default

-- y = 2x + 3z + 1 exactly: every linear fit scores r2 = 1.
CREATE TABLE compat_line AS
SELECT i::real AS x, (i % 5)::real AS z, (2 * i + 3 * (i % 5) + 1)::float8 AS y
FROM generate_series(1, 60) AS i;

-- 1. Automatic deployment: the new model goes live unless the deployed one is strictly
--    better, so a retrain that scores the same is deployed; a worse one is not.
SELECT deployed FROM pgml.train('compat_tie', 'regression', 'compat_line', 'y', test_sampling => 'last');
SELECT deployed FROM pgml.train('compat_tie', 'regression', 'compat_line', 'y', test_sampling => 'last');
SELECT deployed FROM pgml.train('compat_tie', algorithm => 'ridge', hyperparams => '{"alpha": 1000000}');
SELECT count(*) AS deployments, count(DISTINCT d.model_id) AS models_deployed
FROM pgml.deployments d JOIN pgml.projects p ON p.id = d.project_id WHERE p.name = 'compat_tie';
SELECT d.id = (SELECT min(m.id) + 1 FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
               WHERE p.name = 'compat_tie') AS second_model_is_live
FROM pgml.deployed_models d WHERE d.name = 'compat_tie';

-- 3. Task names: PostgresML's parser also takes the hyphenated spellings of four tasks. They
--    name the same tasks (none of which pgml.train learns yet: 0A000, not an unknown task).
\set VERBOSITY terse
SELECT * FROM pgml.train('compat_task', 'question-answering', 'compat_line', 'y');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('compat_task', 'text-classification', 'compat_line', 'y');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('compat_task', 'text-generation', 'compat_line', 'y');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('compat_task', 'text-pair-classification', 'compat_line', 'y');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('compat_task', 'text_classification', 'compat_line', 'y');
\echo :LAST_ERROR_SQLSTATE
-- Only those four: other spellings stay unknown.
SELECT * FROM pgml.train('compat_task', 'text-2-text', 'compat_line', 'y');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) AS projects_created FROM pgml.projects WHERE name = 'compat_task';

-- 4. pgml.snapshot: STRICT, and returns the relation as it was given (the copy is
--    pgml.snapshot_<id>, recorded in pgml.snapshots).
SELECT * FROM pgml.snapshot('compat_line', 'y');
SELECT * FROM pgml.snapshot('public.compat_line', 'y', test_size => 0.5, test_sampling => 'last');
SELECT relation_name, y_column_name, test_size, test_sampling, materialized
FROM pgml.snapshots ORDER BY id DESC LIMIT 1;
SELECT count(*) AS snapshots_now FROM pgml.snapshots \gset
SELECT count(*) AS rows_for_null_label FROM pgml.snapshot('compat_line', NULL);
SELECT count(*) AS rows_for_null_relation FROM pgml.snapshot(NULL, 'y');
SELECT count(*) = :snapshots_now AS nothing_taken FROM pgml.snapshots;
SELECT proisstrict FROM pg_proc WHERE oid = 'pgml.snapshot(text, text, real, text, jsonb)'::regprocedure;

-- 5. Retraining without relation_name reuses the project's last snapshot as PostgresML does:
--    its test_size, test_sampling and per-column preprocessing, and no new snapshot row.
CREATE TABLE compat_gaps AS
SELECT i::real AS a, CASE WHEN i % 10 = 0 THEN NULL ELSE (i % 7)::real END AS b,
       (3 * i + 2 * (i % 7))::float8 AS y
FROM generate_series(1, 80) AS i;
SELECT deployed FROM pgml.train('compat_retrain', 'regression', 'compat_gaps', 'y', test_size => 0.5,
    test_sampling => 'last', preprocess => '{"b": {"impute": "mean", "scale": "standard"}}');
SELECT count(*) AS snapshots_before FROM pgml.snapshots \gset
-- b has NULLs: without the stored imputation this retrain would fail.
SELECT algorithm FROM pgml.train('compat_retrain', algorithm => 'ridge');
SELECT algorithm FROM pgml.train('compat_retrain', algorithm => 'xgboost', hyperparams => '{"n_estimators": 5}');
SELECT count(*) = :snapshots_before AS no_new_snapshot FROM pgml.snapshots;
SELECT count(*) AS models, count(DISTINCT m.snapshot_id) AS snapshots_used
FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'compat_retrain';
SELECT s.relation_name, s.test_size, s.test_sampling, s.analysis->'train_rows' AS train_rows,
       s.analysis->'test_rows' AS test_rows, s.columns->1->'preprocess' AS b_preprocess
FROM pgml.snapshots s WHERE s.id = (SELECT max(snapshot_id) FROM pgml.models);
-- Arguments that only shape a new snapshot do not apply without a relation; a NOTICE says so.
SELECT algorithm FROM pgml.train('compat_retrain', algorithm => 'linear', test_size => 0.1,
    test_sampling => 'random', preprocess => '{"a": {"scale": "min_max"}}');
SELECT s.test_size, s.analysis->'test_rows' AS test_rows, s.columns->0->'preprocess'->>'scale' AS a_scale
FROM pgml.snapshots s WHERE s.id = (SELECT max(snapshot_id) FROM pgml.models);
SELECT round(pgml.predict('compat_retrain', ROW(10::real, NULL::real))::numeric, 0) AS with_b_imputed;

-- 6. The model_id overloads: predict_proba, predict_joint, predict_batch (one array) and
--    predict(model_id, ROW(...)), for any model, deployed or not.
CREATE TABLE compat_classes AS
SELECT i::real AS x, (i > 30)::int AS label FROM generate_series(1, 60) AS i;
SELECT deployed FROM pgml.train('compat_classes', 'classification', 'compat_classes', 'label');
SELECT id AS classifier FROM pgml.models ORDER BY id DESC LIMIT 1 \gset
SELECT array_length(p, 1) AS classes, round((p[1] + p[2])::numeric, 3) AS total, p[1] > p[2] AS low_x_is_class_0
FROM (SELECT pgml.predict_proba(:classifier, ARRAY[2]::real[]) AS p) t;
SELECT pgml.predict_proba(:classifier, ARRAY[2]::real[]) = pgml.predict_proba('compat_classes', ARRAY[2]::real[])
    AS same_as_project;
CREATE TABLE compat_two AS
SELECT i::real AS x, (2 * i + 1)::float8 AS up, (i - 3)::float8 AS down FROM generate_series(1, 40) AS i;
SELECT deployed FROM pgml.train_joint('compat_two', 'regression', 'compat_two', ARRAY['up', 'down']);
SELECT id AS joint FROM pgml.models ORDER BY id DESC LIMIT 1 \gset
SELECT array_agg(round(v::numeric, 2)) AS up_down FROM unnest(pgml.predict_joint(:joint, ARRAY[10]::real[])) AS v;
SELECT id AS line FROM pgml.models m WHERE m.project_id = (SELECT id FROM pgml.projects WHERE name = 'compat_tie')
ORDER BY id LIMIT 1 \gset
SELECT pg_typeof(pgml.predict_batch(:line, ARRAY[1, 1, 2, 0]::real[])) AS batch_type,
       (SELECT array_agg(round(v::numeric, 2)) FROM unnest(pgml.predict_batch(:line, ARRAY[1, 1, 2, 0]::real[])) AS v) AS batch;
SELECT cardinality(pgml.predict_batch(:line, ARRAY[]::real[])) AS empty_batch;
SELECT pgml.predict_batch(:line, ARRAY[1, 1, 2]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS project_batch_is_still_a_set FROM pgml.predict_batch('compat_tie', ARRAY[1, 1, 2, 0]::real[]);
SELECT id AS gaps FROM pgml.models m WHERE m.project_id = (SELECT id FROM pgml.projects WHERE name = 'compat_retrain')
ORDER BY id LIMIT 1 \gset
SELECT round(pgml.predict(:gaps, ROW(10::real, NULL::real))::numeric, 0) AS row_by_model_id,
       round(pgml.predict(:gaps, ROW(10::real, 3::real))::numeric, 0) AS row_with_b;
SELECT round(pgml.predict(:line, ROW(1, 1))::numeric, 2) AS row_of_numbers,
       round(pgml.predict(:line, ARRAY[1, 1]::real[])::numeric, 2) AS array_of_reals;
-- Integer, float8 and boolean arrays by model id are not ambiguous with the ROW overload.
SELECT round(pgml.predict(:line, ARRAY[1, 1])::numeric, 2) AS int4_array,
       round(pgml.predict(:line, ARRAY[1, 1]::bigint[])::numeric, 2) AS int8_array,
       round(pgml.predict(:line, ARRAY[1, 1]::smallint[])::numeric, 2) AS int2_array,
       round(pgml.predict(:line, ARRAY[1, 1]::float8[])::numeric, 2) AS float8_array,
       round(pgml.predict(:line, ARRAY[true, true])::numeric, 2) AS bool_array;
-- An unknown model is 42704 for every overload, as for pgml.predict(model_id, real[]).
SELECT pgml.predict(-1, ARRAY[1]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict_proba(-1, ARRAY[1]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict_joint(-1, ARRAY[1]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict_batch(-1, ARRAY[1]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict(-1, ROW(1, 2));
\echo :LAST_ERROR_SQLSTATE
-- A NULL argument gives NULL (STRICT), like the other predict functions.
SELECT pgml.predict_batch(NULL::bigint, ARRAY[1]::real[]) IS NULL AS strict_batch,
       pgml.predict(NULL::bigint, ROW(1, 2)) IS NULL AS strict_row;
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result, provolatile, proparallel, proisstrict
FROM pg_proc p WHERE pronamespace = 'pgml'::regnamespace AND proname IN ('predict', 'predict_proba', 'predict_joint', 'predict_batch')
AND pg_get_function_identity_arguments(p.oid) LIKE 'model_id bigint, %' ORDER BY p.oid::regprocedure::text COLLATE "C";

-- 7. What PostgresML's install guide and health checks call.
SELECT pgml.validate_shared_library();
SELECT pgml.validate_python_dependencies();
SELECT pgml.python_version();
SELECT p.oid::regprocedure AS function, pg_get_function_result(p.oid) AS result
FROM pg_proc p WHERE pronamespace = 'pgml'::regnamespace
AND proname IN ('validate_shared_library', 'validate_python_dependencies', 'python_version', 'auto_updated_at')
ORDER BY p.oid::regprocedure::text COLLATE "C";
\d pgml.logs
INSERT INTO pgml.logs (model_id, project_id, logs) VALUES (1, 2, '{"epoch": 1, "loss": 0.5}')
RETURNING id, model_id, project_id, created_at IS NOT NULL AS stamped, logs;
CREATE TABLE compat_touched (id int, v int, updated_at timestamp NOT NULL DEFAULT '2000-01-01');
SELECT pgml.auto_updated_at('compat_touched');
-- Again, schema-qualified: the trigger is replaced, not doubled.
SELECT pgml.auto_updated_at('public.compat_touched');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'compat_touched'::regclass;
INSERT INTO compat_touched VALUES (1, 1);
UPDATE compat_touched SET v = 2;
SELECT v, updated_at > '2000-01-01' AS touched FROM compat_touched;

-- 8. best_score passes over a model whose key metric is null (a NaN score is stored as
--    null); it used to sort first under DESC.
UPDATE pgml.models SET metrics = jsonb_set(metrics, '{r2}', 'null')
WHERE id = (SELECT max(m.id) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
            WHERE p.name = 'compat_tie');
SELECT project, strategy, algorithm FROM pgml.deploy('compat_tie', 'best_score');
SELECT m.metrics->>'r2' IS NOT NULL AS deployed_model_has_a_score
FROM pgml.deployed_models d JOIN pgml.models m ON m.id = d.id WHERE d.name = 'compat_tie';

-- 9. Hyperparameter search: PostgresML's 5 folds by default, scikit-learn's cv_results_ keys
--    in search_results, and distinct random draws (3 combinations, n_iter 10: 3 candidates).
SELECT algorithm FROM pgml.train('compat_search', 'regression', 'compat_line', 'y', algorithm => 'ridge',
    search => 'random', search_params => '{"alpha": [0.1, 1, 10]}', search_args => '{"n_iter": 10}');
SELECT m.metrics->'search_results'->'n_splits' AS n_splits,
       jsonb_array_length(m.metrics->'search_results'->'params') AS candidates,
       jsonb_array_length(m.metrics->'search_results'->'split4_test_score') AS fold_5_scores,
       (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(m.metrics->'search_results') AS k) AS keys
FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'compat_search';

DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'pgml' AND tablename LIKE 'snapshot\_%' LOOP
        EXECUTE format('DROP TABLE pgml.%I', t);
    END LOOP;
END $$;
DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DELETE FROM pgml.logs;
DROP TABLE compat_line, compat_gaps, compat_classes, compat_two, compat_touched;
