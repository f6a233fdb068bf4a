#!/usr/bin/env python3
"""PyTorch reference for the CTR benchmark (test/bench/ctr.ts): LR, FM and DeepFM on the same CSV,
fields, encoding, embedding size, optimiser (Adam; sparse "lazy" Adam on the embedding tables, as
Assay updates only the slots a batch touches), batch size, epochs and split as Assay.

Encoding mirrors workers/ctr/encode.ts with Assay's defaults: numeric columns become
sign(x)*ln(1+|x|), standardised with the population mean/std over every row, and a missing value
(NULL, NaN, +-Inf) gives x = 0 plus a missing-indicator slot (when the column has missing values);
text columns get a vocabulary of every level seen (slot 0 = NULL/other). The model is the contract
of workers/ctr/weights.ts: bias + sum_f w_f v_f + 1/2 sum_k ((sum_f e_fk v_f)^2 - sum_f (e_fk v_f)^2)
(+ an MLP over the concatenated e_f v_f for DeepFM, ReLU hidden layers with dropout); LR is the
bias and first-order part alone.

Split: the first (1 - valid_frac) of the rows train, the rest are the held-out rows (Assay's
'time' split on the row number). Prints one JSON line: AUC on the held-out rows and seconds per
epoch (training only, encoding excluded).

  python3 ctr_torch.py --csv ctr.csv --model fm --k 16 --epochs 3 --batch 1024 --threads 2
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score


def encode(df, target):
    fields = []  # per field: (slots int64 [N], values float32 [N], slot count)
    for name in df.columns:
        if name == target:
            continue
        col = df[name]
        if pd.api.types.is_numeric_dtype(col):
            x = col.to_numpy(dtype=np.float64)
            finite = np.isfinite(x)
            t = np.where(finite, np.sign(x) * np.log1p(np.abs(np.where(finite, x, 0.0))), 0.0)
            mean = t[finite].mean() if finite.any() else 0.0
            std = t[finite].std() if finite.any() else 1.0
            std = std if std > 0 else 1.0
            xs = np.where(finite, (t - mean) / std, 0.0)
            has_missing = not finite.all()
            slots = np.where(finite, 0, 1 if has_missing else 0).astype(np.int64)
            values = np.where(finite, xs, 1.0 if has_missing else 0.0).astype(np.float32)
            fields.append((slots, values, 2 if has_missing else 1))
        else:
            text = col.astype('string')
            counts = text.value_counts(dropna=True)
            levels = {level: i + 1 for i, level in enumerate(counts.index)}
            slots = text.map(levels).fillna(0).astype(np.int64).to_numpy()
            fields.append((slots, np.ones(len(df), dtype=np.float32), 1 + len(levels)))
    return fields


class FM(torch.nn.Module):
    def __init__(self, sizes, k, hidden, dropout):
        super().__init__()
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(sizes)[:-1]]), dtype=torch.int64)
        total = int(np.sum(sizes))
        self.linear = torch.nn.Embedding(total, 1, sparse=True)
        torch.nn.init.zeros_(self.linear.weight)
        # LR (k = 0): no embedding table at all.
        self.embed = torch.nn.Embedding(total, k, sparse=True) if k > 0 else None
        if self.embed is not None:
            torch.nn.init.normal_(self.embed.weight, std=0.01)
        self.bias = torch.nn.Parameter(torch.zeros(1))
        layers = []
        width = len(sizes) * k
        for h in hidden:
            layers += [torch.nn.Linear(width, h), torch.nn.ReLU(), torch.nn.Dropout(dropout)]
            width = h
        self.mlp = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)) if hidden else None

    def forward(self, slots, values):
        index = slots + self.offsets
        w = self.linear(index).squeeze(-1)
        if self.embed is None:
            return self.bias + (w * values).sum(1), None
        e = self.embed(index) * values.unsqueeze(-1)
        s = e.sum(1)
        margin = self.bias + (w * values).sum(1) + 0.5 * (s * s - (e * e).sum(1)).sum(1)
        if self.mlp is not None:
            margin = margin + self.mlp(e.flatten(1)).squeeze(-1)
        return margin, e


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--csv', required=True)
    p.add_argument('--target', default='label')
    p.add_argument('--model', choices=['lr', 'fm', 'deepfm'], default='fm')
    p.add_argument('--k', type=int, default=16)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--batch', type=int, default=1024)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--l2', type=float, default=1e-6)
    p.add_argument('--hidden', default='64,32')
    p.add_argument('--dropout', type=float, default=0.1)
    p.add_argument('--valid-frac', type=float, default=0.2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    header = pd.read_csv(a.csv, nrows=0).columns
    # C-fields are hex text (a level such as 12e45678 must not turn into a number).
    df = pd.read_csv(a.csv, dtype={c: 'string' for c in header if c.startswith('C')}, keep_default_na=True)
    labels = df[a.target].to_numpy(dtype=np.float32)
    fields = encode(df, a.target)
    slots = torch.from_numpy(np.stack([f[0] for f in fields], 1))
    values = torch.from_numpy(np.stack([f[1] for f in fields], 1))
    y = torch.from_numpy(labels)
    n = len(df)
    n_train = n - int(round(n * a.valid_frac))

    hidden = [int(h) for h in a.hidden.split(',') if h] if a.model == 'deepfm' else []
    model = FM([f[2] for f in fields], 0 if a.model == 'lr' else a.k, hidden, a.dropout)
    sparse = [model.linear.weight] + ([model.embed.weight] if model.embed is not None else [])
    dense = [q for q in model.parameters() if all(q is not s for s in sparse)]
    opt_sparse = torch.optim.SparseAdam(sparse, lr=a.lr)
    opt_dense = torch.optim.Adam(dense, lr=a.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(a.seed)

    seconds = []
    for _ in range(a.epochs):
        model.train()
        started = time.perf_counter()
        order = torch.randperm(n_train, generator=generator)
        for start in range(0, n_train, a.batch):
            idx = order[start:start + a.batch]
            margin, e = model(slots[idx], values[idx])
            loss = loss_fn(margin, y[idx])
            if e is not None:
                loss = loss + a.l2 * (e * e).sum() / len(idx)
            opt_sparse.zero_grad()
            opt_dense.zero_grad()
            loss.backward()
            opt_sparse.step()
            opt_dense.step()
        seconds.append(time.perf_counter() - started)

    model.eval()
    with torch.no_grad():
        margin, _ = model(slots[n_train:], values[n_train:])
    auc = roc_auc_score(labels[n_train:], margin.numpy())
    print(json.dumps({'model': a.model, 'auc': float(auc), 'seconds_per_epoch': seconds, 'threads': a.threads, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
