-- The built-in toy datasets load into pgml.<name> with PostgresML's layouts, and train.
CREATE EXTENSION IF NOT EXISTS pgml;
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.load_dataset('diabetes');
SELECT * FROM pgml.load_dataset('breast_cancer');
SELECT * FROM pgml.load_dataset('wine');
SELECT * FROM pgml.load_dataset('linnerud');
SELECT * FROM pgml.load_dataset('digits', "limit" => 10);
-- Loading again replaces the table rather than appending.
SELECT * FROM pgml.load_dataset('iris');
SELECT target, count(*), round(avg(petal_length)::numeric, 3) AS avg_petal_length FROM pgml.iris GROUP BY target ORDER BY target;
SELECT round(avg(target)::numeric, 2) AS avg_target, round(sum(bmi)::numeric, 4) AS sum_bmi_is_zero FROM pgml.diabetes;
SELECT malignant, count(*) FROM pgml.breast_cancer GROUP BY malignant ORDER BY malignant;
SELECT array_dims(image), target FROM pgml.digits LIMIT 2;
SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = 'pgml' AND table_name = 'breast_cancer' ORDER BY ordinal_position LIMIT 3;

-- PostgresML's quick start: classification on iris, regression on diabetes.
SELECT project, task, algorithm, deployed FROM pgml.train('Iris Flower Types', 'classification', 'pgml.iris', 'target');
SELECT (metrics->>'f1')::float8 > 0.85 AS good_f1 FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT pgml.predict('Iris Flower Types', ARRAY[5.1, 3.5, 1.4, 0.2]::real[]) AS setosa,
       pgml.predict('Iris Flower Types', ARRAY[6.7, 3.0, 5.2, 2.3]::real[]) AS virginica;
SELECT project, task, algorithm, deployed FROM pgml.train('Diabetes Progression', 'regression', 'pgml.diabetes', 'target');
SELECT (metrics->>'r2')::float8 BETWEEN 0.3 AND 0.7 AS plausible_r2 FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT project, task, deployed FROM pgml.train('Breast Cancer', 'classification', 'pgml.breast_cancer', 'malignant');
SELECT (metrics->>'accuracy')::float8 > 0.9 AS accurate FROM pgml.models ORDER BY id DESC LIMIT 1;

-- Bad input.
SELECT * FROM pgml.load_dataset('imdb');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.load_dataset('iris', subset => 'train');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pgml.load_dataset('iris', "limit" => -1);
\echo :LAST_ERROR_SQLSTATE

DELETE FROM pgml.projects;
DELETE FROM pgml.snapshots;
-- PostgresML's column names, slash included.
SELECT round(avg("od280/od315_of_diluted_wines")::numeric, 2) AS od280_od315 FROM pgml.wine;
DROP TABLE pgml.iris, pgml.diabetes, pgml.breast_cancer, pgml.wine, pgml.linnerud, pgml.digits;
