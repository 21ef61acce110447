import GraphAPI
import GraphProvider
import SSPMProvider
import ZoomAPI
import ZoomProvider

/// The providers this build ships: one line per provider. The server, the demo and the tests
/// start from this list (a test may add its own provider beside them). The first is the default
/// of a connector request that names none.
public enum StandardProviders {
    public static func registry(zoom: ZoomClientConfiguration = ZoomClientConfiguration(), graph: GraphClientConfiguration = GraphClientConfiguration(),
                                adding extra: [any Provider] = []) -> ProviderRegistry {
        ProviderRegistry([ZoomProvider(client: zoom), GraphProvider(configuration: graph)] + extra)
    }
}
