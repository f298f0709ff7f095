-- Backends cache the deployed model; a deployment made by another session is seen at this
-- session's next predict, and a rolled-back one never is.
CREATE EXTENSION IF NOT EXISTS pgml;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other', format('host=127.0.0.1 port=%s dbname=%s user=postgres',
                                      current_setting('port'), current_database()));

CREATE TABLE cache_houses AS
SELECT (i % 7 + 1)::real AS rooms, (40 + (i * 37) % 160)::real AS area,
       (3 * (i % 7 + 1) + 0.5 * (40 + (i * 37) % 160) + 100)::float8 AS price
FROM generate_series(1, 100) AS i;
SELECT deployed FROM pgml.train('cache_houses', 'regression', 'cache_houses', 'price');
SELECT deployed FROM pgml.train('cache_houses', algorithm => 'ridge', hyperparams => '{"alpha": 1e9}', automatic_deploy => false);
CREATE TEMP TABLE p AS SELECT pgml.predict('cache_houses', ARRAY[1, 40]) AS linear;
SELECT round(linear::numeric, 1) AS linear FROM p;

-- Another session deploys the (very different) ridge model and rolls back: nothing changes here.
SELECT dblink_exec('other', 'BEGIN');
SELECT * FROM dblink('other', $$SELECT algorithm FROM pgml.deploy('cache_houses', 'most_recent')$$) AS t(algorithm text);
SELECT dblink_exec('other', 'ROLLBACK');
SELECT pgml.predict('cache_houses', ARRAY[1, 40]) = linear AS unchanged_after_rollback FROM p;

-- Now it commits: this session's next predict uses the ridge model.
SELECT * FROM dblink('other', $$SELECT algorithm FROM pgml.deploy('cache_houses', 'most_recent')$$) AS t(algorithm text);
SELECT abs(pgml.predict('cache_houses', ARRAY[1, 40]) - linear) > 10 AS switched_to_ridge FROM p;

-- A deployment written with plain SQL is seen too.
SELECT dblink_exec('other', $$INSERT INTO pgml.deployments (project_id, model_id, strategy)
    SELECT m.project_id, min(m.id), 'specific' FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
    WHERE p.name = 'cache_houses' GROUP BY m.project_id$$);
SELECT pgml.predict('cache_houses', ARRAY[1, 40]) = linear AS back_to_linear FROM p;

-- Deleting the project elsewhere: this session's next predict says so.
SELECT dblink_exec('other', $$DELETE FROM pgml.projects WHERE name = 'cache_houses'$$);
SELECT pgml.predict('cache_houses', ARRAY[1, 40]);

SELECT dblink_disconnect('other');
DROP TABLE cache_houses;
DELETE FROM pgml.snapshots;
DROP EXTENSION dblink;
