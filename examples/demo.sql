-- The demo run by `./dev run`. Later features (embed, generate) extend it.
\pset footer off

\echo
\echo '== pgml extension'
SELECT pgml.version() AS pgml_version, current_setting('server_version') AS postgres_version;

\echo '== registry: PostgresML 2.x tables and views'
SELECT table_name, table_type FROM information_schema.tables
WHERE table_schema = 'pgml' ORDER BY table_name;

\echo '== tasks a project can have'
SELECT unnest(enum_range(NULL::pgml.task)) AS task;

\echo '== PostgresML quick start, in Rust inside this backend: iris (classification)'
-- Start the demo's projects afresh on every run.
DELETE FROM pgml.projects WHERE name IN ('Iris Flower Types', 'Diabetes Progression', 'demo_houses', 'demo_points');
DELETE FROM pgml.snapshots WHERE relation_name IN ('pgml.iris', 'pgml.diabetes');
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.train('Iris Flower Types', 'classification', 'pgml.iris', 'target', 'linear');
SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'random_forest', hyperparams => '{"n_estimators": 50}');
SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'knn', search => 'grid',
                         search_params => '{"n_neighbors": [1, 3, 5, 9]}');
SELECT m.id, m.algorithm, round((m.metrics->>'f1')::numeric, 3) AS f1,
       round((m.metrics->>'accuracy')::numeric, 3) AS accuracy, t.deployed
FROM pgml.models m JOIN pgml.trained_models t USING (id) WHERE t.name = 'Iris Flower Types' ORDER BY m.id;
SELECT target AS species, pgml.predict('Iris Flower Types', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS predicted,
       pgml.predict_proba('Iris Flower Types', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS probabilities
FROM (SELECT DISTINCT ON (target) * FROM pgml.iris ORDER BY target, petal_width) one_per_species;

\echo '== diabetes (regression)'
SELECT * FROM pgml.load_dataset('diabetes');
SELECT * FROM pgml.train('Diabetes Progression', 'regression', 'pgml.diabetes', 'target', 'linear');
SELECT * FROM pgml.train('Diabetes Progression', algorithm => 'ridge', search => 'grid',
                         search_params => '{"alpha": [0.001, 0.01, 0.1, 1]}');
SELECT * FROM pgml.train('Diabetes Progression', algorithm => 'random_forest', hyperparams => '{"n_estimators": 50, "max_depth": 6}');
SELECT m.id, m.algorithm, m.hyperparams, round((m.metrics->>'r2')::numeric, 3) AS r2, t.deployed
FROM pgml.models m JOIN pgml.trained_models t USING (id) WHERE t.name = 'Diabetes Progression' ORDER BY m.id;
SELECT target AS actual, round(pgml.predict('Diabetes Progression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])::numeric, 1) AS predicted
FROM pgml.diabetes LIMIT 3;

\echo '== deployed models'
SELECT * FROM pgml.deployed_models;
