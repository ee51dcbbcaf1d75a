/// A dense, row-major array of `Float` values with a shape.
///
/// `Tensor` is plain storage: it knows its shape and its scalars, nothing about layers or
/// gradients. The last dimension varies fastest, as in PyTorch's contiguous tensors, so a
/// tensor of shape `[B, T, I]` holds element `(b, t, i)` at `(b * T + t) * I + i`.
public struct Tensor: Equatable, Sendable {
    /// The size of each dimension, outermost first. An empty shape is a scalar.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count` is the product of `shape`.
    public var scalars: [Float]

    /// Creates a tensor from its shape and row-major scalars.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(scalars.count == Tensor.elementCount(of: shape),
                     "\(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: Tensor.elementCount(of: shape)))
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of elements a tensor of `shape` holds.
    public static func elementCount(of shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    /// Returns the same scalars viewed with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Sets every element to zero, keeping the storage.
    public mutating func zero() {
        scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
