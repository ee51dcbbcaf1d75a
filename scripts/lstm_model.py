"""Reference PyTorch models matching swift-forecast's forecasters.

A stacked ``nn.LSTM`` (or ``nn.GRU``, for ``--cell gru``; batch_first) followed
by a linear head applied to the hidden state of the last time step. Parameter names and shapes are exactly the
tensor names in a swift-forecast ``model.safetensors`` (see docs/model-format.md).
"""

import torch.nn as nn


class LSTMModel(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x, state=None):
        out, _ = self.lstm(x, state)
        return self.fc(out[:, -1, :])


class GRUModel(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x, state=None):
        out, _ = self.gru(x, state)
        return self.fc(out[:, -1, :])


def make_model(cell, input_size, hidden_size, num_layers, output_size, dropout=0.0):
    """The forecaster of a model file's ``model.type`` (``lstm`` or ``gru``)."""
    models = {"lstm": LSTMModel, "gru": GRUModel}
    if cell not in models:
        raise ValueError(f"unsupported model type {cell!r} (only 'lstm' and 'gru')")
    return models[cell](input_size, hidden_size, num_layers, output_size, dropout)
