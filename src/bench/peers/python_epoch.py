"""The bench's training epoch in NumPy or PyTorch, run by `wasmfit bench` as a child process.

784-128-10 tanh (or --layers, tanh between them), batch 128 (or --batch), SGD with momentum 0.9 and learning
rate 0.001, on the normalised training rows the bench writes (float32 rows, uint8 labels), shuffled every epoch as wasmfit shuffles. NumPy gets a hand-written
forward and backward pass; PyTorch the same network as torch.nn with torch.optim, as its users write it.
With `--network FILE` (a JSON layer list and recipe from the bench) PyTorch trains that convolutional network
instead, in the memory format `--memory-format` names, for one timed epoch after a few warm-up batches.
Prints one JSON object on stdout: the median epoch seconds after a warm-up epoch, the last epoch's mean loss
(the bench checks that the peer learned) and the BLAS that ran it. `--probe` only reports what imports.
"""

import argparse
import json
import os
import platform
import re
import sys
import time


# Debian's netlib reference BLAS (libblas3): a peer on it runs several times slower than on an optimised BLAS.
REFERENCE_BLAS = re.compile(r"/blas/libblas\.so")


def mapped_blas():
    """Real paths of the BLAS libraries mapped into this process (Linux), the last word on what runs."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if len(line.split()) >= 6 and "blas" in os.path.basename(line.split()[-1]).lower()}
    except OSError:
        return []
    return sorted({os.path.realpath(p) for p in paths})


def blas_info(framework):
    """The BLAS this framework runs on: threadpoolctl's view (kernel, threads) when it is installed, else the
    library's own report; `reference` is set when it is the netlib reference implementation."""
    info = {}
    if framework == "torch":
        import torch

        build = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        info["torch_blas_info"] = build.group(1) if build else None
        if info["torch_blas_info"] == "mkl":  # linked into libtorch, where threadpoolctl cannot see it
            return dict(info, internal_api="mkl", num_threads=torch.get_num_threads(), source="torch.__config__")
    try:
        import threadpoolctl

        libs = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if framework == "torch":  # torch imports NumPy, which may bring a BLAS of its own
            libs = [i for i in libs if "numpy" not in (i.get("filepath") or "")]
        if libs:
            keep = ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")
            info.update({k: libs[0].get(k) for k in keep}, source="threadpoolctl")
    except ImportError:
        info["source"] = "no threadpoolctl (pip install threadpoolctl names the kernel)"
        if framework == "numpy":
            try:
                import numpy

                blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
                info.update(internal_api=blas.get("name"), version=blas.get("version"),
                            configuration=" ".join(str(blas.get("openblas configuration", "")).split()))
            except Exception:  # older NumPy: show_config takes no mode
                pass
    mapped = mapped_blas()
    if mapped:
        info.setdefault("filepath", mapped[0])
    # Mapped at all, the reference library is what answers sgemm_ through libblas.so.3, whatever else is loaded
    # (Debian's OpenBLAS LAPACK can sit beside it, and threadpoolctl then names OpenBLAS).
    reference = [p for p in mapped if REFERENCE_BLAS.search(p)]
    if reference:
        info["reference"] = reference[0]
    return info


def probe():
    found = {"executable": sys.executable, "python": platform.python_version()}
    for name in ("numpy", "torch"):
        try:
            module = __import__(name)
            found[name] = module.__version__
        except Exception as e:  # ImportError, or a broken install raising something else
            found[name] = None
            found[name + "_error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
    return found


def timed_epochs(count, epochs, batch, permutation, step):
    """Shuffled epochs of step(rows) -> the batch's summed loss: each epoch's seconds and the last one's mean loss."""
    times, loss = [], 0.0
    for _ in range(epochs):
        order = permutation(count)
        start = time.perf_counter()
        total = 0.0
        for first in range(0, count - batch + 1, batch):
            total += step(order[first:first + batch])
        times.append(time.perf_counter() - start)
        loss = total / (count // batch * batch)
    return times, loss


def numpy_epochs(x, y, count, epochs, batch, lr, gamma, layers):
    import numpy as np

    rng = np.random.default_rng(0)
    f32 = np.float32
    weights = [rng.uniform(-1, 1, (n_in, n_out)).astype(f32) / f32(np.sqrt(n_in)) for n_in, n_out in zip(layers, layers[1:])]
    biases = [np.zeros(n_out, f32) for n_out in layers[1:]]
    params = [p for pair in zip(weights, biases) for p in pair]
    velocity = [np.zeros_like(p) for p in params]
    # Buffers reused every batch (written in place, out=), so the timing is of the arithmetic, not of the allocator.
    outs = [np.empty((batch, n), f32) for n in layers[1:]]  # each layer's output (tanh for hidden ones, then logits)
    deltas = [np.empty((batch, n), f32) for n in layers[1:-1]]  # the hidden layers' output gradients
    grads = [np.empty_like(p) for p in params]
    rows = np.arange(batch)
    last = len(weights) - 1

    def step(take):
        xb, yb = x[take], y[take]
        inputs = [xb] + outs[:-1]
        for l in range(last + 1):
            np.matmul(inputs[l], weights[l], out=outs[l])
            np.add(outs[l], biases[l], out=outs[l])
            if l < last:
                np.tanh(outs[l], out=outs[l])
        logits = outs[last]
        np.subtract(logits, logits.max(axis=1, keepdims=True), out=logits)
        np.exp(logits, out=logits)
        np.divide(logits, logits.sum(axis=1, keepdims=True), out=logits)
        loss = -float(np.log(logits[rows, yb]).sum())
        logits[rows, yb] -= 1
        np.divide(logits, batch, out=logits)  # now dL/dlogits
        d = logits
        for l in range(last, -1, -1):
            np.matmul(inputs[l].T, d, out=grads[2 * l])
            d.sum(axis=0, out=grads[2 * l + 1])
            if l > 0:
                h = outs[l - 1]
                np.matmul(d, weights[l].T, out=deltas[l - 1])
                np.multiply(deltas[l - 1], 1 - h * h, out=deltas[l - 1])
                d = deltas[l - 1]
        for p, v, g in zip(params, velocity, grads):
            v *= gamma
            v += lr * g
            p -= v
        return loss

    return timed_epochs(count, epochs, batch, rng.permutation, step)


def torch_epochs(x, y, count, epochs, batch, lr, gamma, layers):
    import torch

    torch.manual_seed(0)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y.astype("int64"))
    modules = []
    for n_in, n_out in zip(layers, layers[1:]):
        modules += [torch.nn.Linear(n_in, n_out), torch.nn.Tanh()]
    model = torch.nn.Sequential(*modules[:-1])
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=gamma)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(take):
        optimiser.zero_grad(set_to_none=True)
        loss = loss_fn(model(xs.index_select(0, take)), ys.index_select(0, take))
        loss.backward()
        optimiser.step()
        return loss.item() * batch

    return timed_epochs(count, epochs, batch, torch.randperm, step)


ACTIVATIONS = {"ReLU": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def torch_cnn(network):
    """torch.nn.Sequential of the bench's layer list (conv2d, maxpool, flatten, dense), on (1, 28, 28) images."""
    import torch.nn as nn

    layers, (c, h, w) = [], (1, 28, 28)
    for spec in network["layers"]:
        kind = spec["type"]
        if kind == "conv2d":
            k = spec["kernel"]
            pad = (k - 1) // 2 if spec.get("padding") == "same" else 0
            layers.append(nn.Conv2d(c, spec["filters"], k, padding=pad))
            c, h, w = spec["filters"], h + 2 * pad - k + 1, w + 2 * pad - k + 1
        elif kind == "maxpool":
            layers.append(nn.MaxPool2d(spec["size"]))
            h, w = h // spec["size"], w // spec["size"]
        elif kind == "dropout":
            layers.append(nn.Dropout(spec["rate"]))
        elif kind == "flatten":
            layers.append(nn.Flatten())
            c, h, w = c * h * w, 1, 1
        elif kind == "dense":
            layers.append(nn.Linear(c * h * w, spec["units"]))
            c, h, w = spec["units"], 1, 1
        act = spec.get("activation", "none")
        if act in ACTIVATIONS:
            layers.append(getattr(nn, ACTIVATIONS[act])())
    return nn.Sequential(*layers)


def torch_cnn_epoch(x, y, count, network, memory_format, warmup=20):
    """One shuffled epoch of the network (after `warmup` batches), SGD with momentum and the L2 penalty on the
    weights only, as wasmfit applies it: ([seconds], mean loss)."""
    import torch

    torch.manual_seed(0)
    batch = network["batch_size"]
    xs, ys = torch.from_numpy(x).reshape(count, 1, 28, 28), torch.from_numpy(y.astype("int64"))
    model = torch_cnn(network)
    fmt = torch.channels_last if memory_format == "channels_last" else torch.contiguous_format
    model = model.to(memory_format=fmt)
    weights = [p for p in model.parameters() if p.dim() > 1]
    biases = [p for p in model.parameters() if p.dim() == 1]
    kind = network.get("optimizer", "sgd")
    if kind == "sgd":
        optimiser = torch.optim.SGD([{"params": weights, "weight_decay": network["l2"]}, {"params": biases, "weight_decay": 0}],
                                    lr=network["learning_rate"], momentum=network["momentum"], nesterov=network["nesterov"])
    else:  # adam or adamw, the decay (adamw) or L2 (adam) on the weights only, as wasmfit applies them
        decay = network.get("weight_decay", 0) if kind == "adamw" else network["l2"]
        make = torch.optim.AdamW if kind == "adamw" else torch.optim.Adam
        optimiser = make([{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0}], lr=network["learning_rate"])
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=network.get("label_smoothing", 0))

    def step(take):
        optimiser.zero_grad(set_to_none=True)
        xb = xs.index_select(0, take).contiguous(memory_format=fmt)
        loss = loss_fn(model(xb), ys.index_select(0, take))
        loss.backward()
        optimiser.step()
        return loss.item() * batch

    warm = torch.randperm(count)
    for first in range(0, warmup * batch, batch):
        step(warm[first:first + batch])
    return timed_epochs(count, 1, batch, torch.randperm, step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--framework", choices=("numpy", "torch"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs, after one warm-up epoch")
    parser.add_argument("--x", help="float32 rows, 784 per image")
    parser.add_argument("--y", help="uint8 labels")
    parser.add_argument("--count", type=int)
    parser.add_argument("--layers", default="784,128,10", help="layer sizes, comma-separated (tanh between them)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--network", help="a JSON file: a layer list and its recipe (PyTorch only)")
    parser.add_argument("--memory-format", choices=("channels_last", "contiguous"), default="contiguous")
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe()))
        return
    import numpy as np

    x = np.fromfile(args.x, dtype=np.float32, count=args.count * 784).reshape(args.count, 784)
    y = np.fromfile(args.y, dtype=np.uint8, count=args.count)
    run = numpy_epochs if args.framework == "numpy" else torch_epochs
    if args.framework == "torch":
        import torch

        torch.set_num_threads(args.threads)
        version = torch.__version__
    else:
        version = np.__version__
    blas = blas_info(args.framework)
    result = {"framework": args.framework, "version": version, "python": platform.python_version(), "executable": sys.executable,
              "threads": args.threads, "blas": blas}
    if "reference" in blas:  # not timed: a handicapped peer is worse than none
        print(json.dumps(result))
        return
    limits = None
    try:
        import threadpoolctl

        limits = threadpoolctl.threadpool_limits(limits=args.threads, user_api="blas")
    except ImportError:
        pass  # the bench also sets OPENBLAS_NUM_THREADS and friends for this process
    if args.network:
        with open(args.network) as f:
            network = json.load(f)
        result.update(network="cnn", memory_format=args.memory_format, batch=network["batch_size"])
        times, loss = torch_cnn_epoch(x, y, args.count, network, args.memory_format)
    else:
        layers = [int(n) for n in args.layers.split(",")]
        times, loss = run(x, y, args.count, 1 + args.epochs, args.batch, 0.001, 0.9, layers)
    timed = sorted(times[1:] if len(times) > 1 else times)
    result.update(seconds=timed[len(timed) // 2], epoch_seconds=times, loss=loss, blas=blas_info(args.framework))
    print(json.dumps(result))
    if limits is not None:
        limits.restore_original_limits()


if __name__ == "__main__":
    main()
