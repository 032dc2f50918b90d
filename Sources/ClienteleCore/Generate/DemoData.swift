/// The built-in demo data set: generated order lines (seed 42), loaded like any file.
public enum DemoData {
    public static let defaultLines = 300_000
    public static let name = "demo.csv"
    /// The demo shop sells in pounds sterling (its layout and countries are Online Retail II's).
    public static let currency = "GBP"

    /// Generated lines of `profile` (seed 42) loaded in memory; the default `retail` is the dashboard's demo data.
    public static func load(lines: Int = defaultLines, profile: DemoProfile = .retail,
                            options: LoadOptions = LoadOptions()) throws(IngestError) -> LoadedData {
        let bytes = DemoDataGenerator(seed: 42, profile: profile).bytes(lines: lines)
        var loaded = try OrderLineLoader.load(source: MemorySource(bytes), name: name(profile), options: options)
        loaded.currency = currency
        return loaded
    }

    /// The file name shown for a profile's demo data: `demo.csv` for retail, `demo-wholesale.csv` for the others.
    public static func name(_ profile: DemoProfile) -> String {
        profile == .retail ? name : "demo-\(profile.rawValue).csv"
    }
}
