import ArgumentParser
import Foundation

/// `clientele serve --config clientele.toml` and `CLIENTELE_*` environment variables: every option of `serve` can be
/// set in either, under its long name (`--max-upload-mb` is `max_upload_mb` in the file and `CLIENTELE_MAX_UPLOAD_MB` in
/// the environment). The command line wins over the environment, which wins over the file. Files to serve are `files`
/// (a list) in the file and `CLIENTELE_FILES` (comma-separated) in the environment; `CLIENTELE_CONFIG` names the file.
///
/// The file is TOML's top-level `key = value` lines: strings ("basic" with \" \\ \n \t escapes, or 'literal'),
/// integers, booleans and arrays of strings, with `#` comments; tables and other types are refused with their line
/// number. (TOMLKit, the TOML package in the mirror, needs a package the mirror does not have; this subset is all
/// the settings use.)
enum ConfigFile {
    struct Problem: Error, CustomStringConvertible { var description: String }

    enum Value: Equatable { case string(String), int(Int), bool(Bool), strings([String]) }

    /// Parses the subset of TOML described above.
    static func parse(_ text: String, file: String) throws(Problem) -> [(key: String, value: Value)] {
        var out: [(String, Value)] = []
        var seen = Set<String>()
        for (n, raw) in text.components(separatedBy: "\n").enumerated() {
            let lineNumber = n + 1
            func fail(_ why: String) -> Problem { Problem(description: "\(file), line \(lineNumber): \(why)") }
            var line = Substring(raw.trimmingCharacters(in: .whitespaces))
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { throw fail("tables ([section]) are not used: write every setting at the top level") }
            guard let eq = line.firstIndex(of: "=") else { throw fail("expected key = value") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else { throw fail("'\(key)' is not a key") }
            guard seen.insert(key).inserted else { throw fail("'\(key)' is set twice") }
            line = line[line.index(after: eq)...].drop { $0 == " " || $0 == "\t" }
            var rest = line
            func string() throws(Problem) -> String {
                guard let quote = rest.first, quote == "\"" || quote == "'" else { throw fail("expected a quoted string") }
                rest = rest.dropFirst()
                var s = ""
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == quote { return s }
                    if c == "\\" && quote == "\"" {
                        guard let e = rest.first else { break }
                        rest = rest.dropFirst()
                        switch e {
                        case "\"": s.append("\""); case "\\": s.append("\\"); case "n": s.append("\n"); case "t": s.append("\t")
                        default: throw fail("unknown escape \\\(e)")
                        }
                    } else {
                        s.append(c)
                    }
                }
                throw fail("the string is not closed")
            }
            func skipSpace() { rest = rest.drop { $0 == " " || $0 == "\t" } }
            func end() throws(Problem) {
                skipSpace()
                if !rest.isEmpty && !rest.hasPrefix("#") { throw fail("unexpected text after the value: \(rest.prefix(30))") }
            }
            let value: Value
            if rest.hasPrefix("\"") || rest.hasPrefix("'") {
                value = .string(try string())
            } else if rest.hasPrefix("[") {
                rest = rest.dropFirst()
                var items: [String] = []
                skipSpace()
                while !rest.hasPrefix("]") {
                    items.append(try string())
                    skipSpace()
                    if rest.hasPrefix(",") { rest = rest.dropFirst(); skipSpace() } else if !rest.hasPrefix("]") { throw fail("expected , or ] in the list") }
                }
                rest = rest.dropFirst()
                value = .strings(items)
            } else {
                let word = rest.prefix { !$0.isWhitespace && $0 != "#" }
                rest = rest.dropFirst(word.count)
                if word == "true" || word == "false" { value = .bool(word == "true") }
                else if let i = Int(word.replacingOccurrences(of: "_", with: "")) { value = .int(i) }
                else { throw fail("'\(word)' is not a string, integer, boolean or list of strings (quote strings)") }
            }
            try end()
            out.append((key, value))
        }
        return out
    }

    /// Removes `--config FILE` (or `--config=FILE`) from the arguments and returns the file, else `CLIENTELE_CONFIG`.
    static func takeConfig(_ args: inout [String], _ environment: [String: String]) throws(Problem) -> String? {
        guard let i = args.firstIndex(where: { $0 == "--config" || $0.hasPrefix("--config=") }) else { return environment["CLIENTELE_CONFIG"] }
        if args[i].hasPrefix("--config=") {
            defer { args.remove(at: i) }
            return String(args[i].dropFirst(9))
        }
        guard i + 1 < args.count else { throw Problem(description: "--config needs a file: --config clientele.toml") }
        defer { args.removeSubrange(i...(i + 1)) }
        return args[i + 1]
    }

    /// `clientele users ...`: the data folder of the server's settings (`data_dir` of `--config FILE` or
    /// `CLIENTELE_CONFIG`, or `CLIENTELE_DATA_DIR`) when `--data-dir` is not given, so that accounts land in the
    /// library the server reads.
    static func expandUsers(_ arguments: [String], environment: [String: String]) throws(Problem) -> [String] {
        var args = arguments
        let path = try takeConfig(&args, environment)
        guard args.count > 1, !args.contains(where: { $0 == "--data-dir" || $0.hasPrefix("--data-dir=") || $0 == "--help" || $0 == "-h" }) else { return args }
        var dataDir: String?
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "cannot read the configuration file \(path)") }
            for (key, value) in try parse(String(decoding: data, as: UTF8.self), file: URL(fileURLWithPath: path).lastPathComponent) where key == "data_dir" || key == "data-dir" {
                guard case .string(let s) = value else { throw Problem(description: "data_dir is a quoted folder name") }
                dataDir = s
            }
        }
        if let env = environment["CLIENTELE_DATA_DIR"] { dataDir = env }
        return args + (dataDir.map { ["--data-dir", $0] } ?? [])
    }

    /// The long options `serve` accepts, read from its help (so that a new option is a setting at once).
    static func options(of command: ParsableCommand.Type) -> Set<String> {
        var names = Set<String>()
        for word in command.helpMessage(columns: 1000).split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "(" || $0 == ")" || $0 == "|" }) {
            guard word.hasPrefix("--"), word.count > 2 else { continue }
            names.insert(String(word.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
        }
        names.remove("help")
        names.remove("config")
        return names
    }

    /// `serve`'s arguments with the settings of the file and the environment added where the command line has none.
    static func expand(_ arguments: [String], environment: [String: String]) throws(Problem) -> [String] {
        if arguments.first == "users" { return try expandUsers(arguments, environment: environment) }
        guard let first = arguments.first, first == "serve" else { return arguments }
        var args = Array(arguments.dropFirst())
        let path = try takeConfig(&args, environment)
        let known = options(of: ServeCommand.self)
        let given = Set(args.filter { $0.hasPrefix("--") }.map { String($0.dropFirst(2).prefix { $0 != "=" }) })
        let help = ServeCommand.helpMessage(columns: 1000)
        func takesValue(_ option: String) -> Bool { help.contains("--\(option) <") }
        // A file given on the command line: an argument that is not an option nor an option's value.
        var hasFiles = false
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--") {
                if !a.contains("="), takesValue(String(a.dropFirst(2))) { i += 1 }
            } else if !a.hasPrefix("-") || a == "-" {
                hasFiles = true
            }
            i += 1
        }
        var settings: [(key: String, value: Value, from: String)] = []
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "cannot read the configuration file \(path)") }
            let name = URL(fileURLWithPath: path).lastPathComponent
            settings += try parse(String(decoding: data, as: UTF8.self), file: name).map { ($0.key, $0.value, name) }
        }
        // The environment overrides the file. A CLIENTELE_ variable that names no option is left alone (the environment
        // is shared with other tools and scripts); a key of the file that names no option is an error.
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) where k.hasPrefix("CLIENTELE_") && k != "CLIENTELE_CONFIG" {
            let key = String(k.dropFirst(10)).lowercased()
            guard key == "files" || known.contains(key.replacingOccurrences(of: "_", with: "-")) else { continue }
            settings.removeAll { $0.key.replacingOccurrences(of: "-", with: "_") == key }
            settings.append((key, .string(v), "the environment (\(k))"))
        }
        var extra: [String] = []
        for (key, value, from) in settings {
            let option = key.replacingOccurrences(of: "_", with: "-")
            if option == "files" {
                if hasFiles { continue }
                switch value {
                case .strings(let files): extra += files
                case .string(let s): extra += s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                default: throw Problem(description: "\(from): files is a list of file names")
                }
                continue
            }
            guard known.contains(option) else {
                throw Problem(description: "\(from): '\(key)' is not a setting of clientele serve (settings are its options: \(known.sorted().map { $0.replacingOccurrences(of: "-", with: "_") }.joined(separator: ", ")))")
            }
            if given.contains(option) { continue }
            let isFlag = !takesValue(option)
            switch value {
            case .bool(let b):
                guard isFlag else { throw Problem(description: "\(from): \(key) takes a value, not true/false") }
                if b { extra.append("--" + option) }
            case .string(let s) where isFlag:
                guard ["true", "false", "1", "0", "yes", "no"].contains(s.lowercased()) else { throw Problem(description: "\(from): \(key) is true or false, not '\(s)'") }
                if ["true", "1", "yes"].contains(s.lowercased()) { extra.append("--" + option) }
            case .string(let s):
                // A repeatable option from the environment: comma-separated.
                if from.hasPrefix("the environment"), option == "allowed-host" {
                    for part in s.split(separator: ",") { extra += ["--" + option, part.trimmingCharacters(in: .whitespaces)] }
                } else {
                    extra += ["--" + option, s]
                }
            case .int(let i):
                guard !isFlag else { throw Problem(description: "\(from): \(key) is true or false") }
                extra += ["--" + option, String(i)]
            case .strings(let list):
                guard !isFlag else { throw Problem(description: "\(from): \(key) is true or false") }
                for item in list { extra += ["--" + option, item] }
            }
        }
        return ["serve"] + args + extra
    }
}
