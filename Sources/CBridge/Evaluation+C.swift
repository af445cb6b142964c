import LDEvaluation
import LDRedisCore

// Flag evaluation: ldredis_evaluate and ldredis_all_flags_state (include/ldredis.h).

@_cdecl("ldredis_evaluate")
public func ldredis_evaluate(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                             _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?,
                             _ flagKey: UnsafePointer<CChar>?,
                             _ contextJSON: UnsafePointer<CChar>?, _ contextLen: Int,
                             _ defaultJSON: UnsafePointer<CChar>?, _ defaultLen: Int) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let key = try string(flagKey, "flag_key")
        let context = try buffer(contextJSON, contextLen, "context_json")
        let defaultValue = try buffer(defaultJSON, defaultLen, "default_json")
        return try withStore(store) { (s) throws(StoreError) in
            let result: (json: [UInt8], detail: EvaluationDetail)
            do throws(Evaluator<CachingStore>.InputError) {
                result = try Evaluator(source: s).evaluateJSON(flagKey: key, context: context, default: defaultValue)
            } catch {
                throw inputError(error)
            }
            if let failure = result.detail.failure { setLastError("flag \"\(key)\": " + failure.message) }
            try output(result.json, out, outLen)
            return LDREDIS_OK
        }
    }
}

@_cdecl("ldredis_all_flags_state")
public func ldredis_all_flags_state(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                    _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?,
                                    _ contextJSON: UnsafePointer<CChar>?, _ contextLen: Int,
                                    _ options: Int32) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let context = try buffer(contextJSON, contextLen, "context_json")
        return try withStore(store) { (s) throws(StoreError) in
            let result: (json: [UInt8], failure: EvaluationFailure?)
            do throws(Evaluator<CachingStore>.InputError) {
                result = try Evaluator(source: s).allFlagsStateJSON(context: context, options: AllFlagsOptions(rawValue: options))
            } catch {
                throw inputError(error)
            }
            if let failure = result.failure { setLastError(failure.message) }
            try output(result.json, out, outLen)
            return LDREDIS_OK
        }
    }
}

private func inputError(_ error: Evaluator<CachingStore>.InputError) -> StoreError {
    switch error {
    case .context(let m): return StoreError.invalidArgument("context_json is not JSON: " + m)
    case .defaultValue(let m): return StoreError.invalidArgument("default_json is not JSON: " + m)
    }
}
