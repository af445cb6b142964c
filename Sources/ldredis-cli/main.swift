import Glibc
import LDRedisCore

// ldredis: look at and repair a LaunchDarkly Redis store from a shell (see man ldredis).

let commands: [Command] = [
    StatusCommand.command, ListCommand.command, GetCommand.command, EvalCommand.command,
    DumpCommand.command, LoadCommand.command, VerifyCommand.command, WatchCommand.command,
    BenchCommand.command,
]

let globalSpecs = Connection.specs + [OptionSpec("version", help: "print the version")]

func generalHelp() -> String {
    var text = """
    usage: ldredis [CONNECTION OPTIONS] COMMAND [ARGS]

    Look at and repair a LaunchDarkly Redis feature store (the schema the SDKs and Relay Proxy use).

    Commands:

    """
    let width = commands.map { $0.name.count }.max() ?? 0
    for command in commands {
        text += "  " + command.name + String(repeating: " ", count: width - command.name.count) + "  " + command.summary + "\n"
    }
    text += "\nConnection options (also from the environment; the command line wins):\n"
    text += optionHelp(Connection.specs)
    text += "\nOther options:\n" + optionHelp([OptionSpec("help", help: "show this help (after a command: its help)"),
                                                globalSpecs[globalSpecs.count - 1]])
    text += "\nRun 'ldredis COMMAND --help' for a command's options; 'man ldredis' for more.\n"
    return text
}

func main() -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    let arguments = Array(CommandLine.arguments.dropFirst())
    do throws(CLIError) {
        guard let index = Arguments.firstPositional(arguments, specs: globalSpecs) else {
            let parsed = try Arguments.parse(arguments, specs: globalSpecs)
            if parsed.given("version") {
                Output.standard.line("ldredis \(ldredisVersion)")
                return ExitCode.ok
            }
            if parsed.help {
                Output.standard.write(generalHelp())
                return ExitCode.ok
            }
            throw CLIError.usage("no command given\n\n" + generalHelp())
        }
        var name = arguments[index]
        var rest = Array(arguments[..<index]) + Array(arguments[(index + 1)...])
        if name == "help" {
            // `ldredis help [COMMAND]`
            guard let topic = rest.first(where: { !$0.hasPrefix("-") }) else {
                Output.standard.write(generalHelp())
                return ExitCode.ok
            }
            name = topic
            rest = ["--help"]
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            throw CLIError.usage("unknown command '\(name)' (see ldredis --help)")
        }
        let parsed = try Arguments.parse(rest, specs: Connection.specs + command.options)
        if parsed.help {
            Output.standard.write(command.help())
            return ExitCode.ok
        }
        guard command.positionals.contains(parsed.positionals.count) else {
            throw CLIError.usage("usage: ldredis \(command.name) \(command.synopsis) (see ldredis \(command.name) --help)")
        }
        let configuration = try Connection.configuration(parsed)
        return try command.run(Invocation(arguments: parsed, configuration: configuration))
    } catch {
        Output.standard.flush()
        let err = Output.error
        err.line(err.style.bad("ldredis: error:") + " " + error.message)
        return error.code
    }
}

let status = main()
Output.standard.flush()
Output.error.flush()
exit(status)
