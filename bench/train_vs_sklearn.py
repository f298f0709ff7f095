"""Fits scikit-learn's counterpart of each pgml algorithm on the same CSV data, with the same
hyperparameters and split sizes, and prints `algorithm<TAB>task<TAB>fit seconds` (median of
repeats). Used by bench/train.sh."""
import sys
import time

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

path, task, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = np.loadtxt(path, delimiter=",", dtype=np.float32)
x, y = data[:, :-1], data[:, -1]
n_train = int(len(y) * 0.75)
x, y = x[:n_train], y[:n_train]

models = {
    "regression": {
        "linear": lambda: LinearRegression(),
        "ridge": lambda: Ridge(alpha=1.0),
        "decision_tree": lambda: DecisionTreeRegressor(random_state=1),
        "random_forest": lambda: RandomForestRegressor(n_estimators=100, random_state=1, n_jobs=1),
        "extra_trees": lambda: ExtraTreesRegressor(n_estimators=100, random_state=1, n_jobs=1),
        "knn": lambda: KNeighborsRegressor(),
    },
    "classification": {
        "linear": lambda: LogisticRegression(max_iter=100),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=1),
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, random_state=1, n_jobs=1),
        "extra_trees": lambda: ExtraTreesClassifier(n_estimators=100, random_state=1, n_jobs=1),
        "knn": lambda: KNeighborsClassifier(),
        "naive_bayes": lambda: GaussianNB(),
    },
}[task]
for name, make in models.items():
    times = []
    for _ in range(repeats):
        model = make()
        started = time.perf_counter()
        model.fit(x, y)
        times.append(time.perf_counter() - started)
    print(f"{name}\t{task}\t{sorted(times)[len(times) // 2]:.4f}", flush=True)
