"""Plain PyTorch twins of every registered architecture, and the check that each one learns.

A twin is the model a PyTorch user would write for a keras_seqzoo preset: ``torch.nn``
layers initialised as Keras initialises them (:func:`keras_initialisation`), its own
padding handling, trained by a plain loop (``nn.BCELoss``, ``torch.optim.Adam`` with
Keras' settings: lr 1e-3, eps 1e-7; batch 32). It has the preset's parameter count
within 1 % (:func:`parameter_gap`) and computes the same function family;
:func:`check_learns` trains the Keras model and the twin on the same reviews and
checks the twin reaches the Keras model's validation accuracy within 2 points.

=====================  ==========================================================
architecture           twin
=====================  ==========================================================
embedding_flatten      ``nn.Embedding``, flatten, ``nn.Linear`` + ReLU
embedding_pooling      ``nn.Embedding``, mean over time, ``nn.Linear`` + ReLU
conv1d                 ``nn.Embedding``, ``nn.Conv1d(16, 128, 5)`` + ReLU, mean
bilstm, bigru          ``nn.LSTM`` / ``nn.GRU(bidirectional=True)``, last states
stacked_bilstm         two bidirectional ``nn.LSTM`` layers, last states
transformer_encoder    token + position ``nn.Embedding``, ``nn.TransformerEncoderLayer``
                       x 2 (post-norm, as Keras' block; it also drops out inside the
                       attention and the feed-forward layer, where Keras' block does
                       not), mean
fasttext               the same bigram hashing as ``keras_seqzoo.layers.HashedNgrams``,
                       ``nn.EmbeddingBag(mode="mean", padding_idx=0)``
tcn                    5 residual blocks of two dilated causal ``nn.Conv1d`` (left
                       padding), mean
mingru                 a bidirectional minGRU: one ``nn.Linear`` for the gates and
                       candidates, a parallel (Hillis-Steele) scan over time, padded
                       steps skipped, masked mean
bigru_attention        packed ``nn.GRU(bidirectional=True)`` over the real tokens,
                       additive attention pooling over them
=====================  ==========================================================

The heads are ``nn.Linear`` + ReLU (``nn.LeakyReLU(0.2)``, Keras' slope, where the
preset's head is leaky) and ``nn.Linear`` + sigmoid.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

__all__ = ["ARCHITECTURES", "Architecture", "HASH_MULTIPLIERS", "HASH_PRIME", "check_learns",
           "hashed_bigrams", "keras_initialisation", "parameter_gap", "seeded_sample", "torch_twin",
           "train_twin"]

#: The bigram hashing of ``keras_seqzoo.layers.ngrams`` (its modulus and multipliers).
HASH_PRIME = 65521
HASH_MULTIPLIERS = (10007, 15013)
BATCH = 32


@dataclasses.dataclass(frozen=True)
class Architecture:
    """An architecture in the twins table.

    Attributes:
        name: the registered architecture (``keras_seqzoo.list_models()``).
        label: the table's model label (the slides' reference first, e.g. ``T5``).
        preset: the Keras preset the twin copies.
        cell: ``"lstm"`` / ``"gru"`` for the recurrent builders that take ``fused``
            (they get ``keras`` and ``wrapped`` rows), else ``None``.
        check_epochs: the epochs of its learning check (:func:`check_learns`): 2, or
            more where 2 epochs leave the Keras model on the steep part of its learning
            curve, where the seed alone moves its accuracy by more than the check's 2
            points (fastText, see :data:`ARCHITECTURES`).
    """

    name: str
    label: str
    preset: str
    cell: str | None = None
    check_epochs: int = 2

    @property
    def key(self) -> str:
        """The label's first word (``T5``, ``M1``): what ``--models`` takes."""
        return self.label.split()[0]


ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in (
    Architecture("embedding_flatten", "T4 Embedding + Flatten", "embedding_flatten.imdb_words10k"),
    Architecture("bilstm", "T5 BiLSTM(32)", "bilstm.imdb_words10k", "lstm"),
    Architecture("bigru", "T6 BiGRU(32)", "bigru.imdb_words10k", "gru"),
    Architecture("conv1d", "T7 Conv1D + GAP", "conv1d.imdb_words10k"),
    Architecture("embedding_pooling", "C3 Embedding + GAP", "embedding_pooling.imdb_words10k"),
    Architecture("stacked_bilstm", "T2 stacked BiLSTM(64, 32)",
                 "stacked_bilstm.imdb_subwords8k", "lstm"),
    Architecture("transformer_encoder", "M1 Transformer encoder",
                 "transformer_encoder.imdb_words10k"),
    # 8-dimensional averaged n-grams at lr 1e-3 learn slowly: after 2 epochs on the
    # 6,400 reviews the Keras model alone ends between 0.724 and 0.793 depending on the
    # seed (seeds 0-3), and the twin between 0.727 and 0.771, either one ahead (the twin
    # 3.2 points behind at the median); after 5 epochs both are at 0.81-0.82, the twin
    # 0.3-1.1 points behind for every seed. So its check trains 5 epochs
    # (docs/data/benchmarks/fasttext_check.txt).
    Architecture("fasttext", "M2 fastText bigrams", "fasttext.imdb_words10k", check_epochs=5),
    Architecture("tcn", "M3 TCN", "tcn.imdb_words10k"),
    Architecture("mingru", "M4 minGRU (scan)", "mingru.imdb_words10k"),
    Architecture("bigru_attention", "M5 BiGRU + attention", "bigru_attention.imdb_words10k"),
)}


def _preset(preset: str) -> dict[str, Any]:
    """The preset's builder arguments (with the builder's defaults for the rest)."""
    import keras_seqzoo as zoo

    described = zoo.describe(preset)
    return {**{k: v["default"] for k, v in described["arguments"].items()},
            **described["preset"]["arguments"]}


def hashed_bigrams(tokens, vocab_size: int, num_buckets: int):
    """Unigram ids then hashed bigram ids, as ``keras_seqzoo.layers.HashedNgrams(orders=(1, 2))``.

    Args:
        tokens: ``(batch, time)`` int64 token ids, 0 = padding.
        vocab_size: the unigram vocabulary (bigram ids start there).
        num_buckets: the number of bigram buckets.

    Returns:
        ``(batch, 2 * time - 1)`` ids; a bigram that touches padding is 0.
    """
    import torch

    first, second = tokens[:, :-1], tokens[:, 1:]
    hashed = torch.zeros_like(first)
    for token, multiplier in zip((first, second), HASH_MULTIPLIERS):
        hashed = (hashed + (token % HASH_PRIME) * multiplier) % HASH_PRIME
    bucket = hashed % num_buckets + vocab_size
    bigrams = torch.where((first != 0) & (second != 0), bucket, torch.zeros_like(bucket))
    return torch.cat([tokens, bigrams], dim=1)


def seeded_sample(x, y, count: int, seed: int) -> tuple:
    """``count`` examples drawn by ``seed``, as int32 tokens and float32 labels.

    The IMDB reviews come sorted by label, so the first ``count`` would be one class
    and nothing could be learned from them: the twins' data are a seeded sample.
    """
    import numpy as np

    index = np.random.default_rng(seed).permutation(len(x))[:count]
    return x[index].astype("int32"), y[index].astype("float32")


def _parallel_scan(coefficients, values):
    """All states of ``h_t = a_t h_{t-1} + b_t`` (``h_0 = 0``) along axis 1, by doubling
    (Hillis-Steele): ``log2(time)`` steps of composing affine maps."""
    import torch

    a, b = coefficients, values
    offset, length = 1, a.shape[1]
    while offset < length:
        a_prev = torch.cat([torch.ones_like(a[:, :offset]), a[:, :-offset]], dim=1)
        b_prev = torch.cat([torch.zeros_like(b[:, :offset]), b[:, :-offset]], dim=1)
        b = a * b_prev + b
        a = a * a_prev
        offset *= 2
    return b


def torch_twin(architecture: str, length: int = 120):
    """The plain PyTorch twin of ``architecture`` at its table preset.

    Args:
        architecture: a key of :data:`ARCHITECTURES`.
        length: the sequence length (the position embedding and flatten need it).

    Returns:
        A ``torch.nn.Module`` mapping ``(batch, length)`` int64 tokens to ``(batch,)``
        probabilities.

    Example:

    ```python
    twin = torch_twin("tcn")
    sum(p.numel() for p in twin.parameters())  # within 1 % of the preset's count
    ```
    """
    import torch
    from torch import nn

    if architecture not in ARCHITECTURES:
        raise ValueError(f"torch_twin: unknown architecture {architecture!r}; one of "
                         f"{sorted(ARCHITECTURES)}")
    config = _preset(ARCHITECTURES[architecture].preset)
    vocab, width = config["vocab_size"], config["embedding_dim"]
    dense = config["dense_units"]
    slope = 0.2 if config.get("head_activation") == "leaky_relu" else None

    def masked_mean(x, mask):
        mask = mask.unsqueeze(-1).to(x.dtype)
        return (x * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    class Twin(nn.Module):
        def __init__(self, features: int):
            super().__init__()
            self.build()
            self.dense = nn.Linear(features, dense)
            self.activation = nn.LeakyReLU(slope) if slope else nn.ReLU()
            self.out = nn.Linear(dense, 1)

        def build(self):  # the body's layers
            pass

        def body(self, tokens):
            raise NotImplementedError

        def forward(self, tokens):
            x = self.activation(self.dense(self.body(tokens)))
            return torch.sigmoid(self.out(x)).squeeze(-1)

    class EmbeddingFlatten(Twin):
        def build(self):
            self.embedding = nn.Embedding(vocab, width)

        def body(self, tokens):
            return self.embedding(tokens).flatten(1)

    class EmbeddingPooling(Twin):
        def build(self):
            self.embedding = nn.Embedding(vocab, width)

        def body(self, tokens):
            return self.embedding(tokens).mean(dim=1)

    class Convolution(Twin):
        def build(self):
            self.embedding = nn.Embedding(vocab, width)
            self.conv = nn.Conv1d(width, config["filters"], config["kernel_size"])

        def body(self, tokens):
            x = self.embedding(tokens).transpose(1, 2)  # (batch, channels, time)
            return torch.relu(self.conv(x)).mean(dim=2)

    class Recurrent(Twin):
        def build(self):
            units = config.get("units")
            units = tuple(units) if isinstance(units, (tuple, list)) else (units,)
            rnn = nn.LSTM if ARCHITECTURES[architecture].cell == "lstm" else nn.GRU
            self.embedding = nn.Embedding(vocab, width)
            sizes = [width] + [2 * u for u in units[:-1]]
            self.rnns = nn.ModuleList(rnn(size, u, batch_first=True, bidirectional=True)
                                      for size, u in zip(sizes, units))

        def body(self, tokens):
            x = self.embedding(tokens)
            for rnn_layer in self.rnns:
                x, state = rnn_layer(x)
            h = state[0] if isinstance(state, tuple) else state
            return torch.cat([h[-2], h[-1]], dim=-1)  # last forward, last backward

    class Transformer(Twin):
        def build(self):
            self.embedding = nn.Embedding(vocab, width)
            self.position = nn.Embedding(length, width)
            self.register_buffer("positions", torch.arange(length), persistent=False)
            self.blocks = nn.ModuleList(
                nn.TransformerEncoderLayer(width, config["num_heads"], config["ff_dim"],
                                           dropout=config["block_dropout"], batch_first=True,
                                           layer_norm_eps=1e-6)
                for _ in range(config["num_blocks"]))

        def body(self, tokens):
            x = self.embedding(tokens) + self.position(self.positions[: tokens.shape[1]])
            for block in self.blocks:
                x = block(x)
            return x.mean(dim=1)

    class FastText(Twin):
        def build(self):
            self.bag = nn.EmbeddingBag(vocab + config["num_buckets"], width, mode="mean",
                                       padding_idx=0)

        def body(self, tokens):
            return self.bag(hashed_bigrams(tokens, vocab, config["num_buckets"]))

    class TemporalConvolution(Twin):
        def build(self):
            self.embedding = nn.Embedding(vocab, width)
            filters, kernel = config["filters"], config["kernel_size"]
            self.blocks = nn.ModuleList()
            for dilation in config["dilations"]:
                self.blocks.append(nn.ModuleList(
                    nn.Conv1d(width if i == 0 else filters, filters, kernel, dilation=dilation)
                    for i in range(2)))
            self.shortcut = nn.Conv1d(width, filters, 1) if width != filters else None

        def body(self, tokens):
            x = self.embedding(tokens).transpose(1, 2)
            for index, convs in enumerate(self.blocks):
                y = x
                for conv in convs:  # causal: pad the past only
                    pad = conv.dilation[0] * (conv.kernel_size[0] - 1)
                    y = torch.relu(conv(nn.functional.pad(y, (pad, 0))))
                if index == 0 and self.shortcut is not None:
                    x = self.shortcut(x)
                x = torch.relu(x + y)
            return x.mean(dim=2)

    class MinGRU(Twin):
        def build(self):
            self.units = config["units"]
            self.embedding = nn.Embedding(vocab, width)
            # Per direction: the gates' then the candidates' columns.
            self.forward_projection = nn.Linear(width, 2 * self.units)
            self.backward_projection = nn.Linear(width, 2 * self.units)

        def _direction(self, x, mask, projection):
            gates, candidates = projection(x).chunk(2, dim=-1)
            gates = torch.sigmoid(gates) * mask.unsqueeze(-1)  # padded steps: state kept
            return _parallel_scan(1 - gates, gates * candidates)

        def body(self, tokens):
            mask = (tokens != 0).to(torch.float32)
            x = self.embedding(tokens)
            forward = self._direction(x, mask, self.forward_projection)
            backward = self._direction(x.flip(1), mask.flip(1), self.backward_projection)
            return masked_mean(torch.cat([forward, backward.flip(1)], dim=-1), mask)

    class GRUAttention(Twin):
        def build(self):
            units, attention = config["units"], config["attention_units"]
            self.embedding = nn.Embedding(vocab, width)
            self.rnn = nn.GRU(width, units, batch_first=True, bidirectional=True)
            self.attention = nn.Linear(2 * units, attention)
            self.score = nn.Linear(attention, 1, bias=False)

        def body(self, tokens):
            mask = tokens != 0
            lengths = mask.sum(1).clamp(min=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(
                self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
            x, _ = nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True,
                                                    total_length=tokens.shape[1])
            scores = self.score(torch.tanh(self.attention(x))).squeeze(-1)
            scores = scores.masked_fill(~mask, -1e9)
            return (x * torch.softmax(scores, dim=1).unsqueeze(-1)).sum(1)

    recurrent_units = config.get("units")
    features: Callable[[], int] = {
        "embedding_flatten": lambda: width * length,
        "embedding_pooling": lambda: width,
        "conv1d": lambda: config["filters"],
        "bilstm": lambda: 2 * recurrent_units,
        "bigru": lambda: 2 * recurrent_units,
        "stacked_bilstm": lambda: 2 * tuple(recurrent_units)[-1],
        "transformer_encoder": lambda: width,
        "fasttext": lambda: width,
        "tcn": lambda: config["filters"],
        "mingru": lambda: 2 * recurrent_units,
        "bigru_attention": lambda: 2 * recurrent_units,
    }[architecture]
    cls = {
        "embedding_flatten": EmbeddingFlatten, "embedding_pooling": EmbeddingPooling,
        "conv1d": Convolution, "bilstm": Recurrent, "bigru": Recurrent,
        "stacked_bilstm": Recurrent, "transformer_encoder": Transformer, "fasttext": FastText,
        "tcn": TemporalConvolution, "mingru": MinGRU, "bigru_attention": GRUAttention,
    }[architecture]
    twin = cls(features())
    keras_initialisation(twin)
    return twin


def keras_initialisation(model) -> None:
    """Initialises a twin's weights as Keras initialises the preset's layers.

    Embeddings uniform in [-0.05, 0.05]; matrices and convolution kernels Glorot
    uniform, recurrent matrices orthogonal as one matrix per direction (Keras' Orthogonal
    on the whole ``(units, gates * units)`` recurrent kernel, not one orthogonal block per
    gate), biases 0 and an LSTM's forget-gate bias 1 (Keras' ``unit_forget_bias``); layer
    norms as they are. PyTorch's defaults (N(0, 1) embeddings) learn a few points slower
    in 2 epochs, and an orthogonal block per gate (a recurrence ~sqrt(gates) times
    stronger) left the BiGRU + attention twin near chance (0.556 against Keras' 0.749 on
    3,000 IMDB reviews); the initialisation does not change the time of an epoch.
    """
    import torch
    from torch import nn

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
                nn.init.uniform_(module.weight, -0.05, 0.05)
            elif isinstance(module, (nn.Linear, nn.Conv1d)):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.MultiheadAttention):
                for name, param in module.named_parameters(recurse=False):
                    if name.endswith("bias"):
                        nn.init.zeros_(param)
                    else:  # the three projections, each Glorot uniform on its own
                        for block in param.chunk(3, dim=0):
                            nn.init.xavier_uniform_(block)
            elif isinstance(module, (nn.LSTM, nn.GRU)):
                gates = 4 if isinstance(module, nn.LSTM) else 3
                for name, param in module.named_parameters():
                    if name.startswith("weight_ih"):
                        nn.init.xavier_uniform_(param)
                    elif name.startswith("weight_hh"):
                        # Keras' Orthogonal on the whole (units, gates * units) kernel: its
                        # rows orthonormal, so each gate's block has singular values below 1
                        # (an orthogonal block per gate recurs ~sqrt(gates) times stronger).
                        nn.init.orthogonal_(param)
                    else:
                        nn.init.zeros_(param)
                        if gates == 4 and name.startswith("bias_ih"):
                            param[module.hidden_size: 2 * module.hidden_size] = 1.0


def parameter_gap(architecture: str, keras_params: int, length: int = 120) -> float:
    """``|twin parameters - keras_params| / keras_params`` for the architecture's twin."""
    twin = torch_twin(architecture, length)
    return abs(sum(p.numel() for p in twin.parameters()) - keras_params) / keras_params


def train_twin(model, x, y, *, epochs: int = 1, device=None, batch: int = BATCH,
               shuffle_seed: int | None = 0) -> Callable[[], None]:
    """A function that trains ``model`` for ``epochs`` epochs with a plain PyTorch loop.

    ``nn.BCELoss``, ``torch.optim.Adam(lr=1e-3, eps=1e-7)`` (Keras' Adam), batches of
    ``batch``; the data move to ``device`` once. ``shuffle_seed=None`` keeps the order
    (the timed epochs);
    otherwise every epoch is shuffled, as Keras' ``fit`` does by default.

    Returns:
        A function of no arguments that runs the epochs (and waits for CUDA).
    """
    import numpy as np
    import torch

    device = device or torch.device("cpu")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras' Adam
    loss_fn = torch.nn.BCELoss()
    xt = torch.tensor(np.asarray(x), dtype=torch.long, device=device)
    yt = torch.tensor(np.asarray(y), dtype=torch.float32, device=device)
    steps = len(xt) // batch
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None

    def run() -> None:
        model.train()
        for _ in range(epochs):
            order = (torch.as_tensor(rng.permutation(len(xt)), device=device)
                     if rng is not None else None)
            for i in range(0, steps * batch, batch):
                index = order[i:i + batch] if order is not None else slice(i, i + batch)
                optimizer.zero_grad()
                loss_fn(model(xt[index]), yt[index]).backward()
                optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    return run


def _accuracy(model, x, y) -> float:
    import numpy as np
    import torch

    model.eval()
    with torch.no_grad():
        p = torch.cat([model(torch.tensor(np.asarray(x[i:i + 256]), dtype=torch.long))
                       for i in range(0, len(x), 256)])
    return float(((p.numpy() > 0.5) == (np.asarray(y) > 0.5)).mean())


def check_learns(architecture: str, train: tuple, validation: tuple, *, epochs: int = 2,
                 tolerance: float = 0.02, seed: int = 0, length: int = 120) -> dict[str, Any]:
    """Trains the Keras preset and its twin on the same data and compares them.

    Both train ``epochs`` epochs (batch 32, Adam 1e-3, binary cross-entropy, shuffled)
    from seed ``seed``; then each one's validation accuracy is measured.

    Args:
        architecture: a key of :data:`ARCHITECTURES`.
        train: ``(tokens, labels)`` numpy arrays, tokens ``(n, length)``.
        validation: the same for validation.
        epochs: training epochs of each model.
        tolerance: how far below the Keras model's accuracy the twin may end.
        seed: the seed of both models' initialisation and shuffling.
        length: the sequence length.

    Returns:
        ``{"architecture", "keras_accuracy", "twin_accuracy", "majority_accuracy",
        "epochs", "tolerance", "learns"}`` (``learns``: the Keras model beats the
        majority class by 5 points, and ``twin_accuracy >= keras_accuracy - tolerance``).

    Example:

    ```python
    result = check_learns("tcn", (x, y), (x_val, y_val))
    assert result["learns"]
    ```
    """
    import keras
    import numpy as np
    import torch

    import keras_seqzoo as zoo

    spec = ARCHITECTURES[architecture]
    (x, y), (x_val, y_val) = train, validation
    vocab = _preset(spec.preset)["vocab_size"]
    x, x_val = x % vocab, x_val % vocab
    keras.utils.set_random_seed(seed)
    model = zoo.build(spec.preset, max_length=length)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    keras_accuracy = float(model.evaluate(x_val, y_val, batch_size=256, verbose=0,
                                          return_dict=True)["accuracy"])
    torch.manual_seed(seed)
    twin = torch_twin(architecture, length)
    train_twin(twin, x, y, epochs=epochs, shuffle_seed=seed)()
    twin_accuracy = _accuracy(twin, x_val, y_val)
    # Both at the majority class's share would "agree" without learning anything: the
    # Keras model must beat always answering the majority class by 5 points.
    positive = float(np.mean(np.asarray(y_val) > 0.5))
    majority = max(positive, 1.0 - positive)
    return {"architecture": architecture, "keras_accuracy": keras_accuracy,
            "twin_accuracy": twin_accuracy, "majority_accuracy": majority,
            "epochs": epochs, "tolerance": tolerance,
            "learns": (keras_accuracy >= majority + 0.05
                       and twin_accuracy >= keras_accuracy - tolerance)}
