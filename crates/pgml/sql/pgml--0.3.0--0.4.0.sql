-- pgml 0.3.0 -> 0.4.0: embeddings, text generation, chunking, vector functions, the local model
-- store; pgml.cached_models() gains the kind, name and load_ms columns (transformer models).
-- Drafted by scripts/draft-upgrade-script.py from the two install scripts, then edited.

-- The result columns of cached_models() changed: CREATE cannot replace it. (IF EXISTS: databases
-- made by development builds of 0.3.0 lack it.)
DROP FUNCTION IF EXISTS cached_models();

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:69
-- pgml::api::vector::add
CREATE  FUNCTION "add"(
	"vector" double precision[], /* Array < '_, f64 > */
	"addend" double precision /* f64 */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'add_scalar_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:63
-- pgml::api::vector::add
CREATE  FUNCTION "add"(
	"vector" real[], /* Array < '_, f32 > */
	"addend" real /* f32 */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'add_scalar_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:121
-- pgml::api::vector::add
CREATE  FUNCTION "add"(
	"vector" double precision[], /* Array < '_, f64 > */
	"addend" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'add_vector_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:114
-- pgml::api::vector::add
CREATE  FUNCTION "add"(
	"vector" real[], /* Array < '_, f32 > */
	"addend" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'add_vector_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/cache.rs:187
-- pgml::cache::cached_models
CREATE  FUNCTION "cached_models"() RETURNS TABLE (
	"model_id" bigint,  /* Option < i64 > */
	"project" TEXT,  /* Option < String > */
	"algorithm" TEXT,  /* String */
	"bytes" bigint,  /* i64 */
	"hits" bigint,  /* i64 */
	"kind" TEXT,  /* String */
	"name" TEXT,  /* Option < String > */
	"load_ms" double precision  /* Option < f64 > */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'cached_models_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/chunk.rs:12
-- pgml::api::chunk::chunk
CREATE  FUNCTION "chunk"(
	"splitter" TEXT, /* & str */
	"text" TEXT, /* & str */
	"kwargs" jsonb DEFAULT '{}' /* JsonB */
) RETURNS TABLE (
	"chunk_index" bigint,  /* i64 */
	"chunk" TEXT  /* String */
)
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'chunk_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:307
-- pgml::api::vector::cosine_similarity
CREATE  FUNCTION "cosine_similarity"(
	"vector" double precision[], /* Array < '_, f64 > */
	"other" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'cosine_similarity_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:300
-- pgml::api::vector::cosine_similarity
CREATE  FUNCTION "cosine_similarity"(
	"vector" real[], /* Array < '_, f32 > */
	"other" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'cosine_similarity_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:265
-- pgml::api::vector::distance_l1
CREATE  FUNCTION "distance_l1"(
	"vector" double precision[], /* Array < '_, f64 > */
	"other" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'distance_l1_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:258
-- pgml::api::vector::distance_l1
CREATE  FUNCTION "distance_l1"(
	"vector" real[], /* Array < '_, f32 > */
	"other" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'distance_l1_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:279
-- pgml::api::vector::distance_l2
CREATE  FUNCTION "distance_l2"(
	"vector" double precision[], /* Array < '_, f64 > */
	"other" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'distance_l2_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:272
-- pgml::api::vector::distance_l2
CREATE  FUNCTION "distance_l2"(
	"vector" real[], /* Array < '_, f32 > */
	"other" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'distance_l2_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:106
-- pgml::api::vector::divide
CREATE  FUNCTION "divide"(
	"vector" double precision[], /* Array < '_, f64 > */
	"dividend" double precision /* f64 */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'divide_scalar_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:100
-- pgml::api::vector::divide
CREATE  FUNCTION "divide"(
	"vector" real[], /* Array < '_, f32 > */
	"dividend" real /* f32 */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'divide_scalar_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:163
-- pgml::api::vector::divide
CREATE  FUNCTION "divide"(
	"vector" double precision[], /* Array < '_, f64 > */
	"dividend" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'divide_vector_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:156
-- pgml::api::vector::divide
CREATE  FUNCTION "divide"(
	"vector" real[], /* Array < '_, f32 > */
	"dividend" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'divide_vector_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:293
-- pgml::api::vector::dot_product
CREATE  FUNCTION "dot_product"(
	"vector" double precision[], /* Array < '_, f64 > */
	"other" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'dot_product_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:286
-- pgml::api::vector::dot_product
CREATE  FUNCTION "dot_product"(
	"vector" real[], /* Array < '_, f32 > */
	"other" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'dot_product_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/embed.rs:24
-- pgml::api::embed::embed
CREATE  FUNCTION "embed"(
	"transformer" TEXT, /* & str */
	"text" TEXT, /* & str */
	"kwargs" jsonb DEFAULT '{}' /* JsonB */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'embed_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/embed.rs:35
-- pgml::api::embed::embed
CREATE  FUNCTION "embed"(
	"transformer" TEXT, /* & str */
	"inputs" TEXT[], /* Vec < Option < String > > */
	"kwargs" jsonb DEFAULT '{}' /* JsonB */
) RETURNS SETOF real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'embed_batch_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:460
-- pgml::api::vector::max_abs_d_max_abs_d_combine
CREATE  FUNCTION "max_abs_d_max_abs_d_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_abs_d_max_abs_d_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:460
-- pgml::api::vector::max_abs_d_max_abs_d_finalize
CREATE  FUNCTION "max_abs_d_max_abs_d_finalize"(
	"this" internal /* Internal */
) RETURNS double precision[] /* :: std :: option :: Option < Vec < f64 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_abs_d_max_abs_d_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:460
-- pgml::api::vector::max_abs_d_max_abs_d_state
CREATE  FUNCTION "max_abs_d_max_abs_d_state"(
	"this" internal, /* Internal */
	"arg_one" double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_abs_d_max_abs_d_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:454
-- pgml::api::vector::max_abs_s_max_abs_s_combine
CREATE  FUNCTION "max_abs_s_max_abs_s_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_abs_s_max_abs_s_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:454
-- pgml::api::vector::max_abs_s_max_abs_s_finalize
CREATE  FUNCTION "max_abs_s_max_abs_s_finalize"(
	"this" internal /* Internal */
) RETURNS real[] /* :: std :: option :: Option < Vec < f32 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_abs_s_max_abs_s_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:454
-- pgml::api::vector::max_abs_s_max_abs_s_state
CREATE  FUNCTION "max_abs_s_max_abs_s_state"(
	"this" internal, /* Internal */
	"arg_one" real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_abs_s_max_abs_s_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:436
-- pgml::api::vector::max_d_max_d_combine
CREATE  FUNCTION "max_d_max_d_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_d_max_d_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:436
-- pgml::api::vector::max_d_max_d_finalize
CREATE  FUNCTION "max_d_max_d_finalize"(
	"this" internal /* Internal */
) RETURNS double precision[] /* :: std :: option :: Option < Vec < f64 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_d_max_d_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:436
-- pgml::api::vector::max_d_max_d_state
CREATE  FUNCTION "max_d_max_d_state"(
	"this" internal, /* Internal */
	"arg_one" double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_d_max_d_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:430
-- pgml::api::vector::max_s_max_s_combine
CREATE  FUNCTION "max_s_max_s_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_s_max_s_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:430
-- pgml::api::vector::max_s_max_s_finalize
CREATE  FUNCTION "max_s_max_s_finalize"(
	"this" internal /* Internal */
) RETURNS real[] /* :: std :: option :: Option < Vec < f32 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_s_max_s_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:430
-- pgml::api::vector::max_s_max_s_state
CREATE  FUNCTION "max_s_max_s_state"(
	"this" internal, /* Internal */
	"arg_one" real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'max_s_max_s_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:448
-- pgml::api::vector::min_abs_d_min_abs_d_combine
CREATE  FUNCTION "min_abs_d_min_abs_d_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_abs_d_min_abs_d_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:448
-- pgml::api::vector::min_abs_d_min_abs_d_finalize
CREATE  FUNCTION "min_abs_d_min_abs_d_finalize"(
	"this" internal /* Internal */
) RETURNS double precision[] /* :: std :: option :: Option < Vec < f64 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_abs_d_min_abs_d_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:448
-- pgml::api::vector::min_abs_d_min_abs_d_state
CREATE  FUNCTION "min_abs_d_min_abs_d_state"(
	"this" internal, /* Internal */
	"arg_one" double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_abs_d_min_abs_d_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:442
-- pgml::api::vector::min_abs_s_min_abs_s_combine
CREATE  FUNCTION "min_abs_s_min_abs_s_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_abs_s_min_abs_s_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:442
-- pgml::api::vector::min_abs_s_min_abs_s_finalize
CREATE  FUNCTION "min_abs_s_min_abs_s_finalize"(
	"this" internal /* Internal */
) RETURNS real[] /* :: std :: option :: Option < Vec < f32 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_abs_s_min_abs_s_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:442
-- pgml::api::vector::min_abs_s_min_abs_s_state
CREATE  FUNCTION "min_abs_s_min_abs_s_state"(
	"this" internal, /* Internal */
	"arg_one" real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_abs_s_min_abs_s_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:424
-- pgml::api::vector::min_d_min_d_combine
CREATE  FUNCTION "min_d_min_d_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_d_min_d_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:424
-- pgml::api::vector::min_d_min_d_finalize
CREATE  FUNCTION "min_d_min_d_finalize"(
	"this" internal /* Internal */
) RETURNS double precision[] /* :: std :: option :: Option < Vec < f64 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_d_min_d_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:424
-- pgml::api::vector::min_d_min_d_state
CREATE  FUNCTION "min_d_min_d_state"(
	"this" internal, /* Internal */
	"arg_one" double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_d_min_d_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:418
-- pgml::api::vector::min_s_min_s_combine
CREATE  FUNCTION "min_s_min_s_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_s_min_s_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:418
-- pgml::api::vector::min_s_min_s_finalize
CREATE  FUNCTION "min_s_min_s_finalize"(
	"this" internal /* Internal */
) RETURNS real[] /* :: std :: option :: Option < Vec < f32 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_s_min_s_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:418
-- pgml::api::vector::min_s_min_s_state
CREATE  FUNCTION "min_s_min_s_state"(
	"this" internal, /* Internal */
	"arg_one" real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'min_s_min_s_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/models.rs:10
-- pgml::api::models::models_available
CREATE  FUNCTION "models_available"() RETURNS TABLE (
	"name" TEXT,  /* String */
	"kind" TEXT,  /* String */
	"serves" TEXT,  /* String */
	"path" TEXT,  /* String */
	"bytes" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'models_available_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:93
-- pgml::api::vector::multiply
CREATE  FUNCTION "multiply"(
	"vector" double precision[], /* Array < '_, f64 > */
	"multiplicand" double precision /* f64 */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'multiply_scalar_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:87
-- pgml::api::vector::multiply
CREATE  FUNCTION "multiply"(
	"vector" real[], /* Array < '_, f32 > */
	"multiplicand" real /* f32 */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'multiply_scalar_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:149
-- pgml::api::vector::multiply
CREATE  FUNCTION "multiply"(
	"vector" double precision[], /* Array < '_, f64 > */
	"multiplicand" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'multiply_vector_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:142
-- pgml::api::vector::multiply
CREATE  FUNCTION "multiply"(
	"vector" real[], /* Array < '_, f32 > */
	"multiplicand" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'multiply_vector_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:178
-- pgml::api::vector::norm_l0
CREATE  FUNCTION "norm_l0"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_l0_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:172
-- pgml::api::vector::norm_l0
CREATE  FUNCTION "norm_l0"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_l0_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:190
-- pgml::api::vector::norm_l1
CREATE  FUNCTION "norm_l1"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_l1_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:184
-- pgml::api::vector::norm_l1
CREATE  FUNCTION "norm_l1"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_l1_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:202
-- pgml::api::vector::norm_l2
CREATE  FUNCTION "norm_l2"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_l2_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:196
-- pgml::api::vector::norm_l2
CREATE  FUNCTION "norm_l2"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_l2_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:214
-- pgml::api::vector::norm_max
CREATE  FUNCTION "norm_max"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_max_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:208
-- pgml::api::vector::norm_max
CREATE  FUNCTION "norm_max"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'norm_max_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:226
-- pgml::api::vector::normalize_l1
CREATE  FUNCTION "normalize_l1"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'normalize_l1_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:220
-- pgml::api::vector::normalize_l1
CREATE  FUNCTION "normalize_l1"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'normalize_l1_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:238
-- pgml::api::vector::normalize_l2
CREATE  FUNCTION "normalize_l2"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'normalize_l2_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:232
-- pgml::api::vector::normalize_l2
CREATE  FUNCTION "normalize_l2"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'normalize_l2_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:250
-- pgml::api::vector::normalize_max
CREATE  FUNCTION "normalize_max"(
	"vector" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'normalize_max_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:244
-- pgml::api::vector::normalize_max
CREATE  FUNCTION "normalize_max"(
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'normalize_max_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:81
-- pgml::api::vector::subtract
CREATE  FUNCTION "subtract"(
	"vector" double precision[], /* Array < '_, f64 > */
	"subtahend" double precision /* f64 */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'subtract_scalar_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:75
-- pgml::api::vector::subtract
CREATE  FUNCTION "subtract"(
	"vector" real[], /* Array < '_, f32 > */
	"subtahend" real /* f32 */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'subtract_scalar_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:135
-- pgml::api::vector::subtract
CREATE  FUNCTION "subtract"(
	"vector" double precision[], /* Array < '_, f64 > */
	"subtahend" double precision[] /* Array < '_, f64 > */
) RETURNS double precision[] /* Vec < f64 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'subtract_vector_d_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:128
-- pgml::api::vector::subtract
CREATE  FUNCTION "subtract"(
	"vector" real[], /* Array < '_, f32 > */
	"subtahend" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
IMMUTABLE STRICT PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'subtract_vector_s_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:412
-- pgml::api::vector::sum_d_sum_d_combine
CREATE  FUNCTION "sum_d_sum_d_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sum_d_sum_d_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:412
-- pgml::api::vector::sum_d_sum_d_finalize
CREATE  FUNCTION "sum_d_sum_d_finalize"(
	"this" internal /* Internal */
) RETURNS double precision[] /* :: std :: option :: Option < Vec < f64 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sum_d_sum_d_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:412
-- pgml::api::vector::sum_d_sum_d_state
CREATE  FUNCTION "sum_d_sum_d_state"(
	"this" internal, /* Internal */
	"arg_one" double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sum_d_sum_d_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:406
-- pgml::api::vector::sum_s_sum_s_combine
CREATE  FUNCTION "sum_s_sum_s_combine"(
	"this" internal, /* Internal */
	"v" internal /* Internal */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sum_s_sum_s_combine_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:406
-- pgml::api::vector::sum_s_sum_s_finalize
CREATE  FUNCTION "sum_s_sum_s_finalize"(
	"this" internal /* Internal */
) RETURNS real[] /* :: std :: option :: Option < Vec < f32 > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sum_s_sum_s_finalize_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:406
-- pgml::api::vector::sum_s_sum_s_state
CREATE  FUNCTION "sum_s_sum_s_state"(
	"this" internal, /* Internal */
	"arg_one" real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'sum_s_sum_s_state_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:175
-- pgml::api::transform::transform
CREATE  FUNCTION "transform"(
	"task" jsonb, /* JsonB */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"inputs" TEXT[] DEFAULT ARRAY[]::TEXT[], /* Vec < Option < String > > */
	"cache" bool DEFAULT false /* bool */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:200
-- pgml::api::transform::transform
CREATE  FUNCTION "transform"(
	"task" jsonb, /* JsonB */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"inputs" jsonb[] DEFAULT ARRAY[]::JSONB[], /* Vec < Option < JsonB > > */
	"cache" bool DEFAULT false /* bool */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_conversational_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:212
-- pgml::api::transform::transform
CREATE  FUNCTION "transform"(
	"task" TEXT, /* & str */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"inputs" jsonb[] DEFAULT ARRAY[]::JSONB[], /* Vec < Option < JsonB > > */
	"cache" bool DEFAULT false /* bool */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_conversational_task_name_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:188
-- pgml::api::transform::transform
CREATE  FUNCTION "transform"(
	"task" TEXT, /* & str */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"inputs" TEXT[] DEFAULT ARRAY[]::TEXT[], /* Vec < Option < String > > */
	"cache" bool DEFAULT false /* bool */
) RETURNS jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_task_name_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:256
-- pgml::api::transform::transform_stream
CREATE  FUNCTION "transform_stream"(
	"task" jsonb, /* JsonB */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"input" TEXT DEFAULT '', /* & str */
	"cache" bool DEFAULT false /* bool */
) RETURNS SETOF jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_stream_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:281
-- pgml::api::transform::transform_stream
CREATE  FUNCTION "transform_stream"(
	"task" jsonb, /* JsonB */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"inputs" jsonb[] DEFAULT ARRAY[]::JSONB[], /* Vec < Option < JsonB > > */
	"cache" bool DEFAULT false /* bool */
) RETURNS SETOF jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_stream_conversational_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:293
-- pgml::api::transform::transform_stream
CREATE  FUNCTION "transform_stream"(
	"task" TEXT, /* & str */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"inputs" jsonb[] DEFAULT ARRAY[]::JSONB[], /* Vec < Option < JsonB > > */
	"cache" bool DEFAULT false /* bool */
) RETURNS SETOF jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_stream_conversational_task_name_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/transform.rs:268
-- pgml::api::transform::transform_stream
CREATE  FUNCTION "transform_stream"(
	"task" TEXT, /* & str */
	"args" jsonb DEFAULT '{}', /* JsonB */
	"input" TEXT DEFAULT '', /* & str */
	"cache" bool DEFAULT false /* bool */
) RETURNS SETOF jsonb /* JsonB */
STRICT VOLATILE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'transform_stream_task_name_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:460
-- pgml::api::vector::MaxAbsD
CREATE AGGREGATE max_abs (
	double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
)
(
	SFUNC = "max_abs_d_max_abs_d_state", /* pgml::api::vector::MaxAbsD::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "max_abs_d_max_abs_d_finalize", /* pgml::api::vector::MaxAbsD::final */
	COMBINEFUNC = "max_abs_d_max_abs_d_combine", /* pgml::api::vector::MaxAbsD::combine */
	PARALLEL = SAFE /* pgml::api::vector::MaxAbsD::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:454
-- pgml::api::vector::MaxAbsS
CREATE AGGREGATE max_abs (
	real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
)
(
	SFUNC = "max_abs_s_max_abs_s_state", /* pgml::api::vector::MaxAbsS::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "max_abs_s_max_abs_s_finalize", /* pgml::api::vector::MaxAbsS::final */
	COMBINEFUNC = "max_abs_s_max_abs_s_combine", /* pgml::api::vector::MaxAbsS::combine */
	PARALLEL = SAFE /* pgml::api::vector::MaxAbsS::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:436
-- pgml::api::vector::MaxD
CREATE AGGREGATE max (
	double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
)
(
	SFUNC = "max_d_max_d_state", /* pgml::api::vector::MaxD::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "max_d_max_d_finalize", /* pgml::api::vector::MaxD::final */
	COMBINEFUNC = "max_d_max_d_combine", /* pgml::api::vector::MaxD::combine */
	PARALLEL = SAFE /* pgml::api::vector::MaxD::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:430
-- pgml::api::vector::MaxS
CREATE AGGREGATE max (
	real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
)
(
	SFUNC = "max_s_max_s_state", /* pgml::api::vector::MaxS::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "max_s_max_s_finalize", /* pgml::api::vector::MaxS::final */
	COMBINEFUNC = "max_s_max_s_combine", /* pgml::api::vector::MaxS::combine */
	PARALLEL = SAFE /* pgml::api::vector::MaxS::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:448
-- pgml::api::vector::MinAbsD
CREATE AGGREGATE min_abs (
	double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
)
(
	SFUNC = "min_abs_d_min_abs_d_state", /* pgml::api::vector::MinAbsD::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "min_abs_d_min_abs_d_finalize", /* pgml::api::vector::MinAbsD::final */
	COMBINEFUNC = "min_abs_d_min_abs_d_combine", /* pgml::api::vector::MinAbsD::combine */
	PARALLEL = SAFE /* pgml::api::vector::MinAbsD::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:442
-- pgml::api::vector::MinAbsS
CREATE AGGREGATE min_abs (
	real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
)
(
	SFUNC = "min_abs_s_min_abs_s_state", /* pgml::api::vector::MinAbsS::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "min_abs_s_min_abs_s_finalize", /* pgml::api::vector::MinAbsS::final */
	COMBINEFUNC = "min_abs_s_min_abs_s_combine", /* pgml::api::vector::MinAbsS::combine */
	PARALLEL = SAFE /* pgml::api::vector::MinAbsS::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:424
-- pgml::api::vector::MinD
CREATE AGGREGATE min (
	double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
)
(
	SFUNC = "min_d_min_d_state", /* pgml::api::vector::MinD::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "min_d_min_d_finalize", /* pgml::api::vector::MinD::final */
	COMBINEFUNC = "min_d_min_d_combine", /* pgml::api::vector::MinD::combine */
	PARALLEL = SAFE /* pgml::api::vector::MinD::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:418
-- pgml::api::vector::MinS
CREATE AGGREGATE min (
	real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
)
(
	SFUNC = "min_s_min_s_state", /* pgml::api::vector::MinS::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "min_s_min_s_finalize", /* pgml::api::vector::MinS::final */
	COMBINEFUNC = "min_s_min_s_combine", /* pgml::api::vector::MinS::combine */
	PARALLEL = SAFE /* pgml::api::vector::MinS::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:412
-- pgml::api::vector::SumD
CREATE AGGREGATE sum (
	double precision[] /* :: std :: option :: Option < Vec < Option < f64 > > > */
)
(
	SFUNC = "sum_d_sum_d_state", /* pgml::api::vector::SumD::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "sum_d_sum_d_finalize", /* pgml::api::vector::SumD::final */
	COMBINEFUNC = "sum_d_sum_d_combine", /* pgml::api::vector::SumD::combine */
	PARALLEL = SAFE /* pgml::api::vector::SumD::PARALLEL */
);
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/vector.rs:406
-- pgml::api::vector::SumS
CREATE AGGREGATE sum (
	real[] /* :: std :: option :: Option < Vec < Option < f32 > > > */
)
(
	SFUNC = "sum_s_sum_s_state", /* pgml::api::vector::SumS::state */
	STYPE = internal, /* Internal */
	FINALFUNC = "sum_s_sum_s_finalize", /* pgml::api::vector::SumS::final */
	COMBINEFUNC = "sum_s_sum_s_combine", /* pgml::api::vector::SumS::combine */
	PARALLEL = SAFE /* pgml::api::vector::SumS::PARALLEL */
);
/* </end connected objects> */

