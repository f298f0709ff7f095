#!/usr/bin/env python3
"""The Python microservice pgml.predict is compared against (bench/predict.sh): FastAPI on
uvicorn, one worker per core, serving an XGBoost model with the xgboost package.

    python bench/predict_service.py MODEL.json PORT [WORKERS]

POST /predict with {"features": [10 numbers]} answers {"prediction": x}. The model file is
the very model pgml trained (pgml.files' xgboost.json), so both sides evaluate the same trees.
"""
import os
import sys

import numpy as np
import uvicorn
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel

MODEL = os.environ.get("PGML_BENCH_MODEL", "")
booster = None
if MODEL:
    booster = xgb.Booster(model_file=MODEL)
    booster.set_param({"nthread": 1})

app = FastAPI()


class Row(BaseModel):
    features: list[float]


@app.post("/predict")
def predict(row: Row):
    x = np.asarray([row.features], dtype=np.float32)
    return {"prediction": float(booster.inplace_predict(x)[0])}


if __name__ == "__main__":
    model, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    os.environ["PGML_BENCH_MODEL"] = model
    uvicorn.run("predict_service:app", host="127.0.0.1", port=port, workers=workers,
                log_level="warning", access_log=False, app_dir=os.path.dirname(os.path.abspath(__file__)))
