import Foundation

/// Deterministic, realistic demo order lines in the Online Retail II layout
/// (`Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country`).
///
/// The simulation follows the buy-till-you-die story of BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers
/// the Easy Way", section 2): while active, a customer buys with a Poisson rate lambda ~ Gamma(r, alpha), modulated by
/// a seasonal and weekday profile (thinning of a non-homogeneous Poisson process); after every repeat purchase the
/// customer drops out for good with probability p ~ Beta(a, b). Customers arrive over the whole span (more in
/// October-December, fewer in summer, plus a larger first cohort standing for customers who bought before the span),
/// so cohorts show a realistic retention decay.
///
/// On top of that: guest invoices (about 20% of invoices, empty Customer ID), cancellations (about 2% of invoices,
/// `C`-prefixed, negative quantities of products from the customer's earlier invoice), multi-line invoices (1-30
/// lines), a catalogue of a few thousand StockCodes with descriptions (a few need RFC-4180 quoting), weighted
/// countries, and about 0.1% invalid lines (price 0, quantity 0, unparseable date or quantity) for the data-quality
/// report.
///
/// A ``DemoProfile`` chooses the parameters (``Parameters``): `retail` is the generator described above, unchanged
/// byte for byte; `wholesale` imitates the UCI Online Retail II export (a home market with ~90% of customers, large
/// accounts abroad, data starting mid-history, several invoices of a customer on one day, non-product lines `M`,
/// `BANK CHARGES`, `AMAZONFEE` and `B`, free items, IDs written `17850.0`); `high-churn` makes 70% of customers stop
/// for good after each order. Every profile uses the same random numbers and calendar below.
///
/// The days are simulated one after the other, so the lines come out in chronological order with increasing
/// invoice numbers; only the invoice plan (a few bytes per invoice) is kept in memory, and the lines are written
/// straight into a byte buffer that is handed to the sink in chunks of about 1 MB. The output depends only on the
/// seed, the profile, the span and the number of lines: the same arguments always give byte-identical output.
public struct DemoDataGenerator: Sendable {
    public let seed: UInt64
    /// The kind of store imitated; `retail` is the original generator (see ``DemoProfile``).
    public let profile: DemoProfile
    let parameters: Parameters
    public let startYear: Int
    public let startMonth: Int
    public let startDay: Int
    /// Length of the span in days; every timestamp lies in `start ..< start + days`.
    public let days: Int

    /// The header line, without its line feed.
    public static let header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"
    /// Size at which a chunk is handed to the sink (a chunk may exceed it by at most one line).
    public static let chunkSize = 1 << 20
    /// Lines per distinct customer the simulation aims at (about 49k customers per 1M lines).
    public static let linesPerCustomer = 20.4

    public init(seed: UInt64 = 42, profile: DemoProfile = .retail, start: (year: Int, month: Int, day: Int) = (2009, 12, 1),
                days: Int = 730) {
        self.seed = seed
        self.profile = profile
        self.parameters = Parameters.of(profile)
        self.startYear = start.year
        self.startMonth = start.month
        self.startDay = start.day
        self.days = max(1, days)
    }

    /// Writes a header line plus exactly `lines` data lines of Online Retail II CSV to `sink`, in chunks (~1 MB each),
    /// in chronological order.
    public func write(lines: Int, to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let target = max(0, lines)
        let plan = target > 0 ? makePlan(lines: target) : nil
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize + Self.lineSlack)
        try buffer.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            var cur = base
            for byte in Self.header.utf8 { cur.pointee = byte; cur += 1 }
            cur.pointee = 10; cur += 1
            if let plan {
                try emit(plan, base: base, cursor: &cur, sink: sink)
            }
            if cur > base {
                try sink(UnsafeRawBufferPointer(start: base, count: cur - base))
            }
        }
    }

    /// Convenience: the whole output as bytes (for tests and small samples).
    public func bytes(lines: Int) -> [UInt8] {
        var result: [UInt8] = []
        write(lines: lines) { result.append(contentsOf: $0) }
        return result
    }

    // MARK: - Model parameters

    /// Upper bound of the bytes of one line beyond the chunk size (descriptions are short; checked when built).
    static let lineSlack = 4096
    /// The simulation's rates are a profile's ``Parameters``.
    static let firstInvoiceNumber = 489_434

    // MARK: - Plan (pass 1)

    struct Event {
        var customer: Int32   // -1 for a guest
        var ref: Int32        // cancellations: index of the cancelled invoice; else -1
        var day: Int32
        var minute: UInt16
        var lines: UInt8
        var kind: UInt8       // 0 customer invoice, 1 guest invoice, 2 cancellation, 3 non-product line (ref: Special)
    }

    struct CustomerInfo {
        var id: UInt32
        var country: UInt8
        var level: UInt8
    }

    struct Plan {
        var events: [Event]
        var customers: [CustomerInfo]
        var catalogue: Catalogue
        var dayText: [UInt8]      // 10 bytes "YYYY-MM-DD" per day
        var dayTable: [UInt8]     // popularity table (0 regular, 1 Christmas season) per day
        var firstInvoice: Int
        var countries: [[UInt8]]
        var ukIndex: Int
    }

    struct SimCustomer {
        var t: Double
        var rate: Double
        var dropout: Double
        var basket: Double
        var purchases: Int32
        var last: Int32
    }

    func makePlan(lines target: Int) -> Plan {
        let startNumber = Self.daysFromCivil(startYear, startMonth, startDay)
        var dayText = [UInt8](repeating: 0, count: days * 10)
        var dayTable = [UInt8](repeating: 0, count: days)
        var weight = [Double](repeating: 0, count: days)
        for d in 0..<days {
            let (y, m, dd) = Self.civilFromDays(startNumber + d)
            Self.writeDate(y, m, dd, into: &dayText, at: d * 10)
            dayTable[d] = m >= 9 ? 1 : 0
            weight[d] = Self.dayWeight(day: startNumber + d)
        }
        // Normalise by the mean weight of a reference year, so that rates mean "per average day".
        var reference = 0.0
        let ref0 = Self.daysFromCivil(2010, 1, 1)
        for d in 0..<365 { reference += Self.dayWeight(day: ref0 + d) }
        reference /= 365
        var wmax = 0.0
        for d in 0..<days { weight[d] /= reference; wmax = max(wmax, weight[d]) }

        // Arrival profile: the seasonal weight, plus a first cohort standing for earlier customers.
        var arrivalCumulative = [Double](repeating: 0, count: days)
        var acc = 0.0
        for d in 0..<days {
            acc += weight[d] * (1 + parameters.arrivalBoost * Foundation.exp(-Double(d) / parameters.arrivalDecayDays))
            arrivalCumulative[d] = acc
        }

        var customers = max(1, Int((Double(target) / parameters.linesPerCustomer).rounded()))
        var sim: (events: [Event], info: [CustomerInfo])
        while true {
            sim = simulate(customers: customers, weight: weight, wmax: wmax, arrivalCumulative: arrivalCumulative)
            var total = 0
            var room = 0
            for e in sim.events { total += Int(e.lines); if e.kind != 3 { room += 30 - Int(e.lines) } }
            if total >= target || total + room >= target { break }
            customers = max(customers * 2, target / 30 + 1)
        }
        var events = sim.events
        adjust(&events, to: target)

        let invoices = events.count
        var first = Self.firstInvoiceNumber
        if first + invoices - 1 > 999_999 {
            first = invoices <= 900_000 ? 999_999 - invoices + 1 : 100_000
        }
        let (countries, uk) = Self.countryBytes(parameters.countryWeights)
        return Plan(events: events, customers: sim.info, catalogue: Catalogue(seed: seed),
                    dayText: dayText, dayTable: dayTable, firstInvoice: first, countries: countries, ukIndex: uk)
    }

    /// Simulates the customers day by day and returns the chronological invoice plan.
    func simulate(customers n: Int, weight: [Double], wmax: Double, arrivalCumulative: [Double])
        -> (events: [Event], info: [CustomerInfo]) {
        var rng = Xoshiro256(seed: seed)
        let P = parameters
        let countryCumulative = Self.countryCumulative(P.countryWeights)
        let uk = Self.countryBytes(P.countryWeights).1
        var info = [CustomerInfo]()
        info.reserveCapacity(n)
        var state = [SimCustomer]()
        state.reserveCapacity(n)
        var buckets = [[UInt32]](repeating: [], count: days)
        let ids = Self.customerIDs(count: n, seed: seed)
        let totalArrival = arrivalCumulative[days - 1]
        for c in 0..<n {
            // Arrival day by inverse CDF.
            let x = rng.uniform() * totalArrival
            var lo = 0, hi = days - 1
            while lo < hi {
                let mid = (lo + hi) >> 1
                if arrivalCumulative[mid] > x { hi = mid } else { lo = mid + 1 }
            }
            let rate = rng.gamma(P.rateShape) * P.rateScale
            let dropout = P.fixedDropout ?? rng.beta(P.dropoutA, P.dropoutB)
            var basket = 2 + rng.gamma(1.6) * 2.5
            let u = rng.uniform()
            var level: UInt8 = u < 0.65 ? 0 : (u < 0.92 ? 1 : 2)
            let cu = rng.below(countryCumulative.last!)
            var country = 0
            while countryCumulative[country] <= cu { country += 1 }
            if P.largeForeignAccounts && country != uk {
                level = 3
                basket *= 1.6
            }
            state.append(SimCustomer(t: Double(lo) + rng.uniform(), rate: rate, dropout: dropout, basket: basket,
                                     purchases: 0, last: -1))
            info.append(CustomerInfo(id: ids(c), country: UInt8(country), level: level))
            buckets[lo].append(UInt32(c) << 1)
        }

        var events = [Event]()
        events.reserveCapacity(Int(Double(n) * 4.5))
        var minutes = [UInt16]()
        let hourTable = Self.hourTable()
        for d in 0..<days {
            var list = buckets[d]
            buckets[d] = []
            if list.count > 1 {
                for i in stride(from: list.count - 1, to: 0, by: -1) {
                    list.swapAt(i, rng.below(i + 1))
                }
            }
            let dayStart = events.count
            let accept = weight[d] / wmax
            for entry in list {
                let c = Int(entry >> 1)
                if entry & 1 == 1 {
                    // A cancellation of (part of) the customer's latest invoice.
                    let ref = state[c].last
                    let refLines = Int(events[Int(ref)].lines)
                    let u = rng.uniform()
                    let k = u < 0.65 ? 1 : (u < 0.85 ? 2 : 3 + rng.below(4))
                    events.append(Event(customer: Int32(c), ref: ref, day: Int32(d), minute: 0,
                                        lines: UInt8(min(k, refLines)), kind: 2))
                    continue
                }
                let repeatPurchase = state[c].purchases > 0
                if repeatPurchase && rng.uniform() >= accept {
                    schedule(c, after: d, wmax: wmax, state: &state, buckets: &buckets, rng: &rng)
                    continue
                }
                let lines = min(30, 1 + Int(rng.exponential() * (state[c].basket - 1)))
                let index = Int32(events.count)
                events.append(Event(customer: Int32(c), ref: -1, day: Int32(d), minute: 0, lines: UInt8(lines), kind: 0))
                state[c].purchases += 1
                state[c].last = index
                if rng.uniform() < P.guestPerPurchase {
                    let g = min(30, 1 + Int(rng.exponential() * 2.5))
                    events.append(Event(customer: -1, ref: -1, day: Int32(d), minute: 0, lines: UInt8(g), kind: 1))
                }
                if rng.uniform() < P.cancelProbability {
                    if rng.uniform() < 0.4 {
                        let u = rng.uniform()
                        let k = u < 0.65 ? 1 : (u < 0.85 ? 2 : 3 + rng.below(4))
                        events.append(Event(customer: Int32(c), ref: index, day: Int32(d), minute: 0,
                                            lines: UInt8(min(k, lines)), kind: 2))
                    } else {
                        let cd = d + 1 + Int(rng.exponential() * 6)
                        if cd < days { buckets[cd].append(UInt32(c) << 1 | 1) }
                    }
                }
                if P.sameDayRepeat > 0 && rng.uniform() < P.sameDayRepeat {
                    // Another invoice of the same customer later on the same day (an addition to the order).
                    let extra = min(30, 1 + Int(rng.exponential() * (state[c].basket - 1) * 0.5))
                    events.append(Event(customer: Int32(c), ref: -1, day: Int32(d), minute: 0, lines: UInt8(extra), kind: 0))
                }
                if P.hasSpecials {
                    appendSpecials(customer: c, foreign: Int(info[c].country) != uk, day: d, events: &events, rng: &rng)
                }
                if (repeatPurchase || P.fixedDropout != nil) && rng.uniform() < state[c].dropout { continue }   // dropped out for good
                schedule(c, after: d, wmax: wmax, state: &state, buckets: &buckets, rng: &rng)
            }
            // Times of day: sorted, so that invoice numbers and timestamps increase together.
            let k = events.count - dayStart
            if k > 0 {
                minutes.removeAll(keepingCapacity: true)
                for _ in 0..<k {
                    let hour = Int(hourTable[rng.below(hourTable.count)])
                    minutes.append(UInt16(hour * 60 + rng.below(60)))
                }
                minutes.sort()
                for i in 0..<k { events[dayStart + i].minute = minutes[i] }
            }
        }
        return (events, info)
    }

    /// Non-product lines around a customer invoice (profiles with ``Parameters/hasSpecials``), one line each.
    func appendSpecials(customer c: Int, foreign: Bool, day d: Int, events: inout [Event], rng: inout Xoshiro256) {
        let P = parameters
        func add(_ special: Special, _ customer: Int) {
            events.append(Event(customer: Int32(customer), ref: special.rawValue, day: Int32(d), minute: 0, lines: 1, kind: 3))
        }
        if rng.uniform() < P.manualRate { add(rng.uniform() < 0.5 ? .manualPlus : .manualMinus, c) }
        if foreign && rng.uniform() < P.bankChargeRate { add(.bankCharges, c) }
        if rng.uniform() < P.amazonFeeRate { add(.amazonFee, -1) }
        if rng.uniform() < P.badDebtRate { add(.badDebt, -1) }
    }

    @inline(__always)
    func schedule(_ c: Int, after d: Int, wmax: Double, state: inout [SimCustomer], buckets: inout [[UInt32]],
                  rng: inout Xoshiro256) {
        var t = state[c].t + rng.exponential() / (state[c].rate * wmax)
        var next = t < Double(days) ? Int(t) : days
        if next <= d { next = d + 1; t = Double(next) }
        state[c].t = t
        if next < days { buckets[next].append(UInt32(c) << 1) }
    }

    /// Makes the line counts add up to exactly `target`, changing as little as possible.
    func adjust(_ events: inout [Event], to target: Int) {
        var total = 0
        for e in events { total += Int(e.lines) }
        var rng = Xoshiro256(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        let n = events.count
        if total < target {
            var missing = target - total
            var attempts = 8 * missing + 100
            while missing > 0 && attempts > 0 {
                attempts -= 1
                let i = rng.below(n)
                if events[i].kind < 2 && events[i].lines < 30 { events[i].lines += 1; missing -= 1 }
            }
            var i = 0
            while missing > 0 && i < n {
                if events[i].kind == 3 { i += 1; continue }
                let add = min(missing, 30 - Int(events[i].lines))
                events[i].lines += UInt8(add)
                missing -= add
                i += 1
            }
            precondition(missing == 0, "DemoDataGenerator: not enough invoices for the requested lines")
        } else if total > target {
            var excess = total - target
            var attempts = 8 * excess + 100
            while excess > 0 && attempts > 0 {
                attempts -= 1
                let i = rng.below(n)
                if events[i].kind < 2 && events[i].lines > 1 { events[i].lines -= 1; excess -= 1 }
            }
            var i = n - 1
            while excess > 0 && i >= 0 {
                let cut = min(excess, Int(events[i].lines) - 1)
                events[i].lines -= UInt8(cut)
                excess -= cut
                i -= 1
            }
            // Only for tiny outputs: every invoice has one line now; drop the latest ones. Cancellations refer to
            // earlier invoices only, so the remaining ones stay consistent.
            if excess > 0 { events.removeLast(excess) }
        }
    }

    // MARK: - Lines (pass 2)

    struct LineItem {
        var product: Int
        var quantity: Int
        var cents: Int
    }

    func emit(_ plan: Plan, base: UnsafeMutablePointer<UInt8>, cursor: inout UnsafeMutablePointer<UInt8>,
              sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let cat = plan.catalogue
        var rng = Xoshiro256(seed: seed ^ 0x0123_4567_89AB_CDEF)
        var prefix = [UInt8](repeating: 0, count: 32)
        var stamp = [UInt8](repeating: 0, count: 19)
        var suffix = [UInt8](repeating: 0, count: 64)
        let P = parameters
        let invalidThreshold = UInt64(Double(UInt64.max) * P.invalidProbability)
        var cur = cursor
        defer { cursor = cur }
        let limit = base + Self.chunkSize
        let countryCumulative = Self.countryCumulative(P.countryWeights)
        try cat.bytes.withUnsafeBufferPointer { productBytes in
            let pb = productBytes.baseAddress!
            for ei in 0..<plan.events.count {
                let e = plan.events[ei]
                if e.kind == 3 {
                    writeSpecial(e, index: ei, plan: plan, productBytes: pb, cursor: &cur)
                    if cur >= limit {
                        try sink(UnsafeRawBufferPointer(start: base, count: cur - base))
                        cur = base
                    }
                    continue
                }
                // Invoice field.
                var pn = 0
                if e.kind == 2 { prefix[0] = UInt8(ascii: "C"); pn = 1 }
                pn = Self.putDigits(plan.firstInvoice + ei, into: &prefix, at: pn)
                prefix[pn] = UInt8(ascii: ","); pn += 1
                // Timestamp.
                stamp.withUnsafeMutableBufferPointer { Self.putTimestamp(e, plan.dayText, $0.baseAddress!) }
                // Customer and country.
                var sn = 0
                suffix[sn] = UInt8(ascii: ","); sn += 1
                let guest = e.kind == 1
                let invoiceSeed = Self.invoiceSeed(seed, ei)
                var country: Int
                var level = 0
                if guest {
                    country = Self.pickCountry(invoiceSeed, countryCumulative)
                } else {
                    let ci = plan.customers[Int(e.customer)]
                    sn = Self.putDigits(Int(ci.id), into: &suffix, at: sn)
                    for b in P.idSuffix { suffix[sn] = b; sn += 1 }
                    country = Int(ci.country)
                    level = Int(ci.level)
                }
                suffix[sn] = UInt8(ascii: ","); sn += 1
                for b in plan.countries[country] { suffix[sn] = b; sn += 1 }
                suffix[sn] = 10; sn += 1
                let foreign = country != plan.ukIndex

                // The cancelled invoice, for cancellations.
                var sourceSeed = invoiceSeed
                var sourceIndex = ei
                var sourceLines = Int(e.lines)
                var offset = 0
                if e.kind == 2 {
                    sourceIndex = Int(e.ref)
                    sourceSeed = Self.invoiceSeed(seed, sourceIndex)
                    sourceLines = Int(plan.events[sourceIndex].lines)
                    offset = rng.below(sourceLines)
                }
                let table = Int(plan.dayTable[Int(plan.events[sourceIndex].day)])
                let postage = !guest && foreign && (sourceSeed >> 40) % 10 < 6

                for k in 0..<Int(e.lines) {
                    let j = e.kind == 2 ? (offset + k) % sourceLines : k
                    var item = cat.item(invoiceSeed: sourceSeed, line: j, table: table, postage: postage,
                                        guest: guest, level: level)
                    if e.kind == 2 {
                        var q = item.quantity
                        if q > 1 && rng.uniform() < 0.3 { q = max(1, q / 2) }
                        item.quantity = -q
                    }
                    var invalid = -1
                    if rng.next() < invalidThreshold { invalid = rng.below(20) }
                    if P.zeroPriceProbability > 0 && e.kind == 0 && rng.uniform() < P.zeroPriceProbability { item.cents = 0 }
                    // Invoice, StockCode, Description.
                    prefix.withUnsafeBufferPointer { cur.update(from: $0.baseAddress!, count: pn) }
                    cur += pn
                    let o = Int(cat.offsets[item.product]), len = Int(cat.offsets[item.product + 1]) - o
                    cur.update(from: pb + o, count: len)
                    cur += len
                    // Quantity.
                    if invalid >= 9 && invalid < 13 {
                        cur.pointee = 48; cur += 1
                    } else if invalid >= 13 && invalid < 17 {
                        cur[0] = UInt8(ascii: "a"); cur[1] = UInt8(ascii: "b"); cur[2] = UInt8(ascii: "c"); cur += 3
                    } else {
                        Self.putSigned(item.quantity, &cur)
                    }
                    cur.pointee = UInt8(ascii: ","); cur += 1
                    // InvoiceDate.
                    if invalid >= 17 {
                        cur[0] = UInt8(ascii: "N"); cur[1] = UInt8(ascii: "/"); cur[2] = UInt8(ascii: "A"); cur += 3
                    } else {
                        stamp.withUnsafeBufferPointer { cur.update(from: $0.baseAddress!, count: 19) }
                        cur += 19
                    }
                    cur.pointee = UInt8(ascii: ","); cur += 1
                    // Price.
                    Self.putCents(invalid >= 0 && invalid < 9 ? 0 : item.cents, &cur)
                    // Customer ID, Country, line feed.
                    suffix.withUnsafeBufferPointer { cur.update(from: $0.baseAddress!, count: sn) }
                    cur += sn
                    if cur >= limit {
                        try sink(UnsafeRawBufferPointer(start: base, count: cur - base))
                        cur = base
                    }
                }
            }
        }
    }

    /// Writes the one line of a non-product invoice (kind 3), modelled on Online Retail II:
    /// `M,Manual` (quantity 1, or -1 on a `C` invoice), `BANK CHARGES,Bank Charges,1,...,15.00`,
    /// `C...,AMAZONFEE,AMAZON FEE,-1` with a large price and no customer, and `A...,B,Adjust bad debt,1` with a large
    /// negative price and no customer.
    func writeSpecial(_ e: Event, index ei: Int, plan: Plan, productBytes pb: UnsafePointer<UInt8>,
                      cursor cur: inout UnsafeMutablePointer<UInt8>) {
        let special = Special(rawValue: e.ref)!
        var r = SplitMix64(seed: Self.invoiceSeed(seed, ei))
        let quantity: Int
        let cents: Int
        var prefix: UInt8? = nil
        switch special {
        case .manualPlus, .manualMinus:
            // Log-normal: a median of 4.00, now and then a few hundred.
            cents = min(2_000_000, max(1, Int(Foundation.exp(Foundation.log(400.0) + 1.4 * r.normal()).rounded())))
            quantity = special == .manualPlus ? 1 : -1
            if special == .manualMinus { prefix = UInt8(ascii: "C") }
        case .bankCharges:
            quantity = 1
            cents = 1_500
        case .amazonFee:
            quantity = -1
            cents = 100_000 + Int(r.next() % 1_400_000)
            prefix = UInt8(ascii: "C")
        case .badDebt:
            quantity = 1
            cents = -(100_000 + Int(r.next() % 1_100_000))
            prefix = UInt8(ascii: "A")
        }
        if let prefix { cur.pointee = prefix; cur += 1 }
        Self.putUnsigned(plan.firstInvoice + ei, &cur)
        cur.pointee = UInt8(ascii: ","); cur += 1
        let product = Catalogue.productCount + Int(special.rawValue)
        let o = Int(plan.catalogue.offsets[product]), len = Int(plan.catalogue.offsets[product + 1]) - o
        cur.update(from: pb + o, count: len)
        cur += len
        Self.putSigned(quantity, &cur)
        cur.pointee = UInt8(ascii: ","); cur += 1
        Self.putTimestamp(e, plan.dayText, cur)
        cur += 19
        cur.pointee = UInt8(ascii: ","); cur += 1
        if cents < 0 { cur.pointee = UInt8(ascii: "-"); cur += 1 }
        Self.putCents(abs(cents), &cur)
        cur.pointee = UInt8(ascii: ","); cur += 1
        var country = plan.ukIndex
        if e.customer >= 0 {
            let ci = plan.customers[Int(e.customer)]
            Self.putUnsigned(Int(ci.id), &cur)
            for b in parameters.idSuffix { cur.pointee = b; cur += 1 }
            country = Int(ci.country)
        }
        cur.pointee = UInt8(ascii: ","); cur += 1
        for b in plan.countries[country] { cur.pointee = b; cur += 1 }
        cur.pointee = 10; cur += 1
    }

    /// Writes the 19 bytes `YYYY-MM-DD HH:MM:00` of an event's day and minute at `p`.
    @inline(__always)
    static func putTimestamp(_ e: Event, _ dayText: [UInt8], _ p: UnsafeMutablePointer<UInt8>) {
        let day = Int(e.day)
        for i in 0..<10 { p[i] = dayText[day * 10 + i] }
        let hh = Int(e.minute) / 60, mm = Int(e.minute) % 60
        p[10] = 32
        p[11] = UInt8(48 + hh / 10); p[12] = UInt8(48 + hh % 10); p[13] = UInt8(ascii: ":")
        p[14] = UInt8(48 + mm / 10); p[15] = UInt8(48 + mm % 10); p[16] = UInt8(ascii: ":")
        p[17] = 48; p[18] = 48
    }

    @inline(__always)
    static func invoiceSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        SplitMix64.mix(seed &+ 0x6A09_E667_F3BC_C909 &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    }

    static func pickCountry(_ invoiceSeed: UInt64, _ cumulative: [Int]) -> Int {
        let u = Int((invoiceSeed >> 20) % UInt64(cumulative.last!))
        var i = 0
        while cumulative[i] <= u { i += 1 }
        return i
    }

    // MARK: - Calendar (the one civil calendar, ``CivilDate``)

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int { CivilDate.dayNumber(year: year, month: month, day: day) }
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) { CivilDate.civil(days) }

    /// 0 = Monday ... 6 = Sunday.
    static func weekday(_ days: Int) -> Int {
        let r = (days + 3) % 7
        return r < 0 ? r + 7 : r
    }

    static let monthWeights: [Double] = [0.80, 0.78, 0.95, 0.85, 0.92, 0.80, 0.75, 0.74, 1.10, 1.30, 1.62, 1.45]
    static let weekdayWeights: [Double] = [1.00, 1.10, 1.05, 1.20, 0.85, 0.08, 0.70]

    /// Relative activity of a calendar day: month, weekday, and the Christmas closure (23 Dec - 3 Jan).
    static func dayWeight(day: Int) -> Double {
        let (_, m, d) = civilFromDays(day)
        var w = monthWeights[m - 1] * weekdayWeights[weekday(day)]
        if (m == 12 && d >= 23) || (m == 1 && d <= 3) { w *= 0.03 }
        return w
    }

    /// Hours of the day weighted like a shop's order times (mostly 8:00-17:00, peak at noon).
    static func hourTable() -> [UInt8] {
        let weights: [(UInt8, Int)] = [(7, 1), (8, 6), (9, 12), (10, 18), (11, 22), (12, 26), (13, 24), (14, 21),
                                       (15, 18), (16, 10), (17, 5), (18, 2), (19, 2), (20, 1)]
        var table = [UInt8]()
        for (h, w) in weights { table.append(contentsOf: repeatElement(h, count: w)) }
        return table
    }

    static func writeDate(_ y: Int, _ m: Int, _ d: Int, into out: inout [UInt8], at i: Int) {
        let yy = min(max(y, 0), 9999)
        out[i] = UInt8(48 + yy / 1000); out[i + 1] = UInt8(48 + yy / 100 % 10)
        out[i + 2] = UInt8(48 + yy / 10 % 10); out[i + 3] = UInt8(48 + yy % 10)
        out[i + 4] = UInt8(ascii: "-")
        out[i + 5] = UInt8(48 + m / 10); out[i + 6] = UInt8(48 + m % 10)
        out[i + 7] = UInt8(ascii: "-")
        out[i + 8] = UInt8(48 + d / 10); out[i + 9] = UInt8(48 + d % 10)
    }

    // MARK: - Digits

    @inline(__always)
    static func putDigits(_ value: Int, into out: inout [UInt8], at start: Int) -> Int {
        var n = value, count = 1, t = value
        while t >= 10 { t /= 10; count += 1 }
        var i = start + count
        repeat { i -= 1; out[i] = UInt8(truncatingIfNeeded: 48 + n % 10); n /= 10 } while n > 0
        return start + count
    }

    @inline(__always)
    static func putUnsigned(_ value: Int, _ p: inout UnsafeMutablePointer<UInt8>) {
        var n = value, count = 1, t = value
        while t >= 10 { t /= 10; count += 1 }
        var q = p + count
        repeat { q -= 1; q.pointee = UInt8(truncatingIfNeeded: 48 + n % 10); n /= 10 } while n > 0
        p += count
    }

    @inline(__always)
    static func putSigned(_ value: Int, _ p: inout UnsafeMutablePointer<UInt8>) {
        if value < 0 {
            p.pointee = UInt8(ascii: "-"); p += 1
            putUnsigned(-value, &p)
        } else {
            putUnsigned(value, &p)
        }
    }

    /// Writes cents as a decimal with two places: 255 -> `2.55`, 0 -> `0.00`.
    @inline(__always)
    static func putCents(_ cents: Int, _ p: inout UnsafeMutablePointer<UInt8>) {
        putUnsigned(cents / 100, &p)
        let r = cents % 100
        p[0] = UInt8(ascii: ".")
        p[1] = UInt8(truncatingIfNeeded: 48 + r / 10)
        p[2] = UInt8(truncatingIfNeeded: 48 + r % 10)
        p += 3
    }

    // MARK: - Customers and countries

    static let countryWeights: [(String, Int)] = [
        ("United Kingdom", 8500), ("Germany", 260), ("France", 230), ("EIRE", 190), ("Netherlands", 90),
        ("Spain", 80), ("Belgium", 75), ("Switzerland", 65), ("Portugal", 60), ("Australia", 50), ("Italy", 45),
        ("Norway", 35), ("Sweden", 35), ("Channel Islands", 30), ("Finland", 25), ("Austria", 25), ("Denmark", 25),
        ("Cyprus", 20), ("Japan", 20), ("Poland", 20), ("USA", 20), ("Greece", 15), ("Israel", 15),
        ("Singapore", 10), ("Iceland", 10), ("Canada", 10), ("Malta", 10), ("United Arab Emirates", 10),
        ("Unspecified", 10), ("Lithuania", 5), ("Brazil", 5), ("RSA", 5), ("Bahrain", 5),
    ]

    static func countryCumulative(_ weights: [(String, Int)] = countryWeights) -> [Int] {
        var acc = 0
        return weights.map { acc += $0.1; return acc }
    }

    static func countryBytes(_ weights: [(String, Int)] = countryWeights) -> ([[UInt8]], Int) {
        (weights.map { Array($0.0.utf8) }, weights.firstIndex { $0.0 == "United Kingdom" }!)
    }

    /// A bijection from customer index to customer ID: 5-digit IDs from 12346 while they suffice, else the smallest
    /// number of digits that has room.
    static func customerIDs(count n: Int, seed: UInt64) -> (Int) -> UInt32 {
        var base = 12_346, space = 100_000 - 12_346
        if n > space {
            base = 100_000; space = 900_000
            while n > space { base *= 10; space *= 10 }
        }
        var mixer = SplitMix64(seed: seed ^ 0xC0FF_EE00_1234_5678)
        var a = Int(Double(space) * (0.3 + 0.4 * Double(mixer.next() >> 11) * 0x1p-53)) | 1
        func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
        while gcd(a, space) != 1 { a += 2 }
        let c = Int(mixer.next() % UInt64(space))
        let (b, s, m) = (base, space, a)
        return { i in UInt32(b + (m * i + c) % s) }
    }
}
