-- Every released version upgrades to the current one, and the result has exactly the objects of
-- a fresh install. Released install scripts: crates/pgml/sql/released; upgrades: crates/pgml/sql.
SELECT pgml.version() = (SELECT default_version FROM pg_available_extensions WHERE name = 'pgml') AS library_is_current;
\set from 0.1.0
\ir include/upgrade_from.psql
\set from 0.2.0
\ir include/upgrade_from.psql
\set from 0.3.0
\ir include/upgrade_from.psql
\set from 0.4.0
\ir include/upgrade_from.psql
\set from 0.5.0
\ir include/upgrade_from.psql
