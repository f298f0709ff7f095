-- pgml 0.2.0 -> 0.3.0: pgml.load_dataset; predict overloads for integer and boolean arrays and for
-- rows (ROW(...) via pgml.predict_json); the deployments trigger that keeps every backend's model
-- cache in step with pgml.deployments; pgml.cached_models(), pgml.clear_cache(),
-- pgml.decompose(), pgml.predict_batch(), pgml.snapshot(). Training gains
-- text labels, text features, preprocess, search and more algorithms (no SQL change needed).
-- Drafted by scripts/draft-upgrade-script.py. Released upgrade scripts are frozen.

/* <begin connected objects> */
-- crates/pgml/src/cache.rs:177
-- pgml::cache::cached_models
CREATE  FUNCTION "cached_models"() RETURNS TABLE (
	"model_id" bigint,  /* i64 */
	"project" TEXT,  /* Option < String > */
	"algorithm" TEXT,  /* String */
	"bytes" bigint,  /* i64 */
	"hits" bigint  /* i64 */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'cached_models_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/cache.rs:215
-- pgml::cache::clear_cache
CREATE  FUNCTION "clear_cache"() RETURNS bigint /* i64 */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'clear_cache_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:99
-- pgml::api::predict::decompose
CREATE  FUNCTION "decompose"(
	"project_name" TEXT, /* & str */
	"vector" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'decompose_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/load_dataset.rs:11
-- pgml::api::load_dataset::load_dataset
CREATE  FUNCTION "load_dataset"(
	"source" TEXT, /* & str */
	"subset" TEXT DEFAULT NULL, /* Option < & str > */
	"limit" bigint DEFAULT NULL, /* Option < i64 > */
	"kwargs" jsonb DEFAULT '{}' /* JsonB */
) RETURNS TABLE (
	"table_name" TEXT,  /* String */
	"rows" bigint  /* i64 */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'load_dataset_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:73
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"project_name" TEXT, /* & str */
	"features" bool[] /* Array < '_, bool > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_bool_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:63
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"project_name" TEXT, /* & str */
	"features" smallint[] /* Array < '_, i16 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_i16_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:42
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"project_name" TEXT, /* & str */
	"features" INT[] /* Array < '_, i32 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_i32_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:52
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"project_name" TEXT, /* & str */
	"features" bigint[] /* Array < '_, i64 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_i64_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:106
-- pgml::api::predict::predict_batch
CREATE  FUNCTION "predict_batch"(
	"project_name" TEXT, /* & str */
	"features" real[] /* Array < '_, f32 > */
) RETURNS SETOF real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_batch_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict_row.rs:50
-- pgml::api::predict_row::predict_json
CREATE  FUNCTION "predict_json"(
	"project_name" TEXT, /* & str */
	"row" json /* Json */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_json_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict_row.rs:56
-- pgml::api::predict_row::predict_proba_json
CREATE  FUNCTION "predict_proba_json"(
	"project_name" TEXT, /* & str */
	"row" json /* Json */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_proba_json_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict_row.rs:62
-- requires:
--   predict_json
--   predict_proba_json


CREATE FUNCTION pgml.predict(project_name TEXT, "row" anyelement) RETURNS real
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pgml.predict_json(project_name, to_json("row")) $$;
CREATE FUNCTION pgml.predict_proba(project_name TEXT, "row" anyelement) RETURNS real[]
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pgml.predict_proba_json(project_name, to_json("row")) $$;
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/snapshot.rs:15
-- pgml::api::snapshot::snapshot
CREATE  FUNCTION "snapshot"(
	"relation_name" TEXT, /* & str */
	"y_column_name" TEXT, /* Option < & str > */
	"test_size" real DEFAULT 0.25, /* f32 */
	"test_sampling" TEXT DEFAULT 'stratified', /* & str */
	"preprocess" jsonb DEFAULT '{}' /* JsonB */
) RETURNS TABLE (
	"relation" TEXT,  /* String */
	"y_column_name" TEXT  /* Option < String > */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'snapshot_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/cache.rs:227
-- pgml::cache::deployments_changed
CREATE FUNCTION "deployments_changed"()
	RETURNS TRIGGER
	LANGUAGE c
	AS 'MODULE_PATHNAME', 'deployments_changed_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/cache.rs:239
-- requires:
--   deployments_changed


CREATE TRIGGER deployments_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pgml.deployments
    FOR EACH STATEMENT EXECUTE FUNCTION pgml.deployments_changed();
/* </end connected objects> */

