import Foundation
import SQLiteNIO

/// A scheduled executive report: written as a PDF to the reports folder weekly or monthly, as an account of `role`
/// limited to `countries` would download it, and mailed to `recipients` when SMTP is configured.
public struct ReportSchedule: Sendable, Equatable {
    public enum Cadence: String, Sendable, CaseIterable {
        /// Mondays at 07:00 UTC.
        case weekly
        /// The first day of each month at 07:00 UTC.
        case monthly
    }

    public var id: Int
    public var name: String
    public var cadence: Cadence
    public var role: Role
    public var countries: [String]
    public var recipients: [String]
    public var nextRun: Date
    public var lastRun: Date?
    /// What the last run did, in words ("written to …, mailed to 2 recipients" or the failure).
    public var lastStatus: String?

    /// The first run time strictly after `date`: the next Monday (weekly) or first of the month (monthly) at 07:00 UTC.
    public static func nextRun(_ cadence: Cadence, after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var candidate = calendar.date(bySettingHour: 7, minute: 0, second: 0, of: date)!
        func advance() {
            switch cadence {
            case .weekly: candidate = calendar.date(byAdding: .day, value: 1, to: candidate)!
            case .monthly: candidate = calendar.date(byAdding: .month, value: 1, to: calendar.date(from: calendar.dateComponents([.year, .month], from: candidate))!)!
                candidate = calendar.date(bySettingHour: 7, minute: 0, second: 0, of: candidate)!
            }
        }
        func fits() -> Bool {
            switch cadence {
            case .weekly: return calendar.component(.weekday, from: candidate) == 2   // Monday
            case .monthly: return calendar.component(.day, from: candidate) == 1
            }
        }
        while candidate <= date || !fits() { advance() }
        return candidate
    }

    /// A recipient looks like an e-mail address (one `@`, no spaces, no angle brackets or line breaks).
    public static func validRecipient(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && s.count <= 254
            && !s.contains(where: { $0.isWhitespace || "<>\r\n,;\"".contains($0) })
    }
}

extension DatasetLibrary {
    static let schedulesSchema = [
        """
        CREATE TABLE IF NOT EXISTS report_schedules (
          id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, cadence TEXT NOT NULL, role TEXT NOT NULL,
          countries TEXT NOT NULL DEFAULT '', recipients TEXT NOT NULL DEFAULT '', next_run TEXT NOT NULL, last_run TEXT,
          last_status TEXT, created TEXT NOT NULL)
        """,
    ]

    private static func schedule(_ row: SQLiteRow) -> ReportSchedule? {
        guard let id = row.column("id")?.integer, let cadence = row.column("cadence")?.string.flatMap(ReportSchedule.Cadence.init(rawValue:)),
              let role = row.column("role")?.string.flatMap(Role.init(rawValue:)) else { return nil }
        func date(_ k: String) -> Date? { row.column(k)?.string.flatMap { try? dateFormat.parse($0) } }
        func list(_ k: String) -> [String] { (row.column(k)?.string ?? "").split(separator: "\n").map(String.init) }
        return ReportSchedule(id: Int(id), name: row.column("name")?.string ?? "", cadence: cadence, role: role, countries: list("countries"),
                              recipients: list("recipients"), nextRun: date("next_run") ?? Date(), lastRun: date("last_run"),
                              lastStatus: row.column("last_status")?.string)
    }

    public func schedules() async throws(Unavailable) -> [ReportSchedule] {
        try await write("SELECT * FROM report_schedules ORDER BY id").compactMap(Self.schedule)
    }

    @discardableResult
    public func addSchedule(name: String, cadence: ReportSchedule.Cadence, role: Role, countries: [String], recipients: [String],
                            now: Date = Date()) async throws -> ReportSchedule {
        let clean = name.trimmingCharacters(in: .whitespaces)
        guard !clean.isEmpty, clean.count <= 80, !clean.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AccountError("A schedule needs a name of 1 to 80 characters, on one line.")
        }
        if let bad = recipients.first(where: { !ReportSchedule.validRecipient($0) }) { throw AccountError("'\(bad.prefix(80))' is not an e-mail address.") }
        let next = ReportSchedule.nextRun(cadence, after: now)
        let rows = try await write("""
            INSERT INTO report_schedules (name, cadence, role, countries, recipients, next_run, created) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [.text(clean), .text(cadence.rawValue), .text(role.rawValue), .text(Self.cleanCountries(countries).joined(separator: "\n")),
                  .text(recipients.joined(separator: "\n")), .text(Self.dateFormat.format(next)), .text(Self.dateFormat.format(now))])
        let id = Int(rows.first?.column("id")?.integer ?? 0)
        return ReportSchedule(id: id, name: clean, cadence: cadence, role: role, countries: Self.cleanCountries(countries), recipients: recipients, nextRun: next)
    }

    public func removeSchedule(_ id: Int) async throws(Unavailable) -> Bool {
        !(try await write("DELETE FROM report_schedules WHERE id = ? RETURNING id", [.integer(id)])).isEmpty
    }

    /// Records a run and the next one.
    public func recordRun(_ id: Int, at: Date, status: String, next: Date) async throws(Unavailable) {
        _ = try await write("UPDATE report_schedules SET last_run = ?, last_status = ?, next_run = ? WHERE id = ?",
                            [.text(Self.dateFormat.format(at)), .text(String(status.prefix(500))), .text(Self.dateFormat.format(next)), .integer(id)])
    }
}
