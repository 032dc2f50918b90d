/// The kind of store ``DemoDataGenerator`` imitates (`clientele generate --profile NAME`).
public enum DemoProfile: String, CaseIterable, Sendable {
    /// A gift shop with a few thousand products, guests and seasonal customers: the built-in demo data.
    case retail
    /// Modelled on the UCI Online Retail II export of a UK gift wholesaler (see ``DemoDataGenerator/Parameters``).
    case wholesale
    /// Most customers order once; after every order a fixed share stops for good.
    case highChurn = "high-churn"
}

extension DemoDataGenerator {
    /// Simulation parameters of a profile. `retail` holds exactly the constants of the original generator, and every
    /// feature that `retail` does not use is off (rate 0) there, so that no extra random number is drawn and its
    /// output stays byte-identical.
    struct Parameters: Sendable {
        /// Lines per distinct customer the simulation aims at (only sizes the first simulation; the line count is
        /// then made exact).
        var linesPerCustomer: Double
        /// Purchase rate lambda ~ Gamma(shape, scale) per day.
        var rateShape: Double
        var rateScale: Double
        /// Dropout probability p ~ Beta(a, b), applied after every repeat purchase.
        var dropoutA: Double
        var dropoutB: Double
        /// When set: every customer stops for good with this probability after each order, the first one included
        /// (instead of a Beta-distributed p after repeat purchases only).
        var fixedDropout: Double?
        /// Guest invoices spawned per customer invoice.
        var guestPerPurchase: Double
        /// Probability that a customer invoice is later (partly) cancelled.
        var cancelProbability: Double
        /// Share of invalid lines.
        var invalidProbability: Double
        /// Arrival intensity on day d is `weight(d) * (1 + arrivalBoost * exp(-d / arrivalDecayDays))`: the boost stands
        /// for customers who were already active before the first day.
        var arrivalBoost: Double
        var arrivalDecayDays: Double
        var countryWeights: [(String, Int)]
        /// Customers abroad are large accounts: quantity level 3 (``Catalogue/levelFactor``) and 1.6 times the basket.
        var largeForeignAccounts: Bool
        /// Probability that a customer invoice is followed by another invoice of the same customer on the same day.
        var sameDayRepeat: Double
        /// Non-product lines, each a one-line invoice, per customer invoice: `M` (manual adjustment, positive or
        /// negative), `BANK CHARGES` (customers abroad only), `AMAZONFEE` and `B` (bad debt; both without customer).
        var manualRate: Double
        var bankChargeRate: Double
        var amazonFeeRate: Double
        var badDebtRate: Double
        /// Share of customers' product lines with price 0.00 (free items).
        var zeroPriceProbability: Double
        /// Written after every customer ID (`.0`: IDs as a spreadsheet export of a float column writes them).
        var idSuffix: [UInt8]

        var hasSpecials: Bool { manualRate > 0 || bankChargeRate > 0 || amazonFeeRate > 0 || badDebtRate > 0 }

        static func of(_ profile: DemoProfile) -> Parameters {
            switch profile {
            case .retail: return .retail
            case .wholesale: return .wholesale
            case .highChurn: return .highChurn
            }
        }

        /// The original generator.
        static let retail = Parameters(
            linesPerCustomer: DemoDataGenerator.linesPerCustomer,
            rateShape: 0.75, rateScale: 0.0148,
            dropoutA: 0.8, dropoutB: 2.6, fixedDropout: nil,
            guestPerPurchase: 0.25,               // 20% of the non-cancelled invoices are guests'
            cancelProbability: 0.027,
            invalidProbability: 0.001,
            arrivalBoost: 3, arrivalDecayDays: 20,
            countryWeights: DemoDataGenerator.countryWeights,
            largeForeignAccounts: false, sameDayRepeat: 0,
            manualRate: 0, bankChargeRate: 0, amazonFeeRate: 0, badDebtRate: 0,
            zeroPriceProbability: 0, idSuffix: [])

        /// Modelled on the UCI Online Retail II export (a UK gift wholesaler, December 2009 - December 2011):
        /// - about 90% of customers in the United Kingdom; customers abroad are large accounts (6x the quantities,
        ///   1.6 times the lines per invoice) and get a POSTAGE line on most invoices;
        /// - the data starts mid-history: a large arrival boost in the first weeks (customers already active before
        ///   the first day), so the first month holds several times the first orders of a later month;
        /// - 15% of customer invoices are followed by another invoice of the same customer on the same day;
        /// - non-product lines: `M` Manual (+/-), `BANK CHARGES`, `AMAZONFEE` (large negative, no customer),
        ///   `B` "Adjust bad debt" (large negative price, invoice prefixed `A`, no customer);
        /// - 0.5% of customers' product lines at price 0.00; customer IDs written `17850.0`;
        /// - more cancellations than retail (12% of customer invoices are partly cancelled).
        static let wholesale: Parameters = {
            var p = Parameters.retail
            p.linesPerCustomer = 32.5
            p.rateShape = 0.8
            p.rateScale = 0.018
            p.dropoutA = 0.7
            p.dropoutB = 3.5
            p.cancelProbability = 0.12
            p.guestPerPurchase = 0.35
            p.arrivalBoost = 6
            p.arrivalDecayDays = 20
            p.countryWeights = DemoDataGenerator.countryWeights.map { $0.0 == "United Kingdom" ? ($0.0, 13_600) : $0 }
            p.largeForeignAccounts = true
            p.sameDayRepeat = 0.15
            p.manualRate = 0.004
            p.bankChargeRate = 0.02
            p.amazonFeeRate = 0.003
            p.badDebtRate = 0.0025
            p.zeroPriceProbability = 0.005
            p.idSuffix = Array(".0".utf8)
            return p
        }()

        /// Most customers order once. After every order, the first one included, a customer stops for good with
        /// probability 0.7 (the same for everyone); while active, orders come at the retail rates (lambda ~
        /// Gamma(0.75, 0.0148) per day, a mean gap of about 90 days). So about 70% of customers stop after their
        /// first order, and a few more never order again within the span.
        static let highChurn: Parameters = {
            var p = Parameters.retail
            p.linesPerCustomer = 7.9
            p.fixedDropout = 0.7
            return p
        }()
    }

    /// Kinds of non-product lines (``Event/ref`` of an event of kind 3).
    enum Special: Int32, CaseIterable {
        case manualPlus = 0, manualMinus, bankCharges, amazonFee, badDebt

        /// StockCode and Description, in the catalogue after the products.
        var codeAndDescription: (String, String) {
            switch self {
            case .manualPlus, .manualMinus: return ("M", "Manual")
            case .bankCharges: return ("BANK CHARGES", "Bank Charges")
            case .amazonFee: return ("AMAZONFEE", "AMAZON FEE")
            case .badDebt: return ("B", "Adjust bad debt")
            }
        }
    }
}
