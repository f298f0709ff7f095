-- Clustering and decomposition learn without a label; lasso, elastic net and linear SVMs
-- round out the supervised algorithms.
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT table_name FROM pgml.load_dataset('iris');
CREATE VIEW iris_features AS SELECT sepal_length, sepal_width, petal_length, petal_width FROM pgml.iris;

-- Clustering: k-means finds the three species' clusters; silhouette scores them.
SELECT project, task, algorithm, deployed FROM pgml.train('iris_clusters', 'clustering', 'iris_features',
    algorithm => 'kmeans', hyperparams => '{"n_clusters": 3, "random_state": 1}');
SELECT (metrics->>'silhouette')::float8 > 0.4 AS well_separated, num_features FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT pgml.predict('iris_clusters', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) <> pgml.predict('iris_clusters', ARRAY[6.7, 3.0, 5.2, 2.3]::real[])
    AS setosa_and_virginica_apart;
SELECT count(DISTINCT pgml.predict('iris_clusters', ARRAY[sepal_length, sepal_width, petal_length, petal_width])) AS clusters
FROM pgml.iris;
SELECT deployed FROM pgml.train('iris_clusters', algorithm => 'mini_batch_kmeans', hyperparams => '{"n_clusters": 3, "batch_size": 50}');
SELECT metrics ? 'silhouette' AS scored FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT deployed FROM pgml.train('iris_clusters', algorithm => 'dbscan', hyperparams => '{"eps": 0.5, "min_samples": 5}');
SELECT pgml.predict(id, ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) >= 0 AS dense_point_in_a_cluster,
       pgml.predict(id, ARRAY[50, 50, 50, 50]::real[]) AS far_point_is_noise
FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Decomposition: PCA; most of iris' variance lies in two components.
SELECT project, task, algorithm FROM pgml.train('iris_pca', 'decomposition', 'iris_features', algorithm => 'pca',
    hyperparams => '{"n_components": 2}');
SELECT (metrics->>'cumulative_explained_variance')::float8 > 0.95 AS two_components_suffice FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT array_length(pgml.decompose('iris_pca', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]), 1) AS components;
SELECT pgml.predict('iris_pca', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pgml.decompose('iris_clusters', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]);
\echo :LAST_ERROR_SQLSTATE
-- The default algorithm ('linear') means kmeans for clustering and pca for decomposition,
-- as in PostgresML's pgml.train.
SELECT project, task, algorithm FROM pgml.train('default_clusters', 'clustering', 'iris_features',
    hyperparams => '{"n_clusters": 3, "random_state": 1}');
SELECT project, task, algorithm FROM pgml.train('default_pca', 'decomposition', 'iris_features',
    hyperparams => '{"n_components": 2}');
SELECT p.name, m.algorithm FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
WHERE p.name LIKE 'default\_%' ORDER BY m.id;
SELECT array_length(pgml.decompose('default_pca', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]), 1) AS components;

-- Supervised additions.
SELECT table_name FROM pgml.load_dataset('diabetes');
SELECT algorithm, deployed IS NOT NULL AS trained FROM pgml.train('diabetes', 'regression', 'pgml.diabetes', 'target', 'lasso', '{"alpha": 0.1}');
SELECT algorithm, deployed IS NOT NULL AS trained FROM pgml.train('diabetes', algorithm => 'elastic_net', hyperparams => '{"alpha": 0.01, "l1_ratio": 0.5}');
SELECT algorithm, deployed IS NOT NULL AS trained FROM pgml.train('diabetes', algorithm => 'svm', hyperparams => '{"C": 10}');
SELECT algorithm, (metrics->>'r2')::float8 > 0.2 AS learned FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
WHERE p.name = 'diabetes' ORDER BY m.id;
SELECT algorithm, deployed IS NOT NULL AS trained FROM pgml.train('iris_svm', 'classification', 'pgml.iris', 'target', 'linear_svm');
SELECT (metrics->>'accuracy')::float8 > 0.8 AS accurate FROM pgml.models ORDER BY id DESC LIMIT 1;
-- Kernel SVMs (scikit-learn's SVC / SVR: rbf by default; one-vs-one for three classes).
SELECT algorithm FROM pgml.train('iris_svm', algorithm => 'svm');
SELECT algorithm FROM pgml.train('iris_svm', algorithm => 'svm', hyperparams => '{"kernel": "poly", "degree": 2, "C": 5}');
SELECT algorithm FROM pgml.train('iris_svm', algorithm => 'svm', hyperparams => '{"kernel": "linear", "class_weight": "balanced"}');
SELECT hyperparams, (metrics->>'accuracy')::float8 > 0.85 AS accurate FROM pgml.models ORDER BY id DESC LIMIT 3;
SELECT * FROM pgml.deploy('iris_svm', 'most_recent', 'svm');
SELECT pgml.predict('iris_svm', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS setosa, pgml.predict('iris_svm', ARRAY[6.7, 3.0, 5.2, 2.3]::real[]) AS virginica;
SELECT array_length(pgml.predict_proba('iris_svm', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]), 1) AS classes;
-- probability => true: libsvm's Platt scaling (cross-validated per pair of classes, coupled).
SELECT algorithm FROM pgml.train('iris_svm', algorithm => 'svm', hyperparams => '{"probability": true, "random_state": 1}');
SELECT * FROM pgml.deploy('iris_svm', 'most_recent', 'svm');
SELECT array_length(p, 1) AS classes, abs((SELECT sum(x) FROM unnest(p) x) - 1) < 1e-5 AS sums_to_one,
       p[1] > 0.8 AS setosa_likely, p[1] < 1 AS not_certain
FROM (SELECT pgml.predict_proba('iris_svm', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS p) t;
SELECT algorithm FROM pgml.train('diabetes', algorithm => 'svm', hyperparams => '{"kernel": "rbf", "C": 30}');
SELECT (metrics->>'r2')::float8 > 0.2 AS learned FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Bad input.
SELECT * FROM pgml.train('bad_clusters', 'clustering', 'pgml.iris', 'target', 'kmeans');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad_regression', 'regression', 'pgml.iris');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('bad_clusters', 'clustering', 'iris_features', algorithm => 'kmeans', hyperparams => '{"n_clusters": 500}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes', algorithm => 'svm', hyperparams => '{"kernel": "precomputed"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes', algorithm => 'svm', hyperparams => '{"kernel": "rbf", "gamma": -1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes', algorithm => 'svm', hyperparams => '{"kernel": "cubic"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('iris_svm', algorithm => 'linear_svm', hyperparams => '{"kernel": "rbf"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.train('diabetes', algorithm => 'elastic_net', hyperparams => '{"l1_ratio": 2}');
\echo :LAST_ERROR_SQLSTATE

-- A cancel (here statement_timeout) stops k-means between Lloyd iterations (and L-BFGS
-- between its iterations), with PostgreSQL's own error, and leaves nothing behind.
CREATE TABLE kmeans_points AS
SELECT random() AS a, random() AS b, random() AS c, random() AS d FROM generate_series(1, 50000);
SET statement_timeout = '3s';
SELECT * FROM pgml.train('endless_kmeans', 'clustering', 'kmeans_points', algorithm => 'kmeans',
    hyperparams => '{"n_clusters": 400, "n_init": 100000, "max_iter": 1000000, "tol": 0}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS endless_projects FROM pgml.projects WHERE name = 'endless_kmeans';
DROP TABLE kmeans_points;

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
DROP VIEW iris_features;
DROP TABLE pgml.iris, pgml.diabetes;
