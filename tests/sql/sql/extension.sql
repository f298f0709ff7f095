-- The extension installs into a fresh database, refuses what it must, and uninstalls cleanly.
CREATE EXTENSION pgml;

SELECT e.extname, n.nspname AS schema, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pgml';

SELECT pgml.version() ~ '^\d+\.\d+\.\d+$' AS version_is_semver,
       pgml.version() = (SELECT extversion FROM pg_extension WHERE extname = 'pgml') AS matches_extversion;

-- pgml.version() is immutable and parallel safe, like PostgresML's.
SELECT provolatile, proparallel FROM pg_proc
WHERE oid = 'pgml.version()'::regprocedure;

-- A second CREATE is an error; IF NOT EXISTS is not.
CREATE EXTENSION pgml;
\echo :LAST_ERROR_SQLSTATE
CREATE EXTENSION IF NOT EXISTS pgml;

-- The schema is fixed: PostgresML's SQL always says pgml.<name>.
ALTER EXTENSION pgml SET SCHEMA public;
\echo :LAST_ERROR_SQLSTATE

-- DROP removes every object it created; CREATE works again afterwards.
DROP EXTENSION pgml;
SELECT count(*) AS pgml_objects_left
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pgml';
SELECT count(*) AS pgml_types_left
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'pgml';
SELECT to_regprocedure('pgml.version()') IS NULL AS version_gone;
CREATE EXTENSION pgml;
SELECT pgml.version() IS NOT NULL AS reinstalled;
