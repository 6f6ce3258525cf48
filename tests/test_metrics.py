"""keras_seqzoo.metrics against scikit-learn's f1_score, precision and recall, on fixed numbers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

import keras
from keras_seqzoo.metrics import SparseF1Score, SparsePrecision, SparseRecall

# Fixed labels and predictions over 5 classes; class 4 never occurs in either.
Y_TRUE = np.array([0, 1, 2, 2, 3, 3, 3, 1, 0, 2, 1, 1])
Y_PRED = np.array([0, 2, 2, 2, 3, 1, 3, 1, 1, 2, 0, 1])
WEIGHTS = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.0, 2.0])


def one_hot(ids, classes=5):
    return np.eye(classes, dtype="float32")[ids]


def result(metric, y_true, y_pred, sample_weight=None, batches=3):
    """Feeds the metric in several batches, as model.fit does, and returns its result."""
    for part in np.array_split(np.arange(len(y_true)), batches):
        metric.update_state(
            y_true[part], y_pred[part],
            sample_weight=None if sample_weight is None else sample_weight[part],
        )
    return float(metric.result())


def test_macro_f1_matches_scikit_learn():
    # By hand, per class (2tp / (2tp + fp + fn)): 0: 2/4, 1: 4/8, 2: 6/7, 3: 4/5; class 4
    # occurs nowhere and is left out, as scikit-learn leaves it out.
    expected = f1_score(Y_TRUE, Y_PRED, average="macro")
    assert expected == pytest.approx((0.5 + 0.5 + 6 / 7 + 0.8) / 4)
    assert result(SparseF1Score(5), Y_TRUE, one_hot(Y_PRED)) == pytest.approx(expected, abs=1e-6)
    weighted = f1_score(Y_TRUE, Y_PRED, average="macro", sample_weight=WEIGHTS)
    assert result(SparseF1Score(5), Y_TRUE, one_hot(Y_PRED), WEIGHTS) == pytest.approx(
        weighted, abs=1e-6)


def test_one_class_f1_precision_recall_match_scikit_learn():
    for positive in (1, 3):
        for metric, score in ((SparseF1Score(5, average="binary", positive_class=positive),
                               f1_score),
                              (SparsePrecision(5, positive_class=positive), precision_score),
                              (SparseRecall(5, positive_class=positive), recall_score)):
            expected = score(Y_TRUE, Y_PRED, labels=[positive], average="macro")
            assert result(metric, Y_TRUE, one_hot(Y_PRED)) == pytest.approx(expected, abs=1e-6)


def test_a_sigmoid_output_with_labels_of_any_shape():
    y_true = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype="float32").reshape(-1, 1)
    probability = np.array([0.9, 0.6, 0.4, 0.7, 0.2, 0.51, 0.8, 0.1], dtype="float32")
    predicted = (probability > 0.5).astype(int)
    y_pred = probability.reshape(-1, 1)
    assert result(SparseF1Score(2, average="binary"), y_true, y_pred) == pytest.approx(
        f1_score(y_true[:, 0], predicted), abs=1e-6)  # 3 tp, 2 fp, 1 fn: 2/3
    assert result(SparsePrecision(2), y_true[:, 0], y_pred) == pytest.approx(3 / 5)
    assert result(SparseRecall(2), y_true, y_pred) == pytest.approx(0.75)
    assert result(SparseF1Score(2), y_true, y_pred) == pytest.approx(
        f1_score(y_true[:, 0], predicted, average="macro"), abs=1e-6)
    # A higher threshold predicts class 1 less often.
    assert result(SparseRecall(2, threshold=0.75), y_true, y_pred) == pytest.approx(0.5)


def test_no_positive_example_scores_zero_and_reset_starts_again():
    metric = SparseF1Score(3, average="binary")
    assert result(metric, np.array([0, 2]), one_hot([0, 2], 3), batches=1) == 0.0
    assert float(SparseF1Score(3).result()) == 0.0  # nothing seen
    metric.reset_state()
    assert result(metric, np.array([1, 1]), one_hot([1, 0], 3), batches=1) == pytest.approx(
        2 / 3)


def test_config_round_trip_and_bad_arguments():
    metric = SparseF1Score(4, average="binary", positive_class=2, threshold=0.3, name="f1_c2")
    clone = SparseF1Score.from_config(metric.get_config())
    assert (clone.num_classes, clone.average, clone.positive_class, clone.threshold,
            clone.name) == (4, "binary", 2, 0.3, "f1_c2")
    assert keras.metrics.deserialize(keras.metrics.serialize(metric)).average == "binary"
    with pytest.raises(ValueError, match=r"SparseF1Score: num_classes must be an integer >= 2.*"
                                         r"Received: num_classes=1"):
        SparseF1Score(1)
    with pytest.raises(ValueError, match=r"average must be 'macro' or 'binary'.*"
                                         r"Received: average='micro'"):
        SparseF1Score(3, average="micro")
    with pytest.raises(ValueError, match=r"positive_class must be a class id in \[0, 2\]\. "
                                         r"Received: positive_class=3"):
        SparseRecall(3, positive_class=3)
    with pytest.raises(ValueError, match=r"threshold must be a number in \(0, 1\)"):
        SparsePrecision(2, threshold=1.5)
    with pytest.raises(ValueError, match=r"a one-unit output stands for 2 classes, but this "
                                         r"metric was made for num_classes=8"):
        SparseF1Score(8).update_state(np.array([1]), np.array([[0.7]], dtype="float32"))
    with pytest.raises(ValueError, match=r"the output has 3 units, but this metric was made "
                                         r"for num_classes=8"):
        SparseF1Score(8).update_state(np.array([1]), one_hot([1], 3))
