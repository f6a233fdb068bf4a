"""Reference runs of real XGBoost (Debian's python3-xgboost) for Assay's parity tests.

Usage: xgb_reference.py SPEC.json — SPEC has "task" and file paths; results are written to files
named in SPEC. Float32 CSV in, full-precision text out.
"""
import json
import sys

import numpy as np
import xgboost as xgb


def load(path):
    data = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    return data.astype(np.float32)


def main():
    spec = json.load(open(sys.argv[1]))
    task = spec["task"]
    if task == "train":
        X = load(spec["x"])
        y = np.loadtxt(spec["y"], dtype=np.float32, ndmin=1)
        d = xgb.DMatrix(X, label=y, missing=np.nan, feature_names=spec.get("feature_names"))
        params = dict(spec["params"])
        params.setdefault("tree_method", "hist")
        params.setdefault("nthread", 1)
        rounds = params.pop("num_boost_round")
        booster = xgb.train(params, d, rounds)
        booster.save_model(spec["model_out"])
        np.savetxt(spec["pred_out"], booster.predict(d).reshape(len(y), -1), fmt="%.9g", delimiter=",")
        if "x_test" in spec:
            Xt = load(spec["x_test"])
            dt = xgb.DMatrix(Xt, missing=np.nan, feature_names=spec.get("feature_names"))
            np.savetxt(spec["test_pred_out"], booster.predict(dt).reshape(Xt.shape[0], -1), fmt="%.9g", delimiter=",")
    elif task == "predict":
        booster = xgb.Booster(model_file=spec["model"])
        X = load(spec["x"])
        d = xgb.DMatrix(X, missing=np.nan, feature_names=booster.feature_names)
        np.savetxt(spec["pred_out"], booster.predict(d).reshape(X.shape[0], -1), fmt="%.9g", delimiter=",")
        if "contribs_out" in spec:
            c = booster.predict(d, pred_contribs=True)
            np.savetxt(spec["contribs_out"], c.reshape(X.shape[0], -1), fmt="%.9g", delimiter=",")
    else:
        raise SystemExit("unknown task " + task)


if __name__ == "__main__":
    main()
