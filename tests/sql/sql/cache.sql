-- Each backend caches deserialised models; pgml.model_cache_size bounds them (LRU), and
-- pgml.cached_models() / pgml.clear_cache() show and empty the cache.
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT pgml.version() IS NOT NULL AS loaded; -- the setting exists once the library is loaded
SHOW pgml.model_cache_size;
CREATE TABLE cache_small AS
SELECT i::real AS x, (2 * i + 1)::float8 AS y FROM generate_series(1, 50) AS i;
CREATE TABLE cache_big AS
SELECT (i % 97)::real AS a, (i % 89)::real AS b, (i % 83)::real AS c, (i * 7 % 101)::float8 AS y
FROM generate_series(1, 3000) AS i;
SELECT deployed FROM pgml.train('cache_small', 'regression', 'cache_small', 'y');
SELECT deployed FROM pgml.train('cache_big', 'regression', 'cache_big', 'y', 'random_forest', '{"n_estimators": 40, "random_state": 1}');
SELECT octet_length(data) > 1024 * 1024 AS big_model_over_1mb
FROM pgml.files f JOIN pgml.models m ON m.id = f.model_id WHERE m.algorithm = 'random_forest';

SELECT pgml.clear_cache() >= 0 AS cleared;
SELECT pgml.predict('cache_small', ARRAY[1]) IS NOT NULL, pgml.predict('cache_small', ARRAY[2]) IS NOT NULL;
SELECT pgml.predict('cache_big', ARRAY[1, 2, 3]) IS NOT NULL;
SELECT project, algorithm, bytes > 0 AS sized, hits FROM pgml.cached_models();

-- With a 1 MB bound, loading the big forest again evicts the least recently used model.
SET pgml.model_cache_size = '1MB';
SELECT pgml.clear_cache();
SELECT pgml.predict('cache_small', ARRAY[1]) IS NOT NULL;
SELECT pgml.predict('cache_big', ARRAY[1, 2, 3]) IS NOT NULL;
SELECT project, algorithm FROM pgml.cached_models();
SELECT pgml.predict('cache_small', ARRAY[1]) IS NOT NULL;
SELECT project, algorithm FROM pgml.cached_models();
RESET pgml.model_cache_size;

SET pgml.model_cache_size = 0;
\echo :LAST_ERROR_SQLSTATE

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DROP TABLE cache_small, cache_big;
