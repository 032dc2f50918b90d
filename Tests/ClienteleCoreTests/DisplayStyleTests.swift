import ClienteleCore
import Testing

@Suite struct DisplayStyleTests {
    @Test func defaultStyleIsUnchanged() {
        // No locale, no currency: the house format, no symbol, ISO dates.
        #expect(DisplayFormat.money(12_345_678_950) == "1,234,567.90")
        #expect(DisplayFormat.date(CivilDate.dayNumber(year: 2011, month: 12, day: 9)) == "2011-12-09")
        #expect(DisplayFormat.compactMoney(47_400_000_000) == "4.74M")
    }

    @Test func currencySymbolsAndPlacement() {
        DisplayFormat.$style.withValue(DisplayStyle(locale: nil, currency: "GBP")) {
            #expect(DisplayFormat.money(12_345_678_950) == "£1,234,567.90")
            #expect(DisplayFormat.money(-5_000) == "−£0.50")
            #expect(DisplayFormat.compactMoney(47_400_000_000) == "£4.74M")
            #expect(DisplayFormat.compactMoney(-25_000_000) == "−£2.5K")
            #expect(DisplayFormat.moneyTitle("Net revenue") == "Net revenue (GBP)")
            // Not money: unchanged.
            #expect(DisplayFormat.integer(1234) == "1,234")
            #expect(DisplayFormat.percent(0.123) == "12.3%")
        }
        DisplayFormat.$style.withValue(DisplayStyle(locale: nil, currency: "usd")) {
            #expect(DisplayFormat.money(10_000) == "$1.00")
        }
        // A currency without a symbol of its own in the locale: its code.
        DisplayFormat.$style.withValue(DisplayStyle(locale: nil, currency: "CHF")) {
            #expect(DisplayFormat.money(10_000) == "CHF\u{00A0}1.00")
        }
        // Yen have no minor unit: whole yen, rounded half to even (0.5 → 0, 1.5 → 2, 2.5 → 2).
        DisplayFormat.$style.withValue(DisplayStyle(locale: nil, currency: "JPY")) {
            #expect(DisplayFormat.money(12_345_678_950) == "¥1,234,568")
            #expect(DisplayFormat.money(5_000) == "¥0")
            #expect(DisplayFormat.money(15_000) == "¥2")
            #expect(DisplayFormat.money(25_000) == "¥2")
        }
        #expect(DisplayStyle(locale: nil, currency: "pounds").currency == nil)
    }

    @Test func localesChangeSeparatorsAndDates() {
        let day = CivilDate.dayNumber(year: 2011, month: 3, day: 9)
        DisplayFormat.$style.withValue(DisplayStyle(locale: "de_DE", currency: "EUR")) {
            #expect(DisplayFormat.money(12_345_678_950) == "1.234.567,90\u{00A0}€")
            #expect(DisplayFormat.integer(1_234_567) == "1.234.567")
            #expect(DisplayFormat.percent(0.123) == "12,3%")
            #expect(DisplayFormat.compact(1_500) == "1,5K")
            #expect(DisplayFormat.date(day) == "09.03.2011")
            #expect(DisplayFormat.decimal(-0.001, digits: 2) == "0,00")   // never "−0,00"
        }
        DisplayFormat.$style.withValue(DisplayStyle(locale: "en_GB", currency: nil)) {
            #expect(DisplayFormat.date(day) == "09/03/2011")
            #expect(DisplayFormat.money(10_000) == "1.00")   // no currency: no symbol
        }
        DisplayFormat.$style.withValue(DisplayStyle(locale: "en_US", currency: "USD")) {
            #expect(DisplayFormat.date(day) == "03/09/2011")
            #expect(DisplayFormat.month(day) == "03/2011")
        }
        #expect(DisplayStyle.isKnownLocale("de-DE"))
        #expect(!DisplayStyle.isKnownLocale("xx_YY"))
    }

    @Test func currencyCodes() {
        #expect(CurrencyCode(" gbp ")?.code == "GBP")
        #expect(CurrencyCode("GB") == nil)
        #expect(CurrencyCode("G1P") == nil)
        #expect(CurrencyCode("£££") == nil)
    }

    @Test func yearEarlierAndDefaultPeriod() {
        let start = CivilDate.dayNumber(year: 2010, month: 1, day: 1)
        let asOf = CivilDate.dayNumber(year: 2012, month: 3, day: 1)   // last day 2012-02-29
        let p = AnalysisFilter.defaultPeriod(dataStart: start, dataAsOf: asOf)
        #expect(p == (asOf - 90)...(asOf - 1))
        var f = AnalysisFilter(from: p!.lowerBound, to: p!.upperBound)
        let y = f.yearEarlier(dataStart: start)
        #expect(y?.from == CivilDate.dayNumber(year: 2010, month: 12, day: 2))
        #expect(y?.to == CivilDate.dayNumber(year: 2011, month: 2, day: 28))   // 29 February → 28 February
        // Not before the data.
        f.from = CivilDate.dayNumber(year: 2010, month: 6, day: 1)
        #expect(f.yearEarlier(dataStart: start) == nil)
        // Too short for a 90-day comparison: nothing.
        #expect(AnalysisFilter.defaultPeriod(dataStart: asOf - 179, dataAsOf: asOf) == nil)
        #expect(AnalysisFilter.defaultPeriod(dataStart: asOf - 180, dataAsOf: asOf) != nil)
    }
}
