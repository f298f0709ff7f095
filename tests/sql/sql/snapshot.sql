-- Training reads its rows through one MVCC snapshot: rows another session commits meanwhile
-- are not trained on. And pgml.predict_batch scores many rows in one call.
CREATE EXTENSION IF NOT EXISTS pgml;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE TABLE mvcc_rows AS
SELECT i::real AS x, (3 * i + 1)::float8 AS y FROM generate_series(1, 100) AS i;

BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) AS rows_visible FROM mvcc_rows;
-- Another session adds 900 rows and commits while this transaction is open.
SELECT dblink_exec(format('host=127.0.0.1 port=%s dbname=%s user=postgres', current_setting('port'), current_database()),
                   'INSERT INTO mvcc_rows SELECT i, 3 * i + 1 FROM generate_series(101, 1000) AS i');
SELECT deployed FROM pgml.train('mvcc', 'regression', 'mvcc_rows', 'y', test_sampling => 'last');
SELECT analysis->'samples' AS samples_trained_on FROM pgml.snapshots ORDER BY id DESC LIMIT 1;
COMMIT;
SELECT count(*) AS rows_now FROM mvcc_rows;
SELECT deployed FROM pgml.train('mvcc', test_sampling => 'last');
SELECT analysis->'samples' AS samples_after_commit FROM pgml.snapshots ORDER BY id DESC LIMIT 1;

-- predict_batch: rows back to back, one prediction each.
SELECT round(p::numeric, 2) AS prediction FROM pgml.predict_batch('mvcc', ARRAY[1, 2, 10]::real[]) AS p;
SELECT count(*) AS predictions FROM pgml.predict_batch('mvcc', (SELECT array_agg(x) FROM mvcc_rows));
SELECT * FROM pgml.predict_batch('mvcc', ARRAY[]::real[]);
SELECT * FROM pgml.predict_batch('nobody', ARRAY[1]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.predict_batch('mvcc', ARRAY[1, NULL]::real[]);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE mvcc_two AS SELECT i::real AS a, (i % 3)::real AS b, (2 * i)::float8 AS y FROM generate_series(1, 50) AS i;
SELECT deployed FROM pgml.train('mvcc_two', 'regression', 'mvcc_two', 'y');
SELECT count(*) FROM pgml.predict_batch('mvcc_two', ARRAY[1, 2, 3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS two_rows FROM pgml.predict_batch('mvcc_two', ARRAY[1, 2, 3, 4]::real[]);

-- materialize_snapshot copies the rows; retraining without a relation uses the copy, even
-- after the source table changed (the same snapshot row: no new one).
SELECT deployed FROM pgml.train('mat', 'regression', 'mvcc_rows', 'y', materialize_snapshot => true);
SELECT relation_name, materialized, analysis->'samples' AS samples FROM pgml.snapshots ORDER BY id DESC LIMIT 1;
SELECT count(*) AS materialized_tables FROM pg_tables WHERE schemaname = 'pgml' AND tablename LIKE 'snapshot\_%';
DELETE FROM mvcc_rows WHERE x > 10;
SELECT deployed IS NOT NULL AS retrained FROM pgml.train('mat');
SELECT relation_name, materialized, analysis->'samples' AS samples_from_the_copy,
       (SELECT count(DISTINCT snapshot_id) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
        WHERE p.name = 'mat') AS snapshots_used
FROM pgml.snapshots ORDER BY id DESC LIMIT 1;
-- pgml.snapshot: the copy and its statistics, without training; returns the relation as given.
SELECT relation, y_column_name FROM pgml.snapshot('mvcc_two', 'y', preprocess => '{"b": {"scale": "min_max"}}');
SELECT to_regclass('pgml.snapshot_' || max(id)) IS NOT NULL AS copied FROM pgml.snapshots;
SELECT materialized, test_sampling, analysis, jsonb_array_length(columns) AS columns,
       columns->1->'preprocess'->>'scale' AS b_scale, (columns->0->'statistics'->>'max')::float8 AS a_max
FROM pgml.snapshots ORDER BY id DESC LIMIT 1;
SELECT * FROM pgml.snapshot('no_such_table', 'y');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.snapshot('mvcc_two', 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.snapshot('mvcc_two', 'y', test_sampling => 'sideways');
\echo :LAST_ERROR_SQLSTATE
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'pgml' AND tablename LIKE 'snapshot\_%' LOOP
        EXECUTE format('DROP TABLE pgml.%I', t);
    END LOOP;
END $$;

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DROP TABLE mvcc_rows, mvcc_two;
DROP EXTENSION dblink;
