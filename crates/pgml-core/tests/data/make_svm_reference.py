"""Reference values for the kernel SVM tests (crates/pgml-core/src/algorithms/svm_kernel_tests.rs).

Fits scikit-learn's SVC / SVR (pgml's `svm`) and NuSVC / NuSVR (`nu_svm`) on small deterministic data sets and records, per case, the
hyperparameters, scikit-learn's predictions, decision values, support-vector counts and
intercepts into svm_reference.json. Features are rounded to float32 first (pgml stores features
as f32), and written as the exact float64 value of that float32, so both sides fit the very same
numbers.

Run from this folder: python make_svm_reference.py  (scikit-learn 1.9, numpy 2)
"""

import json

import numpy as np
import sklearn
from sklearn.datasets import make_blobs, make_friedman1, make_moons
from sklearn.svm import SVC, SVR, NuSVC, NuSVR


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def rows(a):
    return [[float(v) for v in r] for r in a]


def rounded(a, digits=10):
    return [float(f"{v:.{digits}g}") for v in np.ravel(a)]


def stable(estimator, params, x, y, points):
    """Whether scikit-learn's own answer stays within the test's tolerance (1e-4, or 2e-3 at
    the default tol, of the largest decision value) when its tol is tightened to 1e-10. Where
    it moves more (NuSVC with a small nu at the default tol: the 1 / r scaling magnifies where
    the solver stops), two solvers that stop at different points cannot agree to it either,
    and the test checks classes and support-vector counts only."""
    def values(model):
        if hasattr(model, "decision_function") and not isinstance(model, (SVR, NuSVR)):
            return np.asarray(model.decision_function(points)).reshape(len(points), -1)
        return model.predict(points).reshape(-1, 1)
    given = values(estimator(**params).fit(x, y))
    tight = values(estimator(**{**params, "tol": 1e-10}).fit(x, y))
    scale = max(1.0, np.abs(given).max())
    allowed = 1e-4 if "tol" in params else 2e-3
    return bool(np.abs(given - tight).max() < 0.5 * allowed * scale)


def dataset(name, x, y, x_test):
    return {"name": name, "x": rows(f32(x)), "y": [float(v) for v in y], "x_test": rows(f32(x_test))}


def main():
    sets = {}
    x, y = make_moons(n_samples=150, noise=0.3, random_state=0)
    xt, _ = make_moons(n_samples=40, noise=0.3, random_state=1)
    sets["moons"] = dataset("moons", x, y, xt)

    x, y = make_blobs(n_samples=150, centers=3, n_features=4, cluster_std=2.5, random_state=1)
    xt, _ = make_blobs(n_samples=40, centers=3, n_features=4, cluster_std=2.5, random_state=2)
    sets["blobs3"] = dataset("blobs3", x, y, xt)

    # Four heavily overlapping, unbalanced classes: many bounded support vectors and vote ties.
    x, y = make_blobs(n_samples=[60, 40, 30, 20], n_features=2, cluster_std=1.8, random_state=3)
    xt, _ = make_blobs(n_samples=40, centers=4, n_features=2, cluster_std=3.0, random_state=4)
    sets["blobs4"] = dataset("blobs4", x, y, xt)

    x, y = make_friedman1(n_samples=150, n_features=5, noise=0.5, random_state=0)
    xt, _ = make_friedman1(n_samples=40, n_features=5, noise=0.5, random_state=1)
    sets["friedman"] = dataset("friedman", x, y, xt)

    tight = 1e-7
    classification = [
        ("moons", {}),
        ("moons", {"tol": tight}),
        ("moons", {"kernel": "linear", "C": 10.0, "tol": tight}),
        ("moons", {"kernel": "poly", "degree": 3, "gamma": "auto", "coef0": 1.0, "tol": tight}),
        ("moons", {"kernel": "sigmoid", "gamma": 0.5, "coef0": -1.0, "tol": tight}),
        ("moons", {"kernel": "rbf", "gamma": 2.0, "C": 100.0, "tol": tight}),
        ("blobs3", {"tol": tight}),
        ("blobs3", {"kernel": "linear", "C": 0.1, "tol": tight, "decision_function_shape": "ovo"}),
        ("blobs3", {"kernel": "poly", "degree": 2, "coef0": 0.5, "tol": tight}),
        ("blobs4", {}),
        ("blobs4", {"C": 3.0, "tol": tight, "class_weight": "balanced"}),
        ("blobs4", {"tol": tight, "decision_function_shape": "ovo"}),
        ("blobs4", {"tol": tight, "break_ties": True}),
        ("blobs4", {"kernel": "sigmoid", "gamma": 0.01, "coef0": 0.0, "C": 0.5, "tol": tight}),
    ]
    regression = [
        ("friedman", {}),
        ("friedman", {"tol": tight}),
        ("friedman", {"C": 10.0, "epsilon": 0.5, "tol": tight}),
        ("friedman", {"kernel": "linear", "C": 2.0, "tol": tight}),
        ("friedman", {"kernel": "poly", "degree": 2, "gamma": 0.3, "coef0": 1.0, "tol": tight}),
        ("friedman", {"kernel": "sigmoid", "gamma": 0.01, "coef0": 0.0, "C": 5.0, "tol": tight}),
    ]

    nu_classification = [
        ("moons", {"tol": tight}),
        ("moons", {"nu": 0.5, "kernel": "linear", "tol": tight}),
        ("moons", {"nu": 0.8, "kernel": "poly", "degree": 3, "gamma": "auto", "coef0": 1.0, "tol": tight}),
        ("blobs3", {"nu": 0.3, "tol": tight}),
        ("blobs3", {"nu": 0.6, "tol": tight, "decision_function_shape": "ovo"}),
        ("blobs4", {"nu": 0.3, "tol": tight}),
        ("blobs4", {"nu": 0.1}),
        ("blobs4", {"nu": 0.4, "tol": tight, "class_weight": "balanced"}),
    ]
    nu_regression = [
        ("friedman", {}),
        ("friedman", {"tol": tight}),
        ("friedman", {"nu": 0.2, "C": 10.0, "tol": tight}),
        ("friedman", {"nu": 0.9, "kernel": "linear", "C": 2.0, "tol": tight}),
        ("friedman", {"nu": 0.4, "kernel": "poly", "degree": 2, "gamma": 0.3, "coef0": 1.0, "tol": tight}),
    ]

    cases = []
    for task, specs, estimator, algorithm in [
        ("classification", classification, SVC, "svm"),
        ("regression", regression, SVR, "svm"),
        ("classification", nu_classification, NuSVC, "nu_svm"),
        ("regression", nu_regression, NuSVR, "nu_svm"),
    ]:
        for data_name, params in specs:
            data = sets[data_name]
            x, y = np.array(data["x"]), np.array(data["y"])
            points = np.vstack([x, np.array(data["x_test"])])
            model = estimator(**params).fit(x, y)
            cases.append(
                {
                    "task": task,
                    "algorithm": algorithm,
                    "data": data_name,
                    "hyperparams": params,
                    "predict": rounded(model.predict(points)),
                    "decision_function": [
                        rounded(r)
                        for r in (
                            model.predict(points).reshape(-1, 1)
                            if task == "regression"
                            else np.asarray(model.decision_function(points)).reshape(len(points), -1)
                        )
                    ],
                    "n_support": int(model.support_.shape[0]),
                    "pinned": stable(estimator, params, x, y, points),
                    "intercept": rounded(model.intercept_),
                }
            )
    out = {
        "sklearn": sklearn.__version__,
        "datasets": list(sets.values()),
        "cases": cases,
    }
    with open("svm_reference.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
