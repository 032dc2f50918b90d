/// The built-in demo data set: generated order lines (seed 42), loaded like any file.
public enum DemoData {
    public static let defaultLines = 300_000
    public static let name = "demo.csv"

    public static func load(lines: Int = defaultLines, options: LoadOptions = LoadOptions()) throws(IngestError) -> LoadedData {
        let bytes = DemoDataGenerator(seed: 42).bytes(lines: lines)
        return try OrderLineLoader.load(source: MemorySource(bytes), name: name, options: options)
    }
}
