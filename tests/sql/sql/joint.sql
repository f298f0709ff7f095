-- Multi-target regression: pgml.train_joint / pgml.predict_joint (PostgresML 2.x), on
-- scikit-learn's linnerud (three exercise columns -> three physiological targets).
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT table_name FROM pgml.load_dataset('linnerud');
\d pgml.linnerud
SELECT * FROM pgml.train_joint('fitness', 'regression', 'pgml.linnerud', ARRAY['weight', 'waist', 'pulse'],
    test_size => 0.25, test_sampling => 'last');
SELECT y_column_name FROM pgml.snapshots ORDER BY id DESC LIMIT 1;
SELECT jsonb_object_keys(metrics) AS metric FROM (SELECT metrics FROM pgml.models ORDER BY id DESC LIMIT 1) m ORDER BY 1;
-- One value per target, in y_column_name's order, each in its target's range.
SELECT array_length(p, 1) AS targets,
       p[1] BETWEEN 100 AND 300 AS weight_ok, p[2] BETWEEN 20 AND 50 AS waist_ok, p[3] BETWEEN 30 AND 100 AS pulse_ok
FROM (SELECT pgml.predict_joint('fitness', ARRAY[10, 150, 60]::real[]) AS p) t;
-- The same as three single-target linear regressions on the same rows.
CREATE VIEW weight_only AS SELECT chins, situps, jumps, weight FROM pgml.linnerud;
SELECT deployed FROM pgml.train('fitness_weight', 'regression', 'weight_only', 'weight', test_size => 0.25, test_sampling => 'last');
SELECT abs((pgml.predict_joint('fitness', ARRAY[10, 150, 60]::real[]))[1]
           - pgml.predict('fitness_weight', ARRAY[10, 150, 60]::real[])) < 1e-3 AS same_as_single_target;
-- Other algorithms, hyperparameters included; retraining on the last snapshot keeps its targets.
SELECT * FROM pgml.train_joint('fitness', algorithm => 'ridge', hyperparams => '{"alpha": 10}');
SELECT * FROM pgml.train_joint('fitness', algorithm => 'random_forest', hyperparams => '{"n_estimators": 10}');
SELECT * FROM pgml.train_joint('fitness', algorithm => 'xgboost', hyperparams => '{"n_estimators": 10}');
SELECT m.algorithm, s.y_column_name FROM pgml.models m JOIN pgml.snapshots s ON s.id = m.snapshot_id
JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'fitness' ORDER BY m.id;
-- Hyperparameter search: k-fold cross-validation on the training rows, each candidate scored
-- by its r2 averaged over the targets; the best is trained on all training rows.
SELECT * FROM pgml.train_joint('fitness', algorithm => 'ridge', search => 'grid',
    search_params => '{"alpha": [0.1, 10, 100000]}', search_args => '{"cv": 3}');
SELECT jsonb_array_length(metrics->'search_results'->'params') AS candidates,
       (SELECT max(v::float8) FROM jsonb_array_elements_text(metrics->'search_results'->'mean_test_score') v)
         = (metrics->'search_results'->'mean_test_score'->>((metrics->'search_results'->>'best_index')::int))::float8 AS best_scored_highest,
       hyperparams->'alpha' = metrics->'search_results'->'params'->((metrics->'search_results'->>'best_index')::int)->'alpha' AS kept_the_best,
       metrics ? 'r2' AS scored
FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT * FROM pgml.deploy('fitness', 'most_recent', 'ridge');
SELECT array_length(pgml.predict_joint('fitness', ARRAY[10, 150, 60]::real[]), 1) AS targets;

-- Bad input.
SELECT pgml.predict('fitness', ARRAY[10, 150, 60]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict_joint('fitness', ARRAY[10, 150]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('fitness', algorithm => 'ridge');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train_joint('fitness2', 'classification', 'pgml.linnerud', ARRAY['weight', 'waist']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train_joint('fitness2', 'regression', 'pgml.linnerud', ARRAY['weight', 'height']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train_joint('fitness2', 'regression', 'pgml.linnerud', ARRAY['weight', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train_joint('fitness2', 'regression', 'pgml.linnerud');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train_joint('fitness', algorithm => 'ridge', search_params => '{"alpha": [1, 2]}');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP TABLE gaps AS SELECT * FROM pgml.linnerud;
UPDATE gaps SET pulse = NULL WHERE chins = (SELECT min(chins) FROM gaps);
SELECT * FROM pgml.train_joint('fitness2', 'regression', 'gaps', ARRAY['weight', 'pulse']);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS leftovers FROM pgml.projects WHERE name = 'fitness2';

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DROP VIEW weight_only;
DROP TABLE pgml.linnerud;
