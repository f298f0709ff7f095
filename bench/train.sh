#!/usr/bin/env bash
# Training time of pgml's pure-Rust algorithms versus scikit-learn on the same data: a synthetic
# table of ROWS rows x 20 features (regression and classification), 75 % used to fit. pgml's
# figure is the model's own `fit_time` metric (the fit alone, as scikit-learn's is); both run
# single-threaded (scikit-learn with OMP/BLAS threads set to 1) with the same hyperparameters;
# medians of REPEATS.
#   bench/train.sh [rows, default 20000] [repeats, default 3]
source "$(dirname "$0")/../scripts/lib.sh"
ROWS=${1:-20000}
REPEATS=${2:-3}
# Kernel models (kernel_ridge, gaussian_process, svm, nu_svm) hold an n x n matrix (or cache
# its rows), and quantile solves a linear program: a smaller table.
KERNEL_ROWS=${KERNEL_ROWS:-2000}
PY=$("$REPO/bench/python-env.sh")
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -q <<SQL
DROP VIEW IF EXISTS bench_train_unsup, bench_train_kernel;
DROP TABLE IF EXISTS bench_train_reg, bench_train_clf;
SELECT setseed(0.42);
CREATE TABLE bench_train_reg AS
SELECT $(for i in $(seq 1 20); do printf 'f[%d] AS f%d, ' "$i" "$i"; done)
       (f[1] * 3 - f[2] * 2 + f[3] * f[4] + sin(f[5]) * 4 + f[6] - f[7] * 0.5 + random())::real AS y
FROM (SELECT ARRAY(SELECT (random() * 10)::real FROM generate_series(1, 20) WHERE g > 0) AS f
      FROM generate_series(1, $ROWS) AS g) t;
CREATE VIEW bench_train_kernel AS SELECT * FROM bench_train_reg LIMIT $KERNEL_ROWS;
CREATE VIEW bench_train_unsup AS SELECT $(for i in $(seq 1 19); do printf 'f%d, ' "$i"; done) f20 FROM bench_train_reg;
CREATE TABLE bench_train_clf AS
SELECT $(for i in $(seq 1 20); do printf 'f%d, ' "$i"; done)
       (CASE WHEN y > 12 THEN 2 WHEN y > 3 THEN 1 ELSE 0 END)::real AS y FROM bench_train_reg;
DELETE FROM pgml.projects WHERE name LIKE 'bench_train_%';
SQL
for t in reg clf unsup kernel; do
    psql_pgml -d "$PGML_DB" -qc "\\copy (SELECT * FROM bench_train_$t) TO '$work/$t.csv' WITH (FORMAT csv)"
done

declare -A sk
while IFS=$'\t' read -r name task secs; do sk["$name/$task"]=$secs; done < <(
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" "$REPO/bench/train_vs_sklearn.py" "$work/reg.csv" regression "$REPEATS"
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" "$REPO/bench/train_vs_sklearn.py" "$work/clf.csv" classification "$REPEATS"
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" "$REPO/bench/train_vs_sklearn.py" "$work/unsup.csv" unsupervised "$REPEATS"
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$PY" "$REPO/bench/train_vs_sklearn.py" "$work/kernel.csv" kernel "$REPEATS"
)

pgml_fit() { # task relation algorithm hyperparams -> median fit_time
    local task=$1 relation=$2 algorithm=$3 hyperparams=$4 label="'y'"
    case "$task" in clustering | decomposition) label=NULL ;; esac
    for _ in $(seq "$REPEATS"); do
        psql_pgml -d "$PGML_DB" -qAt -v ON_ERROR_STOP=1 -c "SELECT 1 FROM pgml.train('bench_train_${task}_$algorithm', '$task', '$relation', $label, '$algorithm', '$hyperparams', test_sampling => 'last', automatic_deploy => false)" >/dev/null
        psql_pgml -d "$PGML_DB" -qAt -c "SELECT (metrics->>'fit_time') FROM pgml.models ORDER BY id DESC LIMIT 1"
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "| task | algorithm | pgml fit s | scikit-learn fit s | pgml / scikit-learn |"
echo "|---|---|---:|---:|---:|"
for spec in "regression bench_train_reg linear {}" "regression bench_train_reg ridge {}" \
    "regression bench_train_reg decision_tree {\"random_state\":1}" \
    "regression bench_train_reg random_forest {\"random_state\":1}" \
    "regression bench_train_reg extra_trees {\"random_state\":1}" \
    "regression bench_train_reg knn {}" \
    "classification bench_train_clf linear {}" \
    "classification bench_train_clf decision_tree {\"random_state\":1}" \
    "classification bench_train_clf random_forest {\"random_state\":1}" \
    "classification bench_train_clf extra_trees {\"random_state\":1}" \
    "classification bench_train_clf knn {}" \
    "classification bench_train_clf naive_bayes {}" \
    "regression bench_train_reg lasso {\"alpha\":0.1}" \
    "regression bench_train_reg elastic_net {\"alpha\":0.1,\"l1_ratio\":0.5}" \
    "clustering bench_train_unsup kmeans {\"n_clusters\":8,\"n_init\":1,\"random_state\":1}" \
    "clustering bench_train_unsup mini_batch_kmeans {\"n_clusters\":8,\"batch_size\":1024,\"random_state\":1}" \
    "clustering bench_train_unsup dbscan {\"eps\":6.0,\"min_samples\":5}" \
    "decomposition bench_train_unsup pca {\"n_components\":5}" \
    "regression bench_train_reg bayesian_ridge {}" \
    "regression bench_train_reg automatic_relevance_determination {}" \
    "regression bench_train_reg orthogonal_matching_pursuit {}" \
    "regression bench_train_reg huber {}" \
    "regression bench_train_reg least_angle {}" \
    "regression bench_train_reg lasso_least_angle {\"alpha\":0.1}" \
    "regression bench_train_kernel quantile {\"alpha\":0.01}" \
    "regression bench_train_reg bagging {\"random_state\":1}" \
    "regression bench_train_reg ada_boost {\"random_state\":1}" \
    "classification bench_train_clf bagging {\"random_state\":1}" \
    "classification bench_train_clf ada_boost {\"random_state\":1}" \
    "regression bench_train_kernel kernel_ridge {\"kernel\":\"rbf\"}" \
    "regression bench_train_kernel gaussian_process {\"normalize_y\":true,\"alpha\":0.01}" \
    "regression bench_train_kernel svm {}" \
    "regression bench_train_kernel nu_svm {}"; do
    read -r task relation algorithm hyperparams <<<"$spec"
    ours=$(pgml_fit "$task" "$relation" "$algorithm" "$hyperparams")
    key="$algorithm/$task"
    case "$task" in clustering | decomposition) key="$algorithm/unsupervised" ;; esac
    [ "$relation" = bench_train_kernel ] && key="$algorithm/kernel"
    theirs=${sk["$key"]}
    printf '| %s | %s | %.4f | %.4f | %.2f |\n' "$task" "$algorithm" "$ours" "$theirs" \
        "$(awk -v a="$ours" -v b="$theirs" 'BEGIN{print a/b}')"
done
psql_pgml -d "$PGML_DB" -qc "DELETE FROM pgml.projects WHERE name LIKE 'bench_train_%'; DROP VIEW bench_train_unsup, bench_train_kernel; DROP TABLE bench_train_reg, bench_train_clf;"
