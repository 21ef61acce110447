import AsyncHTTPClient
import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

@Suite(.serialized)
struct ConnectionValidatorTests {
    static func tenant(plan: ZoomPlan = .pro, scopes: [String] = TenantGenerator.defaultScopes) -> Tenant {
        TenantGenerator(users: 20, groups: 2, days: 1, seed: 5, plan: plan, scopes: scopes).generate()
    }

    @Test("all scopes: connected, every data source healthy, no control disabled")
    func connected() async throws {
        try await SimulatorFixture.with(Self.tenant()) { f in
            let report = await ZoomConnectionValidator(client: await f.client()).validate()
            #expect(report.status == .connected)
            #expect(report.sources.count == ZoomDataSource.allCases.count && report.sources.allSatisfy(\.ok))
            #expect(report.disabledControls.isEmpty)
            #expect(report.grantedScopes.contains("report:read:admin"))
        }
    }

    @Test("a missing scope: degraded, names the scope and the controls it disables")
    func missingScope() async throws {
        let scopes = TenantGenerator.defaultScopes.filter { $0 != "report:read:admin" && $0 != "chat_channel:read:admin" }
        try await SimulatorFixture.with(Self.tenant(scopes: scopes)) { f in
            let report = await ZoomConnectionValidator(client: await f.client()).validate()
            #expect(report.status == .degraded)
            #expect(Set(report.sources.filter { !$0.ok }.map(\.source)) == [.signInReport, .operationLog, .chatChannels])
            #expect(report.fix?.contains("report:read:user_activities:admin") == true)
            #expect(report.fix?.contains("team_chat:read:list_channels:admin") == true)
            #expect(Set(report.disabledControls) == ["ZAD-04", "ZAD-05", "ZCH-07"])
        }
    }

    @Test("free plan: reports not permitted, degraded with the plan explained")
    func freePlan() async throws {
        try await SimulatorFixture.with(Self.tenant(plan: .free)) { f in
            let report = await ZoomConnectionValidator(client: await f.client()).validate()
            #expect(report.status == .degraded)
            #expect(report.sources.first { $0.source == .signInReport }?.reason?.contains("Pro or higher") == true)
        }
    }

    @Test("bad credentials, a deactivated app and an unreachable host are errors with a plain headline and fix")
    func errors() async throws {
        try await SimulatorFixture.with(Self.tenant()) { f in
            var wrong = await f.simulator.credentials()
            wrong.clientSecret = Secret("nope")
            let bad = await ZoomConnectionValidator(client: await f.client(credentials: wrong)).validate()
            #expect(bad.status == .error)
            #expect(bad.headline.hasPrefix("Bad credentials"))
            #expect(bad.fix?.contains("App Credentials") == true)
            #expect(bad.disabledControls.count > 50)
            await f.engine.updateFaults { $0.appDeactivated = true }
            let deactivated = await ZoomConnectionValidator(client: await f.client()).validate()
            #expect(deactivated.headline.contains("deactivated"))
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = ZoomClient(credentials: .init(accountID: "a", clientID: "c", clientSecret: "s"),
                                configuration: .init(apiURL: "http://127.0.0.1:9/v2", tokenURL: "http://127.0.0.1:9/oauth/token", maxTransientRetries: 1, transientBackoff: .milliseconds(10)),
                                http: http, logger: LogCapture().logger(label: "v"))
        let unreachable = await ZoomConnectionValidator(client: client).validate()
        #expect(unreachable.status == .error)
        #expect(unreachable.headline == "Zoom cannot be reached.")
        try await http.shutdown()
    }
}
