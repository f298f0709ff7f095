-- The registry keeps PostgresML 2.x's tables, columns, views and enums.
CREATE EXTENSION IF NOT EXISTS pgml;

SELECT table_name, table_type
FROM information_schema.tables
WHERE table_schema = 'pgml'
ORDER BY table_name;

SELECT table_name, column_name, data_type, udt_name, is_nullable
FROM information_schema.columns
WHERE table_schema = 'pgml'
  AND table_name IN ('projects', 'snapshots', 'models', 'deployments', 'files')
ORDER BY table_name, ordinal_position;

SELECT enum_range(NULL::pgml.task) AS task;
SELECT enum_range(NULL::pgml.algorithm) AS algorithm;
SELECT enum_range(NULL::pgml.sampling) AS sampling;
SELECT enum_range(NULL::pgml.strategy) AS strategy;
SELECT enum_range(NULL::pgml.search) AS search;
SELECT enum_range(NULL::pgml.runtime) AS runtime;
SELECT enum_range(NULL::pgml.status) AS status;

-- Bad input: values outside an enum are refused with 22P02.
SELECT 'regresion'::pgml.task;
\echo :LAST_ERROR_SQLSTATE
SELECT 'xgboots'::pgml.algorithm;
\echo :LAST_ERROR_SQLSTATE

-- A project, snapshot, model and deployment, written the way PostgresML's tools write them,
-- show up in the views.
INSERT INTO pgml.projects (name, task) VALUES ('regress_project', 'regression');
INSERT INTO pgml.snapshots (relation_name, y_column_name, test_size, test_sampling, status)
VALUES ('public.houses', ARRAY['price'], 0.25, 'random', 'successful');
INSERT INTO pgml.models (project_id, snapshot_id, num_features, algorithm, hyperparams,
                         status, search_params, search_args, metrics)
SELECT p.id, s.id, 3, 'linear', '{}', 'successful', '{}', '{}', '{"r2": 0.9}'
FROM pgml.projects p, pgml.snapshots s WHERE p.name = 'regress_project';
INSERT INTO pgml.deployments (project_id, model_id, strategy)
SELECT project_id, id, 'most_recent' FROM pgml.models;

SELECT name, task, algorithm, runtime, relation_name, y_column_name, test_sampling, test_size
FROM pgml.overview;
SELECT name, task, algorithm, runtime, test_sampling, test_size, deployed FROM pgml.trained_models;
SELECT name, task, algorithm, runtime FROM pgml.deployed_models;

-- Project names are unique.
INSERT INTO pgml.projects (name, task) VALUES ('regress_project', 'classification');
\echo :LAST_ERROR_SQLSTATE

-- A model must belong to an existing project.
INSERT INTO pgml.models (project_id, num_features, algorithm, hyperparams, status, search_params, search_args)
VALUES (-1, 1, 'linear', '{}', 'successful', '{}', '{}');
\echo :LAST_ERROR_SQLSTATE

-- updated_at follows changes.
UPDATE pgml.projects SET name = 'regress_project_renamed' WHERE name = 'regress_project';
SELECT updated_at > created_at AS updated_at_moved FROM pgml.projects;

-- Deleting a project removes its models and deployments; its snapshot stays.
DELETE FROM pgml.projects;
SELECT (SELECT count(*) FROM pgml.models) AS models,
       (SELECT count(*) FROM pgml.deployments) AS deployments,
       (SELECT count(*) FROM pgml.snapshots) AS snapshots;
DELETE FROM pgml.snapshots;
