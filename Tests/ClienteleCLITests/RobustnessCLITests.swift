import Foundation
import Testing
@testable import ClienteleCLI
import ClienteleCore

/// Input that used to trap or run away: sums of huge amounts, far-off dates, huge cohort spans.
@Suite struct RobustnessCLITests {
    let dir = temporaryFolder()

    func analyze(_ text: String, _ extra: [String] = []) async -> (status: Int32, out: String, err: String, outDir: String) {
        let input = write(text, "in-\(UUID()).csv", in: dir)
        let out = dir.appendingPathComponent("out-\(UUID())").path
        let r = await run(["analyze", input, "--out", out] + extra)
        return (r.status, r.out, r.err, out)
    }

    @Test(arguments: ["12345", ""]) func hugeAmountsAreRejectedWithTheirLines(customer: String) async {
        let r = await analyze(header
            + "1,A,X,90000,2011-01-05 10:00,10000000000,\(customer),United Kingdom\n"
            + "2,A,X,90000,2011-01-06 10:00,10000000000,\(customer),United Kingdom\n"
            + "3,A,X,1,2011-01-07 10:00,5,17850,United Kingdom\n")
        #expect(r.status == 0)
        #expect(r.out.contains("2 lines: line amount too large to represent exactly"))
        #expect(r.out.contains("(first: "))
        #expect(r.out.contains(" line 2, Price = \"10000000000\")"))
        let quality = read(r.outDir + "/data_quality.json")
        #expect(quality.contains("\"amount_too_large\" : 2"))
        #expect(read(r.outDir + "/executive_metrics_summary.csv").hasSuffix("\n1,5,5,0,0,1,5,0,0,0,1,1,1,1,0\n"))
    }

    @Test func onlyHugeAmountsIsBadInputNotACrash() async {
        let r = await analyze(header
            + "1,A,X,90000,2011-01-05 10:00,10000000000,,United Kingdom\n"
            + "2,A,X,90000,2011-01-06 10:00,10000000000,,United Kingdom\n")
        #expect(r.status == 2)
        #expect(r.err.contains("no valid order line among 2 lines read"))
        #expect(r.err.contains("2 lines: line amount too large to represent exactly"))
    }

    @Test func sentinelDateIsCountedNotAnalysed() async {
        let r = await analyze(header
            + "1,A,X,1,2011-01-05 10:00,10,C1,United Kingdom\n"
            + "2,A,X,1,9999-12-31 00:00,10,C1,United Kingdom\n"
            + "3,A,X,1,2011-02-05 10:00,10,C2,United Kingdom\n")
        #expect(r.status == 0)
        #expect(r.out.contains("1 line: timestamp out of range (default: before 1970-01-01 or more than one day after the load; settable) (first: "))
        #expect(read(r.outDir + "/data_quality.json").contains("\"timestamp_out_of_range\" : 1"))
        #expect(read(r.outDir + "/customer_cohort_retention.csv") == "cohort_month,0,1\n2011-01,1,0\n2011-02,1,\n")
    }

    @Test func widenedRangeWithCenturiesOfSpanDoesNotHang() async {
        let r = await analyze(header
            + "1,A,X,1,1800-01-01 10:00,10,C1,United Kingdom\n"
            + "2,A,X,1,2300-12-31 10:00,10,C1,United Kingdom\n", ["--valid-dates", "0001-01-01..9999-12-31"])
        #expect(r.status == 0)
        #expect(r.err.contains("warning: not written: customer_cohort_retention_weekly.csv: the data spans 26,142 weeks (1800-01-01 to 2300-12-31); weekly cohorts are limited to 2,000 periods: choose monthly or quarterly cohorts, or a date range (narrow --valid-dates or set --as-of)."))
        #expect(!FileManager.default.fileExists(atPath: r.outDir + "/customer_cohort_retention_weekly.csv"))
        #expect(FileManager.default.fileExists(atPath: r.outDir + "/customer_rfm_segments.csv"))
    }

    @Test func validDatesOptionIsChecked() async {
        let r = await analyze(header + "1,A,X,1,1985-01-05 10:00,10,C1,United Kingdom\n2,A,X,1,1990-01-05 10:00,10,C1,United Kingdom\n",
                        ["--valid-dates", "1989-01-01..2030-12-31"])
        #expect(r.status == 0)
        #expect(r.out.contains("1 line: timestamp out of range"))
        let bad = await analyze(header + "1,A,X,1,1990-01-05 10:00,10,C1,United Kingdom\n", ["--valid-dates", "2030-12-31..1990-01-01"])
        #expect(bad.status == 2)
        #expect(bad.err.contains("--valid-dates: valid dates 2030-12-31..1990-01-01: the first date is after the second"))
    }

    @Test func reportOnShortRangesDoesNotTrap() async {
        let out = dir.appendingPathComponent("r-\(UUID()).md").path
        // (The core's ChurnIdentificationTests run the five ranges that used to trap; here one end to end.)
        // Five days in the middle of the data: the churn risk is the customer base's as of their end (the history from
        // the data's first day), which has enough to fit and validate on.
        var r = await run(["report", "--demo", "--demo-lines", "20000", "--from", "2011-06-20", "--to", "2011-06-24", "--out", out])
        #expect(r.status == 0)
        #expect(read(out).contains("Churn risk is the chance of no order in the next 90 days, from "))
        // The data's first five days hold no history to fit or validate a churn model on: the report says so in words.
        r = await run(["report", "--demo", "--demo-lines", "20000", "--from", "2009-12-01", "--to", "2009-12-05", "--out", out])
        #expect(r.status == 0)
        #expect(read(out).contains("No churn risk is shown: the churn model cannot be fitted on these customers: no customer had ordered by "))
    }
}
