"""XGBoost reference for `npm run bench` (gbdt, gbdt-threads): trains on float32 binary matrices
written by test/bench/gbdt.ts or gbdt-threads.ts with the same parameters, at the thread counts
asked, and prints JSON. With "include_dmatrix" in the spec the training DMatrix is built inside
the timed span (as a caller starting from a float matrix pays for it). Needs numpy and xgboost
only: without scikit-learn the AUC comes from the rank formula below (ties averaged, as
roc_auc_score and Assay's auc)."""
import json
import resource
import sys
import time

import numpy as np
import xgboost as xgb

try:
    from sklearn.metrics import roc_auc_score
except ImportError:
    def roc_auc_score(y, p):
        order = np.argsort(p, kind="mergesort")
        ps, ys = p[order], y[order]
        _, inverse, counts = np.unique(ps, return_inverse=True, return_counts=True)
        ends = np.cumsum(counts)
        ranks = ((ends - counts + 1 + ends) / 2.0)[inverse]
        positives = float((ys > 0.5).sum())
        negatives = len(ys) - positives
        return (ranks[ys > 0.5].sum() - positives * (positives + 1) / 2) / (positives * negatives)


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
        timed_dmatrix = bool(spec.get("include_dmatrix"))
        if not timed_dmatrix:
            d = xgb.DMatrix(X, label=y, missing=np.nan, nthread=threads)
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        if timed_dmatrix:
            d = xgb.DMatrix(X, label=y, missing=np.nan, nthread=threads)
        booster = xgb.train(params, d, rounds)
        wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
        dt = xgb.DMatrix(Xt, missing=np.nan, nthread=threads)
        p0 = time.perf_counter()
        pred = booster.predict(dt)
        pred_ms = (time.perf_counter() - p0) * 1000
        if spec.get("skip_predict"):
            out.append({"threads": threads, "train_ms": wall * 1000, "train_cpu_ms": cpu * 1000, "auc": float(roc_auc_score(yt, pred)), "xgboost": xgb.__version__})
            if spec.get("stream"):
                print(json.dumps(out[-1]), flush=True)
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
