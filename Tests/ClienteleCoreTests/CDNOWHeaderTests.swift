import Foundation
import Testing
@testable import ClienteleCore

@Suite struct CDNOWHeaderTests {
    static let headerless = "00001 19970101 1 11.77\n00002 19970112 1 12.00\n00002 19970112 5 77.00\n00003 19970102 2 20.76\n00003 19970330 2 20.76\n"

    /// Customer ID -> (first day, last day, orders, revenue).
    static func customers(_ text: String) throws -> [String: [Int64]] {
        let d = try OrderLineLoader.load(text: text, name: "cdnow.txt")
        #expect(d.report.layout == "CDNOW")
        #expect(d.report.validLines == 5 && d.report.linesRead == 5)
        let t = Analysis(lines: d.lines).table
        var out: [String: [Int64]] = [:]
        for r in 0..<t.count {
            out[t.id(r)] = [Int64(t.firstPurchase[r]), Int64(t.lastPurchase[r]), Int64(t.frequency[r]), t.monetary[r]]
        }
        return out
    }

    @Test func headerLineWithLFOrCRLFLoadsLikeTheHeaderlessFile() throws {
        let expected = try Self.customers(Self.headerless)
        #expect(expected.count == 3)
        #expect(expected.values.map { $0[3] }.reduce(0, +) == 1_422_900)
        let header = "customer_id  date number_of_cds  dollar_value"
        let lf = header + "\n" + Self.headerless
        let crlf = (header + "\n" + Self.headerless).replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try Self.customers(lf) == expected)
        #expect(try Self.customers(crlf) == expected)
        // The headerless file with CRLF, too.
        #expect(try Self.customers(Self.headerless.replacingOccurrences(of: "\n", with: "\r\n")) == expected)
    }

    @Test func headerWithSampleIndexAndBadLineNumbers() throws {
        let text = "customer_id\tsample_index\tdate\tnumber_of_cds\tdollar_value\r\n00001 1 19970101 1 11.77\r\n00002 2 19970112 1 x\r\n"
        let d = try OrderLineLoader.load(text: text, name: "cdnow.txt")
        #expect(d.report.layout == "CDNOW 1/10 sample (with sample index)")
        #expect(d.report.validLines == 1)
        // Line numbers count the header line.
        #expect(d.report.examples.values.flatMap { $0 }.contains { $0.line == 3 })
    }

    @Test func headerOnlyHasNoValidLines() {
        #expect(throws: IngestError.self) { try OrderLineLoader.load(text: "customer_id  date number_of_cds  dollar_value\r\n", name: "cdnow.txt") }
    }
}
