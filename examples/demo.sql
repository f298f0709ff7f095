-- The demo run by `./dev run`: tabular training and prediction, embeddings, text generation and
-- retrieval-augmented generation, all inside this backend from local model files.
\pset footer off

\echo
\echo '== pgml extension'
SELECT pgml.version() AS pgml_version, current_setting('server_version') AS postgres_version;

\echo '== registry: PostgresML 2.x tables and views'
SELECT table_name, table_type FROM information_schema.tables
WHERE table_schema = 'pgml' ORDER BY table_name;

\echo '== tasks a project can have'
SELECT unnest(enum_range(NULL::pgml.task)) AS task;

\echo '== PostgresML quick start, in Rust inside this backend: iris (classification)'
-- Start the demo's projects afresh on every run.
DELETE FROM pgml.projects WHERE name IN ('Iris Flower Types', 'Diabetes Progression', 'Exercise Physiology', 'demo_houses', 'demo_points');
DELETE FROM pgml.snapshots WHERE relation_name IN ('pgml.iris', 'pgml.diabetes', 'pgml.linnerud');
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.train('Iris Flower Types', 'classification', 'pgml.iris', 'target', 'linear');
SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'random_forest', hyperparams => '{"n_estimators": 50}');
SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'xgboost', hyperparams => '{"n_estimators": 50, "max_depth": 3}');
SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'svm');
SELECT * FROM pgml.train('Iris Flower Types', algorithm => 'knn', search => 'grid',
                         search_params => '{"n_neighbors": [1, 3, 5, 9]}');
SELECT m.id, m.algorithm, round((m.metrics->>'f1')::numeric, 3) AS f1,
       round((m.metrics->>'accuracy')::numeric, 3) AS accuracy, t.deployed
FROM pgml.models m JOIN pgml.trained_models t USING (id) WHERE t.name = 'Iris Flower Types' ORDER BY m.id;
SELECT target AS species, pgml.predict('Iris Flower Types', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS predicted,
       pgml.predict_proba('Iris Flower Types', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS probabilities
FROM (SELECT DISTINCT ON (target) * FROM pgml.iris ORDER BY target, petal_width) one_per_species;

\echo '== diabetes (regression)'
SELECT * FROM pgml.load_dataset('diabetes');
SELECT * FROM pgml.train('Diabetes Progression', 'regression', 'pgml.diabetes', 'target', 'linear');
SELECT * FROM pgml.train('Diabetes Progression', algorithm => 'ridge', search => 'grid',
                         search_params => '{"alpha": [0.001, 0.01, 0.1, 1]}');
SELECT * FROM pgml.train('Diabetes Progression', algorithm => 'random_forest', hyperparams => '{"n_estimators": 50, "max_depth": 6}');
SELECT * FROM pgml.train('Diabetes Progression', algorithm => 'lightgbm', hyperparams => '{"n_estimators": 100, "num_leaves": 7, "learning_rate": 0.05}');
SELECT m.id, m.algorithm, m.hyperparams, round((m.metrics->>'r2')::numeric, 3) AS r2, t.deployed
FROM pgml.models m JOIN pgml.trained_models t USING (id) WHERE t.name = 'Diabetes Progression' ORDER BY m.id;
SELECT target AS actual, round(pgml.predict('Diabetes Progression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])::numeric, 1) AS predicted
FROM pgml.diabetes LIMIT 3;

\echo '== multi-target regression: linnerud (three exercises -> weight, waist, pulse)'
SELECT * FROM pgml.load_dataset('linnerud');
SELECT * FROM pgml.train_joint('Exercise Physiology', 'regression', 'pgml.linnerud', ARRAY['weight', 'waist', 'pulse']);
SELECT chins, situps, jumps, ARRAY[weight, waist, pulse] AS actual,
       pgml.predict_joint('Exercise Physiology', ARRAY[chins, situps, jumps]) AS predicted
FROM pgml.linnerud LIMIT 3;

\echo '== deployed models'
SELECT * FROM pgml.deployed_models;

\echo '== local models (pgml.model_path; nothing is downloaded)'
SELECT name, kind, serves, pg_size_pretty(bytes) AS size FROM pgml.models_available();

\echo '== embeddings: all-MiniLM-L6-v2 on candle'
SELECT array_length(e, 1) AS dimensions, e[1:4] AS first_values
FROM pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'PostgreSQL is a powerful, open source object-relational database') AS e;

\echo '== text generation: SmolLM2-135M-Instruct (GGUF) on llama.cpp'
SELECT pgml.transform(
    task   => '{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args   => '{"max_new_tokens": 12}'::jsonb,
    inputs => ARRAY['The capital of France is']
) AS generated;
SELECT pgml.transform(
    task   => '{"task": "conversational", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args   => '{"max_new_tokens": 40}'::jsonb,
    inputs => ARRAY['{"role": "user", "content": "Name three colours of the rainbow."}'::jsonb]
) AS answer;

\echo '== semantic search + RAG: PostgreSQL''s own function descriptions as documents'
DROP TABLE IF EXISTS demo_documents, demo_chunks;
-- A few hundred documents: what each built-in text and math function does (pg_description).
CREATE TABLE demo_documents AS
SELECT p.oid::int AS id, p.proname || '(' || pg_get_function_arguments(p.oid) || '): ' || d.description AS body
FROM pg_proc p JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
  AND p.prorettype IN ('text'::regtype, 'float8'::regtype, 'numeric'::regtype, 'int4'::regtype)
  AND d.description NOT LIKE 'I/O%' AND d.description NOT LIKE '%implementation of%'
ORDER BY p.oid LIMIT 400;
SELECT count(*) AS documents FROM demo_documents;
-- Chunk, then embed every chunk in one batch per document set.
CREATE TABLE demo_chunks AS
SELECT d.id, c.chunk_index, c.chunk
FROM demo_documents d, pgml.chunk('recursive_character', d.body, '{"chunk_size": 200, "chunk_overlap": 20}') c;
ALTER TABLE demo_chunks ADD COLUMN embedding real[];
UPDATE demo_chunks SET embedding = pgml.embed('sentence-transformers/all-MiniLM-L6-v2', chunk);
SELECT count(*) AS chunks FROM demo_chunks;
-- The chunks nearest to a question.
SELECT round(pgml.cosine_similarity(c.embedding, q.e)::numeric, 3) AS similarity, c.chunk
FROM demo_chunks c, (SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'How do I make text upper case?') AS e) q
ORDER BY pgml.cosine_similarity(c.embedding, q.e) DESC LIMIT 3;
-- Retrieval-augmented generation in one query: the nearest chunks become the model's context.
WITH question AS (
    SELECT q AS text, pgml.embed('sentence-transformers/all-MiniLM-L6-v2', q) AS embedding
    FROM (VALUES ('How do I make text upper case?')) AS v(q)
), context AS (
    SELECT string_agg(chunk, E'\n') AS text FROM (
        SELECT c.chunk FROM demo_chunks c, question
        ORDER BY pgml.cosine_similarity(c.embedding, question.embedding) DESC
        LIMIT 3) nearest
)
SELECT pgml.transform(
    task   => '{"task": "conversational", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args   => '{"max_new_tokens": 48}'::jsonb,
    inputs => ARRAY[
        jsonb_build_object('role', 'system', 'content', 'Answer with the name of the PostgreSQL function from the context.'),
        jsonb_build_object('role', 'user', 'content', 'Context:' || E'\n' || context.text || E'\n\nQuestion: ' || question.text)]
) AS answer
FROM question, context;
SELECT kind, name, algorithm AS engine, pg_size_pretty(bytes) AS size, hits, round(load_ms::numeric) AS load_ms
FROM pgml.cached_models() WHERE kind <> 'tabular';
