-- pgml 0.1.0 -> 0.2.0: tabular training, deployment and prediction (linear, ridge, logistic).
-- Released upgrade scripts are frozen: never edit one after its version ships.

/* <begin connected objects> */
-- crates/pgml/src/api/deploy.rs:11
-- pgml::api::deploy::deploy
CREATE  FUNCTION "deploy"(
	"project_name" TEXT, /* & str */
	"strategy" TEXT, /* & str */
	"algorithm" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"project" TEXT,  /* String */
	"strategy" TEXT,  /* String */
	"algorithm" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'deploy_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/deploy.rs:60
-- pgml::api::deploy::deploy
CREATE  FUNCTION "deploy"(
	"model_id" bigint /* i64 */
) RETURNS TABLE (
	"project" TEXT,  /* String */
	"strategy" TEXT,  /* String */
	"algorithm" TEXT  /* String */
)
STRICT VOLATILE PARALLEL UNSAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'deploy_model_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:28
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"project_name" TEXT, /* & str */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:34
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"project_name" TEXT, /* & str */
	"features" double precision[] /* Array < '_, f64 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_f64_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:41
-- pgml::api::predict::predict
CREATE  FUNCTION "predict"(
	"model_id" bigint, /* i64 */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real /* f32 */
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_model_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:48
-- pgml::api::predict::predict_proba
CREATE  FUNCTION "predict_proba"(
	"project_name" TEXT, /* & str */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_proba_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/train.rs:25
-- pgml::api::train::train
CREATE  FUNCTION "train"(
	"project_name" TEXT, /* & str */
	"task" TEXT DEFAULT NULL, /* Option < & str > */
	"relation_name" TEXT DEFAULT NULL, /* Option < & str > */
	"y_column_name" TEXT DEFAULT NULL, /* Option < & str > */
	"algorithm" TEXT DEFAULT 'linear', /* & str */
	"hyperparams" jsonb DEFAULT '{}', /* JsonB */
	"search" TEXT DEFAULT NULL, /* Option < & str > */
	"search_params" jsonb DEFAULT '{}', /* JsonB */
	"search_args" jsonb DEFAULT '{}', /* JsonB */
	"test_size" real DEFAULT 0.25, /* f32 */
	"test_sampling" TEXT DEFAULT 'stratified', /* & str */
	"runtime" TEXT DEFAULT NULL, /* Option < & str > */
	"automatic_deploy" bool DEFAULT true, /* Option < bool > */
	"materialize_snapshot" bool DEFAULT false, /* bool */
	"preprocess" jsonb DEFAULT '{}' /* JsonB */
) RETURNS TABLE (
	"project" TEXT,  /* String */
	"task" TEXT,  /* String */
	"algorithm" TEXT,  /* String */
	"deployed" bool  /* bool */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'train_wrapper';
/* </end connected objects> */
