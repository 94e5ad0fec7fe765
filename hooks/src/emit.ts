// The messages the agent sends; their shapes are validated again on the Python side (auditor/instrument/messages.py).
import { Category } from "./catalogue.js";
import { Summary } from "./summary.js";

export interface Planted { what: string; value: Summary; original: Summary; }

export interface HookEvent {
    type: "hook.event";
    api: string;
    hookedClass: string;
    signature: string;
    category: Category;
    args: Summary[];
    result: Summary;
    threw: Summary;
    stack: string[];
    thread: string;
    tid: number;
    time: number;
    planted: Planted | null;
    socket?: { local_ip: string; local_port: number; remote_ip: string; remote_port: number } | null;
    /** category "request": the request line the write starts with (method, target, version); categories
     *  "http_call" and "http_chain": "METHOD absolute-URL" read from the client library's request object. */
    request_line?: string;
    /** categories "http_call" (OkHttp) and "http_chain": the identity of the call, tying the two together. */
    call_id?: number | null;
    /** category "http_chain": what the app's interceptors changed ("url", "method", "headers"). */
    rewritten?: string[];
}

export interface HookStatus { type: "hook.status"; api: string; hookedClass: string; installed: boolean;
    overloads: number; error: string | null; }

/** One hook's installation outcome (hook.status): how many overloads or functions it hooked, or why none. */
export function emitStatus(api: string, hookedClass: string, overloads: number, error: string | null): void {
    emit({ type: "hook.status", api, hookedClass, installed: error === null && overloads > 0, overloads, error });
}

/** data: raw bytes beside the message (a crypto operation's input and output). */
export function emit(message: HookEvent | HookStatus | { type: string; [key: string]: unknown },
                     data: ArrayBuffer | null = null): void {
    send(message, data);
}
