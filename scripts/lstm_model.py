"""Reference PyTorch models matching swift-forecast's forecasters.

A stacked ``nn.LSTM`` (or ``nn.GRU``, for ``--cell gru``; batch_first) followed
by a linear head applied to the hidden state of the last time step. Parameter names and shapes are exactly the
tensor names in a swift-forecast ``model.safetensors`` (see docs/model-format.md).
``EncoderDecoderModel`` mirrors swift-forecast's network of the same name (the horizon's
known-future values read by a decoder per horizon step).
"""

import torch
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


class EncoderDecoderModel(nn.Module):
    """NeuralForecast's LSTM shape (swift-forecast's ``EncoderDecoderModel``).

    The recurrent encoder (attribute ``lstm`` or ``gru``) reads the lookback; ``context`` maps its
    last hidden state to one context vector per horizon step; ``decoder``, an MLP applied to every
    horizon step alike, reads the step's context beside the step's known-future values. The output
    is ``[B, outputs_per_step * horizon]``, quantile-major: element ``q * horizon + h`` is output
    ``q`` of step ``h``.
    """

    def __init__(self, input_size, future_size, hidden_size, num_layers, horizon, outputs_per_step,
                 context_size, decoder_hidden_size, dropout=0.0, cell="lstm"):
        super().__init__()
        recurrent = {"lstm": nn.LSTM, "gru": nn.GRU}
        if cell not in recurrent:
            raise ValueError(f"unsupported cell {cell!r} (only 'lstm' and 'gru')")
        self.cell = cell
        self.future_size, self.horizon = future_size, horizon
        self.outputs_per_step, self.context_size = outputs_per_step, context_size
        setattr(self, cell, recurrent[cell](input_size, hidden_size, num_layers, batch_first=True, dropout=dropout))
        self.context = nn.Linear(hidden_size, horizon * context_size)
        self.decoder = nn.Sequential(nn.Linear(context_size + future_size, decoder_hidden_size), nn.ReLU(),
                                     nn.Linear(decoder_hidden_size, outputs_per_step))

    def forward(self, x, future=None):
        B = x.shape[0]
        out, _ = getattr(self, self.cell)(x)
        c = self.context(out[:, -1, :]).view(B, self.horizon, self.context_size)
        if future is None:
            assert self.future_size == 0, "future values needed"
            future = c.new_zeros(B, self.horizon, 0)
        d = self.decoder(torch.cat([c, future], dim=-1))  # [B, horizon, Q]
        return d.permute(0, 2, 1).reshape(B, self.outputs_per_step * self.horizon)


def make_model(cell, input_size, hidden_size, num_layers, output_size, dropout=0.0):
    """The forecaster of a model file's ``model.type`` (``lstm`` or ``gru``)."""
    models = {"lstm": LSTMModel, "gru": GRUModel}
    if cell not in models:
        raise ValueError(f"unsupported model type {cell!r} (only 'lstm' and 'gru')")
    return models[cell](input_size, hidden_size, num_layers, output_size, dropout)
