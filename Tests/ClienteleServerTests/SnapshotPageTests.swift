import ClienteleCore
@testable import ClienteleServer
import Foundation
import Synchronization
import Testing

/// Page builders on a snapshot, without a server or a store: a page is a function of the snapshot and the request.
@Suite struct SnapshotPageTests {
    /// The provider calls made so far.
    final class Calls: Sendable {
        private let list = Mutex<[String]>([])
        func add(_ s: String) { list.withLock { $0.append(s) } }
        var all: [String] { list.withLock { $0 } }
    }

    /// A snapshot of the small fixture whose providers count their calls.
    static func snapshot(_ filter: AnalysisFilter = .none, calls: Calls) throws -> Snapshot {
        let loaded = try OrderLineLoader.load(paths: [RouteTests.fixture])
        let dataset = Dataset(name: "small_retail.csv", source: "test", loaded: loaded)
        let current = try FilteredAnalysis(lines: dataset.lines, filter: filter, dataAsOf: dataset.asOf)
        let providers = Snapshot.Providers(
            analysis: { f in
                calls.add("analysis")
                return try? FilteredAnalysis(lines: dataset.lines, filter: f, dataAsOf: dataset.asOf)
            },
            churn: {
                calls.add("churn")
                return ChurnResult(analysis: dataset.base, lines: dataset.lines, horizonDays: 90, generation: 0)
            })
        return Snapshot(dataset: dataset, current: current, rules: RecommendationConfig(), modelsPending: false, providers: providers)
    }

    @Test func pagesReadTheSnapshotOnly() throws {
        let calls = Calls()
        let s = try Self.snapshot(calls: calls)
        let ctx = PageContext(snapshot: s, request: PageRequest(filter: .none))
        // Home and Data quality need nothing lazy.
        let home = HomePage.build(ctx)
        #expect(home.kpis.first { $0.key == "customers" }?.value == "7")
        #expect(DataQualityPage.build(ctx).kpis.first { $0.key == "valid_lines" }?.value == DisplayFormat.integer(s.dataset.report.validLines))
        #expect(calls.all.isEmpty)
        // The actions page asks for the churn result once, and lists the snapshot's recommendations.
        let actions = RecommendationsPage.build(ctx)
        let ids = actions.tables.first { $0.id == "actions" }?.rows.map { row -> String in
            if case .text(let t) = row[1] { return t } else { return "" }
        }
        #expect(ids == s.recommendations.map { $0.id })
        _ = RecommendationsPage.build(ctx)
        #expect(calls.all == ["churn"])
        // The overview computes the previous period (none before the data) and the recent trend once each.
        _ = OverviewPage.build(ctx)
        _ = OverviewPage.build(ctx)
        #expect(s.previous.map { _ in true } == nil)
        let after = calls.all
        #expect(after.filter { $0 == "churn" }.count == 1)
        #expect(after.filter { $0 == "analysis" }.count <= 2)   // the recent trend's two periods, computed once
    }

    @Test func modelsPendingMeansNoChurnAndNoProviderCall() throws {
        let calls = Calls()
        let base = try Self.snapshot(calls: calls)
        let pending = Snapshot(dataset: base.dataset, current: base.current, rules: base.rules, modelsPending: true,
                               providers: .init(analysis: { _ in nil }, churn: { calls.add("churn"); return nil }))
        #expect(pending.churn == nil)
        let page = ChurnPage.build(PageContext(snapshot: pending, request: PageRequest(filter: .none)))
        #expect(page.insights.contains(PredictiveSections.pendingInsight))
        #expect(calls.all.isEmpty)
    }
}
