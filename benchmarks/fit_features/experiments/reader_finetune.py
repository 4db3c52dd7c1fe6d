"""Experiment (issue 13): fine-tune the packaged MiniLM as a cross-encoder ("question [SEP]
sentence" -> answers it) on SQuAD 2.0 dev-10 pairs only, then score the realistic sets' quotes.

    cd benchmarks/fit_features && python experiments/reader_finetune.py [EPOCHS]

Pairs (from ``reader_probe.collect``): each SQuAD question's gold sentence (1), one other top
sentence (0), its quote (1 when right, 0 when unanswerable). Mean pooling + a linear head, AdamW
4e-5, batch 32, linear decay; about 30 minutes an epoch on 2 busy cores. Prints the AUC of
answerable-right over unanswerable quotes on news / files / seed (none of them trained on).
Measured, not shipped: README.md of this folder.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reader_probe as P


def pairs(recs: list[dict]) -> list[tuple[str, str, float]]:
    out = []
    for x in recs:
        if x["set"] != "squad":
            continue
        out += [(x["question"], s, 1.0) for s in x["pos"][:1]]
        out += [(x["question"], s, 0.0) for s in x["neg"][:1]]
        if not x["answerable"] or x["right"]:
            out.append((x["question"], " ".join(x["quote"]), float(x["right"])))
    random.Random(0).shuffle(out)
    return out


def main() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from rag.index.embed import resolve_model_path
    from rag.settings import Settings

    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.manual_seed(0)
    model_dir = resolve_model_path(Settings().embedding_model)
    tok, enc = AutoTokenizer.from_pretrained(model_dir), AutoModel.from_pretrained(model_dir)
    head = torch.nn.Linear(enc.config.hidden_size, 1)
    recs = P.collect()
    train = pairs(recs)
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=4e-5, weight_decay=0.01)
    steps = epochs * (len(train) // 32)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / 50) * max(0.0, 1 - i / steps))

    def logits(qs: list[str], ss: list[str]):
        b = tok(qs, ss, padding=True, truncation=True, max_length=128, return_tensors="pt")
        m = b["attention_mask"].unsqueeze(-1).float()
        return head((enc(**b).last_hidden_state * m).sum(1) / m.sum(1)).squeeze(-1)

    t0 = time.time()
    for step in range(steps):
        batch = train[(step * 32) % (len(train) - 31) :][:32]
        z = logits([b[0] for b in batch], [b[1] for b in batch])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor([b[2] for b in batch]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 20 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    enc.eval()
    test = [x for x in recs if x["set"] != "squad"]
    with torch.no_grad():
        scores = np.concatenate(
            [
                logits(
                    [x["question"] for x in test[i : i + 32]],
                    [" ".join(x["quote"]) for x in test[i : i + 32]],
                ).numpy()
                for i in range(0, len(test), 32)
            ]
        )
    conf = P._conf_logit(test)
    P.report(test, conf, "shipped confidence")
    P.report(test, scores, "fine-tuned cross-encoder (SQuAD only)")
    P.report(test, conf + 0.5 * scores, "  conf + 0.5 fine-tuned")


if __name__ == "__main__":
    main()
