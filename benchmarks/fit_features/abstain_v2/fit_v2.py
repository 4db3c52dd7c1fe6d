"""Fit the shipped abstain_v2 coefficients (all 10 articles, label = answerable AND answer holds gold),
print them, the in-sample threshold, and the CV table.  Needs cache/stages.pkl (cache_stages.py).
    nice -n 19 /work/main/.venv/bin/python fit_v2.py [--rebuild]"""
import pickle, sys, numpy as np
import abstain_exp as X
F = X.build() if "--rebuild" in sys.argv or not X.FEATS.exists() else pickle.load(open(X.FEATS, "rb"))
ans = F["ans"]; cols = list(range(F[0]["X"].shape[1]))
conf, hit = X.cv_conf(F, cols, "hit")
X.report("CV v2 label=ans&hit", conf, hit, ans)
for r in X.table(conf, hit, ans):
    print("CV  %.0f%% answerable abstained (t=%.3f): unanswerable %.3f, containment all answerable %.4f, answered %.4f" % (r[0]*100, r[1], r[3], r[4], r[5]))
Xa, h = F["all"]["X"], F["all"]["hit"]
w, b = X.fit_lr(Xa, (ans & h).astype(int))
ci = 1 / (1 + np.exp(-(Xa @ w + b)))
thr = float(np.quantile(ci[ans], 0.10))
X.report("in-sample v2", ci, h, ans)
print("at shipped threshold CV: answerable abstained %.3f unanswerable %.3f" % ((conf[ans] < round(thr, 3)).mean(), (conf[~ans] < round(thr, 3)).mean()))
print("ABSTAIN_WEIGHTS = np.array(%r)" % w.round(6).tolist())
print("ABSTAIN_BIAS = %r" % round(b, 6))
print("ABSTAIN_THRESHOLD = %r" % round(thr, 3))
