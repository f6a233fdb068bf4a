"""XGBoost reference for `npm run bench` (gbdt): trains on float32 binary matrices written by
test/bench/gbdt.ts with the same parameters, at the thread counts asked, and prints JSON."""
import json
import resource
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    spec = json.load(open(sys.argv[1]))
    F = spec["features"]
    X = np.fromfile(spec["x_train"], dtype=np.float32).reshape(-1, F)
    y = np.fromfile(spec["y_train"], dtype=np.float32)
    Xt = np.fromfile(spec["x_test"], dtype=np.float32).reshape(-1, F)
    yt = np.fromfile(spec["y_test"], dtype=np.float32)
    out = []
    for threads in spec["threads"]:
        params = dict(spec["params"])
        params.update({"tree_method": "hist", "nthread": threads, "objective": "binary:logistic"})
        rounds = params.pop("num_boost_round")
        d = xgb.DMatrix(X, label=y, missing=np.nan, nthread=threads)
        dt = xgb.DMatrix(Xt, missing=np.nan, nthread=threads)
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        booster = xgb.train(params, d, rounds)
        wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
        p0 = time.perf_counter()
        pred = booster.predict(dt)
        pred_ms = (time.perf_counter() - p0) * 1000
        if spec.get("skip_predict"):
            out.append({"threads": threads, "train_ms": wall * 1000, "train_cpu_ms": cpu * 1000, "auc": float(roc_auc_score(yt, pred)), "xgboost": xgb.__version__})
            continue
        full = xgb.DMatrix(np.vstack([X, Xt])[:1_000_000], missing=np.nan, nthread=threads)
        q0 = time.perf_counter()
        booster.predict(full)
        predict_1m_ms = (time.perf_counter() - q0) * 1000
        out.append({"threads": threads, "train_ms": wall * 1000, "train_cpu_ms": cpu * 1000, "auc": float(roc_auc_score(yt, pred)),
                    "predict_test_ms": pred_ms, "predict_1m_ms": predict_1m_ms, "xgboost": xgb.__version__})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
