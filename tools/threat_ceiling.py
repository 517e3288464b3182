#!/usr/bin/python3
"""How far other text classifiers get on the held-out threat splits of docs/evaluation.md.

A reference check, not part of the build or of `make check`: it needs scikit-learn
(`apt-get install python3-sklearn`; run it with Debian's /usr/bin/python3). It trains on exactly
what `make eval` trains on and scores the same rows:
  EDOS dev split  <- EDOS train split + ETHOS + HateCheck EN/ES threats
  ETHOS (violence >= 0.5) <- EDOS train+dev + HateCheck EN/ES threats
with TF-IDF word 1-2-grams + character 2-5-grams and logistic regression or a linear SVM over a
small grid, a one-hidden-layer network, and gradient boosting on 200 SVD components. It prints
ROC-AUC per dataset and model.

Usage: /usr/bin/python3 tools/threat_ceiling.py [DATA_DIR]   (default ../shared/data)
"""
import csv
import sys

import numpy as np
from scipy.sparse import hstack
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

csv.field_size_limit(10 ** 9)
D = (sys.argv[1] if len(sys.argv) > 1 else "../shared/data").rstrip("/") + "/"
THREAT = "1. threats, plans to harm and incitement"


def rows(path, delim=","):
    with open(D + path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=delim))


edos = rows("edos/edos_train_dev.csv")
ethos = rows("ethos/Ethos_Dataset_Multi_Label.csv", ";")
hc = rows("hatecheck_en/test_suite_cases.csv") + \
    rows("multilingual_hatecheck_es/hatecheck_cases_final_spanish.csv")
edos_train = [(r["text"], r["label_category"] == THREAT) for r in edos if r["split"] == "train"]
edos_dev = [(r["text"], r["label_category"] == THREAT) for r in edos if r["split"] == "dev"]
ethos_v = [(r["comment"], float(r["violence"]) >= 0.5) for r in ethos]
hc_t = [(r["test_case"], r["functionality"] in ("threat_dir_h", "threat_norm_h")) for r in hc]


def features(train, test):
    w = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    c = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    x = [t for t, _ in train]
    xt = [t for t, _ in test]
    a = hstack([w.fit_transform(x), c.fit_transform(x)]).tocsr()
    at = hstack([w.transform(xt), c.transform(xt)]).tocsr()
    return a, np.array([y for _, y in train]), at, np.array([y for _, y in test])


def run(name, train, test):
    a, y, at, yt = features(train, test)
    print("%s: %d rows, %d threats" % (name, len(yt), int(yt.sum())), flush=True)
    for c in (0.3, 1, 3):
        for cw in (None, "balanced"):
            m = LogisticRegression(C=c, max_iter=3000, class_weight=cw).fit(a, y)
            print("  logistic C=%g %s: %.3f" % (c, cw or "", roc_auc_score(yt, m.decision_function(at))), flush=True)
    for c in (0.03, 0.1):
        m = LinearSVC(C=c, class_weight="balanced").fit(a, y)
        print("  linear SVM C=%g: %.3f" % (c, roc_auc_score(yt, m.decision_function(at))), flush=True)
    m = MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-2, max_iter=30, random_state=0).fit(a, y)
    print("  MLP 32: %.3f" % roc_auc_score(yt, m.predict_proba(at)[:, 1]), flush=True)
    svd = TruncatedSVD(200, random_state=0).fit(a)
    m = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05).fit(svd.transform(a), y)
    print("  boosting on SVD-200: %.3f" % roc_auc_score(yt, m.predict_proba(svd.transform(at))[:, 1]), flush=True)


run("EDOS dev", edos_train + ethos_v + hc_t, edos_dev)
run("ETHOS violence", edos_train + edos_dev + hc_t, ethos_v)
