"""A wasmfit config's recipe in PyTorch, run by `wasmfit experiments` (its "beyond the report" section).

The same network (Linear layers of layer_specs with the config's activation and dropout after each hidden
layer), initialisation (He-normal into a ReLU, else uniform within 1/sqrt(fan_in); zero biases), AdamW with its
decay on the weights only, the cosine schedule stepped per batch, label smoothing, batch size and epochs, trained on
the rows of the same train / validation / test split that wasmfit trains on, normalised as wasmfit normalises them
(the runner writes them as float32 rows and uint8 labels). After every epoch the validation and the test split are
evaluated; elapsed_seconds counts training and validation, not the test passes, as wasmfit's --test-each-epoch does.
Prints one JSON object on stdout. `--probe` only reports whether torch imports.
"""

import argparse
import json
import math
import platform
import sys
import time


def probe():
    found = {"executable": sys.executable, "python": platform.python_version()}
    try:
        import torch

        found["torch"] = torch.__version__
    except Exception as e:  # ImportError, or a broken install raising something else
        found["torch"] = None
        found["torch_error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    return found


def load(prefix, count, dim):
    import numpy as np
    import torch

    x = np.fromfile(prefix + ".f32", dtype=np.float32, count=count * dim).reshape(count, dim)
    y = np.fromfile(prefix + ".u8", dtype=np.uint8, count=count).astype("int64")
    return torch.from_numpy(x), torch.from_numpy(y)


def network(config):
    import torch

    sizes, layers = config["layer_specs"], []
    activation = {"ReLU": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[config["activation"]]
    dropout = config["dropout"]
    rates = dropout if isinstance(dropout, list) else [dropout] * (len(sizes) - 2)
    for l in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():
            if config["activation"] == "ReLU" and l + 2 < len(sizes):
                linear.weight.normal_(0, math.sqrt(2 / sizes[l]))
            else:
                linear.weight.uniform_(-1 / math.sqrt(sizes[l]), 1 / math.sqrt(sizes[l]))
            linear.bias.zero_()
        layers.append(linear)
        if l + 2 < len(sizes):
            layers.append(activation())
            if rates[l] > 0:
                layers.append(torch.nn.Dropout(rates[l]))
    return torch.nn.Sequential(*layers)


def evaluate(model, x, y):
    import torch

    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for first in range(0, len(y), 1000):
            logits = model(x[first:first + 1000])
            loss += torch.nn.functional.cross_entropy(logits, y[first:first + 1000], reduction="sum").item()
            correct += (logits.argmax(1) == y[first:first + 1000]).sum().item()
    model.train()
    return loss / len(y), correct / len(y)


def check_mirrored(config):
    """The keys this script mirrors; anything else would train a different recipe than wasmfit's, so it refuses."""
    if not config.get("layer_specs"):
        raise SystemExit("torch_recipe.py: the config's network is a layer list (layers:), not mirrored here; expected layer_specs")
    unmirrored = [k for k, ok in (("optimizer", config["optimizer"] in ("adam", "adamw")), ("lr_schedule", config["lr_schedule"] in ("constant", "cosine")),
                                  ("lr_warmup_epochs", not config["lr_warmup_epochs"]), ("L2_penalty", not config["L2_penalty"]), ("L1_penalty", not config["L1_penalty"]),
                                  ("augment_shift", not config["augment_shift"]), ("augment_flip", not config["augment_flip"])) if not ok]
    if unmirrored:
        raise SystemExit(f"torch_recipe.py: {', '.join(unmirrored)}: not mirrored here; expected adam or adamw, a constant or cosine schedule, no warm-up, penalty or augmentation")


def train(config, data, threads):
    import torch

    check_mirrored(config)
    torch.set_num_threads(threads)
    torch.manual_seed(config["seed"])
    (xt, yt), (xv, yv), (xs, ys) = data
    model = network(config)
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    decay = config["weight_decay"] if config["optimizer"] == "adamw" else 0.0
    optimiser = torch.optim.AdamW([{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0.0}],
                                  lr=config["learning_rate"], betas=(config["beta1"], config["beta2"]), eps=config["epsilon"])
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config["label_smoothing"])
    batch, epochs, count = config["batch_size"], config["epochs"], len(yt)
    batches = math.ceil(count / batch)
    generator = torch.Generator().manual_seed(config["seed"])

    def rate(step):
        base, low = config["learning_rate"], config["lr_min"]
        if config["lr_schedule"] == "constant":
            return base
        return low + (base - low) * 0.5 * (1 + math.cos(math.pi * step / (epochs * batches)))

    history, step, monitor = [], 0, 0.0
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        epoch_start = time.perf_counter()
        order = torch.randperm(count, generator=generator)
        total, correct = 0.0, 0
        for first in range(0, count, batch):
            take = order[first:first + batch]
            for group in optimiser.param_groups:
                group["lr"] = rate(step)
            optimiser.zero_grad(set_to_none=True)
            logits = model(xt.index_select(0, take))
            target = yt.index_select(0, take)
            loss = loss_fn(logits, target)
            loss.backward()
            optimiser.step()
            step += 1
            total += loss.item() * len(take)
            correct += (logits.argmax(1) == target).sum().item()
        val_loss, val_accuracy = evaluate(model, xv, yv)
        record = {"epoch": epoch, "train_loss": total / count, "train_accuracy": correct / count, "val_loss": val_loss, "val_accuracy": val_accuracy,
                  "seconds": time.perf_counter() - epoch_start, "elapsed_seconds": time.perf_counter() - started - monitor}
        test_start = time.perf_counter()
        record["test_loss"], record["test_accuracy"] = evaluate(model, xs, ys)
        monitor += time.perf_counter() - test_start
        history.append(record)
    return history, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--config", help="the resolved config as JSON")
    parser.add_argument("--data", help="directory of train, validation and test .f32/.u8 files")
    parser.add_argument("--counts", help="train,validation,test image counts")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe()))
        return
    import torch

    with open(args.config) as f:
        config = json.load(f)
    dim = config["layer_specs"][0]
    counts = [int(c) for c in args.counts.split(",")]
    data = [load(f"{args.data}/{name}", n, dim) for name, n in zip(("train", "validation", "test"), counts)]
    history, seconds = train(config, data, args.threads)
    print(json.dumps({"torch": torch.__version__, "python": platform.python_version(), "executable": sys.executable,
                      "threads": torch.get_num_threads(), "seconds": seconds, "history": history}))


if __name__ == "__main__":
    main()
