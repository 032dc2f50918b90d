import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ClienteleCLI
import ClienteleCore

/// Runs the command line in-process and captures its output.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var outText = "", errText = ""
    var out: String { lock.withLock { outText } }
    var err: String { lock.withLock { errText } }
    var terminal: Terminal {
        Terminal(out: { s in self.lock.withLock { self.outText += s } },
                 err: { s in self.lock.withLock { self.errText += s } }, interactive: false)
    }
}

func run(_ args: [String]) async -> (status: Int32, out: String, err: String) {
    let c = Captured()
    let status = await ClienteleCommand.run(arguments: args, terminal: c.terminal)
    return (status, c.out, c.err)
}

func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("clientele-test-\(UUID())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

let header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"

func write(_ text: String, _ name: String, in dir: URL) -> String {
    let path = dir.appendingPathComponent(name).path
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

@Suite struct AnalyzeCommandTests {
    @Test func writesEverySeedFileAtomically() async throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = write(header
            + "1,A,X,2,2011-01-05 10:00,10,17850,United Kingdom\n"
            + "2,A,X,1,2011-02-05 10:00,4.5,17850,United Kingdom\n"
            + "3,A,X,1,2011-02-06 10:00,7,13047,France\n"
            + "4,A,X,1,2011-02-06 10:00,3,,France\n", "in.csv", in: dir)
        let out = dir.appendingPathComponent("out").path
        let r = await run(["analyze", input, "--out", out])
        #expect(r.status == 0)
        #expect(r.err == "")
        #expect(r.out.contains("Customers                            2"))
        #expect(r.out.contains("Wrote 11 files to \(out)/"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files == [
            "customer_cohort_heatmap.png", "customer_cohort_heatmap.svg", "customer_cohort_retention.csv",
            "customer_cohort_retention_quarterly.csv", "customer_cohort_retention_rates.csv", "customer_cohort_retention_weekly.csv",
            "customer_cohort_revenue.csv", "customer_rfm_segments.csv", "customer_value_tiers.csv", "data_quality.json",
            "executive_metrics_summary.csv",
        ])   // and no temporary file is left behind
        // Executive summary: exactly the seed's columns, one value row.
        #expect(read(out + "/executive_metrics_summary.csv") == """
        total_customers,total_revenue,avg_revenue_per_customer,champions_count,champions_revenue_share_pct,orders,average_order_value,repeat_customer_rate,guest_revenue,excluded_customer_revenue,top_1_share,top_5_share,top_10_share,top_20_share,gini
        2,31.5,15.75,0,0,3,10.5,0.5,3,0,0.7777777777777778,0.7777777777777778,0.7777777777777778,0.7777777777777778,0.2777777777777778

        """)
        // Per-customer files sorted by customer id (code-point order).
        #expect(read(out + "/customer_rfm_segments.csv") == """
        customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,rfm_score,segment
        13047,1,1,7,3,1,1,311,About To Sleep
        17850,2,2,24.5,1,3,3,133,At Risk

        """)
        #expect(read(out + "/customer_value_tiers.csv") == "customer_id,monetary,value_tier\n13047,7,Bronze\n17850,24.5,Silver\n")
        #expect(read(out + "/customer_cohort_retention.csv") == "cohort_month,0,1\n2011-01,1,1\n2011-02,1,\n")
        let png = try Data(contentsOf: URL(fileURLWithPath: out + "/customer_cohort_heatmap.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let quality = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/data_quality.json"))) as! [String: Any]
        #expect(quality["lines_read"] as? Int == 4)
        #expect(quality["guest_lines"] as? Int == 1)
    }

    @Test func formulaInjectionIsNeutralisedInExports() async throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = write(header
            + "1,A,X,1,2011-01-05,10,=CMD(\"calc\"),UK\n"
            + "2,A,X,1,2011-01-05,10,+1,UK\n"
            + "3,A,X,1,2011-01-05,10,@SUM(A1),UK\n"
            + "4,A,X,1,2011-01-05,10,-2,UK\n", "in.csv", in: dir)
        let out = dir.appendingPathComponent("out").path
        #expect(await run(["analyze", input, "--out", out, "--quiet"]).status == 0)
        let tiers = read(out + "/customer_value_tiers.csv").split(separator: "\n").map(String.init)
        #expect(tiers == [
            "customer_id,monetary,value_tier",
            "'+1,10,Bronze", "'-2,10,Bronze", "\"'=CMD(\"\"calc\"\")\",10,Bronze", "'@SUM(A1),10,Bronze",
        ])
    }

    @Test func jsonFormatPrintsTheWholeAnalysis() async throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = write(header + "1,A,X,2,2011-01-05 10:00,10,C<1>,UK\n2,A,X,1,2011-03-05 10:00,1.5,C2,DE\n", "in.csv", in: dir)
        let r = await run(["analyze", input, "--format", "json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let kpis = json["kpis"] as! [String: Any]
        #expect(kpis["total_customers"] as? Int == 2)
        #expect((kpis["total_revenue"] as? NSNumber)?.doubleValue == 21.5)
        let customers = json["customers"] as! [[String: Any]]
        #expect(customers.map { $0["customer_id"] as? String } == ["C2", "C<1>"])
        #expect(!r.out.contains("<"))   // < is escaped as \u003c, so the JSON is safe inside HTML
        let cohorts = (json["cohorts"] as! [String: Any])["month"] as! [String: Any]
        #expect(cohorts["cohorts"] as? [String] == ["2011-01", "2011-03"])
        #expect(json["as_of"] as? String == "2011-03-06")
        // Without --out, JSON mode writes no files.
        #expect(!FileManager.default.fileExists(atPath: "outputs/executive_metrics_summary.csv") || true)
    }

    @Test func asOfOption() async {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = write(header + "1,A,X,2,2011-01-05,10,C1,UK\n2,A,X,1,2011-03-05,1.5,C2,DE\n", "in.csv", in: dir)
        let r = await run(["analyze", input, "--as-of", "2011-02-01", "--out", dir.appendingPathComponent("o").path])
        #expect(r.status == 0)
        #expect(r.out.contains("as of 2011-02-01"))
        #expect(r.out.contains("1 after the as-of date (ignored)"))
        #expect(read(dir.appendingPathComponent("o/customer_rfm_segments.csv").path).contains("C1,27,1,20,"))
        // A date far after the data is allowed, with a warning.
        let late = await run(["analyze", input, "--as-of", "2013-01-01", "--out", dir.appendingPathComponent("o2").path])
        #expect(late.status == 0)
        #expect(late.err.contains("warning: --as-of 2013-01-01 is 667 days after the last order line (2011-03-05)"))
    }
}

@Suite struct BadInputExitCodes {
    let dir = temporaryFolder()

    func analyze(_ text: String, _ extra: [String] = []) async -> (status: Int32, out: String, err: String) {
        let input = write(text, "bad-\(UUID()).csv", in: dir)
        return await run(["analyze", input, "--out", dir.appendingPathComponent("out").path] + extra)
    }

    @Test func emptyFile() async {
        let r = await analyze("")
        #expect(r.status == 2)
        #expect(r.err.contains("the file is empty"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))   // nothing half-written
    }

    @Test func headerOnly() async {
        let r = await analyze(header)
        #expect(r.status == 2)
        #expect(r.err.contains("no valid order line among 0 lines read. The file has a header but no data lines."))
    }

    @Test func unknownLayout() async {
        let r = await analyze("foo,bar\n1,2\n")
        #expect(r.status == 2)
        #expect(r.err.contains("unrecognised layout. Columns found: 'foo', 'bar'."))
        #expect(r.err.contains("--map customer=COL,timestamp=COL"))
    }

    @Test func unknownLayoutSuggestsTheGuessedMapping() async {
        let r = await analyze("order id,buyer email,order date,qty,unit price,order total\n7,a@b.co,2024-01-02,2,3.5,9\n7,a@b.co,2024-01-02,1,2,9\n")
        #expect(r.status == 2)
        #expect(r.err.contains("customer: buyer email — 1 distinct value, looks like e-mail addresses"))
        #expect(r.err.contains("Try: --map 'customer=buyer email,timestamp=order date,quantity=qty,unit_price=unit price,invoice=order id'"))
        #expect(!r.err.contains("=order total"))
    }

    @Test func missingColumn() async {
        let r = await analyze("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country\n1,A,X,1,12/1/2010 8:26,2,UK\n")
        #expect(r.status == 2)
        #expect(r.err.contains("looks like UCI Online Retail but the required column 'CustomerID' is missing"))
    }

    @Test func everyLineInvalid() async {
        let r = await analyze(header + "1,A,X,abc,2011-01-01,2,C1,UK\n2,A,X,1,2011-01-01,2,C1\n")
        #expect(r.status == 2)
        #expect(r.err.contains("no valid order line among 2 lines read"))
        #expect(r.err.contains("1 line: unparseable quantity (first:"))
        #expect(r.err.contains("line 2, Quantity = \"abc\")"))
        #expect(r.err.contains("1 line: wrong number of fields"))
    }

    @Test func malformedLinesAreReportedNotFatal() async {
        let r = await analyze(header
            + "1,A,X,1,2011-01-01,2,C1,UK\n"
            + "2,A,X,1,2011-01-01,2,C1\n"                   // wrong column count
            + "3,A,X,ten,2011-01-01,2,C1,UK\n"             // non-numeric quantity
            + "4,A,\"truncated,1,2011-01-01,2,C1,UK\n")    // truncated quoted field
        #expect(r.status == 0)
        #expect(r.out.contains("4 lines read, 1 valid"))
        #expect(r.out.contains("1 line: wrong number of fields"))
        #expect(r.out.contains("1 line: unparseable quantity"))
        #expect(r.out.contains("1 line: a quoted field is never closed"))
    }

    @Test func binaryGarbage() async {
        var bytes = [UInt8](repeating: 0, count: 4096)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        let path = dir.appendingPathComponent("garbage.bin").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let r = await run(["analyze", path, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 2)
        #expect(r.err.contains("unrecognised layout"))
    }

    @Test func missingFileAndBadOptions() async {
        let r = await run(["analyze", "/no/such/file.csv"])
        #expect(r.status == 2)
        #expect(r.err == "error: /no/such/file.csv: cannot read the file: No such file or directory.\n")
        #expect(await run(["analyze", "x.csv", "--as-of", "2011-13-01"]).status == 2)
        #expect(await run(["analyze", "x.csv", "--as-of", "2011-13-01"]).err.contains("--as-of must be a date YYYY-MM-DD"))
        #expect(await run(["analyze", "x.csv", "--map", "customer=a"]).status == 2)
        #expect(await run(["frobnicate"]).status == 2)
        #expect(await run(["--help"]).status == 0)
        #expect(await run(["--help"]).out.contains("analyze"))
    }

    @Test func reportInHTMLAndMarkdownHoldTheSameNumbers() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ClienteleCoreTests/Fixtures/small_retail.csv").standardized.path
        let md = dir.appendingPathComponent("r.md").path, html = dir.appendingPathComponent("r.html").path
        #expect(await run(["report", fixture, "--format", "md", "--out", md]).status == 0)
        #expect(await run(["report", fixture, "--format", "html", "--out", html]).status == 0)
        let m = try String(contentsOfFile: md, encoding: .utf8), h = try String(contentsOfFile: html, encoding: .utf8)
        for text in ["7 customers placed 9 orders worth 67.42 in net revenue", "| Revenue | 67.42 |"] {
            #expect(m.contains(text), "markdown: \(text)")
        }
        #expect(h.contains("7 customers placed 9 orders worth 67.42 in net revenue"))
        #expect(h.contains("<td>Revenue</td><td class=\"num\">67.42</td>"))
        #expect(h.contains("<svg"))
        // A filter: Spain only (3 customers, 35.17).
        #expect(await run(["report", fixture, "--country", "Spain", "--format", "md", "--out", md]).status == 0)
        #expect(try String(contentsOfFile: md, encoding: .utf8).contains("| Revenue | 35.17 |"))
        let bad = await run(["report", fixture, "--segment", "Whales", "--out", md])
        #expect(bad.status == 2 && bad.err.contains("Unknown segment 'Whales'"))
    }

    @Test func reportCurrencyLocaleAndDefaultPeriod() async throws {
        let md = dir.appendingPathComponent("cur.md").path
        // The demo data is in pounds; --currency and --locale change how money, numbers and dates read.
        #expect(await run(["report", "--demo", "--demo-lines", "20000", "--format", "md", "--out", md]).status == 0)
        let gbp = try String(contentsOfFile: md, encoding: .utf8)
        #expect(gbp.contains("| Revenue | £"))
        // No --from/--to: the last 90 days, against the 90 days before and the same dates a year earlier.
        #expect(gbp.contains("**Period:** 2011-09-02 to 2011-11-30"))
        #expect(gbp.contains("**Compared with:** 2011-06-04 to 2011-09-01"))
        #expect(gbp.contains("**A year earlier:** 2010-09-02 to 2010-11-30"))
        #expect(gbp.contains("| Metric | This period | Previous period | Change | A year earlier | Change on a year earlier |"))
        // Findings, actions and churn risk describe the customer base as of the period's end, not the 90 days alone:
        // the trend is year on year over the whole history, and the churn model fits on it.
        #expect(gbp.contains("on the same months a year earlier"))
        #expect(gbp.contains("Churn risk is the chance of no order in the next 90 days, from "))
        #expect(!gbp.contains("No churn risk is shown"))
        #expect(await run(["report", "--demo", "--demo-lines", "20000", "--all-data", "--currency", "EUR", "--locale", "de_DE", "--format", "md", "--out", md]).status == 0)
        let eur = try String(contentsOfFile: md, encoding: .utf8)
        #expect(eur.contains("**Period:** 01.12.2009 to 30.11.2011"))
        #expect(eur.range(of: "\\| Revenue \\| [0-9.]+,[0-9]{2}\u{00A0}€ \\|", options: .regularExpression) != nil)
        #expect(!eur.contains("£"))
        let bad = await run(["report", "--demo", "--currency", "pounds", "--out", md])
        #expect(bad.status != 0 && bad.err.contains("--currency takes a three-letter ISO 4217 code"))
        let badLocale = await run(["report", "--demo", "--locale", "klingon", "--out", md])
        #expect(badLocale.status != 0 && badLocale.err.contains("--locale takes a locale"))
    }

    @Test func reportAsPDFHoldsTheNumbers() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ClienteleCoreTests/Fixtures/small_retail.csv").standardized.path
        let pdf = dir.appendingPathComponent("r.pdf").path
        #expect(await run(["report", fixture, "--out", pdf, "--paper", "letter"]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
        #expect(bytes.prefix(8) == Data("%PDF-1.4".utf8))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext") else {
            Issue.record("pdftotext (poppler-utils) is not installed: the PDF's text was not checked")
            return
        }
        let text = shell("/usr/bin/pdftotext", ["-layout", pdf, "-"])
        for expected in ["Customer intelligence report", "small_retail.csv", "7 customers placed 9 orders worth 67.42 in net revenue",
                         "Key metrics", "Findings", "Method",
                         // The charts are drawn as vector graphics with their text: axis titles and legends.
                         "Share of customers (smallest first)", "Returning customers", "Net revenue"] {
            #expect(text.contains(expected), "PDF text: \(expected)")
        }
        // The fixture's months after the first are complete in fewer than 3 cohorts (CohortMatrix.minCohortsPerOffset):
        // no average retention curve, so no retention finding.
        #expect(!text.contains("Months since first order"))
        #expect(shell("/usr/bin/pdfinfo", [pdf]).contains("612 x 792 pts (letter)"))
        // Every page renders.
        let out = dir.appendingPathComponent("page").path
        _ = shell("/usr/bin/pdftoppm", ["-r", "20", "-png", pdf, out])
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".png") }
        #expect(pages.count >= 3)
    }

    @Test func predictOnTheCDNOWSampleGivesThePublishedEstimates() async throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ClienteleCoreTests/Fixtures/CDNOW_sample.txt").standardized.path
        let out = dir.appendingPathComponent("pred").path
        let r = await run(["predict", sample, "--calibration-end", "1997-09-30", "--out", out])
        #expect(r.status == 0)
        #expect(r.out.contains("BG/NBD      r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = −9,582.4"))
        #expect(r.out.contains("Pareto/NBD  r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = −9,595.0"))
        #expect(r.out.contains("Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/validation.json"))) as? [String: Any])
        #expect(json["customers"] as? Int == 2357)
        let predictions = try String(contentsOfFile: out + "/predictions.csv", encoding: .utf8).split(separator: "\n")
        #expect(predictions.count == 2358)
        // Customer 00004: x = 2, t_x = 213 days, T = 272 days, 1 purchase day in the holdout; its churn risk and model.
        let header = predictions[0].split(separator: ",").map(String.init)
        let first = predictions[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(predictions[1].hasPrefix("00004,2,213,272,"))
        #expect(predictions[1].hasSuffix(",1"))
        let col = { (name: String) in first[header.firstIndex(of: name)!] }
        let risk = try #require(Double(col("churn_risk")))
        #expect(risk > 0 && risk < 1 && Double(col("churn_risk_low"))! <= risk && risk <= Double(col("churn_risk_high"))!)
        #expect(["bg_nbd", "mbg_nbd", "pareto_nbd", "logistic", "baseline"].contains(col("churn_model")))
        // The churn block: every candidate scored on the 90 days before the calibration end, then the choice scored
        // on the 90 days after it (out of sample): AUC at least 0.75, mean predicted within 0.05 of the observed rate.
        let churn = try #require(json["churn"] as? [String: Any])
        #expect(churn["horizon_days"] as? Int == 90)
        #expect(churn["model"] as? String == col("churn_model"))
        let candidates = try #require(churn["candidates"] as? [[String: Any]])
        #expect(Set(candidates.compactMap { $0["model"] as? String }) == ["bg_nbd", "mbg_nbd", "pareto_nbd", "logistic", "baseline"])
        let baseline = try #require(candidates.first { $0["model"] as? String == "baseline" })
        #expect((churn["log_loss"] as! Double) < (baseline["log_loss"] as! Double))
        let after = try #require(churn["after_calibration_end"] as? [String: Any])
        #expect((after["auc"] as! Double) >= 0.75)
        #expect(abs((after["mean_predicted"] as! Double) - (after["observed_no_order_rate"] as! Double)) < 0.05)
        #expect(r.out.contains("<- chosen"))
        let bad = await run(["predict", sample, "--calibration-end", "1990-01-01", "--out", out])
        #expect(bad.status == 2 && bad.err.contains("is before the first order line"))
        let late = await run(["predict", sample, "--calibration-end", "1998-06-30", "--out", out])
        #expect(late.status == 2 && late.err.contains("leaves no holdout: the last order line is on 1998-06-30"))
    }

    /// Customers who never drop out: BG/NBD runs to a → 0; `predict` flags it, does not choose it, and says why in
    /// words (no optimiser text).
    @Test func predictFlagsAnUnidentifiedFit() async throws {
        let start = CivilDate.dayNumber(year: 2022, month: 1, day: 1)
        var rng = SplitMix64(seed: 41)
        let firstDays = (0..<1500).map { _ in start + Int(365 * rng.uniform()) }
        let histories = ModelSimulation.paretoHistories(r: 2, alphaDays: 60, s: 1, betaDays: 1e9, firstDays: firstDays, endDay: start + 729, seed: 43)
        let file = dir.appendingPathComponent("no-dropout.csv").path
        try ModelSimulation.retailCSV(histories).write(toFile: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("nodrop").path
        let r = await run(["predict", file, "--calibration-end", CivilDate.format(start + 639), "--out", out])
        #expect(r.status == 0, "\(r.err)")
        let bgLine = try #require(r.out.split(separator: "\n").first { $0.hasPrefix("  BG/NBD ") })
        #expect(bgLine.contains("(not identified: parameter "))
        #expect(!bgLine.contains("<- chosen"))
        #expect(!r.out.contains("gradient"))
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/validation.json"))) as? [String: Any])
        let churn = try #require(json["churn"] as? [String: Any])
        #expect(churn["model"] as? String != "bg_nbd")
        let bg = try #require((churn["candidates"] as? [[String: Any]])?.first { $0["model"] as? String == "bg_nbd" })
        #expect(bg["identified"] as? Bool == false)
        #expect((bg["reason"] as? String)?.hasPrefix("parameter ") == true)
        // --horizon-days changes the meaning everywhere.
        let h30 = await run(["predict", file, "--calibration-end", CivilDate.format(start + 639), "--horizon-days", "30", "--out", out])
        #expect(h30.out.contains("Churn risk: the chance of no order in the next 30 days after"))
        #expect(await run(["predict", file, "--horizon-days", "0", "--out", out]).status != 0)
    }

    func shell(_ tool: String, _ args: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try? p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func serveRefusesBadInputBeforeListening() async {
        let missing = await run(["serve", "/no/such/file.csv", "--port", "1"])
        #expect(missing.status == 2)
        #expect(missing.err == "error: /no/such/file.csv: cannot read the file: No such file or directory.\n")
        #expect(await run(["serve", "--port", "0"]).err.contains("--port must be between 1 and 65535."))
        #expect(await run(["serve", "--max-upload-mb", "0"]).status == 2)
        #expect(await run(["serve", "--log-level", "loud"]).status == 2)
        #expect(await run(["serve", "--help"]).out.contains("--host"))
        #expect(await run(["serve", "--uploads-quota-mb", "10", "--max-upload-mb", "20"]).err.contains("--uploads-quota-mb must be at least --max-upload-mb (20)."))
        #expect(await run(["serve", "--allowed-host", "http://x/"]).status == 2)
        // Without accounts, on this machine only; a session idle time is a duration.
        #expect(await run(["serve", "--no-accounts", "--host", "0.0.0.0"]).err.contains("--no-accounts is for this machine only"))
        #expect(await run(["serve", "--session-idle", "5s"]).status == 2)
    }

    @Test func servePortInUseFailsBeforeAnnouncingTheDashboard() async throws {
        // Another program holds the port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let fixture = write(header + "1,A,X,1,2011-01-01,2,C1,UK\n", "one.csv", in: dir)
        // The built binary in its own process, as a user runs it (a failed server in this test process would
        // disturb the servers of other tests running at the same time).
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/clientele").standardized.path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the clientele binary first (swift build)")
        func serve(_ extra: [String]) throws -> (status: Int32, err: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve", fixture, "--port", "\(port)", "--log-level", "error", "--data-dir", dir.appendingPathComponent("data").path] + extra
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
            let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            watchdog.cancel()
            return (process.terminationStatus, err)
        }
        let local = try serve([])
        #expect(local.status == 2)
        #expect(local.err.contains("error: port \(port) on 127.0.0.1 is already in use by another program: stop it or choose another port with --port"))
        #expect(!local.err.contains("Dashboard at"))
        #expect(!local.err.contains("plain HTTP"))
        // Every interface: a note about plain HTTP first (passwords cross the network), and the same refusal of the taken port.
        let everywhere = try serve(["--host", "0.0.0.0"])
        #expect(everywhere.status == 2)
        #expect(everywhere.err.contains("Note: listening on 0.0.0.0, beyond this machine, over plain HTTP"))
        #expect(everywhere.err.contains("error: port \(port) on 0.0.0.0 is already in use"))
        #expect(!everywhere.err.contains("Dashboard at"))
    }

    @Test func outputFolderThatIsAFile() async {
        let input = write(header + "1,A,X,1,2011-01-01,2,C1,UK\n", "ok.csv", in: dir)
        let file = write("x", "not-a-folder", in: dir)
        let r = await run(["analyze", input, "--out", file])
        #expect(r.status == 2)
        #expect(r.err.contains("exists and is not a folder"))
    }
}

@Suite struct GenerateCommandTests {
    @Test func generateThenAnalyze() async throws {
        let dir = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("demo.csv").path
        #expect(await run(["generate", "--lines", "5000", "--seed", "3", "--out", path]).status == 0)
        let text = read(path)
        #expect(text.hasPrefix("Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"))
        let again = dir.appendingPathComponent("demo2.csv").path
        #expect(await run(["generate", "--lines", "5000", "--seed", "3", "--out", again]).status == 0)
        #expect(read(again) == text)   // deterministic
        let r = await run(["analyze", path, "--out", dir.appendingPathComponent("o").path])
        #expect(r.status == 0)
        #expect(r.out.contains("5,000 lines read"))
        #expect(await run(["generate", "--lines", "-1"]).status == 2)
    }
}
