"""scikit-learn reference for `npm run bench -- --only labels`.

Reads a JSON job from argv[1]: {"texts": [...], "labels": [...], "train": [row ids], "holdout": [row ids],
"C": 10, "label_texts": [...]} and prints one JSON line: accuracy, macro-F1 and the coverage one
confidence threshold reaches at 90/95/99% precision on the held-out rows, train seconds, and the seconds
to label `label_texts`. Features as Assay's labeler: TF-IDF of word 1-2-grams and of character
2-4-grams inside words (char_wb), each L2-normalised, side by side; multinomial LogisticRegression.
"""
import json
import sys
import time

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

WORD_PATTERN = r"(?u)[^\W_]+"


def coverage_at(confidence, correct, precision):
    """Largest share of rows a confidence threshold keeps at `precision` or better (ties kept together)."""
    order = np.lexsort((np.arange(len(confidence)), -confidence))
    conf = confidence[order]
    right = np.cumsum(correct[order])
    kept = np.arange(1, len(conf) + 1)
    boundary = np.append(conf[1:] < conf[:-1], True)
    ok = boundary & (right / kept >= precision - 1e-12)
    return float(kept[ok].max() / len(conf)) if ok.any() else 0.0


def main():
    job = json.load(open(sys.argv[1], encoding="utf-8"))
    texts = np.array(job["texts"], dtype=object)
    labels = np.array(job["labels"], dtype=object)
    train = np.array(job["train"], dtype=np.int64)
    holdout = np.array(job["holdout"], dtype=np.int64)
    words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=WORD_PATTERN, strip_accents="unicode", lowercase=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), strip_accents="unicode", lowercase=True)
    started = time.perf_counter()
    x_train = hstack([words.fit_transform(texts[train]), chars.fit_transform(texts[train])]).tocsr()
    model = LogisticRegression(C=float(job.get("C", 10)), max_iter=int(job.get("max_iter", 1000)))
    model.fit(x_train, labels[train])
    train_seconds = time.perf_counter() - started
    x_hold = hstack([words.transform(texts[holdout]), chars.transform(texts[holdout])]).tocsr()
    proba = model.predict_proba(x_hold)
    best = proba.argmax(axis=1)
    predicted = model.classes_[best]
    truth = labels[holdout]
    confidence = proba.max(axis=1)
    correct = (predicted == truth).astype(np.float64)
    label_texts = np.array(job.get("label_texts", []), dtype=object)
    label_seconds = None
    if len(label_texts) > 0:
        started = time.perf_counter()
        x_new = hstack([words.transform(label_texts), chars.transform(label_texts)]).tocsr()
        model.predict_proba(x_new).argmax(axis=1)
        label_seconds = time.perf_counter() - started
    out = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macroF1": float(f1_score(truth, predicted, average="macro")),
        "coverageAt": {str(p): coverage_at(confidence, correct, p) for p in (0.9, 0.95, 0.99)},
        "trainSeconds": train_seconds,
        "labelSeconds": label_seconds,
        "labelRows": int(len(label_texts)),
        "features": int(x_train.shape[1]),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
