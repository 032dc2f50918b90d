import ClienteleCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where scheduled reports go: a folder, and an SMTP relay when one is configured.
public struct ReportDelivery: Sendable {
    /// The folder the PDFs are written to (created when needed).
    public var folder: String
    /// The SMTP relay (nil: the reports are only written to the folder).
    public var smtp: SMTPRelay?

    public init(folder: String, smtp: SMTPRelay? = nil) {
        self.folder = folder
        self.smtp = smtp
    }
}

/// An SMTP relay that accepts mail for delivery without authentication (the host's own mail server, a company
/// relay, or a sidecar such as postfix or msmtpd that handles TLS and credentials towards the outside).
public struct SMTPRelay: Sendable {
    public var host: String
    public var port: Int
    /// The envelope and header sender.
    public var from: String
    /// Seconds to wait for the relay at each step.
    public var timeout: Int = 30

    public init(host: String, port: Int = 25, from: String, timeout: Int = 30) {
        self.host = host; self.port = port; self.from = from; self.timeout = timeout
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Sends one message with a PDF attached: the SMTP dialogue (EHLO, MAIL FROM, RCPT TO per recipient, DATA) on a
    /// blocking socket, on a thread of its own. Throws with the relay's answer when it refuses a step.
    public func send(to recipients: [String], subject: String, text: String, attachment: (name: String, bytes: [UInt8])) async throws {
        let message = Self.mime(from: from, to: recipients, subject: subject, text: text, attachment: attachment)
        let relay = self
        let result: Result<Void, Failure> = await onOwnThread { relay.dialogue(recipients, message) }
        try result.get()
    }

    /// A multipart/mixed message: the text, then the attachment in base64 (lines of 76 characters), CRLF line ends.
    static func mime(from: String, to: [String], subject: String, text: String, attachment: (name: String, bytes: [UInt8]), date: Date = Date()) -> String {
        let boundary = "clientele-" + SecureToken.make(bytes: 12)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let b64 = Data(attachment.bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        // Non-ASCII subjects as an RFC 2047 encoded word.
        // Control characters never reach a header (no header can be added through a name).
        let oneLine = String(subject.unicodeScalars.filter { $0.properties.generalCategory != .control }.map(Character.init))
        let encodedSubject = oneLine.allSatisfy { $0.isASCII } ? oneLine : "=?UTF-8?B?" + Data(oneLine.utf8).base64EncodedString() + "?="
        var lines = [
            "From: \(from)", "To: \(to.joined(separator: ", "))", "Subject: \(encodedSubject)", "Date: \(f.string(from: date))",
            "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"\(boundary)\"", "",
            "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
        ]
        lines += text.components(separatedBy: "\n")
        lines += ["", "--\(boundary)", "Content-Type: application/pdf; name=\"\(attachment.name)\"", "Content-Transfer-Encoding: base64",
                  "Content-Disposition: attachment; filename=\"\(attachment.name)\"", "", b64, "--\(boundary)--", ""]
        // Dot-stuffing: a line starting with "." gets another one (RFC 5321 4.5.2).
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }

    private func dialogue(_ recipients: [String], _ message: String) -> Result<Void, Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
            return .failure(Failure(description: "the mail relay \(host) cannot be found"))
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .failure(Failure(description: "no socket for the mail relay")) }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return .failure(Failure(description: "the mail relay \(host):\(port) does not answer"))
        }
        var pending = [UInt8]()
        /// The relay's reply (all lines of a multi-line reply), or nil on a time-out or a closed connection.
        func reply() -> (code: Int, text: String)? {
            var text = ""
            while true {
                while let nl = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<nl], as: UTF8.self).trimmingCharacters(in: .newlines)
                    pending.removeSubrange(...nl)
                    text += line + " "
                    if line.count >= 4, Array(line)[3] == "-" { continue }
                    return (Int(line.prefix(3)) ?? 0, text.trimmingCharacters(in: .whitespaces))
                }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return nil }
                pending += buffer[..<n]
            }
        }
        func send(_ s: String) -> Bool {
            let bytes = Array(s.utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                sent += n
            }
            return true
        }
        func step(_ command: String?, expect: Int, _ what: String) -> Failure? {
            if let command, !send(command + "\r\n") { return Failure(description: "the mail relay closed the connection (\(what))") }
            guard let r = reply() else { return Failure(description: "the mail relay did not answer (\(what))") }
            return r.code / 100 == expect / 100 ? nil : Failure(description: "the mail relay refused \(what): \(r.text.prefix(200))")
        }
        if let f = step(nil, expect: 220, "the connection") { return .failure(f) }
        if let f = step("EHLO \(Self.heloName())", expect: 250, "EHLO") { return .failure(f) }
        if let f = step("MAIL FROM:<\(from)>", expect: 250, "the sender \(from)") { return .failure(f) }
        for r in recipients {
            if let f = step("RCPT TO:<\(r)>", expect: 250, "the recipient \(r)") { return .failure(f) }
        }
        if let f = step("DATA", expect: 354, "DATA") { return .failure(f) }
        if let f = step(message + "\r\n.", expect: 250, "the message") { return .failure(f) }
        _ = step("QUIT", expect: 221, "QUIT")
        return .success(())
    }

    static func heloName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(cString: buffer)
        return name.isEmpty ? "clientele" : name
    }
}

/// Runs the scheduled reports: every minute, each schedule that is due writes its PDF (as an account of its role and
/// countries would download it) to the reports folder and mails it when SMTP is configured; then the next run is set.
public final class ReportScheduler: Sendable {
    let library: DatasetLibrary
    let pages: PagesController
    let delivery: ReportDelivery
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(library: DatasetLibrary, pages: PagesController, delivery: ReportDelivery) {
        self.library = library
        self.pages = pages
        self.delivery = delivery
    }

    func start(every seconds: Int = 60) {
        task.withLock { t in
            t?.cancel()
            t = Task.detached { [self] in
                while !Task.isCancelled {
                    await runDue()
                    try? await Task.sleep(for: .seconds(seconds))
                }
            }
        }
    }

    func stop() { task.withLock { $0?.cancel() } }

    /// Runs every schedule whose time has come.
    func runDue(now: Date = Date()) async {
        for s in (try? await library.schedules()) ?? [] where s.nextRun <= now {
            _ = await run(s, now: now)
        }
    }

    /// Writes (and mails) one schedule's report now; returns what happened in words.
    @discardableResult
    func run(_ s: ReportSchedule, now: Date = Date(), by account: String? = nil) async -> String {
        let principal = Principal(accountID: -s.id, name: "schedule \(s.name)", role: s.role, countries: s.countries, via: .open)
        let pages = self.pages
        // The data set's currency and locale, as a request would have them (the scheduler runs outside any request).
        let style = pages.store.displayStyle
        let file: Result<(bytes: [UInt8], contentType: String, name: String), FilterError> = await DisplayFormat.$style.withValue(style) { await Access.$current.withValue(principal) {
            await onOwnThread { () -> Result<(bytes: [UInt8], contentType: String, name: String), FilterError> in
                do throws(FilterError) { return .success(try pages.reportFile(.pdf, nil)) } catch { return .failure(error) }
            }
        } }
        let day = ISO8601DateFormatter.string(from: now, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        var status: String
        var ok = false
        switch file {
        case .failure(let e):
            status = "Not written: \(e.message)"
        case .success(let f):
            let name = safeFileName("\(s.name)-\(day)") + ".pdf"
            let url = URL(fileURLWithPath: delivery.folder).appendingPathComponent(name)
            do {
                try FileManager.default.createDirectory(atPath: delivery.folder, withIntermediateDirectories: true)
                try Data(f.bytes).write(to: url, options: .atomic)
                status = "Written as \(name) (\(sizeText(f.bytes.count)))"
                ok = true
                if let smtp = delivery.smtp, !s.recipients.isEmpty {
                    do {
                        let scope = s.countries.isEmpty ? "" : " (\(s.countries.joined(separator: ", ")))"
                        try await smtp.send(to: s.recipients, subject: "Clientele report: \(s.name), \(day)",
                                            text: "The \(s.cadence.rawValue) Clientele report \(s.name)\(scope), as of \(day), is attached.\n\nIt shows what the \(s.role.rawValue) role sees.\n",
                                            attachment: (name, f.bytes))
                        status += "; mailed to \(s.recipients.count) recipient\(s.recipients.count == 1 ? "" : "s")"
                    } catch {
                        status += "; not mailed: \(error)"
                        ok = false
                    }
                } else if !s.recipients.isEmpty {
                    status += "; not mailed: no SMTP relay is configured (--smtp-host)"
                }
            } catch {
                status = "Not written: the reports folder cannot be written"
            }
        }
        let next = ReportSchedule.nextRun(s.cadence, after: max(now, s.nextRun))
        try? await library.recordRun(s.id, at: now, status: status, next: next)
        await library.audit(ok ? "report_sent" : "report_failed", account: account, detail: "\(s.name): \(status)")
        return status
    }
}
