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

\echo '== train a regression model on a synthetic table, in Rust, inside this backend'
-- Start the demo's projects afresh on every run.
DELETE FROM pgml.projects WHERE name IN ('demo_houses', 'demo_points');
DELETE FROM pgml.snapshots WHERE relation_name IN ('demo_houses', 'demo_points');
DROP TABLE IF EXISTS demo_houses;
CREATE TABLE demo_houses AS
SELECT (i % 7 + 1)::int AS rooms, (40 + (i * 37) % 160)::real AS area,
       (3 * (i % 7 + 1) + 0.5 * (40 + (i * 37) % 160) + 100 + ((i * 13) % 5 - 2) * 0.5)::float8 AS price
FROM generate_series(1, 500) AS i;
SELECT * FROM pgml.train('demo_houses', 'regression', 'demo_houses', 'price');
SELECT * FROM pgml.train('demo_houses', algorithm => 'ridge', hyperparams => '{"alpha": 10}');
SELECT id, algorithm, round((metrics->>'r2')::numeric, 4) AS r2, deployed
FROM pgml.trained_models JOIN pgml.models USING (id, algorithm) WHERE name = 'demo_houses' ORDER BY id;
\echo 'predicted price of a 4-room, 100 m2 house (true formula: 162):'
SELECT round(pgml.predict('demo_houses', ARRAY[4, 100]::real[])::numeric, 2) AS predicted_price;

\echo '== train a classifier (logistic regression) and predict labels and probabilities'
DROP TABLE IF EXISTS demo_points;
CREATE TABLE demo_points AS
SELECT (i % 20)::real AS x, ((i * 7) % 20)::real AS y,
       CASE WHEN (i % 20) > ((i * 7) % 20) THEN 1 ELSE 0 END AS above
FROM generate_series(1, 400) AS i;
SELECT * FROM pgml.train('demo_points', 'classification', 'demo_points', 'above');
SELECT round((metrics->>'accuracy')::numeric, 3) AS accuracy, round((metrics->>'f1')::numeric, 3) AS f1
FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'demo_points' ORDER BY m.id DESC LIMIT 1;
SELECT pgml.predict('demo_points', ARRAY[15, 2]::real[]) AS label_for_15_2,
       pgml.predict_proba('demo_points', ARRAY[15, 2]::real[]) AS probabilities;

\echo '== deployed models'
SELECT * FROM pgml.deployed_models;
