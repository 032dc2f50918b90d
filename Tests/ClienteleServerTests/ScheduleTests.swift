import ClienteleCore
@testable import ClienteleServer
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A local SMTP sink: accepts connections on 127.0.0.1, answers the dialogue and keeps each message with its
/// envelope. `refuse`: a recipient the sink refuses with 550.
final class SMTPSink: Sendable {
    struct Message: Sendable { var from: String; var to: [String]; var data: String }
    let port: Int
    private let fd: Int32
    private let received = Mutex<[Message]>([])
    let refuse: String?

    init(refuse: String? = nil) throws {
        self.refuse = refuse
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw SMTPRelay.Failure(description: "sink: no port") }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var messages: [Message] { received.withLock { $0 } }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            session(c)
            close(c)
        }
    }

    private func session(_ c: Int32) {
        func say(_ s: String) { _ = s.withCString { Glibc.send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
        var pending = [UInt8]()
        func line() -> String? {
            while true {
                if let nl = pending.firstIndex(of: 10) {
                    let l = String(decoding: pending[..<nl], as: UTF8.self).trimmingCharacters(in: .newlines)
                    pending.removeSubrange(...nl)
                    return l
                }
                var b = [UInt8](repeating: 0, count: 65536)
                let n = recv(c, &b, b.count, 0)
                if n <= 0 { return nil }
                pending += b[..<n]
            }
        }
        say("220 sink ready\r\n")
        var from = "", to: [String] = []
        while let l = line() {
            let upper = l.uppercased()
            if upper.hasPrefix("EHLO") { say("250-sink\r\n250 OK\r\n") }
            else if upper.hasPrefix("MAIL FROM:") { from = String(l.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")); say("250 OK\r\n") }
            else if upper.hasPrefix("RCPT TO:") {
                let r = String(l.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                if r == refuse { say("550 no such user here\r\n") } else { to.append(r); say("250 OK\r\n") }
            } else if upper == "DATA" {
                say("354 go ahead\r\n")
                var data: [String] = []
                while let d = line(), d != "." { data.append(d.hasPrefix("..") ? String(d.dropFirst()) : d) }
                let message = Message(from: from, to: to, data: data.joined(separator: "\n"))
                received.withLock { $0.append(message) }
                say("250 queued\r\n")
            } else if upper == "QUIT" { say("221 bye\r\n"); return }
            else { say("250 OK\r\n") }
        }
    }
}

@Suite(.serialized) struct ScheduleTests {
    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    /// Hand-checked run times: Mondays and the first of the month at 07:00 UTC, strictly after the given time.
    @Test func nextRunTimes() {
        let cases: [(ReportSchedule.Cadence, String, String)] = [
            (.weekly, "2026-12-02T10:00:00Z", "2026-12-07T07:00:00Z"),   // Wednesday → next Monday
            (.weekly, "2026-12-07T06:59:59Z", "2026-12-07T07:00:00Z"),   // Monday before 07:00 → that day
            (.weekly, "2026-12-07T07:00:00Z", "2026-12-14T07:00:00Z"),   // Monday at 07:00 → a week later
            (.weekly, "2026-12-27T23:00:00Z", "2026-12-28T07:00:00Z"),   // Sunday → Monday, across a year's last week
            (.monthly, "2026-12-02T10:00:00Z", "2027-01-01T07:00:00Z"),
            (.monthly, "2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z"),
            (.monthly, "2027-01-31T12:00:00Z", "2027-02-01T07:00:00Z"),
            (.monthly, "2028-02-01T07:00:00Z", "2028-03-01T07:00:00Z"),
        ]
        for (cadence, from, expected) in cases {
            #expect(ReportSchedule.nextRun(cadence, after: Self.date(from)) == Self.date(expected), "\(cadence) after \(from)")
        }
        #expect(ReportSchedule.validRecipient("ceo@example.com"))
        for bad in ["ceo", "a@b", "a b@c.com", "a@b.com\r\nRCPT TO:<x@y.z>", "<a@b.com>", "a@b.com,c@d.com"] { #expect(!ReportSchedule.validRecipient(bad), "\(bad)") }
    }

    static func pdfWithoutDate(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let r = text.range(of: "/CreationDate (") , let end = text[r.upperBound...].firstIndex(of: ")") else { return text }
        return String(text[..<r.lowerBound]) + String(text[text.index(after: end)...])
    }

    /// An administrator schedules the executive report, runs it now: the PDF is in the folder, mailed through the local
    /// SMTP sink to each recipient, and it is the executive's own download (same bytes but the creation date).
    @Test func scheduledReportWrittenAndMailed() async throws {
        let sink = try SMTPSink(refuse: "nobody@example.com")
        defer { sink.stop() }
        let s = try await AccessTests.setup()
        let dir = HardeningTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = ServerOptions()
        options.dataDirectory = dir.path
        options.smtp = SMTPRelay(host: "127.0.0.1", port: sink.port, from: "reports@example.com", timeout: 5)
        let app = try await AccessTests.app(s, options: options)
        try await app.test(.router) { client in
            let boss = try #require(try await AccessTests.signIn(client, "boss").cookie)
            let page = try await AccessTests.get(client, "/admin", cookie: boss)
            #expect(page.body.contains("through the SMTP relay 127.0.0.1:\(sink.port)"))
            let csrf = try AccessTests.csrf(page.body)
            // Without the form's token, or with a recipient that is not an address: refused, nothing stored.
            #expect(try await AccessTests.post(client, "/admin/schedules", "name=x&cadence=weekly&role=executive&recipients=a%40b.com", cookie: boss).status == .forbidden)
            let bad = try await AccessTests.post(client, "/admin/schedules", "_csrf=\(csrf)&name=x&cadence=weekly&role=executive&recipients=a%40b.com%0D%0ADATA", cookie: boss)
            #expect(bad.status == .badRequest)
            // A name that would add a mail header.
            let header = try await AccessTests.post(client, "/admin/schedules", "_csrf=\(csrf)&name=Board%0D%0ABcc%3A+x%40evil.example&cadence=weekly&role=executive&recipients=a%40b.com", cookie: boss)
            #expect(header.status == .badRequest && header.body.contains("on one line"))
            #expect(try await s.library.schedules().isEmpty)
            let added = try await AccessTests.post(client, "/admin/schedules", "_csrf=\(csrf)&name=Board+weekly&cadence=weekly&role=executive&countries=&recipients=ceo%40example.com%2C+cfo%40example.org", cookie: boss)
            #expect(added.status == .ok && added.body.contains("Board weekly is scheduled"))
            let schedule = try #require(try await s.library.schedules().first)
            #expect(schedule.recipients == ["ceo@example.com", "cfo@example.org"] && schedule.role == .executive)
            #expect(schedule.nextRun > Date() && schedule.nextRun <= Date().addingTimeInterval(7 * 86_400))
            let ran = try await AccessTests.post(client, "/admin/schedules/run", "_csrf=\(csrf)&id=\(schedule.id)", cookie: boss)
            #expect(ran.status == .ok)
            #expect(ran.body.contains("mailed to 2 recipients"))
            // The folder has the PDF; the sink has one message to both, with the PDF attached byte for byte.
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("reports").path)
            let name = try #require(files.first { $0.hasPrefix("Board_weekly-") && $0.hasSuffix(".pdf") })
            let written = try [UInt8](Data(contentsOf: dir.appendingPathComponent("reports").appendingPathComponent(name)))
            #expect(written.starts(with: Array("%PDF-".utf8)))
            let message = try #require(sink.messages.first)
            #expect(sink.messages.count == 1)
            #expect(message.from == "reports@example.com" && message.to == ["ceo@example.com", "cfo@example.org"])
            #expect(message.data.contains("Subject: Clientele report: Board weekly, "))
            #expect(message.data.contains("Content-Disposition: attachment; filename=\"\(name)\""))
            let b64 = message.data.components(separatedBy: "Content-Disposition: attachment; filename=\"\(name)\"\n\n")[1].components(separatedBy: "\n--")[0]
            let attached = try #require(Data(base64Encoded: b64.replacingOccurrences(of: "\n", with: "")))
            #expect([UInt8](attached) == written)
            // It is what an executive downloads (aggregates only), not an administrator's view.
            let download = try await client.execute(uri: "/report.pdf", method: .get, headers: [.authorization: "Bearer " + s.tokens["exec"]!]) { [UInt8](buffer: $0.body) }
            #expect(Self.pdfWithoutDate(download) == Self.pdfWithoutDate(written))
            let after = try #require(try await s.library.schedules().first)
            #expect(after.lastStatus?.hasPrefix("Written as \(name)") == true && after.lastRun != nil)
            #expect(try await s.library.auditLog(kind: "report_sent").first?.account == "boss")
            // A recipient the relay refuses: the PDF is still written, the failure is said and logged.
            _ = try await AccessTests.post(client, "/admin/schedules", "_csrf=\(csrf)&name=Markets&cadence=monthly&role=marketing&countries=\(PageRequest.encode(s.country))&recipients=nobody%40example.com", cookie: boss)
            let markets = try #require(try await s.library.schedules().first { $0.name == "Markets" })
            #expect(markets.countries == [s.country] && markets.cadence == .monthly)
            let failed = try await AccessTests.post(client, "/admin/schedules/run", "_csrf=\(csrf)&id=\(markets.id)", cookie: boss)
            #expect(failed.body.contains("not mailed: the mail relay refused the recipient nobody@example.com: 550 no such user here"))
            #expect(try await s.library.auditLog(kind: "report_failed").count == 1)
            #expect(sink.messages.count == 1)
            // Deleting a schedule keeps the reports written.
            #expect(try await AccessTests.post(client, "/admin/schedules/delete", "_csrf=\(csrf)&id=\(markets.id)", cookie: boss).status == .ok)
            #expect(try await s.library.schedules().count == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("reports").path).count == 2)
            // Only administrators schedule.
            #expect(try await AccessTests.get(client, "/admin", token: s.tokens["ana"]).status == .forbidden)
        }
    }

    /// The scheduler runs what is due (and only that), then sets the next run; a relay that is down is said in words.
    @Test func dueSchedulesRunOnce() async throws {
        let s = try await AccessTests.setup()
        let dir = HardeningTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let renderer = PageRenderer(library: try await PageRenderer.templates(), version: "t")
        let pages = PagesController(store: s.store, renderer: renderer, slots: ComputeSlots(limit: 2), library: s.library)
        // Port 1 on loopback: nothing listens.
        let scheduler = ReportScheduler(library: s.library, pages: pages,
                                        delivery: ReportDelivery(folder: dir.path, smtp: SMTPRelay(host: "127.0.0.1", port: 1, from: "r@example.com", timeout: 2)))
        let monday = Self.date("2026-12-07T07:00:00Z")
        let due = try await s.library.addSchedule(name: "Due", cadence: .weekly, role: .executive, countries: [], recipients: ["a@example.com"], now: Self.date("2026-12-02T10:00:00Z"))
        _ = try await s.library.addSchedule(name: "Later", cadence: .monthly, role: .executive, countries: [], recipients: [], now: Self.date("2026-12-02T10:00:00Z"))
        #expect(due.nextRun == monday)
        await scheduler.runDue(now: Self.date("2026-12-07T06:59:00Z"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        await scheduler.runDue(now: Self.date("2026-12-07T07:00:30Z"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["Due-2026-12-07.pdf"])
        let after = try await s.library.schedules()
        #expect(after.first { $0.name == "Due" }?.nextRun == Self.date("2026-12-14T07:00:00Z"))
        #expect(after.first { $0.name == "Due" }?.lastStatus?.contains("not mailed: the mail relay 127.0.0.1:1 does not answer") == true)
        #expect(after.first { $0.name == "Later" }?.lastRun == nil)
        // Run again a minute later: nothing is due any more.
        await scheduler.runDue(now: Self.date("2026-12-07T07:01:30Z"))
        #expect(try await s.library.auditLog().filter { $0.kind.hasPrefix("report_") }.count == 1)
    }
}
