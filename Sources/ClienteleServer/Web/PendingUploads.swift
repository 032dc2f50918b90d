import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Synchronization

/// Uploads waiting for confirmation: files in `<uploads>/pending/<token>/`, their descriptions in memory (the
/// loaded data is not kept). They expire after `lifetime` seconds; the uploads folder holds at most `quota` bytes,
/// the oldest pending upload removed first to make room.
final class PendingUploads: Sendable {
    struct Upload: Sendable {
        var token: String
        var session: String
        var original: String
        var path: String
        var created: Date
        var mapping: UserMapping?
        var dayFirst = false
        /// Product codes whose lines are left out (ticked on the review).
        var excludedProducts: [String] = []
    }

    enum Failure: Error {
        case tooLarge, busy, quota(used: Int), io(String)
        var message: String {
            switch self {
            case .io(let m): return m
            default: return "\(self)"
            }
        }
    }

    let directory: URL
    let lifetime: TimeInterval
    let quota: Int
    /// Uploads being received at the same time, at most.
    let maxReceiving = 2
    /// Pending uploads at most, in all and per browser session (the oldest make room).
    let maxPending = 100
    let maxPendingPerSession = 10

    private struct State {
        var uploads: [String: Upload] = [:]
        /// Tokens whose folder is being written (not yet in `uploads`): the sweep leaves them alone.
        var reserved: Set<String> = []
        /// Uploads being loaded or confirmed: neither expiry nor the quota removes them meanwhile.
        var inUse: [String: Int] = [:]
        var receiving = 0
    }
    private let state = Mutex(State())
    /// One upload stored at a time (the quota check and the write belong together).
    private let storing = Mutex(())

    init(directory: URL, lifetime: TimeInterval, quota: Int) {
        self.directory = directory
        self.lifetime = lifetime
        self.quota = quota
    }

    var pendingDirectory: URL { directory.appendingPathComponent("pending") }

    /// Counts an upload being received (and then parsed and stored); false when `maxReceiving` already are.
    func enterReceiving() -> Bool {
        state.withLock { s in
            guard s.receiving < maxReceiving else { return false }
            s.receiving += 1
            return true
        }
    }

    func leaveReceiving() { state.withLock { $0.receiving -= 1 } }

    /// Streams a request body to a new file in the pending folder (at most `limit` bytes).
    func receive(_ body: RequestBody, limit: Int) async throws(Failure) -> URL {
        let url = pendingDirectory.appendingPathComponent(".incoming-" + SecureToken.make(bytes: 12))
        do {
            try FileManager.default.createDirectory(at: pendingDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw Failure.io("cannot create a file") }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            var total = 0
            for try await chunk in body {
                total += chunk.readableBytes
                if total > limit { throw Failure.tooLarge }
                try handle.write(contentsOf: chunk.readableBytesView)
            }
        } catch let failure as Failure {
            try? FileManager.default.removeItem(at: url)
            throw failure
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw .io("the connection ended before the whole file arrived, or the disk refused it")
        }
        return url
    }

    /// Writes the file part of a received body as a new pending upload, within the quota and the count limits. The
    /// upload is returned in use: the caller releases it.
    func store(file: Multipart.FilePart, original: String, session: String) throws(Failure) -> Upload {
        try storing.withLock { _ throws(Failure) -> Upload in
            sweep()
            // Room: the oldest pending uploads not in use go first, for the count limits, then for the quota.
            let candidates = state.withLock { s in s.uploads.values.filter { s.inUse[$0.token] == nil }.sorted { $0.created < $1.created } }
            var count = state.withLock { $0.uploads.count }
            var mine = candidates.filter { $0.session == session }.count
            var used = folderBytes()
            for u in candidates where count >= maxPending || (u.session == session && mine >= maxPendingPerSession) || used + file.count > quota {
                remove(u.token)
                count -= 1
                if u.session == session { mine -= 1 }
                used = folderBytes()
            }
            if used + file.count > quota { throw .quota(used: used) }
            let token = SecureToken.make()
            let folder = pendingDirectory.appendingPathComponent(token)
            let path = folder.appendingPathComponent(storedFileName(original)).path
            state.withLock { _ = $0.reserved.insert(token) }
            defer { state.withLock { _ = $0.reserved.remove(token) } }
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try file.write(to: path)
            } catch {
                try? FileManager.default.removeItem(at: folder)
                throw .io("the disk refused the file")
            }
            let upload = Upload(token: token, session: session, original: original, path: path, created: Date())
            // In use until the caller releases it (it is loaded next).
            state.withLock { $0.uploads[token] = upload; $0.inUse[token] = 1 }
            return upload
        }
    }

    /// The pending upload `token` of `session`, marked in use until ``release(_:)``.
    func take(_ token: String, session: String) -> Upload? {
        sweep()
        return state.withLock { s in
            guard let u = s.uploads[token], u.session == session else { return nil }
            s.inUse[token, default: 0] += 1
            return u
        }
    }

    func release(_ token: String) {
        state.withLock { s in
            if let n = s.inUse[token] { s.inUse[token] = n > 1 ? n - 1 : nil }
        }
    }

    /// The pending upload `token` of `session` (tests).
    func get(_ token: String, session: String) -> Upload? {
        state.withLock { s in s.uploads[token].flatMap { $0.session == session ? $0 : nil } }
    }

    func update(_ upload: Upload) {
        state.withLock { s in if s.uploads[upload.token] != nil { s.uploads[upload.token] = upload } }
    }

    func remove(_ token: String) {
        _ = state.withLock { $0.uploads.removeValue(forKey: token) }
        try? FileManager.default.removeItem(at: pendingDirectory.appendingPathComponent(token))
    }

    /// Moves a confirmed upload out of the pending folder into the uploads folder, where it is in use and not
    /// subject to expiry. The stored name carries the token, so two confirmations never collide. False (and the
    /// upload left pending) when the file could not be moved.
    func confirm(_ upload: Upload) -> Bool { confirmedPath(upload) != nil }

    /// ``confirm(_:)``, returning where the file now is (nil when it could not be moved).
    func confirmedPath(_ upload: Upload) -> URL? {
        let target = directory.appendingPathComponent("\(Int(Date().timeIntervalSince1970))-\(upload.token.prefix(8))-" + URL(fileURLWithPath: upload.path).lastPathComponent)
        do {
            try FileManager.default.moveItem(atPath: upload.path, toPath: target.path)
        } catch {
            return nil
        }
        _ = state.withLock { $0.uploads.removeValue(forKey: upload.token) }
        try? FileManager.default.removeItem(at: pendingDirectory.appendingPathComponent(upload.token))
        return target
    }

    /// Removes expired uploads (unless in use) and anything in the pending folder that no pending upload owns
    /// (left by a restart), except folders being written and bodies being received.
    func sweep(now: Date = Date()) {
        let expired = state.withLock { s -> [String] in
            let gone = s.uploads.values.filter { now.timeIntervalSince($0.created) > lifetime && s.inUse[$0.token] == nil }.map(\.token)
            for t in gone { s.uploads[t] = nil }
            return gone
        }
        for t in expired { try? FileManager.default.removeItem(at: pendingDirectory.appendingPathComponent(t)) }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: pendingDirectory.path)) ?? []
        for name in entries {
            let known = state.withLock { $0.uploads[name] != nil || $0.reserved.contains(name) }
            if known { continue }
            let url = pendingDirectory.appendingPathComponent(name)
            if name.hasPrefix(".incoming-") {
                // A body being received; one older than the lifetime was abandoned.
                let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? now
                if now.timeIntervalSince(modified) <= lifetime { continue }
            }
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// Bytes of every file under the uploads folder.
    func folderBytes() -> Int {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { return 0 }
        var total = 0
        for case let url as URL in walker {
            if url.lastPathComponent.hasPrefix(".incoming-") { continue }
            if let v = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), v.isRegularFile == true { total += v.fileSize ?? 0 }
        }
        return total
    }

    /// A message without the server's paths: the upload's path becomes its original name, the folder "the data folder".
    func scrub(_ message: String, upload: Upload) -> String {
        message.replacingOccurrences(of: upload.path, with: upload.original)
            .replacingOccurrences(of: directory.standardizedFileURL.path, with: "the data folder")
            .replacingOccurrences(of: directory.path, with: "the data folder")
    }

    var count: Int { state.withLock { $0.uploads.count } }
}

/// A stored file name for an uploaded file: letters, digits, `-`, `_`, `.`, at most 100 characters, the extension
/// (`.csv`, `.csv.gz`) kept when a long name is shortened.
func storedFileName(_ original: String) -> String {
    let cleaned = safeFileName(original, maxLength: 400)
    guard cleaned.count > 100 else { return cleaned }
    let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
    var suffix = ""
    for p in parts.dropFirst().suffix(2) where p.count <= 4 && !p.isEmpty { suffix += "." + p }
    return String(cleaned.prefix(100 - suffix.count)) + suffix
}
