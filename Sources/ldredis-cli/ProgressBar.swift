/// `[#######.....]  45%  4500/10000 items` on one terminal line, redrawn in place.
final class ProgressBar {
    let total: Int
    let output: Output

    init(total: Int, output: Output) {
        self.total = total
        self.output = output
    }

    func show(_ done: Int) {
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : width
        let percent = total > 0 ? min(100, done * 100 / total) : 100
        output.write("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                     + "] \(percent)%  \(done)/\(total) items")
        output.flush()
    }

    func finish() {
        output.write("\r\u{1B}[K")
        output.flush()
    }
}
