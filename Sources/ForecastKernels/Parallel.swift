import Dispatch

/// Runs `body(0)`, …, `body(count − 1)` at the same time on up to `count` threads, and returns when
/// all have finished.
///
/// The iterations must touch disjoint state (each its own workspace) and only read what they share;
/// that is the caller's promise, which Swift cannot check here, so the closure is handed to
/// Dispatch unchecked. With `count` ≤ 1 the body runs on the calling thread.
public func concurrentForEach(_ count: Int, _ body: (Int) -> Void) {
    if count <= 1 {
        if count == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let unchecked = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: count) { unchecked.value($0) }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
