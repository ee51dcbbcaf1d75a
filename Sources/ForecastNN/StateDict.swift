import ForecastKernels

/// Why a set of named tensors does not fit a model.
public enum StateDictError: Error, Equatable, CustomStringConvertible {
    /// Tensors the model needs that are not there.
    case missing([String])
    /// Tensors that are there but the model has no parameter of that name.
    case unexpected([String])
    /// A tensor whose shape is not the parameter's.
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missing(let names): "missing tensor\(names.count == 1 ? "" : "s") \(names.joined(separator: ", "))"
        case .unexpected(let names): "unexpected tensor\(names.count == 1 ? "" : "s") \(names.joined(separator: ", "))"
        case let .shapeMismatch(name, expected, found): "tensor \(name) has shape \(found), the model needs \(expected)"
        }
    }
}

extension ForecastNetwork {
    /// The parameters as named tensors, in the order and with the names of PyTorch's `state_dict()`.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        namedParameters.map { ($0.name, $0.parameter.value) }
    }

    /// Replaces every parameter with the tensor of the same name, as PyTorch's
    /// `load_state_dict(strict=True)`: every parameter must be present with its exact shape, and
    /// nothing else may be. On error no parameter is changed.
    public func loadStateDict(_ tensors: [(name: String, tensor: Tensor)]) throws(StateDictError) {
        let parameters = namedParameters
        let known = Set(parameters.map(\.name))
        let given = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let missing = parameters.map(\.name).filter { given[$0] == nil }
        if !missing.isEmpty { throw .missing(missing) }
        let unexpected = tensors.map(\.name).filter { !known.contains($0) }
        if !unexpected.isEmpty { throw .unexpected(unexpected) }
        for (name, parameter) in parameters where given[name]!.shape != parameter.shape {
            throw .shapeMismatch(name: name, expected: parameter.shape, found: given[name]!.shape)
        }
        for (name, parameter) in parameters { parameter.value = given[name]! }
    }
}
