"""Reference probabilities for the kernel SVM's probability=True (svm_kernel_tests.rs).

scikit-learn's SVC(probability=True) fits libsvm's Platt scaling on 5-fold cross-validated
decision values whose folds libsvm shuffles with C's rand(); pgml shuffles with its own
generator, so the two agree to within the noise of the folds, not digit for digit. Features
are rounded to float32 first, as in make_svm_reference.py.

Run from this folder: python make_svm_proba_reference.py  (scikit-learn 1.9, numpy 2)
"""

import json

import numpy as np
import sklearn
from sklearn.datasets import make_blobs, make_moons
from sklearn.svm import SVC


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def rows(a):
    return [[float(v) for v in r] for r in a]


cases = []
x, y = make_moons(n_samples=120, noise=0.25, random_state=3)
xt, _ = make_moons(n_samples=30, noise=0.25, random_state=4)
blobs_x, blobs_y = make_blobs(n_samples=150, centers=3, cluster_std=2.0, random_state=5)
blobs_xt, _ = make_blobs(n_samples=30, centers=3, cluster_std=2.0, random_state=6)
for name, x, y, xt, params in [
    ("moons", x, y, xt, {"C": 1.0}),
    ("moons", x, y, xt, {"C": 10.0, "gamma": 2.0}),
    ("blobs3", blobs_x, blobs_y, blobs_xt, {"C": 1.0}),
]:
    x, xt = f32(x), f32(xt)
    model = SVC(probability=True, random_state=0, **params).fit(x, y)
    cases.append({
        "data": name,
        "params": params,
        "x": rows(x),
        "y": [int(v) for v in y],
        "x_test": rows(xt),
        "proba": rows(model.predict_proba(xt)),
        "predict": [int(v) for v in model.predict(xt)],
    })

with open("svm_proba_reference.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
