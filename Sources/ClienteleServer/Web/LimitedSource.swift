import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Synchronization

/// A byte source that fails once more than `maxBytes` have been read (the decompressed size of an upload).
final class LimitedSource: ByteSource {
    var inner: any ByteSource
    let maxBytes: Int
    let name: String
    var produced = 0

    init(_ inner: any ByteSource, maxBytes: Int, name: String) {
        self.inner = inner
        self.maxBytes = maxBytes
        self.name = name
    }

    static let reasonStart = "it holds more than"
    var bytesConsumed: Int { inner.bytesConsumed }
    var totalBytes: Int? { inner.totalBytes }

    func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int {
        let n = try inner.read(into: &buffer, maxCount: maxCount)
        produced += n
        if produced > maxBytes {
            throw IngestError.unreadable(file: name, reason: Self.reasonStart + " \(sizeText(maxBytes)) once decompressed, over the upload limit")
        }
        return n
    }
}
