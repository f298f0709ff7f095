-- pgml registry schema.
--
-- Table, column, view and enum names follow PostgresML 2.x, so its users' SQL and tools keep
-- working. This file is part of the extension's install script (pgrx `extension_sql_file!`,
-- run before any function is created). Once a version is released, changes go into an
-- upgrade script `pgml--<from>--<to>.sql`, never into this file alone.
--
-- Enum values must match crates/pgml-core/src/registry.rs (a unit test checks).

---
--- Enums
---
CREATE TYPE pgml.task AS ENUM (
    'regression', 'classification', 'decomposition', 'clustering', 'question_answering',
    'summarization', 'translation', 'text_classification', 'text_generation', 'text2text',
    'embedding', 'text_pair_classification', 'conversation'
);

CREATE TYPE pgml.algorithm AS ENUM (
    'linear', 'xgboost', 'xgboost_random_forest', 'svm', 'lasso', 'elastic_net', 'ridge',
    'kmeans', 'dbscan', 'knn', 'random_forest', 'least_angle', 'lasso_least_angle',
    'orthogonal_matching_pursuit', 'bayesian_ridge', 'automatic_relevance_determination',
    'stochastic_gradient_descent', 'perceptron', 'passive_aggressive', 'ransac', 'theil_sen',
    'huber', 'quantile', 'kernel_ridge', 'gaussian_process', 'nu_svm', 'ada_boost', 'bagging',
    'extra_trees', 'gradient_boosting_trees', 'hist_gradient_boosting', 'linear_svm',
    'lightgbm', 'affinity_propagation', 'birch', 'feature_agglomeration', 'mini_batch_kmeans',
    'mean_shift', 'optics', 'spectral', 'spectral_bi', 'spectral_co', 'catboost', 'pca',
    'agglomerative', 'decision_tree', 'naive_bayes'
);

CREATE TYPE pgml.sampling AS ENUM ('random', 'last', 'stratified');

CREATE TYPE pgml.strategy AS ENUM ('new_score', 'best_score', 'most_recent', 'rollback', 'specific');

CREATE TYPE pgml.search AS ENUM ('grid', 'random');

CREATE TYPE pgml.runtime AS ENUM ('python', 'rust', 'openai');

CREATE TYPE pgml.status AS ENUM ('in_progress', 'successful', 'failed');

---
--- updated_at bookkeeping
---
CREATE FUNCTION pgml.set_updated_at() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END;
$$;

-- PostgresML's helper: (re)creates the updated_at trigger <table>_auto_updated_at on a table.
CREATE FUNCTION pgml.auto_updated_at(tbl regclass) RETURNS VOID
LANGUAGE plpgsql AS $$
    DECLARE name_parts TEXT[];
    DECLARE name TEXT;
BEGIN
    name_parts := string_to_array(tbl::TEXT, '.');
    name := name_parts[array_upper(name_parts, 1)];

    EXECUTE format('DROP TRIGGER IF EXISTS %s_auto_updated_at ON %s', name, tbl);
    EXECUTE format('CREATE TRIGGER %s_auto_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE pgml.set_updated_at()', name, tbl);
END;
$$;

---
--- Projects organize work: one task per project, fixed by the first train.
---
CREATE TABLE pgml.projects (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    task       pgml.task NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX projects_name_idx ON pgml.projects (name);
CREATE TRIGGER projects_auto_updated_at BEFORE UPDATE ON pgml.projects
    FOR EACH ROW EXECUTE FUNCTION pgml.set_updated_at();

---
--- Snapshots freeze the data a model was trained on.
---
CREATE TABLE pgml.snapshots (
    id            BIGSERIAL PRIMARY KEY,
    relation_name TEXT NOT NULL,
    y_column_name TEXT[],
    test_size     FLOAT4 NOT NULL,
    test_sampling pgml.sampling NOT NULL,
    status        TEXT NOT NULL,
    columns       JSONB,
    analysis      JSONB,
    created_at    TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    updated_at    TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    materialized  BOOLEAN DEFAULT false
);
CREATE TRIGGER snapshots_auto_updated_at BEFORE UPDATE ON pgml.snapshots
    FOR EACH ROW EXECUTE FUNCTION pgml.set_updated_at();

---
--- Models hold what was learned, with their hyper-parameters and metrics.
---
CREATE TABLE pgml.models (
    id            BIGSERIAL PRIMARY KEY,
    project_id    BIGINT NOT NULL,
    snapshot_id   BIGINT,
    num_features  INT NOT NULL,
    algorithm     TEXT NOT NULL,
    runtime       pgml.runtime DEFAULT 'rust'::pgml.runtime,
    hyperparams   JSONB NOT NULL,
    status        TEXT NOT NULL,
    metrics       JSONB,
    search        TEXT,
    search_params JSONB NOT NULL,
    search_args   JSONB NOT NULL,
    created_at    TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    updated_at    TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT project_id_fk FOREIGN KEY (project_id) REFERENCES pgml.projects (id) ON DELETE CASCADE,
    CONSTRAINT snapshot_id_fk FOREIGN KEY (snapshot_id) REFERENCES pgml.snapshots (id) ON DELETE SET NULL
);
CREATE INDEX models_project_id_idx ON pgml.models (project_id);
CREATE INDEX models_snapshot_id_idx ON pgml.models (snapshot_id);
CREATE TRIGGER models_auto_updated_at BEFORE UPDATE ON pgml.models
    FOR EACH ROW EXECUTE FUNCTION pgml.set_updated_at();

---
--- Deployments decide which model of a project is live: the newest row wins.
---
CREATE TABLE pgml.deployments (
    id         BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL,
    model_id   BIGINT NOT NULL,
    strategy   pgml.strategy NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT project_id_fk FOREIGN KEY (project_id) REFERENCES pgml.projects (id) ON DELETE CASCADE,
    CONSTRAINT model_id_fk FOREIGN KEY (model_id) REFERENCES pgml.models (id) ON DELETE CASCADE
);
CREATE INDEX deployments_project_id_created_at_idx ON pgml.deployments (project_id);
CREATE INDEX deployments_model_id_created_at_idx ON pgml.deployments (model_id);

---
--- Files store serialized models, in parts, so they replicate with the database.
---
CREATE TABLE pgml.files (
    id         BIGSERIAL PRIMARY KEY,
    model_id   BIGINT NOT NULL,
    path       TEXT NOT NULL,
    part       INTEGER NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    data       BYTEA NOT NULL,
    CONSTRAINT model_id_fk FOREIGN KEY (model_id) REFERENCES pgml.models (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX files_model_id_path_part_idx ON pgml.files (model_id, path, part);
CREATE TRIGGER files_auto_updated_at BEFORE UPDATE ON pgml.files
    FOR EACH ROW EXECUTE FUNCTION pgml.set_updated_at();

---
--- Logs: PostgresML's table for training logs (its fine-tuning writes them; pgml keeps the
--- table so PostgresML's SQL and dumps that name it work).
---
CREATE TABLE pgml.logs (
    id         SERIAL PRIMARY KEY,
    model_id   BIGINT,
    project_id BIGINT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    logs       JSONB
);

---
--- Views
---
CREATE VIEW pgml.overview AS
SELECT
    p.name,
    d.created_at AS deployed_at,
    p.task,
    m.algorithm,
    m.runtime,
    s.relation_name,
    s.y_column_name,
    s.test_sampling,
    s.test_size
FROM pgml.projects p
INNER JOIN pgml.models m ON p.id = m.project_id
INNER JOIN pgml.deployments d ON d.project_id = p.id AND d.model_id = m.id
INNER JOIN pgml.snapshots s ON s.id = m.snapshot_id
ORDER BY d.created_at DESC;

CREATE VIEW pgml.trained_models AS
SELECT
    m.id,
    p.name,
    p.task,
    m.algorithm,
    m.runtime,
    m.created_at,
    s.test_sampling,
    s.test_size,
    d.model_id IS NOT NULL AS deployed
FROM pgml.projects p
INNER JOIN pgml.models m ON p.id = m.project_id
INNER JOIN pgml.snapshots s ON s.id = m.snapshot_id
LEFT JOIN (
    SELECT DISTINCT ON (project_id) project_id, model_id, created_at
    FROM pgml.deployments
    ORDER BY project_id, created_at DESC, id DESC
) d ON d.model_id = m.id
ORDER BY m.created_at DESC;

CREATE VIEW pgml.deployed_models AS
SELECT
    m.id,
    p.name,
    p.task,
    m.algorithm,
    m.runtime,
    d.created_at AS deployed_at
FROM pgml.projects p
INNER JOIN (
    SELECT DISTINCT ON (project_id) project_id, model_id, created_at
    FROM pgml.deployments
    ORDER BY project_id, created_at DESC, id DESC
) d ON d.project_id = p.id
INNER JOIN pgml.models m ON m.id = d.model_id
ORDER BY p.name ASC;

---
--- pg_dump: registry rows are user data (trained models!), so dumps must carry them even
--- though the tables belong to the extension.
---
SELECT pg_catalog.pg_extension_config_dump('pgml.projects', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.projects_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.snapshots_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.models', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.deployments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.files', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.files_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.logs', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.logs_id_seq', '');
