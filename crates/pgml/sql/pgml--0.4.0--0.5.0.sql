-- pgml 0.4.0 -> 0.5.0: multi-target regression (pgml.train_joint, pgml.predict_joint).
-- XGBoost / LightGBM need no SQL objects (new algorithm values already exist in pgml.algorithm).
-- Drafted by scripts/draft-upgrade-script.py from the two install scripts.

/* <begin connected objects> */
-- crates/pgml/src/api/predict.rs:88
-- pgml::api::predict::predict_joint
CREATE  FUNCTION "predict_joint"(
	"project_name" TEXT, /* & str */
	"features" real[] /* Array < '_, f32 > */
) RETURNS real[] /* Vec < f32 > */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'predict_joint_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- crates/pgml/src/api/train.rs:65
-- pgml::api::train::train_joint
CREATE  FUNCTION "train_joint"(
	"project_name" TEXT, /* & str */
	"task" TEXT DEFAULT NULL, /* Option < & str > */
	"relation_name" TEXT DEFAULT NULL, /* Option < & str > */
	"y_column_name" TEXT[] DEFAULT NULL, /* :: std :: option :: Option < Vec < Option < String > > > */
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
AS 'MODULE_PATHNAME', 'train_joint_wrapper';
/* </end connected objects> */

