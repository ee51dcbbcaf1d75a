"""Reference PyTorch model matching swift-forecast's LSTM forecaster.

A stacked ``nn.LSTM`` (batch_first) followed by a linear head applied to the
hidden state of the last time step. Parameter names and shapes are exactly the
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
