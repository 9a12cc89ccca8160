package io.liverseg.model;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Auto-registered for every test class (META-INF/services + junit-platform.properties): replaces the
 * default {@link ProxySelector}, which Java's HTTP client consults before every connection, by one that
 * throws. Any attempt of DJL (or anything else) to download natives or metadata during the tests therefore
 * fails loudly instead of silently reaching the network.
 */
public final class OfflineGuardExtension implements BeforeAllCallback {

    static {
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                throw new IllegalStateException("network access attempted during tests: " + uri);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
                // nothing connects
            }
        });
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // installed by the static initializer, before the first test class runs
    }
}
