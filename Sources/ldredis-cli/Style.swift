/// ANSI colours, for a terminal.
struct Style {
    private func wrap(_ code: String, _ text: String) -> String { "\u{1B}[\(code)m\(text)\u{1B}[0m" }
    func bold(_ t: String) -> String { wrap("1", t) }
    func dim(_ t: String) -> String { wrap("2", t) }
    func good(_ t: String) -> String { wrap("32", t) }
    func warn(_ t: String) -> String { wrap("33", t) }
    func bad(_ t: String) -> String { wrap("31", t) }
    func key(_ t: String) -> String { wrap("34", t) }
    func string(_ t: String) -> String { wrap("32", t) }
    func number(_ t: String) -> String { wrap("36", t) }
}

extension Optional where Wrapped == Style {
    func bold(_ t: String) -> String { self?.bold(t) ?? t }
    func dim(_ t: String) -> String { self?.dim(t) ?? t }
    func good(_ t: String) -> String { self?.good(t) ?? t }
    func warn(_ t: String) -> String { self?.warn(t) ?? t }
    func bad(_ t: String) -> String { self?.bad(t) ?? t }
}
