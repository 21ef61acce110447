import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import SSPMCore
import SSPMProvider
import SSPMReports
import SSPMStorage

/// The web UI: server-rendered pages (Mustache, escaping by default), forms with CSRF tokens,
/// no JavaScript needed. It calls the same services and stores as the REST API.
struct WebUI: Sendable {
    let deps: ServerDependencies
    let auth: AuthService
    let connectors: ConnectorService
    let posture: PostureService
    let library: MustacheLibrary

    init(deps: ServerDependencies, auth: AuthService, connectors: ConnectorService, posture: PostureService) {
        self.deps = deps
        self.auth = auth
        self.connectors = connectors
        self.posture = posture
        var library = MustacheLibrary()
        for (name, text) in WebAssets.templates {
            // The templates are compiled into the binary and parsed by a test; a broken one is a build defect.
            do { try library.register(text, named: name) } catch { preconditionFailure("template \(name): \(error)") }
        }
        self.library = library
    }

    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-store",
    ]

    /// The pages; an `APIError` a page handler throws (a form too large, a bad id), or a store's
    /// refusal (the database busy), is answered with an error page rather than the API's JSON.
    ///
    /// Each page passes the gate its route declares before its handler runs: the session's operator
    /// is resolved first; a page for the signed-in sends others to sign-in (or first-run setup), and
    /// an admin's page refuses a viewer.
    var routes: [RouteSpec] {
        pages.map { spec in
            RouteSpec(method: spec.method, path: spec.path, access: spec.access, handler: { request, context in
                do { return try await gated(spec, request, context) } catch {
                    guard let refusal = (error as? APIError) ?? (error as? StoreError).map(APIError.init) else { throw error }
                    var response = errorPage(refusal, principal: nil)
                    for field in refusal.headers { response.headers.append(field) }
                    return response
                }
            })
        }
    }

    /// A page behind its gate (see `routes`).
    private func gated(_ spec: RouteSpec, _ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        var context = context
        let principal = try await auth.principal(for: request)
        context.principal = principal?.via == .session ? principal : nil
        if spec.access != .open {
            guard let principal = context.principal else {
                return try await deps.auth.operatorCount() == 0 ? Self.redirect("/setup") : Self.redirect("/login")
            }
            if spec.access == .admin, !principal.isAdmin {
                let reading = request.method == .get || request.method == .head
                return errorPage(reading ? APIError.adminOnly : APIError.forbidden, principal: principal)
            }
        }
        return try await spec.handler(request, context)
    }

    var pages: [RouteSpec] {
        [
            RouteSpec(method: .get, path: "/", access: .open, handler: { _, _ in Self.redirect("/connectors") }),
            RouteSpec(method: .get, path: "/static/app.css", access: .open, handler: { _, _ in
                Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600", JSONResponse.noSniff: "nosniff"], body: .init(byteBuffer: ByteBuffer(string: WebAssets.css)))
            }),
            RouteSpec(method: .get, path: "/static/app.js", access: .open, handler: { _, _ in
                Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600", JSONResponse.noSniff: "nosniff"],
                         body: .init(byteBuffer: ByteBuffer(string: WebAssets.script)))
            }),
            RouteSpec(method: .get, path: "/login", access: .open, handler: loginPage),
            RouteSpec(method: .post, path: "/login", access: .open, handler: login),
            RouteSpec(method: .get, path: "/setup", access: .open, handler: setupPage),
            RouteSpec(method: .post, path: "/setup", access: .open, handler: setup),
            RouteSpec(method: .post, path: "/logout", access: .open, handler: logout),
            RouteSpec(method: .get, path: "/connectors", access: .signedIn, handler: connectorList),
            RouteSpec(method: .get, path: "/connectors/new", access: .admin, handler: connectName),
            RouteSpec(method: .get, path: "/connectors/new/credentials", access: .admin, handler: connectCredentials),
            RouteSpec(method: .post, path: "/connectors", access: .admin, handler: createConnector),
            RouteSpec(method: .get, path: "/connectors/{connectorId}", access: .signedIn, handler: connectorPage),
            RouteSpec(method: .post, path: "/connectors/{connectorId}/{action}", access: .admin, handler: connectorAction),
            RouteSpec(method: .get, path: "/connectors/{connectorId}/recommendations", access: .signedIn, handler: recommendations),
            RouteSpec(method: .get, path: "/connectors/{connectorId}/recommendations/{controlId}", access: .signedIn, handler: recommendation),
            RouteSpec(method: .post, path: "/connectors/{connectorId}/recommendations/{controlId}/state", access: .admin, handler: setState),
            RouteSpec(method: .get, path: "/connectors/{connectorId}/activities", access: .signedIn, handler: activities),
            RouteSpec(method: .get, path: "/connectors/{connectorId}/users", access: .signedIn, handler: users),
            RouteSpec(method: .get, path: "/connectors/{connectorId}/scans", access: .signedIn, handler: scans),
            RouteSpec(method: .get, path: "/settings/operators", access: .admin, handler: operators),
            RouteSpec(method: .post, path: "/settings/operators", access: .admin, handler: addOperator),
            RouteSpec(method: .post, path: "/settings/operators/{operatorId}/delete", access: .admin, handler: removeOperator),
        ] + detectionPages
    }

    // MARK: plumbing

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    func page(_ template: String, _ values: [String: Any], principal: Principal?, title: String, status: HTTPResponse.Status = .ok,
              extraHeaders: HTTPFields = [:]) -> Response {
        var context = values
        context["title"] = title
        if let principal {
            context["user"] = ["email": principal.email, "role": principal.role, "csrf": principal.csrf ?? ""]
            context["csrf"] = principal.csrf ?? ""
            context["isAdmin"] = principal.isAdmin
        }
        let html = library.render(Self.unwrapped(context), withTemplate: template) ?? "template \(template) is missing"
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        for field in extraHeaders { headers.append(field) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Mustache shows a Swift Optional that is nil as "nil" (and a present one as "Optional(…)"):
    /// optionals are unwrapped and nils dropped, so `{{#key}}` sections are skipped for them.
    static func unwrapped(_ context: [String: Any]) -> [String: Any] { context.compactMapValues(unwrap) }

    static func unwrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let child = mirror.children.first else { return nil }
            return unwrap(child.value)
        }
        if let dictionary = value as? [String: Any] { return dictionary.compactMapValues(unwrap) }
        if let array = value as? [Any], !(value is [String]) { return array.compactMap(unwrap) }
        return value
    }

    func errorPage(_ error: APIError, principal: Principal?) -> Response {
        page("error", ["heading": error.status == .notFound ? "Not found" : "That did not work", "message": error.message, "fix": error.fix as Any],
             principal: principal, title: "Error", status: error.status)
    }

    /// The signed-in person (resolved by the route's gate), or a redirect to sign-in (or first-run setup).
    func signedIn(_ context: SSPMRequestContext) async throws -> Gate<Principal> {
        if let principal = context.principal { return .ok(principal) }
        if try await deps.auth.operatorCount() == 0 { return .stop(Self.redirect("/setup")) }
        return .stop(Self.redirect("/login"))
    }

    static func form(_ request: Request) async throws -> [String: String] {
        var buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 << 10) } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "too_large", "The form is larger than 64 KB, so nothing was saved.", fix: "Go back, shorten the text and send it again.")
        }
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        return Dictionary(FormEncoding.pairs(text), uniquingKeysWith: { _, last in last })
    }

    /// A page only admins see (a viewer gets `refusal`).
    func adminPage(_ context: SSPMRequestContext, refusal: APIError = .forbidden) async throws -> Gate<Principal> {
        switch try await signedIn(context) {
        case .stop(let response): return .stop(response)
        case .ok(let principal): return principal.isAdmin ? .ok(principal) : .stop(errorPage(refusal, principal: principal))
        }
    }

    /// A signed-in admin's form, with its CSRF token checked.
    func adminForm(_ request: Request, _ context: SSPMRequestContext) async throws -> Gate<(Principal, [String: String])> {
        switch try await signedIn(context) {
        case .stop(let response): return .stop(response)
        case .ok(let principal):
            let form = try await Self.form(request)
            guard let sent = form["csrf"], let expected = principal.csrf, constantTimeEquals(sent, expected) else {
                return .stop(errorPage(APIError(.forbidden, "csrf", "The form's security token is missing or out of date.", fix: "Reload the page and submit it again."), principal: principal))
            }
            guard principal.isAdmin else { return .stop(errorPage(APIError.forbidden, principal: principal)) }
            return .ok((principal, form))
        }
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "never" }
        return FastFormats.utcTimestamp(date).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    static func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value) }

    static func urlEncode(_ text: String) -> String {
        FormEncoding.percentEncode(text)
    }

    // MARK: sign-in

    static let formCookie = "sspm_form"

    func loginPage(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        if try await deps.auth.operatorCount() == 0 { return Self.redirect("/setup") }
        return freshForm("login", [:], title: "Sign in")
    }

    /// A sign-in or setup form with a double-submit token (there is no session yet to hold one).
    func freshForm(_ template: String, _ values: [String: Any], title: String, status: HTTPResponse.Status = .ok) -> Response {
        let token = randomToken(bytes: 18)
        var values = values
        values["formToken"] = token
        return page(template, values, principal: nil, title: title, status: status,
                    extraHeaders: [.setCookie: Cookies.set(Self.formCookie, token, maxAge: 3600, secure: deps.configuration.secureCookies)])
    }

    func checkFormToken(_ request: Request, _ form: [String: String]) -> Bool {
        guard let cookie = Cookies.value(Self.formCookie, in: request), let sent = form["csrf"] else { return false }
        return constantTimeEquals(cookie, sent)
    }

    func login(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let form = try await Self.form(request)
        guard checkFormToken(request, form) else {
            return freshForm("login", ["problem": "The form expired: sign in again."], title: "Sign in", status: .forbidden)
        }
        do {
            let (_, token, _) = try await auth.login(email: form["email"] ?? "", password: form["password"] ?? "", client: auth.client(of: request, context))
            return Self.redirect("/connectors", cookie: Cookies.set(Cookies.session, token, maxAge: Int(deps.configuration.sessionLifetime), secure: deps.configuration.secureCookies))
        } catch let error as APIError {
            var response = freshForm("login", ["problem": error.sentence, "email": form["email"] ?? ""], title: "Sign in",
                                     status: error.status)
            for field in error.headers { response.headers.append(field) }
            return response
        }
    }

    func setupPage(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        if try await deps.auth.operatorCount() > 0 { return Self.redirect("/login") }
        return freshForm("setup", [:], title: "Set up")
    }

    func setup(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        if try await deps.auth.operatorCount() > 0 { return Self.redirect("/login") }
        let form = try await Self.form(request)
        guard checkFormToken(request, form) else { return freshForm("setup", ["problem": "The form expired: try again."], title: "Set up", status: .forbidden) }
        do {
            let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces), password = form["password"] ?? ""
            _ = try await auth.setup(email: email, password: password)
            let (_, token, _) = try await auth.login(email: email, password: password, client: auth.client(of: request, context))
            return Self.redirect("/connectors", cookie: Cookies.set(Cookies.session, token, maxAge: Int(deps.configuration.sessionLifetime), secure: deps.configuration.secureCookies))
        } catch let error as APIError {
            return freshForm("setup", ["problem": error.sentence, "email": form["email"] ?? ""], title: "Set up", status: error.status)
        }
    }

    func logout(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        if case .ok(let principal) = try await signedIn(context) {
            let form = try await Self.form(request)
            guard let sent = form["csrf"], let expected = principal.csrf, constantTimeEquals(sent, expected) else {
                return errorPage(APIError(.forbidden, "csrf", "The form's security token is missing or out of date.", fix: "Reload the page and sign out again."), principal: principal)
            }
            if let cookie = Cookies.value(Cookies.session, in: request) { try await deps.auth.deleteSession(tokenHash: tokenDigest(cookie)) }
        }
        return Self.redirect("/login", cookie: Cookies.set(Cookies.session, "", maxAge: 0, secure: deps.configuration.secureCookies))
    }

    // MARK: connectors

    func connectorList(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        var rows: [[String: Any]] = []
        for c in try await deps.connectors.list() {
            let view = try await connectors.view(c)
            let sources = view.health?.sources ?? []
            rows.append([
                "id": c.id, "name": c.name, "accountId": (try? deps.provider(for: c).accountLabel(c.settings)) ?? "", "status": c.status, "statusDetail": c.statusDetail ?? "",
                "score": view.score.map { "\(Self.number($0.percent))%" } ?? "—", "lastSync": Self.date(view.lastSyncAt),
                "sourcesOK": sources.filter(\.ok).count, "sourcesTotal": sources.count,
                "failing": sources.filter { !$0.ok }.map { "\($0.source.rawValue): \($0.reason ?? "not readable")" },
            ])
        }
        var values: [String: Any] = ["connectors": rows, "hasConnectors": !rows.isEmpty]
        if request.query.string("deleted") != nil { values["flash"] = "The connector was deleted with its data." }
        return page("connectors", values, principal: principal, title: "App connectors")
    }

    func createConnector(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        // The provider's fields as a browser posts them: required ones as typed (trimmed, secrets as
        // pasted), optional ones absent when blank.
        let provider = try connectors.provider(named: form["provider"])
        var fields: [String: String] = [:]
        for field in provider.connectionFields {
            let value = field.secret ? (form[field.name] ?? "") : (form[field.name] ?? "").trimmingCharacters(in: .whitespaces)
            if field.required || !value.trimmingCharacters(in: .whitespaces).isEmpty { fields[field.name] = value }
        }
        let body = CreateConnectorRequest(provider: provider.kind, name: form["name"] ?? "", fields: fields)
        do {
            let (view, _) = try await connectors.create(body, by: principal)
            return Self.redirect("/connectors/\(view.id)?connected=1")
        } catch let error as APIError {
            var kept = form
            for field in provider.connectionFields where field.secret { kept[field.name] = nil }
            let report = error.details.flatMap { try? Self.reportDecoder.decode(ConnectionReport.self, from: JSONEncoder().encode($0)) }
            return renderConnect(principal: principal, step: report == nil ? 2 : 3, form: kept, report: report,
                                 problem: error.sentence, status: error.status)
        }
    }

    // MARK: connect an app (instance name → credentials → validate → connected)

    static let connectSteps = ["Instance name", "Credentials", "Validate", "Connected"]

    /// The wizard's steps for the page at `current` (1-based); a step before it is done.
    static func steps(_ current: Int) -> [String: Any] {
        ["steps": connectSteps.enumerated().map { i, label -> [String: Any] in
            ["n": i + 1, "label": label, "state": i + 1 < current ? "done" : (i + 1 == current ? "current" : "todo"), "current": i + 1 == current]
        }]
    }

    static let reportDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// A user's standing in the paired directory, as the users page shows it.
    static func standingLabel(_ standing: DirectoryStanding?) -> String {
        switch standing {
        case .enabled?: return "enabled"
        case .disabled?: return "disabled"
        case .missing?: return "no account"
        case nil: return ""
        }
    }

    /// Each data source of a connection check with the scope it needs, for `source_health`.
    static func health(_ report: ConnectionReport?, catalogue: RuleCatalogue) -> [String: Any] {
        guard let report else { return ["sources": [[String: Any]]()] }
        var values: [String: Any] = [
            "sources": report.sources.map { h -> [String: Any] in
                let scopes = catalogue.scopes(for: h.source)
                return ["source": h.source.rawValue, "scope": scopes.joined(separator: " or "), "ok": h.ok, "reason": h.reason ?? "",
                        "granted": scopes.contains(where: report.grantedScopes.contains), "missing": !h.missingScopes.isEmpty]
            },
            "headline": report.headline, "checkedAt": date(report.checkedAt),
        ]
        if !report.grantedScopes.isEmpty { values["grantedScopes"] = report.grantedScopes.joined(separator: ", ") }
        if report.status == .degraded, !report.disabledControls.isEmpty { values["disabledControls"] = report.disabledControls.joined(separator: ", ") }
        return values
    }

    func connectName(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminPage(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        var form = ["name": request.query.string("name") ?? ""]
        form["provider"] = request.query.string("provider")
        return renderConnect(principal: principal, step: 1, form: form, report: nil, problem: nil, status: .ok)
    }

    func connectCredentials(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminPage(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let name = (request.query.string("name") ?? "").trimmingCharacters(in: .whitespaces)
        var form = ["name": name]
        form["provider"] = request.query.string("provider")
        guard let provider = try? connectors.provider(named: form["provider"]) else {
            form["provider"] = nil
            return renderConnect(principal: principal, step: 1, form: form, report: nil, problem: "Choose one of the apps listed.", status: .unprocessableContent)
        }
        guard !name.isEmpty, name.unicodeScalars.count <= 200 else {
            return renderConnect(principal: principal, step: 1, form: form, report: nil,
                                 problem: name.isEmpty ? "Give the instance a name, e.g. “\(provider.displayName) – production”." : "The name is longer than 200 characters: shorten it.",
                                 status: .unprocessableContent)
        }
        return renderConnect(principal: principal, step: 2, form: form, report: nil, problem: nil, status: .ok)
    }

    /// Steps 1–3 of connecting an app: the name, then the credentials (again, with the check's
    /// per-source result, when the provider refused them). Secrets are never written back into the page.
    func renderConnect(principal: Principal, step: Int, form: [String: String], report: ConnectionReport?, problem: String?,
                       status: HTTPResponse.Status) -> Response {
        var shown = form
        shown["nameQuery"] = Self.urlEncode(form["name"] ?? "")
        // The provider's own fields: the form is built from its description, never a secret written back.
        let registry = deps.providers
        let chosen = (try? connectors.provider(named: form["provider"])) ?? registry.providers.first
        func field(_ f: ConnectionField) -> [String: Any] {
            let value: String = f.secret ? "" : (form[f.name] ?? "")
            var choices: [[String: Any]] = []
            for (index, c) in f.choices.enumerated() {
                let selected: Bool = form[f.name].map { $0 == c.value } ?? (index == 0)
                choices.append(["value": c.value, "label": c.label, "selected": selected])
            }
            var out: [String: Any] = ["name": f.name, "label": f.label, "help": f.help, "required": f.required, "secret": f.secret]
            out["value"] = value
            out["placeholder"] = f.placeholder
            out["isChoice"] = !f.choices.isEmpty
            out["choices"] = choices
            return out
        }
        let fields = chosen?.connectionFields ?? []
        var values: [String: Any] = Self.steps(step).merging([
            "form": shown, "stepName": step == 1, "stepCredentials": step >= 2,
            "providerName": chosen?.displayName ?? "", "providerKind": chosen?.kind ?? "", "guide": chosen?.connectionGuide ?? "",
            "choosesProvider": registry.providers.count > 1,
            "providers": registry.providers.map { p -> [String: Any] in ["value": p.kind, "label": p.displayName, "selected": p.kind == chosen?.kind] },
            "fields": fields.filter { !$0.advanced }.map(field), "advancedFields": fields.filter(\.advanced).map(field),
            "hasAdvanced": fields.contains(where: \.advanced),
            "advancedOpen": fields.contains { $0.advanced && !(form[$0.name] ?? "").isEmpty },
        ]) { a, _ in a }
        if let report, let provider = chosen {
            values["report"] = Self.health(report, catalogue: provider.catalogue).merging(["healthCaption": "What \(provider.displayName) answered, per data source"]) { a, _ in a }
        }
        if let problem { values["problem"] = problem }
        return page("connect", values, principal: principal, title: "Connect an app", status: status)
    }

    func connectorPage(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("connectorId")
        guard let record = try await deps.connectors.get(id: id) else { return errorPage(APIError.notFound("Connector \(id)"), principal: principal) }
        let view = try await connectors.view(record)
        let provider = try deps.provider(for: record)
        var values: [String: Any] = ["connector": [
            "id": view.id, "name": view.name, "status": view.status, "statusDetail": view.statusDetail ?? "", "webhookUrlPath": view.webhookUrlPath ?? "",
        ], "disconnected": view.status == ConnectorStatus.disconnected.rawValue, "providerName": provider.displayName,
           "secretFields": provider.connectionFields.filter(\.secret).map { ["name": $0.name, "label": $0.label] }]
        if request.query.string("connected") != nil {
            values["justConnected"] = Self.steps(4)
        }
        let scan = try await posture.currentScan(record)
        if let progress = try await deps.jobs.progress(connectorID: id) {
            var shown: [String: Any] = ["phase": progress.phase, "items": progress.items, "requests": progress.requests, "rateLimitWaits": progress.rateLimitWaits,
                                        "running": !progress.finished, "phaseStep": ["validating": 1, "reading": 2, "scoring": 3][progress.phase] ?? 4]
            if let error = progress.error { shown["error"] = error }
            if let eta = progress.etaSeconds, !progress.finished { shown["eta"] = Int(eta) }
            values["progress"] = shown
        } else if scan == nil, ![ConnectorStatus.disconnected.rawValue, ConnectorStatus.error.rawValue].contains(view.status) {
            // The first sync is queued: no worker has taken it yet. The page script waits for it.
            values["progress"] = ["phase": "queued", "items": 0, "requests": 0, "rateLimitWaits": 0, "running": true, "phaseStep": 0] as [String: Any]
        }
        // A provider without controls (a directory) has no findings, scans or activity of its own:
        // the page shows no tabs for them.
        values["scored"] = !provider.catalogue.controls.isEmpty
        if provider.catalogue.controls.isEmpty {
            values["noControls"] = ["providerName": provider.displayName]
        } else if let r = scan {
            func rows(_ dict: [String: ScoreSummary]) -> [[String: Any]] {
                dict.sorted { $0.key < $1.key }.map { ["name": $0.key, "achieved": Self.number($0.value.achieved), "max": Self.number($0.value.max), "percent": Self.number($0.value.percent)] }
            }
            let daily = try await deps.posture.daily(connectorID: id, days: 90)
            values["score"] = ["percent": Self.number(r.score.percent), "achieved": Self.number(r.score.achieved), "max": Self.number(r.score.max),
                               "scannedAt": Self.date(r.scannedAt), "categories": rows(r.categories), "frameworks": rows(r.frameworks),
                               "trendSVG": TrendChart.svg(daily.map { ($0.day, $0.percent) })]
        }
        values["takesWebhooks"] = provider.takesWebhooks
        if provider.directoryRole != .none {
            let byKind = Dictionary(deps.providers.providers.map { ($0.kind, $0.displayName) }, uniquingKeysWith: { a, _ in a })
            func shown(_ p: ConnectorView.PairedConnector) -> [String: Any] { ["id": p.id, "name": p.name, "status": p.status, "providerName": byKind[p.provider] ?? p.provider] }
            var pairing: [String: Any] = ["connectorID": id]
            if provider.directoryRole == .reads {
                let current = view.pairedWith.first
                let candidates = try await connectors.pairingCandidates(record)
                pairing["title"] = "Paired directory"
                pairing["reads"] = true
                if let current { pairing["paired"] = shown(current) }
                pairing["hasCandidates"] = !candidates.isEmpty
                pairing["candidates"] = candidates.map { c -> [String: Any] in
                    ["id": c.id, "name": c.name, "status": c.status, "providerName": byKind[c.provider] ?? c.provider, "selected": c.id == current?.id]
                }
                pairing["providers"] = deps.providers.providers.filter { $0.directoryRole == .provides }.map(\.displayName).joined(separator: ", ")
            } else {
                pairing["title"] = "Paired connectors"
                pairing["provides"] = true
                pairing["hasReaders"] = !view.pairedWith.isEmpty
                pairing["readers"] = view.pairedWith.map(shown)
            }
            values["pairing"] = pairing
        }
        let health = view.health
        values.merge(Self.health(health, catalogue: try deps.provider(for: record).catalogue)) { a, _ in a }
        values["healthCaption"] = "Each data source and the scope it needs"
        if let health { values["health"] = ["headline": health.headline, "checkedAt": Self.date(health.checkedAt)] }
        if let fix = health?.fix { values["fix"] = fix }
        return page("connector", values, principal: principal, title: view.name)
    }

    func connectorAction(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        let id = try context.require("connectorId")
        let action = try context.require("action")
        func optional(_ key: String) -> String? { (form[key] ?? "").isEmpty ? nil : form[key] }
        do {
            let record = try await connectors.connector(id)
            switch action {
            case "sync": try await connectors.syncNow(record, posture: true, by: principal)
            case "reconnect":
                let provider = try deps.provider(for: record)
                let secrets = provider.connectionFields.filter(\.secret)
                var fields: [String: String] = [:]
                for field in secrets { fields[field.name] = optional(field.name) }
                if form["rotate"] != nil, fields.isEmpty {
                    let names = secrets.map { $0.label.split(separator: "(")[0].trimmingCharacters(in: .whitespaces).lowercased() }
                    return errorPage(APIError(.unprocessableContent, "nothing_to_save",
                                              "Nothing was saved: \(secrets.count == 2 ? "both fields were" : "the fields were") empty.",
                                              fix: "Go back and paste the new \(names.joined(separator: ", the ")), or both."), principal: principal)
                }
                let report = try await connectors.reconnect(record, ReconnectRequest(fields: fields), by: principal)
                if report.status == .error { return errorPage(APIError(.unprocessableContent, "connection_failed", report.headline, fix: report.fix), principal: principal) }
            case "disconnect": try await connectors.disconnect(record, by: principal)
            case "pair":
                guard let directory = optional("directory") else {
                    return errorPage(APIError(.unprocessableContent, "nothing_to_save", "Nothing was paired: no directory connector was chosen.",
                                              fix: "Go back and choose one."), principal: principal)
                }
                try await connectors.pair(record, with: directory, by: principal)
            case "unpair": try await connectors.pair(record, with: nil, by: principal)
            case "delete":
                guard (form["confirm"] ?? "").trimmingCharacters(in: .whitespaces) == record.name else {
                    return errorPage(APIError(.unprocessableContent, "not_confirmed", "Nothing was deleted: the name typed to confirm is not “\(record.name)”.",
                                              fix: "Go back and type the instance name exactly."), principal: principal)
                }
                try await connectors.delete(record, by: principal)
                return Self.redirect("/connectors?deleted=1")
            default: return errorPage(APIError.notFound("Action \(action)"), principal: principal)
            }
        } catch let error as APIError where error.code == "disconnected" {
            return errorPage(APIError(.conflict, "disconnected", "The connector is disconnected, so it does not sync.",
                                      fix: "Use Reconnect on the connector's page first."), principal: principal)
        } catch let error as APIError {
            return errorPage(error, principal: principal)
        }
        return Self.redirect("/connectors/\(id)")
    }

    // MARK: posture

    static func options(_ values: [String], selected: String?) -> [[String: Any]] {
        values.map { ["value": $0, "selected": $0 == selected] }
    }

    func recommendations(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("connectorId")
        guard let record = try await deps.connectors.get(id: id) else { return errorPage(APIError.notFound("Connector \(id)"), principal: principal) }
        let q = request.query
        let category = q.string("category"), severity = q.string("severity"), verdict = q.string("verdict"), state = q.string("state")
        let product = q.string("product")
        let sort = q.string("sort") ?? "pointsLeft"
        let selection = RecommendationSelection(products: product.map { [$0] }, categories: category.map { [$0] }, severities: severity.map { [$0] },
                                                verdicts: verdict.map { [$0] }, states: state.map { [$0] }, sort: sort)
        guard let list = try await posture.recommendations(record, selection) else {
            return errorPage(APIError(.notFound, "no_scan", "This connector has not been scanned yet.", fix: "Wait for the first sync."), principal: principal)
        }
        let provider = try deps.provider(for: record)
        let rows: [[String: Any]] = list.items.map {
            ["connectorId": id, "controlId": $0.controlId, "title": $0.title, "category": $0.category, "severity": $0.severity, "verdict": $0.verdict,
             "state": $0.state, "pointsLeft": Self.number($0.pointsLeft)]
        }
        let values: [String: Any] = [
            "connectorId": id, "connectorName": record.name, "items": rows, "total": rows.count,
            "products": [["value": provider.kind, "label": provider.displayName, "selected": product == provider.kind]],
            "categories": Self.options(provider.catalogue.categories.map(\.rawValue), selected: category),
            "severities": Self.options(Severity.allCases.reversed().map(\.rawValue), selected: severity),
            "verdicts": Self.options(Verdict.allCases.map(\.rawValue), selected: verdict),
            "states": Self.options(ControlState.allCases.map(\.rawValue), selected: state),
            "sorts": [("pointsLeft", "Points left"), ("severity", "Severity"), ("title", "Title")].map { ["value": $0.0, "label": $0.1, "selected": $0.0 == sort] },
        ]
        return page("recommendations", values, principal: principal, title: "Recommended actions")
    }

    /// The states an admin can set on the action's page (the service's settable ones; `completed` is the verdict's, not a choice).
    static let stateChoices = PostureService.settableStates.map { ($0.rawValue, stateLabels[$0] ?? $0.rawValue) }
    static let stateLabels: [ControlState: String] = [
        .toAddress: "To address", .planned: "Planned", .riskAccepted: "Risk accepted (needs a rationale and an expiry)",
        .resolvedThirdParty: "Resolved through a third party", .resolvedAlternate: "Resolved through an alternate mitigation",
    ]

    func recommendation(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let record = try await deps.connectors.get(id: try context.require("connectorId"))
        return try await renderRecommendation(request, context, record: record, principal: principal, problem: nil, flash: nil)
    }

    /// An action's page for `record` (the connector row the request read; nil when there is none).
    func renderRecommendation(_ request: Request, _ context: SSPMRequestContext, record: ConnectorRecord?, principal: Principal, problem: String?, flash: String?,
                              form: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let id = try context.require("connectorId")
        let controlID = try context.require("controlId")
        guard let record, let r = try await posture.currentScan(record) else {
            return errorPage(APIError.notFound("Connector \(id) or its scan"), principal: principal)
        }
        let detail: PostureService.RecommendationDetail
        do { detail = try await posture.detail(controlID, of: record, in: r, historyLimit: 10) } catch let error as APIError {
            return errorPage(error, principal: principal)
        }
        let f = detail.finding
        // Newest first on the page.
        let history: [[String: Any]] = detail.history.reversed().map {
            ["scannedAt": Self.date($0.scannedAt), "verdict": $0.verdict, "score": Self.number($0.score)]
        }
        let changes: [[String: Any]] = detail.stateChanges.map {
            ["at": Self.date($0.at), "fromState": $0.fromState ?? "", "toState": $0.toState, "by": $0.by ?? "", "rationale": $0.rationale as Any,
             "expiresAt": $0.expiresAt.map { Self.date($0) } as Any]
        }
        var values: [String: Any] = [
            "connectorId": id, "connectorName": record.name, "providerName": (try? deps.provider(for: record).displayName) ?? record.provider,
            "f": ["controlId": f.controlId, "title": f.title, "severity": f.severity.rawValue, "category": f.category.rawValue, "verdict": f.verdict.rawValue,
                  "state": f.state.rawValue, "stateNote": f.stateNote as Any, "score": Self.number(f.score), "maxScore": Self.number(f.maxScore),
                  "detail": f.detail, "remediation": f.remediation, "portalPath": f.portalPath,
                  "affectedGroups": f.affectedGroups.map { ["name": "\($0.name)"] }] as [String: Any],
            "users": f.affectedUsers.prefix(200).map { ["email": $0.email] }, "moreUsers": f.affectedUsers.count > 200 ? f.affectedUsers.count - 200 : 0,
            "hasGroups": !f.affectedGroups.isEmpty, "hasUsers": !f.affectedUsers.isEmpty,
            "rationale": detail.rationale, "threats": detail.threats.joined(separator: ", "), "hasThreats": !detail.threats.isEmpty,
            "stateOptions": Self.stateChoices.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (form["state"] ?? f.state.rawValue)] },
            "form": ["rationale": form["rationale"] ?? "", "expiresAt": form["expiresAt"] ?? ""],
            "userImpact": detail.userImpact, "implementationCost": detail.implementationCost, "history": history, "changes": changes,
        ]
        if values["moreUsers"] as? Int == 0 { values["moreUsers"] = nil }
        if let problem { values["problem"] = problem }
        if let flash { values["flash"] = flash }
        return page("recommendation", values, principal: principal, title: f.title, status: status)
    }

    func setState(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        let id = try context.require("connectorId")
        let controlID = try context.require("controlId")
        let record = try await deps.connectors.get(id: id)
        // A browser sends a field left blank as empty: that is no rationale, no expiry.
        func typed(_ key: String) -> String? { (form[key] ?? "").isEmpty ? nil : form[key] }
        do {
            guard let record else { throw APIError.notFound("Connector \(id)") }
            try await posture.setState(connector: record, controlID: controlID, state: form["state"] ?? "", rationale: typed("rationale"), expires: typed("expiresAt"),
                                       by: principal)
        } catch let error as APIError {
            return try await renderRecommendation(request, context, record: record, principal: principal, problem: error.sentence, flash: nil, form: form,
                                                  status: error.status)
        }
        return Self.redirect("/connectors/\(id)/recommendations/\(controlID)")
    }

    // MARK: activity and users

    func activities(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("connectorId")
        guard let record = try await deps.connectors.get(id: id) else { return errorPage(APIError.notFound("Connector \(id)"), principal: principal) }
        let q = request.query
        let type = q.string("type")
        let query: ActivityQuery
        do {
            query = try q.activityQuery(connectorID: id, defaultLimit: 100)
        } catch let error as APIError {
            return errorPage(error, principal: principal)
        }
        let pageResult: ActivityPage
        do { pageResult = try await deps.activities.query(query) } catch let error as InvalidCursor {
            return errorPage(APIError.badRequest(error.description), principal: principal)
        }
        var filters: [String] = []
        for key in ["type", "user", "ip", "from", "to"] { if let value = q.string(key) { filters.append("\(key)=\(Self.urlEncode(value))") } }
        let items: [[String: Any]] = pageResult.items.map { a in
            let s = ActivityFormatter.summary(a)
            return ["time": Self.date(a.occurredAt), "kind": a.stream, "user": a.actor, "ip": a.ipAddress ?? "", "action": s.action, "detail": s.detail]
        }
        let values: [String: Any] = [
            "connectorId": id, "connectorName": record.name, "items": items,
            "q": ["user": q.string("user") ?? "", "ip": q.string("ip") ?? "", "from": q.string("from") ?? "", "to": q.string("to") ?? ""],
            "types": [("signin", "Sign-ins"), ("operation", "Admin operations"), ("webhook", "Webhook events")].map { ["value": $0.0, "label": $0.1, "selected": $0.0 == type] },
            "csvLink": "/api/v1/connectors/\(id)/activities?format=csv&" + filters.joined(separator: "&"),
            "policyLink": "/policies/new?" + (["connectorId=\(Self.urlEncode(id))"] + filters.filter { $0.hasPrefix("type=") || $0.hasPrefix("user=") || $0.hasPrefix("ip=") }).joined(separator: "&"),
            "nextLink": pageResult.nextCursor.map { "/connectors/\(id)/activities?" + (filters + ["cursor=\(Self.urlEncode($0))"]).joined(separator: "&") } as Any,
        ]
        return page("activities", values, principal: principal, title: "Activity log")
    }

    func users(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("connectorId")
        guard let record = try await deps.connectors.get(id: id) else { return errorPage(APIError.notFound("Connector \(id)"), principal: principal) }
        let typed = request.query.string("q")
        let offset = (try? request.query.int("offset", default: 0, range: 0...10_000_000)) ?? 0
        let inventory = try await deps.inventory.latest(connectorID: id)
        let all = UserSelection(search: typed).apply(to: inventory?.users ?? [])
        let active = (inventory?.users ?? []).filter { $0.status == "active" }
        let provider = try deps.provider(for: record)
        let known = active.filter { $0.loginTypes != nil }
        let sso = known.filter { u in provider.singleSignOnMethod.map { u.loginTypes?.contains($0) == true } ?? false }.count
        // Two-factor coverage comes from the catalogue's MFA control: the account requires 2FA for all,
        // for some groups or roles (those outside are its affected users), or for nobody.
        let mfaControl = provider.catalogue.mfaControlID
        let mfa = try await posture.currentScan(record)?.findings.first { $0.controlId == mfaControl }
        let uncovered = Set(mfa?.affectedUsers.map(\.email) ?? [])
        func twoFactor(_ u: InventoryUser) -> String {
            guard u.status == "active", let mfa else { return "—" }
            switch mfa.verdict {
            case .pass: return "required"
            case .fail: return "not required"
            case .warn: return uncovered.contains(u.email) ? "not required" : "required"
            default: return "unknown"
            }
        }
        let items: [[String: Any]] = all.dropFirst(offset).prefix(100).map { u in
            let mfaState = twoFactor(u)
            return ["displayName": u.displayName, "email": u.email, "role": u.roleName ?? u.roleID, "type": provider.userTypeName(u.type), "status": u.status,
                    "loginTypes": u.loginTypes.map { $0.map(provider.signInMethodName).joined(separator: ", ") } ?? "not read", "lastLogin": Self.date(u.lastLoginTime),
                    "twoFactor": mfaState, "twoFactorMissing": mfaState == "not required",
                    "standing": Self.standingLabel(u.directoryStanding), "standingBad": u.directoryStanding == .disabled || u.directoryStanding == .missing]
        }
        var coverageParts: [String] = []
        if let mfa, [.pass, .fail, .warn].contains(mfa.verdict) {
            let covered = mfa.verdict == .pass ? active.count : (mfa.verdict == .fail ? 0 : active.filter { !uncovered.contains($0.email) }.count)
            coverageParts.append("two-factor authentication is required for \(covered) of \(active.count) active users")
        } else {
            coverageParts.append("two-factor coverage is unknown until the account settings are read")
        }
        coverageParts.append(known.isEmpty ? "SSO use is not in the user list (\(provider.displayName) did not return sign-in methods per user); see the SSO recommendations"
            : "\(sso) of \(known.count) active users sign in with SSO")
        let coverage = coverageParts.joined(separator: "; ") + "."
        var values: [String: Any] = ["connectorId": id, "connectorName": record.name, "items": items, "total": all.count, "q": typed ?? "",
                                     "showsStanding": all.contains { $0.directoryStanding != nil },
                                     "capturedAt": inventory.map { Self.date($0.capturedAt) } as Any, "coverage": coverage]
        if offset > 0 { values["prevLink"] = "/connectors/\(id)/users?offset=\(max(0, offset - 100))" + (typed.map { "&q=\(Self.urlEncode($0))" } ?? "") }
        if offset + 100 < all.count { values["nextLink"] = "/connectors/\(id)/users?offset=\(offset + 100)" + (typed.map { "&q=\(Self.urlEncode($0))" } ?? "") }
        return page("users", values, principal: principal, title: "Users")
    }
}

extension WebUI {
    /// Scans, and the difference between two of them (by default the latest and the one before).
    func scans(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("connectorId")
        guard let record = try await deps.connectors.get(id: id) else { return errorPage(APIError.notFound("Connector \(id)"), principal: principal) }
        let list = try await deps.scans.summaries(connectorID: id, limit: 200)
        let toID = request.query.string("to") ?? list.first?.id
        let fromID = request.query.string("from") ?? (list.count > 1 ? list[1].id : nil)
        func label(_ s: ScanSummary) -> String { "\(Self.date(s.scannedAt)) (\(Self.number(s.percent))%)" }
        var values: [String: Any] = [
            "connectorId": id, "connectorName": record.name,
            "scans": list.map { ["label": Self.date($0.scannedAt), "achieved": Self.number($0.achieved), "max": Self.number($0.max), "percent": Self.number($0.percent)] },
            "fromOptions": list.map { ["value": $0.id, "label": label($0), "selected": $0.id == fromID] },
            "toOptions": list.map { ["value": $0.id, "label": label($0), "selected": $0.id == toID] },
        ]
        if let fromID, let toID, fromID != toID,
           let from = try await deps.scans.scan(connectorID: id, id: fromID), let to = try await deps.scans.scan(connectorID: id, id: toID) {
            let diff = ScanDiff(from: from, to: to)
            values["diff"] = [
                "fromLabel": Self.date(from.scannedAt), "toLabel": Self.date(to.scannedAt), "count": diff.changes.count,
                "scoreDelta": (diff.scoreDelta >= 0 ? "+" : "") + Self.number(diff.scoreDelta),
                "percentDelta": (diff.percentDelta >= 0 ? "+" : "") + Self.number(diff.percentDelta),
                "changes": diff.changes.map { ["connectorId": id, "controlId": $0.controlId, "title": $0.title, "from": $0.from?.rawValue ?? "—",
                                               "to": $0.to?.rawValue ?? "—", "delta": ($0.scoreDelta >= 0 ? "+" : "") + Self.number($0.scoreDelta)] },
            ] as [String: Any]
        }
        return page("scans", values, principal: principal, title: "Scans")
    }
}

extension WebUI {
    /// Operators (who can sign in, with which role) and the audit log: admins only.
    func operators(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminPage(context, refusal: APIError(.forbidden, "forbidden", "Operators and the audit log are for admins.")) { case .stop(let r): return r; case .ok(let p): principal = p }
        return try await renderOperators(principal: principal, form: [:], problem: nil, flash: nil, status: .ok)
    }

    func renderOperators(principal: Principal, form: [String: String], problem: String?, flash: String?, status: HTTPResponse.Status) async throws -> Response {
        let audit = try await deps.auth.auditLog(limit: 100)
        var values: [String: Any] = [
            "operators": try await deps.auth.operators().map {
                ["id": $0.id, "email": $0.email, "role": $0.role, "createdAt": Self.date($0.createdAt), "isSelf": $0.id == principal.operatorID] as [String: Any]
            },
            "audit": audit.map { ["at": Self.date($0.at), "actor": $0.actor, "action": $0.action, "target": $0.target ?? "", "detail": $0.detail ?? ""] },
            "auditCount": audit.count, "form": form,
        ]
        if let problem { values["problem"] = problem }
        if let flash { values["flash"] = flash }
        return page("operators", values, principal: principal, title: "Operators", status: status)
    }

    func addOperator(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        do {
            let op = try await auth.createOperator(email: (form["email"] ?? "").trimmingCharacters(in: .whitespaces), password: form["password"] ?? "", role: form["role"] ?? "viewer", by: principal)
            return try await renderOperators(principal: principal, form: [:], problem: nil, flash: "\(op.email) can now sign in as \(op.role).", status: .ok)
        } catch let error as APIError {
            return try await renderOperators(principal: principal, form: ["email": form["email"] ?? ""], problem: error.sentence,
                                             flash: nil, status: error.status)
        }
    }

    func removeOperator(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): principal = v.0 }
        do {
            try await auth.removeOperator(id: try context.require("operatorId"), by: principal)
        } catch let error as APIError {
            return try await renderOperators(principal: principal, form: [:], problem: error.sentence, flash: nil, status: error.status)
        }
        return Self.redirect("/settings/operators")
    }
}

/// Server-rendered SVG line chart of the daily Secure Score (numbers only: nothing from a provider is in it).
enum TrendChart {
    static func svg(_ points: [(day: String, percent: Double)]) -> String {
        let width = 600.0, height = 160.0, left = 36.0, bottom = 20.0, top = 10.0
        guard !points.isEmpty else { return "" }
        let plotWidth = width - left - 10, plotHeight = height - top - bottom
        func x(_ i: Int) -> Double { points.count == 1 ? left + plotWidth / 2 : left + plotWidth * Double(i) / Double(points.count - 1) }
        func y(_ p: Double) -> Double { top + plotHeight * (1 - min(100, max(0, p)) / 100) }
        let line = points.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element.percent)) }.joined(separator: " ")
        var svg = "<svg class=\"trend\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Secure Score per day, last \(points.count) day(s)\">"
        for mark in [0.0, 50, 100] {
            svg += String(format: "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#d0d7de\"/>", left, y(mark), width - 10, y(mark))
            svg += String(format: "<text x=\"2\" y=\"%.1f\">%.0f%%</text>", y(mark) + 4, mark)
        }
        svg += "<polyline fill=\"none\" stroke=\"#0b57d0\" stroke-width=\"2\" points=\"\(line)\"/>"
        for (i, p) in points.enumerated() {
            svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#0b57d0\">", x(i), y(p.percent))
                + "<title>\(Self.safeDay(p.day)): \(String(format: "%.1f", p.percent))%</title></circle>"
        }
        if let first = points.first, let last = points.last {
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\">", left, height - 4) + Self.safeDay(first.day) + "</text>"
            svg += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", width - 10, height - 4) + Self.safeDay(last.day) + "</text>"
        }
        return svg + "</svg>"
    }

    /// Days are ours (YYYY-MM-DD); anything else is dropped rather than trusted.
    static func safeDay(_ day: String) -> String { day.allSatisfy { $0.isNumber || $0 == "-" } ? day : "" }
}

/// A page handler goes on with a value, or stops with a response (a redirect to sign-in, an error page).
enum Gate<Value> {
    case ok(Value)
    case stop(Response)
}
