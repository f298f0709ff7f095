-- Text labels, text (categorical) features, NULL imputation, scaling, array columns, and
-- predictions from ROW(...) values.
CREATE EXTENSION IF NOT EXISTS pgml;

CREATE TABLE fruit AS
SELECT (ARRAY['red', 'yellow', 'green'])[1 + i % 3] AS color,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (50 + (i * 37) % 100)::real END AS weight,
       (i % 4 = 0) AS organic,
       (ARRAY['apple', 'banana', 'lime'])[1 + i % 3] AS kind
FROM generate_series(1, 300) AS i;

-- NULL weights need an imputation strategy.
SELECT * FROM pgml.train('fruit', 'classification', 'fruit', 'kind');
\echo :LAST_ERROR_SQLSTATE
SELECT project, task, algorithm, deployed FROM pgml.train('fruit', 'classification', 'fruit', 'kind',
    preprocess => '{"color": {"encode": "one_hot"}, "weight": {"impute": "median", "scale": "standard"}}');
SELECT (metrics->>'accuracy')::float8 AS accuracy FROM pgml.models ORDER BY id DESC LIMIT 1;
-- Text labels predict the class index in sorted label order: apple 0, banana 1, lime 2.
SELECT pgml.predict('fruit', ROW('yellow', 80, true)) AS banana,
       pgml.predict('fruit', ROW('green', NULL::real, false)) AS lime_with_imputed_weight,
       pgml.predict('fruit', ROW('red'::varchar, 60.5::numeric, false)) AS apple_from_other_types;
SELECT array_length(pgml.predict_proba('fruit', ROW('red', 70, true)), 1) AS classes;
-- Statistics of the snapshot, as stored.
SELECT c->>'name' AS name, c->'categorical' AS categorical, c->'preprocess' AS preprocess,
       c->'categories' AS categories, (c->'statistics'->>'nulls')::int AS nulls
FROM pgml.snapshots s, jsonb_array_elements(s.columns) AS c
WHERE s.id = (SELECT max(id) FROM pgml.snapshots);
SELECT analysis FROM pgml.snapshots WHERE id = (SELECT max(id) FROM pgml.snapshots);

-- An array of numbers cannot carry the text column; the hint says how to call it.
SELECT pgml.predict('fruit', ARRAY[1, 2, 3]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('fruit', ROW('red', 60));
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('fruit', ROW(1, 60, true));
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('fruit', 42);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.predict('fruit', ROW('red', 60, '2024-01-01'::date));
\echo :LAST_ERROR_SQLSTATE

-- Bad preprocess specifications.
SELECT * FROM pgml.train('fruit', relation_name => 'fruit', y_column_name => 'kind', preprocess => '{"colour": {"encode": "one_hot"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('fruit', relation_name => 'fruit', y_column_name => 'kind', preprocess => '{"weight": {"impute": "average"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('fruit', relation_name => 'fruit', y_column_name => 'kind', preprocess => '{"weight": {"impute": "mean", "clip": true}}');
\echo :LAST_ERROR_SQLSTATE
-- Text labels cannot be regressed.
SELECT * FROM pgml.train('fruit_weight', 'regression', 'fruit', 'kind', preprocess => '{"weight": {"impute": "mean"}}');
\echo :LAST_ERROR_SQLSTATE

-- Array columns: one feature per element (the digits images, 8x8 = 64 features).
SELECT * FROM pgml.load_dataset('digits', "limit" => 400);
SELECT project, deployed FROM pgml.train('digits', 'classification', 'pgml.digits', 'target');
SELECT num_features, (metrics->>'accuracy')::float8 > 0.8 AS accurate FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT pgml.predict('digits', (SELECT array_agg(v)::real[] FROM (SELECT unnest(image) AS v FROM (SELECT image FROM pgml.digits WHERE target = 3 LIMIT 1) d) t)) AS a_three;
SELECT pgml.predict_json('fruit', '["yellow", 80, true]') AS banana_from_json;
CREATE TABLE ragged (x real[], y int);
INSERT INTO ragged VALUES ('{1,2}', 0), ('{1,2,3}', 1), ('{4,5}', 1), ('{0,0}', 0);
SELECT * FROM pgml.train('ragged', 'classification', 'ragged', 'y');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE when_table (at timestamptz, y int);
INSERT INTO when_table VALUES (now(), 0), (now(), 1);
SELECT * FROM pgml.train('when', 'classification', 'when_table', 'y');
\echo :LAST_ERROR_SQLSTATE

DROP TABLE fruit, ragged, when_table, pgml.digits;
SELECT pgml.predict_json('fruit', '{"a": [1]}');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
