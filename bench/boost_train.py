"""Training time of Python's xgboost and lightgbm on the table written by pgml-boost's
train_bench example (same rows, same parameters, same thread count). Prints TSV lines
`library task seconds` (median of REPEATS): DMatrix / Dataset construction plus training.

    python boost_train.py DIR ROWS THREADS REPEATS
"""
import statistics
import sys
import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb

d, rows, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(f"{d}/x.f32", dtype="<f4").reshape(rows, 20)
ys = {
    "regression": np.fromfile(f"{d}/y_reg.f32", dtype="<f4"),
    "classification": np.fromfile(f"{d}/y_clf.f32", dtype="<f4"),
}
print(f"# python xgboost {xgb.__version__}, lightgbm {lgb.__version__}", file=sys.stderr)
for task, y in ys.items():
    xp = {"max_depth": 6, "eta": 0.3, "tree_method": "hist", "nthread": threads, "verbosity": 0}
    lp = {"num_leaves": 31, "learning_rate": 0.1, "num_threads": threads, "verbosity": -1,
          "objective": "regression"}
    if task == "classification":
        xp.update(objective="multi:softprob", num_class=3)
        lp.update(objective="multiclass", num_class=3)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        xgb.train(xp, xgb.DMatrix(X, label=y, nthread=threads), num_boost_round=100)
        times.append(time.perf_counter() - started)
    print(f"xgboost\t{task}\t{statistics.median(times):.3f}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        lgb.train(lp, lgb.Dataset(X, label=y), num_boost_round=100)
        times.append(time.perf_counter() - started)
    print(f"lightgbm\t{task}\t{statistics.median(times):.3f}")
