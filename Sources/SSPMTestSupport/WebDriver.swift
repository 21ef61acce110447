import AsyncHTTPClient
import Foundation
import NIOCore
import SSPMCore

public struct WebDriverError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A W3C WebDriver client for a real headless Chromium through chromedriver (Debian's chromium and
/// chromium-driver), for the web UI's browser tests.
public final class WebDriver: Sendable {
    public let http: HTTPClient
    public let base: String
    public let session: String
    private let driver: Process.Handle

    /// chromedriver and chromium, if installed.
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: chromedriverPath) && FileManager.default.isExecutableFile(atPath: chromiumPath)
    }
    static var chromedriverPath: String { ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver" }
    static var chromiumPath: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium" }

    public static func start(http: HTTPClient) async throws -> WebDriver {
        let port = Int.random(in: 20_000...29_000)
        let handle = try Process.Handle.launch(chromedriverPath, ["--port=\(port)"])
        let base = "http://127.0.0.1:\(port)"
        // Wait for chromedriver to listen.
        var ready = false
        for _ in 0..<100 {
            if let (status, _) = try? await Self.call(http, "GET", base + "/status", body: nil), status == 200 { ready = true; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard ready else { handle.kill(); throw WebDriverError("chromedriver did not start on port \(port)") }
        let capabilities: JSONValue = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": [
            "binary": .string(chromiumPath),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US"],
        ]]]]
        let (status, json) = try await Self.call(http, "POST", base + "/session", body: capabilities)
        guard status == 200, let session = json["value"]?["sessionId"]?.stringValue else {
            handle.kill()
            throw WebDriverError("no browser session: \(status) \(json)")
        }
        return WebDriver(http: http, base: base, session: session, driver: handle)
    }

    private init(http: HTTPClient, base: String, session: String, driver: Process.Handle) {
        self.http = http
        self.base = base
        self.session = session
        self.driver = driver
    }

    static func call(_ http: HTTPClient, _ method: String, _ url: String, body: JSONValue?) async throws -> (Int, JSONValue) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))) ?? .null
        return (Int(response.status.code), json)
    }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let (status, json) = try await Self.call(http, method, "\(base)/session/\(session)\(path)", body: body ?? (method == "POST" ? .object([:]) : nil))
        guard status == 200 else { throw WebDriverError("\(method) \(path): \(status) \(json["value"]?["message"]?.stringValue ?? "\(json)")") }
        return json["value"] ?? .null
    }

    public func open(_ url: String) async throws { try await command("POST", "/url", ["url": .string(url)]) }
    public func currentURL() async throws -> String { try await command("GET", "/url").stringValue ?? "" }
    public func source() async throws -> String { try await command("GET", "/source").stringValue ?? "" }

    public func element(_ css: String) async throws -> String {
        let value = try await command("POST", "/element", ["using": "css selector", "value": .string(css)])
        guard let id = value.objectValue?.values.first?.stringValue else { throw WebDriverError("no element \(css)") }
        return id
    }

    public func type(_ css: String, _ text: String) async throws {
        let id = try await element(css)
        try await command("POST", "/element/\(id)/clear")
        try await command("POST", "/element/\(id)/value", ["text": .string(text)])
    }

    public func click(_ css: String) async throws {
        let id = try await element(css)
        try await command("POST", "/element/\(id)/click")
    }

    /// Clicks a link or a submit button and waits until the browser shows the page it leads to
    /// (chromedriver may answer the click before a form's navigation has begun).
    public func follow(_ css: String, timeout: Duration = .seconds(60)) async throws {
        try await script("window.__webDriverOldPage = true;")
        try await click(css)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // Mid-navigation the script may fail: try again.
            if let fresh = try? await script("return window.__webDriverOldPage !== true && document.readyState === 'complete';"), fresh.boolValue == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebDriverError("\(css) did not lead to a new page within \(timeout)")
    }

    /// Runs JavaScript in the page and returns its result.
    @discardableResult
    public func script(_ source: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await command("POST", "/execute/sync", ["script": .string(source), "args": .array(arguments)])
    }

    /// The text of an open alert, or nil when there is none.
    public func alertText() async throws -> String? {
        let (status, json) = try await Self.call(http, "GET", "\(base)/session/\(session)/alert/text", body: nil)
        return status == 200 ? json["value"]?.stringValue : nil
    }

    public func cookies() async throws -> [(String, String)] {
        try await command("GET", "/cookie").arrayValue?.compactMap { c in
            guard let name = c["name"]?.stringValue, let value = c["value"]?.stringValue else { return nil }
            return (name, value)
        } ?? []
    }

    public func deleteCookies() async throws { try await command("DELETE", "/cookie") }

    /// Resizes the browser window (the viewport is slightly smaller), e.g. to a phone's width.
    public func setWindowSize(width: Int, height: Int) async throws {
        try await command("POST", "/window/rect", ["width": .int(Int64(width)), "height": .int(Int64(height))])
    }

    /// Presses keys on the keyboard, as a person would, into whatever has the focus. Special keys
    /// are WebDriver code points: `WebDriver.tab`, `WebDriver.enter`.
    public func press(_ keys: String) async throws {
        var actions: [JSONValue] = []
        for key in keys.unicodeScalars {
            actions.append(["type": "keyDown", "value": .string(String(key))])
            actions.append(["type": "keyUp", "value": .string(String(key))])
        }
        try await command("POST", "/actions", ["actions": [["type": "key", "id": "keyboard", "actions": .array(actions)]]])
    }

    public static let tab = "\u{E004}"
    public static let enter = "\u{E007}"

    /// Saves a PNG of the viewport.
    public func screenshot(to path: String) async throws {
        let encoded = try await command("GET", "/screenshot").stringValue ?? ""
        guard let data = Data(base64Encoded: encoded) else { throw WebDriverError("screenshot was not base64") }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Waits until `condition` holds for the page source (reloading `url` between checks when given).
    public func waitFor(timeout: Duration = .seconds(60), reload url: String? = nil, _ condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let url { try await open(url) }
            let html = try await source()
            if condition(html) { return html }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw WebDriverError("timed out on \(try await currentURL())")
    }

    public func quit() async {
        _ = try? await Self.call(http, "DELETE", "\(base)/session/\(session)", body: nil)
        driver.kill()
    }
}

extension Process {
    /// A child process that is killed with its owner's cleanup.
    public final class Handle: @unchecked Sendable {
        // @unchecked: `process` is set once in init; Process's terminate/isRunning are safe to call from any thread.
        let process: Process
        init(_ process: Process) { self.process = process }

        static func launch(_ path: String, _ arguments: [String]) throws -> Handle {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return Handle(process)
        }

        /// SIGKILL without waiting (waitUntilExit blocks a cooperative thread and can hang the test run).
        public func kill() {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }
}
