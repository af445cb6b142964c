/// The parsed command line: option values by name, and the positional arguments.
struct Arguments {
    private(set) var values: [String: [String]] = [:]
    var positionals: [String] = []
    var help = false

    mutating func add(_ name: String, _ value: String) { values[name, default: []].append(value) }

    func given(_ name: String) -> Bool { values[name] != nil }
    /// The last value given for `name`.
    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// An integer option within `range`, or `fallback` when absent.
    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(CLIError) -> Int {
        guard let text = value(name) else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw CLIError.usage("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// Parses `arguments` against `specs`: `--name VALUE`, `--name=VALUE`, flags, `-h`/`--help`,
    /// `--` (everything after it is positional). A lone `-` is positional (stdin/stdout).
    static func parse(_ arguments: [String], specs: [OptionSpec]) throws(CLIError) -> Arguments {
        var parsed = Arguments()
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            k += 1
            if argument == "--" {
                parsed.positionals.append(contentsOf: arguments[k...])
                break
            }
            if argument == "-h" || argument == "--help" {
                parsed.help = true
                continue
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                parsed.positionals.append(argument)
                continue
            }
            guard argument.hasPrefix("--") else {
                throw CLIError.usage("unknown option \(argument) (options are spelled --name)")
            }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw CLIError.usage("unknown option --\(name)")
            }
            if spec.takesValue {
                if let inline {
                    parsed.add(name, inline)
                } else {
                    guard k < arguments.count else { throw CLIError.usage("--\(name) needs a value (\(spec.usage))") }
                    parsed.add(name, arguments[k])
                    k += 1
                }
            } else {
                guard inline == nil else { throw CLIError.usage("--\(name) takes no value") }
                parsed.add(name, "1")
            }
            if !spec.repeatable, let count = parsed.values[name]?.count, count > 1 {
                parsed.values[name] = [parsed.all(name)[count - 1]]
            }
        }
        return parsed
    }

    /// The index of the first argument that is not an option or an option's value (the
    /// command name), given the options that may precede it.
    static func firstPositional(_ arguments: [String], specs: [OptionSpec]) -> Int? {
        var k = 0
        while k < arguments.count {
            let argument = arguments[k]
            if argument == "--" { return k + 1 < arguments.count ? k + 1 : nil }
            if !argument.hasPrefix("-") || argument == "-" { return k }
            let name = String(argument.dropFirst(2).prefix { $0 != "=" })
            if !argument.contains("="), specs.first(where: { $0.name == name })?.takesValue == true { k += 1 }
            k += 1
        }
        return nil
    }
}
