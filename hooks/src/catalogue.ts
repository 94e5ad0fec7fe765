// The privacy-sensitive APIs auditor watches: the entries of the shared catalogue
// (auditor/catalogue/privacy_apis.json, also read by the static scan) that the agent hooks.
import catalogue from "../../auditor/catalogue/privacy_apis.json" with { type: "json" };

/** Event category, as written in the ledger (docs/events.md): one of the catalogue's category ids, which
 *  tests/test_catalogue.py checks against this agent. */
export type Category = string;

export interface HookSpec {
    category: Category;
    className: string;
    method: string;
    /** Interface or abstract class: hook every loaded concrete class that implements it. */
    viaImplementations?: boolean;
    /** Only report calls whose argument `index`, as text, contains `contains` (e.g. Settings.Secure "android_id"). */
    argMatch?: { index: number; contains: string };
    /** Hook only this overload (Java type names); default: every overload. */
    overload?: string[];
    /** A class that exists only on "android" (Conscrypt, libcore's socket stream, Cronet) or on the "jvm". */
    runtime?: string;
    /** Categories http_call and http_chain: the request object (the receiver or an argument) and the steps
     *  (zero-argument methods, or "field:NAME") that give its absolute URL and its method; `call`: the steps
     *  from the receiver to the call object (empty: the receiver) whose identity ties a chain event to its call;
     *  `method_default`: the method when the steps give null (Cronet's unset method). */
    requestOf?: { from: "this" | number; url: string[]; method: string[]; call?: string[]; method_default?: string };
}

export const CATALOGUE: HookSpec[] = catalogue.apis.filter(api => api.used_by.includes("hook")).map(api => ({
    category: api.category, className: api.class, method: api.method,
    ...(api.via_implementations ? { viaImplementations: true } : {}),
    ...(api.arg_match ? { argMatch: { index: api.arg_match.index, contains: api.arg_match.contains } } : {}),
    ...(api.overload ? { overload: api.overload } : {}),
    ...(api.runtime ? { runtime: api.runtime } : {}),
    ...(api.request_of ? { requestOf: api.request_of as HookSpec["requestOf"] } : {}),
}));
