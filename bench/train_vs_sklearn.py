"""Fits scikit-learn's counterpart of each pgml algorithm on the same CSV data, with the same
hyperparameters and split sizes, and prints `algorithm<TAB>task<TAB>fit seconds` (median of
repeats). Used by bench/train.sh."""
import sys
import time

import numpy as np
from sklearn.cluster import DBSCAN, KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, BaggingClassifier, BaggingRegressor,
                              ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor)
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import (ARDRegression, BayesianRidge, ElasticNet, HuberRegressor, Lars, Lasso, LassoLars,
                                  LinearRegression, LogisticRegression, OrthogonalMatchingPursuit, QuantileRegressor, Ridge)
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVR, NuSVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

path, task, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = np.loadtxt(path, delimiter=",", dtype=np.float32)
# Unsupervised tasks learn from every column (pgml trains them without y_column_name).
x, y = (data, np.zeros(len(data))) if task == "unsupervised" else (data[:, :-1], data[:, -1])
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
        "lasso": lambda: Lasso(alpha=0.1),
        "elastic_net": lambda: ElasticNet(alpha=0.1, l1_ratio=0.5),
        "bayesian_ridge": lambda: BayesianRidge(),
        "automatic_relevance_determination": lambda: ARDRegression(),
        "orthogonal_matching_pursuit": lambda: OrthogonalMatchingPursuit(),
        "huber": lambda: HuberRegressor(),
        "least_angle": lambda: Lars(),
        "lasso_least_angle": lambda: LassoLars(alpha=0.1),
        "bagging": lambda: BaggingRegressor(random_state=1),
        "ada_boost": lambda: AdaBoostRegressor(random_state=1),
    },
    # Kernel models hold an n x n matrix: timed on a smaller table.
    "kernel": {
        "kernel_ridge": lambda: KernelRidge(alpha=1.0, kernel="rbf"),
        "gaussian_process": lambda: GaussianProcessRegressor(normalize_y=True, alpha=0.01),
        "quantile": lambda: QuantileRegressor(alpha=0.01),
        "svm": lambda: SVR(),
        "nu_svm": lambda: NuSVR(),
    },
    "unsupervised": {
        "kmeans": lambda: KMeans(n_clusters=8, n_init=1, random_state=1),
        "mini_batch_kmeans": lambda: MiniBatchKMeans(n_clusters=8, batch_size=1024, random_state=1, n_init=1),
        "dbscan": lambda: DBSCAN(eps=6.0, min_samples=5),
        "pca": lambda: PCA(n_components=5),
    },
    "classification": {
        "linear": lambda: LogisticRegression(max_iter=100),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=1),
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, random_state=1, n_jobs=1),
        "extra_trees": lambda: ExtraTreesClassifier(n_estimators=100, random_state=1, n_jobs=1),
        "knn": lambda: KNeighborsClassifier(),
        "naive_bayes": lambda: GaussianNB(),
        "bagging": lambda: BaggingClassifier(random_state=1),
        "ada_boost": lambda: AdaBoostClassifier(random_state=1),
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
