import XCTest
@testable import LDEvaluation

/// Reasons, error kinds, targets, prerequisites, segments, rollouts, contexts, attribute refs.
final class EvaluationTests: XCTestCase {
    let flagF = """
    {"key":"f","version":1,"on":true,"salt":"s","variations":["hello","hallo","bonjour"],"offVariation":0,
     "fallthrough":{"variation":0},"targets":[{"variation":1,"values":["anna"]}],
     "rules":[{"id":"r0","variation":2,"clauses":[{"attribute":"country","op":"in","values":["fr"]}]}]}
    """

    func source() -> MemorySource {
        let s = MemorySource()
        s.flags["f"] = flagF
        return s
    }

    func testReasonOff() {
        let s = MemorySource()
        s.flags["f"] = #"{"key":"f","version":1,"on":false,"variations":[1,2],"offVariation":1}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":2,"variationIndex":1,"reason":{"kind":"OFF"}}"#)
        s.flags["f"] = #"{"key":"f","version":1,"on":false,"variations":[1,2]}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"OFF"}}"#)
    }
    func testReasonFallthrough() {
        XCTAssertEqual(detailJSON(source(), "f", #"{"kind":"user","key":"bob"}"#),
                       #"{"value":"hello","variationIndex":0,"reason":{"kind":"FALLTHROUGH"}}"#)
    }
    func testReasonTargetMatch() {
        XCTAssertEqual(detailJSON(source(), "f", #"{"kind":"user","key":"anna"}"#),
                       #"{"value":"hallo","variationIndex":1,"reason":{"kind":"TARGET_MATCH"}}"#)
    }
    func testReasonRuleMatch() {
        XCTAssertEqual(detailJSON(source(), "f", #"{"kind":"user","key":"b","country":"fr"}"#),
                       #"{"value":"bonjour","variationIndex":2,"reason":{"kind":"RULE_MATCH","ruleIndex":0,"ruleId":"r0"}}"#)
    }
    func testReasonRuleMatchWithoutIdHasNullRuleId() {
        let s = MemorySource()
        s.flags["f"] = clauseFlag(#"{"attribute":"key","op":"in","values":["k"]}"#).replacingOccurrences(of: #""id":"r","#, with: "")
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"k"}"#),
                       #"{"value":true,"variationIndex":1,"reason":{"kind":"RULE_MATCH","ruleIndex":0,"ruleId":null}}"#)
    }
    func testReasonPrerequisiteFailed() {
        let s = source()
        s.flags["p"] = #"{"key":"p","version":1,"on":true,"variations":["x","y"],"offVariation":0,"fallthrough":{"variation":1},"prerequisites":[{"key":"f","variation":1}]}"#
        XCTAssertEqual(detailJSON(s, "p", #"{"key":"bob"}"#),
                       #"{"value":"x","variationIndex":0,"reason":{"kind":"PREREQUISITE_FAILED","prerequisiteKey":"f"}}"#)
        XCTAssertEqual(detailJSON(s, "p", #"{"key":"anna"}"#), #"{"value":"y","variationIndex":1,"reason":{"kind":"FALLTHROUGH"}}"#)
        // A missing prerequisite fails too.
        s.flags["p"] = #"{"key":"p","version":1,"on":true,"variations":["x","y"],"offVariation":0,"fallthrough":{"variation":1},"prerequisites":[{"key":"zz","variation":1}]}"#
        XCTAssertEqual(detailJSON(s, "p", #"{"key":"anna"}"#),
                       #"{"value":"x","variationIndex":0,"reason":{"kind":"PREREQUISITE_FAILED","prerequisiteKey":"zz"}}"#)
    }
    func testPrerequisiteOffFailsEvenOnTheRightVariation() {
        let s = MemorySource()
        s.flags["a"] = #"{"key":"a","version":1,"on":false,"variations":[1],"offVariation":0}"#
        s.flags["p"] = #"{"key":"p","version":1,"on":true,"variations":[1,2],"fallthrough":{"variation":1},"prerequisites":[{"key":"a","variation":0}]}"#
        XCTAssertEqual(detailJSON(s, "p", #"{"key":"k"}"#), #"{"value":null,"reason":{"kind":"PREREQUISITE_FAILED","prerequisiteKey":"a"}}"#)
    }
    func testErrorFlagNotFound() {
        XCTAssertEqual(detailJSON(source(), "nope", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"FLAG_NOT_FOUND"}}"#)
        let s = MemorySource()
        s.flags["gone"] = #"{"key":"gone","version":3,"deleted":true}"#
        XCTAssertEqual(detailJSON(s, "gone", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"FLAG_NOT_FOUND"}}"#)
    }
    func testErrorMalformedFlagVariationOutOfRange() {
        let s = MemorySource()
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[1],"fallthrough":{"variation":7}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[1],"fallthrough":{}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[1],"fallthrough":{"rollout":{"variations":[]}}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
    }
    func testErrorMalformedFlagPrerequisiteCycle() {
        let s = MemorySource()
        s.flags["a"] = #"{"key":"a","version":1,"on":true,"variations":[1],"fallthrough":{"variation":0},"prerequisites":[{"key":"b","variation":0}]}"#
        s.flags["b"] = #"{"key":"b","version":1,"on":true,"variations":[1],"fallthrough":{"variation":0},"prerequisites":[{"key":"a","variation":0}]}"#
        XCTAssertEqual(detailJSON(s, "a", #"{"key":"k"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
    }
    func testErrorMalformedFlagSegmentCycle() {
        let s = MemorySource()
        s.segments["s1"] = #"{"key":"s1","version":1,"rules":[{"clauses":[{"attribute":"key","op":"segmentMatch","values":["s2"]}]}]}"#
        s.segments["s2"] = #"{"key":"s2","version":1,"rules":[{"clauses":[{"attribute":"key","op":"segmentMatch","values":["s1"]}]}]}"#
        s.flags["f"] = clauseFlag(#"{"attribute":"key","op":"segmentMatch","values":["s1"]}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"k"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
    }
    func testErrorMalformedFlagInvalidAttributeReference() {
        let s = MemorySource()
        s.flags["f"] = clauseFlag(#"{"contextKind":"user","attribute":"/a//b","op":"in","values":[1]}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"k"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
        // Only when the context has that kind (the SDK looks the context up first).
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"org","key":"k"}"#), #"{"value":false,"variationIndex":0,"reason":{"kind":"FALLTHROUGH"}}"#)
    }
    func testErrorUserNotSpecified() {
        for bad in [#"{"kind":"user","key":""}"#, #"{"kind":"user"}"#, #"{"kind":"multi"}"#, #"{"kind":"kind","key":"a"}"#,
                    #"{"kind":"us er","key":"a"}"#, #"{"kind":"multi","user":{"key":"a"},"org":{"key":""}}"#, "[]", "null", "5",
                    #"{"kind":"user","key":5}"#, #"{"kind":"user","key":"a","name":5}"#, #"{"kind":"user","key":"a","anonymous":"x"}"#] {
            XCTAssertEqual(detailJSON(source(), "f", bad), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"USER_NOT_SPECIFIED"}}"#, bad)
        }
    }
    func testErrorExceptionForWrongTypesAndStoreFailure() {
        let s = MemorySource()
        for bad in [#"{"key":"f","version":1,"on":"yes"}"#, #"{"key":"f","on":true}"#, #"{"key":"f","version":1.5}"#,
                    #"{"key":"f","version":1,"rules":[{"clauses":[{"op":"in","values":[]}]}]}"#,
                    #"{"key":"f","version":1,"targets":[{"variation":0,"values":[1]}]}"#, "[1,2]", "{", ""] {
            s.flags["f"] = bad
            XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"EXCEPTION"}}"#, bad)
        }
        s.flags["f"] = flagF
        s.failReads = true
        let d = Evaluator(source: s).evaluate(flagKey: "f", context: ctx(#"{"key":"a"}"#))
        XCTAssertEqual(d.reason, .error(.exception))
        XCTAssertEqual(d.failure?.message, "store down")
    }
    func testErrorWrongTypeIsNotProducedByServerSideEvaluation() {
        // The server-side SDKs' variation_detail does no type check: any JSON value is served.
        let s = MemorySource()
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[{"a":1}],"fallthrough":{"variation":0}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":{"a":1},"variationIndex":0,"reason":{"kind":"FALLTHROUGH"}}"#)
    }
    func testContextTargetsForOtherKindsAndUserTargetsByVariation() {
        let s = MemorySource()
        s.flags["f"] = """
        {"key":"f","version":1,"on":true,"variations":[0,1,2],"fallthrough":{"variation":0},
         "targets":[{"variation":1,"values":["u1"]}],
         "contextTargets":[{"contextKind":"org","variation":2,"values":["o1"]},{"contextKind":"user","variation":1,"values":[]}]}
        """
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"org","key":"o1"}"#), #"{"value":2,"variationIndex":2,"reason":{"kind":"TARGET_MATCH"}}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"user","key":"u1"}"#), #"{"value":1,"variationIndex":1,"reason":{"kind":"TARGET_MATCH"}}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"multi","user":{"key":"u1"},"org":{"key":"o1"}}"#),
                       #"{"value":2,"variationIndex":2,"reason":{"kind":"TARGET_MATCH"}}"#)
    }
    func testKindAttribute() {
        XCTAssertTrue(matches(#"{"attribute":"kind","op":"in","values":["org"]}"#, #"{"kind":"multi","user":{"key":"a"},"org":{"key":"b"}}"#))
        XCTAssertFalse(matches(#"{"attribute":"kind","op":"in","values":["org"]}"#, #"{"kind":"user","key":"a"}"#))
        XCTAssertTrue(matches(#"{"contextKind":"user","attribute":"/kind","op":"startsWith","values":["us"]}"#, #"{"key":"a"}"#))
    }
    func testAttributeReferences() {
        let c = #"{"kind":"user","key":"k","a":{"b":{"c":"deep"}},"x/y":"slash","m~n":"tilde","/lit":"literal"}"#
        XCTAssertTrue(matches(#"{"contextKind":"user","attribute":"/a/b/c","op":"in","values":["deep"]}"#, c))
        XCTAssertTrue(matches(#"{"contextKind":"user","attribute":"/x~1y","op":"in","values":["slash"]}"#, c))
        XCTAssertTrue(matches(#"{"contextKind":"user","attribute":"/m~0n","op":"in","values":["tilde"]}"#, c))
        XCTAssertTrue(matches(#"{"attribute":"/lit","op":"in","values":["literal"]}"#, c))   // legacy: a literal name
        XCTAssertFalse(matches(#"{"contextKind":"user","attribute":"/a/b/c/d","op":"in","values":["deep"]}"#, c))
        XCTAssertTrue(matches(#"{"contextKind":"user","attribute":"key","op":"in","values":["k"]}"#, c))
        XCTAssertTrue(matches(#"{"contextKind":"user","attribute":"/anonymous","op":"in","values":[false]}"#, c))
        XCTAssertEqual(AttributeRef.path("/a~2").error != nil, true)
        XCTAssertEqual(AttributeRef.path("/a/").error != nil, true)
        XCTAssertEqual(AttributeRef.path("/").error != nil, true)
        XCTAssertEqual(AttributeRef.path("/~01").components, ["~1"])
    }
    func testOldStyleUser() {
        let c = #"{"key":"u","name":"N","email":"e@x","custom":{"plan":"gold","key":"ignored"},"anonymous":true,"secondary":"s"}"#
        XCTAssertTrue(matches(#"{"attribute":"plan","op":"in","values":["gold"]}"#, c))
        XCTAssertTrue(matches(#"{"attribute":"email","op":"in","values":["e@x"]}"#, c))
        XCTAssertTrue(matches(#"{"attribute":"name","op":"in","values":["N"]}"#, c))
        XCTAssertTrue(matches(#"{"attribute":"key","op":"in","values":["u"]}"#, c))
        XCTAssertTrue(matches(#"{"attribute":"anonymous","op":"in","values":[true]}"#, c))
        XCTAssertFalse(matches(#"{"attribute":"secondary","op":"in","values":["s"]}"#, c))
        XCTAssertTrue(ctx(#"{"key":""}"#).isValid)          // old-style users may have an empty key
        XCTAssertFalse(ctx(#"{"name":"x"}"#).isValid)
    }
    func testMultiKindContextAndMissingKind() {
        let s = MemorySource()
        s.flags["f"] = clauseFlag(#"{"contextKind":"org","attribute":"tier","op":"in","values":["gold"]}"#)
        XCTAssertEqual(Evaluator(source: s).evaluate(flagKey: "f", context: ctx(#"{"kind":"multi","user":{"key":"u"},"org":{"key":"o","tier":"gold"}}"#)).variationIndex, 1)
        XCTAssertEqual(Evaluator(source: s).evaluate(flagKey: "f", context: ctx(#"{"kind":"user","key":"u","tier":"gold"}"#)).variationIndex, 0)
        XCTAssertFalse(ctx(#"{"kind":"multi","user":{"key":"u"},"x":{"kind":"user","key":"v"}}"#).isValid)  // same kind twice
    }

    // MARK: rollouts (bucket values computed with the Python SDK's _bucket_context)

    func bucket(_ seed: String?, _ context: String, kind: String? = nil, bucketBy: AttributeRef? = nil) -> Double {
        (try? Evaluator(source: MemorySource()).bucketValue(seed: seed, context: ctx(context), kind: kind, key: "hashKey",
                                                            salt: "saltyA", bucketBy: bucketBy)) ?? -99
    }
    func testBucketValuesMatchThePythonSDK() {
        XCTAssertEqual(bucket(nil, #"{"key":"userKeyA"}"#), 0.4215758743392494)
        XCTAssertEqual(bucket(nil, #"{"key":"userKeyB"}"#), 0.6708484965703435)
        XCTAssertEqual(bucket("61", #"{"key":"userKeyA"}"#), 0.0980120652476667)
        XCTAssertEqual(bucket(nil, #"{"kind":"user","key":"x","intAttr":33333}"#, bucketBy: .literal("intAttr")), 0.5477142345861467)
        XCTAssertEqual(bucket(nil, #"{"kind":"user","key":"x","s":"Émile"}"#, bucketBy: .literal("s")), 0.8684191291610383)
        XCTAssertEqual(bucket(nil, #"{"kind":"org","key":"o1"}"#, kind: "org"), 0.14613073530696116)
        XCTAssertEqual(bucket(nil, #"{"kind":"user","key":"x","f":1.5}"#, bucketBy: .literal("f")), 0)     // floats are not bucketable
        XCTAssertEqual(bucket(nil, #"{"kind":"user","key":"x","b":true}"#, bucketBy: .literal("b")), 0)
        XCTAssertEqual(bucket(nil, #"{"kind":"org","key":"o1"}"#), -1)                    // no user kind
    }
    func testRolloutAndExperimentReasons() {
        let s = MemorySource()
        s.flags["f"] = """
        {"key":"hashKey","version":1,"on":true,"salt":"saltyA","variations":["a","b","c"],
         "fallthrough":{"rollout":{"kind":"experiment","variations":[{"variation":0,"weight":42000},{"variation":1,"weight":20000},{"variation":2,"weight":38000,"untracked":true}]}}}
        """
        // userKeyA buckets at 0.4216 (variation 1, tracked), userKeyB at 0.6708 (variation 2, untracked).
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"userKeyA"}"#), #"{"value":"b","variationIndex":1,"reason":{"kind":"FALLTHROUGH","inExperiment":true}}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"userKeyB"}"#), #"{"value":"c","variationIndex":2,"reason":{"kind":"FALLTHROUGH"}}"#)
        // Weights that do not add up: the last bucket.
        s.flags["f"] = #"{"key":"hashKey","version":1,"on":true,"salt":"saltyA","variations":["a","b"],"fallthrough":{"rollout":{"variations":[{"variation":0,"weight":1},{"variation":1,"weight":1}]}}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"userKeyA"}"#), #"{"value":"b","variationIndex":1,"reason":{"kind":"FALLTHROUGH"}}"#)
    }
    func testSegmentsIncludesExcludesRulesWeights() {
        let s = MemorySource()
        s.segments["seg"] = """
        {"key":"seg","version":1,"salt":"saltyA","included":["in"],"excluded":["out","userKeyA"],
         "includedContexts":[{"contextKind":"org","values":["o-in"]}],
         "rules":[{"clauses":[{"attribute":"country","op":"in","values":["de"]}],"weight":50000}]}
        """
        let clause = #"{"attribute":"key","op":"segmentMatch","values":["seg"]}"#
        XCTAssertTrue(matches(clause, #"{"key":"in"}"#, source: s))
        XCTAssertTrue(matches(clause, #"{"kind":"multi","org":{"key":"o-in"},"user":{"key":"zz"}}"#, source: s))
        XCTAssertFalse(matches(clause, #"{"key":"out","country":"de"}"#, source: s))
        // Rule with weight: segment "seg"/salt "saltyA" buckets differ from the flag's.
        let b = (try? Evaluator(source: s).bucketValue(seed: nil, context: ctx(#"{"key":"v"}"#), kind: nil, key: "seg", salt: "saltyA", bucketBy: nil)) ?? 2
        XCTAssertEqual(matches(clause, #"{"key":"v","country":"de"}"#, source: s), b < 0.5)
        XCTAssertFalse(matches(clause, #"{"key":"v","country":"fr"}"#, source: s))
    }
    func testBigSegments() {
        let s = MemorySource()
        s.segments["big"] = #"{"key":"big","version":1,"unbounded":true,"generation":2,"rules":[{"clauses":[{"attribute":"vip","op":"in","values":[true]}]}]}"#
        s.flags["f"] = clauseFlag(#"{"attribute":"key","op":"segmentMatch","values":["big"]}"#)
        s.membership["m"] = ["big.g2": true]
        s.membership["x"] = ["big.g2": false]
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"m"}"#), #"{"value":true,"variationIndex":1,"reason":{"kind":"RULE_MATCH","ruleIndex":0,"ruleId":"r","bigSegmentsStatus":"HEALTHY"}}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"user","key":"x","vip":true}"#), #"{"value":false,"variationIndex":0,"reason":{"kind":"FALLTHROUGH","bigSegmentsStatus":"HEALTHY"}}"#)
        s.bigStatus = .stale
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"user","key":"n","vip":true}"#), #"{"value":true,"variationIndex":1,"reason":{"kind":"RULE_MATCH","ruleIndex":0,"ruleId":"r","bigSegmentsStatus":"STALE"}}"#)
        s.segments["big"] = #"{"key":"big","version":1,"unbounded":true}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"m"}"#), #"{"value":false,"variationIndex":0,"reason":{"kind":"FALLTHROUGH","bigSegmentsStatus":"NOT_CONFIGURED"}}"#)
    }
    func testAllFlagsState() {
        let s = source()
        s.flags["g"] = #"{"key":"g","version":4,"on":true,"variations":[1,2],"fallthrough":{"variation":1},"trackEvents":true,"clientSide":true}"#
        let e = Evaluator(source: s)
        let all = e.allFlagsState(context: ctx(#"{"key":"anna"}"#), options: [.withReasons], nowMillis: 0)
        XCTAssertEqual(String(decoding: all.json, as: UTF8.self),
                       #"{"f":"hallo","g":2,"$flagsState":{"f":{"reason":{"kind":"TARGET_MATCH"},"version":1,"variation":1},"g":{"reason":{"kind":"FALLTHROUGH"},"version":4,"variation":1,"trackEvents":true}},"$valid":true}"#)
        let client = e.allFlagsState(context: ctx(#"{"key":"anna"}"#), options: [.clientSideOnly, .detailsOnlyForTrackedFlags], nowMillis: 0)
        XCTAssertEqual(String(decoding: client.json, as: UTF8.self),
                       #"{"g":2,"$flagsState":{"g":{"version":4,"variation":1,"trackEvents":true}},"$valid":true}"#)
        let invalid = e.allFlagsState(context: ctx(#"{"kind":"user"}"#), options: [], nowMillis: 0)
        XCTAssertEqual(String(decoding: invalid.json, as: UTF8.self), #"{"$flagsState":{},"$valid":false}"#)
    }
}

final class ContextMemoTests: XCTestCase {
    func testSameBytesGiveTheSameParsedContextOnThisThread() throws {
        let a = Array(#"{"kind":"user","key":"memo-1"}"#.utf8), b = Array(#"{"kind":"user","key":"memo-2"}"#.utf8)
        let c1 = try a.withUnsafeBufferPointer { try ContextMemo.context($0) }
        let c2 = try a.withUnsafeBufferPointer { try ContextMemo.context($0) }
        XCTAssertTrue(c1.contexts[0] === c2.contexts[0])
        let c3 = try b.withUnsafeBufferPointer { try ContextMemo.context($0) }
        XCTAssertEqual(c3.contexts[0].key, "memo-2")
        let c4 = try a.withUnsafeBufferPointer { try ContextMemo.context($0) }
        XCTAssertEqual(c4.contexts[0].key, "memo-1")
        XCTAssertThrowsError(try Array("{".utf8).withUnsafeBufferPointer { try ContextMemo.context($0) })
    }
}
