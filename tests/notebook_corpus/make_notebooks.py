"""Write the notebook corpus: student answers to the seed exercise as Jupyter notebooks.

Each notebook below is a list of literal cells, written the way students write them (the
exercise's markdown headings, ``%matplotlib inline``, scatter plots, ``!ls``, a ``?`` line,
prints, ``minimize(fun, W0, jac=True)``). The expectations for each file are in
``manifest.toml``; ``README.md`` says how they were verified.

    python tests/notebook_corpus/make_notebooks.py            # writes the *.ipynb here
    python tests/notebook_corpus/make_notebooks.py --out DIR  # writes them somewhere else

The output is deterministic (fixed cell ids, no outputs), so regenerating gives the same bytes.
"""

import argparse
from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

Cell = tuple[str, str]


def md(text: str) -> Cell:
    return ("markdown", dedent(text).strip("\n"))


def code(text: str) -> Cell:
    return ("code", dedent(text).strip("\n"))


# ------------------------------------------------------------------ the exercise's own cells

MD_TITLE = md(
    """
    ## Week 6. Neural Nets and backpropagation
    In this session we will continue the work we started on neural networks. In particular,
    in this exercise, you will get to code a neural network from scratch and will be asked to
    understand and code backpropagation to train the network
    """
)
MD_1 = md(
    """
    __Exercise 1.__ Let us go back briefly to a simple dataset to make sure we understand how
    things work. As a first exercise, we will code a one hidden layer neural network that
    outputs a binary 0/1 variable indicating the class of our data.

    We will use the function 'minimize' from scipy. We will set the 'jac' parameter of the
    optimizer to 'True', which implies that the (objective) function that we provide as an
    input should return both the value of the loss and the value of its gradient.
    """
)
MD_1A = md(
    """
    __Exercise 1.a.__ Start Load the data using the lines below and plot it using scatter( )
    """
)
MD_1B = md(
    """
    __Exercise 1.b__ As indicated above, we want to apply the network to the simple binary
    dataset that you loaded above. [...] we want our activation function to be all sigmoid.
    Start by defining the function sigmoid and the gradient of this function. Once you are
    done, check your derivative.
    """
)
MD_1C = md(
    r"""
    __Exercise 1.c__ Now that we have the sigmoid and its gradient, we will code the loss.
    [...] we will consider its $\ell_2$ regularized version

    $$-\frac{1}{N}\sum_{i=1}^N (y_i \log(p_{W}(x_i))+(1-y_i)\log(1-p_{W}(x_i)))
    + \lambda \sum_{j\in\text{weights}\setminus \text{bias}} W^2_j$$

    Note that one typically does not regularize the bias terms.
    """
)
MD_1D = md(
    """
    __Exercise 1.d. Towards Backpropagation.__ The example above is relatively simple so that
    backpropagation is not really needed. Compute the gradient of the Binary cross entropy
    loss with respect to the weights.
    """
)
MD_1E = md(
    r"""
    __Exercise 1.e.__ Combine all your previous steps into a single function and pass this
    function to the 'minimize' routine. To choose the initial value for the weights, a common
    heuristic is for the n^th layer to be initialized unformly at random in the interval
    $[-\varepsilon_n, \varepsilon_n]$ with
    $\epsilon_n = \sqrt{\frac{2}{\text{size layer}_{\ell-1} + \text{size layer}_{\ell}}}$
    """
)
MD_BONUS = md(
    """
    __Bonus 1__ change the activation to the Relu and reapeat the steps above. How do you
    compute the gradient in this case?
    """
)
MD_2 = md(
    """
    __Exercise 2.__ Coding a One hidden layer neural network is good to warm up but to really
    understand backpropagation, we will not add a few hidden layers. Still relying on the code
    that you developed above and using backpropagation, train a depth 4 neural network with 10
    neurons in each layer on the binary dataset.
    """
)
MD_2A = md(
    r"""
    __Exercise 2a.__ In this exercise, because of the multiple layers of the network, you will
    get to really code backpropagation.

    - Take any of the sample [...] Forward propagate that sample through the network and
      compute all the activations $z = \sigma(a_i)$ and input $a_i$ for each unit.
    - Evaluate the $\delta_k = y_k(x_n) - t_{n,k}$ for all the output units.
    - Backpropagate the $\delta_k$ using the formula
      $$\delta_j = \sigma'(a_j) \sum_{k} w_{k,j} \delta_k$$
    - Finally, compute the derivatives as
      $$\frac{\partial \text{loss}}{\partial w_{ij}} = \delta_j z_i$$
    """
)
MD_3 = md(
    """
    __Exercise 3.__ Extending to multiple classes. Load the data using the lines given below,
    visualize it with scatter. How can you extend the Binary cross entropy function to the
    multiclass problem?
    """
)

# The exercise's own loading cell, as the notebook hands it out, with the student's plot.
LOAD_BINARY = code(
    """
    from scipy.optimize import minimize
    import scipy.io as sio
    data1 = sio.loadmat('pointsClass1Week6.mat')
    data2 = sio.loadmat('pointsClass2Week6.mat')
    from numpy import linalg as LA
    data1 = data1['pointsClass1Week6']
    data2 = data2['pointsClass2Week6']

    # put your code here
    plt.scatter(data1[:, 0], data1[:, 1], c='b', label='class 1')
    plt.scatter(data2[:, 0], data2[:, 1], c='r', label='class 2')
    plt.legend()
    plt.show()
    """
)
LOAD_EX3 = code(
    """
    import scipy.io as sio
    data1 = sio.loadmat('xWeek6Ex3PointsClass1.mat')
    data2 = sio.loadmat('xWeek6Ex3PointsClass2.mat')
    data3 = sio.loadmat('xWeek6Ex3PointsClass3.mat')
    from numpy import linalg as LA
    data1 = data1['xWeek6Ex3PointsClass1']
    data2 = data2['xWeek6Ex3PointsClass2']
    data3 = data3['xWeek6Ex3PointsClass3']

    # put your code here
    for d, c in zip([data1, data2, data3], ['r', 'g', 'b']):
        plt.scatter(d[:, 0], d[:, 1], c=c)
    plt.show()
    """
)
IMPORTS = code(
    """
    %matplotlib inline
    import numpy as np
    import matplotlib.pyplot as plt
    """
)
SIGMOID = code(
    """
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def dsigmoid(x):
        return sigmoid(x) * (1 - sigmoid(x))

    # check the derivative
    x = np.linspace(-4, 4, 9)
    print((sigmoid(x + 1e-5) - sigmoid(x - 1e-5)) / 2e-5 - dsigmoid(x))
    """
)
BINARY_DATA = code(
    """
    X = np.vstack((data1, data2))
    t = np.hstack((np.zeros(len(data1)), np.ones(len(data2))))
    N = X.shape[0]
    print(X.shape, t.shape)
    """
)
# Exercise 1.e for the notebooks whose fun cell sets H (hidden units) and lam.
MINIMIZE_H = code(
    """
    np.random.seed(0)
    e1 = np.sqrt(2 / (2 + H))
    e2 = np.sqrt(2 / (H + 1))
    W0 = np.concatenate([np.random.uniform(-e1, e1, 3 * H), np.random.uniform(-e2, e2, H + 1)])
    res = minimize(fun, W0, jac=True, options={'maxiter': 50})
    print('final loss:', res.fun)
    """
)


def ex1_mistake(fun_cell: Cell, minimize_cell: Cell = MINIMIZE_H) -> list[Cell]:
    """Exercise 1 only, globals style: the exercise's cells around one ``fun`` cell."""
    return [
        MD_TITLE,
        MD_1,
        MD_1A,
        IMPORTS,
        LOAD_BINARY,
        MD_1B,
        SIGMOID,
        MD_1C,
        BINARY_DATA,
        MD_1D,
        fun_cell,
        MD_1E,
        minimize_cell,
    ]


NOTEBOOKS: dict[str, list[Cell]] = {}

# ============================================================================ correct

NOTEBOOKS["correct_globals_ex1.ipynb"] = [
    MD_TITLE,
    MD_1,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    code(
        """
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        def sigmoid_prime(x):
            s = sigmoid(x)
            return s * (1 - s)

        # check the derivative with a finite difference
        h = 1e-6
        xs = np.linspace(-5, 5, 11)
        print(np.max(np.abs((sigmoid(xs + h) - sigmoid(xs - h)) / (2 * h) - sigmoid_prime(xs))))
        """
    ),
    MD_1C,
    code(
        """
        X = np.vstack((data1, data2))
        t = np.concatenate((np.zeros(data1.shape[0]), np.ones(data2.shape[0])))
        N = X.shape[0]
        n_hidden = 4
        lam = 0.002

        def unpack(W):
            W1 = W[0:2 * n_hidden].reshape(2, n_hidden)
            b1 = W[2 * n_hidden:3 * n_hidden]
            W2 = W[3 * n_hidden:4 * n_hidden].reshape(n_hidden, 1)
            b2 = W[4 * n_hidden:4 * n_hidden + 1]
            return W1, b1, W2, b2

        def loss(W):
            W1, b1, W2, b2 = unpack(W)
            z1 = sigmoid(X @ W1 + b1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            bce = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
            return bce + lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        """
    ),
    MD_1D,
    code(
        """
        def gradient(W):
            W1, b1, W2, b2 = unpack(W)
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2)
            d2 = (p - t[:, None]) / N
            gW2 = z1.T @ d2 + 2 * lam * W2
            gb2 = d2.sum(axis=0)
            d1 = (d2 @ W2.T) * sigmoid_prime(a1)
            gW1 = X.T @ d1 + 2 * lam * W1
            gb1 = d1.sum(axis=0)
            return np.concatenate((gW1.ravel(), gb1, gW2.ravel(), gb2))
        """
    ),
    MD_1E,
    code(
        """
        def fun(W):
            return loss(W), gradient(W)

        eps1 = np.sqrt(2 / (2 + n_hidden))
        eps2 = np.sqrt(2 / (n_hidden + 1))
        np.random.seed(1)
        W0 = np.concatenate((np.random.uniform(-eps1, eps1, 3 * n_hidden),
                             np.random.uniform(-eps2, eps2, n_hidden + 1)))
        res = minimize(fun, W0, jac=True, options={'maxiter': 50})
        print(res.fun)
        """
    ),
    code(
        """
        W1, b1, W2, b2 = unpack(res.x)
        pred = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2).ravel() > 0.5
        print('training accuracy', np.mean(pred == t))
        """
    ),
]

NOTEBOOKS["correct_closure_factory_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    code(
        """
        !ls
        import numpy as np
        import matplotlib.pyplot as plt
        from scipy.special import expit
        """
    ),
    code(
        """
        from scipy.optimize import minimize
        import scipy.io as sio
        data1 = sio.loadmat('pointsClass1Week6.mat')
        data2 = sio.loadmat('pointsClass2Week6.mat')
        from numpy import linalg as LA
        data1 = data1['pointsClass1Week6']
        data2 = data2['pointsClass2Week6']

        # put your code here
        plt.figure(figsize=(5, 5))
        plt.scatter(*data1.T, marker='o')
        plt.scatter(*data2.T, marker='x')
        plt.title('week 6 points')
        """
    ),
    MD_1B,
    code(
        """
        sig = expit

        def dsig(a):
            s = expit(a)
            return s * (1 - s)

        print(dsig(0.0), (sig(1e-4) - sig(-1e-4)) / 2e-4)
        """
    ),
    MD_1C,
    MD_1D,
    code(
        """
        def make_fun(X, t, lam, H=5):
            N = X.shape[0]
            t = t.reshape(-1, 1)

            def fun(W):
                W1 = W[:2*H].reshape(2, H)
                b1 = W[2*H:3*H]
                W2 = W[3*H:4*H].reshape(H, 1)
                b2 = W[4*H:]
                A1 = X @ W1 + b1
                Z1 = sig(A1)
                P = sig(Z1 @ W2 + b2)
                J = -np.sum(t*np.log(P) + (1-t)*np.log(1-P))/N + lam*(np.sum(W1**2) + np.sum(W2**2))
                D2 = (P - t)/N
                D1 = D2 @ W2.T * dsig(A1)
                grad = np.concatenate([(X.T @ D1 + 2*lam*W1).ravel(), D1.sum(0),
                                       (Z1.T @ D2 + 2*lam*W2).ravel(), D2.sum(0)])
                return J, grad
            return fun
        """
    ),
    MD_1E,
    code(
        """
        X = np.vstack([data1, data2])
        t = np.r_[np.zeros(len(data1)), np.ones(len(data2))]
        fun = make_fun(X, t, 1e-3)

        rng = np.random.default_rng(42)
        e1, e2 = np.sqrt(2/(2+5)), np.sqrt(2/(5+1))
        W0 = np.concatenate([rng.uniform(-e1, e1, 15), rng.uniform(-e2, e2, 6)])
        res = minimize(fun, W0, jac=True, options={'maxiter': 50})
        print(res.fun, res.message)
        """
    ),
]

NOTEBOOKS["correct_partial_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    code(
        """
        np.shape?
        """
    ),
    MD_1B,
    SIGMOID,
    MD_1C,
    MD_1D,
    code(
        """
        def loss_and_grad(W, X, t, lam, n_hidden=3):
            n_in = X.shape[1]
            i = 0
            W1 = W[i:i + n_in * n_hidden].reshape(n_in, n_hidden); i += n_in * n_hidden
            b1 = W[i:i + n_hidden]; i += n_hidden
            W2 = W[i:i + n_hidden].reshape(n_hidden, 1); i += n_hidden
            b2 = W[i:i + 1]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2)[:, 0]
            N = len(t)
            L = -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / N
            L += lam * (np.sum(W1 * W1) + np.sum(W2 * W2))
            delta2 = (p - t)[:, None] / N
            delta1 = dsigmoid(a1) * (delta2 @ W2.T)
            gW1 = X.T @ delta1 + 2 * lam * W1
            gW2 = z1.T @ delta2 + 2 * lam * W2
            g = np.concatenate([gW1.flatten(), delta1.sum(axis=0),
                                gW2.flatten(), delta2.sum(axis=0)])
            return L, g
        """
    ),
    MD_1E,
    code(
        """
        from functools import partial

        X = np.concatenate([data1, data2], axis=0)
        t = np.concatenate([np.zeros(200), np.ones(200)])
        lam = 5e-4
        obj = partial(loss_and_grad, X=X, t=t, lam=lam)

        np.random.seed(3)
        W0 = np.concatenate([np.random.uniform(-np.sqrt(2/5), np.sqrt(2/5), 9),
                             np.random.uniform(-np.sqrt(2/4), np.sqrt(2/4), 4)])
        res = minimize(obj, W0, jac=True, method='L-BFGS-B', options={'maxiter': 50})
        print('loss after training', res.fun)
        """
    ),
]

NOTEBOOKS["correct_default_args_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    code(
        """
        import numpy as np
        import matplotlib.pyplot as plt
        from scipy.optimize import minimize
        import scipy.io as sio
        data1 = sio.loadmat('pointsClass1Week6.mat')
        data2 = sio.loadmat('pointsClass2Week6.mat')
        data1 = data1['pointsClass1Week6']
        data2 = data2['pointsClass2Week6']
        print(data1.shape, data2.shape)
        plt.plot(data1[:,0], data1[:,1], 'o', data2[:,0], data2[:,1], 's')
        """
    ),
    MD_1B,
    code(
        """
        def sigm(x): return 1./(1.+np.exp(-x))
        def sigm_der(x): return sigm(x)*(1.-sigm(x))
        """
    ),
    MD_1C,
    code(
        """
        X = np.append(data1, data2, axis=0)
        t = np.append(np.zeros(len(data1)), np.ones(len(data2)))
        nh = 6
        lam = 0.002
        """
    ),
    MD_1D,
    MD_1E,
    code(
        """
        def fun(W, X=X, t=t, lam=lam):
            w_in = np.reshape(W[:2*nh], (2, nh))
            bias_h = W[2*nh:3*nh]
            w_out = np.reshape(W[3*nh:4*nh], (nh, 1))
            bias_o = W[4*nh:4*nh+1]
            ah = np.dot(X, w_in) + bias_h
            zh = sigm(ah)
            y = sigm(np.dot(zh, w_out) + bias_o).flatten()
            cost = -np.mean(t*np.log(y) + (1-t)*np.log(1-y))
            cost = cost + lam*(np.sum(w_in**2)+np.sum(w_out**2))
            do = (y - t).reshape(-1, 1) / len(t)
            dh = np.dot(do, w_out.T) * sigm_der(ah)
            grad_w_in = np.dot(X.T, dh) + 2*lam*w_in
            grad_w_out = np.dot(zh.T, do) + 2*lam*w_out
            grad = np.hstack([grad_w_in.flatten(), dh.sum(axis=0),
                              grad_w_out.flatten(), do.sum(axis=0)])
            return cost, grad

        eps_1 = np.sqrt(2/(2+nh)); eps_2 = np.sqrt(2/(nh+1))
        W_init = np.hstack([np.random.RandomState(0).uniform(-eps_1, eps_1, 3*nh),
                            np.random.RandomState(1).uniform(-eps_2, eps_2, nh+1)])
        result = minimize(fun, W_init, jac=True, options={'maxiter': 50})
        print(result.fun)
        """
    ),
]

NOTEBOOKS["correct_all_exercises.ipynb"] = [
    MD_TITLE,
    MD_1,
    MD_1A,
    code(
        """
        %matplotlib inline
        import numpy as np
        import matplotlib.pyplot as plt
        from scipy.special import expit
        """
    ),
    LOAD_BINARY,
    MD_1B,
    code(
        """
        def sigmoid(a):
            return expit(a)

        def sigmoid_grad(a):
            s = expit(a)
            return s * (1 - s)

        a = np.random.randn(5)
        print(np.allclose((sigmoid(a + 1e-6) - sigmoid(a - 1e-6)) / 2e-6, sigmoid_grad(a)))
        """
    ),
    MD_1C,
    code(
        """
        X = np.vstack((data1, data2))
        t = np.hstack((np.zeros(len(data1)), np.ones(len(data2))))
        N = len(X)
        H = 4
        lam = 1e-3

        def bce_from_logits(a, t):
            # -t log(sigmoid(a)) - (1-t) log(1 - sigmoid(a)), without overflow
            return np.mean(t * np.logaddexp(0, -a) + (1 - t) * np.logaddexp(0, a))
        """
    ),
    MD_1D,
    MD_1E,
    code(
        """
        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:4*H+1]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            a2 = (z1 @ W2 + b2).ravel()
            J = bce_from_logits(a2, t) + lam * (np.sum(W1**2) + np.sum(W2**2))
            d2 = ((sigmoid(a2) - t) / N)[:, None]
            d1 = (d2 @ W2.T) * sigmoid_grad(a1)
            grad = np.concatenate([(X.T @ d1 + 2*lam*W1).ravel(), d1.sum(0),
                                   (z1.T @ d2 + 2*lam*W2).ravel(), d2.sum(0)])
            return J, grad

        np.random.seed(0)
        e1, e2 = np.sqrt(2/(2+H)), np.sqrt(2/(H+1))
        W0 = np.concatenate([np.random.uniform(-e1, e1, 3*H), np.random.uniform(-e2, e2, H+1)])
        res = minimize(fun, W0, jac=True, options={'maxiter': 50})
        print('Exercise 1 loss:', res.fun)
        """
    ),
    MD_BONUS,
    code(
        """
        # ReLU: the derivative is 1 where a > 0 and 0 elsewhere (I take 0 at a = 0)
        def relu(a):
            return np.maximum(a, 0)

        def relu_grad(a):
            return (a > 0).astype(float)

        Hr = 8

        def fun_relu(W):
            W1 = W[:2*Hr].reshape(2, Hr)
            b1 = W[2*Hr:3*Hr]
            W2 = W[3*Hr:4*Hr].reshape(Hr, 1)
            b2 = W[4*Hr:4*Hr+1]
            a1 = X @ W1 + b1
            z1 = relu(a1)
            a2 = (z1 @ W2 + b2).ravel()
            J = bce_from_logits(a2, t) + lam * (np.sum(W1**2) + np.sum(W2**2))
            d2 = ((sigmoid(a2) - t) / N)[:, None]
            d1 = (d2 @ W2.T) * relu_grad(a1)
            grad = np.concatenate([(X.T @ d1 + 2*lam*W1).ravel(), d1.sum(0),
                                   (z1.T @ d2 + 2*lam*W2).ravel(), d2.sum(0)])
            return J, grad

        e1, e2 = np.sqrt(2/(2+Hr)), np.sqrt(2/(Hr+1))
        W0r = np.concatenate([np.random.uniform(-e1, e1, 3*Hr), np.random.uniform(-e2, e2, Hr+1)])
        res_relu = minimize(fun_relu, W0r, jac=True, options={'maxiter': 50})
        print('ReLU loss:', res_relu.fun)
        """
    ),
    MD_2,
    MD_2A,
    code(
        """
        from scipy.optimize import minimize
        # put your code here
        sizes2 = [2, 10, 10, 10, 10, 1]
        lam2 = 1e-4

        def unpack2(W):
            Ws, bs, k = [], [], 0
            for n_in, n_out in zip(sizes2[:-1], sizes2[1:]):
                Ws.append(W[k:k + n_in*n_out].reshape(n_in, n_out)); k += n_in*n_out
                bs.append(W[k:k + n_out]); k += n_out
            return Ws, bs

        def fun2(W):
            Ws, bs = unpack2(W)
            L = len(Ws)
            gWs = [np.zeros_like(w) for w in Ws]
            gbs = [np.zeros_like(b) for b in bs]
            loss = 0.0
            for n in range(N):
                # forward propagate sample n, keeping every a and z
                z = [X[n]]
                a = []
                for l in range(L):
                    a.append(z[-1] @ Ws[l] + bs[l])
                    z.append(sigmoid(a[-1]))
                loss += t[n] * np.logaddexp(0, -a[-1][0]) + (1 - t[n]) * np.logaddexp(0, a[-1][0])
                # delta_k = y_k - t_k, then delta_j = sigma'(a_j) sum_k w_kj delta_k
                delta = z[-1] - t[n]
                for l in range(L - 1, -1, -1):
                    gWs[l] += np.outer(z[l], delta)
                    gbs[l] += delta
                    if l > 0:
                        delta = sigmoid_grad(a[l - 1]) * (Ws[l] @ delta)
            loss = loss / N + lam2 * sum(np.sum(w**2) for w in Ws)
            grad = np.concatenate([np.concatenate([(gW / N + 2*lam2*w).ravel(), gb / N])
                                   for gW, gb, w in zip(gWs, gbs, Ws)])
            return loss, grad

        W0_2 = np.concatenate([np.random.uniform(-np.sqrt(2/(i+o)), np.sqrt(2/(i+o)), (i+1)*o)
                               for i, o in zip(sizes2[:-1], sizes2[1:])])
        res2 = minimize(fun2, W0_2, jac=True, options={'maxiter': 15})
        print('Exercise 2 loss:', res2.fun)
        """
    ),
    MD_3,
    LOAD_EX3,
    code(
        """
        X3 = np.vstack((data1, data2, data3))
        N3 = len(X3)
        T3 = np.zeros((N3, 3))
        T3[:len(data1), 0] = 1
        T3[len(data1):len(data1) + len(data2), 1] = 1
        T3[len(data1) + len(data2):, 2] = 1
        H3 = 10
        lam3 = 1e-3

        def fun3(W):
            W1 = W[:2*H3].reshape(2, H3)
            b1 = W[2*H3:3*H3]
            W2 = W[3*H3:6*H3].reshape(H3, 3)
            b2 = W[6*H3:6*H3+3]
            a1 = X3 @ W1 + b1
            z1 = sigmoid(a1)
            a2 = z1 @ W2 + b2
            a2 = a2 - a2.max(axis=1, keepdims=True)
            logP = a2 - np.log(np.exp(a2).sum(axis=1, keepdims=True))
            J = -np.sum(T3 * logP) / N3 + lam3 * (np.sum(W1**2) + np.sum(W2**2))
            d2 = (np.exp(logP) - T3) / N3
            d1 = (d2 @ W2.T) * sigmoid_grad(a1)
            grad = np.concatenate([(X3.T @ d1 + 2*lam3*W1).ravel(), d1.sum(0),
                                   (z1.T @ d2 + 2*lam3*W2).ravel(), d2.sum(0)])
            return J, grad

        e1, e2 = np.sqrt(2/(2+H3)), np.sqrt(2/(H3+3))
        W0_3 = np.concatenate([np.random.uniform(-e1, e1, 3*H3),
                               np.random.uniform(-e2, e2, 3*H3+3)])
        res3 = minimize(fun3, W0_3, jac=True, options={'maxiter': 50})
        print('Exercise 3 loss:', res3.fun)
        """
    ),
]

NOTEBOOKS["correct_lam_zero_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    SIGMOID,
    MD_1C,
    MD_1D,
    MD_1E,
    code(
        """
        # no regularisation for now
        lam = 0
        X = np.vstack((data1, data2))
        t = np.array([0] * len(data1) + [1] * len(data2))
        nH = 3

        def fun(W):
            W1 = W[:2*nH].reshape(2, nH)
            b1 = W[2*nH:3*nH]
            W2 = W[3*nH:4*nH].reshape(nH, 1)
            b2 = W[-1]
            a1 = X.dot(W1) + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1.dot(W2)[:, 0] + b2)
            loss = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t) / len(t)
            d1 = np.outer(d2, W2[:, 0]) * dsigmoid(a1)
            g = np.concatenate([(X.T.dot(d1) + 2*lam*W1).ravel(), d1.sum(axis=0),
                                z1.T.dot(d2) + 2*lam*W2[:, 0], [d2.sum()]])
            return loss, g

        W0 = np.random.RandomState(1).uniform(-0.5, 0.5, 4*nH + 1)
        res = minimize(fun, W0, jac=True, options={'maxiter': 50})
        print(res.fun)
        """
    ),
]

NOTEBOOKS["correct_class1_target1_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    SIGMOID,
    MD_1C,
    code(
        """
        # class 1 is my positive class: y = 1 for class 1, y = 0 for class 2
        X = np.vstack((data1, data2))
        y = np.concatenate((np.ones(len(data1)), np.zeros(len(data2))))
        N = len(y)
        H = 4
        lam = 1e-3
        """
    ),
    MD_1D,
    code(
        """
        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.sum(y*np.log(p) + (1 - y)*np.log(1 - p)) / N
            J = J + lam * (np.sum(W1**2) + np.sum(W2**2))
            d_out = (p - y).reshape(N, 1) / N
            d_hid = d_out @ W2.T * dsigmoid(a1)
            gW1 = X.T @ d_hid + 2*lam*W1
            gW2 = z1.T @ d_out + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), d_hid.sum(0), gW2.ravel(), d_out.sum(0)])
        """
    ),
    MD_1E,
    MINIMIZE_H,
    code(
        """
        W1, b1, W2, b2 = res.x[:2*H].reshape(2, H), res.x[2*H:3*H], res.x[3*H:4*H], res.x[4*H]
        acc = np.mean((sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2) > 0.5) == y)
        print(res.nit, 'iterations, accuracy', acc)
        """
    ),
]

NOTEBOOKS["correct_weights_then_biases_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    SIGMOID,
    MD_1C,
    BINARY_DATA,
    MD_1D,
    code(
        """
        # parameter vector: [W1 (2xH), W2 (Hx1), b1 (H), b2 (1)], like coefs_ then intercepts_
        H = 4
        lam = 1e-4

        def unroll(W):
            W1 = W[0:2*H].reshape(2, H)
            W2 = W[2*H:3*H].reshape(H, 1)
            b1 = W[3*H:4*H]
            b2 = W[4*H:4*H+1]
            return W1, W2, b1, b2

        def fun(W):
            W1, W2, b1, b2 = unroll(W)
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2)
            tt = t[:, None]
            J = -np.mean(tt*np.log(p) + (1-tt)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - tt) / N
            d1 = d2 @ W2.T * dsigmoid(a1)
            gW1 = X.T @ d1 + 2*lam*W1
            gW2 = z1.T @ d2 + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), gW2.ravel(), d1.sum(0), d2.sum(0)])
        """
    ),
    MD_1E,
    MINIMIZE_H,
]

NOTEBOOKS["correct_bias_column_ng_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    SIGMOID,
    MD_1C,
    code(
        """
        X = np.vstack((data1, data2))
        t = np.hstack((np.zeros(len(data1)), np.ones(len(data2)))).reshape(-1, 1)
        N = X.shape[0]
        # bias as an extra input fixed to 1 (first column), like in Andrew Ng's course
        X = np.hstack([np.ones((N, 1)), X])
        H = 5
        lam = 1e-3
        print(X[:3])
        """
    ),
    MD_1D,
    code(
        """
        def fun(W):
            Theta1 = W[:3*H].reshape(3, H)       # row 0 = biases of the hidden units
            Theta2 = W[3*H:].reshape(H + 1, 1)   # row 0 = bias of the output
            a1 = X @ Theta1
            z1 = np.hstack([np.ones((N, 1)), sigmoid(a1)])
            p = sigmoid(z1 @ Theta2)
            J = -np.sum(t*np.log(p) + (1-t)*np.log(1-p)) / N
            J += lam * (np.sum(Theta1[1:]**2) + np.sum(Theta2[1:]**2))   # no bias rows
            d2 = (p - t) / N
            d1 = (d2 @ Theta2[1:].T) * dsigmoid(a1)
            G1 = X.T @ d1
            G2 = z1.T @ d2
            G1[1:] += 2*lam*Theta1[1:]
            G2[1:] += 2*lam*Theta2[1:]
            return J, np.concatenate([G1.ravel(), G2.ravel()])
        """
    ),
    MD_1E,
    code(
        """
        np.random.seed(5)
        e1, e2 = np.sqrt(2/(2+H)), np.sqrt(2/(H+1))
        W0 = np.concatenate([np.random.uniform(-e1, e1, 3*H), np.random.uniform(-e2, e2, H+1)])
        res = minimize(fun, W0, jac=True, options={'maxiter': 50})
        print('loss', res.fun)
        """
    ),
]

NOTEBOOKS["correct_tanh_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    code(
        """
        # I use tanh in the hidden layer (sigmoid only at the output)
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        def tanh_prime(x):
            return 1 - np.tanh(x)**2

        print(tanh_prime(0.3), (np.tanh(0.3 + 1e-6) - np.tanh(0.3 - 1e-6)) / 2e-6)
        """
    ),
    MD_1C,
    BINARY_DATA,
    MD_1D,
    code(
        """
        H = 4
        lam = 1e-3

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = np.tanh(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * tanh_prime(a1)
            grad = np.concatenate([(X.T @ d1 + 2*lam*W1).ravel(), d1.sum(0),
                                   (z1.T @ d2 + 2*lam*W2).ravel(), d2.sum(0)])
            return J, grad
        """
    ),
    MD_1E,
    MINIMIZE_H,
]

NOTEBOOKS["correct_plotting_heavy.ipynb"] = [
    MD_TITLE,
    MD_1,
    MD_1A,
    code(
        """
        %matplotlib inline
        %config InlineBackend.figure_format = 'retina'
        import numpy as np
        import matplotlib.pyplot as plt
        from scipy.special import expit
        """
    ),
    code(
        """
        from scipy.optimize import minimize
        import scipy.io as sio
        data1 = sio.loadmat('pointsClass1Week6.mat')
        data2 = sio.loadmat('pointsClass2Week6.mat')
        from numpy import linalg as LA
        data1 = data1['pointsClass1Week6']
        data2 = data2['pointsClass2Week6']

        # put your code here
        fig, axes = plt.subplots(1, 3, figsize=(12, 4))
        axes[0].scatter(data1[:, 0], data1[:, 1], s=8)
        axes[0].set_title('class 1')
        axes[1].scatter(data2[:, 0], data2[:, 1], s=8, c='orange')
        axes[1].set_title('class 2')
        axes[2].scatter(data1[:, 0], data1[:, 1], s=8)
        axes[2].scatter(data2[:, 0], data2[:, 1], s=8)
        axes[2].set_title('both')
        plt.tight_layout()
        plt.show()
        """
    ),
    MD_1B,
    code(
        """
        def sigmoid(a):
            return expit(a)

        def dsigmoid(a):
            return expit(a) * (1 - expit(a))

        aa = np.linspace(-6, 6, 200)
        plt.plot(aa, sigmoid(aa), label='sigmoid')
        plt.plot(aa, dsigmoid(aa), label="sigmoid'")
        plt.plot(aa[1:], np.diff(sigmoid(aa)) / np.diff(aa), '--', label='finite diff')
        plt.legend()
        plt.show()
        """
    ),
    MD_1C,
    MD_1D,
    MD_1E,
    code(
        """
        X = np.vstack((data1, data2))
        t = np.hstack((np.zeros(len(data1)), np.ones(len(data2))))
        N = len(t)
        H = 4
        lam = 1e-3

        def forward(W, X):
            W1 = W[:2*H].reshape(2, H); b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1); b2 = W[4*H:4*H+1]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            a2 = (z1 @ W2 + b2)[:, 0]
            return W1, W2, a1, z1, a2

        def fun(W):
            W1, W2, a1, z1, a2 = forward(W, X)
            J = np.mean(np.logaddexp(0, a2) - t*a2) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = ((sigmoid(a2) - t) / N)[:, None]
            d1 = d2 @ W2.T * dsigmoid(a1)
            return J, np.concatenate([(X.T @ d1 + 2*lam*W1).ravel(), d1.sum(0),
                                      (z1.T @ d2 + 2*lam*W2).ravel(), d2.sum(0)])

        np.random.seed(2)
        e1, e2 = np.sqrt(2/(2+H)), np.sqrt(2/(H+1))
        W0 = np.concatenate([np.random.uniform(-e1, e1, 3*H), np.random.uniform(-e2, e2, H+1)])
        history = []
        res = minimize(fun, W0, jac=True, options={'maxiter': 50},
                       callback=lambda w: history.append(fun(w)[0]))
        print('final loss', res.fun)
        plt.plot(history)
        plt.xlabel('iteration')
        plt.ylabel('loss')
        plt.show()
        """
    ),
    code(
        """
        # decision boundary
        xx, yy = np.meshgrid(np.linspace(-2.5, 2.5, 150), np.linspace(-2.5, 2.5, 150))
        grid = np.c_[xx.ravel(), yy.ravel()]
        prob = sigmoid(forward(res.x, grid)[4]).reshape(xx.shape)
        plt.figure(figsize=(6, 5))
        plt.contourf(xx, yy, prob, levels=20, cmap='RdBu_r', alpha=0.6)
        plt.colorbar()
        plt.contour(xx, yy, prob, levels=[0.5], colors='k')
        plt.scatter(data1[:, 0], data1[:, 1], c='b', s=8)
        plt.scatter(data2[:, 0], data2[:, 1], c='r', s=8)
        plt.title('decision boundary, %d hidden units' % H)
        plt.savefig('boundary.png')
        plt.show()
        """
    ),
    MD_2,
    MD_2A,
    code(
        """
        layers = [2, 10, 10, 10, 10, 1]
        lam_deep = 1e-4

        def params(W):
            out, k = [], 0
            for i, o in zip(layers[:-1], layers[1:]):
                out.append((W[k:k+i*o].reshape(i, o), W[k+i*o:k+i*o+o]))
                k += i*o + o
            return out

        def fun_deep(W):
            ps = params(W)
            zs, As = [X], []
            for Wl, bl in ps:
                As.append(zs[-1] @ Wl + bl)
                zs.append(sigmoid(As[-1]))
            aL = As[-1][:, 0]
            J = np.mean(np.logaddexp(0, aL) - t*aL) + lam_deep*sum(np.sum(Wl**2) for Wl, _ in ps)
            delta = ((sigmoid(aL) - t) / N)[:, None]
            grads = []
            for l in range(len(ps) - 1, -1, -1):
                Wl = ps[l][0]
                grads.insert(0, np.concatenate([(zs[l].T @ delta + 2*lam_deep*Wl).ravel(),
                                                delta.sum(0)]))
                if l > 0:
                    delta = (delta @ Wl.T) * dsigmoid(As[l-1])
            return J, np.concatenate(grads)

        W0d = np.concatenate([np.random.uniform(-np.sqrt(2/(i+o)), np.sqrt(2/(i+o)), (i+1)*o)
                              for i, o in zip(layers[:-1], layers[1:])])
        res_deep = minimize(fun_deep, W0d, jac=True, options={'maxiter': 30})
        print('deep net loss', res_deep.fun)
        plt.figure()
        plt.scatter(X[:, 0], X[:, 1], c=t, cmap='coolwarm', s=8)
        plt.title('Exercise 2 data')
        plt.show()
        """
    ),
    MD_3,
    LOAD_EX3,
    code(
        """
        Xm = np.concatenate([data1, data2, data3])
        labels = np.concatenate([np.full(len(d), k) for k, d in enumerate([data1, data2, data3])])
        Tm = np.eye(3)[labels]
        Hm = 8
        lam_m = 1e-3

        def fun_multi(W):
            W1 = W[:2*Hm].reshape(2, Hm)
            b1 = W[2*Hm:3*Hm]
            W2 = W[3*Hm:6*Hm].reshape(Hm, 3)
            b2 = W[6*Hm:]
            a1 = Xm @ W1 + b1
            z1 = sigmoid(a1)
            s = z1 @ W2 + b2
            s = s - s.max(1, keepdims=True)
            logp = s - np.log(np.exp(s).sum(1, keepdims=True))
            J = -np.mean(np.sum(Tm*logp, 1)) + lam_m*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (np.exp(logp) - Tm) / len(Xm)
            d1 = d2 @ W2.T * dsigmoid(a1)
            return J, np.concatenate([(Xm.T @ d1 + 2*lam_m*W1).ravel(), d1.sum(0),
                                      (z1.T @ d2 + 2*lam_m*W2).ravel(), d2.sum(0)])

        e1, e2 = np.sqrt(2/(2+Hm)), np.sqrt(2/(Hm+3))
        W0m = np.concatenate([np.random.uniform(-e1, e1, 3*Hm), np.random.uniform(-e2, e2, 3*Hm+3)])
        res_m = minimize(fun_multi, W0m, jac=True, options={'maxiter': 50})
        print('softmax loss', res_m.fun)
        """
    ),
    code(
        """
        xx, yy = np.meshgrid(np.linspace(-2.2, 2.2, 120), np.linspace(-2.2, 2.2, 120))
        g = np.c_[xx.ravel(), yy.ravel()]
        W1 = res_m.x[:2*Hm].reshape(2, Hm); b1 = res_m.x[2*Hm:3*Hm]
        W2 = res_m.x[3*Hm:6*Hm].reshape(Hm, 3); b2 = res_m.x[6*Hm:]
        cls = np.argmax(sigmoid(g @ W1 + b1) @ W2 + b2, axis=1).reshape(xx.shape)
        plt.contourf(xx, yy, cls, alpha=0.3, levels=[-0.5, 0.5, 1.5, 2.5])
        for k, d in enumerate([data1, data2, data3]):
            plt.scatter(d[:, 0], d[:, 1], s=6, label='class %d' % (k + 1))
        plt.legend()
        plt.savefig('boundary_ex3.png', dpi=80)
        plt.show()
        """
    ),
]

NOTEBOOKS["correct_softmax_ex3_only.ipynb"] = [
    MD_TITLE,
    md("I skipped exercises 1 and 2 (did them on paper), here is exercise 3."),
    MD_3,
    code(
        """
        import numpy as np
        import matplotlib.pyplot as plt
        from scipy.optimize import minimize
        """
    ),
    LOAD_EX3,
    code(
        """
        XX = np.r_[data1, data2, data3]
        lbl = np.repeat([0, 1, 2], [len(data1), len(data2), len(data3)])
        TT = np.zeros((len(lbl), 3)); TT[np.arange(len(lbl)), lbl] = 1
        nhid = 6
        LAMBDA = 1e-3

        def sgm(x):
            return 1/(1+np.exp(-x))

        def theta_split(theta):
            A = theta[:2*nhid].reshape(2, nhid)
            a = theta[2*nhid:3*nhid]
            B = theta[3*nhid:3*nhid+3*nhid].reshape(nhid, 3)
            b = theta[6*nhid:6*nhid+3]
            return A, a, B, b

        def costfun(theta):
            A, a, B, b = theta_split(theta)
            h = sgm(XX @ A + a)
            o = h @ B + b
            o -= o.max(axis=1)[:, None]
            sm = np.exp(o) / np.exp(o).sum(axis=1)[:, None]
            m = XX.shape[0]
            ce = -np.sum(TT * (o - np.log(np.exp(o).sum(axis=1))[:, None])) / m
            c = ce + LAMBDA*np.sum(A**2) + LAMBDA*np.sum(B**2)
            dO = (sm - TT)/m
            dH = (dO @ B.T) * h * (1 - h)
            gA = XX.T @ dH + 2*LAMBDA*A
            gB = h.T @ dO + 2*LAMBDA*B
            return c, np.hstack([gA.ravel(), dH.sum(0), gB.ravel(), dO.sum(0)])

        th0 = np.random.default_rng(1).uniform(-0.5, 0.5, 6*nhid + 3)
        out = minimize(costfun, th0, jac=True, options={'maxiter': 50})
        print(out.fun)
        A_, a_, B_, b_ = theta_split(out.x)
        print('accuracy', np.mean(np.argmax(sgm(XX @ A_ + a_) @ B_ + b_, 1) == lbl))
        """
    ),
]

# ============================================================================ mistakes

NOTEBOOKS["mistake_bias_regularized_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 4
        lam = 0.01

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            # regularisation on the whole parameter vector
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*np.sum(W**2)
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            grad = np.concatenate([(X.T @ d1).ravel(), d1.sum(0), (z1.T @ d2).ravel(), d2.sum(0)])
            return J, grad + 2*lam*W
        """
    )
)

NOTEBOOKS["mistake_penalty_scale_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 5
        lam = 0.01

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam/2*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            gW1 = X.T @ d1 + lam*W1
            gW2 = z1.T @ d2 + lam*W2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    )
)

NOTEBOOKS["mistake_missing_mean_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 3
        lam = 1e-3

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.sum(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t)[:, None]
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            gW1 = X.T @ d1 + 2*lam*W1
            gW2 = z1.T @ d2 + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    )
)

NOTEBOOKS["mistake_sign_flip_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 4
        lam = 0.1

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (t - p)[:, None] / N   # error = target - output
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            gW1 = X.T @ d1 + 2*lam*W1
            gW2 = z1.T @ d2 + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    )
)

NOTEBOOKS["mistake_derivative_of_activated_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 6
        lam = 1e-3

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            z1 = sigmoid(X @ W1 + b1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * dsigmoid(z1)
            gW1 = X.T @ d1 + 2*lam*W1
            gW2 = z1.T @ d2 + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    )
)

NOTEBOOKS["mistake_bias_gradient_not_summed_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 4
        lam = 0.01

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            J = 0.0
            gW1 = np.zeros_like(W1); gb1 = np.zeros_like(b1)
            gW2 = np.zeros_like(W2); gb2 = np.zeros_like(b2)
            for n in range(N):
                x = X[n]
                a1 = x @ W1 + b1
                z1 = sigmoid(a1)
                p = sigmoid(z1 @ W2 + b2)
                J += -(t[n]*np.log(p[0]) + (1 - t[n])*np.log(1 - p[0]))
                d2 = (p - t[n]) / N
                d1 = dsigmoid(a1) * (W2 @ d2)
                gW2 += np.outer(z1, d2)
                gb2 = d2
                gW1 += np.outer(x, d1)
                gb1 = d1
            J = J / N + lam * (np.sum(W1**2) + np.sum(W2**2))
            gW1 += 2*lam*W1
            gW2 += 2*lam*W2
            return J, np.concatenate([gW1.ravel(), gb1, gW2.ravel(), gb2])
        """
    ),
    code(
        """
        # the loop over the samples is slow, only a few iterations
        np.random.seed(0)
        e1, e2 = np.sqrt(2 / (2 + H)), np.sqrt(2 / (H + 1))
        W0 = np.concatenate([np.random.uniform(-e1, e1, 3*H), np.random.uniform(-e2, e2, H+1)])
        res = minimize(fun, W0, jac=True, options={'maxiter': 10})
        print('final loss:', res.fun, res.nfev, 'evaluations')
        """
    ),
)

NOTEBOOKS["mistake_penalty_missing_in_gradient_ex1.ipynb"] = ex1_mistake(
    code(
        """
        H = 5
        lam = 0.05

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            # backprop
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            gW1 = X.T @ d1
            gW2 = z1.T @ d2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    )
)

NOTEBOOKS["all_exercises_ex2_derivative_of_activated.ipynb"] = [
    MD_TITLE,
    MD_1,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    SIGMOID,
    MD_1C,
    BINARY_DATA,
    MD_1D,
    MD_1E,
    code(
        """
        H = 3
        lam = 0.002

        def fun(W):
            W1 = W[:2*H].reshape(2, H); b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1); b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            return J, np.concatenate([(X.T @ d1 + 2*lam*W1).ravel(), d1.sum(0),
                                      (z1.T @ d2 + 2*lam*W2).ravel(), d2.sum(0)])
        """
    ),
    MINIMIZE_H,
    MD_2,
    MD_2A,
    code(
        """
        from scipy.optimize import minimize
        # put your code here
        arch = [2, 10, 10, 10, 10, 1]
        lam2 = 1e-3

        def fun2(W):
            # unpack
            Ws, bs, k = [], [], 0
            for i, o in zip(arch[:-1], arch[1:]):
                Ws.append(W[k:k+i*o].reshape(i, o)); k += i*o
                bs.append(W[k:k+o]); k += o
            gW = [0 * w for w in Ws]
            gb = [0 * b for b in bs]
            J = 0
            for n in range(N):
                zs = [X[n]]
                for w, b in zip(Ws, bs):
                    zs.append(sigmoid(zs[-1] @ w + b))
                y = zs[-1][0]
                J -= t[n]*np.log(y) + (1 - t[n])*np.log(1 - y)
                delta = zs[-1] - t[n]
                for l in reversed(range(len(Ws))):
                    gW[l] += np.outer(zs[l], delta)
                    gb[l] += delta
                    if l > 0:
                        delta = dsigmoid(zs[l]) * (Ws[l] @ delta)
            J = J / N + lam2 * sum((w**2).sum() for w in Ws)
            g = []
            for w, gw, gbb in zip(Ws, gW, gb):
                g += [(gw / N + 2*lam2*w).ravel(), gbb / N]
            return J, np.concatenate(g)

        np.random.seed(1)
        W0_2 = np.concatenate([np.random.uniform(-np.sqrt(2/(i+o)), np.sqrt(2/(i+o)), (i+1)*o)
                               for i, o in zip(arch[:-1], arch[1:])])
        res2 = minimize(fun2, W0_2, jac=True, options={'maxiter': 15})
        print(res2.fun, res2.message)
        """
    ),
    MD_3,
    LOAD_EX3,
    code(
        """
        X3 = np.vstack([data1, data2, data3])
        T3 = np.kron(np.eye(3), np.ones((len(data1), 1)))   # 120 points per class
        H3 = 5
        lam3 = 1e-3

        def fun3(W):
            W1 = W[:2*H3].reshape(2, H3); b1 = W[2*H3:3*H3]
            W2 = W[3*H3:6*H3].reshape(H3, 3); b2 = W[6*H3:]
            a1 = X3 @ W1 + b1
            z1 = sigmoid(a1)
            e = np.exp(z1 @ W2 + b2)
            P = e / e.sum(axis=1, keepdims=True)
            J = -np.mean(np.sum(T3*np.log(P), axis=1)) + lam3*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (P - T3) / len(X3)
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            return J, np.concatenate([(X3.T @ d1 + 2*lam3*W1).ravel(), d1.sum(0),
                                      (z1.T @ d2 + 2*lam3*W2).ravel(), d2.sum(0)])

        W0_3 = np.random.uniform(-0.5, 0.5, 6*H3 + 3)
        res3 = minimize(fun3, W0_3, jac=True, options={'maxiter': 50})
        print(res3.fun)
        """
    ),
]

# ============================================================================ broken runs

NOTEBOOKS["cell_error_plot_typo_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    code(
        """
        from scipy.optimize import minimize
        import scipy.io as sio
        data1 = sio.loadmat('pointsClass1Week6.mat')
        data2 = sio.loadmat('pointsClass2Week6.mat')
        from numpy import linalg as LA
        data1 = data1['pointsClass1Week6']
        data2 = data2['pointsClass2Week6']
        """
    ),
    code(
        """
        plt.scatter(data1[:, 0], data1[:, 1], label='class 1')
        plt.scatter(dat2[:, 0], dat2[:, 1], label='class 2')
        plt.legend()
        plt.show()
        """
    ),
    MD_1B,
    SIGMOID,
    MD_1C,
    BINARY_DATA,
    MD_1D,
    code(
        """
        H = 4
        lam = 0.001

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2).ravel()
            J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = (p - t)[:, None] / N
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            gW1 = X.T @ d1 + 2*lam*W1
            gW2 = z1.T @ d2 + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    ),
    MD_1E,
    MINIMIZE_H,
]

NOTEBOOKS["missing_data_file_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    code(
        """
        from scipy.optimize import minimize
        import scipy.io as sio
        # the cleaned version of the data I made
        data1 = sio.loadmat('pointsClass1Week6_v2.mat')
        data2 = sio.loadmat('pointsClass2Week6.mat')
        from numpy import linalg as LA
        data1 = data1['pointsClass1Week6']
        data2 = data2['pointsClass2Week6']
        plt.scatter(data1[:, 0], data1[:, 1])
        plt.scatter(data2[:, 0], data2[:, 1])
        """
    ),
    MD_1B,
    SIGMOID,
    MD_1C,
    MD_1D,
    code(
        """
        def make_fun(X, t, lam, H=4):
            N = len(X)

            def fun(W):
                W1 = W[:2*H].reshape(2, H); b1 = W[2*H:3*H]
                W2 = W[3*H:4*H].reshape(H, 1); b2 = W[4*H:]
                a1 = X @ W1 + b1
                z1 = sigmoid(a1)
                p = sigmoid(z1 @ W2 + b2).ravel()
                J = -np.mean(t*np.log(p) + (1-t)*np.log(1-p)) + lam*(np.sum(W1**2) + np.sum(W2**2))
                d2 = (p - t)[:, None] / N
                d1 = (d2 @ W2.T) * dsigmoid(a1)
                return J, np.concatenate([(X.T @ d1 + 2*lam*W1).ravel(), d1.sum(0),
                                          (z1.T @ d2 + 2*lam*W2).ravel(), d2.sum(0)])
            return fun
        """
    ),
    MD_1E,
    code(
        """
        X = np.vstack((data1, data2))
        t = np.hstack((np.zeros(len(data1)), np.ones(len(data2))))
        fun = make_fun(X, t, 0.01)
        """
    ),
    code(
        """
        W0 = np.random.uniform(-0.5, 0.5, 17)
        res = minimize(fun, W0, jac=True, options={'maxiter': 50})
        print(res.fun)
        """
    ),
]

NOTEBOOKS["squared_error_loss_ex1.ipynb"] = [
    MD_TITLE,
    MD_1A,
    IMPORTS,
    LOAD_BINARY,
    MD_1B,
    SIGMOID,
    MD_1C,
    md("I used the mean squared error instead, it is easier to differentiate."),
    BINARY_DATA,
    MD_1D,
    code(
        """
        H = 4
        lam = 0.01

        def fun(W):
            W1 = W[:2*H].reshape(2, H)
            b1 = W[2*H:3*H]
            W2 = W[3*H:4*H].reshape(H, 1)
            b2 = W[4*H:]
            a1 = X @ W1 + b1
            z1 = sigmoid(a1)
            p = sigmoid(z1 @ W2 + b2)
            err = p - t[:, None]
            J = np.mean(err**2) + lam*(np.sum(W1**2) + np.sum(W2**2))
            d2 = 2*err*p*(1 - p) / N
            d1 = (d2 @ W2.T) * dsigmoid(a1)
            gW1 = X.T @ d1 + 2*lam*W1
            gW2 = z1.T @ d2 + 2*lam*W2
            return J, np.concatenate([gW1.ravel(), d1.sum(0), gW2.ravel(), d2.sum(0)])
        """
    ),
    MD_1E,
    MINIMIZE_H,
]

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python", "pygments_lexer": "ipython3"},
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    made = []
    for i, (kind, text) in enumerate(cells):
        cell_id = f"cell-{i:02d}"
        if kind == "code":
            made.append(new_code_cell(text, id=cell_id))
        else:
            made.append(new_markdown_cell(text, id=cell_id))
    nb = new_notebook(cells=made, metadata=METADATA)
    nbformat.validate(nb)
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write into")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), args.out / name)
    print(f"wrote {len(NOTEBOOKS)} notebooks to {args.out}")


if __name__ == "__main__":
    main()
