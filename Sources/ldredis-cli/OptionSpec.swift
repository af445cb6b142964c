/// One option: `--name` (a flag) or `--name VALUE` / `--name=VALUE`, optionally also read from
/// an environment variable (the command line wins).
struct OptionSpec: Sendable {
    let name: String
    /// The value's placeholder in help (`URL`, `MS`); nil for a flag.
    let value: String?
    let env: String?
    let help: String
    /// May be given more than once (every value kept, in order).
    let repeatable: Bool

    init(_ name: String, value: String? = nil, env: String? = nil, repeatable: Bool = false, help: String) {
        self.name = name
        self.value = value
        self.env = env
        self.help = help
        self.repeatable = repeatable
    }

    var takesValue: Bool { value != nil }

    /// `--name VALUE`, for help.
    var usage: String { "--" + name + (value.map { " " + $0 } ?? "") }
}

/// Help text for options: one line each, aligned, with the environment variable if any.
func optionHelp(_ specs: [OptionSpec]) -> String {
    let width = specs.map { $0.usage.count }.max() ?? 0
    var out = ""
    for spec in specs {
        out += "  " + spec.usage + String(repeating: " ", count: width - spec.usage.count) + "  " + spec.help
        if let env = spec.env { out += " [$\(env)]" }
        out += "\n"
    }
    return out
}
