-- PostgresML's vector functions on real[] and float8[]: element-wise arithmetic, norms,
-- normalisation, distances, and the element-wise aggregates. The values are PostgresML's own
-- test cases; then the edge cases pgml decides (see crates/pgml-nlp/src/vector/mod.rs).
CREATE EXTENSION IF NOT EXISTS pgml;

-- Signatures: PostgresML's names, argument names (its spelling "subtahend" included) and overloads.
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments, pg_get_function_result(p.oid) AS result,
       p.prokind, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p
WHERE p.pronamespace = 'pgml'::regnamespace
  AND p.proname IN ('add', 'subtract', 'multiply', 'divide', 'norm_l0', 'norm_l1', 'norm_l2', 'norm_max',
                    'normalize_l1', 'normalize_l2', 'normalize_max', 'distance_l1', 'distance_l2',
                    'dot_product', 'cosine_similarity', 'sum', 'min', 'max', 'min_abs', 'max_abs')
ORDER BY 1, 2;

-- Element-wise with a scalar.
SELECT pgml.add(ARRAY[1,2,3]::float4[], 1) AS add_s, pgml.add(ARRAY[1,2,3]::float8[], 1) AS add_d;
SELECT pgml.subtract(ARRAY[1,2,3]::float4[], 1) AS sub_s, pgml.subtract(ARRAY[1,2,3]::float8[], 1) AS sub_d;
SELECT pgml.multiply(ARRAY[1,2,3]::float4[], 2) AS mul_s, pgml.multiply(ARRAY[1,2,3]::float8[], 2) AS mul_d;
SELECT pgml.divide(ARRAY[1,2,3]::float4[], 10) AS div_s, pgml.divide(ARRAY[1,2,3]::float8[], 10) AS div_d;
-- Element-wise between arrays.
SELECT pgml.add(ARRAY[1,2,3]::float4[], ARRAY[1.0, 2.0, 3.0]::float4[]) AS add_s,
       pgml.add(ARRAY[1,2,3]::float8[], ARRAY[1.0, 2.0, 3.0]::float8[]) AS add_d;
SELECT pgml.subtract(ARRAY[1,2,3]::float4[], ARRAY[1.0, 2.0, 3.0]::float4[]) AS sub_s,
       pgml.subtract(ARRAY[1,2,3]::float8[], ARRAY[3.0, 2.0, 1.0]::float8[]) AS sub_d;
SELECT pgml.multiply(ARRAY[1,2,3]::float4[], ARRAY[1.0, 2.0, 3.0]::float4[]) AS mul_s,
       pgml.multiply(ARRAY[1,2,3]::float8[], ARRAY[1.0, 2.0, 3.0]::float8[]) AS mul_d;
SELECT pgml.divide(ARRAY[1,2,3]::float4[], ARRAY[1.0, 2.0, 3.0]::float4[]) AS div_s,
       pgml.divide(ARRAY[1,2,3]::float8[], ARRAY[2.0, 4.0, 8.0]::float8[]) AS div_d;
-- Named arguments, as PostgresML spells them.
SELECT pgml.subtract(vector => ARRAY[3,2,1]::real[], subtahend => 1::real) AS scalar,
       pgml.subtract(vector => ARRAY[3,2,1]::real[], subtahend => ARRAY[1,1,1]::real[]) AS vector;
SELECT pgml.divide(vector => ARRAY[1,2]::float8[], dividend => ARRAY[2,4]::float8[]),
       pgml.multiply(vector => ARRAY[1,2]::float8[], multiplicand => 3::float8),
       pgml.add(vector => ARRAY[1,2]::float8[], addend => ARRAY[1,1]::float8[]);

-- Norms.
SELECT pgml.norm_l0(ARRAY[1,2,3]::float4[]) AS l0_s, pgml.norm_l0(ARRAY[1,0,-0.0,3]::float8[]) AS l0_d,
       pgml.norm_l1(ARRAY[1,2,3]::float4[]) AS l1_s, pgml.norm_l1(ARRAY[1,-2,3]::float8[]) AS l1_d;
SELECT pgml.norm_l2(ARRAY[1,2,3]::float4[]) AS l2_s, pgml.norm_l2(ARRAY[1,2,3]::float8[]) AS l2_d;
SELECT pgml.norm_max(ARRAY[1,2,3]::float4[]) AS max_s, pgml.norm_max(ARRAY[1,2,3,-4]::float8[]) AS max_d;
-- Normalisation.
SELECT pgml.normalize_l1(ARRAY[1,2,3]::float4[]) AS l1_s, pgml.normalize_l1(ARRAY[1,2,3]::float8[]) AS l1_d;
SELECT pgml.normalize_l2(ARRAY[1,2,3]::float4[]) AS l2_s, pgml.normalize_l2(ARRAY[1,2,3]::float8[]) AS l2_d;
SELECT pgml.normalize_max(ARRAY[1,2,3]::float4[]) AS max_s, pgml.normalize_max(ARRAY[1,2,3]::float8[]) AS max_d;
-- Distances and similarity.
SELECT pgml.distance_l1(ARRAY[1,2,3]::float4[], ARRAY[1,2,3]::float4[]) AS l1_s,
       pgml.distance_l1(ARRAY[1,2,3]::float8[], ARRAY[3,2,1]::float8[]) AS l1_d,
       pgml.distance_l2(ARRAY[0,0]::float4[], ARRAY[3,4]::float4[]) AS l2_s,
       pgml.distance_l2(ARRAY[1,2,3]::float8[], ARRAY[1,2,3]::float8[]) AS l2_d;
SELECT pgml.dot_product(ARRAY[1,2,3]::float4[], ARRAY[1,2,3]::float4[]) AS dot_s,
       pgml.dot_product(ARRAY[1,2,3]::float8[], ARRAY[2,3,4]::float8[]) AS dot_d;
SELECT pgml.cosine_similarity(ARRAY[1,2,3]::float4[], ARRAY[2.0, 3.0, 4.0]::float4[]) AS cos_s,
       pgml.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[2.0, 3.0, 4.0]::float8[]) AS cos_d,
       pgml.cosine_similarity(ARRAY[1,1,1,1,1,0,0]::float8[], ARRAY[0,0,1,1,0,1,1]::float8[]) AS cos_7;
-- Longer vectors (several SIMD lanes plus a tail) agree with plain SQL.
WITH v AS (SELECT array_agg(sin(i)::float8 ORDER BY i) AS a, array_agg(cos(i)::float8 ORDER BY i) AS b
           FROM generate_series(1, 1001) AS i)
SELECT abs(pgml.dot_product(a, b) - (SELECT sum(sin(i) * cos(i)) FROM generate_series(1, 1001) i)) < 1e-9 AS dot,
       abs(pgml.norm_l2(a) - sqrt((SELECT sum(sin(i) ^ 2) FROM generate_series(1, 1001) i))) < 1e-9 AS norm,
       abs(pgml.norm_l2(pgml.normalize_l2(a)) - 1) < 1e-12 AS unit
FROM v;

-- Edge cases. A zero vector normalises to itself and has cosine similarity 0 (PyTorch's
-- convention; PostgresML returned NaN).
SELECT pgml.normalize_l2(ARRAY[0,0,0]::real[]) AS l2, pgml.normalize_l1(ARRAY[0,0]::float8[]) AS l1,
       pgml.normalize_max(ARRAY[0]::real[]) AS max,
       pgml.cosine_similarity(ARRAY[0,0]::real[], ARRAY[1,2]::real[]) AS cos;
-- Division by zero follows IEEE 754 (as numpy and PostgresML): no error.
SELECT pgml.divide(ARRAY[1,-1,0]::real[], 0::real) AS scalar, pgml.divide(ARRAY[1,2]::float8[], ARRAY[0,2]::float8[]) AS vector;
-- Empty arrays.
SELECT pgml.norm_l2('{}'::real[]) AS l2, pgml.norm_max('{}'::float8[]) AS max, pgml.dot_product('{}'::real[], '{}'::real[]) AS dot,
       pgml.cosine_similarity('{}'::float8[], '{}'::float8[]) AS cos, pgml.normalize_l2('{}'::real[]) AS unit, pgml.add('{}'::real[], 1::real) AS added;
-- No overflow in the L2 norm of large values; NaN propagates.
SELECT pgml.norm_l2(ARRAY[3e30, 4e30]::real[]) AS big, pgml.normalize_l2(ARRAY[3e30, 4e30]::real[]) AS unit,
       pgml.norm_l1(ARRAY[1, 'NaN'::float8]) AS nan;
-- NULL arguments give NULL (STRICT).
SELECT pgml.norm_l2(NULL::real[]) IS NULL AS n1, pgml.add(ARRAY[1]::real[], NULL::real) IS NULL AS n2;

-- Errors: different lengths, NULL elements, more than one dimension.
SELECT pgml.add(ARRAY[1,2,3]::real[], ARRAY[1,2]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.cosine_similarity(ARRAY[1,2]::float8[], ARRAY[1,2,3]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.dot_product(ARRAY[1,NULL,3]::real[], ARRAY[1,2,3]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.norm_l2(ARRAY[[1,2],[3,4]]::real[]);
\echo :LAST_ERROR_SQLSTATE

-- Aggregates, PostgresML's cases.
SELECT pgml.sum(a) FROM (VALUES (ARRAY[1,2]::float4[]), (ARRAY[1,2]::float4[]), (ARRAY[1,2]::float4[])) AS v(a);
SELECT pgml.sum(a) FROM (VALUES (ARRAY[1,2]::float8[]), (ARRAY[1,2]::float8[]), (ARRAY[1,2]::float8[])) AS v(a);
SELECT pgml.max_abs(a), pgml.min_abs(a), pgml.max(a), pgml.min(a)
FROM (VALUES (ARRAY[1,2]::float4[]), (ARRAY[2,-3]::float4[]), (ARRAY[-3,4]::float4[])) AS v(a);
SELECT pgml.max_abs(a), pgml.min_abs(a), pgml.max(a), pgml.min(a)
FROM (VALUES (ARRAY[3,0]::float8[]), (ARRAY[-1,-2]::float8[]), (ARRAY[2,-4]::float8[])) AS v(a);
-- NULL rows are skipped; no rows give NULL.
SELECT pgml.sum(a) FROM (VALUES (ARRAY[1,2]::real[]), (NULL), (ARRAY[3,4]::real[])) AS v(a);
SELECT pgml.sum(a) IS NULL AS no_rows, pgml.max(a) IS NULL AS no_rows_max FROM (SELECT ARRAY[1]::real[] AS a WHERE false) AS v;
-- Per group, and as a window function.
SELECT g, pgml.sum(ARRAY[i, -i]::float8[]) AS sum, pgml.max(ARRAY[i, -i]::real[]) AS max, pgml.min_abs(ARRAY[i - 5, 1]::real[]) AS min_abs
FROM generate_series(1, 10) AS i, (VALUES (1), (2)) AS gg(g) WHERE i % 2 = g - 1 GROUP BY g ORDER BY g;
SELECT i, pgml.sum(ARRAY[i, 1]::float8[]) OVER (ORDER BY i) AS running FROM generate_series(1, 4) AS i;
-- Sums accumulate in double precision: 100000 × 0.1 in real[] is 10000 (an f32 running sum drifts to 9998.557).
SELECT pgml.sum(ARRAY[0.1]::real[]) FROM generate_series(1, 100000);
-- The mean embedding of a table, a typical use.
CREATE TABLE vector_embeddings AS SELECT i AS id, ARRAY[i, i * 2, i * 3]::real[] AS embedding FROM generate_series(1, 100) AS i;
SELECT pgml.divide(pgml.sum(embedding), count(*)::real) AS mean FROM vector_embeddings;
SELECT id, pgml.cosine_similarity(embedding, ARRAY[1, 2, 3]::real[]) AS similarity
FROM vector_embeddings ORDER BY pgml.distance_l2(embedding, ARRAY[50, 100, 150]::real[]), id LIMIT 3;
DROP TABLE vector_embeddings;
-- Aggregate errors: rows of different lengths, NULL elements.
SELECT pgml.sum(a) FROM (VALUES (ARRAY[1,2]::real[]), (ARRAY[1]::real[])) AS v(a);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.max(a) FROM (VALUES (ARRAY[1,2]::float8[]), (ARRAY[1,NULL]::float8[])) AS v(a);
\echo :LAST_ERROR_SQLSTATE
