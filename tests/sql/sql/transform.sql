-- pgml.transform / pgml.transform_stream: text generation with the local SmolLM2-135M-Instruct
-- GGUF (installed by the set-up command), by llama.cpp inside this backend. Greedy decoding is
-- deterministic for a fixed thread count.
CREATE EXTENSION IF NOT EXISTS pgml;
SET pgml.generation_threads = 1;

-- plain text: continued as is, output shaped like Hugging Face's pipeline (prompt included
-- unless return_full_text is false)
SELECT pgml.transform(
    task => '{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args => '{"max_new_tokens": 8}'::jsonb,
    inputs => ARRAY['The capital of France is', 'One, two, three,']
) AS generated;
SELECT pgml.transform(
    task => '{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args => '{"max_new_tokens": 8, "return_full_text": false}'::jsonb,
    inputs => ARRAY['The capital of France is']
) AS generated;
-- the task by name uses pgml.default_text_generation_model
SHOW pgml.default_text_generation_model;
SELECT pgml.transform('text-generation', '{"max_new_tokens": 8}', ARRAY['The capital of France is'])
     = pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{"max_new_tokens": 8}', ARRAY['The capital of France is']) AS same_model;
-- stop sequences end the answer before them
SELECT pgml.transform(
    task => '{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args => '{"max_new_tokens": 30, "stop": [","], "return_full_text": false}'::jsonb,
    inputs => ARRAY['One, two, three,']
) AS stopped;
-- placement: "device" / "device_map" as Hugging Face's pipelines take them; on this build (no
-- cuda feature) "auto" and "cpu" mean the CPU, with the same greedy answer
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device_map": "auto"}', '{"max_new_tokens": 8}', ARRAY['The capital of France is'])
     = pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device": "cpu"}', '{"max_new_tokens": 8}', ARRAY['The capital of France is'])
   AND pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device": -1}', '{"max_new_tokens": 8}', ARRAY['The capital of France is'])
     = pgml.transform('text-generation', '{"max_new_tokens": 8}', ARRAY['The capital of France is']) AS same_on_the_cpu;
SELECT name, algorithm AS engine FROM pgml.cached_models() WHERE kind = 'text-generation';
-- sampling with a seed is reproducible
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                      '{"max_new_tokens": 12, "temperature": 0.8, "top_p": 0.9, "top_k": 40, "seed": 42}', ARRAY['Once upon a time'])
     = pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                      '{"max_new_tokens": 12, "temperature": 0.8, "top_p": 0.9, "top_k": 40, "seed": 42}', ARRAY['Once upon a time']) AS reproducible;

-- num_return_sequences: one list entry per answer, each sampled with seed + i (so they differ,
-- and the first equals the single answer with the same seed); greedy decoding has only one.
WITH r AS (
    SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                          '{"max_new_tokens": 12, "do_sample": true, "seed": 42, "num_return_sequences": 3}',
                          ARRAY['Once upon a time', 'The sea']) AS j)
SELECT jsonb_array_length(j) AS inputs, jsonb_array_length(j->0) AS answers_first, jsonb_array_length(j->1) AS answers_second,
       (SELECT count(DISTINCT a->>'generated_text') FROM jsonb_array_elements(j->0) a) AS distinct_first,
       j->0->0 = pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                                '{"max_new_tokens": 12, "do_sample": true, "seed": 42}', ARRAY['Once upon a time'])->0->0 AS first_is_seed_42
FROM r;
SELECT pgml.transform('text-generation', '{"num_return_sequences": 2}', ARRAY['Hello']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.transform_stream('text-generation', '{"num_return_sequences": 2, "do_sample": true}', 'Hello');
\echo :LAST_ERROR_SQLSTATE

-- chat messages: the model's own chat template (from its GGUF metadata), the answer only
SELECT pgml.transform(
    task => '{"task": "conversational", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args => '{"max_new_tokens": 16}'::jsonb,
    inputs => ARRAY['{"role": "system", "content": "You answer in one word."}'::jsonb,
                    '{"role": "user", "content": "What is the capital of France?"}'::jsonb]
) AS answer;
-- several sampled answers to one conversation: one string each
SELECT jsonb_array_length(pgml.transform(
    task => '{"task": "conversational", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}'::jsonb,
    args => '{"max_new_tokens": 6, "do_sample": true, "seed": 3, "num_return_sequences": 2}'::jsonb,
    inputs => ARRAY['{"role": "user", "content": "Name a colour."}'::jsonb]
)) AS chat_answers;

-- streaming: one row per piece, the same text as the whole answer
SELECT string_agg(piece->>0, '') = (pgml.transform(
           '{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
           '{"max_new_tokens": 10, "return_full_text": false}', ARRAY['The capital of France is'])->0->0->>'generated_text') AS same_text,
       count(*) > 1 AS several_rows
FROM pgml.transform_stream('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                           '{"max_new_tokens": 10}', 'The capital of France is') AS piece;
-- through a cursor, each FETCH generates the next piece
BEGIN;
DECLARE answer CURSOR FOR
SELECT pgml.transform_stream('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                             '{"max_new_tokens": 5}', 'The capital of France is');
FETCH 2 FROM answer;
FETCH ALL FROM answer;
COMMIT;
SELECT count(*) AS chat_pieces FROM pgml.transform_stream(
    '{"task": "conversational", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{"max_new_tokens": 4}',
    ARRAY['{"role": "user", "content": "Hi"}'::jsonb]);

SELECT kind, name, algorithm, bytes > 50000000 AS sized, hits > 1 AS reused
FROM pgml.cached_models() WHERE kind <> 'tabular';

-- bad input
\set VERBOSITY default
SELECT pgml.transform('{"task": "summarization", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "nobody/nothing"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "sentence-transformers/all-MiniLM-L6-v2"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "modle": "x"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device": "cuda"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device_map": "cuda:1"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device": "tpu"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct", "device": 1.5}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{"max_new_tokens": 0}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{"temperature": "hot"}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{"max_length": 5}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{}', ARRAY['']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{}', ARRAY['a', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "conversational", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{}', ARRAY['{"role": "user"}'::jsonb]);
\echo :LAST_ERROR_SQLSTATE
-- a prompt longer than the model's context window (8192 tokens): a clear error, not a crash
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}', '{}', ARRAY[repeat('lorem ipsum ', 90000)]);
\echo :LAST_ERROR_SQLSTATE
-- max_new_tokens beyond the context window is clamped to what fits (documented)
SELECT length(pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                             '{"max_new_tokens": 1000000000, "stop": ["."], "return_full_text": false}', ARRAY['The capital of France is'])->0->0->>'generated_text') > 0 AS clamped;
-- cancel: a long generation stops promptly at statement_timeout (checked between tokens)
SET statement_timeout = '300ms';
SELECT pgml.transform('{"task": "text-generation", "model": "HuggingFaceTB/SmolLM2-135M-Instruct"}',
                      '{"max_new_tokens": 5000, "do_sample": true, "seed": 1}', ARRAY['Write a very long story:']);
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
-- a corrupt GGUF file
\! rm -rf /tmp/pgml-broken-gguf && mkdir -p /tmp/pgml-broken-gguf/truncated && head -c 100000 /var/cache/pgml/models/HuggingFaceTB/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf > /tmp/pgml-broken-gguf/truncated/model.gguf && printf 'not a gguf' > /tmp/pgml-broken-gguf/text.gguf && chmod -R a+rX /tmp/pgml-broken-gguf
SET pgml.model_path = '/tmp/pgml-broken-gguf';
SELECT pgml.transform('{"task": "text-generation", "model": "truncated"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.transform('{"task": "text-generation", "model": "text.gguf"}', '{}', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
RESET pgml.model_path;
\! rm -rf /tmp/pgml-broken-gguf
SELECT 'backend still alive' AS status;
