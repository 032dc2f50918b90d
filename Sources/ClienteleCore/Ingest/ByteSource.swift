import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where order-line bytes come from. Sources are read sequentially in blocks; nothing is loaded whole.
public protocol ByteSource {
    /// Reads up to `maxCount` bytes, appending them to `buffer`. Returns 0 at the end of input.
    mutating func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int
    /// Total size in bytes when known (for progress), else nil.
    var totalBytes: Int? { get }
    /// Bytes consumed from the underlying file so far (compressed bytes for gzip).
    var bytesConsumed: Int { get }
}

/// A file descriptor source: a regular file or standard input.
public final class FileDescriptorSource: ByteSource {
    let fd: Int32
    let ownsDescriptor: Bool
    let name: String
    public let totalBytes: Int?
    public private(set) var bytesConsumed = 0

    /// Opens a file for reading; the error names the file and says why.
    public init(path: String) throws(IngestError) {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw IngestError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        var st = stat()
        if fstat(fd, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw IngestError.unreadable(file: path, reason: "it is a directory")
            }
            totalBytes = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        } else {
            totalBytes = nil
        }
        self.fd = fd
        self.ownsDescriptor = true
        self.name = path
    }

    /// Standard input.
    public init(standardInput: Void = ()) {
        fd = 0
        ownsDescriptor = false
        name = "<stdin>"
        totalBytes = nil
    }

    deinit { if ownsDescriptor { close(fd) } }

    public func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int {
        let oldCount = buffer.count
        var failure: Int32 = 0
        // Read straight into uninitialised capacity (no zero-filling of the block).
        let grown = [UInt8](unsafeUninitializedCapacity: oldCount + maxCount) { raw, initialized in
            buffer.withUnsafeBufferPointer { old in
                if oldCount > 0 { raw.baseAddress!.update(from: old.baseAddress!, count: oldCount) }
            }
            var total = 0
            while total < maxCount {
                let n = Glibc.read(fd, raw.baseAddress! + oldCount + total, maxCount - total)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                total += n
            }
            initialized = oldCount + total
        }
        if failure != 0 {
            throw IngestError.unreadable(file: name, reason: String(cString: strerror(failure)))
        }
        let got = grown.count - oldCount
        buffer = grown
        bytesConsumed += got
        return got
    }
}

/// An in-memory source (tests, uploads already in memory).
public struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var position = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public var totalBytes: Int? { bytes.count }
    public var bytesConsumed: Int { position }
    public mutating func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int {
        let n = min(maxCount, bytes.count - position)
        if n > 0 { buffer.append(contentsOf: bytes[position..<(position + n)]) }
        position += n
        return n
    }
}

/// Inflates a gzip (or zlib) stream from another source, including concatenated gzip members.
public final class GzipSource: ByteSource {
    var inner: any ByteSource
    let name: String
    var stream = z_stream()
    var input: [UInt8] = []
    var inputOffset = 0
    var finished = false
    var innerEOF = false

    public init(_ inner: any ByteSource, name: String) throws(IngestError) {
        self.inner = inner
        self.name = name
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        if status != Z_OK { throw IngestError.unreadable(file: name, reason: "cannot start gzip decompression") }
    }

    deinit { inflateEnd(&stream) }

    public var totalBytes: Int? { inner.totalBytes }
    public var bytesConsumed: Int { inner.bytesConsumed }

    public func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int {
        if finished { return 0 }
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: maxCount))
        var produced = 0
        while produced == 0 && !finished {
            if inputOffset >= input.count && !innerEOF {
                input.removeAll(keepingCapacity: true)
                inputOffset = 0
                if try inner.read(into: &input, maxCount: 1 << 20) == 0 { innerEOF = true }
            }
            var status: Int32 = Z_OK
            let available = input.count - inputOffset
            input.withUnsafeMutableBufferPointer { inBuf in
                buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = available > 0 ? inBuf.baseAddress! + inputOffset : nil
                    stream.avail_in = UInt32(available)
                    stream.next_out = outBuf.baseAddress! + oldCount + produced
                    stream.avail_out = UInt32(maxCount - produced)
                    status = inflate(&stream, Z_NO_FLUSH)
                    produced = maxCount - Int(stream.avail_out)
                    inputOffset = inBuf.count - Int(stream.avail_in)
                }
            }
            switch status {
            case Z_STREAM_END:
                // Another gzip member may follow.
                if inputOffset >= input.count && !innerEOF {
                    input.removeAll(keepingCapacity: true)
                    inputOffset = 0
                    if try inner.read(into: &input, maxCount: 1 << 20) == 0 { innerEOF = true }
                }
                if inputOffset < input.count { inflateReset(&stream) } else { finished = true }
            case Z_OK:
                if available == 0 && innerEOF && produced == 0 {
                    buffer.removeLast(maxCount)
                    throw IngestError.unreadable(file: name, reason: "the gzip data is truncated")
                }
            case Z_BUF_ERROR:
                if innerEOF && produced == 0 {
                    buffer.removeLast(maxCount)
                    throw IngestError.unreadable(file: name, reason: "the gzip data is truncated")
                }
            default:
                buffer.removeLast(maxCount)
                throw IngestError.unreadable(file: name, reason: "the gzip data is corrupt (zlib error \(status))")
            }
        }
        buffer.removeLast(maxCount - produced)
        return produced
    }
}

/// Opens a path (or `-` for standard input) and transparently inflates gzip data (detected by its magic bytes).
public func openOrderSource(path: String) throws(IngestError) -> any ByteSource {
    let raw: any ByteSource = path == "-" ? FileDescriptorSource(standardInput: ()) : try FileDescriptorSource(path: path)
    return try PeekingSource.wrapDecompressing(raw, name: path)
}

/// Reads the first bytes to sniff gzip, then replays them.
final class PeekingSource: ByteSource {
    var inner: any ByteSource
    var head: [UInt8]
    var headOffset = 0

    init(inner: any ByteSource, head: [UInt8]) { self.inner = inner; self.head = head }

    static func wrapDecompressing(_ source: any ByteSource, name: String) throws(IngestError) -> any ByteSource {
        var src = source
        var head: [UInt8] = []
        while head.count < 2 {
            let wanted = 2 - head.count
            if try src.read(into: &head, maxCount: wanted) == 0 { break }
        }
        let peeking = PeekingSource(inner: src, head: head)
        if head.count == 2 && head[0] == 0x1F && head[1] == 0x8B {
            return try GzipSource(peeking, name: name)
        }
        return peeking
    }

    var totalBytes: Int? { inner.totalBytes }
    var bytesConsumed: Int { inner.bytesConsumed - (head.count - headOffset) }

    func read(into buffer: inout [UInt8], maxCount: Int) throws(IngestError) -> Int {
        if headOffset < head.count {
            let n = min(maxCount, head.count - headOffset)
            buffer.append(contentsOf: head[headOffset..<(headOffset + n)])
            headOffset += n
            if n == maxCount { return n }
            return n + (try inner.read(into: &buffer, maxCount: maxCount - n))
        }
        return try inner.read(into: &buffer, maxCount: maxCount)
    }
}
