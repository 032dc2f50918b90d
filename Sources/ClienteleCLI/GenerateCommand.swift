import ArgumentParser
import ClienteleCore
import Foundation

struct GenerateCommand: TerminalCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate realistic demo order lines (Online Retail II layout), deterministic for a seed and profile.")

    @Option(name: .long, help: "Number of data lines.")
    var lines: Int = 100_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Kind of store: retail (the built-in demo data), wholesale (like the UCI Online Retail II export), high-churn (most customers order once).")
    var profile: DemoProfile = .retail

    @Option(name: .long, help: "Output file (default: standard output). Written atomically.")
    var out: String?

    func validate() throws {
        if lines < 0 { throw ValidationError("--lines must be 0 or more.") }
    }

    func execute(_ terminal: Terminal) throws {
        let generator = DemoDataGenerator(seed: seed, profile: profile)
        if let out {
            let tmp = out + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: tmp, contents: nil), let handle = FileHandle(forWritingAtPath: tmp) else {
                throw InputError("cannot write \(out): \(String(cString: strerror(errno)))")
            }
            do {
                try generator.write(lines: lines) { chunk in try handle.write(contentsOf: Data(chunk)) }
                try handle.close()
            } catch {
                unlink(tmp)
                throw InputError("cannot write \(out): \(error.localizedDescription)")
            }
            if rename(tmp, out) != 0 { unlink(tmp); throw InputError("cannot write \(out): \(String(cString: strerror(errno)))") }
        } else {
            let stdout = FileHandle.standardOutput
            try generator.write(lines: lines) { chunk in try stdout.write(contentsOf: Data(chunk)) }
        }
    }
}

extension DemoProfile: ExpressibleByArgument {}
