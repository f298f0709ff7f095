-- pgml.chunk(splitter, text, kwargs): PostgresML's LangChain text splitters, ported to Rust.
-- crates/pgml-nlp/tests/chunk_reference.rs compares them with LangChain's own output; this
-- checks the SQL surface: signature, rows, kwargs, errors.
CREATE EXTENSION IF NOT EXISTS pgml;

SELECT pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS result,
       p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p WHERE p.pronamespace = 'pgml'::regnamespace AND p.proname = 'chunk';

-- LangChain's defaults (chunk_size 4000, chunk_overlap 200): a short text is one chunk.
SELECT * FROM pgml.chunk('recursive_character', 'Hello world.');
SELECT * FROM pgml.chunk('character', E'one\n\ntwo\n\nthree', '{"chunk_size": 5, "chunk_overlap": 0}');
SELECT * FROM pgml.chunk('character', E'one\n\ntwo\n\nthree', '{"chunk_size": 10, "chunk_overlap": 0}');
SELECT * FROM pgml.chunk('recursive_character', 'The quick brown fox jumps over the lazy dog',
                         '{"chunk_size": 15, "chunk_overlap": 5}');
-- PostgresML's argument names.
SELECT count(*) FROM pgml.chunk(splitter => 'recursive_character', text => repeat('word ', 1000),
                                kwargs => '{"chunk_size": 100, "chunk_overlap": 20}');

-- The language splitters.
SELECT * FROM pgml.chunk('markdown', E'# Title\n\nSome text.\n\n```python\nprint(1)\n```\nMore text after the code block.',
                         '{"chunk_size": 30, "chunk_overlap": 0}');
SELECT * FROM pgml.chunk('python', E'import os\n\nclass A:\n    def f(self):\n        return 1\n\ndef g():\n    return 2\n',
                         '{"chunk_size": 40, "chunk_overlap": 0}');
SELECT * FROM pgml.chunk('latex', E'Intro text with $x^2$ math.\n\\section{Methods}\nWe integrate $$f(x)$$ here.',
                         '{"chunk_size": 30, "chunk_overlap": 0}');
-- With is_separator_regex, LangChain's markdown separators are regular expressions.
SELECT * FROM pgml.chunk('markdown', E'# One\nfirst section\n## Two\nsecond section',
                         '{"chunk_size": 20, "chunk_overlap": 0, "is_separator_regex": true}');

-- keep_separator, strip_whitespace, separator(s), regex separators.
SELECT * FROM pgml.chunk('character', 'a. b. c. d', '{"separator": ". ", "chunk_size": 4, "chunk_overlap": 0, "keep_separator": "end"}');
SELECT * FROM pgml.chunk('character', 'a. b. c. d', '{"separator": ". ", "chunk_size": 4, "chunk_overlap": 0, "keep_separator": true}');
SELECT chunk_index, quote_literal(chunk) FROM pgml.chunk('character', ' a | b ', '{"separator": "|", "chunk_size": 3, "chunk_overlap": 0, "strip_whitespace": false}');
SELECT * FROM pgml.chunk('recursive_character', 'one,two;three,four', '{"separators": [";", ","], "chunk_size": 9, "chunk_overlap": 0}');
SELECT * FROM pgml.chunk('character', 'First one. Second one! Third?', '{"separator": "(?<=[.!?]) ", "is_separator_regex": true, "chunk_size": 12, "chunk_overlap": 0}');

-- Lengths are characters (code points), not bytes; multi-byte text is never cut inside a character.
SELECT chunk_index, chunk, length(chunk) AS characters, octet_length(chunk) AS bytes
FROM pgml.chunk('recursive_character', 'Grüße 日本語のテキスト 🙂🙂🙂🙂', '{"chunk_size": 6, "chunk_overlap": 0}');

-- A piece that cannot be split further stays whole, longer than chunk_size (as in LangChain).
SELECT * FROM pgml.chunk('character', E'tiny\n\nthisparagraphislongerthanthechunksize\n\nend', '{"chunk_size": 10, "chunk_overlap": 0}');

-- Empty text: no rows; NULL arguments: no rows (STRICT).
SELECT count(*) FROM pgml.chunk('character', '');
SELECT count(*) FROM pgml.chunk('recursive_character', E'  \n\n  ');
SELECT count(*) FROM pgml.chunk('character', NULL);

-- About 1 MB in one call.
SELECT count(*) AS chunks, max(length(chunk)) AS longest, min(chunk_index) AS first, max(chunk_index) = count(*) AS numbered
FROM pgml.chunk('recursive_character', repeat('lorem ipsum dolor sit amet ', 40000), '{"chunk_size": 1000, "chunk_overlap": 100}');

-- Chunking a table's documents.
CREATE TABLE chunk_documents (id int, body text);
INSERT INTO chunk_documents VALUES (1, 'PostgresML chunks text inside the database.'), (2, E'Short.\n\nAnother paragraph here.');
SELECT d.id, c.chunk_index, c.chunk
FROM chunk_documents d, LATERAL pgml.chunk('recursive_character', d.body, '{"chunk_size": 20, "chunk_overlap": 0}') c
ORDER BY d.id, c.chunk_index;
DROP TABLE chunk_documents;

-- Errors.
SELECT * FROM pgml.chunk('nltk', 'text');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('spacy', 'text');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('sentence', 'text');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '{"chunk_sise": 10}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('markdown', 'text', '{"separators": ["\n"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '{"chunk_size": "10"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '{"chunk_size": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '{"chunk_size": 10, "chunk_overlap": 20}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '{"keep_separator": "middle"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.chunk('character', 'text', '{"separator": "(", "is_separator_regex": true}');
\echo :LAST_ERROR_SQLSTATE
-- Lengths in tokens of a model's tokenizer (LangChain's from_huggingface_tokenizer: the text's
-- own tokens, no special tokens), loaded once per backend.
SELECT chunk_index, chunk FROM pgml.chunk('recursive_character',
    'PostgresML is a machine learning extension for PostgreSQL. It lets you train models and run inference with SQL.',
    '{"tokenizer": "sentence-transformers/all-MiniLM-L6-v2", "chunk_size": 8, "chunk_overlap": 2}');
SELECT count(*) AS chunks FROM pgml.chunk('character', repeat('word ', 1000),
    '{"tokenizer": "sentence-transformers/all-MiniLM-L6-v2", "chunk_size": 100, "chunk_overlap": 0, "separator": " "}');
SELECT kind, name, hits >= 2 AS reused FROM pgml.cached_models() WHERE kind = 'tokenizer';
\set VERBOSITY terse
SELECT * FROM pgml.chunk('recursive_character', 'text', '{"tokenizer": "intfloat/e5-small-v2", "chunk_size": 128, "chunk_overlap": 16}');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- A GGUF model's vocabulary counts as well (read from the file without its weights).
SELECT chunk_index, chunk FROM pgml.chunk('recursive_character',
    'PostgresML is a machine learning extension for PostgreSQL. It lets you train models and run inference with SQL.',
    '{"tokenizer": "HuggingFaceTB/SmolLM2-135M-Instruct", "chunk_size": 8, "chunk_overlap": 2}');
SELECT kind, name FROM pgml.cached_models() WHERE kind = 'tokenizer' ORDER BY name;
-- An overlap so close to the chunk size that every character would start a chunk of nearly
-- chunk_size (about 2.5 GB from 100 KB) is refused, as is a separator list deep enough to
-- exhaust the stack.
\set VERBOSITY terse
SELECT count(*) FROM pgml.chunk('recursive_character', repeat('a', 100000),
    '{"chunk_size": 50000, "chunk_overlap": 49999}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pgml.chunk('recursive_character', 'text',
    jsonb_build_object('separators', (SELECT jsonb_agg('<' || i || '>') FROM generate_series(0, 300) i)));
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
