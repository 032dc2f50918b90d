import Foundation
import Testing
@testable import ClienteleCore

// Regression tests for traps reachable from input: model output converted to money, sums of money, far-off dates.

private let retailHeader = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"

@Suite struct MoneyConversionTests {
    @Test func modelOutputToMoneyUnitsIsChecked() {
        #expect(Money.units(fromCurrency: 1.23456) == 12_346)
        #expect(Money.units(fromCurrency: -2.5) == -25_000)
        #expect(Money.units(fromCurrency: .nan) == nil)
        #expect(Money.units(fromCurrency: .infinity) == nil)
        #expect(Money.units(fromCurrency: -.infinity) == nil)
        #expect(Money.units(fromCurrency: 1e300) == nil)
        #expect(Money.units(fromCurrency: 922_337_203_685_477.5807) == nil)   // 2^63 units after rounding: out of range
        #expect(Money.units(rounding: 9.2e18) == 9_200_000_000_000_000_000)
        #expect(roundedInt(.nan) == nil)
        #expect(roundedInt(2.5) == 3)
        #expect(Money.clamped(Int128(Int64.max) * 3) == Int64.max)
        #expect(Money.clamped(-Int128(Int64.max) * 3) == Int64.min)
        #expect(Money.divideRoundingHalfEven(7, by: 0) == 0)
        #expect(Money.divideRoundingHalfEven(Int64.min, by: -1) == Int64.max)
    }

    @Test func missingModelValuesDisplayAsDash() {
        #expect(DisplayFormat.money(currency: .nan) == "—")
        #expect(DisplayFormat.money(currency: .infinity) == "—")
        #expect(DisplayFormat.money(currency: 1e30) == "—")
        #expect(DisplayFormat.money(currency: 1234.5) == "1,234.50")
        #expect(DisplayFormat.integer(rounding: .infinity) == "—")
        #expect(DisplayFormat.integer(rounding: 1234.4) == "1,234")
        #expect(DisplayFormat.money(nil as Int64?) == "—")
    }
}

@Suite struct MoneyBudgetTests {
    // 90000 x 10000000000 = 9e14 currency units = 9e18 money units: fits in Int64 alone, two of them do not.
    static let hugeLines = "1,A,X,90000,2011-01-05 10:00,10000000000,%@,United Kingdom\n"
        + "2,A,X,90000,2011-01-06 10:00,10000000000,%@,United Kingdom\n"

    func text(customer: String) -> String {
        retailHeader
            + "0,A,X,2,2011-01-04 10:00,10,17850,United Kingdom\n"
            + String(format: Self.hugeLines, customer, customer)
            + "3,A,X,1,2011-01-07 10:00,5,17850,United Kingdom\n"
    }

    @Test(arguments: ["12345", ""]) func hugeLinesAreRejectedNotSummed(customer: String) throws {
        let loaded = try OrderLineLoader.load(text: text(customer: customer), name: "huge.csv")
        #expect(loaded.report.validLines == 2)
        #expect(loaded.report.invalidLines == 2)
        #expect(loaded.report.invalidByReason["amount_too_large"] == 2)
        #expect(loaded.report.examples["amount_too_large"] == [
            BadLineExample(file: "huge.csv", line: 3, field: "Price", value: "10000000000"),
            BadLineExample(file: "huge.csv", line: 4, field: "Price", value: "10000000000"),
        ])
        let a = Analysis(lines: loaded.lines)
        #expect(a.kpis.totalRevenue == 250_000)
        #expect(a.kpis.guestRevenue == 0)
    }

    @Test func onlyHugeLinesIsAClearError() {
        let text = retailHeader + String(format: Self.hugeLines, "12345", "12345")
        do {
            _ = try OrderLineLoader.load(text: text, name: "huge.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("2 lines: line amount too large to represent exactly"))
            #expect(error.description.contains("huge.csv line 2, Price = \"10000000000\""))
        }
    }

    /// Lines of a tenth of the budget each: the first ten fit, the rest are rejected, whatever the chunking.
    @Test func budgetIsDeterministicAcrossChunksAndWorkers() throws {
        let tenth = Money.sumBudget / 10 / Money.scale   // currency units
        var text = retailHeader
        for i in 0..<25 {
            text += "\(i),A,X,1,2011-01-\(10 + i % 10) 10:00,\(tenth),C\(i % 3),France\n"
        }
        var reference: [BadLineExample]?
        for (chunk, workers) in [(1 << 20, 1), (64, 1), (64, 4), (200, 3)] {
            var options = LoadOptions()
            options.chunkBytes = chunk
            options.workers = workers
            let loaded = try OrderLineLoader.load(text: text, name: "budget.csv", options: options)
            #expect(loaded.report.validLines == 10)
            #expect(loaded.report.invalidByReason["amount_too_large"] == 15)
            let examples = loaded.report.examples["amount_too_large"] ?? []
            #expect(examples.map(\.line) == [12, 13, 14, 15, 16])
            if let reference { #expect(examples == reference) } else { reference = examples }
            let a = Analysis(lines: loaded.lines)
            #expect(a.kpis.totalRevenue == tenth * Money.scale * 10)
        }
    }
}

@Suite struct DateRangeTests {
    @Test func sentinelDateIsOutOfRange() throws {
        var text = retailHeader
        for i in 0..<200 { text += "\(i),A,X,1,2011-0\(1 + i % 9)-05 10:00,2,C\(i % 17),France\n" }
        text += "999,A,X,1,9999-12-31 00:00,2,C1,France\n"
        let loaded = try OrderLineLoader.load(text: text, name: "sentinel.csv")
        let a = Analysis(lines: loaded.lines)
        _ = PeriodSeries(analysis: a, period: .week)
        #expect(loaded.report.validLines == 200)
        #expect(loaded.report.invalidByReason == ["timestamp_out_of_range": 1])
        #expect(loaded.report.examples["timestamp_out_of_range"] == [
            BadLineExample(file: "sentinel.csv", line: 202, field: "InvoiceDate", value: "9999-12-31 00:00")])
        #expect(loaded.report.invalidSummaryLines == [
            "1 line: timestamp out of range (default: before 1970-01-01 or more than one day after the load; settable) (first: sentinel.csv line 202, InvoiceDate = \"9999-12-31 00:00\")"])
        #expect(a.asOf == CivilDate.parseISODate("2011-09-06"))
    }

    @Test func reasonOrder() {
        let all = InvalidReason.allCases.map(\.rawValue)
        #expect(all.firstIndex(of: "timestamp_out_of_range") == all.firstIndex(of: "missing_or_unparseable_timestamp")! + 1)
    }

    @Test func defaultRangeIsFrom1970ToTomorrow() throws {
        let today = LoadOptions.today()
        #expect(LoadOptions.defaultValidDays(today: 20_000) == 0...20_001)
        let text = retailHeader
            + "1,A,X,1,1969-12-31 10:00,2,C1,France\n"
            + "2,A,X,1,1970-01-01 10:00,2,C1,France\n"
            + "3,A,X,1,\(CivilDate.format(today + 1)) 10:00,2,C1,France\n"
            + "4,A,X,1,\(CivilDate.format(today + 2)) 10:00,2,C1,France\n"
            + "5,A,X,1,1997-01-01 10:00,2,C1,France\n"
        let loaded = try OrderLineLoader.load(text: text)
        #expect(loaded.report.validLines == 3)
        #expect(loaded.report.examples["timestamp_out_of_range"]?.map(\.line) == [2, 5])
    }

    @Test func validDatesParse() throws {
        #expect(try LoadOptions.parseValidDates("1990-01-01..2030-12-31").get()
                == CivilDate.parseISODate("1990-01-01")!...CivilDate.parseISODate("2030-12-31")!)
        #expect(try LoadOptions.parseValidDates("0001-01-01..9999-12-31").get().count == 3_652_059)
        for bad in ["1990-01-01", "2030-12-31..1990-01-01", "1990-13-01..2000-01-01", "x..y"] {
            if case .success = LoadOptions.parseValidDates(bad) { Issue.record("accepted \(bad)") }
        }
    }

    @Test func widenedRangeRefusesHugeCohortSpansWithAMessage() throws {
        let text = retailHeader
            + "1,A,X,1,1800-01-01 10:00,2,C1,France\n"
            + "2,A,X,1,2300-12-31 10:00,2,C1,France\n"
        var options = LoadOptions()
        options.validDays = try LoadOptions.parseValidDates("0001-01-01..9999-12-31").get()
        let loaded = try OrderLineLoader.load(text: text, options: options)
        #expect(loaded.report.validLines == 2)
        let a = Analysis(lines: loaded.lines)
        #expect(a.weeklyCohorts.refusal == "the data spans 26,142 weeks (1800-01-01 to 2300-12-31); weekly cohorts are limited to 2,000 periods: choose monthly or quarterly cohorts, or a date range")
        #expect(a.monthlyCohorts.refusal == "the data spans 6,012 months (1800-01-01 to 2300-12-31); monthly cohorts are limited to 2,000 periods: choose quarterly cohorts, or a date range")
        #expect(a.weeklyCohorts.counts.isEmpty)
        #expect(PeriodSeries(analysis: a, period: .week).count == 0)
        #expect(PeriodSeries(analysis: a, period: .week).refusal == a.weeklyCohorts.refusal)
        #expect(a.kpis.totalRevenue == 40_000)
    }

    @Test func weeklyCohortsOverTenYearsWork() throws {
        var text = retailHeader
        for y in 2000..<2010 { text += "\(y),A,X,1,\(y)-03-01 10:00,2,C\(y % 4),France\n" }
        let a = Analysis(lines: try OrderLineLoader.load(text: text).lines)
        #expect(a.weeklyCohorts.refusal == nil)
        #expect(a.weeklyCohorts.cohortIndex.count == 4)
        #expect(a.weeklyCohorts.maxOffset == 469)
    }
}

@Suite struct ChurnIdentificationTests {
    /// A five-day range of the demo data: the fit runs off to the edge; it must be reported as not identified.
    @Test func shortRangeFitIsNotIdentified() throws {
        let loaded = try DemoData.load(lines: 100_000)
        let dataAsOf = CustomerTable.defaultAsOf(loaded.lines)!
        for (from, to) in [("2011-06-20", "2011-06-24"), ("2011-06-06", "2011-06-10"), ("2010-10-02", "2010-10-15"),
                           ("2010-08-23", "2010-08-27"), ("2010-03-29", "2010-04-02")] {
            let filter = AnalysisFilter(from: CivilDate.parseISODate(from), to: CivilDate.parseISODate(to))
            let f = try FilteredAnalysis(lines: loaded.lines, filter: filter, dataAsOf: dataAsOf)
            let model = ChurnModel(analysis: f.analysis, lines: f.lines)
            // Five days hold no 90-day holdout: nothing is shown, and the reason says why in words.
            #expect(!model.usable && !model.valueUsable)
            #expect(model.unusableReason.contains("too few to check a churn model"), "\(from)..\(to): \(model.unusableReason)")
            #expect(model.risk.allSatisfy(\.isNaN) && model.lifetimeValue.allSatisfy(\.isNaN))
            // Explanations and recommendations never trap on the model's output.
            let e = ChurnExplanations(analysis: f.analysis, lines: f.lines, model: model)
            #expect(e.revenueAtRisk.count == f.analysis.table.count)
            _ = RecommendationEngine.run(RecommendationInput(analysis: f.analysis, churn: model))
        }
    }

    @Test func absurdFitIsNotIdentified() {
        let ok = FitDiagnostics(logLikelihood: -1, iterations: 1, evaluations: 1, converged: true, method: "BFGS", failureReason: nil, customers: 3, rows: 3)
        #expect(ChurnModelSelection.identificationProblem(names: ["r", "α", "a", "b"], values: [1e12, 1e-12, 0.5, 1], standardErrors: nil, diagnostics: ok)
                == "parameter r ran off to infinity (1T): the data do not pin it down")
        // A failed optimiser's own words (gradient norms) never reach a reader.
        var failed = ok
        failed.converged = false; failed.failureReason = "the line search found no lower value (gradient 0.018554941430135703)"
        let reason = ChurnModelSelection.identificationProblem(names: ["r"], values: [0.5], standardErrors: [0.1], diagnostics: failed)!
        #expect(!reason.contains("gradient") && !reason.contains("0.0185"))
        #expect(ChurnModel.valueProblem(model: "BG/NBD", probabilityAlive: [0.5], expected: [[1], [2], [3e6]], lifetimeValue: [10])
                == "the BG/NBD fit is not identified: it expects 3M orders from one customer in a year; the data is too short or has too little repeat buying for the model. Widen the date range or the selection")
        #expect(ChurnModel.valueProblem(model: "BG/NBD", probabilityAlive: [0.5], expected: [[1], [2], [.infinity]], lifetimeValue: [10])?
                    .contains("expected orders are not finite") == true)
        #expect(ChurnModel.valueProblem(model: "BG/NBD", probabilityAlive: [0.5], expected: [[1], [2], [3]], lifetimeValue: [1e300])?
                    .contains("customer value is out of range") == true)
        #expect(ChurnModel.valueProblem(model: "BG/NBD", probabilityAlive: [0.5], expected: [[1], [2], [3]], lifetimeValue: [.nan]) == nil)
    }
}

@Suite struct SettingsRangeTests {
    func decode(_ json: String) -> String? {
        do { _ = try JSONDecoder().decode(RecommendationConfig.self, from: Data(json.utf8)); return nil } catch { return "\(error)" }
    }

    @Test func outOfRangeSettingsAreErrorsNotTraps() {
        #expect(decode(#"{"contact_cost": 1e30}"#)?.contains("contact cost 1e+30 is out of range") == true)
        #expect(decode(#"{"market_minimum_customers": 0}"#)?.contains("a setting is out of range") == true)
        #expect(decode(#"{"second_order_uplift_percent": 9223372036854775807}"#)?.contains("a setting is out of range") == true)
        #expect(decode(#"{"contact_cost": 2.5}"#) == nil)
    }
}


@Suite struct WideHeaderTests {
    /// More columns than the parser's default field table (512), with the mapped ones at the end.
    @Test func mappedColumnsBeyond512AreRead() throws {
        let names = (0..<600).map { "c\($0)" }
        var text = names.joined(separator: ",") + "\n"
        for (i, (customer, day)) in [("A", "2011-01-05"), ("B", "2011-02-05")].enumerated() {
            var fields = [String](repeating: "x", count: 600)
            fields[597] = "\(10 + i)"; fields[598] = day; fields[599] = customer
            text += fields.joined(separator: ",") + "\n"
        }
        let options = LoadOptions(mapping: try UserMapping(parsing: "customer=c599,timestamp=c598,revenue=c597"))
        let loaded = try OrderLineLoader.load(text: text, options: options)
        #expect(loaded.report.validLines == 2)
        let a = Analysis(lines: loaded.lines)
        #expect(a.kpis.totalRevenue == 210_000)
        #expect(a.table.id(0) == "A")
    }
}

@Suite struct LongFractionTests {
    /// More than 41 fraction digits: rounds to 0 money units (indexing the powers of ten with the scale trapped).
    @Test func longFractionsRoundToZero() throws {
        let tiny = "0." + String(repeating: "0", count: 60) + "1"
        #expect(ParsedDecimal.parse(tiny)?.moneyUnits == 0)
        #expect(ParsedDecimal.productInMoneyUnits(ParsedDecimal.parse("3")!, ParsedDecimal.parse(tiny)!) == 0)
        #expect(ParsedDecimal.parse("0." + String(repeating: "0", count: 50))?.moneyUnits == 0)
        let text = retailHeader + "1,A,X,1,2011-01-05 10:00,\(tiny),C1,France\n" + "2,A,X,1,2011-01-05 10:00,2,C1,France\n"
        let loaded = try OrderLineLoader.load(text: text)
        #expect(loaded.report.validLines == 2)
        #expect(Analysis(lines: loaded.lines).kpis.totalRevenue == 20_000)
    }
}

@Suite struct FitBudgetTests {
    /// 40 customers (in the calibration period) with fractional and negative quantities (a fuzzed file): the Pareto/NBD search ran away (over a
    /// minute in a release build, hypergeometric series of thousands of terms per customer and evaluation). The fit
    /// now stops at its evaluation budget and says so; `predict` finishes.
    @Test func paretoFitStopsAtItsEvaluationBudget() throws {
        let loaded = try OrderLineLoader.load(paths: [Fixture.path("pareto_runaway.csv")])
        let span = try #require(loaded.lines.daySpan)
        let end = span.lowerBound + (span.upperBound - span.lowerBound) * 3 / 4
        let summary = PurchaseSummary(lines: loaded.lines, calibrationEnd: end, holdoutEnd: span.upperBound, timeUnit: .weeks)
        let data = try PurchaseData(x: (0..<summary.count).map(summary.x), tx: (0..<summary.count).map(summary.tx), T: (0..<summary.count).map(summary.age))
        #expect(summary.count == 40)
        let fit = ParetoNBDModel.fit(data)
        #expect(!fit.diagnostics.converged)
        // Its search runs off beyond e^14 and is stopped after 400 evaluations (before the 4,000 budget).
        #expect(fit.diagnostics.failureReason == "stopped after 400 likelihood evaluations: a parameter is running off to the edge (not identified)")
        // An ordinary fit stays well inside the budget: the CDNOW sample still converges to the published values.
        let ok = ParetoNBDModel.fit(CDNOW.data)
        #expect(ok.diagnostics.converged)
        #expect(abs(ok.model.r - 0.553) < 0.001)
    }
}
