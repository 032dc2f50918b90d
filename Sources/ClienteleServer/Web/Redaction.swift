import ClienteleCore

extension Page {
    /// Whether a table lists customers one by one (it has a customer id column).
    static func isCustomerLevel(_ t: Table) -> Bool { t.columns.contains { $0.key == "customer_id" } }

    /// Whether a link leads to customers one by one: a profile, the customer list, or a customer-level table's data.
    static func isCustomerLink(_ href: String, removed: Set<String>) -> Bool {
        if href.hasPrefix("/customer") { return true }
        guard let q = href.firstIndex(of: "?") else { return false }
        return PageRequest.parse(String(href[href.index(after: q)...])).contains { $0.name == "_table" && removed.contains($0.value) }
    }

    /// The page as an executive sees it: aggregates only. Tables that list customers one by one go, with the charts
    /// drawn from them and every link to a profile, the customer list or a removed table's download; a count that
    /// links to its customers stays as a number. Returns the ids of what was removed (tables and charts), so that a
    /// download asking for one of them is refused rather than answered with something else.
    mutating func removeCustomerLevel() -> Set<String> {
        var removed = Set<String>()
        for s in sections {
            for case .table(let t) in s.blocks where Self.isCustomerLevel(t) { removed.insert(t.id) }
        }
        for s in sections {
            for case .chart(let c) in s.blocks where c.dataTable.map(removed.contains) == true { removed.insert(c.id) }
        }
        if removed.isEmpty && !sections.contains(where: { $0.blocks.contains(where: Self.hasCustomerLink) }) && !extraJSON.contains(where: { $0.0 == "customer_id" }) {
            return removed
        }
        sections = sections.compactMap { section in
            var s = section
            s.blocks = section.blocks.compactMap { block -> Block? in
                switch block {
                case .table(let t):
                    if removed.contains(t.id) { return nil }
                    var t2 = t
                    t2.rows = t.rows.map { row in
                        row.map { cell in
                            switch cell {
                            case .count(let n, _): return .int(n)   // a count links to its customers
                            case .link(let text, let href) where Self.isCustomerLink(href, removed: removed): return .text(text)
                            default: return cell
                            }
                        }
                    }
                    return .table(t2)
                case .chart(let c):
                    return removed.contains(c.id) ? nil : block
                case .links(let l):
                    var l2 = l
                    l2.items = l.items.filter { !Self.isCustomerLink($0.href, removed: removed) }
                    return l2.items.isEmpty ? nil : .links(l2)
                case .paragraph(let p):
                    var p2 = p
                    if let link = p.link, Self.isCustomerLink(link.href, removed: removed) { p2.link = nil; p2.trailing = "" }
                    return .paragraph(p2)
                case .bullets(let items, let after):
                    var a = after
                    if let link = after?.link, Self.isCustomerLink(link.href, removed: removed) { a?.link = nil; a?.trailing = "" }
                    return .bullets(items, after: a)
                default:
                    return block
                }
            }
            return s.blocks.isEmpty ? nil : s
        }
        extraJSON.removeAll { $0.0 == "customer_id" }
        return removed
    }

    static func hasCustomerLink(_ block: Block) -> Bool {
        switch block {
        case .links(let l): return l.items.contains { $0.href.hasPrefix("/customer") }
        case .paragraph(let p): return p.link?.href.hasPrefix("/customer") == true
        case .table(let t): return t.rows.contains { $0.contains { if case .count = $0 { return true }; if case .link(_, let h) = $0 { return h.hasPrefix("/customer") }; return false } }
        case .bullets(_, let after): return after?.link?.href.hasPrefix("/customer") == true
        default: return false
        }
    }
}
