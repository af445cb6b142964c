import XCTest
@testable import LDEvaluation

/// PyRegex, construct by construct (Python 3.11 `re.compile(p).search(t)` is the reference).
final class RegexTests: XCTestCase {
    func m(_ p: String, _ t: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(RegexConformanceTests.verdict(p, t), "M", "\(p) on \(String(reflecting: t))", file: file, line: line)
    }
    func n(_ p: String, _ t: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(RegexConformanceTests.verdict(p, t), "N", "\(p) on \(String(reflecting: t))", file: file, line: line)
    }
    func e(_ p: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(RegexConformanceTests.verdict(p, ""), "E", p, file: file, line: line)
    }

    func testLiteralsAndEscapes() {
        m("abc", "xabcx"); n("abc", "ab c")
        m(#"\n"#, "a\nb"); m(#"\t"#, "\t"); m(#"\x41"#, "A"); m(#"\u00e9"#, "é"); m(#"\U0001F642"#, "🙂")
        m(#"\101"#, "A"); m(#"\0"#, "\u{0}"); m(#"\07"#, "\u{7}"); m(#"\."#, "."); n(#"\."#, "a"); m(#"\\"#, "\\")
        e(#"\x4"#); e(#"\U00110000"#); e(#"\p{L}+"#); e(#"\e"#); e(#"\q"#); e("\\"); e(#"\777"#)
        m(#"\-"#, "-"); m(#"\_"#, "_")
    }

    func testClasses() {
        m(#"\d"#, "٣"); n(#"(?a)\d"#, "٣"); m(#"\w"#, "é"); n(#"(?a)\w"#, "é"); m(#"\s"#, "\u{a0}"); m(#"\s"#, "\u{1c}")
        m(#"\D"#, "a"); m(#"\W"#, "-"); m(#"\S"#, "a"); n(#"\S"#, " ")
        m("[a-c]", "b"); n("[^a-c]", "b"); m("[]a]", "]"); m("[^]a]", "b"); m("[a-]", "-"); m(#"[\d-]"#, "-")
        e(#"[\d-z]"#); e("[z-a]"); e("["); e("[]"); e(#"[\A]"#); e(#"[\8]"#)
        m(#"[\b]"#, "\u{8}"); m(#"[\0]"#, "\u{0}"); m(#"[\377]"#, "\u{ff}")
        // POSIX-looking sets are plain sets in Python, followed by a literal "]".
        n("[[:alpha:]]", "user"); m("[[:alpha:]]", "a]"); m("[[:alpha:]]", ":]")
    }

    func testDotAndAnchors() {
        n("a.b", "a\nb"); m("(?s)a.b", "a\nb"); m("(?s:a.b)", "a\nb")
        m("old$", "gold\n"); m("^a$", "a\n"); n("^a$", "a\n\n"); n(#"gold\Z"#, "gold\n"); m(#"gold\Z"#, "gold")
        m("(?m)^b", "a\nb"); n("^b", "a\nb"); m("(?m)a$", "a\nb"); n("a$", "a\nb")
        m(#"\Aa"#, "ab"); n(#"\Ab"#, "ab"); m(#"\bfoo\b"#, "a foo."); n(#"\bfoo\b"#, "afoo"); m(#"\Bo"#, "foo")
        n(#"\B"#, ""); n(#"\b"#, ""); m("$", ""); m("^$", "")
    }

    func testGroupsAndBackreferences() {
        m(#"(a)\1"#, "aa"); n(#"(a)\1"#, "ab"); m("(?P<x>a)(?P=x)", "aa"); m(#"(?i)(a)\1"#, "aA")
        e(#"(?P<x>a)\2"#); e(#"\1(a)"#); e("(?P<a>x)(?P<a>y)"); e("(?P=a)"); e("(?P<1>a)"); m("(?P<é>a)", "a")
        e("(?P<a b>a)"); e("(?<x>a)"); e("("); e(")"); e("(?"); e("(?Px)")
        m(#"(a)|b\1"#, "a"); n(#"(a)|b\1"#, "b")
        m(#"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10"#, "abcdefghijj"); e(#"(a)\10"#)
        e(#"(a)\11"#); e(#"\11"#); m(#"\011"#, "\u{9}")
    }

    func testConditionals() {
        m("(a)?(?(1)b|c)", "ab"); m("(a)?(?(1)b|c)", "c"); n("^(a)?(?(1)b|c)$", "ac")
        m("(?P<n>a)?(?(n)b|c)", "c"); e("(?(0)a)"); e("(?(-1)a)"); e("(?(a)b)"); e("(?(1)a|b|c)"); e("(?(1)a)")
        m("(a)(?( 1 )b)", "ab")
    }

    func testLookaround() {
        m("(?<=g)old", "gold"); n("(?<=g)old", "old"); m("(?<!a)b", "b"); n("(?<!a)b", "ab"); m("(?<!a)b", "b")
        m("(?<=a|b)x", "bx"); e("(?<=a|bc)x"); e("(?<=a*)b"); m("(?<=(a))b", "ab"); m(#"(a)(?<=\1)"#, "a")
        e(#"(?<=\1)(a)"#); m("(?=a)a", "a"); n("(?!a)a", "a"); m(#"(?!a)\w"#, "b"); m("(?=a)*b", "b")
    }

    func testQuantifiers() {
        m("a{2}", "aa"); n("a{2}", "a"); m("^a{,2}$", "aa"); n("^a{,2}$", "aaa"); m("a{2,}", "aaa"); e("a{2,1}")
        m("a{}", "a{}"); m("a{,}", "a"); m("a{x}", "a{x}"); e("{1}"); m("^a{1,2}?$", "aa"); e("a**"); e("a*?+")
        e("*a"); e("^*"); e(#"\b*"#); e("a{4294967295}"); n("a{4294967294}", "aaa"); n("a{1000000000}", "aaa")
        e("x{2}{3}"); m("^(?:x{2}){3}$", "xxxxxx")
        m("(a|)+b", "b"); m("(a*)*b", "aab"); m("(|a)*b", "ab"); m(#"()*\1"#, "")
    }

    func testPossessiveAndAtomic() {
        n("(?>a+)a", "aaa"); n("a++a", "aaa"); m("a*+", ""); m("a++b", "aab"); n("^(?:ab|a)++b$", "ab")
        n("^(?:a|ab)++c$", "abc"); n("^(?>a|ab)c$", "abc"); m("^(?:a|ab)c$", "abc")
    }

    /// `_compile_info`'s first-character filter uses the global flags: a scoped `(?a:…)` or
    /// `(?u:…)` first set can exclude the very start positions its own match would accept.
    func testFirstCharacterFilterQuirk() {
        n(#"(?a:[\W])"#, "ı"); m(#"(?a)[\W]"#, "ı"); n(#"(?a:\W)"#, "ı"); m(#"x|(?a:\W)"#, "ı"); m(#"(?a:[\W])"#, "-ı")
        m(#"(?u:\w)"#, "ı"); n(#"(?a)(?u:\w)"#, "ı")
    }

    func testNamedCharacters() {
        m(#"\N{EM DASH}"#, "\u{2014}"); m(#"\N{em dash}"#, "\u{2014}"); m(#"\N{LINE FEED}"#, "\n"); m(#"\N{LF}"#, "\n")
        m(#"[\N{EM DASH}x]"#, "\u{2014}"); m(#"\N{CJK UNIFIED IDEOGRAPH-4E00}"#, "\u{4E00}"); m(#"\N{HANGUL SYLLABLE GAG}"#, "\u{AC01}")
        e(#"\N{cjk unified ideograph-4E00}"#); e(#"\N{TANGUT IDEOGRAPH-17000}"#); e(#"\N{LATIN CAPITAL LETTER A WITH MACRON AND GRAVE}"#)
        e(#"\N{EM DASH "#); e(#"\N"#); e(#"\N{}"#); e(#"\N{EM_DASH}"#)
    }

    func testFlags() {
        m("(?i)straße", "STRAßE"); n("(?i)straße", "STRASSE"); m("(?i)ǅ", "ǆ"); m("(?i)ǅ", "Ǆ"); m("(?i)k", "\u{212a}")
        n("(?ai)k", "\u{212a}"); m("(?i)s", "ſ"); m("(?i)[s-t]", "ſ"); m("(?i)σ", "ς"); m("(?i)µ", "Μ")
        m("(?i)[^a-z]", "1"); n("(?i)[^a-z]", "A"); m("(?i:a)", "A"); n("(?i:a)A", "aa"); m("(?-i:a)", "a")
        e("(?-i)a"); e("(?i-i:a)"); e("(?a-u:a)"); e("(?-a:a)"); e("(?L)a"); e("a(?i)b"); e("a|(?i)b"); m("(?i)(?m)a", "A")
        e("(?a)(?u)a"); e("(?au)a"); m("(?t)a", "a"); e("(?t)a*"); e("(?i")
        m("(?x) a b # c", "ab"); m("(?x)[ ]", " "); m(#"(?x)a\ b"#, "a b"); m("(?x)a#x\nb", "ab"); m("(?x:a b)", "ab")
        n("(?-x:a b)", "ab"); m("(?#comment)a", "a"); e("(?#unterminated")
    }

    func testBudgetAndHugeInputsDoNotTrap() {
        let rx = try? PyRegex("(a+)+$")
        XCTAssertNotNil(rx)
        XCTAssertNil(rx?.search(String(repeating: "a", count: 40) + "b"))           // gives up: no match
        XCTAssertEqual(ClauseRegex("(a+)+$")?.search(String(repeating: "a", count: 40) + "b"), false)
        do {
            let huge = try PyRegex("(?:a{1000}){1000}")
            XCTAssertEqual(huge.search("aaa"), false)
        } catch {
            XCTFail("\(error)")
        }
        let deep = String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000)
        XCTAssertThrowsError(try PyRegex(deep))
        XCTAssertThrowsError(try PyRegex(String(repeating: "(?=", count: 10_000)))
        XCTAssertThrowsError(try PyRegex("(a)" + String(repeating: "(?(1)", count: 100_000)))
        XCTAssertNoThrow(try PyRegex(String(repeating: "(", count: 100) + String(repeating: ")", count: 100)))
        XCTAssertThrowsError(try PyRegex(String(repeating: "(", count: 101) + String(repeating: ")", count: 101)))
        XCTAssertEqual(try? PyRegex("a.*b").search(String(repeating: "a", count: 1000)), false)   // ~1.5M steps
        XCTAssertEqual(try? PyRegex("a.*b").search(String(repeating: "a", count: 100_000)), nil as Bool?)
    }

    /// The F1 reproductions of the differential test, through the evaluator.
    func testDifferentialReproductions() {
        XCTAssertFalse(op("matches", #""silver""#, #"["\\p{L}+"]"#))
        XCTAssertFalse(op("matches", #""user""#, #"["[[:alpha:]]"]"#))
        XCTAssertTrue(op("matches", #""gold""#, #"["(?<=g)old"]"#))
        XCTAssertTrue(op("matches", #""gold\n""#, #"["old$"]"#))
        XCTAssertFalse(op("matches", #""gold\n""#, #"["gold\\Z"]"#))
    }
}
