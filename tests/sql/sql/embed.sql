-- pgml.embed: sentence embeddings from the local all-MiniLM-L6-v2 folder (installed by the
-- set-up command), computed in this backend by candle. pgml-nlp's tests compare the vectors
-- with sentence-transformers'; here: the SQL surface, the cache and the errors.
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT name, kind, serves, bytes > 1000000 AS has_weights
FROM pgml.models_available() ORDER BY name;

SELECT array_length(pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'PostgreSQL is a database'), 1) AS dims;
-- normalised (the model's Normalize module): unit length
SELECT round(sqrt(sum(x::float8 * x))::numeric, 4) AS norm
FROM unnest(pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'PostgreSQL is a database')) AS x;
SELECT round(sqrt(sum(x::float8 * x))::numeric, 4) <> 1 AS unnormalised_when_asked
FROM unnest(pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'PostgreSQL is a database', '{"normalize": false}')) AS x;
-- deterministic, and the batch overload gives the same vectors, in input order
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'a cat sat on the mat')
     = pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'a cat sat on the mat') AS deterministic;
WITH batch AS (
    SELECT row_number() OVER () AS i, e
    FROM pgml.embed('sentence-transformers/all-MiniLM-L6-v2', ARRAY['first sentence', 'the second one is longer than the first', '']) AS e
)
SELECT i, array_length(e, 1) AS dims,
       pgml.cosine_similarity(e, pgml.embed('sentence-transformers/all-MiniLM-L6-v2', (ARRAY['first sentence', 'the second one is longer than the first', ''])[i])) > 0.99999 AS same_as_single
FROM batch ORDER BY i;
-- similar sentences are closer than unrelated ones
WITH v AS (
    SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'How do I bake bread?') AS q,
           pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'A recipe for baking a loaf of bread') AS near,
           pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'The stock market fell sharply today') AS far
)
SELECT pgml.cosine_similarity(q, near) > pgml.cosine_similarity(q, far) + 0.3 AS nearer FROM v;
-- a prompt prefix changes the vector
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'bread', '{"prompt": "query: "}')
    <> pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'bread') AS prompt_applied;
-- a long input is truncated to the model's 256 tokens, not rejected
SELECT array_length(pgml.embed('sentence-transformers/all-MiniLM-L6-v2', repeat('lorem ipsum dolor ', 60000)), 1) AS one_mb_input;
-- IMMUTABLE, so it can fill a generated column
CREATE TABLE embed_docs (body text, embedding real[] GENERATED ALWAYS AS (pgml.embed('sentence-transformers/all-MiniLM-L6-v2', body)) STORED);
INSERT INTO embed_docs VALUES ('generated columns work');
SELECT array_length(embedding, 1) FROM embed_docs;
DROP TABLE embed_docs;

-- loaded once per backend, shown by pgml.cached_models()
SELECT kind, name, algorithm, bytes > 1000000 AS sized, hits > 1 AS reused, load_ms > 0 AS timed
FROM pgml.cached_models() WHERE kind <> 'tabular';
SELECT pgml.clear_cache() >= 1 AS cleared;
SELECT count(*) FROM pgml.cached_models();

-- pgml.embedding_precision: auto (16-bit integer dense layers on AVX2 CPUs) or float32; the
-- two agree within 1e-4 cosine, and each is cached on its own. Expects an AVX2 CPU, as the
-- build does (.cargo/config.toml: target-cpu=native on the project's x86-64-v3 machines).
CREATE TEMP TABLE precisions AS
SELECT current_setting('pgml.embedding_precision') AS precision,
       pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'The quick brown fox jumps over the lazy dog') AS e;
SET pgml.embedding_precision = float32;
INSERT INTO precisions
SELECT current_setting('pgml.embedding_precision'),
       pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'The quick brown fox jumps over the lazy dog');
SELECT a.precision, b.precision, pgml.cosine_similarity(a.e, b.e) > 0.9999 AS agree, a.e <> b.e AS differ
FROM precisions a JOIN precisions b ON a.precision = 'auto' AND b.precision = 'float32';
SELECT algorithm, bytes FROM pgml.cached_models() WHERE kind = 'embedding' ORDER BY algorithm;
SET pgml.embedding_precision = int8;
RESET pgml.embedding_precision;
DROP TABLE precisions;

-- bad input
\set VERBOSITY default
SELECT pgml.embed('nobody/no-such-model', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('../../etc', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('HuggingFaceTB/SmolLM2-135M-Instruct', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'x', '{"normalise": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'x', '{"normalize": "yes"}');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'x', '[1]');
\echo :LAST_ERROR_SQLSTATE
-- devices: an unknown one is 22023; a GPU in a build without the cuda feature (as CI builds
-- it) is 0A000 with a hint, never a silent fall-back to the CPU; "cpu" is the default
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'x', '{"device": "tpu"}');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'x', '{"device": "cuda"}');
\echo :LAST_ERROR_SQLSTATE
SELECT array_length(pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'x', '{"device": "cpu"}'), 1) AS on_cpu;
SELECT count(*) FROM pgml.embed('sentence-transformers/all-MiniLM-L6-v2', ARRAY['a', NULL, 'b']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', NULL::text) IS NULL AS strict;
SELECT count(*) FROM pgml.embed('sentence-transformers/all-MiniLM-L6-v2', ARRAY[]::text[]) AS no_inputs;
-- a model folder with missing or damaged files
\! rm -rf /tmp/pgml-broken-models && mkdir -p /tmp/pgml-broken-models/no-tokenizer /tmp/pgml-broken-models/bad-weights && cp /var/cache/pgml/models/sentence-transformers/all-MiniLM-L6-v2/config.json /var/cache/pgml/models/sentence-transformers/all-MiniLM-L6-v2/model.safetensors /tmp/pgml-broken-models/no-tokenizer/ && cp /var/cache/pgml/models/sentence-transformers/all-MiniLM-L6-v2/config.json /var/cache/pgml/models/sentence-transformers/all-MiniLM-L6-v2/tokenizer.json /tmp/pgml-broken-models/bad-weights/ && head -c 1000 /var/cache/pgml/models/sentence-transformers/all-MiniLM-L6-v2/model.safetensors > /tmp/pgml-broken-models/bad-weights/model.safetensors && chmod -R a+rX /tmp/pgml-broken-models
SET pgml.model_path = '/tmp/pgml-broken-models';
SELECT name FROM pgml.models_available() ORDER BY name;
SELECT pgml.embed('no-tokenizer', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.embed('bad-weights', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET pgml.model_path;
\! rm -rf /tmp/pgml-broken-models
-- Naming a model by absolute path (any file the server can read) is for superusers and
-- members of pg_read_server_files; other users name models below pgml.model_path.
CREATE ROLE pgml_plain_user;
GRANT USAGE ON SCHEMA pgml TO pgml_plain_user;
SET ROLE pgml_plain_user;
\set VERBOSITY sqlstate
SELECT pgml.embed(current_setting('pgml.model_path') || '/sentence-transformers/all-MiniLM-L6-v2', 'hello');
\set VERBOSITY default
SELECT array_length(pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'hello'), 1) AS dims;
RESET ROLE;
SELECT array_length(pgml.embed(current_setting('pgml.model_path') || '/sentence-transformers/all-MiniLM-L6-v2', 'hello'), 1) AS superuser_dims;
REVOKE USAGE ON SCHEMA pgml FROM pgml_plain_user;
DROP ROLE pgml_plain_user;
