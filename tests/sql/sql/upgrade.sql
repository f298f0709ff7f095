-- Every released version upgrades to the current one, and the result has exactly the objects of
-- a fresh install. (Released install scripts: crates/pgml/sql/released; upgrades: crates/pgml/sql.)
DROP EXTENSION IF EXISTS pgml CASCADE;
CREATE EXTENSION pgml VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'pgml';
SELECT pgml.version() = (SELECT default_version FROM pg_available_extensions WHERE name = 'pgml') AS library_is_current;

-- Registry rows written under 0.1.0 survive the upgrade.
INSERT INTO pgml.projects (name, task) VALUES ('made_by_0_1_0', 'regression');
ALTER EXTENSION pgml UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'pgml') AS updated_to_default
FROM pg_extension WHERE extname = 'pgml';
SELECT name, task FROM pgml.projects;

CREATE TEMP TABLE upgraded AS
SELECT 'function' AS kind, p.oid::regprocedure::text AS object,
       pg_get_function_result(p.oid) AS detail, p.provolatile::text || p.proparallel::text || p.proisstrict::text AS flags
FROM pg_proc p WHERE p.pronamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'relation', c.relname, c.relkind::text, '' FROM pg_class c WHERE c.relnamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'type', t.typname, '', '' FROM pg_type t WHERE t.typnamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'dump', unnest(extconfig)::regclass::text, '', '' FROM pg_extension WHERE extname = 'pgml';

DELETE FROM pgml.projects;
DROP EXTENSION pgml;
CREATE EXTENSION pgml;
CREATE TEMP TABLE fresh AS
SELECT 'function' AS kind, p.oid::regprocedure::text AS object,
       pg_get_function_result(p.oid) AS detail, p.provolatile::text || p.proparallel::text || p.proisstrict::text AS flags
FROM pg_proc p WHERE p.pronamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'relation', c.relname, c.relkind::text, '' FROM pg_class c WHERE c.relnamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'type', t.typname, '', '' FROM pg_type t WHERE t.typnamespace = 'pgml'::regnamespace
UNION ALL
SELECT 'dump', unnest(extconfig)::regclass::text, '', '' FROM pg_extension WHERE extname = 'pgml';

-- Both differences must be empty.
(SELECT 'only after upgrade' AS side, * FROM upgraded EXCEPT SELECT 'only after upgrade', * FROM fresh)
UNION ALL
(SELECT 'only in fresh install', * FROM fresh EXCEPT SELECT 'only in fresh install', * FROM upgraded)
ORDER BY 1, 2, 3;
SELECT count(*) > 20 AS compared_something FROM fresh;
