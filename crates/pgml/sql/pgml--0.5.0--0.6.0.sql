-- pgml 0.5.0 -> 0.6.0: PostgresML 2.x compatibility fixes.
-- - pgml.snapshot is STRICT, as PostgresML's (same C function, same arguments).
-- - model_id overloads: pgml.predict_proba / predict_joint / predict_batch (real[] result) and
--   pgml.predict(model_id, ROW(...)) (through pgml.predict_json(model_id, json)), and
--   pgml.predict(model_id, float8[] / int2[] / int4[] / int8[] / bool[]) so that integer
--   arrays by model id are not ambiguous with the ROW overload.
-- - PostgresML's install checks: pgml.validate_shared_library(),
--   pgml.validate_python_dependencies(), pgml.python_version().
-- - PostgresML's pgml.logs table and pgml.auto_updated_at(regclass).
-- Drafted by scripts/draft-upgrade-script.py from the two install scripts.

ALTER FUNCTION pgml.snapshot(text, text, real, text, jsonb) STRICT;

-- From sql/schema.sql.
CREATE FUNCTION pgml.auto_updated_at(tbl regclass) RETURNS VOID
LANGUAGE plpgsql AS $$
    DECLARE name_parts TEXT[];
    DECLARE name TEXT;
BEGIN
    name_parts := string_to_array(tbl::TEXT, '.');
    name := name_parts[array_upper(name_parts, 1)];

    EXECUTE format('DROP TRIGGER IF EXISTS %s_auto_updated_at ON %s', name, tbl);
    EXECUTE format('CREATE TRIGGER %s_auto_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE pgml.set_updated_at()', name, tbl);
END;
$$;

CREATE TABLE pgml.logs (
    id         SERIAL PRIMARY KEY,
    model_id   BIGINT,
    project_id BIGINT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    logs       JSONB
);
SELECT pg_catalog.pg_extension_config_dump('pgml.logs', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.logs_id_seq', '');

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:137
-- pgml::api::predict::predict_batch
CREATE  FUNCTION "predict_batch"(
	"model_id" bigint, /* i64 */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_batch_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:130
-- pgml::api::predict::predict_joint
CREATE  FUNCTION "predict_joint"(
	"model_id" bigint, /* i64 */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_joint_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict_row.rs:64
-- pgml::api::predict_row::predict_json
CREATE  FUNCTION "predict_json"(
	"model_id" bigint, /* i64 */
	"row" json /* Json */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_json_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict_row.rs:82
-- requires:
--   predict_model_json
CREATE FUNCTION pgml.predict(model_id bigint, "row" anyelement) RETURNS real
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT pgml.predict_json(model_id, to_json("row")) $$;
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:124
-- pgml::api::predict::predict_proba
CREATE  FUNCTION "predict_proba"(
	"model_id" bigint, /* i64 */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_proba_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/version.rs:27
-- pgml::api::version::python_version
CREATE  FUNCTION "python_version"() RETURNS TEXT /* & '_ str */
STRICT
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'python_version_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/version.rs:22
-- pgml::api::version::validate_python_dependencies
CREATE  FUNCTION "validate_python_dependencies"() RETURNS void
STRICT
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'validate_python_dependencies_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/version.rs:16
-- pgml::api::version::validate_shared_library
CREATE  FUNCTION "validate_shared_library"() RETURNS void
STRICT
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'validate_shared_library_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:114
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"model_id" bigint, /* i64 */
	"features" bool[] /* Array < '_, bool > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_bool_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:90
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"model_id" bigint, /* i64 */
	"features" double precision[] /* Array < '_, f64 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_f64_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:108
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"model_id" bigint, /* i64 */
	"features" smallint[] /* Array < '_, i16 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_i16_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:96
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"model_id" bigint, /* i64 */
	"features" INT[] /* Array < '_, i32 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_i32_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:102
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"model_id" bigint, /* i64 */
	"features" bigint[] /* Array < '_, i64 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_i64_wrapper';
/* </end connected objects> */
