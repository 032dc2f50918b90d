import ClienteleCore
import ClienteleRender
import Foundation
import Hummingbird
import Logging
import Mustache
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

struct ServerSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension Response {
    static func text(_ s: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func html(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
        text(s, status: status, contentType: "text/html; charset=utf-8")
    }

    /// `{"ok": false, "error": message}` with the status.
    static func jsonError(_ message: String, status: HTTPResponse.Status) -> Response {
        text(JSONValue.object([("ok", .bool(false)), ("error", .string(message))]).text, status: status, contentType: "application/json")
    }
}
