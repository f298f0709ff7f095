-- The demo run by `./dev run`. Later features (train/predict, embed, generate) extend it.
\pset footer off

\echo
\echo '== pgml extension'
SELECT pgml.version() AS pgml_version, current_setting('server_version') AS postgres_version;

\echo '== registry: PostgresML 2.x tables and views'
SELECT table_name, table_type FROM information_schema.tables
WHERE table_schema = 'pgml' ORDER BY table_name;

\echo '== tasks a project can have'
SELECT unnest(enum_range(NULL::pgml.task)) AS task;

\echo '== deployed models'
SELECT * FROM pgml.deployed_models;
