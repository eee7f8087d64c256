"""Check, independently of the oracle, that every corpus file does what manifest.toml says.

Run from anywhere (not collected by pytest: its name has no ``test_`` prefix)::

    python tests/convention_corpus/verify.py [--trials N] [--seed S] [--file PATH]

Each file is imported in this process (the corpus is trusted code: never point this
script at submissions) and called in its course's own convention on random problems,
converted by the code below, not by ``backprop_oracle``. Its numbers are compared with
``manual_backprop.loss_and_grad`` (``output="sigmoids"`` for ex4, ``activation="relu"``
for cs231n) in the encoding the manifest gives, and, for a file with a named mistake,
with a model of that mistake built from the reference. Every part's verdict is then
predicted from those numbers and compared with the manifest. Exit status 0 when every
table agrees, 1 otherwise.

Conventions, in the reference's terms (SPEC sections 1 and 2; canonical ``W`` holds
``W_l`` of shape ``(n_in, n_out)`` row-major, then ``b_l``):

- ex4: ``Theta_l = [b_l | W_l^T]``, flattened row-major (``order = "row"``) or
  column-major (``"column"``); ``lambda_ = 2 m lam``; labels ``class + base`` (K >= 2),
  for K = 1 the positive class is label ``base`` and the negative ``1 - base``;
- cs231n: ``params["Wl"] = W_l``, ``params["bl"] = b_l``; integer labels 0..C-1;
  ``reg = lam`` for a penalty ``reg * sum W^2`` (factor 1), ``reg = 2 lam`` for
  ``0.5 * reg * sum W^2`` (factor 0.5).
"""

import argparse
import importlib.util
import inspect
import itertools
import sys
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit

import manual_backprop as mb

HERE = Path(__file__).resolve().parent
MANIFEST = tomllib.loads((HERE / "manifest.toml").read_text())

#: Largest relative error for "the same numbers" (loss: |dJ| / |J|; gradient: the
#: largest entry's difference over the largest entry of the expected gradient, or of the
#: reference's where a mistake's model subtracts from it). Correct files measure ~1e-15
#: to 1e-13 (sums in another order), the mistakes' models up to ~1e-10 (log-epsilon at
#: saturating logits, where 1 - h is rounded before eps is added).
TOL = 1e-9
LAMS = (1e-3, 0.1, 1.0, 10.0)  # lam > 0 only: a penalty mistake must show
ORDINARY_SCALES = (0.3, 1.0, 2.0)  # redrawn until every output logit is within 10
SATURATING_SCALES = (10.0, 50.0, 1000.0)
EPS = 1e-8  # the log-epsilon files' eps
ORDERS = {"row": "C", "column": "F"}

Array = np.ndarray
Blocks = list[tuple[Array, Array]]


# --------------------------------------------------------------- canonical vector


def split(W: Array, sizes: list[int]) -> Blocks:
    """``[(W_l, b_l), ...]`` of the canonical vector (copies)."""
    blocks, start = [], 0
    for n_in, n_out in itertools.pairwise(sizes):
        W_l = W[start : start + n_in * n_out].reshape(n_in, n_out).copy()
        b_l = W[start + n_in * n_out : start + (n_in + 1) * n_out].copy()
        blocks.append((W_l, b_l))
        start += (n_in + 1) * n_out
    return blocks


def join(blocks: Blocks) -> Array:
    return np.concatenate([np.concatenate([W_l.ravel(), b_l]) for W_l, b_l in blocks])


def block_slices(sizes: list[int]) -> dict[str, slice]:
    out, start = {}, 0
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        out[f"W{l}"] = slice(start, start + n_in * n_out)
        out[f"b{l}"] = slice(start + n_in * n_out, start + (n_in + 1) * n_out)
        start += (n_in + 1) * n_out
    return out


def weight_mask(sizes: list[int]) -> Array:
    """1.0 on the weights, 0.0 on the biases, in the canonical layout."""
    mask = np.zeros(sum((a + 1) * b for a, b in itertools.pairwise(sizes)))
    for name, where in block_slices(sizes).items():
        mask[where] = name.startswith("W")
    return mask


# --------------------------------------------------------------- problems


def forward_logits(blocks: Blocks, X: Array, hidden: str) -> Array:
    Z = X
    for l, (W_l, b_l) in enumerate(blocks, start=1):
        A = Z @ W_l + b_l
        if l < len(blocks):
            Z = expit(A) if hidden == "sigmoid" else np.maximum(A, 0.0)
    return A


def draw_problem(
    rng: np.random.Generator, sizes: list[int], hidden: str, saturating: bool
) -> dict[str, Any]:
    """Weights, data, labels and lam for one call; N differs from the number of outputs."""
    K = sizes[-1]
    N = int(rng.choice([n for n in range(1, 31) if n != K]))
    lam = float(rng.choice(LAMS))
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    while True:
        X = rng.standard_normal((N, sizes[0]))
        if saturating:
            scale = float(rng.choice(SATURATING_SCALES))
        else:
            scale = float(rng.choice(ORDINARY_SCALES))
        W = rng.uniform(-1.0, 1.0, n_params) * scale
        logits = forward_logits(split(W, sizes), X, hidden)
        if saturating or np.max(np.abs(logits)) <= 10.0:
            break
    if K == 1:
        classes = rng.integers(0, 2, N)  # 1 = positive
        T = classes.reshape(N, 1).astype(float)
    else:
        classes = rng.integers(0, K, N)
        T = np.eye(K)[classes]
    return {"sizes": sizes, "W": W, "X": X, "classes": classes, "T": T, "lam": lam}


FAMILIES: dict[str, Callable[[np.random.Generator], list[int]]] = {
    # ex4: one hidden layer of sigmoids, K sigmoid outputs
    "multiclass": lambda r: [int(r.integers(1, 6)), int(r.integers(1, 9)), int(r.integers(2, 6))],
    "binary": lambda r: [int(r.integers(1, 6)), int(r.integers(1, 9)), 1],
    # cs231n: ReLU hidden layers, softmax over 2..5 classes
    "two-layer": lambda r: [int(r.integers(1, 6)), int(r.integers(1, 11)), int(r.integers(2, 6))],
    "deep": lambda r: [
        int(r.integers(1, 6)),
        *(int(h) for h in r.integers(1, 9, int(r.integers(2, 5)))),
        int(r.integers(2, 6)),
    ],
}


# --------------------------------------------------------------- reference and mistakes


def reference(
    p: dict[str, Any], convention: str, W: Array | None = None, lam: float | None = None
) -> tuple[float, Array]:
    W = p["W"] if W is None else W
    lam = p["lam"] if lam is None else lam
    if convention == "ex4":
        return mb.loss_and_grad(W, p["X"], p["T"], p["sizes"], lam, "sigmoid", output="sigmoids")
    return mb.loss_and_grad(W, p["X"], p["T"], p["sizes"], lam, "relu")


def own_eps_data_term(p: dict[str, Any], convention: str, eps: float = EPS) -> float:
    """The cross-entropy with ``eps`` inside the logs, from a forward pass of our own."""
    hidden = "sigmoid" if convention == "ex4" else "relu"
    A = forward_logits(split(p["W"], p["sizes"]), p["X"], hidden)
    T, N = p["T"], p["X"].shape[0]
    if convention == "ex4":  # K independent sigmoids, summed over the units
        P, Q = expit(A), expit(-A)
        return -float(np.sum(T * np.log(P + eps) + (1 - T) * np.log(Q + eps))) / N
    shifted = A - A.max(axis=1, keepdims=True)
    P = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return -float(np.sum(np.log(P[np.arange(N), p["classes"]] + eps))) / N


def own_ex4_backprop(p: dict[str, Any], derivative_at: str) -> Array:
    """One hidden layer of sigmoids, K sigmoid outputs, our own backprop, with the
    hidden derivative sigma'(.) taken at the pre-activation ("a") or at the activation
    ("z", the derivative-of-activated mistake)."""
    (W1, b1), (W2, b2) = split(p["W"], p["sizes"])
    X, T, lam, N = p["X"], p["T"], p["lam"], p["X"].shape[0]
    A1 = X @ W1 + b1
    Z1 = expit(A1)
    A2 = Z1 @ W2 + b2
    d2 = (expit(A2) - T) / N
    at = A1 if derivative_at == "a" else Z1
    d1 = (d2 @ W2.T) * expit(at) * (1 - expit(at))
    return join(
        [(X.T @ d1 + 2 * lam * W1, d1.sum(axis=0)), (Z1.T @ d2 + 2 * lam * W2, d2.sum(axis=0))]
    )


def expected(
    model: str, p: dict[str, Any], convention: str, ratios: dict[str, float]
) -> tuple[float, Array | None]:
    """``(J, grad)`` in canonical terms that a file making ``model`` returns;
    ``grad`` is None for ``gradient-is-parameters`` (checked in the file's own layout)."""
    sizes, W, lam, N = p["sizes"], p["W"], p["lam"], p["X"].shape[0]
    mask = weight_mask(sizes)
    J, g = reference(p, convention)
    if model in ("reference", "unstable-loss"):
        return J, g
    if model == "bias-regularized":
        return J + lam * float(np.sum((W * (1 - mask)) ** 2)), g + 2 * lam * W * (1 - mask)
    if model == "penalty-scale":  # ex4: lambda/m instead of lambda/(2m) in the cost only
        return J + lam * float(np.sum((W * mask) ** 2)), g
    if model == "gradient-is-parameters":
        return J, None
    if model == "log-epsilon":
        return own_eps_data_term(p, convention) + lam * float(np.sum((W * mask) ** 2)), g
    if model == "bias-unit-not-one":  # layers after the first see sigmoid(1) as bias input
        s = float(expit(1.0))
        scale = np.ones_like(W)
        for name, where in block_slices(sizes).items():
            if name.startswith("b") and name != "b1":
                scale[where] = s
        J2, g2 = reference(p, convention, W=W * scale)
        return J2, g2 * scale
    if model == "block-scaled":
        factor = np.ones_like(W)
        for name, where in block_slices(sizes).items():
            factor[where] = ratios.get(name, 1.0)
        return J, g * factor
    if model == "derivative-of-activated":
        return J, own_ex4_backprop(p, derivative_at="z")
    if model == "missing-mean":
        J0, g0 = reference(p, convention, lam=0.0)
        return N * J0 + lam * float(np.sum((W * mask) ** 2)), N * g0 + 2 * lam * W * mask
    if model == "penalty-missing-in-gradient":
        return J, g - 2 * lam * W * mask
    if model == "all-positive-targets":  # np.eye(1)[y - 1] with labels {0, 1}
        q = dict(p, T=np.ones_like(p["T"]))
        return reference(q, convention)
    raise ValueError(f"no model for {model!r}")


# --------------------------------------------------------------- calling a file natively


def ex4_call(fn: Callable, p: dict[str, Any], enc: dict[str, Any]):
    """``(J, canonical grad, grad as returned but flat, nn_params sent, the returned grad's
    shape, inputs unchanged)`` of one call of ``nnCostFunction`` in the encoding ``enc``."""
    order = ORDERS[enc["order"]]
    sizes, N = p["sizes"], p["X"].shape[0]
    thetas = [np.column_stack([b_l, W_l.T]) for W_l, b_l in split(p["W"], sizes)]
    nn_params = np.concatenate([t.ravel(order=order) for t in thetas])
    base = enc["base"]
    if sizes[-1] == 1:
        y = np.where(p["classes"] == 1, base, 1 - base).astype(np.int64)
    else:
        y = (p["classes"] + base).astype(np.int64)
    if enc["y_shape"] == "(m,1)":
        y = y.reshape(N, 1)
    X = p["X"].copy()
    sent = (nn_params.copy(), X.copy(), y.copy())
    J, grad = fn(nn_params, sizes[0], sizes[1], sizes[2], X, y, 2.0 * N * p["lam"])
    unchanged = all(np.array_equal(a, b) for a, b in zip((nn_params, X, y), sent, strict=True))
    raw = np.asarray(grad, dtype=np.float64)
    flat = raw.reshape(-1)
    blocks, start = [], 0
    for n_in, n_out in itertools.pairwise(sizes):
        theta = flat[start : start + n_out * (n_in + 1)].reshape((n_out, n_in + 1), order=order)
        blocks.append((theta[:, 1:].T, theta[:, 0]))
        start += n_out * (n_in + 1)
    if start != flat.size:
        raise ValueError(f"gradient of size {flat.size}, expected {start}")
    return float(J), join(blocks), flat, nn_params, raw.shape, unchanged


def cs231n_call(cls: type, p: dict[str, Any], enc: dict[str, Any]):
    """The same six values for a cs231n class: built for ``p``'s sizes, its ``params``
    overwritten, ``loss(X, y, reg=...)`` called (or ``self.reg`` set and ``loss(X, y)``)."""
    sizes = p["sizes"]
    names = set(inspect.signature(cls).parameters)
    extra = {"dtype": np.float64} if "dtype" in names else {}
    D, hidden, C = sizes[0], sizes[1:-1], sizes[-1]
    if "hidden_dims" in names:
        net = cls(hidden_dims=list(hidden), input_dim=D, num_classes=C, **extra)
    elif len(hidden) != 1:
        raise TypeError("a two-layer class takes one hidden size")
    elif "input_size" in names:
        net = cls(input_size=D, hidden_size=hidden[0], output_size=C, **extra)
    else:
        net = cls(input_dim=D, hidden_dim=hidden[0], num_classes=C, **extra)
    for l, (W_l, b_l) in enumerate(split(p["W"], sizes), start=1):
        net.params[f"W{l}"] = W_l
        net.params[f"b{l}"] = b_l
    before = {k: v.copy() for k, v in net.params.items()}
    reg = p["lam"] / enc["penalty_factor"]
    X, y = p["X"].copy(), p["classes"].astype(np.int64)
    sent = (X.copy(), y.copy())
    if "reg" in inspect.signature(net.loss).parameters:
        loss, grads = net.loss(X, y, reg=reg)
    else:
        net.reg = reg
        loss, grads = net.loss(X, y)
    unchanged = np.array_equal(X, sent[0]) and np.array_equal(y, sent[1])
    unchanged = unchanged and all(np.array_equal(net.params[k], v) for k, v in before.items())
    g = join([(grads[f"W{l}"], grads[f"b{l}"]) for l in range(1, len(sizes))]).astype(float)
    return float(loss), g, g, None, g.shape, unchanged


# --------------------------------------------------------------- judging one file


def rel(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)):
        return np.inf
    return abs(a - b) / max(abs(b), 1e-300)


def grad_rel(g: Array, e: Array, *others: Array) -> float:
    """The largest difference over the largest entry of ``e`` (or of ``others``, the
    terms ``e`` was made from, where it is a difference that cancels)."""
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(e))):
        return np.inf
    scale = max(float(np.max(np.abs(x))) for x in (e, *others))
    return float(np.max(np.abs(g - e)) / max(scale, 1e-300))


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"_convention_corpus_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call(target: Any, convention: str, p: dict[str, Any], enc: dict[str, Any]):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # overflow in np.exp is the files' business
        if convention == "ex4":
            return ex4_call(target, p, enc)
        return cs231n_call(target, p, enc)


def judge(
    target: Any,
    convention: str,
    p: dict[str, Any],
    enc: dict[str, Any],
    model: str,
    ratios: dict[str, float],
) -> dict[str, Any]:
    """One call: errors against the reference and against ``model``, purity, repeatability."""
    try:
        J, g, native, sent, shape, unchanged = call(target, convention, p, enc)
    except Exception as exc:  # the file refuses this problem
        return {"raised": f"{type(exc).__name__}: {exc}"}
    J_again, g_again, *_ = call(target, convention, p, enc)
    Jr, gr = reference(p, convention)
    Je, ge = expected(model, p, convention, ratios)
    if ge is None:  # gradient-is-parameters: the vector it was sent, bit for bit
        grad_model = 0.0 if np.array_equal(native, sent) else np.inf
    else:
        grad_model = grad_rel(g, ge, gr)
    return {
        "raised": None,
        "loss_ref": rel(J, Jr),
        "grad_ref": grad_rel(g, gr),
        "loss_model": rel(J, Je),
        "grad_model": grad_model,
        "finite": bool(np.isfinite(J) and np.all(np.isfinite(g))),
        "pure": unchanged and J_again == J and np.array_equal(g_again, g),
        "column": len(shape) == 2,
        "g": g,
        "gr": gr,
        "sizes": p["sizes"],
    }


def block_ratios(results: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Per block: the least-squares ratio of the file's gradient to the reference's, and
    the largest deviation of an entry from that ratio (relative to the block's size)."""
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for r in results:
        for name, where in block_slices(r["sizes"]).items():
            num[name] = num.get(name, 0.0) + float(r["g"][where] @ r["gr"][where])
            den[name] = den.get(name, 0.0) + float(r["gr"][where] @ r["gr"][where])
    ratio = {k: num[k] / den[k] for k in num if den[k] > 0}
    spread = dict.fromkeys(ratio, 0.0)
    for r in results:
        for name, where in block_slices(r["sizes"]).items():
            size = max(float(np.max(np.abs(r["gr"][where]))), 1e-300)
            dev = float(np.max(np.abs(r["g"][where] - ratio[name] * r["gr"][where]))) / size
            spread[name] = max(spread[name], dev)
    return {k: (ratio[k], spread[k]) for k in sorted(ratio)}


def ignores_targets(target: Any, convention: str, p: dict[str, Any], enc: dict[str, Any]) -> bool:
    """Whether a one-output call returns the same numbers with every target flipped (its
    labels never reach its loss: the oracle calls such a part not implemented)."""
    classes = 1 - p["classes"]
    q = dict(p, classes=classes, T=classes.reshape(-1, 1).astype(float))
    J, g, *_ = call(target, convention, p, enc)
    J_flipped, g_flipped, *_ = call(target, convention, q, enc)
    return bool(J == J_flipped and np.array_equal(g, g_flipped))


def model_of(table: dict[str, Any], key: str, part: str) -> str:
    """What a part's numbers should be: the reference, or the manifest's mistake."""
    names = table["mistakes"].get(part)
    if names:
        return str(names[0])
    if key == "ex4/eye_onehot_base1.py" and part == "binary":
        return "all-positive-targets"  # np.eye(1)[y - 1]: no catalogue name, see the note
    return "reference"


def hidden_of(convention: str) -> str:
    return "sigmoid" if convention == "ex4" else "relu"


class FileCheck:
    """Every part of one file's manifest table, predicted from its numbers."""

    def __init__(self, key: str, trials: int, seed: int) -> None:
        self.key, self.trials, self.seed = key, trials, seed
        self.table = MANIFEST[key]
        self.convention = self.table["convention"]
        self.enc = self.table["encoding"]
        self.ratios = {k: float(v) for k, v in self.table.get("block_ratios", {}).items()}
        module = load(HERE / key)
        if self.convention == "ex4":
            self.target = module.nnCostFunction
        else:
            self.target = getattr(module, self.table.get("class", "TwoLayerNet"))
        self.problems_ok = True  # every model explains what it should
        self.predicted: dict[str, str] = {}
        self.ordinary: list[dict[str, Any]] = []
        self.implemented: list[str] = []
        self.worst_correct: list[float] = []  # [loss, grad] vs reference, parts meant to pass

    def note_correct(self, loss: float, grad: float) -> None:
        old = self.worst_correct or [0.0, 0.0]
        self.worst_correct = [max(old[0], loss), max(old[1], grad)]

    def flag(self, message: str) -> str:
        self.problems_ok = False
        return f"  <-- {message}"

    def run(self, family: str, regime_seed: int, saturating: bool, model: str):
        """``(problems, results)`` of one family in one regime."""
        rng = np.random.default_rng([self.seed, regime_seed])
        problems = [
            draw_problem(rng, FAMILIES[family](rng), hidden_of(self.convention), saturating)
            for _ in range(self.trials)
        ]
        results = [
            judge(self.target, self.convention, p, self.enc, model, self.ratios) for p in problems
        ]
        return problems, results

    def family(self, index: int, family: str) -> None:
        model = model_of(self.table, self.key, family)
        problems, results = self.run(family, index, False, model)
        answered = [r for r in results if r["raised"] is None]
        raised = [r["raised"] for r in results if r["raised"] is not None]
        self.ordinary += answered
        if not answered:
            self.predicted[family] = "not-implemented"
            print(f"  {family:<11} not-implemented  every call raised {raised[0]}")
            return
        worst_m = {k: max(r[k] for r in answered) for k in ("loss_model", "grad_model")}
        asked = [p for p, r in zip(problems, results, strict=True) if r["raised"] is None]
        if family == "binary" and all(
            ignores_targets(self.target, self.convention, p, self.enc) for p in asked
        ):
            self.predicted[family] = "not-implemented"
            line = (
                f"  {family:<11} not-implemented  labels do not reach the numbers: flipping "
                f"every target changes nothing on {len(asked)} of {len(asked)} calls"
                f" | vs {model}: loss {worst_m['loss_model']:.1e} grad {worst_m['grad_model']:.1e}"
            )
            if worst_m["loss_model"] > TOL or worst_m["grad_model"] > TOL:
                line += self.flag("the model does not explain it")
            print(line)
            return
        self.implemented.append(family)
        worst = {k: max(r[k] for r in answered) for k in ("loss_ref", "grad_ref")}
        worst_m = {k: max(r[k] for r in answered) for k in ("loss_model", "grad_model")}
        matches = worst["loss_ref"] <= TOL and worst["grad_ref"] <= TOL
        self.predicted[family] = "pass" if matches and not raised else "fail"
        if self.table["parts"].get(family) == "pass":
            self.note_correct(worst["loss_ref"], worst["grad_ref"])
        shape = "(n,1)" if answered[0]["column"] else "(n,)"
        line = (
            f"  {family:<11} {self.predicted[family]:<16} vs reference: loss "
            f"{worst['loss_ref']:.1e} grad {worst['grad_ref']:.1e}"
        )
        if model != "reference":
            line += (
                f" | vs {model}: loss {worst_m['loss_model']:.1e} grad {worst_m['grad_model']:.1e}"
            )
            if worst_m["loss_model"] > TOL or worst_m["grad_model"] > TOL:
                line += self.flag("the mistake's model does not explain it")
        if raised:
            line += f" | {len(raised)} of {self.trials} raised {raised[0]}"
        line += f" | {len(answered)} calls, grad {shape}"
        if "grad_shape" in self.enc and shape != self.enc["grad_shape"]:
            line += self.flag(f"grad shape {shape}, manifest {self.enc['grad_shape']}")
        print(line)
        if self.ratios:
            text = ", ".join(
                f"{k} {r:.6g} (+-{d:.0e})" for k, (r, d) in block_ratios(answered).items()
            )
            print(f"  {'':<11} gradient / reference per block: {text}")

    def stability(self) -> None:
        """The families the file answers, at saturating weights."""
        expect = self.table["mistakes"].get("stability", [])
        worst, worst_m = [0.0, 0.0], [0.0, 0.0]
        non_finite = total = refused = 0
        for index, family in enumerate(self.implemented):
            model = model_of(self.table, self.key, family)
            for r in self.run(family, 100 + index, True, model)[1]:
                total += 1
                if r["raised"] is not None:
                    refused += 1
                    continue
                non_finite += not r["finite"]
                worst = [max(worst[0], r["loss_ref"]), max(worst[1], r["grad_ref"])]
                worst_m = [max(worst_m[0], r["loss_model"]), max(worst_m[1], r["grad_model"])]
        passes = worst[0] <= TOL and worst[1] <= TOL and refused == 0
        self.predicted["stability"] = "pass" if passes else "fail"
        if self.table["parts"]["stability"] == "pass":
            self.note_correct(worst[0], worst[1])
        line = (
            f"  {'stability':<11} {self.predicted['stability']:<16} vs reference: loss "
            f"{worst[0]:.1e} grad {worst[1]:.1e} | non-finite {non_finite} of {total}"
        )
        if expect == ["unstable-loss"]:
            if non_finite == 0 and worst[0] <= 1e-6:
                line += self.flag("expected an unstable loss")
        elif any(model_of(self.table, self.key, f) != "reference" for f in self.implemented):
            line += f" | vs the parts' models: loss {worst_m[0]:.1e} grad {worst_m[1]:.1e}"
            if worst_m[0] > TOL or worst_m[1] > TOL:
                line += self.flag("the mistake's model does not explain it")
        if refused:
            line += f" | {refused} refused"
        print(line)

    def contract(self) -> None:
        pure = all(r["pure"] for r in self.ordinary)
        finite = all(r["finite"] for r in self.ordinary)
        self.predicted["contract"] = "pass" if pure and finite else "fail"
        print(
            f"  {'contract':<11} {self.predicted['contract']:<16} inputs unchanged and "
            f"repeatable: {pure}; finite at ordinary weights: {finite}"
        )

    def encodings(self) -> None:
        """Which encodings the expected numbers fit, on the first family's problems:
        the manifest's must, and no other (but the other y shape where it says so)."""
        family = next(f for f in self.table["parts"] if f in FAMILIES)
        model = model_of(self.table, self.key, family)
        if self.convention == "ex4":
            names = ("order", "base", "y_shape")
            candidates = list(itertools.product(ORDERS, (0, 1), ("(m,)", "(m,1)")))
        else:
            names = ("penalty_factor",)
            candidates = [(1,), (0.5,)]
        rng = np.random.default_rng([self.seed, 200])
        problems = [
            draw_problem(rng, FAMILIES[family](rng), hidden_of(self.convention), False)
            for _ in range(8)
        ]
        fits = []
        for values in candidates:
            enc = dict(zip(names, values, strict=True))
            results = [
                judge(self.target, self.convention, p, enc, model, self.ratios) for p in problems
            ]
            if all(
                r["raised"] is None and r["loss_model"] <= TOL and r["grad_model"] <= TOL
                for r in results
            ):
                fits.append(values)
        own = tuple(self.enc[n] for n in names)
        allowed = {own}
        if self.enc.get("y_shape_any"):
            allowed.add((*own[:2], "(m,1)" if own[2] == "(m,)" else "(m,)"))
        text = ", ".join("/".join(str(v) for v in values) for values in fits) or "none"
        line = f"  {'encodings':<11} whose numbers fit {model}: {text}"
        if set(fits) != allowed:
            line += self.flag(
                "the manifest says " + ", ".join("/".join(map(str, a)) for a in allowed)
            )
        print(line)

    def check(self) -> bool:
        text = ", ".join(f"{k} {v}" for k, v in self.enc.items())
        cls = f" class {self.table['class']}" if "class" in self.table else ""
        print(f"\n{self.key}  [{self.convention}{cls}: {text}]")
        families = [part for part in self.table["parts"] if part in FAMILIES]
        for index, family in enumerate(families):
            self.family(index, family)
        self.stability()
        self.contract()
        self.encodings()
        verdict = "pass" if all(v == "pass" for v in self.predicted.values()) else "fail"
        agree = self.predicted == dict(self.table["parts"]) and verdict == self.table["verdict"]
        if not agree:
            print(f"  <-- predicted {self.predicted} ({verdict}); manifest {self.table['parts']}")
        return agree and self.problems_ok


def self_check(seed: int) -> None:
    """Our own pieces (forward pass, eps loss with eps = 0, ex4 backprop) against the reference."""
    rng = np.random.default_rng([seed, 300])
    loss_err = grad_err = 0.0
    for family, convention in (("multiclass", "ex4"), ("binary", "ex4"), ("two-layer", "cs231n")):
        for _ in range(20):
            p = draw_problem(rng, FAMILIES[family](rng), hidden_of(convention), False)
            J0, _ = reference(p, convention, lam=0.0)
            loss_err = max(loss_err, rel(own_eps_data_term(p, convention, eps=0.0), J0))
            if convention == "ex4":
                grad_err = max(grad_err, grad_rel(own_ex4_backprop(p, "a"), reference(p, "ex4")[1]))
    print(
        f"self-check against manual_backprop: own data term (eps = 0) {loss_err:.1e}, "
        f"own ex4 backprop {grad_err:.1e}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="calls per family and regime")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--file", help="one manifest key, e.g. ex4/penalty_scale.py")
    args = parser.parse_args(argv)
    self_check(args.seed)
    keys = [args.file] if args.file else list(MANIFEST)
    checks = {key: FileCheck(key, args.trials, args.seed) for key in keys}
    failures = [key for key, check in checks.items() if not check.check()]
    missing = sorted({str(p.relative_to(HERE)) for p in HERE.glob("*/*.py")} - set(MANIFEST))
    print()
    correct = [c.worst_correct for c in checks.values() if c.worst_correct]
    if correct:
        print(
            "worst error of a part the manifest expects to pass, vs the reference: "
            f"loss {max(c[0] for c in correct):.1e}, gradient {max(c[1] for c in correct):.1e}"
        )
    if missing:
        print(f"files without a manifest table: {', '.join(missing)}")
    print(f"{len(keys) - len(failures)} of {len(keys)} tables agree with the numbers")
    for key in failures:
        print(f"  disagrees: {key}")
    return 1 if failures or missing else 0


if __name__ == "__main__":
    sys.exit(main())
