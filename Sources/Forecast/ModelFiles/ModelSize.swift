import ForecastData

extension ModelConfiguration {
    /// The number of weights the described network has, as PyTorch counts `LSTMModel`'s (or
    /// `GRUModel`'s) parameters; nil when the sizes are so large that the count overflows.
    ///
    /// Per LSTM layer l: `weight_ih_l{l}` (4H, I_l), `weight_hh_l{l}` (4H, H) and two biases (4H), with
    /// I_0 = input_size and I_l = H above (a GRU layer: 3H instead of 4H); then the head `fc.weight`
    /// (O, H) and `fc.bias` (O). An encoder–decoder has instead `context` (horizon·C, H) and its
    /// bias, `decoder.0` (D, C + F) and its bias, `decoder.2` (Q, D) and its bias, for context size
    /// C, decoder hidden size D, F known-ahead columns and Q outputs per step.
    public var parameterCount: Int? {
        let (h, o) = (model.hiddenSize, model.outputSize)
        func product(_ factors: Int...) -> Int? {
            factors.reduce(Optional(1)) { total, factor in
                total.flatMap { let (value, overflow) = $0.multipliedReportingOverflow(by: factor); return overflow ? nil : value }
            }
        }
        func sum(_ terms: Int?...) -> Int? {
            terms.reduce(Optional(0)) { total, term in
                guard let total, let term else { return nil }
                let (value, overflow) = total.addingReportingOverflow(term)
                return overflow ? nil : value
            }
        }
        guard model.numLayers > 0, h > 0, o > 0, model.inputSize > 0 else { return nil }
        let gates = model.cell?.gateCount ?? 4
        let firstLayer = sum(product(gates, h, model.inputSize), product(gates, h, h), product(2 * gates, h))
        let otherLayer = sum(product(gates, h, h), product(gates, h, h), product(2 * gates, h))
        let recurrent = sum(firstLayer, otherLayer.flatMap { product($0, model.numLayers - 1) })
        guard let decoder else { return sum(recurrent, product(o, h), o) }
        let (c, d, steps) = (decoder.contextSize, decoder.hiddenSize, pointOutputSize)
        guard c > 0, d > 0 else { return nil }
        let q = outputQuantiles.count, f = decoderColumns.count
        return sum(recurrent, product(steps, c, h), product(steps, c), product(d, c), product(d, f), d,
                   product(q, d), q)
    }

    /// Why the network this configuration describes must not be allocated for a weights file of
    /// `fileWeights` values, or nil when it may: a header claiming huge sizes is refused here, before
    /// the allocation. Networks up to 16 M weights are always allocated, so that loading them names
    /// the exact tensor that differs.
    func allocationProblem(fileWeights: Int) -> String? {
        guard let count = parameterCount else {
            return "the sizes in \(ForecastModel.configurationFileName) describe a network too large to count"
        }
        guard count <= max(fileWeights, 1 << 24) else {
            return "the architecture in \(ForecastModel.configurationFileName) (input_size \(model.inputSize), "
                + "hidden_size \(model.hiddenSize), num_layers \(model.numLayers), output_size \(model.outputSize)) "
                + "needs \(count) weights, but the file holds \(fileWeights); not loaded"
        }
        return nil
    }
}
