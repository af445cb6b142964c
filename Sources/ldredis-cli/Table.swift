/// Columns, aligned by the widest cell (by characters; colour added after padding).
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(style: Style?) -> String {
        var widths = header.map { $0.count }
        for row in rows {
            for (k, cell) in row.enumerated() where k < widths.count { widths[k] = max(widths[k], cell.count) }
        }
        func format(_ cells: [String]) -> String {
            var line = ""
            for (k, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[k] - cell.count))
                let last = k == cells.count - 1
                line += rightAligned.contains(k) ? pad + cell : cell + (last ? "" : pad)
                if !last { line += "  " }
            }
            return line
        }
        var out = style.bold(format(header)) + "\n"
        for row in rows { out += format(row) + "\n" }
        return out
    }
}
