/// Guesses a column mapping (``UserMapping``) for a CSV whose header is not a built-in layout, from the column names
/// and the first rows' values: dates that parse, numbers, e-mail addresses, order ids that repeat over an order's
/// lines. Pure: the same header and rows give the same guess. The upload's mapping form shows the guesses for
/// confirmation, and the command line's error for an unknown layout suggests them as `--map` text.
public enum ColumnGuesser {
    /// One field's guess: the column chosen and why, as a sentence for the user.
    public struct Choice: Sendable, Equatable {
        public var field: String
        public var column: String
        public var reason: String
    }

    public struct Guess: Sendable, Equatable {
        /// In the order of ``UserMapping/fields``.
        public var choices: [Choice]

        public func column(_ field: String) -> String? { choices.first { $0.field == field }?.column }
        public func reason(_ field: String) -> String? { choices.first { $0.field == field }?.reason }

        /// The guess as a mapping, when it has the required fields.
        public var mapping: UserMapping? {
            try? UserMapping(columns: Dictionary(uniqueKeysWithValues: choices.map { ($0.field, $0.column) }))
        }

        /// `customer=Email,timestamp=Created at,...` (the `--map` text).
        public var mapText: String { choices.map { "\($0.field)=\($0.column)" }.joined(separator: ",") }
    }

    /// What the first rows of one column look like.
    struct Profile {
        let index: Int
        let name: String
        /// Lower-case letters and digits of the name only ("Lineitem quantity" -> "lineitemquantity").
        let key: String
        let values: [String]          // non-empty values, trimmed
        let distinct: Int
        let dates: Int
        let numbers: Int
        let integers: Int
        let emails: Int
        let hashIDs: Int              // like #1001
        let codes3: Int               // three letters (currency codes)
        var filled: Int { values.count }
        func share(_ n: Int) -> Double { filled == 0 ? 0 : Double(n) / Double(filled) }
    }

    /// Guesses the mapping of a file with this header and these first rows (rows of another length are ignored).
    public static func guess(header: [String], rows: [[String]], dayFirst: Bool = false) -> Guess {
        let parser = TimestampParser(dayFirst: dayFirst)
        let rows = rows.filter { $0.count == header.count }
        let profiles = header.indices.map { i -> Profile in
            let values = rows.map { $0[i].trimmingASCIISpaces() }.filter { !$0.isEmpty }
            return Profile(index: i, name: header[i].trimmingASCIISpaces(),
                           key: String(header[i].lowercased().unicodeScalars.filter { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }),
                           values: values, distinct: Set(values).count,
                           dates: values.filter { parser.parseDay($0) != nil }.count,
                           numbers: values.filter { ParsedDecimal.parse($0) != nil }.count,
                           integers: values.filter { v in ParsedDecimal.parse(v).map { $0.scale == 0 || $0.mantissa % pow10($0.scale) == 0 } ?? false }.count,
                           emails: values.filter { v in
                               let parts = v.split(separator: "@", omittingEmptySubsequences: false)
                               return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !v.contains(" ")
                           }.count,
                           hashIDs: values.filter { $0.hasPrefix("#") && $0.count > 1 && $0.dropFirst().allSatisfy(\.isNumber) }.count,
                           codes3: values.filter { CurrencyCode($0) != nil }.count)
        }
        var used = Set<Int>()
        var choices: [String: Choice] = [:]
        func pick(_ field: String, _ score: (Profile) -> (Double, String)?) {
            var best: (Profile, Double, String)?
            for p in profiles where !used.contains(p.index) && p.filled > 0 {
                guard let (s, why) = score(p), s > 0 else { continue }
                if s > (best?.1 ?? 0) { best = (p, s, why) }
            }
            guard let (p, _, why) = best else { return }
            used.insert(p.index)
            choices[field] = Choice(field: field, column: p.name, reason: "\(field): \(p.name) — \(why)")
        }
        func has(_ key: String, _ words: [String]) -> Bool { words.contains { key.contains($0) } }
        func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

        // Date: values must read as dates; order dates before other dates (paid, fulfilled, cancelled...).
        pick("timestamp") { p in
            guard p.share(p.dates) >= 0.8 else { return nil }
            let exact = ["createdat", "orderdate", "date", "timestamp", "purchasedat", "orderedat", "datecreated", "invoicedate",
                         "ordertime", "orderdatetime", "purchasedate", "transactiondate", "saledate", "placedat", "created",
                         "datetime", "time", "orderplacedat", "orderplaced", "datepaid", "datum", "bestelldatum", "rechnungsdatum", "fecha"]
            var s = exact.contains(p.key) ? 10.0 : has(p.key, ["date", "time", "created"]) || p.key.hasSuffix("at") ? 6 : 3
            if has(p.key, ["paid", "fulfill", "cancel", "updat", "ship", "refund", "due", "deliver", "modif", "complet", "closed", "birth"]) { s = 2 }
            return (s, "\(percent(p.share(p.dates))) of the values read as dates (first: \(p.values[0]))")
        }
        // Order id: a name that says so, or `name` with values like #1001; ids that repeat over an order's lines.
        pick("invoice") { p in
            guard p.share(p.dates) < 0.5, !has(p.key, ["date", "status", "total", "count", "quantity", "price", "email"]) else { return nil }
            let exact = ["orderid", "order", "invoice", "invoiceno", "invoiceid", "ordernumber", "orderno", "invoicenumber",
                         "orderref", "orderreference", "ordername", "transactionid", "receiptnumber", "bestellnummer", "rechnungsnummer",
                         "bestellung", "commande", "pedido"]
            var s: Double = exact.contains(p.key) ? 10
                : p.key == "name" && p.share(p.hashIDs) >= 0.8 ? 9
                : has(p.key, ["invoice"]) || (p.key.contains("order") && has(p.key, ["id", "number", "no", "ref"])) ? 8 : 0
            if s == 0 && p.share(p.hashIDs) >= 0.8 { s = 5 }
            guard s > 0 else { return nil }
            let repeats = p.distinct < p.filled
            if repeats { s += 1 }
            var why = "\(p.distinct) distinct value\(p.distinct == 1 ? "" : "s") over \(p.filled) lines"
            if repeats { why += " (orders with several lines)" }
            if p.share(p.hashIDs) >= 0.8 { why += ", like \(p.values[0])" }
            return (s, why)
        }
        // Customer: e-mail addresses or a customer id; a name only as a last resort.
        pick("customer") { p in
            guard p.share(p.dates) < 0.5 else { return nil }
            let exact = ["email", "customeremail", "customerid", "customer", "custid", "clientid", "client", "buyer", "buyeremail",
                         "buyerid", "userid", "user", "billingemail", "contactemail", "emailaddress", "customernumber",
                         "customerno", "clientemail", "shopperid", "customeridentifier", "kunde", "kundennummer", "kundenid", "cliente"]
            var s: Double = exact.contains(p.key) ? 10 : p.key.contains("email") ? 7
                : has(p.key, ["customer", "client", "buyer", "shopper"]) ? (p.key.contains("name") ? 3 : 6) : 0
            let emails = p.share(p.emails) >= 0.5
            if emails { s = max(s, 6) + 4 }
            if s > 0 && !emails && p.numbers == p.filled && p.integers < p.filled { return nil }   // amounts
            guard s > 0 else { return nil }
            return (s, "\(p.distinct) distinct value\(p.distinct == 1 ? "" : "s")" + (emails ? ", looks like e-mail addresses" : ", name says customer"))
        }
        let invoiceColumn = choices["invoice"].flatMap { c in header.firstIndex { $0.trimmingASCIISpaces() == c.column } }
        /// True when the column holds one value per order (an order total): in every order with several lines of the
        /// sample, its value is the same on each line or given on the first line only.
        func orderLevel(_ p: Profile) -> Bool {
            guard let oi = invoiceColumn else { return false }
            var byOrder: [String: [String]] = [:]
            var order: [String] = []
            for r in rows {
                let id = r[oi].trimmingASCIISpaces()
                if byOrder[id] == nil { order.append(id) }
                byOrder[id, default: []].append(r[p.index].trimmingASCIISpaces())
            }
            let multi = order.compactMap { byOrder[$0] }.filter { $0.count > 1 }
            guard !multi.isEmpty else { return false }
            var blankAfterFirst = false
            for values in multi {
                let filled = values.filter { !$0.isEmpty }
                if Set(filled).count > 1 { return false }
                if filled.count < values.count { blankAfterFirst = true }
            }
            return blankAfterFirst || multi.count >= 2
        }
        pick("quantity") { p in
            guard p.share(p.numbers) >= 0.9, !has(p.key, ["price", "total", "amount", "revenue", "id", "tax", "discount", "weight"]) else { return nil }
            let exact = ["quantity", "qty", "lineitemquantity", "units", "itemquantity", "quantityordered", "qtyordered",
                         "itemcount", "numberofitems", "pieces", "count", "unitssold", "quantitysold", "menge", "anzahl", "stuck", "quantite", "cantidad"]
            let s: Double = exact.contains(p.key) ? 10 : has(p.key, ["qty", "quantity"]) ? 8 : p.key.contains("units") ? 6 : 0
            guard s > 0 else { return nil }
            return (s + p.share(p.integers), "numbers, \(percent(p.share(p.integers))) whole")
        }
        // Unit price: never an order-level total (total_price, order_total) or a compare-at, shipping or tax amount.
        pick("unit_price") { p in
            guard p.share(p.numbers) >= 0.9, ["itemcost", "unitcost"].contains(p.key)
                    || !has(p.key, ["total", "sum", "compare", "original", "regular", "discount", "shipping", "tax", "refund", "fee", "cost", "amount"]) else { return nil }
            let exact = ["price", "unitprice", "itemprice", "lineitemprice", "priceeach", "productprice", "saleprice",
                         "sellingprice", "priceperunit", "unitamount", "itemunitprice", "itemcost", "unitcost", "preis", "einzelpreis", "prix", "precio"]
            let s: Double = exact.contains(p.key) ? 10 : p.key.contains("price") ? 7 : 0
            guard s > 0 else { return nil }
            return (s, "numbers, the name says a unit price (not an order total)")
        }
        if choices["quantity"] == nil || choices["unit_price"] == nil {
            // Line amount: a line total, never an order's total (one value per order).
            pick("revenue") { p in
                guard p.share(p.numbers) >= 0.9,
                      !has(p.key, ["order", "grand", "shipping", "tax", "discount", "refund", "balance", "paid", "cost", "id"]),
                      p.key != "totalprice" else { return nil }
                let exact = ["linetotal", "lineamount", "linesubtotal", "linerevenue", "itemtotal", "total", "amount", "revenue",
                             "sales", "linevalue", "netsales", "grosssales", "value", "saleamount", "lineitemtotal", "totalsales",
                             "linetotalprice", "subtotal"]
                let s: Double = exact.contains(p.key) ? 10 : has(p.key, ["linetotal", "revenue", "sales", "lineamount"]) ? 8 : 0
                guard s > 0, !orderLevel(p) else { return nil }
                return (s, "numbers, the name says a line amount (one value per line, not per order)")
            }
            if choices["revenue"] != nil { choices["unit_price"] = nil }
        }
        pick("product") { p in
            let exact = ["sku", "lineitemsku", "stockcode", "productid", "productcode", "variantsku", "itemsku", "itemcode",
                         "articlenumber", "productsku", "itemid", "variantid"]
            let s: Double = exact.contains(p.key) ? 10 : p.key.contains("sku") ? 8 : 0
            return s > 0 ? (s, "\(p.distinct) distinct product codes") : nil
        }
        pick("country") { p in
            guard p.share(p.numbers) < 0.5 else { return nil }
            let s: Double = p.key == "billingcountry" ? 10 : ["country", "countrycode", "land", "pays", "pais"].contains(p.key) ? 9
                : p.key == "shippingcountry" ? 8 : p.key.contains("country") ? 7 : 0
            return s > 0 ? (s, "\(p.distinct) distinct value\(p.distinct == 1 ? "" : "s") (first: \(p.values[0]))") : nil
        }
        pick("currency") { p in
            guard p.key.contains("currency"), p.share(p.codes3) >= 0.8 else { return nil }
            return (10, "three-letter codes (first: \(p.values[0]))")
        }
        return Guess(choices: UserMapping.fields.compactMap { choices[$0] })
    }

    static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(Int64(1)) { r, _ in r * 10 } }

    /// The header and first rows of a delimited file (at most `maxRows`, from the first 256 KB; gzip is read too).
    public static func sample(path: String, maxRows: Int = 200) throws(IngestError) -> (header: [String], rows: [[String]]) {
        var source = try openOrderSource(path: path)
        var bytes: [UInt8] = []
        var eof = false
        while bytes.count < 256 << 10 {
            if try source.read(into: &bytes, maxCount: (256 << 10) - bytes.count) == 0 { eof = true; break }
        }
        return sample(bytes: bytes, complete: eof, maxRows: maxRows)
    }

    /// The header and first rows of delimited text; `complete`: the bytes are the whole file (else the last,
    /// possibly cut, record is dropped).
    public static func sample(bytes: [UInt8], complete: Bool = true, maxRows: Int = 200) -> (header: [String], rows: [[String]]) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        while let f = body.first, f == 10 || f == 13 { body = body.dropFirst() }
        let firstLine = Array(body.prefix { $0 != 10 })
        guard case .byte(let d) = LayoutDetector.detectDelimiter(headerLine: firstLine) else { return ([], []) }
        var records = SimpleCSV.records(body, delimiter: d, limit: maxRows + 2)
        if !complete && records.count <= maxRows + 1 { records.removeLast(min(1, records.count)) }
        guard let header = records.first else { return ([], []) }
        return (header, Array(records.dropFirst().prefix(maxRows)).filter { $0.count > 1 || $0.first?.isEmpty == false })
    }
}
