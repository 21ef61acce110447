import Foundation
import SSPMCore

/// The providers a server knows, by kind. Built once at start (the executable lists the standard
/// ones; a test may add its own).
public struct ProviderRegistry: Sendable {
    public let providers: [any Provider]

    public init(_ providers: [any Provider]) {
        var seen = Set<String>()
        self.providers = providers.filter { seen.insert($0.kind).inserted }
    }

    public func provider(_ kind: String) -> (any Provider)? {
        providers.first { $0.kind == kind }
    }

    public var kinds: [String] { providers.map(\.kind) }

    /// Every provider's controls, in registry order.
    public var controls: [ControlMetadata] { providers.flatMap(\.catalogue.controls) }
    /// Every provider's detection templates, with the provider's kind.
    public var detectionTemplates: [(provider: String, policy: DetectionPolicy)] {
        providers.flatMap { provider in provider.detectionTemplates.map { (provider.kind, $0) } }
    }

}
