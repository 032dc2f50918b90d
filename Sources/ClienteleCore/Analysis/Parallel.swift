import Dispatch

/// Runs `body` for 0..<count on all cores and returns the results in order.
public func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    let slots = ParallelSlots<T>(count)
    withoutActuallyEscaping(body) { body in
        let boxed = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            slots.set(i, boxed.value(i))
        }
    }
    return slots.collected.map { $0! }
}

/// Result slots written by distinct indices from several threads (each slot exactly once).
final class ParallelSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T?>
    init(_ n: Int) {
        base = UnsafeMutablePointer<T?>.allocate(capacity: max(n, 1))
        base.initialize(repeating: nil, count: max(n, 1))
        count = n
    }
    let count: Int
    func set(_ i: Int, _ v: T) { (base + i).pointee = v }
    deinit { base.deinitialize(count: max(count, 1)); base.deallocate() }
    var collected: [T?] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
